"""Things and organisations (物、组织): city components with 16-digit codes, organisations."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.areas.index import locate, locate_many
from civicgrid.core import audit
from civicgrid.core.errors import Conflict, UserError
from civicgrid.core.idnumber import InvalidIdentifier, normalise_phone, validate_uscc
from civicgrid.core.models import next_serial
from civicgrid.core.position import valid_position
from civicgrid.core.scoping import ensure_in_scope
from civicgrid.registry.capabilities import REGISTRY_EDIT

from ..models import (
    Component,
    ComponentClass,
    Organisation,
)
from .common import (
    check_version,
    lock,
    raise_errors,
    reject_unknown,
)


# --- components -------------------------------------------------------------------------------------
def do_create_component(*, actor, cls: ComponentClass, lon: float, lat: float, name: str = "",
                        owner_unit: str = "", maintainer_unit: str = "", state: str = Component.State.INTACT,
                        note: str = "") -> Component:
    """A component gets its 16-digit code: district 6 + class 4 + serial 6 within district and class."""
    lon, lat = valid_position(lon, lat)
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
    reject_unknown(changes, allowed)
    if "state" in changes and changes["state"] not in Component.State.values:
        raise UserError(_("state must be one of: %(values)s.") % {
            "values": "、".join(str(s) for s in Component.State.labels)}, field="state")
    with transaction.atomic():
        locked = lock(component)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        check_version(locked, expected_version,
                       _("Someone else changed this component meanwhile; reload and try again."))
        before = {k: getattr(locked, k) for k in changes}
        for key, value in changes.items():
            setattr(locked, key, value)
        if "lon" in changes or "lat" in changes:
            locked.lon, locked.lat = valid_position(locked.lon, locked.lat)
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


def do_bulk_create_components(rows: list[dict], *, actor, area_code: str = "") -> int:
    """Components from dicts (cls, lon, lat, owner_unit, maintainer_unit, state): the grid of each
    from its position (a row outside every grid or the actor's jurisdiction is refused), the 16-digit
    codes reserved per district and class as ``do_create_component`` does. One transaction, one
    audit row: for ledgers and generators that bring thousands."""
    if not rows:
        return 0
    codes = locate_many([r["lon"] for r in rows], [r["lat"] for r in rows])
    for row, code in zip(rows, codes, strict=True):
        if code is None:
            raise UserError(_("Position: (%(lon)s, %(lat)s) lies outside every grid.") % row, field="lon")
        ensure_in_scope(actor, code, REGISTRY_EDIT)
        if row.get("state", Component.State.INTACT) not in Component.State.values:
            raise UserError(_("state must be one of: %(values)s.") % {
                "values": "、".join(str(s) for s in Component.State.labels)}, field="state")
    with transaction.atomic():
        wanted = Counter(code[:6] + row["cls"].code for row, code in zip(rows, codes, strict=True))
        first = {}
        for key, count in sorted(wanted.items()):
            first[key] = next_serial(f"component:{key}", count)
            if first[key] + count - 1 > 999_999:
                raise Conflict(_("The serial numbers of this class in this district are used up."))
        objs = []
        for row, code in zip(rows, codes, strict=True):
            key = code[:6] + row["cls"].code
            serial, first[key] = first[key], first[key] + 1
            objs.append(Component(code=f"{key}{serial:06d}", area_code=code, **row))
        Component.objects.bulk_create(objs, batch_size=2000)
        audit.record("registry.components.bulk_create", actor=actor, object_type="registry.component",
                     area_code=area_code, detail={"count": len(objs)})
    return len(objs)


def do_bulk_create_organisations(rows: list[Organisation], *, actor, area_code: str = "") -> list[Organisation]:
    """Organisations already laid out (their area code set from their building): the same checks
    as ``do_create_organisation`` for each, in one transaction with one audit row; returns them
    saved, in order (a row may name one saved in an earlier call as its parent)."""
    for org in rows:
        _prepare_organisation({"name": org.name, "kind": org.kind, "credit_code": org.credit_code,
                               "social_status": org.social_status, "party_level": org.party_level})
        ensure_in_scope(actor, org.area_code, REGISTRY_EDIT)
    with transaction.atomic():
        created = Organisation.objects.bulk_create(rows, batch_size=2000)
        audit.record("registry.organisations.bulk_create", actor=actor, object_type="registry.organisation",
                     area_code=area_code, detail={"count": len(created)})
    return created


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
    raise_errors(errors)
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
    values["lon"], values["lat"] = valid_position(values["lon"], values["lat"])
    code = locate(values["lon"], values["lat"])
    if code is None:
        raise UserError(_("The position lies outside every grid."), field="lon")
    return code


def do_create_organisation(*, actor, **values) -> Organisation:
    reject_unknown(values, ORGANISATION_FIELDS)
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
    reject_unknown(changes, ORGANISATION_FIELDS)
    with transaction.atomic():
        locked = lock(organisation)
        ensure_in_scope(actor, locked.area_code, REGISTRY_EDIT)
        check_version(locked, expected_version,
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


