"""Half-yearly report forms (acceptance 5) and the team assessment."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.scoping import SYSTEM
from civicgrid.health import actions, figures, reports
from civicgrid.health.models import ReportEvent

from ..conftest import make_user
from .conftest import person

pytestmark = pytest.mark.django_db
S1 = dt.datetime(2025, 6, 30, 15, 59, 59, tzinfo=dt.UTC)  # 23:59:59 in Shanghai


@pytest.fixture
def streets(tree, health):
    """Team D in the second street; agreements and a hypertensive in both streets, in 2025's first half."""
    team_d = actions.do_create_team(actor=SYSTEM, community_code="330106002001", name="团队D",
                                    grid_codes=["330106002001001"])
    doc = health["doctors"]["A"]
    for i in range(3):
        actions.do_sign_contract(person("330106001001001", f"甲{i}"), actor=doc, start_date="2025-02-01")
    actions.do_sign_contract(person("330106002001001", "丁一"), actor=SYSTEM, start_date="2025-03-01")
    htn = person("330106001001001", "高压")
    enrolment = actions.do_enrol(htn, "htn", actor=doc, enrolled_on="2025-01-06", today=dt.date(2025, 1, 6),
                                 until=dt.date(2025, 7, 1))
    for day in ("2025-01-06", "2025-04-07"):
        actions.do_record_visit(enrolment, actor=doc, on=day, sbp=128, dbp=80, today=dt.date(2025, 6, 1))
    return {"team_d": team_d, "street_admin": make_user("jd1", Role.STREET_ADMIN, tree["330106001"]),
            "street_admin2": make_user("jd2", Role.STREET_ADMIN, tree["330106002"]),
            "district": make_user("qu", Role.DISTRICT_ADMIN, tree["330106"])}


def test_form_filled_submitted_late_reviewed_and_district_total(streets):
    admin, admin2, district = streets["street_admin"], streets["street_admin2"], streets["district"]
    with pytest.raises(UserError) as err:
        reports.do_fill_report(actor=admin, street_code="330106001", period_code="2025Q1")
    assert err.value.field == "period"
    with pytest.raises(NotPermitted):
        reports.do_fill_report(actor=admin, street_code="330106002", period_code="2025S1")
    one = reports.do_fill_report(actor=admin, street_code="330106001", period_code="2025S1",
                                 today=dt.date(2025, 7, 10))
    total = figures.total("330106001", reports.half_year("2025S1"), today=dt.date(2025, 7, 10))
    assert one.figures["contracts"] == total["contracts"].numerator == 3  # 甲0–2 (丁一 is the other street's)
    assert one.figures["htn_managed"] == 1 and one.figures["htn_standard"] == 1  # 2 face to face in a half-year
    assert one.figures["residents"] == total["records"].denominator
    assert one.figures["funding"] == pytest.approx(3 * 20 / 2)
    on_time = reports.do_report_step(one, "submit", actor=admin, version=one.version, now=S1)
    assert on_time.status == "submitted" and not on_time.late
    two = reports.do_fill_report(actor=admin2, street_code="330106002", period_code="2025S1",
                                 today=dt.date(2025, 7, 10))
    late = reports.do_report_step(two, "submit", actor=admin2, version=two.version, now=S1 + dt.timedelta(seconds=2))
    assert late.late
    with pytest.raises(NotPermitted):  # a street does not review
        reports.do_report_step(late, "review", actor=admin2, version=late.version)
    with pytest.raises(Conflict):  # a submitted form is not refilled
        reports.do_fill_report(actor=admin2, street_code="330106002", period_code="2025S1")
    with pytest.raises(UserError):
        reports.do_report_step(late, "return", actor=district, version=late.version, note="")
    reports.do_report_step(late, "review", actor=district, version=late.version)
    district_total = reports.district_total("330106", "2025S1")
    for key in ("residents", "contracts", "htn_managed", "tasks_closed", "funding"):
        assert district_total[key] == pytest.approx(one.figures[key] + two.figures[key]), key
    assert list(ReportEvent.objects.filter(report=late).values_list("kind", flat=True)) == [
        "filled", "submitted", "reviewed"]


