"""Acceptance 2: report forms (报表) on their workflow. ``2025S1`` spans 1 Jan–30 Jun and its form is
due by 30 June; a form submitted after its due date is flagged late; an accepted form cannot be
edited until the level above unlocks it (and nobody else may unlock it); returns carry comments;
the reporting and on-time reporting rates count as DHIS2 does; the .xlsx export and the printable
view show the form's cells; bad entries are refused naming the cell."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from civicgrid.accounts.roles import Role
from civicgrid.core import periods as P
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.scoping import SYSTEM
from civicgrid.stats import actions, queries
from civicgrid.stats.models import ReportEvent, ReportInstance, ReportTemplate
from civicgrid.stats.seeds import ensure_report_forms

from ..conftest import make_user

S1 = P.parse("2025S1")
COMMUNITY, SIBLING = "330106001001", "330106001002"


@pytest.fixture
def posts(tree):
    ensure_report_forms()
    return {
        "community": make_user("r_comm", Role.COMMUNITY_WORKER, tree[COMMUNITY]),
        "sibling": make_user("r_comm2", Role.COMMUNITY_WORKER, tree[SIBLING]),
        "street": make_user("r_street", Role.STREET_ADMIN, tree["330106001"]),
        "other_street": make_user("r_street2", Role.STREET_ADMIN, tree["330106002"]),
        "district": make_user("r_dist", Role.DISTRICT_ADMIN, tree["330106"]),
    }


def form():
    return ReportTemplate.objects.get(code="GW-S")


def numbers(report):
    return {c.pk: (10 if c.kind == "number" else "小结") for c in report.template.cells.all() if c.kind != "indicator"}


def test_issue_fill_submit_late_accept_lock_and_unlock(posts):
    assert (S1.first_day, S1.last_day) == (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    assert actions.do_issue_reports(actor=posts["street"], template=form(), period=S1) == 2  # its 2 communities
    assert actions.do_issue_reports(actor=posts["street"], template=form(), period=S1) == 0
    with pytest.raises(UserError):
        actions.do_issue_reports(actor=posts["street"], template=form(), period=P.parse("2025Q1"))
    report = ReportInstance.objects.get(area_code=COMMUNITY, period="2025S1")
    assert (report.status, report.due_date, report.reviewer_code) == ("not_started", dt.date(2025, 6, 30), "330106001")
    with pytest.raises(NotPermitted):
        actions.do_fill_report(actor=posts["sibling"], instance=report)
    with pytest.raises(NotPermitted):  # the level above reviews; it does not fill in
        actions.do_fill_report(actor=posts["street"], instance=report)
    report = actions.do_fill_report(actor=posts["community"], instance=report)
    assert report.status == "draft" and report.values.filter(auto=True).count() == 7
    with pytest.raises(UserError) as missing:  # the required entries first
        actions.do_submit_report(actor=posts["community"], instance=report)
    assert "健康教育讲座次数" in str(missing.value)
    with pytest.raises(UserError) as bad:
        actions.do_edit_report(actor=posts["community"], instance=report, entries={
            c.pk: "很多" for c in report.template.cells.all() if c.kind == "number"})
    assert len(bad.value.errors) == 2 and "健康教育讲座次数" in " ".join(bad.value.errors.values())
    report = actions.do_edit_report(actor=posts["community"], instance=report, entries=numbers(report))
    on_time = P.midnight(dt.date(2025, 6, 30)) + dt.timedelta(hours=20)  # 30 June, 20:00 local
    late = P.midnight(dt.date(2025, 7, 1)) + dt.timedelta(hours=9)
    report = actions.do_submit_report(actor=posts["community"], instance=report, now=on_time)
    assert report.status == "submitted" and report.late is False
    with pytest.raises(NotPermitted):  # another street's administrator
        actions.do_review_report(actor=posts["other_street"], instance=report, step="accept")
    with pytest.raises(NotPermitted):  # the district is not the level above a community
        actions.do_review_report(actor=posts["district"], instance=report, step="accept")
    with pytest.raises(UserError):  # returning needs comments
        actions.do_review_report(actor=posts["street"], instance=report, step="return")
    report = actions.do_review_report(actor=posts["street"], instance=report, step="return", note="讲座次数请核实")
    assert report.status == "returned" and report.review_note == "讲座次数请核实"
    report = actions.do_submit_report(actor=posts["community"], instance=report, now=late)
    assert report.late is True  # resubmitted after 30 June
    report = actions.do_review_report(actor=posts["street"], instance=report, step="accept")
    assert report.status == "accepted"
    # Locked: neither the filler nor the reviewer may edit it; only the level above unlocks it.
    with pytest.raises(Conflict):
        actions.do_edit_report(actor=posts["community"], instance=report, entries=numbers(report))
    with pytest.raises(NotPermitted):
        actions.do_review_report(actor=posts["community"], instance=report, step="unlock", note="改一下")
    report = actions.do_review_report(actor=posts["street"], instance=report, step="unlock", note="数据需更正")
    assert report.status == "draft"
    report = actions.do_edit_report(actor=posts["community"], instance=report, entries=numbers(report))
    kinds = list(ReportEvent.objects.filter(instance=report).order_by("id").values_list("kind", flat=True))
    assert kinds == ["filled", "edited", "submitted", "returned", "submitted", "accepted", "unlocked", "edited"]


def test_reporting_rates_and_exports(posts, client_for):
    actions.do_issue_reports(actor=posts["district"], template=form(), period=S1)  # all 4 communities
    assert ReportInstance.objects.filter(period="2025S1").count() == 4
    reports = {r.area_code: r for r in ReportInstance.objects.filter(period="2025S1")}
    on_time = P.midnight(dt.date(2025, 6, 20))
    late = P.midnight(dt.date(2025, 7, 3))
    for code, when in ((COMMUNITY, on_time), (SIBLING, late)):
        r = actions.do_fill_report(actor=SYSTEM, instance=reports[code])
        r = actions.do_edit_report(actor=SYSTEM, instance=r, entries=numbers(r))
        actions.do_submit_report(actor=SYSTEM, instance=r, now=when)
    rates = queries.report_rates(posts["district"], form(), "2025S1", "330106")
    assert rates == {"expected": 4, "reported": 2, "on_time": 1, "rate": 50.0, "on_time_rate": 25.0}
    street = queries.report_rates(posts["street"], form(), "2025S1", "330106001")
    assert (street["expected"], street["rate"], street["on_time_rate"]) == (2, 100.0, 50.0)
    client = client_for(posts["street"])
    page = client.get("/stats/reports/?form=GW-S&period=2025S1")
    assert page.status_code == 200 and "100.0%" in page.content.decode()
    report = reports[COMMUNITY]
    data = client.get(f"/stats/reports/{report.pk}/xlsx/")
    assert data.status_code == 200
    rows = list(load_workbook(io.BytesIO(data.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "城市社区公共卫生服务项目工作报表(半年)"
    assert ("健康教育讲座次数" in [r[1] for r in rows if len(r) > 1])
    assert next(r for r in rows if len(r) > 1 and r[1] == "健康教育讲座次数")[2] == 10
    printable = client.get(f"/stats/reports/{report.pk}/print/").content.decode()
    assert "健康教育讲座次数" in printable and "330106001001" in printable
    # Someone else's report answers 404; the page refuses a bad entry beside the cell.
    assert client_for(posts["sibling"]).get(f"/stats/reports/{report.pk}/").status_code == 404
    other = reports["330106001002"]
    worker = client_for(posts["sibling"])
    ReportInstance.objects.filter(pk=other.pk).update(status="draft")
    other.refresh_from_db()
    cell = next(c for c in other.template.cells.all() if c.kind == "number")
    answer = worker.post(f"/stats/reports/{other.pk}/", {"step": "edit", "version": other.version,
                                                         f"cell_{cell.pk}": "abc"})
    text = answer.content.decode()
    assert answer.status_code == 400 and "is-invalid" in text and f"{cell.label}:" in text.replace("：", ":")
    # The API walks the same steps: the street accepts, then the community cannot edit (409).
    community = reports[COMMUNITY]
    community.refresh_from_db()
    api = client_for(posts["street"]).post(f"/api/stats/reports/{community.pk}/accept",
                                           data={"version": community.version}, content_type="application/json")
    assert api.status_code == 200 and api.json()["status"] == "accepted", api.content
    edit = client_for(posts["community"]).post(f"/api/stats/reports/{community.pk}/edit",
                                               data={"values": {"8": 3}}, content_type="application/json")
    assert edit.status_code == 409
    assert api.json()["steps"]["unlock"] is True
