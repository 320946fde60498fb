"""Acceptance 1: import ../shared/data/osm/poa_osm.pbf and compute coverage for ten kinds; the
stored results equal the engine run directly on the extract, and the command line prints the table."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from django.core.management import call_command

from civicgrid.circle import queries
from civicgrid.circle.engine import accessibility
from civicgrid.circle.models import BuildingAccess, Facility, FacilityKind
from civicgrid.circle.osm import read_extract
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry.models import Building

from .realdata import DISTRICT, POA, load_poa

pytestmark = pytest.mark.skipif(not POA.exists(), reason="../shared/data/osm/poa_osm.pbf is not here")


def test_porto_alegre_extract_coverage_for_ten_kinds(db):
    t0 = time.perf_counter()
    data = load_poa()
    elapsed = time.perf_counter() - t0
    summary, run = data["summary"], data["run"]
    assert summary["nodes"] == 38161 and summary["components"] == 67
    assert summary["created"] > 0 and summary["outside"] == 0
    assert len(data["kinds"]) == 10, data["kinds"]
    assert run.status == "done" and run.stats["points"] == 1500
    assert BuildingAccess.objects.count() == 1500 * len(FacilityKind)
    # The stored results are the engine's answer on the extract itself.
    extract = read_extract(str(POA))
    buildings = list(Building.objects.filter(area_code__startswith=DISTRICT).order_by("id"))
    facilities = {k: (np.array([f.lon for f in Facility.objects.filter(kind=k)]),
                      np.array([f.lat for f in Facility.objects.filter(kind=k)])) for k in data["kinds"]}
    direct = accessibility(extract.graph, [b.lon for b in buildings], [b.lat for b in buildings], facilities,
                           limit_m=1080.0)
    stored = {(a.building_id, a.kind): a for a in BuildingAccess.objects.filter(kind__in=data["kinds"])}
    differ = 0
    for i, b in enumerate(buildings):
        for k, kind in enumerate(data["kinds"]):
            d = direct.distance_m[i, k]
            a = stored[(b.pk, kind)]
            if np.isfinite(d) != (a.distance_m is not None) or (a.distance_m is not None and abs(a.distance_m - d) > 0.01):
                differ += 1
            differ += int(a.unreachable != bool(direct.unreachable[i, k]))
    assert differ == 0
    table = queries.coverage(SYSTEM, level="community", minutes=15, kinds=data["kinds"])
    assert len(table["rows"]) == 4
    assert table["total"]["households"] == sum(r["households"] for r in data["buildings"])
    assert 0 < table["total"]["overall"] < 1
    out = io.StringIO()
    call_command("circle", "coverage", "--level", "street", stdout=out)
    print(out.getvalue())  # shown with -s: the coverage table of acceptance 1
    lines = out.getvalue().strip().splitlines()
    assert lines[0].split("\t")[3:] == data["kinds"] and len(lines) == 4  # header, 2 streets, total
    print(f"recomputed in {elapsed:.1f} s")  # noqa: T201 - speed is measured in benchmarks/, not asserted here
    # Where to put the next pharmacy, over every network node of the district's grids.
    t1 = time.perf_counter()
    best = queries.suggest_site(SYSTEM, "pharmacy", minutes=15)
    print(f"next pharmacy: {best['households']:.0f} households from {best['candidates']} candidates in "
          f"{time.perf_counter() - t1:.2f} s")
    assert best["found"] and best["candidates"] > 30_000 and 0 < best["households"] <= best["uncovered_households"]
