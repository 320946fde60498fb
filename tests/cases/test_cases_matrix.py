"""Jurisdiction matrix for the case API (``tests/support/matrix.py``): a case in every grid of both
districts, asked for by a user of every level, a hotline seat, a department handler and a
district-B seat. Visible → 200, everything else → 404 (and writes change nothing); lists, queues
and the task list hold only visible cases. Also: a department sees a case through its unit's
assignment only, and an administrator sees and revokes the Open311 keys of their district only.
Counted into the "N cases, L leaks" line."""

from __future__ import annotations

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.cases import actions
from civicgrid.cases.models import Case, CaseAssignment, CaseClass, CaseEvent, CaseTask, Open311Key
from civicgrid.core.scoping import SYSTEM

from ..conftest import make_user
from ..support.matrix import Matrix, covers, stored
from .conftest import GRID, GRID_B, OTHER_STREET_GRID, centre_of

OBJECT_GETS = [("/api/cases/{id}", Case), ("/api/cases/{id}/events", CaseEvent), ("/api/cases/{id}/suggestions", Case),
               ("/api/cases/{id}/duplicates", Case), ("/api/cases/{id}/remaining", Case)]


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


@pytest.fixture
def confirmations(org):
    """An on-site confirmation task (核实) in every grid: what a resident's report opens."""
    cls = CaseClass.objects.get(code="E0101")
    tasks = {}
    for code, area in sorted(org["tree"].items()):
        if len(code) == 15:
            lon, lat = centre_of(area)
            case = actions.do_report_case(actor=SYSTEM, channel=Case.Channel.RESIDENT, cls=cls, title=f"占道{code}",
                                          description="占道经营", lon=lon, lat=lat)
            tasks[code] = case.tasks.get(kind=CaseTask.Kind.CONFIRM)
    return tasks


@covers(Case, CaseEvent, CaseTask)
def test_case_api_matrix(org, spread, confirmations, client_for, tree):
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
    m = Matrix()
    for name, (user, scope) in cast.items():
        client = client_for(user)
        for grid, case in spread.items():
            if scope is None:
                visible = name == "dept" and grid in dept_visible
            else:
                visible = bool(scope) and grid.startswith(scope)
            for template, model in OBJECT_GETS:
                m.object(client, model, f"case api {template} · {name} · {grid}", template.format(id=case.pk),
                         allowed=visible)
            if not visible:
                with m.write(Case, f"case api writes · {name} · {grid}", stored(case, "version"), allowed=False):
                    for step in ("register", "accept", "escalate", "feedback", "verify"):
                        r = client.post(f"/api/cases/{case.pk}/{step}", data={"note": "x", "result": "x", "passed": True},
                                        content_type="application/json")
                        m.expect(f"POST {step} {name} {grid}", r.status_code == 404, f"{r.status_code}, expected 404")
            task = confirmations[grid]
            if not (scope and grid.startswith(scope)):
                with m.write(CaseTask, f"case api task writes · {name} · {grid}", stored(task, "outcome", "done_at"),
                             allowed=False):
                    for step, body in (("callback", {"note": "x"}), ("reply", {"reached": True, "rating": 1})):
                        r = client.post(f"/api/cases/tasks/{task.pk}/{step}", data=body, content_type="application/json")
                        m.expect(f"POST task {step} {name} {grid}", r.status_code == 404,
                                 f"{r.status_code}, expected 404")
        listed = client.get("/api/cases/?limit=500")
        ids = {c["id"] for c in listed.json()} if listed.status_code == 200 else set()
        m.listing(Case, f"case api list · {name}", {c.area_code for c in spread.values() if c.pk in ids},
                  {g for g in spread if (scope and g.startswith(scope))
                   or (scope is None and name == "dept" and g in dept_visible)})

        def in_queue_scope(grid, scope=scope):
            return bool((scope and grid.startswith(scope)) or (scope is None and grid in dept_visible))

        for queue in ("register", "dispatch", "unit", "assisting"):
            r = client.get(f"/api/cases/queues/{queue}")
            got = {c["area_code"] for c in r.json()} if r.status_code == 200 else set()
            m.listing(Case, f"case api queue {queue} · {name}", got, in_queue_scope)
        r = client.get("/api/cases/tasks")
        task_grids = {t.pk: g for g, t in confirmations.items()}
        got = {task_grids[t["id"]] for t in r.json() if t["id"] in task_grids} if r.status_code == 200 else set()
        m.listing(CaseTask, f"case api tasks · {name}", got, {g for g in confirmations if scope and g.startswith(scope)})
    m.done()


