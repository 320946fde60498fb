"""What the evaluation publishes: the public scoreboard, who may see which figures, and the tables
of the page and its .xlsx export."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from civicgrid.accounts.models import OrgUnit
from civicgrid.areas.models import Area, scope_code
from civicgrid.core.periods import Period

from ..capabilities import CASES_EVALUATE
from ..models import Case, CaseEvent
from .figures import INDICATORS, POSTS, CaseFigures, Row, _in, base, by_area, by_unit, score_rules, totals
from .posts import Evaluation

# --- public scoreboard ----------------------------------------------------------------------------
PUBLIC_UNIT_KINDS = (OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.STREET_OFFICE)


def public_scores(period: Period) -> dict:
    """What the public scoreboard shows (定期发布): per street the case counts, closing rates and
    satisfaction; per department and street office its figures and unit score. No people.
    Cached (anyone may ask): the key holds the newest case event, so any change shows at once."""
    from django.core.cache import cache
    from django.db.models import Max
    from django.utils.translation import get_language

    newest = CaseEvent.objects.aggregate(n=Max("id"), at=Max("at"))
    key = (f"cases:public-scores:{period.key}:{get_language()}:{newest['n']}:{newest['at']}:"
           f"{Case.objects.count()}").replace(" ", "_")
    found = cache.get(key)
    if found is None:
        found = _public_scores(period)
        cache.set(key, found, 600)
    return found


def _public_scores(period: Period) -> dict:
    data = base(period, None)
    streets = by_area(period, None, levels=("street",), data=data)
    units = [r for r in by_unit(period, None, data=data) if r.kind in PUBLIC_UNIT_KINDS]
    return {"period": period, "streets": streets, "units": units, "totals": totals(period, None, data=data)}


# --- who sees what --------------------------------------------------------------------------------
def scope_for(user, area: str = "") -> tuple[str, ...] | None:
    """The area prefixes ``user`` evaluates (``cases.evaluate``: district and street administrators,
    the centre's shift leaders), optionally narrowed to ``area`` inside them. No capability → 403;
    an area outside the jurisdiction (or not there) → 404, audited, like any other object."""
    from django.http import Http404

    from civicgrid.core.access import require_capability
    from civicgrid.core.scoping import scope_codes

    if not getattr(user, "is_superuser", False):
        require_capability(user, CASES_EVALUATE)
    prefixes = None if getattr(user, "is_superuser", False) else scope_codes(user, CASES_EVALUATE)
    area = (area or "").strip()
    if not area:
        return prefixes
    if not area.isdigit() or len(area) not in (6, 9, 12, 15) or not _in(scope_code(area), prefixes) \
            or not Area.objects.filter(code=area).exists():
        from civicgrid.core import audit

        audit.record("access.denied", actor=user, object_type="areas.area", object_repr=area[:15], outcome="denied")
        raise Http404
    return (scope_code(area),)  # a city's cases are those of its districts (3301…)


# --- tables for pages and exports -----------------------------------------------------------------
CASE_COLUMNS = [  # (key, label, kind) of a CaseFigures row
    ("reported", pgettext_lazy("count", "reported"), "n"), ("due", pgettext_lazy("count", "due"), "n"),
    ("closed", pgettext_lazy("count", "closed"), "n"), ("closing_rate", INDICATORS["closing_rate"], "%"),
    ("on_time_rate", INDICATORS["on_time_rate"], "%"), ("rework_rate", INDICATORS["rework_rate"], "%"),
    ("extension_rate", INDICATORS["extension_rate"], "%"), ("sendback_rate", INDICATORS["sendback_rate"], "%"),
    ("satisfaction_rate", INDICATORS["satisfaction_rate"], "%"),
    ("satisfaction_score", gettext_lazy("satisfaction score"), "1"),
    ("mean_handling_hours", gettext_lazy("mean handling time (working hours)"), "1"),
]


def fmt(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "%":
        return f"{100 * value:.1f}%"
    if kind == "1":
        return f"{value:.1f}"
    return str(value)


def formula(post: str, rules: list[tuple[str, float, bool]] | None = None) -> str:
    """A score's definition in words, from its rules (read if not given): "按期结案率 × 40% + … +
    (1 − 返工率) × 20%"."""
    parts = []
    for indicator, weight, invert in score_rules(post) if rules is None else rules:
        label = str(INDICATORS.get(indicator, indicator))
        parts.append(f"{'(1 − ' + label + ')' if invert else label} × {weight:g}%")
    return " + ".join(parts)


def post_tables(rows: list[Row]) -> list[dict]:
    """The post rows grouped by post, with the post's indicator columns in the ScoreRule order."""
    out = []
    for post in POSTS:
        rules = score_rules(post)
        mine = sorted((r for r in rows if r.kind == post), key=lambda r: (-(r.score or -1), r.key))
        out.append({
            "post": post.value, "label": post.label,
            "columns": [{"key": i, "label": INDICATORS.get(i, i), "weight": f"{w:g}", "invert": inv}
                        for i, w, inv in rules],
            "rows": [{"key": r.key, "name": r.name, "score": fmt(r.score, "1"), "grade": r.grade,
                      "cells": [fmt(r.values.get(i), "%") for i, _w, _inv in rules]} for r in mine],
        })
    return out


def export_xlsx(result: Evaluation, *, title: str) -> bytes:
    """The evaluation as a workbook (openpyxl write-only): summary, units, areas, posts."""
    import io

    from civicgrid.core.spreadsheet import workbook

    wb = workbook()  # cells spreadsheet-safe: unit and post names are typed by people
    head = [str(label) for _k, label, _kind in CASE_COLUMNS]

    def value(fig: CaseFigures, key: str, kind: str):
        v = getattr(fig, key)
        return None if v is None else (round(100 * v, 2) if kind == "%" else round(v, 2) if kind == "1" else v)

    ws = wb.create_sheet(str(_("Summary")))
    ws.append([title, result.period.label])
    ws.append([str(_("from")), result.period.first_day.isoformat(), str(_("to")), result.period.last_day.isoformat()])
    ws.append(head)
    ws.append([value(result.totals, k, kind) for k, _l, kind in CASE_COLUMNS])
    ws = wb.create_sheet(str(_("Units")))
    ws.append([str(_("code")), str(_("unit")), str(_("kind")), *head, str(_("score")), str(_("grade"))])
    for r in result.units:
        ws.append([r.key, r.name, r.kind_label, *[value(r.figures, k, kind) for k, _l, kind in CASE_COLUMNS],
                   r.score, r.grade])
    ws = wb.create_sheet(str(_("Areas")))
    ws.append([str(_("code")), str(_("area")), str(_("level")), *head])
    for r in result.areas:
        ws.append([r.key, r.name, r.kind_label, *[value(r.figures, k, kind) for k, _l, kind in CASE_COLUMNS]])
    ws = wb.create_sheet(str(_("Posts")))
    for table in post_tables(result.posts):
        ws.append([str(table["label"])])
        ws.append([str(_("account")), str(_("name")),
                   *[f"{c['label']} ×{c['weight']}%" + (f" ({_('inverted')})" if c["invert"] else "")
                     for c in table["columns"]], str(_("score")), str(_("grade"))])
        for r in table["rows"]:
            ws.append([r["key"], r["name"], *r["cells"], r["score"], r["grade"]])
        ws.append([])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
