"""Stats fixtures: cases written straight into the two-district tree (the figures read only their
columns), and a period to count them in."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from civicgrid.cases.catalogue import ensure_catalogue
from civicgrid.cases.models import Case, CaseClass
from civicgrid.core import periods as P

PERIOD = P.parse("2026-05")
_serial = itertools.count(1)


def make_case(grid: str, *, dispatched: dt.datetime | None, closed: dt.datetime | None = None,
              on_time: bool | None = None, rating: int | None = None, rework: int = 0,
              status: str | None = None, reported: dt.datetime | None = None) -> Case:
    cls = CaseClass.objects.filter(active=True).order_by("code").first()
    n = next(_serial)
    reported = reported or (dispatched or PERIOD.start) - dt.timedelta(hours=2)
    return Case.objects.create(
        number=f"T{n:010d}", query_code=f"Q{n:09d}", channel=Case.Channel.PATROL, cls=cls, title="测试",
        description="测试", lon=120.01, lat=30.21, tier=Case.Tier.COMMUNITY, tier_code=grid[:12],
        status=status or (Case.Status.CLOSED if closed else Case.Status.HANDLING), reported_at=reported,
        dispatched_at=dispatched, closed_at=closed, closed_on_time=on_time if closed else None,
        rating=rating, rework_count=rework, area_code=grid)


@pytest.fixture
def case_catalogue(db):
    ensure_catalogue()
