"""1. collect (信息收集): filing a case from any channel, and the supervisor's on-site confirmation of a
report that came from the public (核实)."""

from __future__ import annotations

import hashlib
from contextlib import nullcontext

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.areas.index import locate
from civicgrid.core import audit, crypto
from civicgrid.core.errors import UserError
from civicgrid.core.history import actor_row
from civicgrid.core.idnumber import InvalidIdentifier, mask_phone, normalise_phone
from civicgrid.core.linked_insert import AS_KEY, AS_TEXT, Serial, insert_linked
from civicgrid.core.position import valid_position
from civicgrid.core.scoping import in_scope

from .. import notices
from ..capabilities import CASES_INTAKE, CASES_REPORT
from ..models import Attachment, Case, CaseClass, CaseEvent, CaseTask
from ..photos import Photo
from ..rules import CASE_FLOW, PUBLIC_CHANNELS, STAFF_CHANNELS
from .common import (
    CASE_REPR,
    DESCRIPTION_MAX,
    NOTE_MAX,
    PHONE_CONTEXT,
    TITLE_MAX,
    attach,
    lock,
    open_task,
    require,
    text,
)


def idempotency_hash(identity: str, key: str) -> str:
    return hashlib.sha256(f"{identity}\x00{key}".encode()).hexdigest()


def _tier_for(channel: str, grid_code: str) -> tuple[str, str]:
    if channel in (Case.Channel.PATROL, Case.Channel.RESIDENT):
        return Case.Tier.COMMUNITY, grid_code[:12]
    return Case.Tier.DISTRICT, grid_code[:6]


