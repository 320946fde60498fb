"""Health-supervision findings (卫生监督协管): the class and its five categories in the case catalogue;
a team member reports a finding about a registry organisation from the health page, the case is filed
through the cases intake action and goes round the loop like any other case (registered, dispatched,
accepted); people outside the jurisdiction get 404 and change nothing."""

from __future__ import annotations

import pytest

from civicgrid.accounts import actions as account_actions
from civicgrid.accounts.models import OrgUnit
from civicgrid.accounts.roles import Role
from civicgrid.cases import actions as case_actions
from civicgrid.cases.catalogue import ensure_catalogue
from civicgrid.cases.models import Case, CaseClass, CaseEvent
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.health import actions
from civicgrid.health.models import SupervisionFinding
from civicgrid.registry.actions import do_create_organisation

from ..conftest import make_user

pytestmark = pytest.mark.django_db
CATEGORIES = ["食品安全", "生活饮用水", "非法行医和非法采供血", "学校卫生", "公共场所卫生"]


def _centre(area):
    return (area.min_lon + area.max_lon) / 2, (area.min_lat + area.max_lat) / 2


@pytest.fixture
def places(tree, health):
    ensure_catalogue()
    out = {}
    for key, grid in (("A", "330106001001001"), ("B", "330106001001002"), ("C", "330108001001001")):
        lon, lat = _centre(tree[grid])
        out[key] = do_create_organisation(actor=SYSTEM, kind="enterprise", name=f"好味餐馆{key}", lon=lon, lat=lat,
                                          address=f"幸福路{key}号")
        assert out[key].area_code == grid
    return out


def test_the_class_and_its_categories_are_in_the_catalogue():
    ensure_catalogue()
    classes = CaseClass.objects.filter(major="卫生监督协管").order_by("code")
    assert list(classes.values_list("name", flat=True)) == CATEGORIES
    assert all(c.kind == "event" and c.department == "health" and c.active for c in classes)
    assert [c.code for c in actions.supervision_classes()] == ["WS01", "WS02", "WS03", "WS04", "WS05"]


def test_a_finding_becomes_a_case_and_is_dispatched_like_any_other(health, places, tree, client_for):
    doctor = health["doctors"]["A"]
    organisation = places["A"]
    client = client_for(doctor)
    page = client.get("/health/supervision/")
    html = page.content.decode()
    assert page.status_code == 200 and organisation.name in html and places["B"].name not in html
    response = client.post("/health/supervision/", {"organisation": organisation.pk, "category": "WS01",
                                                    "description": "后厨使用过期食材，无健康证上岗"})
    assert response.status_code == 302, response.content.decode()[:2000]
    finding = SupervisionFinding.objects.get()
    case = finding.case
    assert finding.organisation == organisation and finding.team == health["teams"]["A"]
    assert case.cls.code == "WS01" and case.cls.major == "卫生监督协管"
    assert case.channel == Case.Channel.PATROL and case.status == Case.Status.REPORTED
    assert (case.tier, case.tier_code, case.area_code) == ("community", "330106001001", organisation.area_code)
    assert organisation.name in case.title and organisation.name in case.description and "过期食材" in case.description
    assert case.reporter_id == doctor.pk
    assert list(case.events.values_list("kind", flat=True)) == [CaseEvent.Kind.REPORTED]
    assert AuditLog.objects.filter(action="cases.case.report", object_id=str(case.pk)).exists()
    assert AuditLog.objects.filter(action="health.supervision.file").count() == 1
    listed = client.get("/health/supervision/").content.decode()
    assert case.number in listed and "食品安全" in listed
    # The loop: registered and dispatched at the community, accepted by the lead unit.
    committee = account_actions.do_create_unit(actor=SYSTEM, code="JW1", name="社区居委会",
                                               kind=OrgUnit.Kind.COMMUNITY_COMMITTEE, area=tree["330106001001"])
    worker = make_user("c_comm_s", Role.COMMUNITY_WORKER, tree["330106001001"])
    assert Case.objects.restrict(worker, "cases.view").filter(pk=case.pk).exists()
    case = case_actions.do_register_case(case, actor=worker)
    case = case_actions.do_dispatch_case(case, actor=worker, lead_unit=committee)
    assert case.status == Case.Status.DISPATCHED and case.deadline is not None
    case = case_actions.do_accept_case(case, actor=worker)
    assert case.status == Case.Status.HANDLING
    assert client.get("/health/supervision/").context["findings"][0].case.status == Case.Status.HANDLING


def test_errors_beside_the_field_in_chinese(health, places, client_for):
    client = client_for(health["doctors"]["A"])
    response = client.post("/health/supervision/", {"organisation": places["A"].pk, "category": "WS02",
                                                    "title": "水箱", "description": "   "})
    html = response.content.decode()
    assert response.status_code == 200 and "is-invalid" in html and "水箱" in html
    assert not Case.objects.exists() and not SupervisionFinding.objects.exists()
    with pytest.raises(UserError) as err:
        actions.do_file_supervision_finding(places["A"], actor=health["doctors"]["A"], category="E0101",
                                            description="垃圾")
    assert err.value.field == "category"


def test_outside_the_jurisdiction_404_and_nothing_filed(health, places, tree, client_for):
    # Team B's doctor (same community, other health grid) and team C's (another district).
    for key in ("B", "C"):
        client = client_for(health["doctors"][key])
        response = client.post("/health/supervision/", {"organisation": places["A"].pk, "category": "WS05",
                                                        "description": "游泳池水质浑浊"})
        assert response.status_code in (200, 404)
        if response.status_code == 200:  # not even offered: the choice is refused beside the field
            assert "is-invalid" in response.content.decode()
        with pytest.raises(NotPermitted):
            actions.do_file_supervision_finding(places["A"], actor=health["doctors"][key], category="WS05",
                                                description="游泳池水质浑浊")
    assert not Case.objects.exists() and not SupervisionFinding.objects.exists()
    finding = actions.do_file_supervision_finding(places["A"], actor=health["doctors"]["A"], category="WS04",
                                                  description="学校食堂晨检记录缺失")
    other_street = make_user("s_admin_o", Role.STREET_ADMIN, tree["330106002"])
    for user in (health["doctors"]["C"], other_street):
        client = client_for(user)
        assert finding.case.number not in client.get("/health/supervision/").content.decode()
        assert client.get(f"/api/health/supervision/{finding.pk}").status_code == 404
        assert client.get(f"/cases/{finding.case.pk}/").status_code in (403, 404)
    street = client_for(make_user("s_admin_s", Role.STREET_ADMIN, tree["330106001"]))
    assert street.get(f"/api/health/supervision/{finding.pk}").json()["case_number"] == finding.case.number
