"""Places (地): buildings (their grid from their position), houses and tenancies (以房管人), roads."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.areas.index import locate, locate_many
from civicgrid.core import audit
from civicgrid.core.errors import Conflict, UserError
from civicgrid.core.position import valid_position
from civicgrid.core.scoping import ensure_in_scope
from civicgrid.registry.capabilities import REGISTRY_EDIT

from ..models import (
    Building,
    House,
    Person,
    Road,
    Tenancy,
)
from .common import (
    lock,
)


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


# --- places ------------------------------------------------------------------------------------------
def do_create_building(*, actor, address: str, lon: float, lat: float, name: str = "", floors: int = 1,
                       units: int = 1) -> Building:
    address = (address or "").strip()
    if not address or len(address) > 200:
        raise UserError(_("address is required (at most 200 characters)."), field="address")
    lon, lat = valid_position(lon, lat)
    code = locate(lon, lat)
    if code is None:
        raise UserError(_("%(address)s lies outside every grid.") % {"address": address}, field="lon")
    ensure_in_scope(actor, code, REGISTRY_EDIT)
    with transaction.atomic():
        if Building.objects.filter(address=address).exists():
            raise Conflict(_("address: a building with this standard address exists already."), field="address")
        building = Building.objects.create(address=address, name=name, lon=lon, lat=lat, area_code=code,
                                           floors=floors, units=units)
        audit.record("registry.building.create", actor=actor, obj=building)
    return building


def do_create_house(building: Building, *, actor, unit: int, floor: int, number: str, use: str = House.Use.OWN,
                    landlord: Person | None = None, floor_area_m2=None) -> House:
    number = (number or "").strip()
    if not number or len(number) > 20:
        raise UserError(_("number is required (at most 20 characters)."), field="number")
    if use not in House.Use.values:
        raise UserError(_("use must be one of: %(values)s.") % {
            "values": "、".join(str(u.label) for u in House.Use)}, field="use")
    ensure_in_scope(actor, building.area_code, REGISTRY_EDIT)
    with transaction.atomic():
        if House.objects.filter(building=building, unit=unit, number=number).exists():
            raise Conflict(_("number: this room is registered already."), field="number")
        house = House.objects.create(building=building, unit=unit, floor=floor, number=number, use=use,
                                     landlord=landlord, floor_area_m2=floor_area_m2, area_code=building.area_code)
        audit.record("registry.house.create", actor=actor, obj=house)
    return house


def do_register_tenancy(house: House, tenant: Person, *, actor, start: dt.date, end: dt.date | None = None,
                        police_filed: bool = False) -> Tenancy:
    """Register a tenant in a rented house (以房管人); the house becomes 'rented out'."""
    if end is not None and end < start:
        raise UserError(_("end must not be before start."), field="end")
    with transaction.atomic():
        locked = lock(house)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        ensure_in_scope(actor, tenant.area_code, REGISTRY_EDIT)
        if locked.landlord_id == tenant.pk:
            raise UserError(_("tenant: the landlord cannot rent their own house."), field="tenant")
        tenancy = Tenancy.objects.create(house=locked, tenant=tenant, start=start, end=end,
                                         police_filed=police_filed, area_code=locked.area_code)
        if locked.use != House.Use.RENTED:
            locked.use = House.Use.RENTED
            locked.version += 1
            locked.save(update_fields=["use", "version"])
        audit.record("registry.tenancy.register", actor=actor, obj=locked, detail={"tenant": tenant.pk})
    return tenancy


def do_end_tenancy(tenancy: Tenancy, *, actor, end: dt.date) -> Tenancy:
    with transaction.atomic():
        locked = lock(tenancy)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        if end < locked.start:
            raise UserError(_("end must not be before start."), field="end")
        locked.end = end
        locked.save(update_fields=["end"])
        audit.record("registry.tenancy.end", actor=actor, obj=locked.house, detail={"tenant": locked.tenant_id})
    return locked




def do_recount_area_stats(*, actor=None, root_code: str = "") -> int:
    """Roll households and population up from registered buildings to grids and every level above."""
    from django.db.models import Sum

    from civicgrid.areas.actions import do_set_area_counts
    from civicgrid.areas.models import scope_code

    per_grid = {row["area_code"]: (row["h"] or 0, row["p"] or 0)
                for row in Building.objects.filter(area_code__startswith=scope_code(root_code)).values("area_code")
                .annotate(h=Sum("households"), p=Sum("residents"))}
    return do_set_area_counts(per_grid, actor=actor, root_code=root_code)
