"""Writes to the register: every change to people, households, places, components and
organisations goes through a ``do_*`` function here (one transaction, row lock and version
check for updates, an audit row, the scope checked before and after).

A place's grid is always derived from its coordinates; a person's from their building
(or, with no building yet, a grid chosen within the actor's jurisdiction).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.areas.index import locate, locate_many
from civicgrid.areas.models import Area
from civicgrid.core import audit, crypto
from civicgrid.core.access import require_capability
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.idnumber import InvalidIdentifier, normalise_phone, validate_uscc
from civicgrid.core.models import next_serial
from civicgrid.core.scoping import ensure_in_scope, in_scope
from civicgrid.registry.capabilities import REGISTRY_EDIT, REGISTRY_IMPORT, REGISTRY_SPECIAL

from . import ledger
from .models import (
    Building,
    Component,
    ComponentClass,
    House,
    Household,
    ImportBatch,
    Organisation,
    Person,
    PersonEvent,
    PersonTag,
    Road,
    SpecialGroupRecord,
    Tenancy,
)
from .people import PERSON_INPUT_FIELDS, SPECIAL_CONTEXT, prepare_person, prepare_tags, seal_special_record


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


# --- helpers ---------------------------------------------------------------------------------
def _actor_name(actor) -> str:
    return actor.get_username() if actor is not None and getattr(actor, "is_authenticated", False) else ""


def _raise_errors(errors: dict[str, str]) -> None:
    if errors:
        field_name = next(iter(errors))
        raise UserError(" ".join(errors.values()), field=field_name)


def _grid_of(*, building: Building | None, house: House | None, grid_code: str | None) -> tuple:
    """(building, house, area_code) for a person or household; the house wins, then the building."""
    if house is not None:
        return house.building, house, house.area_code
    if building is not None:
        if not building.area_code:
            raise UserError(_("building: %(b)s lies outside every grid.") % {"b": building}, field="building")
        return building, None, building.area_code
    if grid_code:
        if not Area.objects.filter(code=grid_code, level=Area.Level.GRID).exists():
            raise UserError(_("grid: %(code)s is not a grid code.") % {"code": grid_code}, field="grid")
        return None, None, grid_code
    raise UserError(_("building: give the building (or, if it is not registered yet, the grid)."),
                    field="building")


def _reject_unknown(changes: dict, allowed) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise UserError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})


def _check_version(obj, expected_version: int | None, message: str) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(message)


def _duplicate_id_message(actor, existing_code: str) -> str:
    if in_scope(actor, existing_code):
        return _("id_number: a person with this ID number is already registered (grid %(code)s).") % {
            "code": existing_code}
    return _("id_number: a person with this ID number is already registered outside your jurisdiction.")


def _event(person: Person, kind: str, actor, **fields) -> PersonEvent:
    return PersonEvent.objects.create(person=person, kind=kind, actor_name=_actor_name(actor), **fields)


def _set_tags(person: Person, tags: list[str]) -> bool:
    current = set(person.tags.values_list("tag", flat=True))
    wanted = set(tags)
    if current == wanted:
        return False
    person.tags.filter(tag__in=current - wanted).delete()
    PersonTag.objects.bulk_create(
        [PersonTag(person=person, tag=t, area_code=person.area_code) for t in sorted(wanted - current)]
    )
    return True


# --- people ----------------------------------------------------------------------------------
def do_register_person(
    *, actor, building: Building | None = None, house: House | None = None, grid_code: str | None = None,
    household: Household | None = None, tags=None, **data,
) -> Person:
    """Register a person in a building, house or grid of the actor's jurisdiction."""
    prepared = prepare_person(data)
    errors = dict(prepared.errors)
    tag_values = prepare_tags(tags, errors)
    _raise_errors(errors)
    building, house, area_code = _grid_of(building=building, house=house, grid_code=grid_code)
    ensure_in_scope(actor, area_code, REGISTRY_EDIT)
    values = prepared.values
    if not values.get("address"):
        values["address"] = str(house) if house else building.address if building else ""
    with transaction.atomic():
        if values.get("id_index"):
            existing = Person.objects.filter(id_index=values["id_index"]).values_list("area_code", flat=True).first()
            if existing is not None:
                raise Conflict(_duplicate_id_message(actor, existing), field="id_number")
        if household is not None:
            household = Household.objects.select_for_update().get(pk=household.pk)
            ensure_in_scope(actor, household.area_code, REGISTRY_EDIT)
        person = Person(building=building, house=house, area_code=area_code, household=household, **values)
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            raise Conflict(_duplicate_id_message(actor, area_code), field="id_number")
        _set_tags(person, tag_values)
        _event(person, PersonEvent.Kind.REGISTERED, actor, to_area_code=area_code,
               to_household=household.number if household else "")
        if household is not None:
            _event(person, PersonEvent.Kind.JOINED, actor, to_household=household.number)
        ensure_in_scope(actor, person.area_code, REGISTRY_EDIT)
        audit.record("registry.person.register", actor=actor, obj=person)
    return person


