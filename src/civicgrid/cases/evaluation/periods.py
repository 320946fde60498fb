"""The evaluation's periods: calendar months, quarters and inclusive ranges of days, as the page
and the API ask for them (``period=month&month=…``), on the core kit's ``core.periods``."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from civicgrid.core import periods
from civicgrid.core.errors import UserError
from civicgrid.core.periods import Period

__all__ = ["Period", "custom_period", "last_full_month", "month_period", "parse_period", "quarter_period"]

month_period = periods.month
quarter_period = periods.quarter
custom_period = periods.custom


def last_full_month(now: dt.datetime | None = None) -> Period:
    return periods.last_full("month", now)


def parse_period(params) -> Period:
    """A period from ``period`` (month|quarter|custom) with ``month`` (``202611`` or ``2026-11``),
    ``quarter`` (``2026Q4`` or ``2026-Q4``) or ``start``/``end`` (YYYY-MM-DD, both days included); by
    default the last full month."""
    kind = (params.get("period") or "").strip()
    try:
        if kind in ("", "month") and params.get("month"):
            period = periods.parse(str(params["month"]))
            if period.kind != "month":
                raise ValueError
            return period
        if kind in ("month", ""):
            return last_full_month()
        if kind == "quarter":
            text = str(params.get("quarter") or "").strip()
            if not text:
                return periods.containing("quarter", last_full_month().first_day)
            period = periods.parse(text)
            if period.kind != "quarter":
                raise ValueError
            return period
    except (ValueError, TypeError):
        name = "quarter" if kind == "quarter" else "month"
        raise UserError(_("%(field)s: give the period as YYYY-MM or YYYY-Qn.")
                        % {"field": _("quarter") if name == "quarter" else _("month")}, field=name)
    if kind != "custom":
        raise UserError(_("Period: choose month, quarter or custom."), field="period")
    days = {}
    for name, label in (("start", _("first day")), ("end", _("last day"))):
        try:
            days[name] = dt.date.fromisoformat(str(params.get(name) or "").strip())
        except ValueError:
            raise UserError(_("%(field)s: give a date as YYYY-MM-DD.") % {"field": label}, field=name)
    if days["end"] < days["start"]:
        raise UserError(_("Last day: the last day comes on or after the first."), field="end")
    if (days["end"] - days["start"]).days > 731:
        raise UserError(_("Last day: a period spans at most two years."), field="end")
    return custom_period(days["start"], days["end"])
