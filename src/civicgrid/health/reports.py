"""Half-yearly report forms (半年工作报表) and the team assessment (团队考核) of a period: filled from
the figures, never typed in. The form's cells are fixed (``CELLS``): the district's column is the sum
of its streets' cells; rates are recomputed from the summed numerators and denominators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.areas.models import Area
from civicgrid.core import periods
from civicgrid.core.errors import UserError
from civicgrid.core.indicators import grade

from . import figures
from .models import AssessmentItem, HalfYearReport, TeamMember, Visit
from .rules import REPORT_FLOW

# (key, label, figure, part) — part "n" numerator or "d" denominator of a figure, or a count.
CELLS = [
    ("residents", gettext_lazy("people living here"), "records", "d"),
    ("records", gettext_lazy("health records"), "records", "n"),
    ("contracts", gettext_lazy("people with an agreement in force"), "contracts", "n"),
    ("htn_estimated", gettext_lazy("estimated hypertensives"), "htn_managed", "d"),
    ("htn_managed", gettext_lazy("hypertensives managed"), "htn_managed", "n"),
    ("htn_standard", gettext_lazy("hypertensives under standard management"), "htn_standard", "n"),
    ("htn_controlled", gettext_lazy("hypertensives under control"), "htn_control", "n"),
    ("dm_estimated", gettext_lazy("estimated diabetics"), "dm_managed", "d"),
    ("dm_managed", gettext_lazy("diabetics managed"), "dm_managed", "n"),
    ("dm_standard", gettext_lazy("diabetics under standard management"), "dm_standard", "n"),
    ("dm_controlled", gettext_lazy("diabetics under control"), "dm_control", "n"),
    ("elderly", gettext_lazy("people aged 65+"), "elderly", "d"),
    ("elderly_checked", gettext_lazy("65+ with a health check"), "elderly", "n"),
    ("tasks_closed", gettext_lazy("follow-up windows closed"), "ontime", "d"),
    ("tasks_on_time", gettext_lazy("follow-ups done on time"), "ontime", "n"),
    ("grids", gettext_lazy("base grids"), "coverage", "d"),
    ("grids_covered", gettext_lazy("grids in a team's health grid"), "coverage", "n"),
    ("surveyed", gettext_lazy("residents surveyed"), "awareness", "d"),
    ("aware", gettext_lazy("residents who know their team"), "awareness", "n"),
    ("satisfied", gettext_lazy("residents satisfied"), "satisfaction", "n"),
]
RATES = [  # (key, label, numerator cell, denominator cell)
    ("record_rate", gettext_lazy("record rate"), "records", "residents"),
    ("contract_rate", gettext_lazy("agreement rate"), "contracts", "residents"),
    ("htn_standard_rate", gettext_lazy("hypertension standard management"), "htn_standard", "htn_managed"),
    ("dm_standard_rate", gettext_lazy("diabetes standard management"), "dm_standard", "dm_managed"),
    ("elderly_rate", gettext_lazy("65+ health management"), "elderly_checked", "elderly"),
    ("ontime_rate", gettext_lazy("follow-ups on time"), "tasks_on_time", "tasks_closed"),
    ("awareness_rate", gettext_lazy("awareness"), "aware", "surveyed"),
    ("satisfaction_rate", gettext_lazy("satisfaction"), "satisfied", "surveyed"),
]


def half_year(code: str):
    try:
        period = periods.parse(code)
    except ValueError:
        period = None
    if period is None or period.kind != "half":
        raise UserError(_("Period: a half-year such as 2025S1 or 2025S2."), field="period")
    return period


def fill_cells(street_code: str, period, *, today: dt.date | None = None) -> dict:
    total = figures.total(street_code, period, today)
    cells = {}
    for key, _label, figure, part in CELLS:
        f = total[figure]
        value = f.numerator if part == "n" else f.denominator
        value = round(float(value), 2)
        cells[key] = int(value) if value == int(value) else value
    param = figures.parameter(period.first_day.year)
    served = cells["contracts"]
    cells["funding"] = round(float(Decimal(str(served)) * Decimal(str(param.funding_per_person)) / 2), 2)
    cells["visits"] = Visit.objects.filter(area_code__startswith=street_code, on__gte=period.first_day,
                                           on__lte=period.last_day).count()
    return cells


def rates(cells: dict) -> dict:
    return {key: (round(100 * cells[n] / cells[d], 1) if cells.get(d) else None) for key, _l, n, d in RATES}


def district_total(district_code: str, period_code: str) -> dict:
    """The district's column: the sum of its streets' submitted or reviewed forms' cells."""
    reports = HalfYearReport.objects.filter(area_code__startswith=district_code, period=period_code,
                                            status__in=[HalfYearReport.Status.SUBMITTED, HalfYearReport.Status.REVIEWED])
    total: dict = {}
    for report in reports:
        for key, value in report.figures.items():
            summed = round(total.get(key, 0) + value, 2)
            total[key] = int(summed) if summed == int(summed) else summed
    return total


