"""The evaluation rules (考核规则) are data: each score's weights and the grade bands, shown to
everyone who evaluates, changed by the district's administrators on a page or through the API,
validated (named field and rule), audited, and used by the evaluation and the public scoreboard."""

from __future__ import annotations

import json

import pytest

from civicgrid.cases import actions, evaluation
from civicgrid.cases.catalogue import ensure_catalogue
from civicgrid.cases.models import GradeBand, ScoreRule
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.core.models import AuditLog


@pytest.fixture
def rules(db):
    ensure_catalogue()


def weights(post: str) -> dict[str, float]:
    return {r.indicator: float(r.weight) for r in ScoreRule.objects.filter(post=post)}


def test_seeded_rules_are_the_standard_ones(rules):
    assert weights("unit") == {"on_time_rate": 40, "closing_rate": 20, "rework_rate": 20, "satisfaction_rate": 20}
    assert weights("supervisor") == {"valid_report_rate": 40, "missed_report_rate": 20,
                                     "confirm_on_time_rate": 20, "check_on_time_rate": 20}
    assert evaluation.grade_bands() == [(90, "A"), (75, "B"), (60, "C"), (40, "D"), (0, "E")]
    assert evaluation.formula("unit") == "按期结案率 × 40% + 结案率 × 20% + (1 − 返工率) × 20% + 满意率 × 20%"


def test_administrator_changes_weights_and_the_scores_follow(org, rules):
    admin = org["people"]["district"]
    actions.do_set_score_weights(actor=admin, post="unit", weights={
        "on_time_rate": "50", "closing_rate": "30", "rework_rate": "10", "satisfaction_rate": 10})
    assert weights("unit") == {"on_time_rate": 50, "closing_rate": 30, "rework_rate": 10, "satisfaction_rate": 10}
    assert evaluation.weighted_score({"on_time_rate": 1.0, "closing_rate": 0.5, "rework_rate": 0.0,
                                      "satisfaction_rate": None}, evaluation.score_rules("unit")) == \
        round(100 * (50 + 15 + 10) / 90, 2)
    entry = AuditLog.objects.get(action="cases.evaluation.weights")
    assert entry.actor == admin and entry.detail["before"]["on_time_rate"] == "40"
    assert entry.detail["after"]["on_time_rate"] == "50"


@pytest.mark.parametrize("given, field", [
    ({"on_time_rate": 40, "closing_rate": 20, "rework_rate": 20, "satisfaction_rate": 30}, "weights"),  # 110
    ({"on_time_rate": 40, "closing_rate": 20, "rework_rate": 20}, "satisfaction_rate"),  # missing
    ({"on_time_rate": "x", "closing_rate": 20, "rework_rate": 20, "satisfaction_rate": 20}, "on_time_rate"),
    ({"on_time_rate": 140, "closing_rate": -20, "rework_rate": 0, "satisfaction_rate": -20}, "on_time_rate"),
    ({"on_time_rate": 39.999, "closing_rate": 20, "rework_rate": 20, "satisfaction_rate": 20}, "on_time_rate"),
    ({"on_time_rate": 40, "closing_rate": 20, "rework_rate": 20, "satisfaction_rate": 20, "bogus": 0}, "bogus"),
])
def test_bad_weights_are_refused_naming_the_field_and_nothing_changes(org, rules, given, field):
    with pytest.raises(UserError) as err:
        actions.do_set_score_weights(actor=org["people"]["district"], post="unit", weights=given)
    assert err.value.field == field
    assert weights("unit")["on_time_rate"] == 40
    assert not AuditLog.objects.filter(action="cases.evaluation.weights").exists()


def test_grade_bands_change_and_are_checked(org, rules):
    admin = org["people"]["district"]
    actions.do_set_grade_bands(actor=admin, lowest={"A": 95, "B": "80", "C": 65, "D": 50, "E": 0})
    assert evaluation.grade_bands() == [(95, "A"), (80, "B"), (65, "C"), (50, "D"), (0, "E")]
    assert [evaluation.grade(s) for s in (95, 94.9, 50, 49)] == ["A", "B", "D", "E"]
    for bad, field in [({"A": 95, "B": 96, "C": 65, "D": 50, "E": 0}, "B"),
                       ({"A": 95, "B": 80, "C": 65, "D": 50, "E": 10}, "E"),
                       ({"A": 95, "B": 80, "C": 65, "D": 50}, "E"),
                       ({"A": 101, "B": 80, "C": 65, "D": 50, "E": 0}, "A")]:
        with pytest.raises(UserError) as err:
            actions.do_set_grade_bands(actor=admin, lowest=bad)
        assert err.value.field == field, bad
    assert GradeBand.objects.get(letter="A").lowest == 95


