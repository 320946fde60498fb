"""Jurisdiction matrix for the case API: a case in every grid of both districts, asked for by a
user of every level, a hotline seat, a department handler and a district-B seat. Visible → 200,
everything else → 404 (and writes change nothing); lists hold only visible cases. Counted into
the "N cases, L leaks" line."""

from __future__ import annotations

import json

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.cases import actions
from civicgrid.cases.models import Case, CaseClass
from civicgrid.core.scoping import SYSTEM

from ..conftest import make_user
from ..test_jurisdiction_matrix import _record
from .conftest import centre_of

OBJECT_GETS = ["/api/cases/{id}", "/api/cases/{id}/events", "/api/cases/{id}/suggestions",
               "/api/cases/{id}/duplicates", "/api/cases/{id}/remaining"]


@pytest.fixture
def spread(org):
    cls = CaseClass.objects.get(code="E0101")
    cases = {}
    for code, area in sorted(org["tree"].items()):
        if len(code) != 15:
            continue
        lon, lat = centre_of(area)
        case = actions.do_report_case(actor=SYSTEM, channel=Case.Channel.HOTLINE, cls=cls, title=f"垃圾{code}",
                                      description="堆积", lon=lon, lat=lat, reporter_phone="13800001234")
        cases[code] = case
    own = cases["330106001001001"]
    own = actions.do_register_case(own, actor=SYSTEM)
    cases["330106001001001"] = actions.do_dispatch_case(own, actor=SYSTEM, lead_unit=org["units"]["sanitation"])
    return cases


def test_case_api_matrix(org, spread, client_for, tree):
    p = org["people"]
    cast = {
        "district": (p["district"], "330106"),
        "street": (p["street"], "330106001"),
        "community": (p["community"], "330106001001"),
        "grid": (p["grid"], "330106001001001"),
        "seat": (p["seat"], "330106"),
        "seat_b": (p["other_seat"], "330108"),
        "dept": (p["sanitation"], None),  # sees the case sent to its unit only
        "dept_other": (p["chengguan"], None),
        "resident": (make_user("c_resident", Role.RESIDENT, tree["330106001001001"]), ""),
    }
    dept_visible = {"330106001001001"}
    failures = []
    for name, (user, scope) in cast.items():
        client = client_for(user)
        for grid, case in spread.items():
            if scope is None:
                visible = name == "dept" and grid in dept_visible
            else:
                visible = bool(scope) and grid.startswith(scope)
            for template in OBJECT_GETS:
                status = client.get(template.format(id=case.pk)).status_code
                leaked = status == 200 and not visible
                _record(f"case api {template} · {name} · {grid}", leaked, failures, f"got {status}")
                if status != (200 if visible else 404):
                    failures.append(f"{template} {name} {grid}: {status}, expected {200 if visible else 404}")
            if not visible:
                before = Case.objects.get(pk=case.pk).version
                for step in ("register", "accept", "escalate", "feedback", "verify"):
                    r = client.post(f"/api/cases/{case.pk}/{step}", data=json.dumps(
                        {"note": "x", "result": "x", "passed": True}), content_type="application/json")
                    if r.status_code != 404:
                        failures.append(f"POST {step} {name} {grid}: {r.status_code}")
                changed = Case.objects.get(pk=case.pk).version != before
                _record(f"case api writes · {name} · {grid}", changed, failures, "case changed")
        listed = client.get("/api/cases/?limit=500")
        ids = {c["id"] for c in listed.json()} if listed.status_code == 200 else set()
        outside = {c.area_code for c in spread.values() if c.pk in ids} - {
            g for g in spread if (scope and g.startswith(scope)) or (scope is None and name == "dept"
                                                                     and g in dept_visible)}
        _record(f"case api list · {name}", bool(outside), failures, f"returned {sorted(outside)}")
        for queue in ("register", "dispatch", "unit", "assisting"):
            r = client.get(f"/api/cases/queues/{queue}")
            got = {c["area_code"] for c in r.json()} if r.status_code == 200 else set()
            bad = {g for g in got if not ((scope and g.startswith(scope)) or (scope is None and g in dept_visible))}
            _record(f"case api queue {queue} · {name}", bool(bad), failures, f"returned {sorted(bad)}")
    assert not failures, "\n".join(failures[:30])


def test_department_queue_holds_its_own_cases_only(org, spread, client_for):
    hw = client_for(org["people"]["sanitation"]).get("/api/cases/queues/unit").json()
    assert [c["area_code"] for c in hw] == ["330106001001001"]
    assert client_for(org["people"]["chengguan"]).get("/api/cases/queues/unit").json() == []


def test_seat_of_district_a_sees_none_of_district_b(org, spread, client_for):
    listed = client_for(org["people"]["seat"]).get("/api/cases/?limit=500").json()
    assert listed and all(c["area_code"].startswith("330106") for c in listed)
    assert len(listed) == 8
