"""Pages of ``stats``: the dashboard of an area (key indicators against their targets, trends, the
child areas on a map and in bars, drill-down, targets not met), the indicator list, targets."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from civicgrid.areas.queries import visible_ancestors
from civicgrid.core import periods as P
from civicgrid.core.capabilities import VIEW
from civicgrid.core.decorators import capability_required
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import in_scope

from . import actions, catalogue, charts, queries
from .capabilities import STATS_TARGETS


def _light_labels():
    return {"met": _("met"), "near": _("within the margin"), "missed": pgettext("traffic light", "missed"),
            "": _("no target or no data")}


@capability_required(VIEW)
def dashboard(request, code: str | None = None):
    period_code = request.GET.get("period", "")
    board = queries.dashboard(request.user, code, period_code)
    inds = {f.indicator.code: f.indicator for f in board.figures}
    chosen = request.GET.get("indicator", "")
    if chosen not in inds:
        chosen = next((f.indicator.code for f in board.figures if f.target), next(iter(inds), ""))
    labels = _light_labels()
    rows = []
    for fig in board.figures:
        values = board.trends[fig.indicator.code]
        rows.append({
            "fig": fig, "unit": catalogue.unit_label(fig.indicator), "light_label": labels[fig.light],
            "digits": 0 if fig.indicator.aggregate == "sum" else 1,
            "chart": charts.trend(values, [p.code for p in board.trend_periods],
                                  fig.target.value if fig.target else None, title=str(fig.indicator.label)),
        })
    children = []
    bars = ""
    if chosen and board.children:
        ind = inds[chosen]
        for child in board.children:
            fig = board.child_figures[(chosen, child.code)]
            children.append({"area": child, "fig": fig, "light_label": labels[fig.light]})
        own_target = next((f.target for f in board.figures if f.indicator.code == chosen), None)
        bars = charts.bars([(c["area"].name, c["fig"].value, c["fig"].light) for c in children],
                           own_target.value if own_target else None, unit=catalogue.unit_label(ind),
                           title=str(ind.label))
    kind = board.period.kind if board.period.kind in catalogue.PERIOD_KINDS else "quarter"
    choices = catalogue.recent(kind, 8, P.current(kind))
    return render(request, "stats/dashboard.html", {
        "board": board, "rows": rows, "children": children, "bars": bars, "chosen": chosen,
        "chosen_indicator": inds.get(chosen), "ancestors": visible_ancestors(request.user, board.area),
        "not_met": board.not_met(), "light_labels": labels, "period_choices": reversed(choices),
        "kinds": [(k, catalogue.KIND_LABELS[k], P.current(k).code) for k in catalogue.PERIOD_KINDS],
        "child_level": board.children[0].get_level_display() if board.children else "",
        "values_url": reverse("api:stats_children", args=[board.area.code]) + f"?indicator={chosen}"
                      f"&period={board.period.code}",
    })


@capability_required(VIEW)
def indicator_list(request):
    return render(request, "stats/indicators.html", {
        "indicators": [(i, catalogue.unit_label(i)) for i in catalogue.indicators()],
        "refreshed": queries.last_refresh(),
    })


@capability_required(VIEW)
def targets(request):
    can_set = request.user.has_capability(STATS_TARGETS)
    errors: dict = {}
    if request.method == "POST" and not can_set:
        raise PermissionDenied
    if request.method == "POST":
        try:
            t = actions.do_set_target(actor=request.user, indicator=request.POST.get("indicator", ""),
                                      area_code=request.POST.get("area_code", ""), value=request.POST.get("value"),
                                      period=request.POST.get("period", ""), horizon=request.POST.get("horizon", ""),
                                      source=request.POST.get("source", ""), phrase=request.POST.get("phrase", ""))
            messages.success(request, _("Target saved."))
            return redirect("stats:target", pk=t.pk)
        except UserError as e:
            errors = e.errors or {"all": e.message}
    rows = list(queries.visible_targets(request.user).order_by("indicator", "area_code", "period")[:500])
    names = {i.code: i.label for i in catalogue.indicators()}
    return render(request, "stats/targets.html", {
        "rows": [(t, names.get(t.indicator, t.indicator)) for t in rows], "can_set": can_set,
        "indicators": catalogue.indicators(), "areas": queries.area_choices(request.user) if can_set else [],
        "errors": errors, "posted": request.POST if errors else {},
    }, status=400 if errors else 200)


@capability_required(VIEW)
def target(request, pk: int):
    t = queries.access_target(request.user, pk)
    ind = catalogue.get(t.indicator)
    errors: dict = {}
    can_set = (request.user.has_capability(STATS_TARGETS) and bool(t.area_code) and len(t.period) == 4
               and in_scope(request.user, t.area_code, STATS_TARGETS))
    if request.method == "POST" and not can_set:
        raise PermissionDenied
    if request.method == "POST":
        try:
            actions.do_set_breakdown(actor=request.user, target=t,
                                     quarters={q: request.POST.get(f"q{q}", "") for q in (1, 2, 3, 4)},
                                     expected_version=int(request.POST.get("version") or 0) or None)
            messages.success(request, _("Quarterly breakdown saved."))
            return redirect("stats:target", pk=t.pk)
        except UserError as e:
            errors = e.errors or {"all": e.message}
    quarters = {b.period[-1]: b for b in t.breakdown.all()}
    shown = [(q, request.POST.get(f"q{q}", "") if errors else (f"{quarters[str(q)].value:g}" if str(q) in quarters
                                                               else ""), errors.get(f"q{q}"))
             for q in (1, 2, 3, 4)]
    return render(request, "stats/target.html", {
        "t": t, "indicator": ind, "unit": catalogue.unit_label(ind) if ind else "", "can_set": can_set,
        "quarters": shown, "errors": errors,
    }, status=400 if errors else 200)


# --- report forms (报表) ---------------------------------------------------------------------------
def _report_period(template, code: str | None) -> P.Period:
    if code:
        try:
            p = P.parse(code)
            if p.kind == template.period_kind:
                return p
        except ValueError:
            pass
    return P.last_full(template.period_kind)


@capability_required(VIEW)
def reports(request):
    from civicgrid.areas.queries import visible_children

    from .capabilities import STATS_REVIEW

    templates = list(queries.report_templates(request.user))
    if not templates:
        return render(request, "stats/reports.html", {"templates": []})
    template = next((t for t in templates if t.code == request.GET.get("form")), templates[0])
    period = _report_period(template, request.GET.get("period"))
    if request.method == "POST" and request.POST.get("issue") and request.user.has_capability(STATS_REVIEW):
        try:
            n = actions.do_issue_reports(actor=request.user, template=template, period=period)
            messages.success(request, _("%(n)s reports opened.") % {"n": n})
        except UserError as e:
            messages.error(request, e.message)
        return redirect(f"{reverse('stats:reports')}?form={template.code}&period={period.code}")
    rows = list(queries.visible_reports(request.user).filter(template=template, period=period.code)
                .order_by("area_code")[:1000])
    from civicgrid.areas.queries import area_names

    names = area_names({r.area_code for r in rows})
    home = queries.home_area(request.user)
    rates = []
    if home is not None:
        rates.append((home, queries.report_rates(request.user, template, period.code, home.code)))
        for child in visible_children(request.user, home).defer("boundary").order_by("code"):
            rates.append((child, queries.report_rates(request.user, template, period.code, child.code)))
    choices = catalogue.recent(template.period_kind, 6, P.current(template.period_kind))
    return render(request, "stats/reports.html", {
        "templates": templates, "template": template, "period": period, "period_choices": reversed(choices),
        "rows": [(r, names.get(r.area_code, r.area_code)) for r in rows], "rates": rates,
        "can_issue": request.user.has_capability(STATS_REVIEW),
    })


def _report_context(request, report, errors=None, posted=None):
    from civicgrid.areas.queries import area_names

    from .rules import REPORT_FLOW

    values = {v.cell_id: v for v in report.values.all()}
    cells = [(c, values.get(c.pk)) for c in report.template.cells.all()]
    return {
        "r": report, "cells": cells, "steps": REPORT_FLOW.available(request.user, report),
        "events": queries.report_events(report), "errors": errors or {}, "posted": posted or {},
        "area_name": area_names([report.area_code]).get(report.area_code, report.area_code),
        "period": P.parse(report.period),
    }


@capability_required(VIEW)
def report(request, pk: int):
    r = queries.access_report(request.user, pk)
    if request.method == "POST":
        step = request.POST.get("step", "")
        version = int(request.POST.get("version") or 0) or None
        entries = {c.pk: request.POST.get(f"cell_{c.pk}", "") for c in r.template.cells.all()}
        try:
            if step == "fill":
                actions.do_fill_report(actor=request.user, instance=r, expected_version=version)
            elif step == "edit":
                actions.do_edit_report(actor=request.user, instance=r, entries=entries,
                                       refill=bool(request.POST.get("refill")), expected_version=version)
            elif step == "submit":
                if r.status in ("draft", "returned") and any(k for k in request.POST if k.startswith("cell_")):
                    r = actions.do_edit_report(actor=request.user, instance=r, entries=entries,
                                               expected_version=version)
                    version = r.version
                actions.do_submit_report(actor=request.user, instance=r, expected_version=version)
            else:
                actions.do_review_report(actor=request.user, instance=r, step=step, note=request.POST.get("note", ""),
                                         expected_version=version)
            messages.success(request, _("Saved."))
            return redirect("stats:report", pk=r.pk)
        except UserError as e:
            r = queries.access_report(request.user, pk)
            ctx = _report_context(request, r, e.errors or {"all": e.message}, request.POST)
            status = getattr(e, "status", 400)
            return render(request, "stats/report.html", ctx, status=status)
    return render(request, "stats/report.html", _report_context(request, r))


@capability_required(VIEW)
def report_print(request, pk: int):
    r = queries.access_report(request.user, pk)
    return render(request, "stats/report_print.html", _report_context(request, r))


@capability_required(VIEW)
def report_xlsx(request, pk: int):
    from django.http import HttpResponse

    from civicgrid.core import audit
    from civicgrid.core.spreadsheet import workbook

    r = queries.access_report(request.user, pk)
    ctx = _report_context(request, r)
    book = workbook()
    sheet = book.create_sheet(r.template.code)
    sheet.append([r.template.name])
    sheet.append([_("Area"), ctx["area_name"], r.area_code])
    sheet.append([_("Period"), str(ctx["period"].label), r.period])
    sheet.append([_("Status"), r.get_status_display(), _("late") if r.late else ""])
    sheet.append([])
    sheet.append([_("No."), _("Item"), _("Value"), _("Unit"), _("Source")])
    for cell, value in ctx["cells"]:
        shown = (value.text if cell.kind == "text" else value.number) if value else None
        sheet.append([cell.position, cell.label, "" if shown is None else shown, cell.unit,
                      _("from the data") if cell.kind == "indicator" else _("entered")])
    data = book.to_bytes()
    audit.record("stats.report.export", actor=request.user, obj=r)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="report-{r.template.code}-{r.period}-{r.area_code}.xlsx"'
    return response


# --- assessment (考核) -----------------------------------------------------------------------------
@capability_required(VIEW)
def assessment(request):
    from civicgrid.areas.queries import area_names

    from .capabilities import STATS_REVIEW

    all_schemes = list(queries.schemes(request.user))
    if not all_schemes:
        return render(request, "stats/assessment.html", {"schemes": []})
    scheme = next((s for s in all_schemes if s.code == request.GET.get("scheme")), all_schemes[0])
    latest = queries.visible_results(request.user).filter(scheme=scheme).order_by("-period").first()
    period = _report_period(scheme, request.GET.get("period") or (latest.period if latest else None))
    can_review = request.user.has_capability(STATS_REVIEW)
    if request.method == "POST" and can_review:
        try:
            if request.POST.get("do") == "publish":
                n = actions.do_publish_assessment(actor=request.user, scheme=scheme, period=period)
                messages.success(request, _("%(n)s results published.") % {"n": n})
            else:
                n = actions.do_assess(actor=request.user, scheme=scheme, period=period)
                messages.success(request, _("%(n)s areas scored.") % {"n": n})
        except UserError as e:
            messages.error(request, e.message)
        return redirect(f"{reverse('stats:assessment')}?scheme={scheme.code}&period={period.code}")
    rows = list(queries.visible_results(request.user).filter(scheme=scheme, period=period.code).order_by("-score"))
    names = area_names({r.area_code for r in rows})
    labels = {i.code: i.label for i in catalogue.indicators()}
    choices = catalogue.recent(scheme.period_kind, 4, P.current(scheme.period_kind))
    return render(request, "stats/assessment.html", {
        "schemes": all_schemes, "scheme": scheme, "period": period, "period_choices": reversed(choices),
        "rows": [(r, names.get(r.area_code, r.area_code)) for r in rows], "can_review": can_review,
        "rules": [(r, labels.get(r.indicator, r.indicator)) for r in scheme.rules.all()],
        "total_funding": sum(r.funding for r in rows), "labels": labels,
    })


# --- surveys (问卷) ----------------------------------------------------------------------------------
@capability_required(VIEW)
def surveys(request):
    from .capabilities import STATS_SURVEY

    all_surveys = list(queries.surveys(request.user))
    if not all_surveys:
        return render(request, "stats/surveys.html", {"surveys": []})
    survey = next((s for s in all_surveys if s.code == request.GET.get("survey")), all_surveys[0])
    can_record = request.user.has_capability(STATS_SURVEY)
    errors, posted = {}, {}
    if request.method == "POST" and can_record:
        answers = {str(q.position): request.POST.get(f"q{q.position}") for q in survey.questions.all()}
        try:
            actions.do_record_response(actor=request.user, survey=survey, area_code=request.POST.get("area_code", ""),
                                       answers=answers)
            messages.success(request, _("Answers recorded."))
            return redirect(f"{reverse('stats:surveys')}?survey={survey.code}")
        except UserError as e:
            errors, posted = e.errors or {"all": e.message}, request.POST
    recent = list(queries.visible_responses(request.user).filter(survey=survey)[:20])
    return render(request, "stats/surveys.html", {
        "surveys": all_surveys, "survey": survey, "can_record": can_record, "errors": errors, "posted": posted,
        "grids": queries.survey_grids(request.user) if can_record else [], "recent": recent,
        "count": queries.visible_responses(request.user).filter(survey=survey).count(),
    }, status=400 if errors else 200)


# --- definitions: report forms, assessment schemes, surveys ----------------------------------------------
MAX_ROWS = 60  # rows of a definition's table read from one form


def _table(post, prefix: str, fields: tuple[str, ...]) -> list[dict]:
    """The rows ``<prefix>-<i>-<field>`` of a posted table, in order (blank rows included)."""
    try:
        n = min(max(int(post.get(f"{prefix}-rows") or 0), 0), MAX_ROWS)
    except ValueError:
        n = 0
    return [{f: post.get(f"{prefix}-{i}-{f}", "") for f in fields} for i in range(n)]


def _padded(rows: list[dict], prefix: str, errors: dict, extra: int = 3) -> list[dict]:
    """The table's rows for the page (and three blank ones), each with its index and its errors."""
    rows = [r for r in rows if any(str(v).strip() for k, v in r.items() if k not in ("kind", "rule"))]
    rows = [{k: f"{v:g}" if isinstance(v, float) else v for k, v in r.items()} for r in rows]
    rows = [*rows, *({} for _ in range(extra))]
    return [{"i": i, "v": r, "err": {k.rsplit("-", 1)[1]: m for k, m in errors.items()
                                     if k.startswith(f"{prefix}-{i}-")}} for i, r in enumerate(rows)]


