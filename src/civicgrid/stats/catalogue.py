"""The indicators the installed apps declare (``core.plugins.indicator``), and the periods cached."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.core import periods as P
from civicgrid.core import plugins
from civicgrid.core.indicators import ratio

PERIOD_KINDS = ("year", "half", "quarter", "month")
KIND_LABELS = {"year": _("year"), "half": _("half-year"), "quarter": _("quarter"), "month": _("month")}
UNIT_LABELS = {"%": "%", "people": _("people"), "households": _("households"), "cases": _("cases"),
               "per community": _("per community"), "m²": _("m² per 100 households")}


def indicators() -> list[plugins.Indicator]:
    return plugins.indicators()


def get(code: str) -> plugins.Indicator | None:
    return next((i for i in plugins.indicators() if i.code == code), None)


def value_of(indicator: plugins.Indicator, numerator: float, denominator: float) -> float | None:
    """The figure people read: factor × Σ numerators (a count) or factor × Σ num ÷ Σ den."""
    if indicator.aggregate == "sum":
        return indicator.factor * numerator if denominator else None
    r = ratio(numerator, denominator)
    return None if r is None else indicator.factor * r


def unit_label(indicator) -> str:
    return str(UNIT_LABELS.get(indicator.unit, indicator.unit))


def cached_periods(now: dt.datetime | None = None, years: int = 2) -> list[P.Period]:
    """The periods the refresh keeps: every year, half-year, quarter and month of the last
    ``years`` calendar years that has begun."""
    now = now or timezone.now()
    this_year = P.today(now).year
    out = []
    for y in range(this_year - years + 1, this_year + 1):
        for kind in PERIOD_KINDS:
            for p in P.between(kind, dt.date(y, 1, 1), dt.date(y, 12, 31)):
                if p.start <= now:
                    out.append(p)
    return out


def recent(kind: str, count: int, last: P.Period) -> list[P.Period]:
    """``count`` periods of ``kind`` ending with ``last``, oldest first."""
    out = [last]
    while len(out) < count:
        out.append(out[-1].previous())
    return list(reversed(out))
