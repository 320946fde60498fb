"""Pages and API of community health: signing with the message beside the field in Chinese, a visit
recorded on the person page, today's tasks grouped by household, bad input answered without a 500."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.health import actions
from civicgrid.health.models import Contract, Task, Visit
from civicgrid.registry.models import Household

from .conftest import person

pytestmark = pytest.mark.django_db


def test_sign_page_signs_and_refuses_a_second_agreement_beside_the_field(health, client_for):
    doctor, resident = health["doctors"]["A"], health["residents"]["A"]
    client = client_for(doctor)
    page = client.get("/health/sign/")
    assert page.status_code == 200 and resident.name in page.content.decode()
    assert health["residents"]["B"].name not in page.content.decode()  # team B's grid
    response = client.post("/health/sign/", {"person": resident.pk, "package": "elderly", "start_date": "2025-03-01",
                                             "allergies": "青霉素"})
    assert response.status_code == 302
    contract = Contract.objects.get(person=resident)
    assert contract.package == "elderly" and contract.start_date == dt.date(2025, 3, 1)
    again = client.post("/health/sign/", {"person": resident.pk, "package": "basic"})
    html = again.content.decode()
    assert again.status_code == 200 and "已有生效的签约协议" in html and "is-invalid" in html
    assert Contract.objects.filter(person=resident).count() == 1


def test_visit_form_on_the_person_page(health, client_for):
    doctor, resident = health["doctors"]["A"], health["residents"]["A"]
    enrolment = actions.do_enrol(resident, "htn", actor=doctor)
    client = client_for(doctor)
    bad = client.post(f"/health/people/{resident.pk}/", {"what": "visit", "v-enrolment": enrolment.pk,
                                                         "v-mode": "clinic", "v-sbp": "120", "v-dbp": "130"})
    html = bad.content.decode()
    assert bad.status_code == 200 and "必须低于收缩压" in html and not Visit.objects.exists()
    ok = client.post(f"/health/people/{resident.pk}/", {"what": "visit", "v-enrolment": enrolment.pk,
                                                        "v-mode": "home", "v-sbp": "128", "v-dbp": "82"})
    assert ok.status_code == 302
    visit = Visit.objects.get()
    assert visit.controlled is True and "128" not in visit.data_enc
    assert Task.objects.get(enrolment=enrolment, seq=0).status == "done"
    page = client.get(f"/health/people/{resident.pk}/").content.decode()
    assert "128/82" in page


def test_todays_tasks_grouped_by_household(health, client_for):
    doctor = health["doctors"]["A"]
    household = Household.objects.create(area_code="330106001001001", number="H1", address="幸福里1幢101")
    today = dt.date.today()
    for name in ("王一", "王二"):
        resident = person("330106001001001", name, birth=dt.date(1950, 1, 1), household=household)
        actions.do_enrol(resident, "htn", actor=doctor, enrolled_on=today - dt.timedelta(days=100))
    alone = person("330106001001001", "孤老", birth=dt.date(1940, 1, 1))
    actions.do_enrol(alone, "htn", actor=doctor, enrolled_on=today - dt.timedelta(days=20))
    page = client_for(doctor).get("/health/tasks/")
    work = page.context["work"]
    labels = [g["label"] for g in work["households"]]
    assert "幸福里1幢101" in labels
    family = next(g for g in work["households"] if g["label"] == "幸福里1幢101")
    assert len(family["tasks"]) == 2 and {t.person.name for t in family["tasks"]} == {"王一", "王二"}
    assert work["overdue"] + work["due"] == sum(len(g["tasks"]) for g in work["households"])
    assert all(t.state_today in ("due", "overdue") for g in work["households"] for t in g["tasks"])
    assert client_for(health["doctors"]["B"]).get("/health/tasks/").context["work"]["households"] == []
    from civicgrid.health import queries

    items = queries.inbox_items(doctor)
    assert len(items) == queries.inbox_count(doctor) == work["overdue"] + work["due"]
    assert all(i.url.startswith("/health/people/") and i.due_at.tzinfo for i in items)
    assert queries.inbox_count(health["doctors"]["B"]) == 0


def test_todays_tasks_paging_and_counts(health, client_for):
    """The page of households and the counts, against a recount in Python of the team's open tasks."""
    from civicgrid.health import queries

    doctor, grid = health["doctors"]["A"], "330106001001001"
    today = dt.date.today()
    for h in range(5):
        household = Household.objects.create(area_code=grid, number=f"P{h}", address=f"和平里{h}号")
        for i in range(h % 3 + 1):
            resident = person(grid, f"户{h}人{i}", birth=dt.date(1950, 1, 1), household=household)
            actions.do_enrol(resident, "htn", actor=doctor, enrolled_on=today - dt.timedelta(days=(7 * h + 5 * i) % 31))
    for i, days in enumerate((0, 12, 72, 73)):  # alone: each is their own group; 72/73 days: a window opens soon
        actions.do_enrol(person(grid, f"独居{i}", birth=dt.date(1948, 3, 1)), "htn", actor=doctor,
                         enrolled_on=today - dt.timedelta(days=days))
    actions.do_enrol(person("330106001001002", "乙户", birth=dt.date(1950, 1, 1)), "htn",
                     actor=health["doctors"]["B"], enrolled_on=today - dt.timedelta(days=3))  # team B's

    expected: dict = {}
    upcoming = 0
    for t in Task.objects.filter(team=health["teams"]["A"], status="open"):
        state = t.state(today)
        if state in ("due", "overdue"):
            g = expected.setdefault(t.household_id or -t.person_id, {"due": 0, "overdue": 0, "first": t.due, "n": 0})
            g[state] += 1
            g["n"] += 1
            g["first"] = min(g["first"], t.due)
        elif state == "upcoming" and t.start <= today + dt.timedelta(days=7):
            upcoming += 1
    order = sorted(expected, key=lambda k: (-expected[k]["overdue"], -expected[k]["due"], expected[k]["first"], k))
    assert len(order) >= 7 and upcoming >= 1
    assert sum(g["due"] for g in expected.values()) >= 1 and sum(g["overdue"] for g in expected.values()) >= 1

    seen = []
    offset = 0
    while True:
        work = queries.worklist(doctor, offset=offset, limit=3)
        assert work["total_households"] == len(order) and work["upcoming"] == upcoming
        assert work["due"] == sum(g["due"] for g in expected.values())
        assert work["overdue"] == sum(g["overdue"] for g in expected.values())
        assert len(work["households"]) <= 3
        for g in work["households"]:
            want = expected[g["key"]]
            assert (g["due"], g["overdue"], len(g["tasks"])) == (want["due"], want["overdue"], want["n"])
        seen += [g["key"] for g in work["households"]]
        if work["next_offset"] is None:
            break
        assert work["next_offset"] == offset + 3
        offset = work["next_offset"]
    assert seen == order  # every household once, most urgent first

    client = client_for(doctor)
    html = client.get("/health/tasks/?offset=3").content.decode()
    assert 'rel="prev"' in html and "offset=0" in html
    assert client.get("/health/tasks/?offset=abc").status_code == 200
    assert client.get("/health/tasks/?offset=99999999999").context["work"]["households"] == []
    page = client.get("/health/tasks/?view=upcoming")
    assert page.status_code == 200 and page.context["work"]["total"] == upcoming
    assert {t.person.name for t in page.context["work"]["tasks"]} <= {"独居2", "独居3"} | {
        f"户{h}人{i}" for h in range(5) for i in range(3)}
    other = client_for(health["doctors"]["B"]).get("/health/tasks/").context["work"]
    assert other["total_households"] == 1 and other["households"][0]["tasks"][0].person.name == "乙户"


