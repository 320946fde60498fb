"""Stats API (``/api/stats/``): the indicators, values of an area and its child areas by period
(rolled up from the cache: Σ numerators ÷ Σ denominators), trends, targets and the refresh.
Areas outside the caller's jurisdiction answer 404."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from civicgrid.areas.queries import access_area, visible_children
from civicgrid.core import periods as P
from civicgrid.core.access import require_capability
from civicgrid.core.capabilities import VIEW
from civicgrid.core.errors import UserError
from civicgrid.core.paging import WidePage, page

from . import actions, catalogue, queries
from .capabilities import STATS_REFRESH

router = Router(tags=["stats"])


class IndicatorOut(Schema):
    code: str
    label: str
    definition: str
    unit: str
    factor: float
    aggregate: str
    higher_is_better: bool
    stock: bool
    source: str


class FigureOut(Schema):
    indicator: str
    area_code: str
    period: str
    numerator: float
    denominator: float
    value: float | None
    target: float | None
    target_source: str | None
    target_area_code: str | None
    light: str


class AreaFiguresOut(Schema):
    area_code: str
    name: str
    level: str
    period: str
    refreshed_at: str | None
    figures: list[FigureOut]


class ChildOut(FigureOut):
    name: str


class ChildrenOut(Schema):
    area_code: str
    indicator: str
    period: str
    children: list[ChildOut]


class TrendPoint(Schema):
    period: str
    numerator: float
    denominator: float
    value: float | None


class TrendOut(Schema):
    area_code: str
    indicator: str
    points: list[TrendPoint]


class TargetOut(Schema):
    id: int
    indicator: str
    area_code: str
    period: str
    horizon: str
    value: float
    source: str
    phrase: str
    breakdown_of: int | None


class TargetIn(Schema):
    indicator: str
    area_code: str
    value: float | str
    period: str = ""
    horizon: str = ""
    source: str = ""
    phrase: str = ""


class RefreshOut(Schema):
    kind: str
    values: int
    periods: int
    prefixes: list[str]
    seconds: float


# Periods are answered by their key (``2025-09``, ``2025-Q3``, ``2025-S1``): a bare ``202509`` reads
# like an area code. Either form is accepted in requests.
def _period(code: str | None) -> P.Period:
    if not code:
        return P.current("quarter")
    try:
        return P.parse(code)
    except ValueError:
        raise UserError(_("period: write a year (2025), half-year (2025S1), quarter (2025Q2) or month (202509)."),
                        field="period") from None


def _indicator(code: str):
    ind = catalogue.get(code)
    if ind is None:
        raise UserError(_("indicator: no such indicator; see /api/stats/indicators."), field="indicator")
    return ind


@router.get("/indicators", response=list[IndicatorOut], summary="The indicators the apps declare")
def stats_indicators(request):
    require_capability(request.user, VIEW)
    return [{"code": i.code, "label": str(i.label), "definition": str(i.definition), "unit": i.unit,
             "factor": i.factor, "aggregate": i.aggregate, "higher_is_better": i.higher_is_better,
             "stock": i.stock, "source": i.source} for i in catalogue.indicators()]


@router.get("/areas/{code}", response=AreaFiguresOut, summary="Every indicator of an area in a period, with targets")
def stats_area(request, code: str, period: str = ""):
    require_capability(request.user, VIEW)
    p = _period(period)
    board = queries.dashboard(request.user, code, p.code, trend=1)
    run = board.refreshed
    return {"area_code": board.area.code, "name": board.area.name, "level": board.area.level, "period": p.key,
            "refreshed_at": (run.finished_at or run.started_at).isoformat() if run else None,
            "figures": [{**f.as_dict(), "period": p.key} for f in board.figures]}


@router.get("/areas/{code}/children", response=ChildrenOut, summary="An indicator by child area (map, drill-down)")
def stats_children(request, code: str, indicator: str, period: str = ""):
    require_capability(request.user, VIEW)
    ind = _indicator(indicator)
    p = _period(period)
    area = access_area(request.user, code)
    children = list(visible_children(request.user, area).defer("boundary").order_by("code"))
    out = []
    if children:
        grouped = queries.by_children(area.code, len(children[0].code), p.code, [ind.code])
        targets = queries.targets_for_many([ind.code], [c.code for c in children], p)
        for child in children:
            n, d = grouped.get((ind.code, child.code), (0.0, 0.0))
            target = targets[child.code].get(ind.code)
            fig = queries.Figure(ind, child.code, p.code, n, d, target)
            out.append({**fig.as_dict(), "period": p.key, "name": child.name})
    return {"area_code": area.code, "indicator": ind.code, "period": p.key, "children": out}


@router.get("/areas/{code}/trend", response=TrendOut, summary="An indicator of an area over periods")
def stats_trend(request, code: str, indicator: str, kind: str = "month", count: int = 12, last: str = ""):
    require_capability(request.user, VIEW)
    ind = _indicator(indicator)
    if kind not in catalogue.PERIOD_KINDS:
        raise UserError(_("kind: year, half, quarter or month."), field="kind")
    if not 1 <= count <= 60:
        raise UserError(_("count: from 1 to 60."), field="count")
    end = _period(last) if last else P.current(kind)
    if end.kind != kind:
        raise UserError(_("last: a period of the kind asked for."), field="last")
    area = access_area(request.user, code)
    periods = catalogue.recent(kind, count, end)
    totals = queries.sums([area.code], [p.code for p in periods], [ind.code])
    points = []
    for p in periods:
        n, d = totals.get((ind.code, area.code, p.code), (0.0, 0.0))
        points.append({"period": p.key, "numerator": n, "denominator": d, "value": catalogue.value_of(ind, n, d)})
    return {"area_code": area.code, "indicator": ind.code, "points": points}


@router.get("/targets", response=list[TargetOut], summary="Targets that apply in your jurisdiction, with sources")
def stats_targets(request, paging: Query[WidePage], indicator: str = ""):
    require_capability(request.user, VIEW)
    qs = queries.visible_targets(request.user).order_by("indicator", "area_code", "period")
    if indicator:
        qs = qs.filter(indicator=indicator)
    return [{"id": t.pk, "indicator": t.indicator, "area_code": t.area_code, "period": t.period,
             "horizon": t.horizon, "value": t.value, "source": t.source, "phrase": t.phrase,
             "breakdown_of": t.breakdown_of_id} for t in page(qs, paging)]


@router.post("/targets", response=TargetOut, summary="Set the target of an indicator for an area")
def stats_set_target(request, payload: TargetIn):
    t = actions.do_set_target(actor=request.user, **payload.dict())
    return {"id": t.pk, "indicator": t.indicator, "area_code": t.area_code, "period": t.period,
            "horizon": t.horizon, "value": t.value, "source": t.source, "phrase": t.phrase,
            "breakdown_of": t.breakdown_of_id}


@router.post("/refresh", response=RefreshOut, summary="Refresh the values of the areas changed since the last run")
def stats_refresh(request):
    require_capability(request.user, STATS_REFRESH)
    run = actions.do_refresh_changed(actor=request.user)
    return {"kind": run.kind, "values": run.values, "periods": run.periods, "prefixes": run.prefixes,
            "seconds": run.seconds}


# --- report forms (报表) ---------------------------------------------------------------------------
class ReportCellOut(Schema):
    position: int
    label: str
    kind: str
    indicator: str
    unit: str
    number: float | None
    text: str


class ReportOut(Schema):
    id: int
    form: str
    name: str
    area_code: str
    period: str
    status: str
    due_date: str
    submitted_at: str | None
    late: bool
    review_note: str
    version: int
    steps: dict[str, bool]
    cells: list[ReportCellOut]


class ReportStepIn(Schema):
    version: int | None = None
    note: str = ""
    values: dict[str, float | str | None] = {}
    refill: bool = False


def _report_out(user, r) -> dict:
    from .rules import REPORT_FLOW

    values = {v.cell_id: v for v in r.values.all()}
    return {"id": r.pk, "form": r.template.code, "name": r.template.name, "area_code": r.area_code,
            "period": P.parse(r.period).key, "status": r.status, "due_date": r.due_date.isoformat(),
            "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None, "late": r.late,
            "review_note": r.review_note, "version": r.version, "steps": REPORT_FLOW.available(user, r),
            "cells": [{"position": c.position, "label": c.label, "kind": c.kind, "indicator": c.indicator,
                       "unit": c.unit, "number": values[c.pk].number if c.pk in values else None,
                       "text": values[c.pk].text if c.pk in values else ""} for c in r.template.cells.all()]}


@router.get("/reports", response=list[ReportOut], summary="Report forms of your jurisdiction")
def stats_reports(request, paging: Query[WidePage], form: str = "", period: str = "", status: str = ""):
    require_capability(request.user, VIEW)
    qs = queries.visible_reports(request.user).prefetch_related("template__cells", "values").order_by(
        "template__code", "period", "area_code")
    if form:
        qs = qs.filter(template__code=form)
    if period:
        qs = qs.filter(period=_period(period).code)
    if status:
        qs = qs.filter(status=status)
    return [_report_out(request.user, r) for r in page(qs, paging)]


@router.get("/reports/{report_id}", response=ReportOut, summary="One report form with its cells and steps")
def stats_report(request, report_id: int):
    require_capability(request.user, VIEW)
    return _report_out(request.user, queries.access_report(request.user, report_id))


class ReportEventOut(Schema):
    kind: str
    at: str
    actor_name: str
    from_status: str
    to_status: str
    note: str
    area_code: str


@router.get("/reports/{report_id}/events", response=list[ReportEventOut], summary="The history of a report")
def stats_report_events(request, report_id: int):
    require_capability(request.user, VIEW)
    r = queries.access_report(request.user, report_id)
    return [{"kind": e.kind, "at": e.at.isoformat(), "actor_name": e.actor_name, "from_status": e.from_status,
             "to_status": e.to_status, "note": e.note, "area_code": e.area_code} for e in queries.report_events(r)]


@router.post("/reports/{report_id}/{step}", response=ReportOut,
             summary="A step of a report: fill, edit, submit, accept, return, unlock")
def stats_report_step(request, report_id: int, step: str, payload: ReportStepIn):
    r = queries.access_report(request.user, report_id)
    if step == "fill":
        actions.do_fill_report(actor=request.user, instance=r, expected_version=payload.version)
    elif step == "edit":
        by_position = {str(c.position): c.pk for c in r.template.cells.all()}
        entries = {by_position.get(k, -1): v for k, v in payload.values.items()}
        actions.do_edit_report(actor=request.user, instance=r, entries=entries, refill=payload.refill,
                               expected_version=payload.version)
    elif step == "submit":
        actions.do_submit_report(actor=request.user, instance=r, expected_version=payload.version)
    elif step in ("accept", "return", "unlock"):
        actions.do_review_report(actor=request.user, instance=r, step=step, note=payload.note,
                                 expected_version=payload.version)
    else:
        raise UserError(_("step: fill, edit, submit, accept, return or unlock."), field="step")
    return _report_out(request.user, queries.access_report(request.user, report_id))



# --- assessment (考核) -----------------------------------------------------------------------------
class ResultOut(Schema):
    scheme: str
    area_code: str
    period: str
    score: float | None
    grade: str
    funding: float
    published: bool
    detail: list[dict]


@router.get("/assessments", response=list[ResultOut], summary="Assessment results (published ones, or all for reviewers)")
def stats_assessments(request, paging: Query[WidePage], scheme: str = "", period: str = ""):
    require_capability(request.user, VIEW)
    qs = queries.visible_results(request.user).order_by("scheme__code", "period", "area_code")
    if scheme:
        qs = qs.filter(scheme__code=scheme)
    if period:
        qs = qs.filter(period=_period(period).code)
    return [{"scheme": r.scheme.code, "area_code": r.area_code, "period": P.parse(r.period).key, "score": r.score,
             "grade": r.grade, "funding": r.funding, "published": r.published, "detail": r.detail}
            for r in page(qs, paging)]


# --- surveys (问卷) ----------------------------------------------------------------------------------
class ResponseIn(Schema):
    area_code: str
    answers: dict[str, bool | int | str | None]


class ResponseOut(Schema):
    id: int
    survey: str
    area_code: str
    recorded_at: str
    answers: dict


@router.get("/surveys/{code}/responses", response=list[ResponseOut], summary="Survey answers recorded in your area")
def stats_survey_responses(request, code: str, paging: Query[WidePage]):
    require_capability(request.user, VIEW)
    qs = queries.visible_responses(request.user).filter(survey__code=code).order_by("-recorded_at", "-id")
    return [{"id": r.pk, "survey": r.survey.code, "area_code": r.area_code, "recorded_at": r.recorded_at.isoformat(),
             "answers": r.answers} for r in page(qs, paging)]


@router.post("/surveys/{code}/responses", response=ResponseOut, summary="Record a resident's answers")
def stats_record_response(request, code: str, payload: ResponseIn):
    from django.http import Http404

    survey = queries.surveys(request.user).filter(code=code).first()
    if survey is None:
        raise Http404
    r = actions.do_record_response(actor=request.user, survey=survey, area_code=payload.area_code,
                                   answers=payload.answers)
    return {"id": r.pk, "survey": survey.code, "area_code": r.area_code, "recorded_at": r.recorded_at.isoformat(),
            "answers": r.answers}