def test_xlsx_in_a_fixed_layout(streets, client_for):
    admin = streets["street_admin"]
    report = reports.do_fill_report(actor=admin, street_code="330106001", period_code="2025S1",
                                    today=dt.date(2025, 7, 10))
    response = client_for(admin).get(f"/health/reports/{report.pk}/xlsx/")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[-1]
    assert sheet["B1"].value == "330106001" and sheet["C1"].value == "2025S1"
    assert sheet["A3"].value == "项目" and sheet["A4"].value == "实有人口"
    assert sheet["B4"].value == report.figures["residents"] and sheet["B6"].value == report.figures["contracts"]
    other = client_for(streets["street_admin2"]).get(f"/health/reports/{report.pk}/xlsx/")
    assert other.status_code == 404


def test_team_assessment_scores_from_the_standard(streets, health, client_for):
    period = reports.half_year("2025S1")
    rows = reports.assessment([health["teams"]["A"], health["teams"]["B"]], period, today=dt.date(2025, 7, 10))
    a, b = rows
    assert a["done_contracts"] == 3 and a["quota_contracts"] == round(0.6 * 5)  # grid 001: 5 residents
    coverage = next(line for line in a["lines"] if line["item"].figure == "coverage")
    assert coverage["value"] == 100.0 and coverage["achieved"] == 100.0
    targets = {line["item"].figure: float(line["item"].target) for line in a["lines"]}
    assert targets["staff"] == 0.3 and targets["provision"] == 1.0  # 004b, migration 0006
    assert a["score"] is not None and a["grade"] in {"优秀", "良好", "合格", "不合格"} and a["pay"]
    assert b["done_contracts"] == 0 and b["score"] < a["score"]
    page = client_for(streets["district"]).get("/health/assessment/?period=2025S1")
    assert page.status_code == 200 and "团队A" in page.content.decode()


def test_reports_and_assessment_api(streets, client_for):
    import json

    admin, district = streets["street_admin"], streets["district"]
    client = client_for(admin)
    post = lambda url, body: client.post(url, data=json.dumps(body), content_type="application/json")  # noqa: E731
    assert post("/api/health/reports", {"street": "330106001", "period": "2025Q1"}).status_code == 400
    assert post("/api/health/reports", {"street": "330106002", "period": "2025S1"}).status_code == 403
    r = post("/api/health/reports", {"street": "330106001", "period": "2025S1"})
    assert r.status_code == 201 and r.json()["figures"]["contracts"] == 3
    form = r.json()
    r = post(f"/api/health/reports/{form['id']}/submit", {"version": form["version"]})
    assert r.status_code == 200 and r.json()["status"] == "submitted" and r.json()["late"]  # 2025S1 is long past
    assert post(f"/api/health/reports/{form['id']}/review", {"version": r.json()["version"]}).status_code == 403
    d = client_for(district)
    assert [x["id"] for x in d.get("/api/health/reports?period=2025S1").json()] == [form["id"]]
    assert client_for(streets["street_admin2"]).get(f"/api/health/reports/{form['id']}").status_code == 404
    rows = d.get("/api/health/assessment?period=2025S1").json()["rows"]
    assert {row["team"] for row in rows} >= {"团队A", "团队B", "团队D"} and all("score" in row for row in rows)
    assert d.get("/api/health/assessment?period=nope").status_code == 400


def test_fill_form_page_shows_the_error_beside_the_period_and_keeps_what_was_typed(streets, client_for):
    client = client_for(streets["street_admin"])
    page = client.post("/health/reports/", {"street": "330106001", "period": "2025Q1"})
    html = page.content.decode()
    assert page.status_code == 400
    assert 'id="period-error"' in html and "2025S1" in html.split('id="period-error"')[1][:200]
    assert 'value="2025Q1"' in html and '<option value="330106001" selected>' in html
    assert client.post("/health/reports/", {"street": "330106001", "period": "2025S1"}).status_code == 302