def do_fill_report(*, actor, street_code: str, period_code: str, today: dt.date | None = None) -> HalfYearReport:
    """Create or refill a street's form from the data (draft or returned forms only)."""
    period = half_year(period_code)
    street = Area.objects.filter(code=str(street_code or ""), level=Area.Level.STREET).first()
    if street is None:
        raise UserError(_("Street: choose a street."), field="street")
    from civicgrid.core.scoping import ensure_in_scope

    from .capabilities import HEALTH_MANAGE

    ensure_in_scope(actor, street.code, HEALTH_MANAGE)
    with transaction.atomic():
        report, _created = HalfYearReport.objects.get_or_create(
            area_code=street.code, period=period.code,
            defaults={"deadline": period.end - dt.timedelta(microseconds=1)})
        locked = REPORT_FLOW.lock(report)
        REPORT_FLOW.require(actor, locked, "fill")
        locked.figures = fill_cells(street.code, period, today=today)
        locked.filled_at = timezone.now()
        REPORT_FLOW.advance(locked, "fill", actor=actor, fields=["figures", "filled_at"])
    return locked


def do_report_step(report: HalfYearReport, step: str, *, actor, version: int | None = None, note: str = "",
                   now: dt.datetime | None = None) -> HalfYearReport:
    if step not in ("submit", "review", "return"):
        raise UserError(_("Step: unknown step %(a)s.") % {"a": step}, field="step")
    now = now or timezone.now()
    with transaction.atomic():
        locked = REPORT_FLOW.lock(report, version)
        REPORT_FLOW.require(actor, locked, step)
        fields = []
        if step == "submit":
            if not locked.figures:
                raise UserError(_("Fill the form from the data before submitting it."), field="figures")
            locked.submitted_at, locked.late = now, now > locked.deadline
            fields = ["submitted_at", "late"]
        if step == "return" and not (note or "").strip():
            raise UserError(_("Note: say what to correct."), field="note")
        REPORT_FLOW.advance(locked, step, actor=actor, fields=fields, note=(note or "")[:1000])
    return locked


def export_xlsx(report: HalfYearReport) -> bytes:
    """The form in a fixed layout: A1 title, row 3 the header, then one row per cell (label, value),
    then the rates."""
    from civicgrid.core.spreadsheet import workbook

    book = workbook()
    sheet = book.create_sheet(_("half-yearly report"))
    sheet.append([_("Community health half-yearly work report"), report.area_code, report.period])
    sheet.append([_("status"), str(report.get_status_display()), _("late") if report.late else ""])
    sheet.append([_("item"), _("value")])
    for key, label, _figure, _part in CELLS:
        sheet.append([str(label), report.figures.get(key)])
    sheet.append([_("funding (yuan)"), report.figures.get("funding")])
    sheet.append([_("visits in the period"), report.figures.get("visits")])
    for key, label, _n, _d in RATES:
        value = rates(report.figures).get(key) if report.figures else None
        sheet.append([f"{label} (%)", value])
    return book.to_bytes()


# --- team assessment -----------------------------------------------------------------------------------------
BANDS = [(90, "优秀"), (80, "良好"), (60, "合格"), (0, "不合格")]
PAY = {"优秀": 1.2, "良好": 1.0, "合格": 0.8, "不合格": 0.5}  # performance-pay coefficient per grade (sample)


def assessment(teams, period, *, today: dt.date | None = None) -> list[dict]:
    """Per team: its figures, quotas from its grid's population (agreements: 60 % of residents;
    follow-ups: every window closed), completion, the score from the standard (Σ weight × min(value ÷
    target, 1) over items with data), the grade and the pay coefficient."""
    items = list(AssessmentItem.objects.filter(active=True).order_by("code"))
    out = []
    prefixes = sorted({t.area_code for t in teams})
    by_grid: dict = {}
    for prefix in prefixes:
        by_grid.update(figures.by_grid(prefix, period, today))
    for team in teams:
        parts = [by_grid[g] for g in team.grid_codes if g in by_grid]
        figs = {c: sum((p[c] for p in parts), figures.Fraction()) for c in figures.CODES}
        total = weight = 0.0
        lines = []
        for item in items:
            f = figs.get(item.figure)
            value = f.value if f is not None else None
            achieved = None if value is None else min(value / float(item.target), 1.0) if item.target else 1.0
            if achieved is not None:
                total += float(item.weight) * achieved
                weight += float(item.weight)
            lines.append({"item": item, "value": None if value is None else round(100 * value, 1),
                          "achieved": None if achieved is None else round(100 * achieved, 1)})
        score = round(100 * total / weight, 1) if weight else None
        letter = grade(score, BANDS)
        quota = round(0.6 * figs["contracts"].denominator)
        out.append({"team": team, "lines": lines, "score": score, "grade": letter, "pay": PAY.get(letter),
                    "quota_contracts": quota, "done_contracts": figs["contracts"].numerator,
                    "quota_followups": figs["ontime"].denominator, "done_followups": figs["ontime"].numerator,
                    "medical": TeamMember.objects.filter(team=team, active=True,
                                                         post__in=TeamMember.MEDICAL_POSTS).count()})
    return out


__all__ = ["CELLS", "RATES", "assessment", "district_total", "do_fill_report", "do_report_step",
           "export_xlsx", "fill_cells", "rates"]
