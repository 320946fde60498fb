"""Surveys (问卷): answers recorded by staff in their grids become the awareness and satisfaction
indicators (Σ yes ÷ Σ answers per grid, rolled up like any indicator), with the 004 targets;
bad answers and foreign grids are refused."""

from __future__ import annotations

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core import periods as P
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.core.scoping import SYSTEM
from civicgrid.stats import actions, queries
from civicgrid.stats.models import Survey, SurveyResponse
from civicgrid.stats.seeds import ensure_seeded_targets, ensure_surveys

from ..conftest import make_user

GRID, OTHER = "330106001001001", "330106001002001"


def test_answers_become_rolled_up_rates(tree, client_for):
    ensure_surveys()
    ensure_seeded_targets()
    survey = Survey.objects.get(code="WJ-GRID")
    worker = make_user("s_grid", Role.GRID_WORKER, tree[GRID])
    for yes, rating in ((True, 1), (True, 2), (False, 4), (True, 3)):
        actions.do_record_response(actor=worker, survey=survey, area_code=GRID,
                                   answers={"1": yes, "2": not yes, "3": rating, "4": 5})
    actions.do_record_response(actor=SYSTEM, survey=survey, area_code=OTHER,
                               answers={"1": "yes", "2": "yes", "3": "2", "4": "2"})
    with pytest.raises(UserError) as bad:
        actions.do_record_response(actor=worker, survey=survey, area_code=GRID, answers={"1": "maybe", "3": 9})
    assert set(bad.value.errors) == {"q1", "q2", "q3", "q4"}
    with pytest.raises(NotPermitted):
        actions.do_record_response(actor=worker, survey=survey, area_code=OTHER,
                                   answers={"1": True, "2": True, "3": 1, "4": 1})
    assert SurveyResponse.objects.count() == 5
    month = P.current("month")
    actions.do_refresh(actor=SYSTEM, periods=[month], indicators=["stats.survey_awareness",
                                                                 "stats.survey_satisfaction"])
    got = queries.sums([GRID, "330106001"], [month.code], ["stats.survey_awareness", "stats.survey_satisfaction"])
    assert got[("stats.survey_awareness", GRID, month.code)] == (4, 8)  # 3 + 1 yes of 8 answers
    assert got[("stats.survey_satisfaction", GRID, month.code)] == (3, 8)  # ratings 1, 2, 3 of 8
    assert got[("stats.survey_awareness", "330106001", month.code)] == (6, 10)  # Σ ÷ Σ with the other grid
    assert got[("stats.survey_satisfaction", "330106001", month.code)] == (5, 10)
    target = queries.targets_for(["stats.survey_awareness"], GRID, month)["stats.survey_awareness"]
    assert target.value == 60 and "知晓率" in target.phrase
    # Pages and API: the grid worker records through the page, lists only its grid's answers.
    client = client_for(worker)
    answer = client.post("/stats/surveys/", {"area_code": GRID, "q1": "yes", "q2": "no", "q3": "2", "q4": "1"})
    assert answer.status_code == 302
    refused = client.post("/stats/surveys/", {"area_code": GRID, "q1": "yes"})
    page = refused.content.decode()
    assert refused.status_code == 400 and 'id="survey-error"' in page
    # Each unanswered question's message beside it; the answer given is still checked.
    assert 'id="q2-error"' in page and 'id="q1-error"' not in page
    assert 'name="q1" value="yes" checked' in page
    listed = client.get("/api/stats/surveys/WJ-GRID/responses").json()
    assert {r["area_code"] for r in listed} == {GRID} and len(listed) == 5