def do_update_person(person: Person, *, actor, expected_version: int | None, tags=None, **data) -> Person:
    """Change a person's own fields (not where they live: see do_move_person)."""
    _reject_unknown(data, PERSON_INPUT_FIELDS)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        _check_version(locked, expected_version,
                       _("Someone else changed this person meanwhile; reload and try again."))
        if "id_number" in data and "id_type" not in data:
            data["id_type"] = locked.id_type
        prepared = prepare_person(data, partial=True, current_id_type=locked.id_type)
        errors = dict(prepared.errors)
        tag_values = prepare_tags(tags, errors) if tags is not None else None
        _raise_errors(errors)
        values = prepared.values
        if values.get("id_index") and values["id_index"] != locked.id_index:
            existing = (Person.objects.filter(id_index=values["id_index"]).exclude(pk=locked.pk)
                        .values_list("area_code", flat=True).first())
            if existing is not None:
                raise Conflict(_duplicate_id_message(actor, existing), field="id_number")
        changed = [k for k, val in values.items()
                   if getattr(locked, k) != val and k not in {"id_enc", "phone_enc"}]
        if "id_index" in changed or "phone_index" in changed:
            changed = [k for k in changed if not k.endswith("_index")] + (
                ["id_number"] if "id_index" in changed else []) + (["phone"] if "phone_index" in changed else [])
        for key, val in values.items():
            setattr(locked, key, val)
        tags_changed = _set_tags(locked, tag_values) if tag_values is not None else False
        if not changed and not tags_changed:
            return locked
        locked.version += 1
        locked.save()
        visible_changes = sorted({c for c in changed if c not in {"name_initials", "name_pinyin", "id_masked",
                                                                  "phone_masked", "phone_tail"}})
        if visible_changes:
            _event(locked, PersonEvent.Kind.UPDATED, actor, changed=visible_changes)
        if tags_changed:
            _event(locked, PersonEvent.Kind.TAGS, actor, changed=sorted(tag_values))
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        audit.record("registry.person.update", actor=actor, obj=locked,
                     detail={"fields": visible_changes, "tags": tags_changed})
    return locked


def do_move_person(
    person: Person, *, actor, expected_version: int | None = None, building: Building | None = None,
    house: House | None = None, grid_code: str | None = None, note: str = "",
) -> Person:
    """Move a person to another building/house/grid of the actor's jurisdiction (history kept)."""
    new_building, new_house, new_code = _grid_of(building=building, house=house, grid_code=grid_code)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        ensure_in_scope(actor, new_code, REGISTRY_EDIT)
        _check_version(locked, expected_version,
                       _("Someone else changed this person meanwhile; reload and try again."))
        old_code = locked.area_code
        locked.building, locked.house, locked.area_code = new_building, new_house, new_code
        locked.address = str(new_house) if new_house else new_building.address if new_building else ""
        locked.status = Person.Status.ACTIVE
        locked.version += 1
        locked.save()
        locked.tags.update(area_code=new_code)
        locked.special_records.update(area_code=new_code)
        _event(locked, PersonEvent.Kind.MOVED, actor, from_area_code=old_code, to_area_code=new_code, note=note)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        audit.record("registry.person.move", actor=actor, obj=locked, detail={"from": old_code, "to": new_code})
    return locked


def do_person_leaves(person: Person, *, actor, reason: str, expected_version: int | None = None,
                     note: str = "") -> Person:
    """A person moves out of the jurisdiction or dies: the record stays, with its history."""
    if reason not in (Person.Status.MOVED_OUT, Person.Status.DECEASED):
        raise UserError(_("reason must be moved_out or deceased."), field="reason")
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        _check_version(locked, expected_version,
                       _("Someone else changed this person meanwhile; reload and try again."))
        if locked.status != Person.Status.ACTIVE:
            raise Conflict(_("This person is no longer registered as living here."))
        old_household = locked.household
        if old_household is not None:
            _leave_household(locked, actor, note=note)
        locked.status = reason
        locked.version += 1
        locked.save()
        _event(locked, reason, actor, from_area_code=locked.area_code, note=note)
        audit.record(f"registry.person.{reason}", actor=actor, obj=locked)
    return locked


