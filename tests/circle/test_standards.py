"""Facility standards on the demo district, recomputed independently from the raw rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from civicgrid.accounts.models import User
from civicgrid.circle import queries
from civicgrid.circle.models import BuildingAccess, Facility, FacilityKind, WalkNetwork
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry.models import Building, Person

ROOMS_AND_CENTRES = {"committee_office", "reading_room", "police_room", "mediation_room", "health_room",
                     "service_centre", "party_centre", "activity_centre", "sports_centre", "culture_centre",
                     "daycare_centre"}


@pytest.fixture
def demo(db):
    call_command("demo", "--seed", "3", "--people", "2500")


class Raw:
    """Every row once, as plain Python objects: the recomputation uses no ORM aggregate."""

    def __init__(self, today: dt.date):
        self.buildings = list(Building.objects.all())
        self.facilities = list(Facility.objects.filter(active=True))
        self.access = list(BuildingAccess.objects.all())
        self.people = []
        for p in Person.objects.filter(status="active").prefetch_related("tags"):
            age = p.age(today)
            self.people.append((p.area_code, "elderly" in {t.tag for t in p.tags.all()} or (age is not None and age >= 60)))


def _independent(raw: Raw, code: str, per_100: float, limit: int = 15) -> dict:
    hh = sum(b.households for b in raw.buildings if b.area_code.startswith(code))
    facilities = [f for f in raw.facilities if f.area_code.startswith(code)]
    area = sum(float(f.area_m2 or 0) for f in facilities if f.kind in ROOMS_AND_CENTRES)
    stations = [float(f.area_m2) for f in facilities if f.kind == "service_centre" and f.level == "community"
                and f.area_m2 is not None]
    centres = [float(f.area_m2) for f in raw.facilities if f.kind == "service_centre" and f.level == "street"
               and f.area_code.startswith(code[:9]) and f.area_m2 is not None]
    beds = sum(f.capacity or 0 for f in facilities if f.kind == "daycare_centre")
    elderly = sum(1 for area_code, old in raw.people if old and area_code.startswith(code))
    shares = []
    for kind in FacilityKind.values:
        rows = [a for a in raw.access if a.kind == kind and a.area_code.startswith(code)]
        total = sum(a.households for a in rows)
        if total:
            shares.append(sum(a.households for a in rows if a.minutes is not None and a.minutes <= limit) / total)
    return {"households": hh, "service_area_m2": area, "required_area_m2": hh / 100 * per_100,
            "station_m2": max(stations) if stations else None, "street_centre_m2": max(centres) if centres else None,
            "beds": beds, "elderly": elderly, "required_beds": elderly * 30 / 1000,
            "coverage": sum(shares) / len(shares) if shares else None}


def test_standards_report_matches_an_independent_recomputation_on_the_demo(demo, client):
    today = dt.date(2026, 12, 1)
    assert WalkNetwork.objects.filter(area_code="330106").exists()
    assert BuildingAccess.objects.count() == Building.objects.filter(households__gt=0).count() * len(FacilityKind)
    raw = Raw(today)
    for level in ("community", "street"):
        for per_100 in (20.0, 30.0):
            report = queries.standards(SYSTEM, level=level, per_100=per_100, today=today)
            assert report["rows"]
            for row in report["rows"]:
                expected = _independent(raw, row["code"], per_100)
                for key, value in expected.items():
                    if value is None or isinstance(value, int):
                        assert row[key] == value, (row["code"], key)
                    else:
                        assert row[key] == pytest.approx(value), (row["code"], key)
                assert row["area_ok"] == (expected["service_area_m2"] >= expected["required_area_m2"])
                assert row["beds_ok"] == (expected["beds"] >= expected["required_beds"])
                assert row["coverage_ok"] == (expected["coverage"] >= 0.93)
    rows = queries.standards(SYSTEM, level="community", today=today)["rows"]
    # The demo is built to fail some standards, so that the report has something to show.
    assert not all(r["station_ok"] for r in rows) or not all(r["coverage_ok"] for r in rows)

    # A community worker sees the standards of their own community only (same demo, loaded once).
    worker = User.objects.get(username="sq_worker")
    code = worker.active_memberships()[0].area_code
    report = queries.standards(worker, level="community")
    assert [r["code"] for r in report["rows"]] == [code]
    assert queries.standards(worker, level="street")["rows"] == []
    client.force_login(worker)
    page = client.get("/circle/standards/")
    assert page.status_code == 200 and code in page.content.decode()
