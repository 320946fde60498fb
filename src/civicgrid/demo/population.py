"""The demo district's population, components and organisations.

People come in as a resident ledger through the real import path (``registry.ledger``:
the same checks, encryption, blind indexes and bulk writer a street office uses), in
ledgers of at most 100,000 rows, each written in its own transaction. Households of 1–6,
ages by census-like bands (60+ ≈ 19 %), ~5 % floating population, service-group tags, and
a few special-group records (encrypted) added through the register's actions.
"""

from __future__ import annotations

import csv
import io
import random

from django.db import transaction

from civicgrid.areas.models import Area
from civicgrid.core import audit
from civicgrid.core.idnumber import make_uscc
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions, ledger
from civicgrid.registry.models import (
    Building,
    Component,
    ComponentClass,
    Organisation,
    Person,
    SpecialGroupRecord,
)

from .ledgers import people_ledger
from .names import mobile, person_name

CHUNK = 100_000
SPECIAL_SHARE = 0.003  # special-group records per adult
COMPONENT_CLASSES = ("雨水井盖", "污水井盖", "路灯", "消防栓", "垃圾箱", "行道树", "公交站亭", "邮筒")
ORG_NAMES = ("超市", "药房", "物业服务中心", "幼儿园", "社区卫生服务站", "餐饮店", "快递驿站", "养老服务中心")


def load_population(seed: int = 1, people: int | None = None, *, progress=print) -> int:
    """People for the demo's buildings (``people`` overrides the sum of their residents)."""
    addresses = list(Building.objects.exclude(area_code="").order_by("id").values_list("address", "residents"))
    if not addresses:
        return 0
    total = people if people is not None else sum(r for _a, r in addresses)
    # a household picks its building in proportion to the building's residents
    weighted = [a for a, r in addresses for _ in range(max(1, r // 50))]
    written = 0
    for n, start in enumerate(range(0, total, CHUNK)):
        size = min(CHUNK, total - start)
        sample = people_ledger(weighted, size, bad_share=0, seed=seed * 1000 + n, id_offset=n * 7)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(sample.header)
        writer.writerows(sample.rows)
        checked = ledger.check_ledger(buffer.getvalue().encode(), "demo.csv", "people", SYSTEM)
        with transaction.atomic():
            written += ledger.write_ledger(checked, SYSTEM)
        progress(f"people: {written:,} of {total:,} ({len(checked.rejected)} rows skipped: ID number already registered)")
    _special_records(seed)
    audit.record("demo.population", actor=SYSTEM, object_type="registry.person", detail={"people": written})
    return written


def _special_records(seed: int) -> None:
    rng = random.Random(seed)
    adults = list(Person.objects.filter(birth_date__year__lte=2006).order_by("id").values_list("id", flat=True))
    groups = SpecialGroupRecord.Group.values
    for pk in rng.sample(adults, min(len(adults), max(1, int(len(adults) * SPECIAL_SHARE)))):
        actions.do_add_special_record(Person.objects.get(pk=pk), actor=SYSTEM, group=rng.choice(groups),
                                      note="演示数据", officer=person_name(rng))


def load_components_and_organisations(seed: int = 1, *, progress=print) -> None:
    rng = random.Random(seed)
    if not ComponentClass.objects.exists():  # a database flushed after its migrations (tests)
        from civicgrid.registry.catalogues import seed_catalogues
        from civicgrid.registry.models import InfoClass, InfoItem

        seed_catalogues(ComponentClass, InfoClass, InfoItem)
    classes = list(ComponentClass.objects.filter(name__in=COMPONENT_CLASSES))
    states = ["intact"] * 17 + ["damaged", "missing", "occupied"]
    grids = list(Area.objects.filter(level=Area.Level.GRID).order_by("code"))
    for grid in grids:
        for _i in range(6):
            lon = rng.uniform(grid.min_lon, grid.max_lon)
            lat = rng.uniform(grid.min_lat, grid.max_lat)
            try:
                actions.do_create_component(actor=SYSTEM, cls=rng.choice(classes), lon=lon, lat=lat,
                                            owner_unit="区城管局", maintainer_unit="区市政养护中心",
                                            state=rng.choice(states))
            except actions.UserError:  # a bounding-box point outside the grid's polygon
                continue
    buildings = list(Building.objects.exclude(area_code="").order_by("id"))
    for n, building in enumerate(rng.sample(buildings, min(len(buildings), max(8, len(grids) * 2)))):
        kind = ("enterprise", "enterprise", "resident_unit", "social")[n % 4]
        values = {"kind": kind, "name": f"{building.address.split('号')[0]}号{rng.choice(ORG_NAMES)}",
                  "building": building, "contact_name": person_name(rng), "contact_phone": mobile(rng)}
        if kind == "enterprise":
            values["credit_code"] = make_uscc(f"91{building.area_code[:6]}MA{rng.randrange(10**7):07d}")
        if kind == "social":
            values["social_status"] = rng.choice(("registered", "filed"))
        try:
            actions.do_create_organisation(actor=SYSTEM, **values)
        except actions.UserError:
            continue
    for grid in grids[::4]:
        building = Building.objects.filter(area_code=grid.code).first()
        if building is not None:
            actions.do_create_organisation(actor=SYSTEM, kind="party", name=f"{grid.name}党支部", building=building,
                                           party_level="branch")
    progress(f"components: {Component.objects.count()}, organisations: {Organisation.objects.count()}")
