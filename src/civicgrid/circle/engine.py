"""Walking accessibility on a compact graph (步行可达性引擎): pure numpy/scipy, no Django.

The walking network is an undirected graph stored once as CSR arrays in both directions
(``indptr``/``indices`` int32, ``weights`` float64 metres) plus node longitude/latitude.
Points (buildings, facilities) snap to their nearest node with a KD-tree on a local metric
projection; the snap distance is walked too.

Nearest facility of a category for every node: one bounded Dijkstra per category from a
virtual source node whose out-edges go to the category's facility nodes, weighted by each
facility's own snap distance. Virtual nodes have no in-edges, so no path can pass through
one; the answer equals a multi-source Dijkstra with per-source start offsets (and equals
``dijkstra(indices=facility_nodes, min_only=True)`` when every offset is zero). The
augmented arrays are built once per run for all categories.

A point whose network piece (connected component) holds no facility of a category is
*unreachable* for it, which is reported, not an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_SPEED_M_S = 1.2  # walking speed (R-CIR-1 "15 minutes" at 1.2 m/s = 1,080 m)
THRESHOLDS_MIN = (5, 10, 15)


def haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle distance in metres (vectorised)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


@dataclass
class WalkGraph:
    """An undirected walking network as symmetric CSR arrays (each edge stored both ways)."""

    lon: np.ndarray
    lat: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    _components: tuple[int, np.ndarray] | None = field(default=None, repr=False)
    _tree: cKDTree | None = field(default=None, repr=False)

    @property
    def n_nodes(self) -> int:
        return len(self.lon)

    @property
    def n_edges(self) -> int:
        """Undirected edges."""
        return len(self.indices) // 2

    # --- building --------------------------------------------------------------------------
    @classmethod
    def from_edges(cls, lon, lat, u, v, length=None) -> WalkGraph:
        """Graph from node coordinates and undirected edges (u, v[, length in m]).

        Self-loops are dropped; of parallel edges the shortest is kept. Without ``length``
        an edge is the great-circle distance between its end nodes."""
        lon = np.ascontiguousarray(lon, dtype=np.float64)
        lat = np.ascontiguousarray(lat, dtype=np.float64)
        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        w = haversine_m(lon[u], lat[u], lon[v], lat[v]) if length is None else np.asarray(length, np.float64)
        keep = u != v
        u, v, w = u[keep], v[keep], w[keep]
        n = len(lon)
        # Shortest of parallel edges: sort by the pair's key, take the minimum of each run.
        key = np.minimum(u, v) * n + np.maximum(u, v)
        order = np.argsort(key)
        key, w = key[order], w[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, np.int64)
        w = np.minimum.reduceat(w, starts) if len(key) else w
        key = key[starts]
        a, b = key // max(n, 1), key % max(n, 1)
        return cls._from_pairs(lon, lat, np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([w, w]))

    @classmethod
    def _from_pairs(cls, lon, lat, src, dst, w) -> WalkGraph:
        n = len(lon)
        order = np.argsort(src, kind="stable")  # rows in order; within a row, any order will do
        counts = np.bincount(src, minlength=n)
        indptr = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(counts, out=indptr[1:])
        return cls(lon, lat, indptr, dst[order].astype(np.int32), np.ascontiguousarray(w[order], dtype=np.float64))

    @classmethod
    def from_lines(cls, lines, *, max_segment_m: float | None = None, node_crossings: bool = False) -> WalkGraph:
        """Graph from polylines [(lon, lat), ...]: points with equal coordinates (to 1e-7°)
        are one node, so lines crossing at a shared vertex connect. ``node_crossings`` also
        connects lines where they cross without a shared vertex (registered roads drawn
        end to end; not for OSM, where such crossings are bridges). ``max_segment_m``
        splits longer segments by interpolation, so that points near a road snap onto it."""
        if node_crossings:
            import shapely

            lines = [list(line) for line in lines if len(line) >= 2]
            if lines:
                noded = shapely.union_all(shapely.linestrings(lines) if len({len(x) for x in lines}) == 1
                                          else [shapely.LineString(x) for x in lines])
                parts = getattr(noded, "geoms", [noded])
                lines = [list(part.coords) for part in parts if part.geom_type == "LineString"]
        pts: list[tuple[float, float]] = []
        us: list[int] = []
        vs: list[int] = []
        for line in lines:
            coords = list(line)
            start = len(pts)
            expanded = [coords[0]] if coords else []
            for p, q in zip(coords, coords[1:], strict=False):
                if max_segment_m:
                    d = float(haversine_m(p[0], p[1], q[0], q[1]))
                    k = max(1, math.ceil(d / max_segment_m))
                    for i in range(1, k):
                        t = i / k
                        expanded.append((p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t))
                expanded.append(q)
            pts.extend(expanded)
            us.extend(range(start, len(pts) - 1))
            vs.extend(range(start + 1, len(pts)))
        xy = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        keys = np.round(xy * 1e7).astype(np.int64)
        uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        first = np.full(len(uniq), -1, dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(xy))[::-1]
        node_xy = xy[first]
        return cls.from_edges(node_xy[:, 0], node_xy[:, 1], inverse[np.asarray(us, dtype=np.int64)],
                              inverse[np.asarray(vs, dtype=np.int64)])

    # --- arrays in and out (stored by the platform as one .npz blob) -----------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"lon": self.lon, "lat": self.lat, "indptr": self.indptr, "indices": self.indices,
                "weights": self.weights}

    @classmethod
    def from_arrays(cls, arrays) -> WalkGraph:
        return cls(np.asarray(arrays["lon"], np.float64), np.asarray(arrays["lat"], np.float64),
                   np.asarray(arrays["indptr"], np.int32), np.asarray(arrays["indices"], np.int32),
                   np.asarray(arrays["weights"], np.float64))

    def csr(self) -> csr_matrix:
        n = self.n_nodes
        return csr_matrix((self.weights, self.indices, self.indptr), shape=(n, n), copy=False)

    # --- structure -------------------------------------------------------------------------
    def components(self) -> tuple[int, np.ndarray]:
        """(number of connected pieces, piece label per node)."""
        if self._components is None:
            n, labels = connected_components(self.csr(), directed=True, connection="weak")
            self._components = (int(n), labels.astype(np.int32))
        return self._components

    def _projection(self) -> tuple[float, float, float]:
        ref_lat = float(np.mean(self.lat)) if self.n_nodes else 0.0
        kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(ref_lat))
        ky = math.radians(1) * EARTH_RADIUS_M
        return ref_lat, kx, ky

    def project(self, lon, lat) -> np.ndarray:
        """Local equirectangular metres (good to well under 1% within a city)."""
        _ref, kx, ky = self._projection()
        return np.column_stack([np.asarray(lon, np.float64) * kx, np.asarray(lat, np.float64) * ky])

    def snap(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node of each point and the great-circle distance to it (m)."""
        lon = np.atleast_1d(np.asarray(lon, np.float64))
        lat = np.atleast_1d(np.asarray(lat, np.float64))
        if self._tree is None:
            # Unbalanced, non-compact: 2.5× faster to build, queries as fast.
            self._tree = cKDTree(self.project(self.lon, self.lat), balanced_tree=False, compact_nodes=False)
        if len(lon) == 0:
            return np.zeros(0, np.int64), np.zeros(0)
        _d, nodes = self._tree.query(self.project(lon, lat), k=1, workers=-1)
        nodes = np.asarray(nodes, dtype=np.int64)
        return nodes, haversine_m(lon, lat, self.lon[nodes], self.lat[nodes])


