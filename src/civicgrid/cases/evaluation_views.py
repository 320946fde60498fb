"""Evaluation pages (综合评价): units, areas and posts over a period; the public scoreboard."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.areas.queries import area_names
from civicgrid.cases.capabilities import CASES_EVALUATE, CASES_MANAGE
from civicgrid.core import audit
from civicgrid.core.decorators import capability_required
from civicgrid.core.errors import UserError
from civicgrid.core.forms import without_field_name

from . import actions
from . import evaluation as ev
from .models import GradeBand, ScoreRule


def _period(request) -> tuple[ev.Period, str]:
    try:
        return ev.parse_period(request.GET), ""
    except UserError as exc:
        return ev.last_full_month(), exc.message


def _recent_months(n: int = 12) -> list[ev.Period]:
    today = timezone.localtime().date()
    out, year, month = [], today.year, today.month
    for _i in range(n):
        out.append(ev.month_period(year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


NARROW = ["reported", "extension_rate", "sendback_rate", "satisfaction_score"]  # hidden on small screens


def _columns(skip=()) -> list[dict]:
    return [{"key": k, "label": label, "kind": kind, "narrow": k in NARROW} for k, label, kind in ev.CASE_COLUMNS
            if k not in skip]


def _case_rows(rows: list[ev.Row], columns: list[dict]) -> list[dict]:
    return [{"key": r.key, "name": r.name, "kind": r.kind_label, "score": ev.fmt(r.score, "1"), "grade": r.grade,
             "cells": [{"value": ev.fmt(getattr(r.figures, c["key"]), c["kind"]), "narrow": c["narrow"]}
                       for c in columns]} for r in rows]


def _jurisdiction_label(prefixes) -> str:
    if prefixes is None:
        return _("all areas")
    names = area_names(prefixes)
    return "、".join(names.get(p, p) for p in prefixes)


@capability_required(CASES_EVALUATE)
def evaluation_page(request):
    prefixes = ev.scope_for(request.user, request.GET.get("area", ""))
    period, error = _period(request)
    result = ev.evaluate(period, prefixes, refresh=request.GET.get("refresh") == "1")
    query = request.GET.copy()
    query.pop("refresh", None)
    again = query.copy()
    again["refresh"] = "1"
    return render(request, "cases/evaluation.html", {
        "computed_at": dt.datetime.fromtimestamp(result.computed_at, tz=dt.UTC), "current": result.current,
        "refresh_query": again.urlencode(),
        "period": period, "error": error, "months": _recent_months(), "quarters": _recent_quarters(),
        "unit_columns": _columns(skip=("reported",)), "area_columns": _columns(),
        "totals": [(label, ev.fmt(getattr(result.totals, k), kind)) for k, label, kind in ev.CASE_COLUMNS],
        **_units(request, _case_rows(result.units, _columns(skip=("reported",))), query),
        "areas": _case_rows(result.areas, _columns()),
        "posts": ev.post_tables(result.posts), "jurisdiction": _jurisdiction_label(prefixes),
        "area": request.GET.get("area", ""), "query": query.urlencode(),
        "grades": ev.grade_bands(), "unit_formula": ev.formula(ScoreRule.Post.UNIT),
    })


UNITS_SHOWN = 25  # a city has a thousand lead units: the best and the worst this many, unless asked


def _units(request, rows: list[dict], query) -> dict:
    """The units' rows: all of them, or the best and the worst ``UNITS_SHOWN`` with how many lie
    between and a link to list them all (the export holds them all)."""
    if len(rows) <= 2 * UNITS_SHOWN + 10 or request.GET.get("units") == "all":
        return {"units": rows, "units_hidden": 0}
    everything = query.copy()
    everything["units"] = "all"
    return {"units": rows[:UNITS_SHOWN] + rows[-UNITS_SHOWN:], "units_hidden": len(rows) - 2 * UNITS_SHOWN,
            "units_all_query": everything.urlencode()}


def _recent_quarters(n: int = 6) -> list[ev.Period]:
    today = timezone.localtime().date()
    year, q = today.year, (today.month - 1) // 3 + 1
    out = []
    for _i in range(n):
        out.append(ev.quarter_period(year, q))
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return out


@capability_required(CASES_EVALUATE)
def evaluation_export(request):
    prefixes = ev.scope_for(request.user, request.GET.get("area", ""))
    try:
        period = ev.parse_period(request.GET)
    except UserError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    result = ev.evaluate(period, prefixes)
    data = ev.export_xlsx(result, title=_("Evaluation of %(where)s") % {"where": _jurisdiction_label(prefixes)})
    audit.record("cases.evaluation.export", actor=request.user, object_type="cases.evaluation",
                 object_repr=period.key, detail={"period": period.key, "scope": list(prefixes or ["*"])})
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{period.key}.xlsx"'
    return response


def public_scores(request):
    """The public scoreboard (定期发布, 接受社会监督): no account, no personal data — street figures
    and the scores of departments and street offices, by month."""
    key = request.GET.get("month", "")
    try:
        period = ev.parse_period({"period": "month", "month": key}) if key else ev.last_full_month()
    except UserError:
        period = ev.last_full_month()
    today = timezone.localtime().date()
    if period.first_day > today:
        period = ev.last_full_month()
    board = ev.public_scores(period)
    return render(request, "cases/public_scores.html", {
        "period": period, "months": _recent_months(),
        "unit_columns": _columns(skip=("reported",)), "area_columns": _columns(),
        "streets": _case_rows(board["streets"], _columns()),
        "units": _case_rows(board["units"], _columns(skip=("reported",))),
        "totals": [(label, ev.fmt(getattr(board["totals"], k), kind)) for k, label, kind in ev.CASE_COLUMNS],
        "published": timezone.localdate(), "grades": ev.grade_bands(),
        "unit_formula": ev.formula(ScoreRule.Post.UNIT),
    })


SCORES = (ScoreRule.Post.UNIT, *ev.POSTS)


@capability_required(CASES_EVALUATE)
def rules_page(request):
    """The evaluation rules (考核规则): each score's weights and the grade bands. Everyone who sees
    the evaluation reads them; the district's administrators (``cases.manage``) change them — a
    form per score and one for the grades, each saved whole or refused with the field and rule."""
    user = request.user
    may_edit = user.is_superuser or user.has_capability(CASES_MANAGE)
    error, error_form, submitted, status, error_field = "", "", {}, 200, ""
    if request.method == "POST":
        if not may_edit:
            audit.record("access.denied", actor=user, object_type="capability", object_repr="cases.manage",
                         outcome="denied", detail={"path": request.path[:200]})
            return HttpResponse(_("Only the district's administrators change the evaluation rules."), status=403,
                                content_type="text/plain; charset=utf-8")
        form = request.POST.get("form", "")
        try:
            if form == "grades":
                submitted = {b.letter: request.POST.get(f"grade_{b.letter}", "") for b in GradeBand.objects.all()}
                actions.do_set_grade_bands(actor=user, lowest=submitted)
                messages.success(request, _("Grades saved."))
            else:
                post = form.removeprefix("weights_")
                submitted = {r.indicator: request.POST.get(f"weight_{r.indicator}", "")
                             for r in ScoreRule.objects.filter(post=post)}
                actions.do_set_score_weights(actor=user, post=post, weights=submitted)
                messages.success(request, _("Weights of %(score)s saved.") % {
                    "score": ScoreRule.Post(post).label})
            return redirect("cases:evaluation_rules")
        except UserError as exc:
            error, error_form, status, error_field = exc.message, form, 400, exc.field or ""
    scores = []
    for post in SCORES:
        mine = error_form == f"weights_{post}"
        read = ev.score_rules(post)
        # A refusal naming one indicator is shown beside its weight, under its label (never the code).
        rules = [{"indicator": i, "label": ev.INDICATORS.get(i, i), "weight": submitted.get(i) if mine else f"{w:g}",
                  "invert": inv, "error": without_field_name(error, [i]) if mine and error_field == i else ""}
                 for i, w, inv in read]
        beside = any(r["error"] for r in rules)
        scores.append({"post": post.value, "label": post.label, "rules": rules, "formula": ev.formula(post, read),
                       "error": error if mine and not beside else ""})
    bands = [{"letter": b.letter, "lowest": submitted.get(b.letter) if error_form == "grades" else f"{float(b.lowest):g}",
              "error": without_field_name(error, [b.letter]) if error_form == "grades" and error_field == b.letter
              else ""} for b in GradeBand.objects.order_by("-lowest")]
    grades_beside = any(b["error"] for b in bands)
    forms_shown = {"grades", *(f"weights_{post}" for post in SCORES)}
    return render(request, "cases/evaluation_rules.html", {
        "scores": scores, "bands": bands, "may_edit": may_edit,
        "grades_error": error if error_form == "grades" and not grades_beside else "",
        "general_error": error if error and error_form not in forms_shown else "",
    }, status=status)


urlpatterns = [
    path("", evaluation_page, name="evaluation"),
    path("export.xlsx", evaluation_export, name="evaluation_export"),
    path("public/", public_scores, name="public_scores"),
    path("rules/", rules_page, name="evaluation_rules"),
]
