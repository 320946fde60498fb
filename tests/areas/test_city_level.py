"""A city above the districts (issue 15): GB/T 2260 code PPCC00, its districts PPCCDD below it,
its administrator scoped to every district of it (the code's first four digits)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from civicgrid.accounts import actions as account_actions
from civicgrid.accounts import policy
from civicgrid.accounts.models import Membership
from civicgrid.accounts.roles import Role
from civicgrid.areas.actions import do_import_areas
from civicgrid.areas.models import Area, level_of_code, parent_code_of, scope_code
from civicgrid.areas.queries import visible_areas, visible_roots
from civicgrid.core.errors import NotPermitted
from civicgrid.core.idnumber import make_id_number
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions as registry_actions
from civicgrid.registry.queries import visible_people

from ..conftest import SIZE, collection, feature, make_user, rect

CITY = feature("330100", "杭州市", rect(120.00, 30.20, 120.00 + 2 * SIZE, 30.20 + SIZE / 2))


def test_codes_name_their_level_and_parent():
    assert level_of_code("330100") == "city"
    assert level_of_code("330106") == "district"
    assert level_of_code("330000") is None  # a province is not held
    assert level_of_code("330106001") == "street"
    assert parent_code_of("330106") == "330100"
    assert parent_code_of("330100") is None
    assert parent_code_of("330106001001") == "330106001"
    assert scope_code("330100") == "3301" and scope_code("330106") == "330106"
    assert list(Role)[-1] == Role.CITY_ADMIN  # added at the end: stored role values keep their order


@pytest.fixture
def city(tree):
    report = do_import_areas(collection([CITY]), actor=SYSTEM)
    assert report.committed, (report.errors, report.violations)
    return Area.objects.get(code="330100")


def test_a_city_imported_after_its_districts_becomes_their_parent(tree, city):
    assert city.level == Area.Level.CITY and city.parent is None
    assert sorted(city.children.values_list("code", flat=True)) == ["330106", "330108"]
    assert Area.objects.get(code="330106").ancestors_codes() == ["330100"]
    assert Area.objects.get(code="330106001001").ancestors_codes() == ["330100", "330106", "330106001"]


def test_a_file_with_the_city_and_its_districts_nests_them_and_checks_the_city(db):
    from .. import conftest

    report = do_import_areas(collection([CITY, *conftest.tree_features()]), actor=SYSTEM)
    assert report.committed, (report.errors, report.violations)
    assert Area.objects.get(code="330106").parent.code == "330100"
    assert Area.objects.get(code="330108").parent.code == "330100"
    # The city's districts must cover it: a city twice as large leaves a gap, reported.
    bigger = feature("330100", "杭州市", rect(120.00, 30.20, 120.00 + 3 * SIZE, 30.20 + SIZE / 2))
    report = do_import_areas(collection([bigger]), actor=SYSTEM)
    assert not report.committed
    assert any(v["kind"] == "gap" and "330100" in v["codes"] for v in report.violations)


def test_bad_city_and_district_codes_are_refused_naming_the_field(db):
    report = do_import_areas(collection([feature("330000", "浙江省", rect(120, 30, 121, 31))]), actor=SYSTEM)
    assert not report.committed and report.errors[0]["field"] == "code"
    assert "00" in report.errors[0]["message"]
    report = do_import_areas(collection([feature("330100", "杭州市", rect(120, 30, 121, 31), level="district")]),
                             actor=SYSTEM)
    assert not report.committed and report.errors[0]["field"] == "level"
    area = Area(code="330100", level=Area.Level.DISTRICT, name="错")
    with pytest.raises(ValidationError) as exc:
        area.full_clean(exclude=["boundary"])
    assert "code" in exc.value.message_dict


def test_the_city_administrator_sees_every_district_and_a_district_administrator_only_theirs(tree, city):
    shi = make_user("shi", Role.CITY_ADMIN, city)
    qu = make_user("qu", Role.DISTRICT_ADMIN, tree["330106"])
    assert shi.scope_codes() == ("3301",)
    assert set(visible_areas(shi).values_list("code", flat=True)) >= {"330100", "330106", "330108"}
    assert "330100" not in set(visible_areas(qu).values_list("code", flat=True))
    assert [a.code for a in visible_roots(shi)] == ["330100"]
    building = {code: registry_actions.do_create_building(actor=SYSTEM, address=f"{code}号楼",
                                                          lon=lon + 0.005, lat=30.205)
                for code, lon in (("330106", 120.00), ("330108", 120.08))}
    for code, b in building.items():
        registry_actions.do_register_person(actor=SYSTEM, building=b, name=f"居民{code}",
                                            id_number=make_id_number(code, dt.date(1980, 5, 1), 7, "F"))
    assert visible_people(shi).count() == 2
    assert visible_people(qu).count() == 1
    assert shi.has_capability("cases.evaluate") and shi.has_capability("areas.import")


def test_the_city_role_is_bound_to_the_city_and_ranks_above_the_districts(tree, city):
    shi = make_user("shi", Role.CITY_ADMIN, city)
    qu = make_user("qu", Role.DISTRICT_ADMIN, tree["330106"])
    with pytest.raises((ValidationError, Exception)):
        make_user("wrong", Role.CITY_ADMIN, tree["330106"])
    assert policy.may_grant(shi, Role.DISTRICT_ADMIN, "330108")
    assert policy.may_grant(shi, Role.CITY_ADMIN, "3301")
    assert not policy.may_grant(qu, Role.CITY_ADMIN, "3301")
    other = account_actions.do_create_user(actor=SYSTEM, username="other", password="x-test-password-1")
    with pytest.raises(NotPermitted):
        account_actions.do_grant_membership(actor=qu, user=other, role=Role.CITY_ADMIN, area=city)
    account_actions.do_grant_membership(actor=shi, user=other, role=Role.DISTRICT_ADMIN, area=tree["330108"])
    assert Membership.objects.get(user=other).area_code == "330108"
    assert Membership.objects.get(user=shi).area_code == "3301"


def test_the_city_page_maps_its_districts(tree, city, client_for):
    """A city's page asks for its districts, and ``within=<city code>`` reads under its four digits."""
    shi = make_user("shi", Role.CITY_ADMIN, city)
    client = client_for(shi)
    page = client.get("/areas/330100/").content.decode()
    assert "?within=330100&level=district" in page
    got = client.get("/api/areas/geojson?within=330100&level=district").json()
    assert sorted(f["properties"]["code"] for f in got["features"]) == ["330106", "330108"]


def test_the_city_circle_page_starts_from_its_districts(tree, city, client_for):
    shi = make_user("shi", Role.CITY_ADMIN, city)
    page = client_for(shi).get("/circle/").content.decode()
    assert '<option value="district" selected>' in page
    qu = make_user("qu", Role.DISTRICT_ADMIN, tree["330106"])
    page = client_for(qu).get("/circle/").content.decode()
    assert '<option value="community" selected>' in page and '<option value="district"' not in page