@dataclass
class Accessibility:
    """Walking distance from each point to the nearest facility of each category."""

    categories: list[str]
    distance_m: np.ndarray  # (points, categories); inf beyond the limit or unreachable
    unreachable: np.ndarray  # (points, categories) bool: no facility of it in the point's network piece
    snap_m: np.ndarray  # (points,) snap distance of each point
    limit_m: float
    stats: dict

    def minutes(self, speed_m_s: float = DEFAULT_SPEED_M_S) -> np.ndarray:
        return self.distance_m / speed_m_s / 60.0

    def within(self, minutes: float, speed_m_s: float = DEFAULT_SPEED_M_S) -> np.ndarray:
        return self.distance_m <= minutes * 60.0 * speed_m_s + 1e-9


def augmented_csr(graph: WalkGraph, sources: list[tuple[np.ndarray, np.ndarray]]) -> csr_matrix:
    """The graph plus one virtual node per source set (appended after the real nodes), with
    out-edges to the set's nodes weighted by their start offsets."""
    n = graph.n_nodes
    counts = np.array([len(nodes) for nodes, _ in sources], dtype=np.int64)
    indptr = np.concatenate([graph.indptr.astype(np.int64), graph.indptr[-1] + np.cumsum(counts)])
    extra_idx = [np.asarray(nodes, np.int32) for nodes, _ in sources]
    extra_w = [np.asarray(off, np.float64) for _, off in sources]
    indices = np.concatenate([graph.indices, *extra_idx]) if extra_idx else graph.indices
    weights = np.concatenate([graph.weights, *extra_w]) if extra_w else graph.weights
    m = n + len(sources)
    return csr_matrix((weights, indices.astype(np.int32), indptr.astype(np.int32)), shape=(m, m), copy=False)


def nearest_distances(graph: WalkGraph, sources: list[tuple[np.ndarray, np.ndarray]], limit_m: float,
                      at: np.ndarray | None = None) -> np.ndarray:
    """Network distance to the nearest source of each set (nodes, start offsets in m), inf
    beyond ``limit_m``: (len(sources), n_nodes), or only at the nodes ``at`` (so that memory
    stays one node array whatever the number of sets)."""
    n = graph.n_nodes
    width = n if at is None else len(at)
    out = np.full((len(sources), width), np.inf)
    if not sources:
        return out
    aug = augmented_csr(graph, sources)
    for k, (nodes, _off) in enumerate(sources):
        if len(nodes) == 0:
            continue
        dist = dijkstra(aug, directed=True, indices=[n + k], limit=limit_m, min_only=True)
        out[k] = dist[:n] if at is None else dist[at]
    return out


