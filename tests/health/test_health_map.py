"""The map of health grids and teams, and forming a team from base grids on a page: scoped like the
other health pages (another street's user sees nothing / gets 404), errors beside the field in Chinese."""

from __future__ import annotations

import pytest
from shapely.geometry import shape

from civicgrid.accounts.roles import Role
from civicgrid.core.models import AuditLog
from civicgrid.health.models import Team
from civicgrid.registry.models import Household

from ..conftest import make_user
from .conftest import person

pytestmark = pytest.mark.django_db


def test_map_of_health_grids_and_teams(health, tree, client_for):
    household = Household.objects.create(area_code="330106001001001", number="M1", address="幸福里2幢")
    for name in ("赵一", "赵二"):
        person("330106001001001", name, household=household)
    street = make_user("jd_health", Role.STREET_ADMIN, tree["330106001"])
    client = client_for(street)
    page = client.get("/health/map/")
    assert page.status_code == 200
    rows = {r["name"]: r for r in page.context["rows"]}
    assert set(rows) == {"团队A", "团队B"}  # team C is in another district
    a = rows["团队A"]
    # 张甲 (fixture) + 赵一 + 赵二 live in grid 001; two households (张甲 has none: not counted)
    assert (a["members"], a["people"], a["households"]) == (4, 3, 1)
    assert rows["团队B"]["people"] == 1 and a["colour"] != rows["团队B"]["colour"]
    html = page.content.decode()
    assert 'id="teams-map"' in html and "leaflet.js" in html and "health/teams_map.js" in html and "//cdn" not in html
    fc = client.get("/health/map/teams.geojson").json()
    features = {f["properties"]["name"]: f for f in fc["features"]}
    assert set(features) == {"团队A", "团队B"}
    grid = shape(tree["330106001001001"].boundary)
    assert shape(features["团队A"]["geometry"]).symmetric_difference(grid).area < 1e-12
    assert features["团队A"]["properties"]["people"] == 3

    # team C's two grids make one polygon (the union of its base grids)
    district = make_user("qu_health_c", Role.DISTRICT_ADMIN, tree["330108"])
    fc = client_for(district).get("/health/map/teams.geojson").json()
    (c,) = fc["features"]
    union = shape(tree["330108001001001"].boundary).union(shape(tree["330108001001002"].boundary))
    assert c["geometry"]["type"] == "Polygon" and shape(c["geometry"]).symmetric_difference(union).area < 1e-12

    other = make_user("jd_other", Role.STREET_ADMIN, tree["330106002"])
    page = client_for(other).get("/health/map/")
    assert page.status_code == 200 and page.context["rows"] == []
    assert client_for(other).get("/health/map/teams.geojson").json()["features"] == []
    menu = client.get("/").content.decode()
    assert "/health/map/" in menu


def test_form_a_team_from_base_grids(health, tree, client_for):
    street = make_user("jd_health", Role.STREET_ADMIN, tree["330106001"])
    client = client_for(street)
    page = client.get("/health/teams/new/")
    assert page.status_code == 200 and "330106001002" in page.content.decode()
    page = client.get("/health/teams/new/?community=330106001002")
    html = page.content.decode()
    assert page.status_code == 200 and "网格330106001002001" in html and "网格330106001002002" in html

    # no grid ticked: the rule beside the field, in Chinese, the name typed kept
    bad = client.post("/health/teams/new/", {"community": "330106001002", "name": "丹赵一队", "centre": "卫生院"})
    html = bad.content.decode()
    assert bad.status_code == 200 and 'data-field="grid_codes"' in html and "丹赵一队" in html
    assert "必填" in html and not Team.objects.filter(name="丹赵一队").exists()
    # a grid of another community: refused beside the field
    bad = client.post("/health/teams/new/", {"community": "330106001002", "name": "丹赵一队",
                                             "grid_codes": ["330106001001001"]})
    assert bad.status_code == 200 and 'data-field="grid_codes"' in bad.content.decode()
    # a negative staff count: beside its field
    bad = client.post("/health/teams/new/", {"community": "330106001002", "name": "丹赵一队",
                                             "grid_codes": ["330106001002001"], "centre_medical_staff": "-3"})
    assert bad.status_code == 200 and 'data-field="centre_medical_staff"' in bad.content.decode()

    ok = client.post("/health/teams/new/", {"community": "330106001002", "name": "丹赵一队", "centre": "卫生院",
                                            "centre_medical_staff": "30",
                                            "grid_codes": ["330106001002001", "330106001002002"]})
    team = Team.objects.get(name="丹赵一队")
    assert ok.status_code == 302 and ok["Location"] == f"/health/teams/{team.pk}/"
    assert team.grid_codes == ["330106001002001", "330106001002002"] and team.centre_medical_staff == 30
    assert AuditLog.objects.filter(action="health.team.create", actor=street).count() == 1
    # the grids now belong to a team: a second team on one of them is refused beside the field (Conflict)
    again = client.post("/health/teams/new/", {"community": "330106001002", "name": "丹赵二队",
                                               "grid_codes": ["330106001002002"]})
    html = again.content.decode()
    assert again.status_code == 200 and 'data-field="grid_codes"' in html and "丹赵一队" in html
    assert not Team.objects.filter(name="丹赵二队").exists()

    # another street's manager: 404 (audited), and nothing of this street offered
    other = make_user("jd_other", Role.STREET_ADMIN, tree["330106002"])
    before = AuditLog.objects.filter(action="access.denied", actor=other).count()
    assert client_for(other).get("/health/teams/new/?community=330106001002").status_code == 404
    assert client_for(other).post("/health/teams/new/", {"community": "330106001002", "name": "x",
                                                        "grid_codes": ["330106001002001"]}).status_code == 404
    assert AuditLog.objects.filter(action="access.denied", actor=other).count() == before + 2
    assert "330106001002" not in client_for(other).get("/health/teams/new/").content.decode()
    # a family doctor (no health.manage) may not form teams
    assert client_for(health["doctors"]["A"]).get("/health/teams/new/").status_code in (403, 404)


def test_form_a_team_reports_the_size_rule(health, tree, client_for):
    """One grid of more than 500 households / 1,500 people: formed, with the warning shown."""
    from civicgrid.health import actions

    street = make_user("jd_health", Role.STREET_ADMIN, tree["330106001"])
    sizing = actions.health_grid_sizing(["330106002001001"])
    assert sizing["warnings"] == []  # an empty grid is not over the size
    grid = "330106001002001"
    Household.objects.bulk_create([Household(area_code=grid, number=f"S{i}") for i in range(501)])
    from civicgrid.registry.models import Person

    households = list(Household.objects.filter(area_code=grid))
    Person.objects.bulk_create([Person(name=f"居民{i}", id_type="none", area_code=grid,
                                       household=households[i % 501]) for i in range(1501)])
    response = client_for(street).post("/health/teams/new/", {"community": "330106001002", "name": "大网格队",
                                                              "grid_codes": [grid]}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and Team.objects.filter(name="大网格队").exists()
    assert "alert-warning" in html and "1501" in html
