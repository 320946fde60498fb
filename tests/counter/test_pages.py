"""The counter's pages through the Django client: intake with the checklist, notice and receipt pages
(printable), the inbox ordered by working time left, the figures, and the resident's progress page
with the code in the body only."""

from __future__ import annotations

import pytest
from django.test import Client

from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.counter import actions
from civicgrid.counter.models import Application, CallbackTask

from .conftest import COMMUNITY, make_item, make_person

pytestmark = pytest.mark.django_db


def test_intake_notice_supplement_accept_receipt_on_pages(counter_cast, client_for):
    item, version = make_item(code="PG1", level="district")
    person = make_person(name="赵大妈")
    clerk = client_for(counter_cast["clerk"])
    page = clerk.get("/counter/intake/?q=dbsq" if False else "/counter/intake/?q=zdsh")
    assert page.status_code == 200
    page = clerk.get("/counter/intake/?q=最低生活")
    assert "PG1" in page.content.decode()
    r = clerk.post("/counter/intake/?item=PG1", {"do": "lookup", "id_number": person.id_number_plain, "item": "PG1"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "赵大妈" in html and person.id_number_plain not in html and 'id="checklist"' in html
    assert AuditLog.objects.filter(action="counter.register.lookup", object_id=str(person.pk)).count() == 1
    r = clerk.post("/counter/intake/?item=PG1", {"do": "receive", "item": "PG1", "situation": "S1",
                                                 "handed": ["M03"], "window": "2号窗口", "centre": COMMUNITY})
    assert r.status_code == 302, r.content.decode()[:2000]
    app = Application.objects.get()
    assert r["Location"] == f"/counter/applications/{app.pk}/"
    html = clerk.get(r["Location"]).content.decode()
    assert "人口库共享（免提交）" in html and "家庭财产申报表" in html and 'id="do-notice"' in html
    assert 'id="do-accept"' in html  # shown: the refusal says what is missing
    r = clerk.post(f"/counter/applications/{app.pk}/", {"step": "accept", "version": app.version})
    assert r.status_code == 400 and "缺少必需材料" in r.content.decode()
    r = clerk.post(f"/counter/applications/{app.pk}/", {"step": "notice", "version": app.version})
    assert r.status_code == 302 and r["Location"].endswith("/notice/")
    html = clerk.get(r["Location"]).content.decode()
    assert "一次性告知书" in html and "家庭财产申报表" in html and "银行账户信息" in html and "@media print" not in html
    assert "counter/counter.css" in html
    app.refresh_from_db()
    r = clerk.post(f"/counter/applications/{app.pk}/", {"step": "supplement", "version": app.version,
                                                        "handed": ["M04", "M05"]})
    assert r.status_code == 302
    app.refresh_from_db()
    r = clerk.post(f"/counter/applications/{app.pk}/", {"step": "accept", "version": app.version})
    assert r.status_code == 302 and r["Location"].endswith("/receipt/")
    html = clerk.get(r["Location"]).content.decode()
    app.refresh_from_db()
    code = actions.receipt_query_code(app)
    assert "受理回执" in html and code in html and app.receipt_number in html

    # The back office's inbox, least time left first.
    other, v2 = make_item(code="PG2", name="临时救助申请", level="district", promised=2, legal=10,
                          materials=[{"name": "居民身份证", "source": "id"}], situations=[])
    quick = actions.do_intake(actor=counter_cast["clerk"], version=v2, applicant=person, window_area_code=COMMUNITY)
    actions.do_accept(actor=counter_cast["clerk"], application=quick)
    html = client_for(counter_cast["handler"]).get("/counter/inbox/").content.decode()
    assert html.index(quick.number) < html.index(app.number)

    # The resident: the code typed into a form, never in the address.
    anonymous = Client()
    r = anonymous.get("/counter/progress/")
    assert r.status_code == 200
    r = anonymous.post("/counter/progress/", {"query_code": code})
    assert r.status_code == 200 and "最低生活保障申请" in r.content.decode()
    r = anonymous.post("/counter/progress/", {"query_code": "WRONGCODE1"})
    assert r.status_code == 404
    assert counter_cast["district"] and SYSTEM


def test_rating_on_the_progress_page_opens_a_callback(counter_cast, client_for):
    item, version = make_item(code="PG3", level="community", materials=[{"name": "居民身份证", "source": "id"}],
                              situations=[])
    clerk = counter_cast["clerk"]
    app = actions.do_intake(actor=clerk, version=version, applicant=make_person(), window_area_code=COMMUNITY)
    app, code = actions.do_accept(actor=clerk, application=app)
    app = actions.do_decide(actor=clerk, application=app, approve=True)
    actions.do_hand_over(actor=clerk, application=app, delivery="post")
    r = Client().post("/counter/progress/", {"query_code": code, "rating": "1", "comment": "态度差"})
    assert r.status_code == 200
    task = CallbackTask.objects.get()
    html = client_for(counter_cast["seat"]).get("/counter/callbacks/").content.decode()
    assert app.number in html
    r = client_for(counter_cast["seat"]).post(f"/counter/callbacks/{task.pk}/", {"result": "已回访并整改",
                                                                                 "version": task.version})
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.status == "done"


def test_catalogue_guide_and_figures_pages(counter_cast, client_for):
    make_item(code="PG4", name="高龄津贴申领")
    c = client_for(counter_cast["district"])
    html = c.get("/counter/?q=gljt").content.decode()
    assert "高龄津贴申领" in html
    html = c.get("/counter/items/PG4/").content.decode()
    assert "办事指南" in html and "家庭收入证明" in html
    r = c.get("/counter/figures/?period=2025Q3&by=department")
    assert r.status_code == 200
    r = c.get("/counter/figures/?period=garbage")
    assert r.status_code == 200
    assert client_for(counter_cast["clerk_other"]).get("/counter/figures/").status_code == 200
    # a grid worker holds no counter capability
    from civicgrid.accounts.models import User

    assert client_for(User.objects.get(username="g_worker")).get("/counter/").status_code == 403


def test_an_organisation_applies_through_its_handler_on_the_intake_page(counter_cast, client_for):
    from civicgrid.registry.models import Organisation

    make_item(code="ORG1", level="district")
    person = make_person(name="钱经办")
    inside = Organisation.objects.create(area_code=COMMUNITY, kind="enterprise", name="杭州示例科技有限公司",
                                         credit_code="91330106MA2B3C4D5E")
    Organisation.objects.create(area_code="330999001001", kind="enterprise", name="外区公司",
                                credit_code="91330999MA2B3C4D5F")
    clerk = client_for(counter_cast["clerk"])
    clerk.post("/counter/intake/?item=ORG1", {"do": "lookup", "id_number": person.id_number_plain, "item": "ORG1"})
    # a malformed code and one of another district are refused beside the field, in Chinese, the typed code kept
    r = clerk.post("/counter/intake/?item=ORG1", {"do": "organisation", "credit_code": "1234", "item": "ORG1"},
                   HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'id="credit_code-error"' in r.content.decode() and "统一社会信用代码" in r.content.decode()
    r = clerk.post("/counter/intake/?item=ORG1", {"do": "organisation", "credit_code": "91330999MA2B3C4D5F",
                                                  "item": "ORG1"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = r.content.decode()
    assert 'id="credit_code-error"' in html and 'value="91330999MA2B3C4D5F"' in html and "外区公司" not in html
    r = clerk.post("/counter/intake/?item=ORG1", {"do": "organisation", "credit_code": "91330106ma2b3c4d5e",
                                                  "item": "ORG1"})
    assert 'id="organisation-name"' in r.content.decode() and "杭州示例科技有限公司" in r.content.decode()
    lookups = AuditLog.objects.filter(action="counter.register.lookup", object_type="registry.organisation")
    assert lookups.count() == 2 and lookups.filter(object_id=str(inside.pk)).count() == 1
    r = clerk.post("/counter/intake/?item=ORG1", {"do": "receive", "item": "ORG1", "situation": "S1",
                                                  "handed": ["M03"], "centre": COMMUNITY})
    assert r.status_code == 302, r.content.decode()[:1500]
    app = Application.objects.get()
    assert app.organisation_id == inside.pk and app.applicant_id == person.pk
    assert app.applicant_name == "杭州示例科技有限公司"
    html = clerk.get(r["Location"]).content.decode()
    assert "杭州示例科技有限公司" in html and "钱经办" in html
    # the next resident starts without the organisation
    assert 'id="organisation-name"' not in clerk.get("/counter/intake/").content.decode()