# --- households ---------------------------------------------------------------------------------
def do_create_household(
    *, actor, head: Person, number: str = "", building: Building | None = None, house: House | None = None,
) -> Household:
    """A new household with ``head`` as its head (and first member)."""
    with transaction.atomic():
        head = Person.objects.select_for_update().get(pk=head.pk)
        ensure_in_scope(actor, head.area_code, REGISTRY_EDIT)
        if head.status != Person.Status.ACTIVE:
            raise Conflict(_("head: this person is no longer registered as living here."), field="head")
        building = building or head.building
        house = house or head.house
        _b, _h, area_code = _grid_of(building=building, house=house, grid_code=head.area_code)
        ensure_in_scope(actor, area_code, REGISTRY_EDIT)
        number = (number or "").strip()
        if not number:
            number = f"{area_code}{next_serial(f'household:{area_code}'):05d}"
        elif len(number) > 30:
            raise UserError(_("number has at most 30 characters."), field="number")
        if Household.objects.filter(number=number).exists():
            raise Conflict(_("number: household %(n)s exists already.") % {"n": number}, field="number")
        household = Household.objects.create(
            number=number, head=head, building=building, house=house, area_code=area_code,
            address=str(house) if house else building.address if building else "",
        )
        if head.household_id is not None:
            _leave_household(head, actor)
        head.household, head.relation = household, "户主"
        head.version += 1
        head.save(update_fields=["household", "relation", "version", "updated_at"])
        _event(head, PersonEvent.Kind.JOINED, actor, to_household=household.number, note="户主")
        audit.record("registry.household.create", actor=actor, obj=household)
    return household


def _leave_household(person: Person, actor, note: str = "") -> None:
    household = Household.objects.select_for_update().get(pk=person.household_id)
    _event(person, PersonEvent.Kind.LEFT, actor, from_household=household.number, note=note)
    person.household = None
    person.relation = ""
    if household.head_id == person.pk:
        successor = household.members.exclude(pk=person.pk).filter(status=Person.Status.ACTIVE).order_by(
            "birth_date").first()
        household.head = successor
        household.dissolved = successor is None
        household.version += 1
        household.save(update_fields=["head", "dissolved", "version"])
        if successor is not None:
            Person.objects.filter(pk=successor.pk).update(relation="户主")


def do_join_household(person: Person, household: Household, *, actor, relation: str = "",
                      expected_version: int | None = None) -> Person:
    """Move a person into a household (leaving their old one, which keeps the history)."""
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        target = Household.objects.select_for_update().get(pk=household.pk)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        ensure_in_scope(actor, target.area_code, REGISTRY_EDIT)
        _check_version(locked, expected_version,
                       _("Someone else changed this person meanwhile; reload and try again."))
        if locked.status != Person.Status.ACTIVE:
            raise Conflict(_("This person is no longer registered as living here."))
        if target.dissolved:
            raise Conflict(_("household: this household is dissolved."), field="household")
        if locked.household_id == target.pk:
            return locked
        if len(relation) > 20:
            raise UserError(_("%(field)s has at most %(n)s characters.") % {"field": "relation", "n": 20},
                            field="relation")
        old = locked.household.number if locked.household_id else ""
        if locked.household_id is not None:
            _leave_household(locked, actor)
        locked.household, locked.relation = target, relation
        locked.version += 1
        locked.save()
        _event(locked, PersonEvent.Kind.JOINED, actor, from_household=old, to_household=target.number)
        audit.record("registry.household.join", actor=actor, obj=locked, detail={"household": target.number})
    return locked


def do_leave_household(person: Person, *, actor, note: str = "") -> Person:
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        if locked.household_id is None:
            return locked
        _leave_household(locked, actor, note=note)
        locked.version += 1
        locked.save()
        audit.record("registry.household.leave", actor=actor, obj=locked)
    return locked


