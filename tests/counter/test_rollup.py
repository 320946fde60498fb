"""The figures' daily roll-up kept by the actions equals the one rebuilt from the applications
(every action that changes a counted field added its difference), and the quantiles of a summed
histogram are the nearest-rank quantiles of the values."""

from __future__ import annotations

import io
import math

import pytest
from django.core.management import call_command

from civicgrid.counter import rollup
from civicgrid.counter.models import Application, FigureDay, FigureDays
from civicgrid.demo.counter import load_counter

from .conftest import make_person

pytestmark = pytest.mark.django_db


def _state():
    days = {}
    for row in FigureDay.objects.values():
        key = tuple(row[d] for d in rollup.DIMS)
        measures = {m: row[m] for m in rollup.MEASURES if row[m]}
        if measures:
            days[key] = measures
    hist = {tuple(r[d] for d in rollup.DIMS) + (r["work_days"],): r["n"] for r in FigureDays.objects.values() if r["n"]}
    return days, hist


def test_the_roll_up_kept_by_the_actions_equals_a_rebuild(tree):
    for i, grid in enumerate(sorted(c for c in tree if len(c) == 15 and c.startswith("330106"))):
        for k in range(3):
            make_person(grid=grid, name=f"居民{i}{k}", tags=["disabled"] if k == 0 else [], household=k != 2)
    stats = load_counter(3, root_code="330106", count=200, days=60, progress=lambda line: None)
    assert stats["decided"] > 50
    kept = _state()
    assert sum(m.get("received", 0) for m in kept[0].values()) == Application.objects.count()
    assert sum(kept[1].values()) == Application.objects.filter(decided_at__isnull=False).count()
    out = io.StringIO()
    call_command("counter", "rebuild-figures", stdout=out)  # civicgrid counter rebuild-figures
    assert "figure days" in out.getvalue()
    assert _state() == kept
    # a forward moves the application's contributions to the new department's group
    app = Application.objects.filter(decided_at__isnull=False).first()
    app.department = "other" if app.department != "other" else "health"
    app.save(update_fields=["department"])
    moved = _state()
    rollup.rebuild()
    assert _state() == moved


@pytest.mark.parametrize("values", [[3.0], [1.5, 0.2, 7.0, 7.0, 2.25], [float(v % 13) for v in range(101)]])
def test_quantiles_of_a_histogram_are_the_nearest_rank_quantiles(values):
    counts: dict[float, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    ordered = sorted(values)
    for q in (0.5, 0.9):
        assert rollup.nearest_rank(sorted(counts.items()), q) == ordered[max(1, math.ceil(q * len(ordered))) - 1]
    assert rollup.nearest_rank([], 0.5) is None