def test_api_flow_and_bad_input(health, client_for):
    doctor, resident = health["doctors"]["A"], health["residents"]["A"]
    client = client_for(doctor)
    post = lambda url, body: client.post(url, data=json.dumps(body), content_type="application/json")  # noqa: E731
    r = post("/api/health/contracts", {"person_id": resident.pk, "package": "nonsense"})
    assert r.status_code == 400 and r.json()["field"] == "package" and "服务包" in r.json()["detail"]
    r = post("/api/health/contracts", {"person_id": resident.pk, "package": "chronic"})
    assert r.status_code == 201, r.content
    contract = r.json()
    r = post("/api/health/enrolments", {"person_id": resident.pk, "programme": "htn"})
    assert r.status_code == 201 and r.json()["tasks"] >= 1
    enrolment = r.json()["id"]
    for body in ({"mode": "fax"}, {"sbp": 500, "dbp": 80}, {"on": "x"}):
        assert post(f"/api/health/enrolments/{enrolment}/visits", body).status_code in (400, 422)
    r = post(f"/api/health/enrolments/{enrolment}/visits", {"mode": "clinic", "fbg": 6.1})
    assert r.status_code == 201
    r = post(f"/api/health/contracts/{contract['id']}/terminate", {"version": contract["version"], "reason": ""})
    assert r.status_code == 400
    r = post(f"/api/health/contracts/{contract['id']}/terminate", {"version": 99, "reason": "搬离"})
    assert r.status_code == 409
    before = AuditLog.objects.filter(action="health.record.read").count()
    summary = client.get(f"/api/health/people/{resident.pk}").json()
    assert summary["record"]["number"] and AuditLog.objects.filter(action="health.record.read").count() == before + 1
    assert post(f"/api/health/people/{resident.pk}/surveys", {"aware": True, "satisfied": False}).status_code == 201
    assert post(f"/api/health/people/{health['residents']['B'].pk}/surveys",
                {"aware": True, "satisfied": True}).status_code == 404  # team B's resident
    figs = client.get(f"/api/health/figures?period={dt.date.today().year}&level=grid").json()["rows"]
    own = next(r for r in figs if r["key"] == "330106001001001")
    assert own["awareness"]["numerator"] == 1 and own["satisfaction"]["numerator"] == 0
    assert own["satisfaction"]["denominator"] == 1
    assert client.get("/api/health/figures?period=2025S3").status_code == 400
    assert client.get("/api/health/figures?period=2025S1&level=team").status_code == 200
    assert client.get("/api/health/tasks?state=weird").status_code == 400
    hospital = health["hospital"]
    r = post("/api/health/referrals", {"person_id": resident.pk, "direction": "up", "hospital_id": hospital.pk,
                                       "reason": "血压控制不佳，转上级医院", "appointment_at": "2025-07-01T09:00"})
    assert r.status_code == 201
    referral = r.json()
    r = post(f"/api/health/referrals/{referral['id']}/fly", {"version": referral["version"]})
    assert r.status_code == 400
    r = post(f"/api/health/referrals/{referral['id']}/arrive", {"version": referral["version"]})
    assert r.status_code == 409  # not accepted yet
    assert SYSTEM  # the fixture's teams were made by the system actor
