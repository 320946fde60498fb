"""Circle fixtures: roads every 400 m over the test tree's district 330106 (and 330108), three
residential buildings per grid, a few facilities, the network built from the roads, and one
accessibility run."""

from __future__ import annotations

import pytest

from civicgrid.circle import actions
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry.actions import do_bulk_create_buildings, do_bulk_create_roads

from ..conftest import DISTRICTS, SIZE

STEP = 0.004  # degrees between roads, ≈ 385 m east–west, 445 m north–south


def road_rows(x0: float, y0: float) -> list[dict]:
    rows = []
    nx, ny = round(SIZE / STEP), round(SIZE / 2 / STEP)
    for i in range(nx + 1):
        x = round(x0 + i * STEP, 7)
        rows.append({"name": f"经{i}路", "geometry": {"type": "LineString", "coordinates": [[x, y0], [x, y0 + SIZE / 2]]},
                     "length_m": 0})
    for j in range(ny + 1):
        y = round(y0 + j * STEP, 7)
        rows.append({"name": f"纬{j}街", "geometry": {"type": "LineString", "coordinates": [[x0, y], [x0 + SIZE, y]]},
                     "length_m": 0})
    return rows


def grid_centre(tree, code):
    a = tree[code]
    return (a.min_lon + a.max_lon) / 2, (a.min_lat + a.max_lat) / 2


@pytest.fixture
def circle(tree):
    """Buildings in every grid of both districts, networks from roads, facilities, results."""
    buildings = []
    for code in sorted(c for c in tree if len(c) == 15):
        lon, lat = grid_centre(tree, code)
        for k, (dx, dy, hh) in enumerate([(-0.003, -0.002, 40), (0.0011, 0.0007, 50), (0.006, 0.003, 60)]):
            buildings.append({"address": f"测试路{code[-6:]}号{k + 1}幢", "lon": lon + dx, "lat": lat + dy,
                              "households": hh, "residents": hh * 2})
    do_bulk_create_buildings(buildings, actor=SYSTEM)
    for d_code, (x0, y0) in DISTRICTS.items():
        do_bulk_create_roads(road_rows(x0, y0), actor=SYSTEM, area_code=d_code)
    facilities = {}
    for name, kind, code, extra in [
        ("便利店A", "supermarket", "330106001001001", {}),
        ("便利店B", "supermarket", "330106002002002", {}),
        ("药店A", "pharmacy", "330106001001002", {}),
        ("社区服务站A", "service_centre", "330106001001001", {"area_m2": 320}),
        ("社区服务站B", "service_centre", "330106001002001", {"area_m2": 250}),
        ("街道中心", "service_centre", "330106001002002", {"area_m2": 900, "level": "street"}),
        ("日间照料中心A", "daycare_centre", "330106001001002", {"area_m2": 400, "capacity": 12}),
        ("便利店C", "supermarket", "330108001001001", {}),
    ]:
        lon, lat = grid_centre(tree, code)
        facilities[name] = actions.do_create_facility(actor=SYSTEM, kind=kind, name=name, lon=lon + 0.0005,
                                                      lat=lat - 0.0004, **extra)
    for d_code in DISTRICTS:
        actions.do_build_network_from_roads(actor=SYSTEM, district_code=d_code)
        actions.do_compute_access(d_code, actor=SYSTEM, reason="test")
    return facilities