def accessibility(
    graph: WalkGraph,
    points_lon,
    points_lat,
    facilities: dict[str, tuple],
    *,
    limit_m: float,
) -> Accessibility:
    """For every point, walking distance (snap + network + facility snap) to the nearest
    facility of each category, up to ``limit_m``. ``facilities`` maps a category to
    (lons, lats) of its facilities. ``stats["seconds"]`` times the phases."""
    import time

    t0 = time.perf_counter()
    categories = list(facilities)
    p_nodes, p_snap = graph.snap(points_lon, points_lat)
    sources = []
    fac_nodes_all = []
    for cat in categories:
        lons, lats = facilities[cat]
        f_nodes, f_snap = graph.snap(lons, lats)
        sources.append((f_nodes, f_snap))
        fac_nodes_all.append(f_nodes)
    t1 = time.perf_counter()
    n_comp, labels = graph.components()
    t2 = time.perf_counter()
    # One search per category from the facility side (the graph is symmetric), read at the
    # points' nodes only.
    at_points = nearest_distances(graph, sources, limit_m, at=p_nodes)
    t3 = time.perf_counter()
    distance = at_points.T + p_snap[:, None] if len(p_nodes) else np.zeros((0, len(categories)))
    distance = np.where(distance <= limit_m, distance, np.inf)
    unreachable = np.zeros((len(p_nodes), len(categories)), dtype=bool)
    p_labels = labels[p_nodes] if len(p_nodes) else np.zeros(0, np.int32)
    for k, f_nodes in enumerate(fac_nodes_all):
        has = np.zeros(n_comp, dtype=bool)
        has[labels[f_nodes]] = True
        unreachable[:, k] = ~has[p_labels]
    sizes = np.bincount(labels, minlength=n_comp)
    t4 = time.perf_counter()
    stats = {
        "nodes": graph.n_nodes,
        "edges": graph.n_edges,
        "components": n_comp,
        "largest_component_nodes": int(sizes.max()) if n_comp else 0,
        "points": int(len(p_nodes)),
        "points_outside_largest_component": int((p_labels != int(np.argmax(sizes))).sum()) if n_comp else 0,
        "max_snap_m": float(p_snap.max()) if len(p_snap) else 0.0,
        "unreachable": {cat: int(unreachable[:, k].sum()) for k, cat in enumerate(categories)},
        "seconds": {"snap": round(t1 - t0, 4), "components": round(t2 - t1, 4), "queries": round(t3 - t2, 4),
                    "points": round(t4 - t3, 4)},
    }
    return Accessibility(categories, distance, unreachable, p_snap, limit_m, stats)


def best_new_site(
    candidate_nodes: np.ndarray,
    graph: WalkGraph,
    point_nodes: np.ndarray,
    point_snap: np.ndarray,
    weights: np.ndarray,
    uncovered: np.ndarray,
    limit_m: float,
    candidate_snap: np.ndarray | None = None,
) -> tuple[int, float, np.ndarray]:
    """The candidate node that would bring the most weight (households) of uncovered points
    within ``limit_m`` (exact for one site: every candidate is evaluated). Returns (index into
    candidates, weight gained, mask of points it covers); (-1, 0, empty) without candidates.

    One bounded search from all uncovered points at once is not enough (coverage is per
    point), so each uncovered point's reach is searched once, bounded by its remaining
    budget, and credited to every candidate inside it."""
    candidate_nodes = np.asarray(candidate_nodes, np.int64)
    c_snap = np.zeros(len(candidate_nodes)) if candidate_snap is None else np.asarray(candidate_snap, np.float64)
    if len(candidate_nodes) == 0:
        return -1, 0.0, np.zeros(len(point_nodes), dtype=bool)
    gain = np.zeros(len(candidate_nodes))
    idx = np.flatnonzero(uncovered & (point_snap <= limit_m))
    covers: dict[int, list[int]] = {}
    csr = graph.csr()
    # One bounded search per distinct node (budget of its closest point), checked per point.
    by_node: dict[int, list[int]] = {}
    for i in idx:
        by_node.setdefault(int(point_nodes[i]), []).append(int(i))
    for node, members in by_node.items():
        budget = limit_m - float(point_snap[members].min())
        dist = dijkstra(csr, directed=True, indices=node, limit=budget)[candidate_nodes]
        for i in members:
            reached = np.flatnonzero(dist + c_snap + point_snap[i] <= limit_m)
            gain[reached] += weights[i]
            for c in reached:
                covers.setdefault(int(c), []).append(i)
    best = int(np.argmax(gain))
    mask = np.zeros(len(point_nodes), dtype=bool)
    mask[covers.get(best, [])] = True
    return best, float(gain[best]), mask