# --- special groups -------------------------------------------------------------------------------
def do_add_special_record(person: Person, *, actor, group: str, note: str = "", since: dt.date | None = None,
                          officer: str = "") -> SpecialGroupRecord:
    if group not in SpecialGroupRecord.Group.values:
        raise UserError(_("group must be one of: %(values)s.") % {
            "values": "、".join(str(g.label) for g in SpecialGroupRecord.Group)}, field="group")
    if len(note) > 1000:
        raise UserError(_("%(field)s has at most %(n)s characters.") % {"field": "note", "n": 1000}, field="note")
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        ensure_in_scope(actor, locked.area_code, REGISTRY_SPECIAL)
        record = SpecialGroupRecord.objects.create(
            person=locked, area_code=locked.area_code,
            **seal_special_record(group, note=note, since=since, officer=officer),
        )
        # The audit row names the person and the record, never the group.
        audit.record("registry.special.add", actor=actor, object_type="registry.specialgrouprecord",
                     object_id=str(record.pk), area_code=locked.area_code, detail={"person": locked.pk})
    return record


def do_close_special_record(record: SpecialGroupRecord, *, actor, note: str = "") -> SpecialGroupRecord:
    with transaction.atomic():
        locked = SpecialGroupRecord.objects.select_for_update().get(pk=record.pk)
        ensure_in_scope(actor, locked.area_code, REGISTRY_SPECIAL)
        payload = json.loads(crypto.decrypt(locked.payload_enc, context=SPECIAL_CONTEXT))
        payload["until"] = timezone.localdate().isoformat()
        payload["closing_note"] = note
        locked.payload_enc = crypto.encrypt(json.dumps(payload, ensure_ascii=False), context=SPECIAL_CONTEXT)
        locked.active = False
        locked.save()
        audit.record("registry.special.close", actor=actor, object_type="registry.specialgrouprecord",
                     object_id=str(locked.pk), area_code=locked.area_code, detail={"person": locked.person_id})
    return locked


# --- places ------------------------------------------------------------------------------------------
def do_create_building(*, actor, address: str, lon: float, lat: float, name: str = "", floors: int = 1,
                       units: int = 1) -> Building:
    address = (address or "").strip()
    if not address or len(address) > 200:
        raise UserError(_("address is required (at most 200 characters)."), field="address")
    _check_lon_lat(lon, lat)
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


def _check_lon_lat(lon, lat) -> None:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise UserError(_("lon and lat must be numbers (degrees, WGS 84)."), field="lon")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise UserError(_("lon must lie in −180…180 and lat in −90…90."), field="lon")


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
        locked = House.objects.select_for_update().get(pk=house.pk)
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
        locked = Tenancy.objects.select_for_update().get(pk=tenancy.pk)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        if end < locked.start:
            raise UserError(_("end must not be before start."), field="end")
        locked.end = end
        locked.save(update_fields=["end"])
        audit.record("registry.tenancy.end", actor=actor, obj=locked.house, detail={"tenant": locked.tenant_id})
    return locked


# --- components -------------------------------------------------------------------------------------
def do_create_component(*, actor, cls: ComponentClass, lon: float, lat: float, name: str = "",
                        owner_unit: str = "", maintainer_unit: str = "", state: str = Component.State.INTACT,
                        note: str = "") -> Component:
    """A component gets its 16-digit code: district 6 + class 4 + serial 6 within district and class."""
    _check_lon_lat(lon, lat)
    if state not in Component.State.values:
        raise UserError(_("state must be one of: %(values)s.") % {
            "values": "、".join(str(s) for s in Component.State.labels)}, field="state")
    code = locate(lon, lat)
    if code is None:
        raise UserError(_("The position lies outside every grid."), field="lon")
    ensure_in_scope(actor, code, REGISTRY_EDIT)
    with transaction.atomic():
        serial = next_serial(f"component:{code[:6]}{cls.code}")
        if serial > 999_999:
            raise Conflict(_("The serial numbers of this class in this district are used up."))
        component = Component.objects.create(
            code=f"{code[:6]}{cls.code}{serial:06d}", cls=cls, name=name, lon=lon, lat=lat, area_code=code,
            owner_unit=owner_unit, maintainer_unit=maintainer_unit, state=state, note=note,
        )
        audit.record("registry.component.create", actor=actor, obj=component)
    return component