@covers(CaseAssignment)
def test_departments_see_cases_through_their_units_assignments_only(org, client_for):
    """A department handler sees a case its unit leads or assists on (and the assisting queue holds
    the cases it assists on), nothing else; a street office assisting on a case has it in its queue."""
    units, p, tree = org["units"], org["people"], org["tree"]
    cls = CaseClass.objects.get(code="E0101")
    plan = {GRID: ("sanitation", ["chengguan"]), GRID_B: ("sanitation", ["street"]),
            OTHER_STREET_GRID: ("chengguan", []), "330106001002001": (None, [])}
    cases = {}
    for grid, (lead, assisting) in plan.items():
        lon, lat = centre_of(tree[grid])
        case = actions.do_report_case(actor=SYSTEM, channel=Case.Channel.HOTLINE, cls=cls, title="来电", lon=lon,
                                      lat=lat, description="垃圾", reporter_phone="13800001234")
        if lead:
            case = actions.do_register_case(case, actor=SYSTEM)
            case = actions.do_dispatch_case(case, actor=SYSTEM, lead_unit=units[lead],
                                            assisting_units=[units[u] for u in assisting])
        cases[grid] = case
    m = Matrix()
    for who in ("sanitation", "chengguan", "street"):
        client = client_for(p[who])
        unit = units[who].pk
        for grid, case in cases.items():
            assigned = CaseAssignment.objects.filter(case=case, unit=unit).exists()
            visible = assigned or (who == "street" and grid.startswith("330106001"))
            m.object(client, Case, f"case api by assignment · {who} · {grid}", f"/api/cases/{case.pk}", allowed=visible)
            page = m.object(client, Case, f"case page by assignment · {who} · {grid}", f"/cases/{case.pk}/",
                            allowed=visible)
            if page.status_code == 200:  # the page names the units working on the case: this case's only
                m.listing(CaseAssignment, f"case page assignments · {who} · {grid}",
                          {a.pk for a in page.context["assignments"]},
                          set(CaseAssignment.objects.filter(case=case).values_list("pk", flat=True)))
        assists = {c.pk for c in cases.values() if c.assignments.filter(unit=unit, role="assist").exists()}
        queue = client.get("/api/cases/queues/assisting")
        if m.expect(f"case api queue assisting · {who}", queue.status_code == 200, f"got {queue.status_code}"):
            m.listing(CaseAssignment, f"case api queue assisting · {who}", {c["id"] for c in queue.json()}, assists,
                      must_include=assists)
    m.done()


@covers(Open311Key)
def test_open311_keys_of_other_areas_are_neither_listed_nor_revoked(org, client_for):
    keys = {code: actions.do_issue_open311_key(actor=SYSTEM, name=f"客户端{code or '*'}", area_code=code)[0]
            for code in ("330106", "330106001", "330108", "")}
    mine = {"330106", "330106001"}  # of the district administrator, who alone holds cases.manage
    m = Matrix()
    for who, user in org["people"].items():
        client = client_for(user)
        manager = who == "district"
        page = m.object(client, Open311Key, f"page open311 keys · {who}", "/open311/keys/", allowed=manager,
                        refused=(403,))
        if page.status_code == 200:
            m.listing(Open311Key, f"page open311 keys rows · {who}", {k.area_code for k in page.context["keys"]}, mine,
                      must_include=mine)
        for code, key in keys.items():
            allowed = manager and code in mine
            case = f"revoke open311 key {code or '*'} · {who}"
            with m.write(Open311Key, case, stored(key, "active"), allowed=allowed):
                status = client.post(f"/open311/keys/{key.pk}/revoke").status_code
                m.expect(case, status == (302 if allowed else 404 if manager else 403), f"got {status}")
            Open311Key.objects.filter(pk=key.pk).update(active=True)
    m.done()


def test_department_queue_holds_its_own_cases_only(org, spread, client_for):
    hw = client_for(org["people"]["sanitation"]).get("/api/cases/queues/unit").json()
    assert [c["area_code"] for c in hw] == ["330106001001001"]
    assert client_for(org["people"]["chengguan"]).get("/api/cases/queues/unit").json() == []


def test_seat_of_district_a_sees_none_of_district_b(org, spread, client_for):
    listed = client_for(org["people"]["seat"]).get("/api/cases/?limit=500").json()
    assert listed and all(c["area_code"].startswith("330106") for c in listed)
    assert len(listed) == 8
