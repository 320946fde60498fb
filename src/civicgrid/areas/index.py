"""Point → grid lookup with an in-process STRtree (网格定位).

The index is built from every grid boundary and rebuilt when the counter
``area_boundaries`` (bumped by every action that changes a boundary) differs
from the value the index was built from, so web workers and job consumers
pick up changes without a restart. A process reads that counter at most once
per ``CIVICGRID_GRID_INDEX_RECHECK_SECONDS`` (one SQL query would otherwise
cost 30× the lookup itself); its own boundary changes invalidate at once.
"""

from __future__ import annotations

import secrets
import threading
import time

import numpy as np
import shapely
from django.conf import settings
from shapely import STRtree

from civicgrid.core.models import Counter

from .geometry import parse_boundary
from .models import Area

BOUNDARY_COUNTER = "area_boundaries"


class GridIndex:
    """Grids by code, sorted, so that a point on a shared edge goes to the smaller code."""

    def __init__(self, codes: list[str], geometries: list) -> None:
        order = sorted(range(len(codes)), key=codes.__getitem__)
        self.codes = np.array([codes[i] for i in order], dtype=object)
        self.geometries = np.array([geometries[i] for i in order], dtype=object)
        self.tree = STRtree(self.geometries)

    @classmethod
    def from_db(cls) -> GridIndex:
        rows = Area.objects.filter(level=Area.Level.GRID, boundary__isnull=False).values_list("code", "boundary")
        codes, geoms = [], []
        for code, boundary in rows.iterator(chunk_size=2000):
            codes.append(code)
            geoms.append(parse_boundary(boundary))
        return cls(codes, geoms)

    def __len__(self) -> int:
        return len(self.codes)

    def lookup(self, lon: float, lat: float) -> str | None:
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self.codes[hits.min()] if len(hits) else None

    def lookup_many(self, lons, lats) -> np.ndarray:
        """Grid code for each point (None outside every grid), vectorised."""
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        points = shapely.points(lons, lats)
        point_idx, grid_idx = self.tree.query(points, predicate="intersects")
        best = np.full(len(points), len(self.codes), dtype=np.int64)
        # A point on an edge shared by two grids hits both; keep the smaller code.
        np.minimum.at(best, point_idx, grid_idx)
        codes = np.append(self.codes, None)
        return codes[best]


_lock = threading.Lock()
_state: dict = {"version": None, "index": None, "checked_at": float("-inf")}


def boundary_version() -> int:
    return Counter.objects.filter(name=BOUNDARY_COUNTER).values_list("value", flat=True).first() or 0


def bump_boundary_version() -> None:
    """Call inside the transaction that changes a boundary.

    The new value is random rather than +1, so that a database restored from a
    backup (or a rolled-back test) never matches a stale in-memory index by accident.
    """
    Counter.objects.update_or_create(name=BOUNDARY_COUNTER, defaults={"value": secrets.randbits(62)})
    invalidate()


def invalidate() -> None:
    """Make this process's next lookup ask the database for the boundary version."""
    _state["checked_at"] = float("-inf")


def grid_index() -> GridIndex:
    now = time.monotonic()
    index = _state["index"]
    if index is not None and now - _state["checked_at"] < settings.CIVICGRID_GRID_INDEX_RECHECK_SECONDS:
        return index
    version = boundary_version()
    with _lock:
        if _state["index"] is None or _state["version"] != version:
            _state["index"] = GridIndex.from_db()
            _state["version"] = version
        _state["checked_at"] = now
        return _state["index"]


def locate(lon: float, lat: float) -> str | None:
    """Code of the grid containing the point, or None."""
    return grid_index().lookup(lon, lat)


def locate_many(lons, lats) -> np.ndarray:
    return grid_index().lookup_many(lons, lats)
