"""Facilities, stored accessibility, coverage, gaps and the next site, recomputation."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest

from civicgrid.circle import actions, queries
from civicgrid.circle.engine import WalkGraph, haversine_m
from civicgrid.circle.models import AccessRun, BuildingAccess, Facility, WalkNetwork
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry.models import Building

from .conftest import grid_centre


def test_stored_walking_distances_equal_networkx_on_the_roads(circle):
    network = WalkNetwork.objects.get(area_code="330106")
    graph = actions.load_graph(network)
    g = nx.Graph()
    for a in range(graph.n_nodes):
        for idx in range(graph.indptr[a], graph.indptr[a + 1]):
            g.add_edge(a, int(graph.indices[idx]), weight=float(graph.weights[idx]))
    shops = Facility.objects.filter(kind="supermarket", area_code__startswith="330106")
    xy = graph.project(graph.lon, graph.lat)

    def nearest(lon, lat):
        p = graph.project([lon], [lat])[0]
        i = int(np.argmin(((xy - p) ** 2).sum(axis=1)))
        return i, float(haversine_m(lon, lat, graph.lon[i], graph.lat[i]))

    g.add_node("src")
    for shop in shops:
        node, snap = nearest(shop.lon, shop.lat)
        g.add_edge("src", node, weight=snap)  # undirected is fine: one virtual node, offsets ≥ 0
    lengths = nx.single_source_dijkstra_path_length(g, "src", weight="weight")
    checked = 0
    for access in BuildingAccess.objects.filter(kind="supermarket", area_code__startswith="330106") \
            .select_related("building"):
        node, snap = nearest(access.building.lon, access.building.lat)
        expected = lengths[node] - 0 + snap
        if expected <= 1080:
            assert access.distance_m == pytest.approx(expected, abs=0.01)
            assert access.band == next(t for t in (5, 10, 15) if expected / 1.2 / 60 <= t)
        else:
            assert access.distance_m is None and access.band is None
        checked += 1
    assert checked == 24
    assert BuildingAccess.objects.filter(kind="supermarket", band__isnull=False).exists()
    assert BuildingAccess.objects.filter(kind="supermarket", band__isnull=True).exists()


def test_kinds_without_any_facility_are_unreachable_not_an_error(circle):
    rows = BuildingAccess.objects.filter(kind="school")
    assert rows.count() == Building.objects.count() and all(r.unreachable and r.distance_m is None for r in rows)
    run = AccessRun.objects.filter(area_code="330106").first()
    assert run.status == "done" and run.stats["unreachable"]["school"] == 24 and run.stats["components"] == 1


def test_facility_grid_is_derived_and_jurisdiction_enforced(circle, tree, people):
    lon, lat = grid_centre(tree, "330106001001002")
    f = actions.do_create_facility(actor=people["community"], kind="pharmacy", name="药店B", lon=lon, lat=lat)
    assert f.area_code == "330106001001002"
    assert AuditLog.objects.filter(action="circle.facility.create", object_id=str(f.pk)).exists()
    other_lon, other_lat = grid_centre(tree, "330106001002001")
    with pytest.raises(NotPermitted):
        actions.do_create_facility(actor=people["community"], kind="pharmacy", name="越界", lon=other_lon,
                                   lat=other_lat)
    with pytest.raises(NotPermitted):  # cannot move it out of the community either
        actions.do_update_facility(f, actor=people["community"], expected_version=f.version, lon=other_lon,
                                   lat=other_lat)
    assert Facility.objects.get(pk=f.pk).area_code == "330106001001002"
    with pytest.raises(UserError) as err:
        actions.do_create_facility(actor=SYSTEM, kind="pharmacy", name="海上", lon=0.0, lat=0.0)
    assert err.value.field == "lon"
    with pytest.raises(UserError) as err:
        actions.do_create_facility(actor=SYSTEM, kind="spaceport", name="x", lon=lon, lat=lat)
    assert err.value.field == "kind"
    with pytest.raises(UserError) as err:
        actions.do_create_facility(actor=SYSTEM, kind="pharmacy", name="x", lon=lon, lat=lat, area_m2="big")
    assert err.value.field == "area_m2"
    with pytest.raises(Conflict):
        actions.do_update_facility(f, actor=people["community"], expected_version=f.version + 5, name="改")
    with pytest.raises(NotPermitted):  # a grid worker keeps no facility inventory
        actions.do_create_facility(actor=people["grid"], kind="pharmacy", name="x", lon=lon, lat=lat)


def test_a_facility_change_queues_the_recomputation_after_commit(circle, tree, django_capture_on_commit_callbacks):
    before = AccessRun.objects.count()
    lon, lat = grid_centre(tree, "330106002001001")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        actions.do_create_facility(actor=SYSTEM, kind="school", name="实验小学", lon=lon, lat=lat)
    assert len(callbacks) == 1
    assert AccessRun.objects.count() == before + 1
    run = AccessRun.objects.first()
    assert run.reason == "facility" and run.status == "done"
    assert BuildingAccess.objects.filter(kind="school", band__isnull=False).exists()
    assert not BuildingAccess.objects.filter(kind="school", area_code__startswith="330106", unreachable=True).exists()


def test_coverage_shares_match_households_of_buildings(circle, people):
    table = queries.coverage(people["street"], level="community", minutes=15, kinds=["supermarket", "pharmacy"])
    assert {r["code"] for r in table["rows"]} == {"330106001001", "330106001002"}
    for row in table["rows"]:
        rows = BuildingAccess.objects.filter(area_code__startswith=row["code"], kind="supermarket")
        hh = sum(r.households for r in rows)
        covered = sum(r.households for r in rows if r.band is not None and r.band <= 15)
        assert row["households"] == hh == 300
        assert row["shares"]["supermarket"] == pytest.approx(covered / hh)
        assert row["overall"] == pytest.approx((row["shares"]["supermarket"] + row["shares"]["pharmacy"]) / 2)
    grid_table = queries.coverage(people["grid"], level="community", minutes=5)
    assert [r["code"] for r in grid_table["rows"]] == ["330106001001"] and grid_table["rows"][0]["households"] == 150


def test_coverage_is_kept_until_a_new_run_and_per_jurisdiction(circle, people, tree,
                                                                 django_capture_on_commit_callbacks):
    street = queries.coverage(people["street"], level="community", minutes=15, kinds=["school"])
    grid = queries.coverage(people["grid"], level="community", minutes=15, kinds=["school"])
    assert len(street["rows"]) == 2 and len(grid["rows"]) == 1  # one key per jurisdiction
    assert all(r["covered"]["school"] == 0 for r in street["rows"])  # no school yet
    lon, lat = grid_centre(tree, "330106001001001")
    with django_capture_on_commit_callbacks(execute=True):  # a school: a new accessibility run
        actions.do_create_facility(actor=SYSTEM, kind="school", name="实验小学", lon=lon, lat=lat)
    after = queries.coverage(people["street"], level="community", minutes=15, kinds=["school"])
    assert sum(r["covered"]["school"] for r in after["rows"]) > 0
    assert queries.coverage(people["street"], level="community", minutes=15, kinds=["school"]) == after


def test_buildings_outside_and_the_next_site_covers_what_it_promises(circle, people,
                                                                   django_capture_on_commit_callbacks):
    user = people["street"]
    outside = list(queries.buildings_outside(user, "pharmacy", minutes=10))
    assert outside and all(r.band is None or r.band > 10 for r in outside)
    assert all(r.area_code.startswith("330106001") for r in outside)
    uncovered_before = sum(r.households for r in outside)
    best = queries.suggest_site(user, "pharmacy", minutes=10)
    assert best["found"] and 0 < best["households"] <= uncovered_before
    assert best["uncovered_households"] == uncovered_before
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_create_facility(actor=user, kind="pharmacy", name="新药店", lon=best["lon"], lat=best["lat"])
    after = sum(r.households for r in queries.buildings_outside(user, "pharmacy", minutes=10))
    assert uncovered_before - after == pytest.approx(best["households"])
    # Given candidate sites: the better of two is chosen.
    again = queries.suggest_site(user, "supermarket", minutes=5, candidates=[(120.001, 30.201), (best["lon"],
                                                                                                  best["lat"])])
    assert again["found"] is False or again["candidates"] == 2


def test_networks_report_disconnected_pieces_and_need_a_district(tree, people):
    graph = WalkGraph.from_lines([[(120.01, 30.21), (120.012, 30.21)], [(120.05, 30.23), (120.052, 30.23)]])
    network = actions.do_store_network(graph, actor=SYSTEM, district_code="330106", source="osm",
                                       source_name="test", recompute=False)
    assert network.components == 2 and network.nodes == 4
    assert actions.load_graph(network).n_edges == 2
    with pytest.raises(UserError) as err:
        actions.do_store_network(graph, actor=SYSTEM, district_code="999999", source="osm", source_name="x")
    assert err.value.field == "district"
    with pytest.raises(NotPermitted):  # only district administrators import networks
        actions.do_store_network(graph, actor=people["street"], district_code="330106", source="osm",
                                 source_name="x")


def test_api_coverage_points_and_building_access(circle, people, client_for):
    client = client_for(people["grid"])
    fc = client.get("/api/circle/coverage/points?kind=supermarket&minutes=15").json()
    buildings = [f for f in fc["features"] if "id" in f["properties"]]
    assert len(buildings) == 3 and all(f["properties"]["area_code"] == "330106001001001" for f in buildings)
    b = buildings[0]["properties"]["id"]
    rows = client.get(f"/api/circle/buildings/{b}/access").json()
    assert {r["kind"] for r in rows} >= {"supermarket", "school"}
    bad = client.get("/api/circle/coverage?minutes=7")
    assert bad.status_code == 400 and bad.json()["field"] == "minutes"


def test_pages_render_for_staff(circle, people, client_for):
    client = client_for(people["street"])
    for url in ["/circle/", "/circle/?kind=pharmacy&minutes=5&level=grid", "/circle/facilities/",
                "/circle/outside/?kind=pharmacy", "/circle/standards/", "/circle/standards/?level=street",
                "/circle/providers/", "/circle/facilities/new/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.post("/circle/outside/?kind=pharmacy&minutes=10")
    assert page.status_code == 200 and page.context["suggestion"]["found"]
    partial = client.post("/circle/outside/?kind=pharmacy&minutes=10", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b'id="suggestion"' in partial.content and b"<html" not in partial.content
    assert client.get("/circle/network/").status_code == 403  # street admins import no networks
    district = client_for(people["district"])
    assert district.get("/circle/network/").status_code == 200


def test_facility_form_creates_and_edits(circle, tree, people, client_for):
    client = client_for(people["community"])
    lon, lat = grid_centre(tree, "330106001001001")
    from civicgrid.registry.actions import do_create_organisation

    school = do_create_organisation(actor=SYSTEM, kind="resident_unit", name="实验中学", lon=lon, lat=lat)
    shop = do_create_organisation(actor=SYSTEM, kind="enterprise", name="某公司", lon=lon, lat=lat)
    response = client.post("/circle/facilities/new/", {"kind": "sports_centre", "name": "实验中学操场",
                                                      "level": "community", "lon": lon, "lat": lat, "unit": shop.pk,
                                                      "active": "on", "offpeak_hours": "周末"})
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    response = client.post("/circle/facilities/new/", {"kind": "sports_centre", "name": "实验中学操场",
                                                      "level": "community", "lon": lon, "lat": lat, "unit": school.pk,
                                                      "active": "on", "offpeak_hours": "周末"})
    assert response.status_code == 302
    assert Facility.objects.get(name="实验中学操场").unit == school
    response = client.post("/circle/facilities/new/", {"kind": "barber", "name": "理发店", "level": "community",
                                                      "lon": lon, "lat": lat, "area_m2": "35", "active": "on"})
    assert response.status_code == 302
    f = Facility.objects.get(name="理发店")
    assert f.area_code == "330106001001001" and f.active
    response = client.post(f"/circle/facilities/{f.pk}/", {"kind": "barber", "name": "理发店二", "level": "community",
                                                          "lon": lon, "lat": lat, "version": f.version})
    assert response.status_code == 302 and Facility.objects.get(pk=f.pk).name == "理发店二"
    assert not Facility.objects.get(pk=f.pk).active  # the box left unticked takes it out of service
    api = client.patch(f"/api/circle/facilities/{f.pk}", data=json.dumps({"version": 1, "name": "旧版本"}),
                       content_type="application/json")
    assert api.status_code == 409


def test_district_admin_imports_an_osm_extract_on_the_page(tree, people, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .test_engine import EXTRACTS

    path = next(p for p in EXTRACTS if p.name == "spo_osm.pbf")
    client = client_for(people["district"])
    upload = SimpleUploadedFile("spo_osm.pbf", path.read_bytes())
    response = client.post("/circle/network/", {"district": "330106", "file": upload, "facilities": "on"})
    assert response.status_code == 200, response.content[:500]
    summary = response.context["summary"]
    assert summary["nodes"] == 20267 and summary["created"] == 0 and summary["outside"] == summary["tagged"] > 0
    assert WalkNetwork.objects.get(area_code="330106").source == "osm"
    assert AuditLog.objects.filter(action="circle.network.store").exists()
    junk = client.post("/circle/network/", {"district": "330106", "file": SimpleUploadedFile("x.osm.pbf", b"junk")})
    assert junk.status_code == 200 and junk.context["form"].errors
    street = client_for(people["street"])
    assert street.post("/circle/network/", {"district": "330106"}).status_code == 403


def test_suggest_api_and_openapi_schema(circle, people, client_for):
    client = client_for(people["street"])
    response = client.post("/api/circle/suggest", data=json.dumps({"kind": "pharmacy", "minutes": 10}),
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["found"]
    given = client.post("/api/circle/suggest", data=json.dumps(
        {"kind": "pharmacy", "minutes": 10, "candidates": [[response.json()["lon"], response.json()["lat"]]]}),
        content_type="application/json").json()
    assert given["candidates"] == 1 and given["households"] == pytest.approx(response.json()["households"])
    assert client.post("/api/circle/suggest", data=json.dumps({"kind": "moon"}),
                       content_type="application/json").status_code == 400
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200 and "/api/circle/facilities" in schema.json()["paths"]


def test_an_osm_import_queues_one_recomputation(tree, django_capture_on_commit_callbacks):
    from .test_engine import EXTRACTS

    path = next(p for p in EXTRACTS if p.name == "Helsinki.osm.pbf")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        summary = actions.do_import_osm(path, actor=SYSTEM, district_code="330106")
    assert len(callbacks) == 1 and summary["nodes"] == 6568 and summary["outside"] == summary["tagged"]
