"""Point → grid lookup: the platform's service beside raw shapely STRtree, in one run.

    .venv/bin/python benchmarks/bench_grid_lookup.py [--scale 60] [--points 1000000] [--repeat 5]

What it does:
1. Creates a throw-away SQLite database (its own CIVICGRID_VAR_DIR under /tmp), migrates
   it and imports the demo district at ``--scale`` through ``do_import_areas`` — the same
   path a district administrator's GeoJSON import takes (scale 60 = 2,400 grids).
2. Draws ``--points`` random points over the district's bounding box (seeded), ~3 % of
   them outside every grid.
3. Times, best of ``--repeat``:
   - platform: ``civicgrid.areas.index.locate_many(lons, lats)`` — the function the API,
     the bulk lookup page and imports call. It checks the boundary version in the
     database, builds the points, queries the STRtree and reduces the hits to one grid
     code per point (smallest code on shared edges), returning an array of codes.
   - raw: ``shapely.points`` + ``STRtree.query(points, predicate="intersects")`` on a
     tree of the same polygons built here, returning (point, polygon) index pairs and
     nothing more — the floor the platform cannot go below.
   Also single-point lookups (``locate(lon, lat)``, the API's GET) against raw
   ``tree.query(Point)``, and the time to build the index from the database.
4. Checks the answers: every point's platform code equals the raw hit (smallest code
   where a point hits two grids), and a sample agrees with ``polygon.covers(point)``.

Prints a table and one JSON line (for the issue note). Exit status 1 if answers differ.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def best_of(repeat: int, fn):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=60, help="demo scale (10 grids per unit; 60 → 2,400 grids)")
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--single", type=int, default=20_000, help="single-point lookups to time")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="civicgrid-bench-")
    os.environ["CIVICGRID_VAR_DIR"] = workdir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")

    import django

    django.setup()
    import shapely
    from django.core.management import call_command
    from shapely import STRtree

    from civicgrid.areas.actions import do_import_areas
    from civicgrid.areas.geometry import parse_boundary
    from civicgrid.areas.index import GridIndex, grid_index, locate, locate_many
    from civicgrid.areas.models import Area
    from civicgrid.core.scoping import SYSTEM
    from civicgrid.demo.layout import build_layout

    call_command("migrate", verbosity=0, interactive=False)
    layout = build_layout(args.seed, args.scale)
    t0 = time.perf_counter()
    report = do_import_areas(layout.feature_collection(), actor=SYSTEM, source="benchmark")
    import_s = time.perf_counter() - t0
    if not report.committed:
        print("import failed:", report.errors[:3], report.violations[:3])
        return 1

    rows = list(Area.objects.filter(level=Area.Level.GRID).order_by("code").values_list("code", "boundary"))
    codes = np.array([c for c, _ in rows], dtype=object)
    polygons = [parse_boundary(b) for _, b in rows]
    n_grids = len(polygons)

    district = Area.objects.get(level=Area.Level.DISTRICT)
    minx, miny, maxx, maxy = district.bbox
    pad_x, pad_y = (maxx - minx) * 0.015, (maxy - miny) * 0.015
    rng = np.random.default_rng(args.seed)
    lons = rng.uniform(minx - pad_x, maxx + pad_x, args.points)
    lats = rng.uniform(miny - pad_y, maxy + pad_y, args.points)

    # Index build from the database (first call after a boundary change).
    build_s, _ = best_of(3, GridIndex.from_db)
    grid_index()  # warm: the platform's cached index

    # Raw reference: the same polygons, sorted by code like the platform's.
    raw_tree = STRtree(np.array(polygons, dtype=object))

    def raw_bulk():
        pts = shapely.points(lons, lats)
        return raw_tree.query(pts, predicate="intersects")

    def platform_bulk():
        return locate_many(lons, lats)

    # Alternate the two so neither gets a warmer machine.
    raw_times, plat_times = [], []
    raw_pairs = plat_codes = None
    for _ in range(args.repeat):
        t, raw_pairs = best_of(1, raw_bulk)
        raw_times.append(t)
        t, plat_codes = best_of(1, platform_bulk)
        plat_times.append(t)
    raw_s, plat_s = min(raw_times), min(plat_times)

    # Correctness: the platform's answer per point equals the smallest-code raw hit.
    expected = np.full(args.points, n_grids, dtype=np.int64)
    np.minimum.at(expected, raw_pairs[0], raw_pairs[1])
    expected_codes = np.append(codes, None)[expected]
    mismatches = int(np.count_nonzero(expected_codes != plat_codes))
    outside = int(np.count_nonzero(plat_codes == None))  # noqa: E711 — elementwise on an object array
    sample = rng.choice(args.points, 2_000, replace=False)
    by_code = dict(zip(codes, polygons, strict=True))
    poly_array = np.array(polygons, dtype=object)
    sample_bad = 0
    for i in sample:
        code = plat_codes[i]
        point = shapely.Point(lons[i], lats[i])
        if code is None:
            sample_bad += bool(shapely.covers(poly_array, point).any())
        else:
            sample_bad += not by_code[code].covers(point)

    # Single-point lookups (the API's GET /api/areas/lookup path minus HTTP).
    k = min(args.single, args.points)

    def raw_single():
        for x, y in zip(lons[:k], lats[:k], strict=True):
            raw_tree.query(shapely.Point(x, y), predicate="intersects")

    def plat_single():
        for x, y in zip(lons[:k], lats[:k], strict=True):
            locate(x, y)

    raw_single_s, _ = best_of(max(1, args.repeat // 2), raw_single)
    plat_single_s, _ = best_of(max(1, args.repeat // 2), plat_single)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = plat_s / raw_s
    single_ratio = plat_single_s / raw_single_s
    result = {
        "grids": n_grids,
        "points": args.points,
        "points_outside": outside,
        "raw_bulk_s": round(raw_s, 3),
        "platform_bulk_s": round(plat_s, 3),
        "bulk_ratio": round(ratio, 3),
        "raw_single_us": round(raw_single_s / k * 1e6, 1),
        "platform_single_us": round(plat_single_s / k * 1e6, 1),
        "single_ratio": round(single_ratio, 2),
        "index_build_s": round(build_s, 3),
        "import_s": round(import_s, 2),
        "mismatches": mismatches,
        "sample_checked": len(sample),
        "sample_wrong": int(sample_bad),
        "peak_rss_mb": round(peak_mb),
        "python": platform.python_version(),
        "shapely": shapely.__version__,
        "cpu_count": os.cpu_count(),
    }
    print(f"grids: {n_grids:,}   points: {args.points:,} ({outside:,} outside every grid)   best of {args.repeat}")
    print(f"{'':28}{'raw STRtree':>14}{'platform':>14}{'ratio':>9}")
    print(f"{'bulk, whole batch (s)':28}{raw_s:>14.3f}{plat_s:>14.3f}{ratio:>9.2f}")
    print(f"{'single point (µs each)':28}{raw_single_s / k * 1e6:>14.1f}{plat_single_s / k * 1e6:>14.1f}{single_ratio:>9.2f}")
    print(f"index build from database: {build_s:.3f} s; GeoJSON import of {len(layout.areas):,} areas: {import_s:.1f} s")
    print(f"answers: {mismatches} of {args.points:,} differ from raw; {sample_bad} of {len(sample)} sampled wrong by covers()")
    print(f"peak RSS: {peak_mb:.0f} MB")
    print("RESULT " + json.dumps(result, ensure_ascii=False))
    return 1 if mismatches or sample_bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
