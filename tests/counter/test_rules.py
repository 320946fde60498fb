"""Acceptance 2: every rule of the issue refused with a typed Chinese error naming the field; a clerk of
another community gets 404; the register reads behind the checklist are audited 1:1."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.counter import actions
from civicgrid.counter.models import Application, ItemVersion

from .conftest import COMMUNITY, OTHER_COMMUNITY, STREET, make_item, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def post(client, url, data=None):
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


def _draft(**kw):
    return make_item(publish=False, **kw)[1]


def test_publishing_refused_when_the_promise_exceeds_the_legal_limit(tree):
    version = _draft(code="P1", legal=10, promised=12)
    with pytest.raises(UserError) as exc:
        actions.do_publish_version(actor=SYSTEM, version=version)
    assert exc.value.field == "promised_days" and "承诺" in exc.value.message and "法定" in exc.value.message
    assert ItemVersion.objects.get(pk=version.pk).status == "draft"


def test_publishing_refused_for_a_power_item_without_legal_basis(tree):
    version = _draft(code="P2", basis="", item_type="licensing")
    with pytest.raises(UserError) as exc:
        actions.do_publish_version(actor=SYSTEM, version=version)
    assert exc.value.field == "legal_basis" and "设定依据" in exc.value.message
    # a public service needs none
    public = _draft(code="P2b", basis="", item_type="public_service")
    assert actions.do_publish_version(actor=SYSTEM, version=public).status == "published"


def test_publishing_refused_for_an_item_without_materials(tree):
    version = _draft(code="P3", materials=[], situations=[])
    with pytest.raises(UserError) as exc:
        actions.do_publish_version(actor=SYSTEM, version=version)
    assert exc.value.field == "materials" and "材料" in exc.value.message


def test_publishing_through_the_api_names_every_problem(counter_cast, client_for):
    version = _draft(code="P4", legal=3, promised=9, basis="", item_type="licensing")
    r = post(client_for(counter_cast["district"]), f"/api/counter/versions/{version.pk}/publish")
    assert r.status_code == 400, r.content
    body = r.json()
    assert "承诺" in body["detail"] and "设定依据" in json.dumps(body, ensure_ascii=False)


def test_a_new_version_replaces_the_old_and_applications_keep_theirs(counter_cast):
    item, v1 = make_item(code="P5")
    person = make_person()
    app = actions.do_intake(actor=counter_cast["clerk"], version=v1, applicant=person, window_area_code=COMMUNITY,
                            situation="S1")
    v2 = actions.do_save_draft(actor=SYSTEM, item=item, materials=[{"name": "居民身份证", "source": "id"}],
                               item_type="payment", legal_basis="依据", legal_days=20, promised_days=3)
    actions.do_publish_version(actor=SYSTEM, version=v2)
    v1.refresh_from_db()
    item.refresh_from_db()
    assert v1.status == "withdrawn" and item.current_id == v2.pk
    app.refresh_from_db()
    assert app.item_version_id == v1.pk and app.promised_days == 5


def _received(cast, **item_kw):
    item, version = make_item(**item_kw)
    person = make_person()
    return actions.do_intake(actor=cast["clerk"], version=version, applicant=person, window_area_code=COMMUNITY,
                             situation="S1")


def test_accept_refused_while_a_required_material_is_missing(counter_cast, client_for):
    app = _received(counter_cast, code="A1")
    r = post(client_for(counter_cast["clerk"]), f"/api/counter/applications/{app.pk}/accept")
    assert r.status_code == 400
    body = r.json()
    assert "家庭收入证明" in body["detail"] and "缺少" in body["detail"]
    assert Application.objects.get(pk=app.pk).status == "received"


def test_a_second_notice_refused_unless_the_situation_changed(counter_cast):
    app = _received(counter_cast, code="N1")
    clerk = counter_cast["clerk"]
    actions.do_notice(actor=clerk, application=app)
    app = actions.do_supplement(actor=clerk, application=app, handed=["M03"])
    assert app.status == "received"
    with pytest.raises(Conflict) as exc:
        actions.do_notice(actor=clerk, application=app)
    assert exc.value.code == "second_notice" and "一次性告知" in exc.value.message
    assert app.notice_rows.count() == 1

    # Another one whose situation changes on the supplement (a family member has a disability): the
    # disability certificate is newly required, and a second notice is allowed.
    other = _received(counter_cast, code="N2")
    actions.do_notice(actor=clerk, application=other)
    other = actions.do_supplement(actor=clerk, application=other, handed=["M03", "M04", "M05"], situation="S2")
    notice = actions.do_notice(actor=clerk, application=other)
    assert [m["name"] for m in notice.missing] == ["残疾人证"]
    assert Application.objects.get(pk=other.pk).notices == 2


def test_a_community_window_cannot_accept_an_item_not_admitted(counter_cast, client_for):
    item, version = make_item(code="C1", admitted=False, materials=[{"name": "居民身份证", "source": "id"}],
                              situations=[])
    person = make_person()
    app = actions.do_intake(actor=counter_cast["clerk"], version=version, applicant=person,
                            window_area_code=COMMUNITY, proxy="full", proxy_person=person)
    r = post(client_for(counter_cast["clerk"]), f"/api/counter/applications/{app.pk}/accept")
    assert r.status_code == 403, r.content
    assert "准入" in r.json()["detail"] or "代办" in r.json()["detail"]
    assert Application.objects.get(pk=app.pk).status == "received"
    # the street centre accepts what the community forwarded on the resident's behalf
    r = post(client_for(counter_cast["street_clerk"]), f"/api/counter/applications/{app.pk}/accept")
    assert r.status_code == 200, r.content


def test_withdrawal_only_before_the_decision(counter_cast):
    item, version = make_item(code="W1", materials=[{"name": "居民身份证", "source": "id"}], situations=[],
                              level="community")
    person = make_person()
    clerk = counter_cast["clerk"]
    app = actions.do_intake(actor=clerk, version=version, applicant=person, window_area_code=COMMUNITY)
    app, _code = actions.do_accept(actor=clerk, application=app)
    app = actions.do_decide(actor=clerk, application=app, approve=True)  # a community item: decided at the window
    with pytest.raises(Conflict) as exc:
        actions.do_withdraw(actor=clerk, application=app, reason="不办了")
    assert "决定" in exc.value.message
    # before the decision it goes through
    app2 = actions.do_intake(actor=clerk, version=version, applicant=person, window_area_code=COMMUNITY)
    assert actions.do_withdraw(actor=clerk, application=app2, reason="不办了").status == "withdrawn"


def test_deny_needs_a_reason_and_refusal_a_legal_basis(counter_cast):
    app = _received(counter_cast, code="R1")
    with pytest.raises(UserError) as exc:
        actions.do_refuse(actor=counter_cast["clerk"], application=app, reason="不符合条件", legal_basis="")
    assert exc.value.field == "legal_basis" and "依据" in exc.value.message


def test_a_clerk_of_another_community_gets_404(counter_cast, client_for):
    app = _received(counter_cast, code="J1")
    other = client_for(counter_cast["clerk_other"])
    assert other.get(f"/api/counter/applications/{app.pk}").status_code == 404
    assert post(other, f"/api/counter/applications/{app.pk}/notice").status_code == 404
    assert other.get("/api/counter/applications").json() == []
    assert client_for(counter_cast["clerk"]).get(f"/api/counter/applications/{app.pk}").status_code == 200
    assert AuditLog.objects.filter(action="access.denied", object_id=str(app.pk), outcome="denied").exists()


def test_back_office_of_another_department_may_not_decide(counter_cast, client_for):
    item, version = make_item(code="B1", materials=[{"name": "居民身份证", "source": "id"}], situations=[],
                              level="district")
    app = actions.do_intake(actor=counter_cast["clerk"], version=version, applicant=make_person(),
                            window_area_code=COMMUNITY)
    app, _c = actions.do_accept(actor=counter_cast["clerk"], application=app)
    hrss = client_for(counter_cast["hrss_handler"])
    assert post(hrss, f"/api/counter/applications/{app.pk}/decide", {"approve": True}).status_code == 404
    with pytest.raises(NotPermitted):
        actions.do_decide(actor=counter_cast["hrss_handler"], application=app, approve=True)
    # the window clerk may not decide a district item either
    r = post(client_for(counter_cast["clerk"]), f"/api/counter/applications/{app.pk}/decide", {"approve": True})
    assert r.status_code == 403
    assert post(client_for(counter_cast["handler"]), f"/api/counter/applications/{app.pk}/decide",
                {"approve": True}).status_code == 200


def test_register_reads_behind_the_checklist_are_audited_one_to_one(counter_cast):
    item, version = make_item(code="AU1")
    clerk = counter_cast["clerk"]
    disabled = make_person(tags=["disabled"], name="李四")
    plain = make_person(household=False, name="张三")
    before = AuditLog.objects.filter(action="counter.register.read").count()
    a = actions.do_intake(actor=clerk, version=version, applicant=disabled, window_area_code=COMMUNITY, situation="S2")
    b = actions.do_intake(actor=clerk, version=version, applicant=plain, window_area_code=COMMUNITY, situation="S2")
    rows = AuditLog.objects.filter(action="counter.register.read").order_by("id")[before:]
    per = {}
    for row in rows:
        per.setdefault(row.object_id, []).append((row.detail["material"], row.detail["supplied"]))
    # three register-sourced materials under S2 (ID, household, disability): one read each, per application
    assert per[str(a.pk)] == [("M01", True), ("M02", True), ("M06", True)]
    assert per[str(b.pk)] == [("M01", True), ("M02", False), ("M06", False)]
    how = dict(a.materials.values_list("material__code", "how"))
    assert how["M06"] == "register" and how["M03"] == ""
    assert not any(disabled.id_number_plain in json.dumps(r.detail) for r in rows)


def test_the_street_window_code_and_bad_input(counter_cast, client_for):
    item, version = make_item(code="X1")
    clerk = client_for(counter_cast["clerk"])
    r = post(clerk, "/api/counter/applications", {"item": item.code, "person_id": make_person().pk,
                                                 "situation": "S9"})
    assert r.status_code == 400 and "情形" in r.json()["detail"]
    r = post(clerk, "/api/counter/lookup", {"id_number": "330106196005010000"})
    assert r.status_code == 400
    r = post(clerk, "/api/counter/applications", {"item": item.code, "person_id": 10**30})
    assert r.status_code in (404, 422)
    assert STREET and OTHER_COMMUNITY
