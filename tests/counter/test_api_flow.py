"""Acceptance 1 (API part): notice with exactly the 3 missing materials → supplement → accept → forward
to another department → suspend for 公示 (the deadline moves by the paused working days) → approve →
pickup → rating 2 → the callback task appears."""

from __future__ import annotations

import datetime as dt
import json
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from civicgrid.core import deadlines, workcalendar
from civicgrid.core.models import AuditLog
from civicgrid.counter.models import Application, ApplicationEvent, CallbackTask

from .conftest import make_item, make_person

TZ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def at(y, m, d, h=10, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


def test_worked_check_of_the_issue():
    """Accepted Friday 2025-09-26 + 5 working days → 2025-10-10 (9-28 adjusted workday, 10-1…10-8 holiday)."""
    due = deadlines.due(at(2025, 9, 26), 5, deadlines.WORK_DAYS)
    assert due.astimezone(TZ).date() == dt.date(2025, 10, 10)


def test_the_whole_flow_through_the_api(counter_cast, client_for):
    item, version = make_item(department="civil_affairs", level="district", promised=5, legal=20)
    person = make_person(tags=["disabled"])
    clerk = client_for(counter_cast["clerk"])

    # Look-up by ID number: one audit row, no number in it.
    r = post(clerk, "/api/counter/lookup", {"id_number": person.id_number_plain})
    assert r.status_code == 200, r.content
    assert r.json()["id"] == person.pk and "*" in r.json()["id_masked"]
    row = AuditLog.objects.filter(action="counter.register.lookup").get()
    assert person.id_number_plain not in json.dumps(row.detail)

    # Intake, situation S1 (no disability material): ID and household from the register, nothing handed in.
    with mock.patch("civicgrid.counter.actions.clock_now", return_value=at(2025, 9, 25, 9, 30)):
        r = post(clerk, "/api/counter/applications", {"item": item.code, "person_id": person.pk, "situation": "S1",
                                                     "window": "3号窗口"})
    assert r.status_code == 201, r.content
    app = r.json()
    pk = app["id"]
    lines = {m["code"]: m["how"] for m in app["materials"]}
    assert lines == {"M01": "register", "M02": "register", "M03": "", "M04": "", "M05": "", "M07": ""}
    assert app["first_clerk_name"] == "clerk_c1"
    # One audited register read per register-sourced material of the checklist.
    assert AuditLog.objects.filter(action="counter.register.read", object_id=str(pk)).count() == 2

    # The one-time notice lists exactly the 3 missing required materials.
    r = post(clerk, f"/api/counter/applications/{pk}/notice")
    assert r.status_code == 201, r.content
    assert [m["name"] for m in r.json()["missing"]] == ["家庭收入证明", "家庭财产申报表", "银行账户信息"]

    r = post(clerk, f"/api/counter/applications/{pk}/supplement", {"handed": ["M03", "M04", "M05"]})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "received" and r.json()["visits"] == 2

    with mock.patch("civicgrid.counter.actions.clock_now", return_value=at(2025, 9, 26, 10)):
        r = post(clerk, f"/api/counter/applications/{pk}/accept")
    assert r.status_code == 200, r.content
    accepted = r.json()
    code = accepted["query_code"]
    assert code and accepted["receipt_number"].startswith("SL")
    due = dt.datetime.fromisoformat(accepted["due_at"]).astimezone(TZ)
    assert due.date() == dt.date(2025, 10, 10)
    assert code not in json.dumps(post(clerk, "/api/counter/progress", {"query_code": code}).json())

    # The civil-affairs back office sees it first in its inbox and forwards it to human resources.
    handler = client_for(counter_cast["handler"])
    inbox = handler.get("/api/counter/inbox").json()
    assert [row["id"] for row in inbox] == [pk]
    r = post(handler, f"/api/counter/applications/{pk}/forward", {"department": "hrss", "level": "district",
                                                                  "note": "属人社职责"})
    assert r.status_code == 200, r.content
    assert handler.get(f"/api/counter/applications/{pk}").status_code == 404  # given away
    hrss = client_for(counter_cast["hrss_handler"])
    assert [row["id"] for row in hrss.get("/api/counter/inbox").json()] == [pk]

    # Suspended for 公示 from Mon 2025-10-13 10:00 to Mon 2025-10-20 10:00: 5 working days paused.
    with mock.patch("civicgrid.counter.actions.clock_now", return_value=at(2025, 10, 13, 10)):
        r = post(hrss, f"/api/counter/applications/{pk}/suspend", {"reason": "公示", "note": "公示七日"})
    assert r.status_code == 200, r.content
    with mock.patch("civicgrid.counter.actions.clock_now", return_value=at(2025, 10, 20, 10)):
        r = post(hrss, f"/api/counter/applications/{pk}/resume")
    assert r.status_code == 200, r.content
    moved = dt.datetime.fromisoformat(r.json()["due_at"]).astimezone(TZ)
    paused = workcalendar.working_time_between(at(2025, 10, 13, 10), at(2025, 10, 20, 10))
    assert paused == dt.timedelta(hours=35)  # 5 working days of 7 hours
    assert moved == workcalendar.add_working_time(due, hours=35)
    assert moved.date() == dt.date(2025, 10, 16)  # 10-11 (Saturday) is an adjusted workday

    with mock.patch("civicgrid.counter.actions.clock_now", return_value=at(2025, 10, 21, 15)):
        r = post(hrss, f"/api/counter/applications/{pk}/decide", {"approve": True})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "approved"
    stored = Application.objects.get(pk=pk)
    assert stored.on_time is False  # 10-21 is after the moved deadline 10-16

    r = post(clerk, f"/api/counter/applications/{pk}/hand-over", {"delivery": "pickup"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "delivered" and r.json()["visits"] == 3

    # The resident rates 2 (不满意) with the query code: a callback task appears in the seats' queue.
    from django.test import Client

    r = post(Client(), "/api/counter/rate", {"query_code": code.lower(), "rating": 2, "comment": "等太久"})
    assert r.status_code == 200, r.content
    task = CallbackTask.objects.get(application_id=pk)
    assert task.rating == 2 and task.status == "open"
    seat = client_for(counter_cast["seat"])
    assert [row["id"] for row in seat.get("/api/counter/callbacks").json()] == [task.pk]
    assert task.due_at.astimezone(TZ).date() > task.created_at.astimezone(TZ).date() + dt.timedelta(days=15)
    r = post(Client(), "/api/counter/rate", {"query_code": code, "rating": 5})
    assert r.status_code == 409  # rated once

    kinds = list(ApplicationEvent.objects.filter(application_id=pk).order_by("id").values_list("kind", flat=True))
    assert kinds == ["received", "notice", "supplemented", "accepted", "forwarded", "suspended", "resumed",
                     "approved", "delivered", "rated"]
    r = post(seat, f"/api/counter/callbacks/{task.pk}/close", {"result": "已致歉并整改叫号流程"})
    assert r.status_code == 200 and r.json()["status"] == "done"


def test_an_organisation_applies_through_the_api(counter_cast, client_for):
    from civicgrid.core.models import AuditLog
    from civicgrid.registry.models import Organisation

    from .conftest import COMMUNITY, make_item, make_person

    make_item(code="ORGAPI", level="district")
    person = make_person(name="孙经办")
    org = Organisation.objects.create(area_code=COMMUNITY, kind="social", name="示例社会组织",
                                      credit_code="52330106MJ1234567X")
    clerk = client_for(counter_cast["clerk"])
    r = post(clerk, "/api/counter/lookup-organisation", {"credit_code": "52330106MJ1234567Y"})
    assert r.status_code == 400 and r.json()["field"] == "credit_code"
    r = post(clerk, "/api/counter/lookup-organisation", {"credit_code": org.credit_code})
    assert r.status_code == 200 and r.json()["id"] == org.pk
    assert AuditLog.objects.filter(action="counter.register.lookup", object_type="registry.organisation").count() == 2
    r = post(clerk, "/api/counter/applications", {"item": "ORGAPI", "person_id": person.pk, "situation": "S1",
                                                  "organisation_id": org.pk, "centre": COMMUNITY})
    assert r.status_code == 201, r.content
    assert r.json()["organisation_id"] == org.pk and r.json()["applicant_name"] == "示例社会组织"
    # someone outside the clerk's district cannot be named
    other = Organisation.objects.create(area_code="330999001001", kind="social", name="外区", credit_code="52330999MJ1234567X")
    r = post(clerk, "/api/counter/applications", {"item": "ORGAPI", "person_id": person.pk, "situation": "S1",
                                                  "organisation_id": other.pk, "centre": COMMUNITY})
    assert r.status_code == 404
