"""Case fixtures: the two-district tree with a centre, departments, street offices, community
committees, and one account for every post of the loop."""

from __future__ import annotations

import pytest

from civicgrid.accounts import actions as account_actions
from civicgrid.accounts.models import OrgUnit
from civicgrid.accounts.roles import Role
from civicgrid.cases.catalogue import ensure_catalogue
from civicgrid.cases.models import CaseClass
from civicgrid.core.scoping import SYSTEM

from ..conftest import make_user

GRID = "330106001001001"
GRID_B = "330106001001002"
OTHER_STREET_GRID = "330106002001001"
OTHER_DISTRICT_GRID = "330108001001001"


def centre_of(area) -> tuple[float, float]:
    return (area.min_lon + area.max_lon) / 2, (area.min_lat + area.max_lat) / 2


@pytest.fixture
def org(tree):
    ensure_catalogue()
    d = tree["330106"]
    units = {
        "centre": account_actions.do_create_unit(actor=SYSTEM, code="ZX", name="区指挥中心", kind=OrgUnit.Kind.CENTRE,
                                                 area=d),
        "sanitation": account_actions.do_create_unit(actor=SYSTEM, code="HW", name="区环卫中心",
                                                     kind=OrgUnit.Kind.DEPARTMENT, department="sanitation", area=d),
        "chengguan": account_actions.do_create_unit(actor=SYSTEM, code="CG", name="区城管局",
                                                    kind=OrgUnit.Kind.DEPARTMENT, department="chengguan", area=d),
        "street": account_actions.do_create_unit(actor=SYSTEM, code="JD1", name="街道办", kind=OrgUnit.Kind.STREET_OFFICE,
                                                 area=tree["330106001"]),
        "community": account_actions.do_create_unit(actor=SYSTEM, code="JW1", name="社区居委会",
                                                    kind=OrgUnit.Kind.COMMUNITY_COMMITTEE, area=tree["330106001001"]),
        "other_centre": account_actions.do_create_unit(actor=SYSTEM, code="ZX2", name="另一区中心",
                                                       kind=OrgUnit.Kind.CENTRE, area=tree["330108"]),
    }
    people = {
        "grid": make_user("c_grid", Role.GRID_WORKER, tree[GRID]),
        "grid_b": make_user("c_grid_b", Role.GRID_WORKER, tree[GRID_B]),
        "supervisor": make_user("c_sup", Role.SUPERVISOR, tree["330106001001"]),
        "community": make_user("c_comm", Role.COMMUNITY_WORKER, tree["330106001001"]),
        "street": make_user("c_street", Role.STREET_ADMIN, tree["330106001"]),
        "seat": make_user("c_seat", Role.ACCEPTANCE_SEAT, unit=units["centre"]),
        "shift": make_user("c_shift", Role.SHIFT_LEADER, unit=units["centre"]),
        "dispatcher": make_user("c_disp", Role.DISPATCHER, unit=units["centre"]),
        "sanitation": make_user("c_hw", Role.DEPT_HANDLER, unit=units["sanitation"]),
        "chengguan": make_user("c_cg", Role.DEPT_HANDLER, unit=units["chengguan"]),
        "other_seat": make_user("c_seat2", Role.ACCEPTANCE_SEAT, unit=units["other_centre"]),
        "district": make_user("c_dist", Role.DISTRICT_ADMIN, tree["330106"]),
    }
    return {"units": units, "people": people, "tree": tree}


@pytest.fixture
def garbage():
    ensure_catalogue()
    return CaseClass.objects.get(code="E0101")  # 暴露垃圾, 4 working hours
