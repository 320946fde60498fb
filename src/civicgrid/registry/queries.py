"""Reads of the register for a user, scoped by area code and capability.

Lists carry masked identifiers only. The full ID number or phone and special-group records
are returned only by ``reveal_identifiers`` and ``special_records``, which require their
capability in the person's area and a stated reason, and write an audit row per read.
"""

from __future__ import annotations

import json
import re

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from civicgrid.accounts.roles import REGISTRY_REVEAL, REGISTRY_SPECIAL, REGISTRY_VIEW
from civicgrid.core import audit, crypto
from civicgrid.core.access import not_found_or_denied
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import in_scope, restrict, scope_codes

from .models import (
    Building,
    Component,
    House,
    Household,
    Organisation,
    Person,
    Road,
    SpecialGroupRecord,
)
from .people import ID_CONTEXT, PHONE_CONTEXT, SPECIAL_CONTEXT, id_index, phone_index


# --- places and things (no personal data: the general `view` capability) ----------------------
def visible_buildings(user) -> QuerySet[Building]:
    return restrict(Building.objects.all(), user)


def access_building(user, pk) -> Building:
    building = Building.objects.filter(pk=pk).first()
    if building is None or not in_scope(user, building.area_code):
        not_found_or_denied(user, building)
    return building


def visible_roads(user):
    """Roads of the user's areas and of the areas above them: a road filed at district level
    crosses every street, and carries no personal data."""
    codes = scope_codes(user)
    if codes is None:
        return Road.objects.all()
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(area_code__startswith=code) | Q(area_code__in=[code[:n] for n in (6, 9, 12) if n < len(code)])
    return Road.objects.filter(q)


def visible_components(user) -> QuerySet[Component]:
    return restrict(Component.objects.select_related("cls"), user)


def access_component(user, code: str) -> Component:
    component = Component.objects.select_related("cls").filter(code=str(code)).first()
    if component is None or not in_scope(user, component.area_code):
        not_found_or_denied(user, component)
    return component


def visible_organisations(user) -> QuerySet[Organisation]:
    return restrict(Organisation.objects.all(), user)


def access_organisation(user, pk) -> Organisation:
    organisation = Organisation.objects.filter(pk=pk).first()
    if organisation is None or not in_scope(user, organisation.area_code):
        not_found_or_denied(user, organisation)
    return organisation


# --- people (REGISTRY_VIEW) ---------------------------------------------------------------------
def visible_people(user, *, include_left: bool = False) -> QuerySet[Person]:
    qs = restrict(Person.objects.select_related("household", "building"), user, capability=REGISTRY_VIEW)
    return qs if include_left else qs.filter(status=Person.Status.ACTIVE)


def access_person(user, pk) -> Person:
    person = Person.objects.select_related("household", "building", "house").filter(pk=pk).first()
    if person is None or not in_scope(user, person.area_code, REGISTRY_VIEW):
        not_found_or_denied(user, person)
    return person


def visible_households(user) -> QuerySet[Household]:
    return restrict(Household.objects.select_related("head", "building"), user, capability=REGISTRY_VIEW)


def access_household(user, pk) -> Household:
    household = Household.objects.select_related("head", "building").filter(pk=pk).first()
    if household is None or not in_scope(user, household.area_code, REGISTRY_VIEW):
        not_found_or_denied(user, household)
    return household


def visible_houses(user) -> QuerySet[House]:
    return restrict(House.objects.select_related("building", "landlord"), user, capability=REGISTRY_VIEW)


ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


def search_people(qs: QuerySet[Person], text: str) -> QuerySet[Person]:
    """Search as staff type: an exact ID number, a full phone or its last four digits,
    pinyin initials or pinyin (zw, zhangwei), or part of a name or address."""
    text = (text or "").strip()
    if not text:
        return qs
    if ID_LIKE.match(text):
        return qs.filter(id_index=id_index(text.upper()))
    digits = text.replace("-", "").replace(" ", "")
    if digits.isdigit():
        if len(digits) == 4:
            return qs.filter(phone_tail=digits)
        if len(digits) >= 7:
            return qs.filter(phone_index=phone_index(digits))
    if text.isascii() and text.isalpha():
        low = text.lower()
        return qs.filter(Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low))
    return qs.filter(Q(name__contains=text) | Q(address__contains=text))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise UserError(_("reason: say why you need to see this (it is recorded)."), field="reason")
    return reason[:200]


def reveal_identifiers(user, person: Person, *, reason: str) -> dict[str, str]:
    """The full ID number and phone of a person, for a role that may see them; audited."""
    reason = _require_reason(reason)
    if not in_scope(user, person.area_code, REGISTRY_REVEAL):
        not_found_or_denied(user, person, action="registry.person.reveal.denied")
    values = {
        "id_number": crypto.decrypt_optional(person.id_enc, context=ID_CONTEXT),
        "phone": crypto.decrypt_optional(person.phone_enc, context=PHONE_CONTEXT),
    }
    audit.record("registry.person.reveal", actor=user, obj=person, detail={"reason": reason})
    return values


def can_reveal(user, person: Person) -> bool:
    return in_scope(user, person.area_code, REGISTRY_REVEAL)


def can_see_special(user, person: Person) -> bool:
    return in_scope(user, person.area_code, REGISTRY_SPECIAL)


def special_records(user, person: Person, *, reason: str) -> list[dict]:
    """Special-group records of a person (decrypted), for roles granted them; 404 otherwise.

    Every read writes an audit row with the reason, whether or not there are records, so
    the log cannot be used to tell who has one.
    """
    reason = _require_reason(reason)
    if not in_scope(user, person.area_code, REGISTRY_SPECIAL):
        not_found_or_denied(user, person, action="registry.special.denied")
    records = []
    for record in SpecialGroupRecord.objects.filter(person=person).order_by("-active", "-created_at"):
        payload = json.loads(crypto.decrypt(record.payload_enc, context=SPECIAL_CONTEXT))
        group = payload.get("group", "")
        records.append({
            "id": record.pk, "group": group,
            "group_label": str(SpecialGroupRecord.Group(group).label) if group in SpecialGroupRecord.Group.values
            else group,
            "note": payload.get("note", ""), "since": payload.get("since", ""), "until": payload.get("until", ""),
            "officer": payload.get("officer", ""), "active": record.active,
        })
    audit.record("registry.special.read", actor=user, obj=person, detail={"reason": reason})
    return records
