"""Community health fixtures: two teams in community 330106001001 (team A: grid 001, team B: grid
002), a team in the sibling district, their doctors, residents and a hospital."""

from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core.scoping import SYSTEM
from civicgrid.health import actions
from civicgrid.health.catalogue import ensure_catalogue
from civicgrid.registry.actions import do_register_person
from civicgrid.registry.models import Organisation

from ..conftest import make_user

TODAY = dt.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def _health_catalogue(request):
    if {"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("_django_db_helper")
        ensure_catalogue()


def person(grid: str, name: str, birth: dt.date = dt.date(1960, 5, 1), **extra):
    return do_register_person(actor=SYSTEM, grid_code=grid, name=name, id_type="none", birth_date=birth,
                              sex="M", **extra)


@pytest.fixture
def health(tree):
    teams = {}
    for key, community, grids in (("A", "330106001001", ["330106001001001"]),
                                  ("B", "330106001001", ["330106001001002"]),
                                  ("C", "330108001001", ["330108001001001", "330108001001002"])):
        teams[key] = actions.do_create_team(actor=SYSTEM, community_code=community, name=f"团队{key}",
                                            grid_codes=grids, centre="街道社区卫生服务中心", centre_medical_staff=40)
    doctors = {}
    for key, team in teams.items():
        doctor = make_user(f"doc_{key.lower()}", Role.FAMILY_DOCTOR, tree[team.area_code])
        actions.do_add_member(team, actor=SYSTEM, name=f"医生{key}", post="gp", organisation="社区卫生服务中心",
                              user=doctor, leader=True)
        actions.do_add_member(team, actor=SYSTEM, name=f"护士{key}", post="nurse", organisation="社区卫生服务中心")
        actions.do_add_member(team, actor=SYSTEM, name=f"公卫{key}", post="public_health", organisation="社区卫生服务中心")
        actions.do_add_member(team, actor=SYSTEM, name=f"网格员{key}", post="grid_worker", organisation="社区居委会")
        doctors[key] = doctor
    residents = {
        "A": person("330106001001001", "张甲"),
        "B": person("330106001001002", "李乙"),
        "C": person("330108001001001", "王丙"),
    }
    hospital = Organisation.objects.create(area_code="330106", kind="resident_unit", name="区人民医院")
    return {"teams": teams, "doctors": doctors, "residents": residents, "hospital": hospital}
