"""What the register's actions share: field checks, the grid of a place, locks and history."""

from __future__ import annotations

from django.utils.translation import gettext as _

from civicgrid.areas.models import Area
from civicgrid.core.errors import Conflict, UserError
from civicgrid.core.scoping import in_scope
from civicgrid.core.workflow import lock_row

from ..models import Building, House, Person, PersonEvent, PersonTag
from ..rules import PERSON_FLOW


# --- helpers ---------------------------------------------------------------------------------
def raise_errors(errors: dict[str, str]) -> None:
    """Every problem found at once: the message names them all, ``errors`` holds each by its field."""
    if errors:
        field_name = next(iter(errors))
        raise UserError(" ".join(errors.values()), field=field_name, errors=errors)


def grid_of(*, building: Building | None, house: House | None, grid_code: str | None) -> tuple:
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


def reject_unknown(changes: dict, allowed) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise UserError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})


def check_version(obj, expected_version: int | None, message) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(message, field="version")


def lock(obj, expected_version: int | None = None, stale=None):
    """The row locked for the change, its version checked (``core.workflow.lock_row``)."""
    return lock_row(obj, expected_version, stale=stale)


def duplicate_id_message(actor, existing_code: str) -> str:
    if in_scope(actor, existing_code):
        return _("id_number: a person with this ID number is already registered (grid %(code)s).") % {
            "code": existing_code}
    return _("id_number: a person with this ID number is already registered outside your jurisdiction.")


def event(person: Person, kind: str, actor, **fields) -> PersonEvent:
    """A row of the person's history (``PERSON_FLOW``'s history: who, when, where, what changed)."""
    return PERSON_FLOW.record(person, kind, actor=actor, **fields)


def set_tags(person: Person, tags: list[str]) -> bool:
    current = set(person.tags.values_list("tag", flat=True))
    wanted = set(tags)
    if current == wanted:
        return False
    person.tags.filter(tag__in=current - wanted).delete()
    PersonTag.objects.bulk_create(
        [PersonTag(person=person, tag=t, area_code=person.area_code) for t in sorted(wanted - current)]
    )
    return True


