"""Infectious-disease reports (传染病报告): the seeded catalogue and its time limits, filing with the
late flag, encrypted diagnosis details read only by the team, the centre and granted roles (every
read audited), the centre's steps through the declared workflow (buttons = what the action allows),
errors beside the field in Chinese, and 报告及时率 against an independent SQL recount."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from civicgrid.accounts.roles import Role
from civicgrid.core import periods
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.models import AuditLog
from civicgrid.health import actions, figures
from civicgrid.health.models import Disease, DiseaseReport, DiseaseReportEvent
from civicgrid.health.rules import DISEASE_FLOW

from ..conftest import make_user

pytestmark = pytest.mark.django_db


def _file(health, key="A", disease="B13", hours_ago=3, reported=None, actor=None, **extra):
    now = timezone.now()
    return actions.do_file_disease_report(
        health["residents"][key], actor=actor or health["doctors"][key], disease=disease, case_type="confirmed",
        diagnosed_at=now - dt.timedelta(hours=hours_ago), reported_at=reported, now=now,
        details={"basis": "痰涂片阳性", "symptoms": "咳嗽两周以上", "diagnosing_unit": "区疾控中心", **extra})


def test_catalogue_classes_and_limits_from_national_practice():
    assert Disease.objects.count() >= 30
    for d in Disease.objects.all():
        assert d.limit_hours == (2 if d.category == "A" or d.managed_as_a else 24), d
        assert "传染病防治法" in d.source and "国家实践" in d.source
    assert Disease.objects.get(name="霍乱").limit_hours == 2
    assert Disease.objects.get(name="传染性非典型肺炎").managed_as_a
    assert Disease.objects.get(name="肺结核").limit_hours == 24
    assert Disease.objects.get(name="手足口病").category == "C"


def test_late_flag_follows_the_disease_limit(health):
    on_time = _file(health, disease="B13", hours_ago=3)  # 肺结核: 24 hours
    late = _file(health, disease="A02", hours_ago=3)  # 霍乱: 2 hours
    assert (on_time.late, on_time.limit_hours) == (False, 24)
    assert (late.late, late.limit_hours) == (True, 2)
    assert late.deadline == late.diagnosed_at + dt.timedelta(hours=2)
    just = _file(health, disease="A02", hours_ago=2)
    assert just.late is False  # exactly at the limit is still in time
    assert on_time.status == "filed" and on_time.number.startswith("CR330106001001")
    assert list(on_time.events.values_list("kind", "to_status")) == [("filed", "filed")]
    assert AuditLog.objects.filter(action="health.disease.file").count() == 3


def test_details_are_encrypted_at_rest(health):
    report = _file(health, note="密切接触者2人")
    raw = DiseaseReport.objects.values_list("details_enc", flat=True).get(pk=report.pk)
    assert raw.startswith("g1:") and "痰涂片" not in raw and "密切接触者" not in raw


@pytest.mark.parametrize("field,kwargs,message", [
    ("reported_at", {"hours_ago": 1, "reported": "2000-01-01T10:00"}, "不能早于"),
    ("diagnosed_at", {"hours_ago": -5}, "不能是将来"),
    ("disease", {"disease": "XX"}, "列出"),
])
def test_bad_input_names_the_field(health, field, kwargs, message):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(UserError) as err:
        _file(health, **kwargs)
    assert err.value.field == field and message in str(err.value.message)
    assert not DiseaseReport.objects.exists()


def test_only_the_team_or_the_centre_files(health):
    with pytest.raises(NotPermitted):
        _file(health, key="A", actor=health["doctors"]["B"])
    assert not DiseaseReport.objects.exists()


def test_reads_scoped_and_audited(health, tree, client_for):
    report = _file(health)
    other = _file(health, key="B")
    street = make_user("s_admin_d", Role.STREET_ADMIN, tree["330106001"])
    community = make_user("c_worker_d", Role.COMMUNITY_WORKER, tree["330106001001"])
    before = AuditLog.objects.filter(action="health.disease.read").count()
    reads = 0
    doc_a = client_for(health["doctors"]["A"])
    for url in (f"/api/health/disease-reports/{report.pk}", f"/health/diseases/{report.pk}/"):
        response = doc_a.get(url)
        assert response.status_code == 200
        reads += 1
        body = response.json()["details"]["basis"] if url.startswith("/api") else response.content.decode()
        assert "痰涂片阳性" in body
        assert doc_a.get(url.replace(str(report.pk), str(other.pk))).status_code == 404  # team B's patient
    assert client_for(street).get(f"/api/health/disease-reports/{other.pk}").status_code == 200
    reads += 1
    # A community worker sees the figures, not the patients' reports; team C (another district) neither.
    assert client_for(community).get(f"/api/health/disease-reports/{report.pk}").status_code == 404
    assert client_for(health["doctors"]["C"]).get(f"/health/diseases/{report.pk}/").status_code == 404
    assert AuditLog.objects.filter(action="health.disease.read").count() - before == reads
    listed = doc_a.get("/api/health/disease-reports?limit=1000").json()
    assert [r["id"] for r in listed] == [report.pk]
    page = doc_a.get("/health/diseases/").content.decode()
    assert report.number in page and other.number not in page


def test_centre_steps_and_buttons_match_the_actions(health, tree):
    street = make_user("s_admin_f", Role.STREET_ADMIN, tree["330106001"])
    doctor = health["doctors"]["A"]
    for path in (["verify", "report", "close"], ["return"], ["verify", "return"]):
        report = _file(health)
        for step in path:
            for actor in (doctor, street):
                shown = DISEASE_FLOW.available(actor, report)
                for name, ok in shown.items():
                    if ok:
                        continue
                    with pytest.raises((NotPermitted, Conflict, UserError)):
                        actions.do_disease_report_step(report, name, actor=actor, version=report.version,
                                                       note="重复报告")
                    report.refresh_from_db()
            assert DISEASE_FLOW.available(street, report)[step] and not DISEASE_FLOW.available(doctor, report)[step]
            report = actions.do_disease_report_step(report, step, actor=street, version=report.version,
                                                    note="重复报告" if step == "return" else "")
        expected = {"verify": "verified", "report": "reported", "close": "closed", "return": "returned"}[path[-1]]
        assert report.status == expected
        assert list(DiseaseReportEvent.objects.filter(report=report).values_list("kind", flat=True)) == [
            "filed", *[{"verify": "verified", "report": "reported", "close": "closed", "return": "returned"}[s]
                       for s in path]]
        assert not any(DISEASE_FLOW.available(street, report).values()) or report.status != "closed"


def test_return_needs_a_reason_and_stale_versions_conflict(health, tree):
    street = make_user("s_admin_r", Role.STREET_ADMIN, tree["330106001"])
    report = _file(health)
    with pytest.raises(UserError) as err:
        actions.do_disease_report_step(report, "return", actor=street, version=report.version)
    assert err.value.field == "note"
    actions.do_disease_report_step(report, "verify", actor=street, version=report.version)
    with pytest.raises(Conflict):
        actions.do_disease_report_step(report, "report", actor=street, version=report.version)  # stale


def test_form_errors_beside_the_field_in_chinese_and_nothing_lost(health, client_for):
    client = client_for(health["doctors"]["A"])
    resident = health["residents"]["A"]
    page = client.get("/health/diseases/new/")
    assert page.status_code == 200 and resident.name in page.content.decode()
    assert health["residents"]["B"].name not in page.content.decode()
    response = client.post("/health/diseases/new/", {
        "person": resident.pk, "disease": "B13", "case_type": "confirmed", "diagnosed_at": "2025-06-10T10:00",
        "reported_at": "2025-06-09T10:00", "symptoms": "低热盗汗"})
    html = response.content.decode()
    assert response.status_code == 200 and "不能早于" in html and "is-invalid" in html
    assert "低热盗汗" in html  # what was typed is kept
    missing = client.post("/health/diseases/new/", {"person": resident.pk, "disease": "B13",
                                                    "case_type": "confirmed"}).content.decode()
    assert "这个字段是必填项" in missing or "必填" in missing
    ok = client.post("/health/diseases/new/", {
        "person": resident.pk, "disease": "A01", "case_type": "suspected", "diagnosed_at": "2025-06-10T10:00",
        "reported_at": "2025-06-10T13:00"})
    assert ok.status_code == 302
    report = DiseaseReport.objects.get()
    assert report.late is True
    detail = client.get(ok["Location"]).content.decode()
    assert 'id="late"' in detail and "逾期报送" in detail
    listing = client.get("/health/diseases/?late=1").content.decode()
    assert report.number in listing and "table-warning" in listing


def test_api_file_and_step(health, tree, client_for):
    doctor = client_for(health["doctors"]["A"])
    body = {"person_id": health["residents"]["A"].pk, "disease": "C06", "case_type": "clinical",
            "diagnosed_at": (timezone.localtime() - dt.timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M"),
            "basis": "疱疹"}
    created = doctor.post("/api/health/disease-reports", data=json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["late"] is True and data["limit_hours"] == 24 and data["disease_name"] == "手足口病"
    refused = doctor.post(f"/api/health/disease-reports/{data['id']}/verify", data=json.dumps({}),
                          content_type="application/json")
    assert refused.status_code == 403
    street = client_for(make_user("s_admin_api", Role.STREET_ADMIN, tree["330106001"]))
    ok = street.post(f"/api/health/disease-reports/{data['id']}/verify", data=json.dumps({"version": data["version"]}),
                     content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "verified"
    events = street.get(f"/api/health/disease-reports/{data['id']}/events").json()
    assert [e["kind"] for e in events] == ["filed", "verified"]
    bad = doctor.post("/api/health/disease-reports", data=json.dumps({**body, "diagnosed_at": "昨天"}),
                      content_type="application/json")
    assert bad.status_code in (400, 422)
    assert len(doctor.get("/api/health/diseases").json()) == Disease.objects.filter(active=True).count()


def _sql_ontime(prefix: str, first: dt.datetime, after: dt.datetime) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT SUM(CASE WHEN reported_at <= deadline THEN 1 ELSE 0 END), COUNT(*) FROM health_diseasereport "
            "WHERE area_code LIKE %s AND reported_at >= %s AND reported_at < %s AND status <> 'returned'",
            [prefix + "%", first, after])
        n, d = cursor.fetchone()
    return int(n or 0), int(d or 0)


def test_timeliness_figure_matches_independent_sql(health, tree):
    street = make_user("s_admin_x", Role.STREET_ADMIN, tree["330106001"])
    reports = [_file(health, disease="A02", hours_ago=5), _file(health, disease="B13", hours_ago=5),
               _file(health, key="B", disease="B13", hours_ago=30), _file(health, key="B", disease="C01", hours_ago=1),
               _file(health, key="C", disease="A01", hours_ago=1)]
    actions.do_disease_report_step(reports[1], "return", actor=street, note="重复")  # left out
    period = periods.current("year")
    first, after = periods.midnight(period.first_day), periods.midnight(period.last_day + dt.timedelta(days=1))
    for prefix in ("330106", "330106001001", "330108", ""):
        total = figures.total(prefix, period)["disease_ontime"]
        n, d = _sql_ontime(prefix, first, after)
        assert (total.numerator, total.denominator) == (n, d), prefix
    assert (figures.total("330106", period)["disease_ontime"].numerator,
            figures.total("330106", period)["disease_ontime"].denominator) == (1, 3)
    grid = figures.by_grid("330106001001", period)["330106001001002"]["disease_ontime"]
    assert (grid.numerator, grid.denominator) == (1, 2)


def test_detail_page_buttons_are_the_workflow_s(health, tree, client_for):
    report = _file(health)
    street_user = make_user("s_admin_b", Role.STREET_ADMIN, tree["330106001"])
    doctor, street = client_for(health["doctors"]["A"]), client_for(street_user)
    assert 'name="step" value="verify"' not in doctor.get(f"/health/diseases/{report.pk}/").content.decode()
    html = street.get(f"/health/diseases/{report.pk}/").content.decode()
    assert 'name="step" value="verify"' in html and 'name="step" value="return"' in html
    assert 'name="step" value="close"' not in html
    refused = doctor.post(f"/health/diseases/{report.pk}/", {"step": "verify", "version": report.version})
    assert refused.status_code in (302, 403) and DiseaseReport.objects.get(pk=report.pk).status == "filed"
    done = street.post(f"/health/diseases/{report.pk}/", {"step": "verify", "version": report.version})
    assert done.status_code == 302 and DiseaseReport.objects.get(pk=report.pk).status == "verified"
    html = street.get(f"/health/diseases/{report.pk}/").content.decode()
    assert 'name="step" value="report"' in html and "已审核" in html


def test_the_centre_s_inbox_holds_the_reports_waiting_for_it(health, tree, client_for):
    from civicgrid.health import queries

    street = make_user("s_admin_i", Role.STREET_ADMIN, tree["330106001"])
    other = make_user("s_admin_j", Role.STREET_ADMIN, tree["330108001"])
    late = _file(health, disease="A02", hours_ago=5)
    waiting = _file(health, key="B")
    done = _file(health)
    for step in ("verify", "report"):
        done = actions.do_disease_report_step(done, step, actor=street)
    assert queries.disease_inbox_count(street) == 2 and queries.disease_inbox_count(other) == 0
    items = queries.disease_inbox_items(street)
    assert [i.title.split(" ")[0] for i in items] == [late.number, waiting.number]
    assert items[0].state == "overdue" and items[1].state == ""
    assert queries.disease_inbox_count(health["doctors"]["A"]) == 0
    home = client_for(street).get("/").content.decode()
    assert "待审核或上报的传染病报告" in home and late.number in home


def test_a_tb_report_enrols_the_patient_for_the_team_s_follow_ups(health):
    from civicgrid.health.models import Enrolment, Task

    resident = health["residents"]["A"]
    assert Disease.objects.get(code="B13").follow_up.code == "tb"
    _file(health, disease="C01")  # influenza: no follow-up programme
    assert not Enrolment.objects.filter(person=resident).exists()
    _file(health, disease="B13")
    enrolment = Enrolment.objects.get(person=resident, programme__code="tb")
    assert enrolment.team == health["teams"]["A"] and enrolment.ended_on is None
    assert Task.objects.filter(enrolment=enrolment, team=health["teams"]["A"]).exists()
    _file(health, disease="B13")  # a second report: no second enrolment
    assert Enrolment.objects.filter(person=resident, programme__code="tb").count() == 1
