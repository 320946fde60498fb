"""Maps people can read and a tracking page that says what and where (issue 14, finding 9)."""

from __future__ import annotations

import re

from civicgrid.circle import actions as circle_actions
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions as registry_actions

from .conftest import GRID, OTHER_STREET_GRID, centre_of
from .test_pages import dispatched


def test_tracking_shows_description_place_and_deadline_and_its_button_says_query(client, org):
    case = dispatched(org, phone="13800009999")
    page = client.get("/public/track/").content.decode()
    assert re.search(r'<button class="btn btn-primary w-100">查询</button>', page)
    r = client.post("/public/track/", {"code": case.query_code}, follow=True)
    page = r.content.decode()
    description = re.search(r'id="public-description">(.*?)</dd>', page, re.S).group(1)
    assert "小区门口" in description
    place = re.search(r'id="public-place">(.*?)</dd>', page, re.S).group(1)
    assert "社区330106001001" in place and "网格330106001001001" in place
    deadline = re.search(r'id="public-deadline">(.*?)</dd>', page, re.S).group(1)
    assert case.deadline is not None
    from django.utils import timezone

    assert timezone.localtime(case.deadline).strftime("%Y-%m-%d %H:%M") in deadline
    assert "13800009999" not in page


def test_map_layers_come_from_the_platforms_own_endpoints_scoped_to_the_user(org, client_for, client):
    lon, lat = centre_of(org["tree"][GRID])
    olon, olat = centre_of(org["tree"][OTHER_STREET_GRID])
    registry_actions.do_create_building(actor=SYSTEM, address="文三街6号1幢", lon=lon, lat=lat)
    registry_actions.do_create_building(actor=SYSTEM, address="天目山路2号1幢", lon=olon, lat=olat)
    circle_actions.do_create_facility(actor=SYSTEM, kind="supermarket", name="好又多超市", lon=lon, lat=lat)
    circle_actions.do_create_facility(actor=SYSTEM, kind="supermarket", name="远方超市", lon=olon, lat=olat)
    registry_actions.do_bulk_create_roads([{"name": "文三路", "geometry": {"type": "LineString", "coordinates": [
        [lon - 0.01, lat], [lon + 0.01, lat]]}, "length_m": 1900}], actor=SYSTEM, area_code="330106")
    grid = client_for(org["people"]["grid"])
    buildings = grid.get("/api/registry/buildings.geojson").json()["features"]
    assert [f["properties"]["address"] for f in buildings] == ["文三街6号1幢"]  # not the other street's
    box = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    assert len(grid.get(f"/api/registry/buildings.geojson?bbox={box}").json()["features"]) == 1
    far = f"{lon + 1},{lat + 1},{lon + 1.1},{lat + 1.1}"
    assert grid.get(f"/api/registry/buildings.geojson?bbox={far}").json()["features"] == []
    assert grid.get("/api/registry/buildings.geojson?bbox=x").status_code == 400
    facilities = grid.get("/api/circle/facilities.geojson").json()["features"]
    assert [(f["properties"]["name"], f["properties"]["kind_label"]) for f in facilities] == [("好又多超市", "超市便利店")]
    assert [f["properties"]["name"] for f in grid.get("/registry/roads.geojson").json()["features"]] == ["文三路"]
    # The resident's report page draws the roads too (names only, no personal data).
    assert [f["properties"]["name"] for f in client.get("/public/roads.geojson").json()["features"]] == ["文三路"]
    assert client.get("/api/registry/buildings.geojson").status_code == 401
    for url in ("/areas/map/", "/cases/report/"):
        page = grid.get(url).content.decode()
        assert 'data-roads="' in page and "civicgrid/map.js" in page, url
