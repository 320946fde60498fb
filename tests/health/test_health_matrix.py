"""Jurisdiction matrix of community health: every object endpoint and page for the cast (district,
street, community, grid, seat) asking for its own, a sibling's and the parent's object, and the
family doctors of two teams of one community asking for each other's patients. Health data: the
person's team and roles holding ``health.records`` (district and street) only; lists never hold a
code outside the user's area; refused visits and referral steps change nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core.scoping import SYSTEM
from civicgrid.health import actions
from civicgrid.health.models import (
    Contract,
    ContractEvent,
    DiseaseReport,
    DiseaseReportEvent,
    Enrolment,
    HalfYearReport,
    HealthRecord,
    Referral,
    ReferralEvent,
    ReportEvent,
    SupervisionFinding,
    Survey,
    Task,
    Team,
    TeamMember,
    Visit,
)
from civicgrid.registry.actions import do_create_organisation
from civicgrid.registry.models import Organisation

from ..conftest import make_user
from ..support.matrix import OWN, SIBLING, Matrix, above, covers, inside, stored, targets
from .conftest import person

READERS = {"district", "street"}  # hold health.records (and health.manage)
VIEWERS = {"district", "street", "community"}  # hold health.view


@pytest.fixture
def objects(tree):
    from civicgrid.cases.catalogue import ensure_catalogue

    ensure_catalogue()
    hospital = Organisation.objects.create(area_code="330106", kind="resident_unit", name="区人民医院")
    out = {}
    for code in sorted(c for c in tree if len(c) == 15):
        team = actions.do_create_team(actor=SYSTEM, community_code=code[:12], name=f"团队{code}", grid_codes=[code])
        resident = person(code, f"居民{code[-3:]}")
        contract = actions.do_sign_contract(resident, actor=SYSTEM, start_date="2025-01-01")
        enrolment = actions.do_enrol(resident, "htn", actor=SYSTEM, enrolled_on="2025-01-10",
                                     today=dt.date(2025, 1, 10), until=dt.date.today() + dt.timedelta(days=60))
        actions.do_record_visit(enrolment, actor=SYSTEM, on="2025-01-10", sbp=130, dbp=80)
        referral = actions.do_request_referral(resident, actor=SYSTEM, direction="up", hospital=hospital,
                                               reason="血压控制不佳")
        actions.do_record_survey(resident, actor=SYSTEM, aware=True, satisfied=True)
        disease = actions.do_file_disease_report(resident, actor=SYSTEM, disease="B13", case_type="confirmed",
                                                 diagnosed_at="2025-03-01T09:00", reported_at="2025-03-01T15:00")
        lon, lat = ((tree[code].min_lon + tree[code].max_lon) / 2, (tree[code].min_lat + tree[code].max_lat) / 2)
        place = do_create_organisation(actor=SYSTEM, kind="enterprise", name=f"餐馆{code}", lon=lon, lat=lat)
        finding = actions.do_file_supervision_finding(place, actor=SYSTEM, category="WS01", description="过期食材")
        out[code] = {"finding": finding.pk, "team": team.pk, "person": resident.pk, "contract": contract.pk, "enrolment": enrolment.pk,
                     "referral": referral.pk, "record": HealthRecord.objects.get(person=resident).pk,
                     "disease": disease.pk}
    return out


OBJECTS = [  # (name, model, url, who may)
    ("api team", Team, "/api/health/teams/{team}", VIEWERS),
    ("api team members", TeamMember, "/api/health/teams/{team}/members", VIEWERS),
    ("page team", Team, "/health/teams/{team}/", VIEWERS),
    ("api person health", HealthRecord, "/api/health/people/{person}", READERS),
    ("page person health", HealthRecord, "/health/people/{person}/", READERS),
    ("api contract", Contract, "/api/health/contracts/{contract}", READERS),
    ("api contract events", ContractEvent, "/api/health/contracts/{contract}/events", READERS),
    ("api referral", Referral, "/api/health/referrals/{referral}", READERS),
    ("api referral events", ReferralEvent, "/api/health/referrals/{referral}/events", READERS),
    ("page referral", Referral, "/health/referrals/{referral}/", READERS),
    ("api finding", SupervisionFinding, "/api/health/supervision/{finding}", VIEWERS),
    ("api disease report", DiseaseReport, "/api/health/disease-reports/{disease}", READERS),
    ("api disease report events", DiseaseReportEvent, "/api/health/disease-reports/{disease}/events", READERS),
    ("page disease report", DiseaseReport, "/health/diseases/{disease}/", READERS),
]
COLLECTIONS = [
    ("api teams", Team, "/api/health/teams?limit=1000"),
    ("api contracts", Contract, "/api/health/contracts?limit=1000"),
    ("api referrals", Referral, "/api/health/referrals?limit=1000"),
    ("api tasks", Task, "/api/health/tasks?limit=1000"),
    ("api disease reports", DiseaseReport, "/api/health/disease-reports?limit=1000"),
    ("api findings", SupervisionFinding, "/api/health/supervision?limit=1000"),
    ("api figures by grid", Visit, "/api/health/figures?period=2025&level=grid"),
    ("api figures by team", Enrolment, "/api/health/figures?period=2025&level=team"),
]


def _visits(enrolment_pk):
    return lambda: Visit.objects.filter(enrolment_id=enrolment_pk).count()


@covers(Team, TeamMember, HealthRecord, Contract, ContractEvent, Referral, ReferralEvent, Task, Visit, Enrolment,
        Survey, DiseaseReport, DiseaseReportEvent, SupervisionFinding)
def test_health_jurisdiction_matrix(cast, tree, objects, client_for):
    m = Matrix()
    for level, user in cast.items():
        client, own = client_for(user), OWN[level]
        refused = (404,) if level in VIEWERS else (403, 404)
        for relation, ids in targets(level, objects).items():
            for name, model, template, who in OBJECTS:
                response = m.object(client, model, f"{name} · {level} · {relation}", template.format(**ids),
                                    allowed=relation == "own" and level in who,
                                    refused=refused if level not in who or name.endswith("team") else (404,)
                                    if level in READERS else (403, 404))
                if response.status_code == 200 and name == "api person health":
                    body = response.json()
                    m.listing(Enrolment, f"{name} enrolments · {level}", {e["area_code"] for e in body["enrolments"]},
                              inside(own, tree))
                    m.listing(Visit, f"{name} visits · {level}", {v["area_code"] for v in body["visits"]},
                              inside(own, tree))
                    m.listing(Survey, f"{name} surveys · {level}", {v["area_code"] for v in body["surveys"]},
                              inside(own, tree))
            allowed = relation == "own" and level in READERS
            with m.write(Visit, f"write visit · {level} · {relation}", _visits(ids["enrolment"]), allowed=allowed):
                client.post(f"/api/health/enrolments/{ids['enrolment']}/visits",
                            data=json.dumps({"mode": "phone"}), content_type="application/json")
            referral = Referral.objects.get(pk=ids["referral"])
            with m.write(Referral, f"write referral accept · {level} · {relation}", stored(referral, "status"),
                         allowed=allowed):
                client.post(f"/api/health/referrals/{referral.pk}/accept",
                            data=json.dumps({"version": referral.version}), content_type="application/json")
            Referral.objects.filter(pk=referral.pk).update(status=referral.status, version=referral.version)
            report = DiseaseReport.objects.get(pk=ids["disease"])
            with m.write(DiseaseReport, f"write disease verify · {level} · {relation}", stored(report, "status"),
                         allowed=allowed):
                client.post(f"/api/health/disease-reports/{report.pk}/verify",
                            data=json.dumps({"version": report.version}), content_type="application/json")
            DiseaseReport.objects.filter(pk=report.pk).update(status=report.status, version=report.version)
        for name, model, url in COLLECTIONS:
            response = client.get(url)
            if level not in VIEWERS and name in ("api teams", "api figures by grid", "api figures by team",
                                                 "api findings"):
                m.expect(f"{name} · {level}", response.status_code == 403, f"got {response.status_code}")
                continue
            if m.expect(f"{name} · {level}", response.status_code == 200, f"status {response.status_code}"):
                m.listing(model, f"{name} · {level}", _codes(response.json()), inside(own, tree) | above(own))
        findings = client.get("/health/supervision/")
        if level in VIEWERS:
            m.listing(SupervisionFinding, f"page findings · {level}",
                      {f.area_code for f in findings.context["findings"]}, inside(own, tree))
        diseases = client.get("/health/diseases/")
        if level in VIEWERS:
            m.listing(DiseaseReport, f"page disease reports · {level}",
                      {r.area_code for r in diseases.context["reports"]}, inside(own, tree))
        page = client.get("/health/")
        if level in VIEWERS:
            m.listing(Team, f"page health · {level}", {t.area_code for t in page.context["teams"]}
                      | {r["area_code"] for r in page.context["rows"]}, inside(own, tree) | above(own))
            rows = client.get("/health/map/").context["rows"]
            m.listing(Team, f"page health map · {level}", {r["community_code"] for r in rows},
                      inside(own, tree) | above(own))
            features = client.get("/health/map/teams.geojson").json()["features"]
            m.listing(Team, f"health map shapes · {level}", {f["properties"]["code"] for f in features},
                      inside(own, tree) | above(own))
    m.done()


def _codes(payload) -> set[str]:
    rows = payload["rows"] if isinstance(payload, dict) else payload
    return {r["area_code"] for r in rows}


@covers(HealthRecord, Task, Contract)
def test_family_doctors_see_their_own_team_only(tree, objects, client_for):
    """Two teams of one community (grids 001 and 002): each doctor reads their own team's patients,
    never the other team's (404), nor a sibling district's."""
    m = Matrix()
    doctors = {}
    for code in ("330106001001001", "330106001001002"):
        doctor = make_user(f"doc{code}", Role.FAMILY_DOCTOR, tree[code[:12]])
        actions.do_add_member(Team.objects.get(pk=objects[code]["team"]), actor=SYSTEM, name="医生", post="gp",
                              user=doctor)
        doctors[code] = doctor
    for code, doctor in doctors.items():
        client = client_for(doctor)
        for other, ids in objects.items():
            mine = other == code
            m.object(client, HealthRecord, f"doctor {code} · person {other}", f"/api/health/people/{ids['person']}",
                     allowed=mine)
            m.object(client, Contract, f"doctor {code} · contract {other}", f"/api/health/contracts/{ids['contract']}",
                     allowed=mine)
            with m.write(Visit, f"doctor {code} · visit {other}", _visits(ids["enrolment"]), allowed=mine):
                client.post(f"/api/health/enrolments/{ids['enrolment']}/visits",
                            data=json.dumps({"mode": "home", "sbp": 128, "dbp": 82}), content_type="application/json")
        tasks = client.get("/api/health/tasks?limit=1000").json()
        m.listing(Task, f"doctor {code} · tasks", {t["area_code"] for t in tasks}, {code}, must_include={code})
        page = client.get("/health/tasks/")
        m.listing(Task, f"doctor {code} · tasks page",
                  {t.area_code for g in page.context["work"]["households"] for t in g["tasks"]}, {code})
        # The sibling team's grid is in the doctor's community, yet none of its people are shown.
        assert SIBLING["grid"] not in {t["area_code"] for t in tasks} or code == SIBLING["grid"]
    m.done()


@covers(HalfYearReport, ReportEvent)
def test_report_forms_matrix(cast, tree, client_for):
    """A street's half-yearly form: its street and the district see and export it; the sibling street,
    communities, grids and seats do not; a refused fill or review changes nothing."""
    from civicgrid.health import reports as forms_

    ids = {}
    for street in ("330106001", "330106002", "330108001"):
        ids[street] = forms_.do_fill_report(actor=SYSTEM, street_code=street, period_code="2025S1").pk
    m = Matrix()
    for level, user in cast.items():
        client, own = client_for(user), OWN[level]
        for street, pk in ids.items():
            allowed = level in READERS and street.startswith(own)
            response = m.object(client, HalfYearReport, f"page report {street} · {level}", f"/health/reports/{pk}/",
                                allowed=allowed, refused=(403, 404))
            if response.status_code == 200:
                m.listing(ReportEvent, f"page report events {street} · {level}",
                          {e.area_code for e in response.context["events"]}, inside(own, tree))
            m.object(client, HalfYearReport, f"xlsx report {street} · {level}", f"/health/reports/{pk}/xlsx/",
                     allowed=allowed, refused=(403, 404))
            m.object(client, HalfYearReport, f"api report {street} · {level}", f"/api/health/reports/{pk}",
                     allowed=allowed, refused=(403, 404))
            report = HalfYearReport.objects.get(pk=pk)
            with m.write(HalfYearReport, f"write submit {street} · {level}", stored(report, "status"),
                         allowed=allowed):
                client.post(f"/health/reports/{pk}/", {"step": "submit", "version": report.version})
            HalfYearReport.objects.filter(pk=pk).update(status="draft", version=report.version, late=False,
                                                        submitted_at=None)
        m.collection(client, HalfYearReport, f"api reports · {level}", "/api/health/reports?limit=1000",
                     inside(own, tree) | above(own))
        page = client.get("/health/reports/")
        if level in VIEWERS:
            m.listing(HalfYearReport, f"page reports · {level}", {r.area_code for r in page.context["reports"]},
                      inside(own, tree), must_include=set() if level not in READERS else {own if len(own) == 9
                                                                                       else "330106001"})
    m.done()
