"""The area tree's indicator for the dashboards (``stats``): grids within the sizing rules
(``sizing``: urban 300–500 households or 1,000–1,500 people, rural about 500 people within 3 km).
A figure of the tree as it stands (``stock``); defined in ``docs/stats.md``."""

from __future__ import annotations

from .models import Area
from .sizing import check_area_size


def grid_sizing(prefix: str, period) -> dict:
    """{grid code: (1 if it keeps its sizing rule else 0, 1)} for the grids under ``prefix``."""
    out = {}
    for area in Area.objects.filter(level=Area.Level.GRID, code__startswith=prefix).iterator(500):
        result = check_area_size(area)
        if result is not None:
            out[area.code] = (1.0 if result.ok else 0.0, 1.0)
    return out
