"""Acceptance 1 on real data: Porto Alegre's OSM extract as a jurisdiction of its own.

A district (code 431490) is laid over the extract's extent and split into 2 streets × 2
communities × 4 grids; the extract has hardly any mapped buildings, so 1,500 residential
buildings are placed at seeded random points 5–40 m from random network nodes (households
20–120). The network and the OSM-tagged facilities come through ``do_import_osm``; three more
kinds (school, pharmacy, health room) are entered like staff would, at seeded points, so
that ten kinds have facilities. Map data © OpenStreetMap contributors (ODbL)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from civicgrid.areas.actions import do_import_areas
from civicgrid.circle import actions
from civicgrid.circle.models import Facility
from civicgrid.circle.osm import read_edges
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry.actions import do_bulk_create_buildings

POA = Path(__file__).resolve().parents[3] / "shared" / "data" / "osm" / "poa_osm.pbf"
DISTRICT = "431490"


def _rect(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _feature(code, name, geometry):
    return {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geometry}


def load_poa(buildings: int = 1500, seed: int = 11) -> dict:
    _ids, lon, lat, _u, _v, _ways, _f = read_edges(str(POA))
    pad = 0.002
    x0, y0, x1, y1 = lon.min() - pad, lat.min() - pad, lon.max() + pad, lat.max() + pad
    xs = np.linspace(x0, x1, 5).round(7)  # 4 columns of grids; 2 per community, 4 per street
    ys = np.linspace(y0, y1, 5).round(7)
    x0, y0, x1, y1 = xs[0], ys[0], xs[-1], ys[-1]
    feats = [_feature(DISTRICT, "阿雷格里港（OSM 实景）", _rect(x0, y0, x1, y1))]
    for s in range(2):
        s_code = f"{DISTRICT}{s + 1:03d}"
        feats.append(_feature(s_code, f"实景街道{s + 1}", _rect(xs[2 * s], y0, xs[2 * s + 2], y1)))
        for c in range(2):
            c_code = f"{s_code}{c + 1:03d}"
            feats.append(_feature(c_code, f"实景社区{s + 1}-{c + 1}",
                                  _rect(xs[2 * s], ys[2 * c], xs[2 * s + 2], ys[2 * c + 2])))
            n = 0
            for gy in range(2):
                for gx in range(2):
                    n += 1
                    feats.append(_feature(f"{c_code}{n:03d}", f"实景网格{s + 1}-{c + 1}-{n}",
                                          _rect(xs[2 * s + gx], ys[2 * c + gy], xs[2 * s + gx + 1],
                                                ys[2 * c + gy + 1])))
    report = do_import_areas({"type": "FeatureCollection", "features": feats}, actor=SYSTEM, source="poa test")
    assert report.committed, (report.errors[:3], report.violations[:3])
    rng = np.random.default_rng(seed)
    anchors = rng.choice(len(lon), buildings, replace=False)
    angle = rng.uniform(0, 2 * math.pi, buildings)
    dist = rng.uniform(5, 40, buildings)
    kx = 111_320 * math.cos(math.radians(float(lat.mean())))
    rows = [{"address": f"POA样本楼栋{i + 1}号", "lon": float(lon[a] + d * math.cos(t) / kx),
             "lat": float(lat[a] + d * math.sin(t) / 110_574), "households": int(rng.integers(20, 121)),
             "residents": 0} for i, (a, t, d) in enumerate(zip(anchors, angle, dist, strict=True))]
    do_bulk_create_buildings(rows, actor=SYSTEM)
    summary = actions.do_import_osm(POA, actor=SYSTEM, district_code=DISTRICT)
    extra = []
    for kind, count in (("school", 8), ("pharmacy", 14), ("health_room", 10)):
        for k in rng.choice(len(lon), count, replace=False):
            extra.append({"kind": kind, "name": f"{kind}-{k}", "lon": float(lon[k]), "lat": float(lat[k])})
    actions.do_bulk_create_facilities(extra, actor=SYSTEM, source=Facility.Source.MANUAL, district_code=DISTRICT)
    run = actions.do_compute_access(DISTRICT, actor=SYSTEM, reason="poa acceptance")
    kinds = sorted(set(Facility.objects.filter(area_code__startswith=DISTRICT).values_list("kind", flat=True)))
    return {"summary": summary, "run": run, "kinds": kinds, "buildings": rows}