def do_report_case(
    *, actor, channel: str, cls: CaseClass, title: str, description: str, lon=None, lat=None,
    address: str = "", building=None, component=None, reporter_name: str = "", reporter_phone: str = "",
    anonymous: bool = False, urgency: str = Case.Urgency.NORMAL, photos: list[Photo] = (),
    idempotency_key: str = "", idempotency_identity: str = "", repeat_of: Case | None = None,
) -> Case:
    """File a case from any channel. The grid comes from the position (or the building's);
    a replayed idempotency key returns the case it created the first time."""
    if channel not in Case.Channel.values:
        raise UserError(_("Channel: unknown channel."), field="channel")
    if urgency not in Case.Urgency.values:
        raise UserError(_("Urgency must be normal or urgent."), field="urgency")
    if cls is None or not cls.active:
        raise UserError(_("Class: choose an active event class."), field="cls")
    title = text(title, "title", required=True, limit=TITLE_MAX, multiline=False)
    description = text(description, "description", required=True, limit=DESCRIPTION_MAX)
    address = text(address, "address", required=False, limit=200, multiline=False)
    reporter_name = text(reporter_name, "reporter_name", required=False, limit=50, multiline=False)
    if (lon is None or lat is None) and building is not None:
        lon, lat = building.lon, building.lat
    if (lon is None or lat is None) and photos:
        with_gps = next((p for p in photos if p.exif_lon is not None), None)
        if with_gps is not None:
            lon, lat = with_gps.exif_lon, with_gps.exif_lat
    if lon is None or lat is None:
        raise UserError(_("Position: tap the map, choose a registered building or add a photo with its location."),
                        field="lon")
    lon, lat = valid_position(lon, lat)
    grid_code = locate(lon, lat)
    if grid_code is None:
        raise UserError(_("Position: this place lies outside every grid of the platform."), field="lon")
    phone = ""
    if reporter_phone:
        try:
            phone = normalise_phone(reporter_phone)
        except InvalidIdentifier as exc:
            raise UserError(_("Reporter's phone: %(reason)s") % {"reason": exc}, field="reporter_phone")
    if channel == Case.Channel.PATROL:
        require(in_scope(actor, grid_code, CASES_REPORT), _("You can report events only inside your own grids."))
    elif channel in STAFF_CHANNELS:
        require(in_scope(actor, grid_code, CASES_INTAKE), _("Only hotline seats file calls and messages."))
    if channel in STAFF_CHANNELS and not (phone or anonymous):
        raise UserError(_("Reporter's phone: give the caller's phone (or mark the call anonymous)."),
                        field="reporter_phone")
    key = idempotency_hash(idempotency_identity or f"user:{getattr(actor, 'pk', None)}", idempotency_key) \
        if idempotency_key else None
    # A replayed key is found by the unique index: the INSERT below fails and the first case is
    # returned (one query less on every first submission, which is nearly all of them).
    now = timezone.now()
    tier, tier_code = _tier_for(channel, grid_code)
    day = timezone.localtime(now).strftime("%Y%m%d")
    # Anything besides the case, its first event and its audit row needs a transaction; those
    # three alone are one statement on PostgreSQL (the hot path of hotline and Open311 intake),
    # atomic by itself, so it runs without BEGIN/COMMIT round trips when no transaction is open.
    more = bool(photos) or repeat_of is not None or channel in PUBLIC_CHANNELS
    alone = not more and connection.vendor == "postgresql" and not connection.in_atomic_block
    try:
        with nullcontext() if alone else transaction.atomic():
            case = Case(
                channel=channel, cls=cls, urgency=urgency, title=title,
                description=description, address=address or (building.address if building else ""),
                lon=lon, lat=lat, building=building, component=component, area_code=grid_code, tier=tier,
                tier_code=tier_code, status=Case.Status.REPORTED,
                reporter=actor_row(actor) if channel == Case.Channel.PATROL or channel == Case.Channel.RESIDENT
                and getattr(actor, "pk", None) else None,
                reporter_name=reporter_name or (str(actor) if channel == Case.Channel.PATROL else ""),
                reporter_phone_enc=crypto.encrypt_optional(phone, context=PHONE_CONTEXT),
                reporter_phone_masked=mask_phone(phone) if phone else "",
                reporter_anonymous=anonymous,
                intake_by=actor_row(actor) if channel in STAFF_CHANNELS else None,
                reported_at=now, created_at=now, repeat_of=repeat_of, idempotency_key=key,
            )
            note = _("via %(channel)s") % {"channel": case.get_channel_display()}
            reported = CASE_FLOW.history_row(case, CaseEvent.Kind.REPORTED, actor=actor, from_status="", note=note,
                                             at=now)
            insert_linked(case, [
                (reported, {"case_id": AS_KEY}),
                (audit.entry("cases.case.report", actor=actor, obj=case, detail={"channel": channel}),
                 {"object_id": AS_TEXT, "object_repr": CASE_REPR}),
            ], serial=Serial("number", f"case:{day}", day, 5))
            attach(case, list(photos), Attachment.Stage.REPORT)
            if repeat_of is not None:
                CASE_FLOW.record(case, CaseEvent.Kind.LINKED, actor=actor, from_status="", note=repeat_of.number,
                                 at=now)
            if channel in PUBLIC_CHANNELS:
                # A report nobody on staff has seen is confirmed on site by the grid's supervisor (核实).
                open_task(case, CaseTask.Kind.CONFIRM, "confirm", now)
    except IntegrityError:
        if key:
            existing = Case.objects.filter(idempotency_key=key).first()
            if existing is not None:
                existing.replayed = True
                return existing
        raise
    notices.handed(case, actor=actor)  # the tier's registrars
    return case


def do_confirm_report(case: Case, *, actor, real: bool, note: str = "") -> Case:
    """A supervisor confirms on site that a public report is real (核实); a false one is not registered."""
    note = text(note, "note", required=not real, limit=NOTE_MAX)
    with transaction.atomic():
        locked = lock(case)
        CASE_FLOW.require(actor, locked, "confirm")
        task = CaseTask.objects.select_for_update().filter(case=locked, kind=CaseTask.Kind.CONFIRM, outcome="").first()
        now = timezone.now()
        task.outcome = CaseTask.Outcome.PASSED if real else CaseTask.Outcome.FAILED
        task.done_at, task.done_by, task.note = now, actor_row(actor), note[:500]
        task.save()
        fields, to = [], None
        if not real and locked.status == Case.Status.REPORTED:
            to, locked.closed_at = Case.Status.INVALID, now
            fields = ["closed_at"]
        CASE_FLOW.advance(locked, "confirm", actor=actor, to=to, fields=fields, at=now,
                          kind=CaseEvent.Kind.CONFIRMED if real else CaseEvent.Kind.REJECTED,
                          note=note or _("confirmed on site"), detail={"real": real})
    return locked
