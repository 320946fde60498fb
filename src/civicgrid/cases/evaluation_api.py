"""Evaluation API (综合评价) at /api/cases/evaluation/: the numbers of the evaluation page.

Period parameters as on the page: ``period`` = month | quarter | custom with ``month=YYYY-MM``,
``quarter=YYYY-Qn`` or ``start``/``end`` (YYYY-MM-DD, both days included); by default the last
full month. ``area`` narrows to a street, community or grid inside the caller's jurisdiction.
Rates are fractions (0–1), scores 0–100. ``/public`` needs no account and holds no personal data.
"""

from __future__ import annotations

from ninja import Router

from . import evaluation as ev

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
