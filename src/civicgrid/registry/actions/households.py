"""Households (户): create, join, leave, with the history of each person."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.core import audit
from civicgrid.core.errors import Conflict, UserError
from civicgrid.core.models import next_serial
from civicgrid.core.scoping import ensure_in_scope
from civicgrid.registry.capabilities import REGISTRY_EDIT

from ..models import (
    Building,
    House,
    Household,
    Person,
    PersonEvent,
)
from .common import (
    check_version,
    event,
    grid_of,
    lock,
)


# --- households ---------------------------------------------------------------------------------
def do_create_household(
    *, actor, head: Person, number: str = "", building: Building | None = None, house: House | None = None,
) -> Household:
    """A new household with ``head`` as its head (and first member)."""
    with transaction.atomic():
        head = lock(head)
        ensure_in_scope(actor, head.area_code, REGISTRY_EDIT)
        if head.status != Person.Status.ACTIVE:
            raise Conflict(_("head: this person is no longer registered as living here."), field="head")
        building = building or head.building
        house = house or head.house
        _b, _h, area_code = grid_of(building=building, house=house, grid_code=head.area_code)
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
            leave_household(head, actor)
        head.household, head.relation = household, "户主"
        head.version += 1
        head.save(update_fields=["household", "relation", "version", "updated_at"])
        event(head, PersonEvent.Kind.JOINED, actor, to_household=household.number, note="户主")
        audit.record("registry.household.create", actor=actor, obj=household)
    return household


def leave_household(person: Person, actor, note: str = "") -> None:
    household = Household.objects.select_for_update().get(pk=person.household_id)
    event(person, PersonEvent.Kind.LEFT, actor, from_household=household.number, note=note)
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
        locked = lock(person)
        target = lock(household)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        ensure_in_scope(actor, target.area_code, REGISTRY_EDIT)
        check_version(locked, expected_version,
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
            leave_household(locked, actor)
        locked.household, locked.relation = target, relation
        locked.version += 1
        locked.save()
        event(locked, PersonEvent.Kind.JOINED, actor, from_household=old, to_household=target.number)
        audit.record("registry.household.join", actor=actor, obj=locked, detail={"household": target.number})
    return locked


def do_leave_household(person: Person, *, actor, note: str = "") -> Person:
    with transaction.atomic():
        locked = lock(person)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        if locked.household_id is None:
            return locked
        leave_household(locked, actor, note=note)
        locked.version += 1
        locked.save()
        audit.record("registry.household.leave", actor=actor, obj=locked)
    return locked


