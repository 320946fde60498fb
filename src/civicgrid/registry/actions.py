"""Writes to the register. Grid membership is always derived from coordinates."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.areas.index import locate_many
from civicgrid.core import audit
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import ensure_in_scope

from .models import Building, Road


def do_bulk_create_buildings(rows: list[dict], *, actor=None, area_code: str = "") -> list[Building]:
    """Create buildings from dicts (address, lon, lat, floors, households, residents).

    The grid of each is looked up from its position; a building outside every
    grid is refused, as is one outside the actor's jurisdiction.
    """
    if not rows:
        return []
    codes = locate_many([r["lon"] for r in rows], [r["lat"] for r in rows])
    buildings = []
    for row, code in zip(rows, codes, strict=True):
        if code is None:
            raise UserError(_("%(address)s lies outside every grid.") % {"address": row["address"]}, field="lon")
        if actor is not None:
            ensure_in_scope(actor, code)
        buildings.append(Building(area_code=code, **row))
    with transaction.atomic():
        created = Building.objects.bulk_create(buildings, batch_size=2000)
        audit.record(
            "registry.buildings.bulk_create", actor=actor, object_type="registry.building", area_code=area_code,
            detail={"count": len(created)},
        )
    return created


def do_bulk_create_roads(rows: list[dict], *, actor=None, area_code: str) -> int:
    with transaction.atomic():
        Road.objects.bulk_create([Road(area_code=area_code, **row) for row in rows], batch_size=2000)
        audit.record("registry.roads.bulk_create", actor=actor, object_type="registry.road", area_code=area_code,
                     detail={"count": len(rows)})
    return len(rows)
