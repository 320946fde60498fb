"""15-minute circle accessibility at city scale: the platform's engine beside pandana 0.8 and
beside a bare ``scipy.sparse.csgraph.dijkstra(limit=…, min_only=True)`` on the same arrays.

The network is a real extract (default ../shared/data/osm/poa_osm.pbf, Porto Alegre) tiled
--tiles times (copies shifted east/north, neighbouring copies stitched by edges between
their facing border nodes) to about a million nodes. Ten facility categories sit on random
nodes (--facilities per category on average); --points residential points are scattered
over the network. Each contender runs in its own forked process (so peak memory is its own):

- platform: ``WalkGraph.from_edges`` (CSR build) + ``accessibility()``, the function the
  platform's job calls: snap of points and facilities (KD-tree), connected pieces, one
  bounded search per category (15 min × 1.2 m/s = 1,080 m), per-point distances,
  unreachable flags, and the 15-minute counts;
- pandana: ``Network`` (contraction hierarchies) + ``get_node_ids`` for the points +
  ``set_pois``/``nearest_pois`` per category with the same limit;
- bare scipy: ten ``dijkstra(csr, indices=facility_nodes, min_only=True, limit=1080)``
  calls on the platform's CSR arrays (query phase only, nothing else).

Answers are compared on a sample of nodes: platform vs bare scipy (exact) and vs pandana
(relative 1e-4: pandana keeps weights in float32). Exit status 1 if any differ.

    .venv/bin/python benchmarks/bench_accessibility.py            # ≈ 1,000,000 nodes
    .venv/bin/python benchmarks/bench_accessibility.py --tiles 4  # quick look
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from civicgrid.circle.engine import WalkGraph, accessibility, haversine_m  # noqa: E402
from civicgrid.circle.osm import read_edges  # noqa: E402

DEFAULT_PBF = ROOT.parent / "shared" / "data" / "osm" / "poa_osm.pbf"
LIMIT_M = 15 * 60 * 1.2
CATEGORIES = 10
REPEAT = 3  # the query phase (platform and bare scipy) is timed best of REPEAT; set by --repeat


def tile(path: Path, tiles: int, stitch: int = 40):
    """Node lon/lat and edges (u, v) of ``tiles`` shifted copies of the extract."""
    from scipy.spatial import cKDTree

    _ids, lon, lat, u, v, _ways, _f = read_edges(str(path))
    n = len(lon)
    width = lon.max() - lon.min()
    height = lat.max() - lat.min()
    cols = int(np.ceil(np.sqrt(tiles)))
    lons, lats, us, vs = [], [], [], []
    for t in range(tiles):
        cx, cy = t % cols, t // cols
        lons.append(lon + cx * width * 1.001)
        lats.append(lat + cy * height * 1.001)
        us.append(u + t * n)
        vs.append(v + t * n)
    all_lon, all_lat = np.concatenate(lons), np.concatenate(lats)
    # Stitch neighbours: the `stitch` easternmost nodes of a copy to the nearest nodes of
    # the copy east of it, likewise northwards.
    east = np.argsort(lon)[-stitch:]
    west_tree = cKDTree(np.column_stack([lon, lat]))
    north = np.argsort(lat)[-stitch:]
    extra_u, extra_v = [], []
    for t in range(tiles):
        cx, cy = t % cols, t // cols
        if cx + 1 < cols and t + 1 < tiles:
            _d, j = west_tree.query(np.column_stack([lon[east] - width * 1.001, lat[east]]))
            extra_u.append(east + t * n)
            extra_v.append(j + (t + 1) * n)
        if t + cols < tiles:
            _d, j = west_tree.query(np.column_stack([lon[north], lat[north] - height * 1.001]))
            extra_u.append(north + t * n)
            extra_v.append(j + (t + cols) * n)
    all_u = np.concatenate(us + extra_u)
    all_v = np.concatenate(vs + extra_v)
    return all_lon, all_lat, all_u.astype(np.int64), all_v.astype(np.int64)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_platform(data, conn):
    """The platform's own functions: ``WalkGraph.from_edges`` then ``accessibility`` (snap, network
    pieces, the bounded searches, per-point distances), the latter best of REPEAT."""
    lon, lat, u, v, fac, pts, sample = data
    rss0 = peak_rss_mb()
    t0 = time.perf_counter()
    graph = WalkGraph.from_edges(lon, lat, u, v)
    t1 = time.perf_counter()
    # The sampled nodes ride along as points exactly on their node (snap 0), for the answer check.
    p_lon = np.concatenate([pts[:, 0], lon[sample]])
    p_lat = np.concatenate([pts[:, 1], lat[sample]])
    facilities = {f"c{k}": (lon[f], lat[f]) for k, f in enumerate(fac)}
    from scipy.sparse.csgraph import dijkstra

    csr = graph.csr()
    best = None
    bare_times = []
    for _ in range(REPEAT):
        a0 = time.perf_counter()
        result = accessibility(graph, p_lon, p_lat, facilities, limit_m=LIMIT_M)
        result.within(15).sum(axis=0)  # the 15-minute counts, as the job stores flags
        elapsed = time.perf_counter() - a0
        if best is None or elapsed < best[0]:
            best = (elapsed, dict(result.stats["seconds"]))
        # The bare calls alternate with the platform's in this same process, so that a busy
        # machine slows both alike.
        b0 = time.perf_counter()
        for f in fac:
            dijkstra(csr, directed=True, indices=f, min_only=True, limit=LIMIT_M)
        bare_times.append(time.perf_counter() - b0)
    elapsed, sec = best
    n_pts = len(pts)
    conn.send({
        "build": t1 - t0, "snap": sec["snap"] + sec["components"], "queries": sec["queries"],
        "points": elapsed - sec["snap"] - sec["components"] - sec["queries"], "total": (t1 - t0) + elapsed,
        "sample": result.distance_m[n_pts:].T.copy(), "covered15": [int(c) for c in result.within(15)[:n_pts].sum(axis=0)],
        "peak_mb": peak_rss_mb(), "base_mb": rss0, "arrays": (graph.indptr, graph.indices, graph.weights),
        "components": result.stats["components"], "bare_alternating": min(bare_times),
    })


def run_bare(data, arrays, conn):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    lon, lat, u, v, fac, pts, sample = data
    indptr, indices, weights = arrays
    n = len(lon)
    csr = csr_matrix((weights, indices, indptr), shape=(n, n))
    rss0 = peak_rss_mb()
    times = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        out = [dijkstra(csr, directed=True, indices=f, min_only=True, limit=LIMIT_M) for f in fac]
        times.append(time.perf_counter() - t0)
    conn.send({"queries": min(times), "sample": np.array([d[sample] for d in out]), "peak_mb": peak_rss_mb(),
               "base_mb": rss0})


def run_pandana(data, conn):
    import pandana
    import pandas as pd

    lon, lat, u, v, fac, pts, sample = data
    rss0 = peak_rss_mb()
    t0 = time.perf_counter()
    keep = u != v
    w = haversine_m(lon[u[keep]], lat[u[keep]], lon[v[keep]], lat[v[keep]])
    net = pandana.Network(pd.Series(lon), pd.Series(lat), pd.Series(u[keep]), pd.Series(v[keep]),
                          pd.DataFrame({"w": w}), twoway=True)
    t1 = time.perf_counter()
    net.get_node_ids(pd.Series(pts[:, 0]), pd.Series(pts[:, 1]))
    t2 = time.perf_counter()
    sample_out = []
    for k, f in enumerate(fac):
        net.set_pois(f"c{k}", LIMIT_M, 1, pd.Series(lon[f]), pd.Series(lat[f]))
        nearest = net.nearest_pois(LIMIT_M, f"c{k}", num_pois=1)
        col = nearest[1].to_numpy()
        sample_out.append(col[sample])
    t3 = time.perf_counter()
    conn.send({"build": t1 - t0, "snap": t2 - t1, "queries": t3 - t2, "total": t3 - t0,
               "sample": np.array(sample_out), "peak_mb": peak_rss_mb(), "base_mb": rss0})


def in_child(target, *args):
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(*args, child))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pbf", default=str(DEFAULT_PBF))
    parser.add_argument("--tiles", type=int, default=27, help="copies of the extract (27 × poa ≈ 1.03 M nodes)")
    parser.add_argument("--facilities", type=int, default=1500, help="facilities per category, on average")
    parser.add_argument("--points", type=int, default=300_000, help="residential points")
    parser.add_argument("--repeat", type=int, default=3, help="query phase timed best of N (platform, bare)")
    parser.add_argument("--no-pandana", action="store_true")
    args = parser.parse_args(argv)
    global REPEAT
    REPEAT = max(1, args.repeat)

    t = time.perf_counter()
    lon, lat, u, v = tile(Path(args.pbf), args.tiles)
    n = len(lon)
    rng = np.random.default_rng(7)
    # Facility counts vary by category (a school is rarer than a shop).
    counts = np.maximum(5, (args.facilities * rng.uniform(0.2, 1.8, CATEGORIES)).astype(int))
    fac = [np.sort(rng.choice(n, c, replace=False)) for c in counts]
    anchors = rng.choice(n, args.points)
    pts = np.column_stack([lon[anchors] + rng.normal(0, 1.5e-4, args.points),
                           lat[anchors] + rng.normal(0, 1.5e-4, args.points)])
    sample = rng.choice(n, 20_000, replace=False)
    data = (lon, lat, u, v, fac, pts, sample)
    print(f"network: {n:,} nodes, {len(u):,} way segments ({args.tiles} × {Path(args.pbf).name}); "
          f"{CATEGORIES} categories, {int(counts.sum()):,} facilities; {args.points:,} points; "
          f"limit {LIMIT_M:.0f} m; prepared in {time.perf_counter() - t:.1f} s; {os.cpu_count()} cores")

    ours = in_child(run_platform, data)
    bare = in_child(run_bare, data, ours["arrays"])
    theirs = None if args.no_pandana else in_child(run_pandana, data)

    print(f"{'':34}{'platform':>12}{'pandana 0.8':>14}{'bare scipy':>12}")
    rows = [("network build (s)", "build"), ("snap + network pieces (s)", "snap"),
            ("10 bounded queries (s)", "queries"), ("per-point distances, flags (s)", "points"),
            ("end to end (s)", "total")]
    for label, key in rows:
        p = theirs.get(key) if theirs else None
        b = bare.get(key)
        print(f"{label:34}{ours[key]:>12.3f}{(f'{p:.3f}' if p is not None else '—'):>14}"
              f"{(f'{b:.3f}' if b is not None else '—'):>12}")
    print(f"{'peak RSS of the process (MB)':34}{ours['peak_mb']:>12.0f}"
          f"{(format(theirs['peak_mb'], '.0f') if theirs else '—'):>14}{bare['peak_mb']:>12.0f}")
    print(f"{'  of which before the work (MB)':34}{ours['base_mb']:>12.0f}"
          f"{(format(theirs['base_mb'], '.0f') if theirs else '—'):>14}{bare['base_mb']:>12.0f}")
    print(f"(platform: accessibility() best of {REPEAT}, bare scipy best of {REPEAT}; pandana once; "
          f"{ours['components']} network pieces)")
    print(f"queries: platform / bare scipy = {ours['queries'] / ours['bare_alternating']:.2f} (target ≤ 1.3; "
          f"alternating in one process: {ours['queries']:.3f} s vs {ours['bare_alternating']:.3f} s; "
          f"bare in its own process above: {bare['queries']:.3f} s)")
    if theirs:
        print(f"end to end: pandana / platform = {theirs['total'] / ours['total']:.1f}× (target ≥ 20×)")

    bad = 0
    a, b = ours["sample"], bare["sample"]
    same = (np.isinf(a) == np.isinf(b)) & np.isclose(np.where(np.isinf(a), 0, a), np.where(np.isinf(b), 0, b),
                                                     rtol=0, atol=1e-6)
    bad += int((~same).sum())
    print(f"answers: {int((~same).sum())} of {a.size:,} sampled node distances differ from bare scipy")
    if theirs:
        p = theirs["sample"]
        # pandana reports "none within the limit" as the limit itself: compare in its convention,
        # within float32 rounding (pandana sums edge weights in single precision).
        mine = np.where(np.isfinite(a), a, LIMIT_M)
        ok = np.isclose(mine, p, rtol=1e-4, atol=0.05)
        bad += int((~ok).sum())
        for k, j in list(zip(*np.nonzero(~ok), strict=True))[:5]:
            print(f"  category {k}, node {sample[j]}: platform {a[k, j]:.6f} m, pandana {p[k, j]:.6f} m")
        print(f"answers: {int((~ok).sum())} of {a.size:,} sampled node distances differ from pandana "
              f"(float32 tolerance)")
    print(f"covered within 15 min (points, per category): {ours['covered15']}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
