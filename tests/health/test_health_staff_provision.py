"""The two figures of 004b's targets added last: the share of the centre's medical staff in teams
(≥ 30 %) and the service-function provision rate (100 %), on a small known fixture."""

from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.core import periods
from civicgrid.core.scoping import SYSTEM
from civicgrid.health import actions, figures

from .conftest import person

pytestmark = pytest.mark.django_db


def test_staff_share_and_provision(health):
    # street 330106001: teams A and B (fixture) and a new one share the centre "丹赵卫生院" after the change below
    a, b = health["teams"]["A"], health["teams"]["B"]
    for team in (a, b):
        team.centre, team.centre_medical_staff = "丹赵卫生院", 12
        team.save()
    c = actions.do_create_team(actor=SYSTEM, community_code="330106001002", name="团队D",
                               grid_codes=["330106001002001", "330106001002002"], centre="丹赵卫生院",
                               centre_medical_staff=12)
    for post, organisation in (("gp", "丹赵卫生院"), ("nurse", "丹赵卫生院"), ("specialist", "区人民医院"),
                               ("volunteer", "丹赵卫生院")):
        actions.do_add_member(c, actor=SYSTEM, name=f"成员{post}", post=post, organisation=organisation)
    actions.do_add_member(a, actor=SYSTEM, name="中医", post="tcm", organisation="丹赵卫生院")
    period = periods.parse("2025")
    today = dt.date(2025, 6, 15)
    by_team = figures.rolled("330106001", period, level="team", today=today)
    # 12 staff shared by 3 teams: 4 each; D has 2 from the centre in a medical post, A has 1 (the fixture's
    # members come from "社区卫生服务中心", another organisation), B none
    assert (by_team[str(c.pk)]["staff"].numerator, by_team[str(c.pk)]["staff"].denominator) == (2, 4)
    assert (by_team[str(a.pk)]["staff"].numerator, by_team[str(a.pk)]["staff"].denominator) == (1, 4)
    street = figures.total("330106001", period, today=today)["staff"]
    assert (street.numerator, street.denominator) == (3, 12)  # the centre's staff counted once

    # provision: grid 001 needs hypertension and the 65+ check, has a visit of hypertension only
    doctor = health["doctors"]["A"]
    old = person("330106001001001", "钱老", birth=dt.date(1950, 1, 1))
    htn = actions.do_enrol(old, "htn", actor=doctor, enrolled_on=dt.date(2025, 1, 10), today=today)
    actions.do_enrol(old, "elderly", actor=doctor, enrolled_on=dt.date(2025, 1, 10), today=today)
    actions.do_record_visit(htn, actor=doctor, on=dt.date(2025, 2, 1), mode="phone", sbp=130, dbp=80)
    grid = figures.by_grid("330106001001001", period, today=today)["330106001001001"]["provision"]
    assert (grid.numerator, grid.denominator) == (1, 2)
    before = figures.by_grid("330106001001001", periods.parse("2025Q1"), today=today)["330106001001001"]
    assert (before["provision"].numerator, before["provision"].denominator) == (1, 2)
    assert figures.provision_rate("330106001", period)["330106001001001"][1] >= 2


def test_the_indicators_equal_by_grid(health):
    from civicgrid.core.scoping import SYSTEM as actor

    c = actions.do_create_team(actor=actor, community_code="330106001002", name="团队E",
                               grid_codes=["330106001002001"], centre="卫生院", centre_medical_staff=7)
    actions.do_add_member(c, actor=actor, name="全科", post="gp", organisation="卫生院")
    resident = person("330106001001001", "孙一", birth=dt.date(1950, 1, 1))
    actions.do_enrol(resident, "htn", actor=health["doctors"]["A"])
    period = periods.current("year")
    grids = figures.by_grid("330106", period)
    for code, compute in (("staff", figures.staff_share), ("provision", figures.provision_rate)):
        values = compute("330106", period)
        assert values == {g: (f[code].numerator, f[code].denominator) for g, f in grids.items()}
        assert any(den for _num, den in values.values())