def test_only_administrators_change_rules(org, rules):
    for who in ("shift", "street", "seat"):
        with pytest.raises(NotPermitted):
            actions.do_set_grade_bands(actor=org["people"][who], lowest={"A": 95, "B": 80, "C": 65, "D": 50, "E": 0})
    assert GradeBand.objects.get(letter="A").lowest == 90


def test_rules_page_shows_rules_and_saves_a_form(org, rules, client_for):
    shift = client_for(org["people"]["shift"])  # evaluates, may not change
    page = shift.get("/cases/evaluation/rules/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "按期结案率" in body and "name=\"weight_" not in body
    assert shift.post("/cases/evaluation/rules/", {"form": "grades", "grade_A": "95"}).status_code == 403
    assert client_for(org["people"]["seat"]).get("/cases/evaluation/rules/").status_code == 403

    admin = client_for(org["people"]["district"])
    data = {"form": "weights_dispatcher", "weight_dispatch_count_score": "10",
            "weight_dispatch_on_time_rate": "45", "weight_dispatch_accuracy_rate": "40"}
    bad = admin.post("/cases/evaluation/rules/", data)
    assert bad.status_code == 400
    assert "95" in bad.content.decode() and 'value="45"' in bad.content.decode()  # the total, the input kept
    assert weights("dispatcher")["dispatch_on_time_rate"] == 40
    unknown = admin.post("/cases/evaluation/rules/", {"form": "weights_nobody"})
    assert unknown.status_code == 400 and 'id="rules-error"' in unknown.content.decode()
    data["weight_dispatch_accuracy_rate"] = "45"
    assert admin.post("/cases/evaluation/rules/", data).status_code == 302
    assert weights("dispatcher") == {"dispatch_count_score": 10, "dispatch_on_time_rate": 45,
                                     "dispatch_accuracy_rate": 45}
    grades = {"form": "grades", "grade_A": "92", "grade_B": "78", "grade_C": "61", "grade_D": "41", "grade_E": "0"}
    assert admin.post("/cases/evaluation/rules/", grades).status_code == 302
    assert "A ≥ 92" in admin.get("/cases/evaluation/").content.decode()
    assert "A ≥ 92" in client_for(org["people"]["seat"]).get("/cases/evaluation/public/").content.decode()


def test_rules_api(org, rules, client_for):
    admin = client_for(org["people"]["district"])
    got = admin.get("/api/cases/evaluation/rules").json()
    assert got["grades"] == {"A": 90, "B": 75, "C": 60, "D": 40, "E": 0}
    unit = next(s for s in got["scores"] if s["post"] == "unit")
    assert unit["weights"]["on_time_rate"] == 40 and unit["inverted"] == ["rework_rate"]
    r = admin.put("/api/cases/evaluation/rules/unit", data=json.dumps({"weights": {
        "on_time_rate": 25, "closing_rate": 25, "rework_rate": 25, "satisfaction_rate": 25}}),
        content_type="application/json")
    assert r.status_code == 200 and next(s for s in r.json()["scores"] if s["post"] == "unit")["weights"][
        "closing_rate"] == 25
    r = admin.put("/api/cases/evaluation/grades", data=json.dumps({"lowest": {"A": 90, "B": 91, "C": 60, "D": 40,
                                                                               "E": 0}}),
                  content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "B"
    shift = client_for(org["people"]["shift"])
    assert shift.get("/api/cases/evaluation/rules").status_code == 200
    r = shift.put("/api/cases/evaluation/grades", data=json.dumps({"lowest": {"A": 95}}),
                  content_type="application/json")
    assert r.status_code == 403
    assert client_for(org["people"]["seat"]).get("/api/cases/evaluation/rules").status_code == 403