def _levels():
    from civicgrid.areas.models import Area

    return Area.Level.choices


def _define_page(request, template_name: str, ctx: dict, errors: dict):
    from civicgrid.areas.queries import area_names

    owner = ctx["obj"].owner_code if ctx["obj"] is not None else actions._owner_of(request.user)
    ctx.update({"errors": errors, "indicators": catalogue.indicators(), "levels": _levels(),
                "period_kinds": catalogue_period_kinds(),
                "owner": owner, "owner_name": area_names([owner]).get(owner, owner) if owner else ""})
    return render(request, template_name, ctx, status=400 if errors else 200)


def catalogue_period_kinds():
    from .models import ReportTemplate

    return ReportTemplate.PeriodKind.choices


@capability_required("stats.admin")
def define(request):
    from .models import AssessmentScheme, ReportTemplate, Survey

    return render(request, "stats/define.html", {
        "templates": queries.definable(request.user, ReportTemplate),
        "schemes": queries.definable(request.user, AssessmentScheme),
        "surveys": queries.definable(request.user, Survey),
    })


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version") or 0) or None
    except ValueError:
        return None


def _save(request, save, done, url_name: str):
    """Run a definition's save action on the posted form and its table rows: redirect to the saved
    definition, or the errors (each beside its field, the summary under "all") to show again."""
    try:
        saved = save(data=request.POST, expected_version=_version(request))
    except UserError as e:
        errors = e.errors or {"all": e.message}
        errors.setdefault("all", e.message)
        return None, errors
    messages.success(request, done)
    return redirect(url_name, pk=saved.pk), {}


