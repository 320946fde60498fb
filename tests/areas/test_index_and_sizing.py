import numpy as np
import shapely

from civicgrid.areas.actions import do_import_areas
from civicgrid.areas.index import GridIndex, grid_index, locate, locate_many
from civicgrid.areas.models import Area
from civicgrid.areas.sizing import check_area_size
from civicgrid.core.scoping import SYSTEM
from civicgrid.demo.layout import build_layout
from civicgrid.registry.actions import do_bulk_create_buildings, do_recount_area_stats

from ..conftest import collection, feature, rect


def test_point_lookup_finds_the_grid(tree):
    assert locate(120.005, 30.205) == "330106001001001"
    assert locate(120.025, 30.205) == "330106001001002"
    assert locate(120.085, 30.235) == "330108001002001"
    assert locate(121.5, 31.0) is None


def test_point_on_a_shared_edge_goes_to_the_smaller_code(tree):
    assert locate(120.02, 30.205) == "330106001001001"
    codes = locate_many([120.02, 120.02, 120.5], [30.205, 30.21, 30.0])
    assert list(codes) == ["330106001001001", "330106001001001", None]


def test_index_is_rebuilt_when_a_boundary_changes(tree):
    first = grid_index()
    assert grid_index() is first  # unchanged boundaries: same index
    assert locate(120.022, 30.205) == "330106001001002"
    # Move the boundary between the two grids of community 001 east: grid 001 now reaches 120.025.
    report = do_import_areas(
        collection([
            feature("330106001001001", "西", rect(120.0, 30.2, 120.025, 30.22)),
            feature("330106001001002", "东", rect(120.025, 30.2, 120.04, 30.22)),
        ]),
        actor=SYSTEM,
    )
    assert report.committed
    assert grid_index() is not first
    assert locate(120.022, 30.205) == "330106001001001"


def test_index_trusts_itself_for_the_recheck_interval_but_sees_its_own_changes_at_once(tree, settings):
    from civicgrid.areas.index import BOUNDARY_COUNTER, invalidate
    from civicgrid.core.models import Counter

    settings.CIVICGRID_GRID_INDEX_RECHECK_SECONDS = 3600
    invalidate()
    first = grid_index()
    # Another process changed boundaries: this one notices only after the interval...
    Counter.objects.filter(name=BOUNDARY_COUNTER).update(value=12345)
    assert grid_index() is first
    invalidate()  # ...or when told to (as the interval running out does)
    second = grid_index()
    assert second is not first
    # This process's own change applies at once, despite the long interval.
    report = do_import_areas(
        collection([
            feature("330106001001001", "西", rect(120.0, 30.2, 120.025, 30.22)),
            feature("330106001001002", "东", rect(120.025, 30.2, 120.04, 30.22)),
        ]),
        actor=SYSTEM,
    )
    assert report.committed
    assert locate(120.022, 30.205) == "330106001001001"
    assert grid_index() is not second


def test_bulk_lookup_matches_brute_force_on_the_demo_layout():
    layout = build_layout(seed=3, scale=3)
    polys = [shapely.Polygon(g.ring) for g in layout.grids]
    index = GridIndex([g.code for g in layout.grids], polys)
    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = shapely.Polygon(layout.areas[0].ring).bounds
    lons = rng.uniform(minx - 0.01, maxx + 0.01, 3000)
    lats = rng.uniform(miny - 0.01, maxy + 0.01, 3000)
    got = index.lookup_many(lons, lats)
    for lon, lat, code in zip(lons, lats, got, strict=True):
        point = shapely.Point(lon, lat)
        covering = sorted(g.code for g, p in zip(layout.grids, polys, strict=True) if p.covers(point))
        assert code == (covering[0] if covering else None)
        assert index.lookup(lon, lat) == code


def test_grids_of_the_demo_layout_tile_exactly():
    from civicgrid.areas.validation import check_areas

    layout = build_layout(seed=2, scale=2)
    areas = []
    for spec in layout.areas:
        x0, y0, x1, y1 = shapely.Polygon(spec.ring).bounds
        areas.append(Area(code=spec.code, level=spec.level, name=spec.name, min_lat=y0, max_lat=y1,
                          boundary={"type": "Polygon", "coordinates": [spec.ring]}))
    assert check_areas(areas, tolerance_m2=0.0001) == []
    assert len(layout.grids) >= 80


def test_demo_layout_is_deterministic_and_grows_with_scale():
    a, b = build_layout(seed=7, scale=1), build_layout(seed=7, scale=1)
    assert a.feature_collection() == b.feature_collection()
    assert build_layout(seed=8, scale=1).feature_collection() != a.feature_collection()
    assert len(build_layout(seed=7, scale=25).grids) >= 1000


def test_sizing_rule_reports_grids_outside_300_to_500_households(tree):
    grid = tree["330106001001001"]
    rows = [{"address": f"测试路{i}号", "lon": 120.005 + i * 0.001, "lat": 30.205, "floors": 6,
             "households": 100, "residents": 250} for i in range(3)]
    do_bulk_create_buildings(rows, actor=SYSTEM)
    do_recount_area_stats(actor=SYSTEM, root_code="330106")
    grid.refresh_from_db()
    assert (grid.households, grid.population) == (300, 750)
    assert check_area_size(grid).ok  # 300 households is within 300–500
    assert Area.objects.get(code="330106").households == 300  # rolled up to the district
    empty = check_area_size(tree["330106001001002"])
    assert not empty.ok and "300–500" in empty.problems[0]


def test_rural_grid_radius_rule(tree):
    grid = tree["330106001001001"]
    grid.kind = "rural"
    grid.population = 500
    result = check_area_size(grid)
    assert result.ok and 1000 < result.radius_m < 1600  # ~1.9 km × 2.2 km: corner ~1.5 km from centre
    grid.boundary = rect(120.0, 30.2, 120.06, 30.26)
    assert not check_area_size(grid).ok


def test_buildings_get_their_grid_from_coordinates(tree):
    from civicgrid.core.errors import UserError

    [building] = do_bulk_create_buildings(
        [{"address": "文一路1号", "lon": 120.085, "lat": 30.235, "floors": 5, "households": 10, "residents": 20}],
        actor=SYSTEM,
    )
    assert building.area_code == "330108001002001"
    try:
        do_bulk_create_buildings([{"address": "海上", "lon": 125.0, "lat": 30.0}], actor=SYSTEM)
    except UserError as exc:
        assert exc.field == "lon"
    else:
        raise AssertionError("a building outside every grid was accepted")


def test_district_roads_are_visible_to_its_streets_only(people):
    from civicgrid.registry.actions import do_bulk_create_roads
    from civicgrid.registry.queries import visible_roads

    line = {"type": "LineString", "coordinates": [[120.0, 30.2], [120.08, 30.2]]}
    do_bulk_create_roads([{"name": "文一路", "geometry": line}], actor=SYSTEM, area_code="330106")
    do_bulk_create_roads([{"name": "别区路", "geometry": line}], actor=SYSTEM, area_code="330108")
    for level in ("district", "street", "grid"):
        assert [r.name for r in visible_roads(people[level])] == ["文一路"]


def test_recount_job_runs(tree):
    from civicgrid.registry.jobs import recount_area_stats

    do_bulk_create_buildings([{"address": "测试路1号", "lon": 120.005, "lat": 30.205, "households": 7,
                               "residents": 9}], actor=SYSTEM)
    recount_area_stats("330106")  # jobs run immediately under tests
    assert Area.objects.get(code="330106").population == 9