def do_update_component(component: Component, *, actor, expected_version: int | None, **changes) -> Component:
    allowed = {"name", "state", "owner_unit", "maintainer_unit", "note", "lon", "lat"}
    _reject_unknown(changes, allowed)
    if "state" in changes and changes["state"] not in Component.State.values:
        raise UserError(_("state must be one of: %(values)s.") % {
            "values": "、".join(str(s) for s in Component.State.labels)}, field="state")
    with transaction.atomic():
        locked = Component.objects.select_for_update().get(pk=component.pk)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        _check_version(locked, expected_version,
                       _("Someone else changed this component meanwhile; reload and try again."))
        before = {k: getattr(locked, k) for k in changes}
        for key, value in changes.items():
            setattr(locked, key, value)
        if "lon" in changes or "lat" in changes:
            _check_lon_lat(locked.lon, locked.lat)
            code = locate(locked.lon, locked.lat)
            if code is None:
                raise UserError(_("The position lies outside every grid."), field="lon")
            locked.area_code = code  # the code keeps its district and serial: it is an identifier
        locked.version += 1
        locked.save()
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        audit.record("registry.component.update", actor=actor, obj=locked,
                     detail={"before": {k: str(v) for k, v in before.items()}})
    return locked


# --- organisations -------------------------------------------------------------------------------------
ORGANISATION_FIELDS = {"kind", "name", "credit_code", "social_status", "party_level", "parent", "address",
                       "building", "lon", "lat", "contact_name", "contact_phone", "employees"}


def _prepare_organisation(values: dict) -> dict:
    errors = {}
    if "name" in values:
        values["name"] = (values.get("name") or "").strip()
        if not values["name"] or len(values["name"]) > 150:
            errors["name"] = _("name is required (at most 150 characters).")
    if "kind" in values and values["kind"] not in Organisation.Kind.values:
        errors["kind"] = _("kind must be one of: %(values)s.") % {
            "values": "、".join(str(k) for k in Organisation.Kind.labels)}
    if values.get("credit_code"):
        try:
            values["credit_code"] = validate_uscc(values["credit_code"])
        except InvalidIdentifier as exc:
            errors["credit_code"] = f"credit_code: {exc}"
    if values.get("contact_phone"):
        try:
            values["contact_phone"] = normalise_phone(values["contact_phone"])
        except InvalidIdentifier as exc:
            errors["contact_phone"] = f"contact_phone: {exc}"
    kind = values.get("kind")
    if kind == Organisation.Kind.SOCIAL and not values.get("social_status"):
        errors["social_status"] = _("social_status: a social organisation is registered or filed.")
    if kind == Organisation.Kind.PARTY and not values.get("party_level"):
        errors["party_level"] = _("party_level: give the level of the party organisation.")
    _raise_errors(errors)
    return values


def _organisation_area(values: dict) -> str:
    building = values.get("building")
    if building is not None:
        values.setdefault("lon", building.lon)
        values.setdefault("lat", building.lat)
        if not values.get("address"):
            values["address"] = building.address
        return building.area_code
    if values.get("lon") is None or values.get("lat") is None:
        raise UserError(_("building: give the building or the position (lon, lat)."), field="building")
    _check_lon_lat(values["lon"], values["lat"])
    code = locate(values["lon"], values["lat"])
    if code is None:
        raise UserError(_("The position lies outside every grid."), field="lon")
    return code


def do_create_organisation(*, actor, **values) -> Organisation:
    _reject_unknown(values, ORGANISATION_FIELDS)
    values = _prepare_organisation(dict(values, kind=values.get("kind", "")))
    area_code = _organisation_area(values)
    ensure_in_scope(actor, area_code, REGISTRY_EDIT)
    parent = values.get("parent")
    if parent is not None:
        ensure_in_scope(actor, parent.area_code, REGISTRY_EDIT)
    with transaction.atomic():
        if values.get("credit_code") and Organisation.objects.filter(credit_code=values["credit_code"]).exists():
            raise Conflict(_("credit_code: an organisation with this code is registered already."),
                           field="credit_code")
        organisation = Organisation.objects.create(area_code=area_code, **values)
        audit.record("registry.organisation.create", actor=actor, obj=organisation)
    return organisation


def do_update_organisation(organisation: Organisation, *, actor, expected_version: int | None,
                           **changes) -> Organisation:
    _reject_unknown(changes, ORGANISATION_FIELDS)
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        _check_version(locked, expected_version,
                       _("Someone else changed this organisation meanwhile; reload and try again."))
        merged = {f: getattr(locked, f) for f in ORGANISATION_FIELDS} | changes
        merged = _prepare_organisation(merged)
        if "building" in changes or "lon" in changes or "lat" in changes:
            if "building" not in changes:
                merged["building"] = None
            locked.area_code = _organisation_area(merged)
        if merged.get("credit_code") and Organisation.objects.filter(
                credit_code=merged["credit_code"]).exclude(pk=locked.pk).exists():
            raise Conflict(_("credit_code: an organisation with this code is registered already."),
                           field="credit_code")
        for key in changes:
            setattr(locked, key, merged[key])
        locked.version += 1
        locked.save()
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        audit.record("registry.organisation.update", actor=actor, obj=locked, detail={"fields": sorted(changes)})
    return locked


