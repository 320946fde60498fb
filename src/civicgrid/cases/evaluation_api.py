"""Evaluation API (综合评价) at /api/cases/evaluation/: the numbers of the evaluation page.

Period parameters as on the page: ``period`` = month | quarter | custom with ``month=YYYY-MM``,
``quarter=YYYY-Qn`` or ``start``/``end`` (YYYY-MM-DD, both days included); by default the last
full month. ``area`` narrows to a street, community or grid inside the caller's jurisdiction.
Rates are fractions (0–1), scores 0–100. ``/public`` needs no account and holds no personal data.
"""

from __future__ import annotations

from ninja import Router, Schema

from civicgrid.cases.capabilities import CASES_EVALUATE
from civicgrid.core.access import require_capability

from . import actions
from . import evaluation as ev
from .models import ScoreRule

router = Router(tags=["evaluation"])


def _run(request, area: str):
    prefixes = ev.scope_for(request.user, area)
    return ev.parse_period(request.GET), prefixes


@router.get("/", summary="Everything: totals, units, areas and posts")
def evaluation(request, area: str = "", period: str = "", month: str = "", quarter: str = "", start: str = "",
               end: str = ""):
    p, prefixes = _run(request, area)
    return ev.evaluate(p, prefixes).as_dict()


@router.get("/units", summary="Lead units: case figures and the unit score")
def units(request, area: str = "", period: str = "", month: str = "", quarter: str = "", start: str = "",
          end: str = ""):
    p, prefixes = _run(request, area)
    return [r.as_dict() for r in ev.by_unit(p, prefixes)]


@router.get("/areas", summary="Streets and communities (levels=grid adds grids)")
def areas(request, area: str = "", levels: str = "street,community", period: str = "", month: str = "",
          quarter: str = "", start: str = "", end: str = ""):
    p, prefixes = _run(request, area)
    wanted = tuple(lv for lv in levels.split(",") if lv in ("street", "community", "grid")) or ("street",)
    return [r.as_dict() for r in ev.by_area(p, prefixes, levels=wanted)]


@router.get("/posts", summary="Supervisors, shift leaders and dispatchers: indicators, score, grade")
def posts(request, area: str = "", period: str = "", month: str = "", quarter: str = "", start: str = "",
          end: str = ""):
    p, prefixes = _run(request, area)
    return [r.as_dict() for r in ev.by_post(p, prefixes)]


@router.get("/public", auth=None, summary="The public scoreboard of a month (no account, no personal data)")
def public(request, month: str = ""):
    p = ev.parse_period({"period": "month", "month": month}) if month else ev.last_full_month()
    board = ev.public_scores(p)
    return {
        "period": {"kind": p.kind, "key": p.key, "start": p.start.isoformat(), "end": p.end.isoformat()},
        "totals": board["totals"].as_dict(),
        "streets": [r.as_dict() for r in board["streets"]],
        "units": [r.as_dict() for r in board["units"]],
    }


def _rules_out() -> dict:
    scores = []
    for post in (ScoreRule.Post.UNIT, *ev.POSTS):
        rules = ev.score_rules(post)
        scores.append({"post": post.value, "label": str(post.label), "formula": ev.formula(post, rules),
                       "weights": {i: w for i, w, _inv in rules}, "inverted": [i for i, _w, inv in rules if inv]})
    return {"scores": scores, "grades": {letter: lowest for lowest, letter in ev.grade_bands()}}


class WeightsIn(Schema):
    weights: dict[str, str | float]


class GradesIn(Schema):
    lowest: dict[str, str | float]


@router.get("/rules", summary="The evaluation rules: each score's weights (%) and the grade bands")
def rules(request):
    require_capability(request.user, CASES_EVALUATE)
    return _rules_out()


@router.put("/rules/{post}", summary="Change one score's weights (cases.manage; all of them, adding up to 100)")
def set_weights(request, post: str, payload: WeightsIn):
    actions.do_set_score_weights(actor=request.user, post=post, weights=payload.weights)
    return _rules_out()


@router.put("/grades", summary="Change the lowest score of each grade (cases.manage; the last grade from 0)")
def set_grades(request, payload: GradesIn):
    actions.do_set_grade_bands(actor=request.user, lowest=payload.lowest)
    return _rules_out()
