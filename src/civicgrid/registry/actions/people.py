"""People (实有人口): register, update, move, leave; each change in the person's history."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from civicgrid.core import audit
from civicgrid.core.errors import Conflict, UserError
from civicgrid.core.scoping import ensure_in_scope
from civicgrid.registry.capabilities import REGISTRY_EDIT

from ..models import (
    Building,
    House,
    Household,
    Person,
    PersonEvent,
)
from ..people import PERSON_INPUT_FIELDS, prepare_person, prepare_tags
from ..rules import PERSON_FLOW
from .common import (
    check_version,
    duplicate_id_message,
    event,
    grid_of,
    lock,
    raise_errors,
    reject_unknown,
    set_tags,
)
from .households import leave_household


# --- people ----------------------------------------------------------------------------------
def do_register_person(
    *, actor, building: Building | None = None, house: House | None = None, grid_code: str | None = None,
    household: Household | None = None, tags=None, **data,
) -> Person:
    """Register a person in a building, house or grid of the actor's jurisdiction."""
    prepared = prepare_person(data)
    errors = dict(prepared.errors)
    tag_values = prepare_tags(tags, errors)
    raise_errors(errors)
    building, house, area_code = grid_of(building=building, house=house, grid_code=grid_code)
    ensure_in_scope(actor, area_code, REGISTRY_EDIT)
    values = prepared.values
    if not values.get("address"):
        values["address"] = str(house) if house else building.address if building else ""
    with transaction.atomic():
        if values.get("id_index"):
            existing = Person.objects.filter(id_index=values["id_index"]).values_list("area_code", flat=True).first()
            if existing is not None:
                raise Conflict(duplicate_id_message(actor, existing), field="id_number")
        if household is not None:
            household = lock(household)
            ensure_in_scope(actor, household.area_code, REGISTRY_EDIT)
        person = Person(building=building, house=house, area_code=area_code, household=household, **values)
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:
            raise Conflict(duplicate_id_message(actor, area_code), field="id_number")
        set_tags(person, tag_values)
        event(person, PersonEvent.Kind.REGISTERED, actor, from_status="", to_area_code=area_code,
               to_household=household.number if household else "")
        if household is not None:
            event(person, PersonEvent.Kind.JOINED, actor, to_household=household.number)
        ensure_in_scope(actor, person.area_code, REGISTRY_EDIT)
        audit.record("registry.person.register", actor=actor, obj=person)
    return person


def do_update_person(person: Person, *, actor, expected_version: int | None, tags=None, **data) -> Person:
    """Change a person's own fields (not where they live: see do_move_person)."""
    reject_unknown(data, PERSON_INPUT_FIELDS)
    with transaction.atomic():
        locked = lock(person)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        check_version(locked, expected_version,
                       _("Someone else changed this person meanwhile; reload and try again."))
        if "id_number" in data and "id_type" not in data:
            data["id_type"] = locked.id_type
        prepared = prepare_person(data, partial=True, current_id_type=locked.id_type)
        errors = dict(prepared.errors)
        tag_values = prepare_tags(tags, errors) if tags is not None else None
        raise_errors(errors)
        values = prepared.values
        if values.get("id_index") and values["id_index"] != locked.id_index:
            existing = (Person.objects.filter(id_index=values["id_index"]).exclude(pk=locked.pk)
                        .values_list("area_code", flat=True).first())
            if existing is not None:
                raise Conflict(duplicate_id_message(actor, existing), field="id_number")
        changed = [k for k, val in values.items()
                   if getattr(locked, k) != val and k not in {"id_enc", "phone_enc"}]
        if "id_index" in changed or "phone_index" in changed:
            changed = [k for k in changed if not k.endswith("_index")] + (
                ["id_number"] if "id_index" in changed else []) + (["phone"] if "phone_index" in changed else [])
        for key, val in values.items():
            setattr(locked, key, val)
        tags_changed = set_tags(locked, tag_values) if tag_values is not None else False
        if not changed and not tags_changed:
            return locked
        locked.version += 1
        locked.save()
        visible_changes = sorted({c for c in changed if c not in {"name_initials", "name_pinyin", "id_masked",
                                                                  "phone_masked", "phone_tail"}})
        if visible_changes:
            event(locked, PersonEvent.Kind.UPDATED, actor, changed=visible_changes)
        if tags_changed:
            event(locked, PersonEvent.Kind.TAGS, actor, changed=sorted(tag_values))
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        audit.record("registry.person.update", actor=actor, obj=locked,
                     detail={"fields": visible_changes, "tags": tags_changed})
    return locked


def do_move_person(
    person: Person, *, actor, expected_version: int | None = None, building: Building | None = None,
    house: House | None = None, grid_code: str | None = None, note: str = "",
) -> Person:
    """Move a person to another building/house/grid of the actor's jurisdiction (history kept)."""
    new_building, new_house, new_code = grid_of(building=building, house=house, grid_code=grid_code)
    with transaction.atomic():
        locked = lock(person)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        ensure_in_scope(actor, new_code, REGISTRY_EDIT)
        check_version(locked, expected_version,
                       _("Someone else changed this person meanwhile; reload and try again."))
        old_code = locked.area_code
        locked.building, locked.house, locked.area_code = new_building, new_house, new_code
        locked.address = str(new_house) if new_house else new_building.address if new_building else ""
        locked.tags.update(area_code=new_code)
        locked.special_records.update(area_code=new_code)
        PERSON_FLOW.advance(locked, "move", actor=actor, fields=["building", "house", "area_code", "address"],
                            from_area_code=old_code, to_area_code=new_code, note=note,
                            detail={"from": old_code, "to": new_code})
    return locked


def do_person_leaves(person: Person, *, actor, reason: str, expected_version: int | None = None,
                     note: str = "") -> Person:
    """A person moves out of the jurisdiction or dies: the record stays, with its history."""
    if reason not in (Person.Status.MOVED_OUT, Person.Status.DECEASED):
        raise UserError(_("Reason: moved out or deceased."), field="reason")
    with transaction.atomic():
        locked = lock(person)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        check_version(locked, expected_version,
                       _("Someone else changed this person meanwhile; reload and try again."))
        PERSON_FLOW.require(actor, locked, reason)
        old_household = locked.household
        if old_household is not None:
            leave_household(locked, actor, note=note)
        PERSON_FLOW.advance(locked, reason, actor=actor, fields=["household", "relation"],
                            from_area_code=locked.area_code, note=note)
    return locked


