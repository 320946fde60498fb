"""What a review found could go round the rules, closed: an Open311 key limited to one street cannot
reach another street's building or component; the rule data of cases cannot be edited in Django's
admin (only through the audited actions of 考核规则); reading a page writes nothing."""

from __future__ import annotations

import pytest

from civicgrid.cases import actions
from civicgrid.cases.models import Case, ScoreRule
from civicgrid.core.errors import UserError
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions as registry_actions
from civicgrid.registry.catalogues import seed_catalogues
from civicgrid.registry.models import ComponentClass, InfoClass, InfoItem

from .conftest import GRID, OTHER_STREET_GRID, centre_of
from .test_open311 import V2, assert_spec_error, post_form, report


@pytest.fixture
def street_key(org):
    _, plain = actions.do_issue_open311_key(actor=SYSTEM, name="street-app", area_code="330106001")
    return plain


def _building_and_component(org, grid_code: str, n: int):
    lon, lat = centre_of(org["tree"][grid_code])
    building = registry_actions.do_create_building(actor=SYSTEM, address=f"测试路{n}号", lon=lon, lat=lat)
    seed_catalogues(ComponentClass, InfoClass, InfoItem)
    cls = ComponentClass.objects.get(major="01", sub="01")
    component = registry_actions.do_create_component(actor=SYSTEM, cls=cls, lon=lon, lat=lat)
    return building, component


def test_an_open311_key_cannot_attach_another_areas_building_or_component(client, org, street_key):
    mine_b, mine_c = _building_and_component(org, GRID, 1)
    theirs_b, theirs_c = _building_and_component(org, OTHER_STREET_GRID, 2)
    lon, lat = centre_of(org["tree"][GRID])  # a position inside the key's street
    # Another street's building by id, beside a position inside the key's area: refused, nothing filed.
    r = post_form(client, f"{V2}/requests.json", report(street_key, lon, lat, address_id=str(theirs_b.pk)))
    assert "address_id" in assert_spec_error(r, 400)
    # Another street's component: refused as unknown.
    r = post_form(client, f"{V2}/requests.json", report(street_key, lon, lat, service_code="C0101",
                                                       **{"attribute[component]": theirs_c.code}))
    assert "component" in assert_spec_error(r, 400)
    # Another street's building by its address: not matched.
    r = post_form(client, f"{V2}/requests.json", {k: v for k, v in report(street_key, lon, lat).items()
                                                  if k not in ("lat", "long")} | {"address_string": "测试路2号"})
    assert_spec_error(r, 400)
    assert Case.objects.count() == 0
    # Its own street's building and component are found.
    r = post_form(client, f"{V2}/requests.json", report(street_key, lon, lat, address_id=str(mine_b.pk),
                                                       service_code="C0101", **{"attribute[component]": mine_c.code}))
    assert r.status_code == 201, r.content
    case = Case.objects.get()
    assert (case.building_id, case.component_id) == (mine_b.pk, mine_c.pk)


def test_case_rule_data_is_read_only_in_the_admin(org, client):
    from civicgrid.accounts.models import User

    admin = User.objects.create_superuser("root", password="x-test-password-1")
    client.force_login(admin)
    rule = ScoreRule.objects.filter(post=ScoreRule.Post.UNIT).first()
    for url in ("/admin/cases/caseclass/add/", "/admin/cases/scorerule/add/", "/admin/cases/steplimit/add/",
                "/admin/cases/gradeband/add/"):
        assert client.get(url).status_code == 403, url
    page = client.get(f"/admin/cases/scorerule/{rule.pk}/change/")
    assert page.status_code == 200 and b'name="weight"' not in page.content  # shown, not editable
    before = rule.weight
    client.post(f"/admin/cases/scorerule/{rule.pk}/change/", {"post": rule.post, "indicator": rule.indicator,
                                                               "weight": "99", "invert": ""})
    rule.refresh_from_db()
    assert rule.weight == before
    # The weights change only through the action behind 考核规则: checked and audited.
    weights = {r.indicator: "0" for r in ScoreRule.objects.filter(post=ScoreRule.Post.UNIT)}
    with pytest.raises(UserError):
        actions.do_set_score_weights(actor=admin, post=ScoreRule.Post.UNIT, weights=weights)  # adds up to 0
    assert not AuditLog.objects.filter(action="cases.evaluation.weights").exists()


def test_reading_the_rules_page_writes_nothing(org, client_for):
    ScoreRule.objects.all().delete()  # a database whose rules were never seeded (not by a GET either)
    page = client_for(org["people"]["district"]).get("/cases/evaluation/rules/")
    assert page.status_code == 200
    assert ScoreRule.objects.count() == 0