# --- ledger import ----------------------------------------------------------------------------
IMPORT_CONTEXT = "registry.import.file"


def _rejected_changed(batch: ImportBatch, checked) -> bool:
    return [r["row"] for r in batch.rejected] != [r.number for r in checked.rejected]


def _lock_previewed_batch(batch: ImportBatch, actor, not_owner: str) -> ImportBatch:
    """The batch, row-locked, if the actor uploaded it and it is still waiting for a decision."""
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.created_by_id != getattr(actor, "pk", None):
        raise NotPermitted(not_owner)
    if locked.status != ImportBatch.Status.PREVIEWED:
        raise Conflict(_("This ledger was already %(status)s.") % {"status": locked.get_status_display()})
    return locked


def do_preview_import(*, actor, data: bytes, filename: str, kind: str) -> ImportBatch:
    """Check a ledger file and keep it (encrypted) for the commit; nothing enters the register.

    A file that cannot be read at all raises UserError naming the problem.
    """
    require_capability(actor, REGISTRY_IMPORT)
    try:
        checked = ledger.check_ledger(data, filename, kind, actor)
    except ledger.LedgerError as exc:
        raise UserError(str(exc), field="file")
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=kind, filename=(filename or "")[-200:], sha256=hashlib.sha256(data).hexdigest(),
            created_by=actor if getattr(actor, "pk", None) else None, created_by_name=_actor_name(actor) or "system",
            total_rows=checked.total, accepted_rows=len(checked.accepted), rejected_rows=len(checked.rejected),
            rejected=checked.rejected_json(), warnings=[str(w) for w in checked.warnings],
            payload_enc=crypto.encrypt(base64.b64encode(data).decode("ascii"), context=IMPORT_CONTEXT),
        )
        audit.record("registry.import.preview", actor=actor, obj=batch, detail={
            "kind": kind, "rows": checked.total, "accepted": len(checked.accepted),
            "rejected": len(checked.rejected)})
    return batch


def do_commit_import(batch: ImportBatch, *, actor, progress=None) -> ImportBatch:
    """Write every accepted row of a previewed ledger, or nothing.

    The file is checked again inside the transaction; if the register changed so that other
    rows would now be rejected, nothing is written and the user is asked to preview again.
    """
    require_capability(actor, REGISTRY_IMPORT)
    try:
        return _commit_import(batch, actor, progress)
    except IntegrityError:
        # another import or registration took the same ID number after our check
        raise Conflict(_("The register changed while the ledger was being written; nothing was written. "
                         "Upload the file again to see the new preview."))


def _commit_import(batch: ImportBatch, actor, progress) -> ImportBatch:
    with transaction.atomic():
        locked = _lock_previewed_batch(batch, actor, _("Only the person who uploaded a ledger can write it."))
        data = base64.b64decode(crypto.decrypt(locked.payload_enc, context=IMPORT_CONTEXT))
        try:
            checked = ledger.check_ledger(data, locked.filename, locked.kind, actor)
        except ledger.LedgerError as exc:
            raise UserError(str(exc), field="file")
        if _rejected_changed(locked, checked):
            raise Conflict(_("The register changed since the preview: %(n)s rows would now be rejected "
                             "instead of %(m)s. Upload the file again to see the new preview.") % {
                "n": len(checked.rejected), "m": locked.rejected_rows})
        if not checked.accepted:
            raise UserError(_("No row of this ledger can be written."), field="file")
        written = ledger.write_ledger(checked, actor, progress)
        locked.status = ImportBatch.Status.COMMITTED
        locked.written_rows = written
        locked.payload_enc = ""  # the file is not kept once written
        locked.finished_at = timezone.now()
        locked.save()
        audit.record("registry.import.commit", actor=actor, obj=locked,
                     detail={"kind": locked.kind, "written": written, "rejected": locked.rejected_rows})
    return locked


def do_discard_import(batch: ImportBatch, *, actor) -> ImportBatch:
    with transaction.atomic():
        locked = _lock_previewed_batch(batch, actor, _("Only the person who uploaded a ledger can discard it."))
        locked.status = ImportBatch.Status.DISCARDED
        locked.payload_enc = ""
        locked.finished_at = timezone.now()
        locked.save()
        audit.record("registry.import.discard", actor=actor, obj=locked)
    return locked