CELL_FIELDS = ("position", "label", "kind", "indicator", "unit", "required")


@capability_required("stats.admin")
def define_report(request, pk: int | None = None):
    from .models import ReportTemplate

    obj = queries.access_definition(request.user, ReportTemplate, pk) if pk else None
    errors: dict = {}
    if request.method == "POST":
        cells = _table(request.POST, "cell", CELL_FIELDS)
        response, errors = _save(request, partial(actions.do_save_report_template, actor=request.user, template=obj,
                                                  cells=cells), _("Report form saved."), "stats:define_report")
        if response:
            return response
        data, rows = request.POST, cells
    else:
        data = obj.__dict__ if obj else {"due_days": 0, "active": True}
        rows = [{f: getattr(c, f) for f in CELL_FIELDS} for c in obj.cells.all()] if obj else []
    return _define_page(request, "stats/define_report.html", {
        "obj": obj, "data": data, "rows": _padded(rows, "cell", errors), "kinds": _cell_kinds(),
        "frozen": obj is not None and obj.instances.exists(),
    }, errors)


def _cell_kinds():
    from .models import ReportCell

    return ReportCell.Kind.choices


RULE_FIELDS = ("indicator", "weight", "rule", "low", "high")


@capability_required("stats.admin")
def define_scheme(request, pk: int | None = None):
    from .models import AssessmentRule, AssessmentScheme

    obj = queries.access_definition(request.user, AssessmentScheme, pk) if pk else None
    errors: dict = {}
    if request.method == "POST":
        rules = _table(request.POST, "rule", RULE_FIELDS)
        response, errors = _save(request, partial(actions.do_save_scheme, actor=request.user, scheme=obj, rules=rules),
                                 _("Assessment scheme saved."), "stats:define_scheme")
        if response:
            return response
        data, rows = request.POST, rules
    else:
        data = ({**obj.__dict__, "base_funding": f"{obj.base_funding:g}", "per_person": f"{obj.per_person:g}"}
                if obj else {"active": True, "base_funding": 0, "per_person": 0})
        rows = [{f: "" if getattr(r, f) is None else getattr(r, f) for f in RULE_FIELDS}
                for r in obj.rules.all()] if obj else []
    return _define_page(request, "stats/define_scheme.html", {
        "obj": obj, "data": data, "rows": _padded(rows, "rule", errors), "rule_kinds": AssessmentRule.Rule.choices,
        "frozen": obj is not None and obj.results.filter(published=True).exists(),
    }, errors)


QUESTION_FIELDS = ("position", "text", "kind")


@capability_required("stats.admin")
def define_survey(request, pk: int | None = None):
    from .models import Survey, SurveyQuestion

    obj = queries.access_definition(request.user, Survey, pk) if pk else None
    errors: dict = {}
    if request.method == "POST":
        questions = _table(request.POST, "question", QUESTION_FIELDS)
        response, errors = _save(request, partial(actions.do_save_survey, actor=request.user, survey=obj,
                                                  questions=questions), _("Survey saved."), "stats:define_survey")
        if response:
            return response
        data, rows = request.POST, questions
    else:
        data = obj.__dict__ if obj else {"active": True}
        rows = [{f: getattr(q, f) for f in QUESTION_FIELDS} for q in obj.questions.all()] if obj else []
    return _define_page(request, "stats/define_survey.html", {
        "obj": obj, "data": data, "rows": _padded(rows, "question", errors), "question_kinds": SurveyQuestion.Kind.choices,
        "frozen": obj is not None and obj.responses.exists(),
    }, errors)
