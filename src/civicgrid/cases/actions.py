"""Every change to a case: one ``do_*`` function per step of the seven-step loop.

Each runs in one transaction, locks the case row (``select_for_update``) before checking its
state and version, appends a ``CaseEvent`` (who, from, to, when, note, deadline), writes an audit
row and bumps ``version``. Illegal transitions raise ``Conflict`` (HTTP 409).

Who may act (see ``accounts.roles``): registering and dispatching happen at the case's tier —
a membership whose area is exactly ``tier_code`` (the community's worker, the street's admin, the
district centre's shift leader or dispatcher); handling belongs to the lead unit's staff;
verifying to supervisors of the case's grid; extensions to the tier's approvers.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import math
from contextlib import nullcontext

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.accounts.models import OrgUnit
from civicgrid.areas.index import locate
from civicgrid.cases.capabilities import (
    CASES_DISPATCH,
    CASES_EXTEND,
    CASES_HANDLE,
    CASES_INTAKE,
    CASES_MANAGE,
    CASES_REGISTER,
    CASES_REPORT,
    CASES_VERIFY,
    CASES_VIEW,
)
from civicgrid.core import audit, crypto, workcalendar
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.idnumber import InvalidIdentifier, mask_phone, normalise_phone
from civicgrid.core.keys import key_hash, touch_last_used
from civicgrid.core.linked_insert import AS_KEY, AS_TEXT, FromParent, Serial, insert_linked
from civicgrid.core.plugins import capabilities_of
from civicgrid.core.scoping import ensure_in_scope, in_scope

from . import sla
from .catalogue import ensure_catalogue
from .models import (
    Attachment,
    Case,
    CaseAssignment,
    CaseClass,
    CaseEvent,
    CaseTask,
    Extension,
    GradeBand,
    Open311Key,
    ScoreRule,
)
from .photos import Photo

PHONE_CONTEXT = "cases.case.reporter_phone"
TITLE_MAX, DESCRIPTION_MAX, NOTE_MAX = 100, 2000, 1000
STAFF_CHANNELS = {Case.Channel.HOTLINE, Case.Channel.MAILBOX, Case.Channel.WEBSITE, Case.Channel.LEADER}
PUBLIC_CHANNELS = {Case.Channel.RESIDENT, Case.Channel.OPEN311}
# An audit row's label of a case (``str(case)``, at most 200 characters), also in SQL over the
# case's columns for rows written in the same statement as the case (tests compare the two).
CASE_REPR = FromParent("left(number || ' ' || title, 200)", lambda case: str(case)[:200])
BAD_RATINGS = {4, 5}  # 不满意、非常不满意 → a callback task


# --- who may act -------------------------------------------------------------------------------------
def _is_unlimited(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


def tier_codes(user, capability: str) -> set[str]:
    """Area codes where ``user`` holds ``capability`` through a membership of exactly that area."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return {m.area_code for m in user.active_memberships() if capability in capabilities_of(m.role)}


def acts_at_tier(user, case: Case, capability: str) -> bool:
    return _is_unlimited(user) or case.tier_code in tier_codes(user, capability)


def handler_units(user) -> list[int]:
    """Units the user handles cases for: their own unit (departments), or the community committee /
    street office of the area they work in."""
    if user is None or not getattr(user, "is_authenticated", False) or _is_unlimited(user):
        return []
    ids, area_codes = [], []
    for m in user.active_memberships():
        if CASES_HANDLE not in capabilities_of(m.role):
            continue
        if m.unit_id:
            ids.append(m.unit_id)
        else:
            area_codes.append(m.area_code)
    if area_codes:
        ids += list(OrgUnit.objects.filter(
            area_code__in=area_codes, active=True,
            kind__in=[OrgUnit.Kind.COMMUNITY_COMMITTEE, OrgUnit.Kind.STREET_OFFICE],
        ).values_list("pk", flat=True))
    return ids


def acts_for_unit(user, unit: OrgUnit | None) -> bool:
    return unit is not None and (_is_unlimited(user) or unit.pk in handler_units(user))


def _require(ok: bool, message: str | None = None) -> None:
    if not ok:
        raise NotPermitted(message or _("Your role does not allow this step for this case."))


def _actor_name(actor) -> str:
    return actor.get_username() if actor is not None and getattr(actor, "is_authenticated", False) else ""


def _actor_row(actor):
    return actor if actor is not None and getattr(actor, "pk", None) is not None else None


# --- helpers -----------------------------------------------------------------------------------------
def _text(value, field: str, *, required: bool, limit: int) -> str:
    value = (value or "").strip()
    if required and not value:
        raise UserError(_("%(field)s is required.") % {"field": field}, field=field)
    if len(value) > limit:
        raise UserError(_("%(field)s has at most %(n)s characters.") % {"field": field, "n": limit}, field=field)
    return value


def _lock(case: Case, expected_version: int | None = None) -> Case:
    locked = Case.objects.select_for_update(of=("self",)).select_related("cls", "lead_unit").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(_("Someone else changed this case meanwhile; reload and try again."), field="version")
    return locked


def _event_row(case: Case, kind: str, actor, *, from_status: str = "", note: str = "", unit=None,
               at: dt.datetime | None = None) -> CaseEvent:
    """A history event of the case's current state, not yet saved."""
    return CaseEvent(
        case=case, kind=kind, at=at or timezone.now(), actor=_actor_row(actor), actor_name=_actor_name(actor),
        from_status=from_status, to_status=case.status, unit=unit, deadline=case.deadline, note=note[:1000],
        area_code=case.area_code,
    )


def _event(case: Case, kind: str, actor, **kwargs) -> CaseEvent:
    row = _event_row(case, kind, actor, **kwargs)
    row.save(force_insert=True)
    return row


def _save(case: Case, *fields: str) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


def _tier_for(channel: str, grid_code: str) -> tuple[str, str]:
    if channel in (Case.Channel.PATROL, Case.Channel.RESIDENT):
        return Case.Tier.COMMUNITY, grid_code[:12]
    return Case.Tier.DISTRICT, grid_code[:6]


def _attach(case: Case, photos: list[Photo], stage: str) -> None:
    Attachment.objects.bulk_create([
        Attachment(case=case, stage=stage, content_type=p.content_type, size=len(p.data), sha256=p.sha256,
                   data=p.data, public_data=p.public_data, exif_lon=p.exif_lon, exif_lat=p.exif_lat,
                   width=p.width, height=p.height, area_code=case.area_code)
        for p in photos
    ])


def _close_tasks(case: Case, kind: str, *, actor, outcome: str, now: dt.datetime, note: str = "") -> None:
    CaseTask.objects.filter(case=case, kind=kind, outcome="").update(
        outcome=outcome, done_at=now, done_by=_actor_row(actor), note=note[:500])


def _open_task(case: Case, kind: str, step: str, now: dt.datetime) -> CaseTask:
    return CaseTask.objects.create(case=case, kind=kind, area_code=case.area_code, created_at=now,
                                   due_at=sla.step_due(step, now))


def idempotency_hash(identity: str, key: str) -> str:
    return hashlib.sha256(f"{identity}\x00{key}".encode()).hexdigest()


def _valid_position(lon, lat) -> tuple[float, float]:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise UserError(_("lon/lat: give the position as longitude and latitude in degrees."), field="lon")
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise UserError(_("lon/lat: longitude lies in −180…180 and latitude in −90…90."), field="lon")
    return lon, lat


# --- 1. collect (信息收集) ---------------------------------------------------------------------------
def do_report_case(
    *, actor, channel: str, cls: CaseClass, title: str, description: str, lon=None, lat=None,
    address: str = "", building=None, component=None, reporter_name: str = "", reporter_phone: str = "",
    anonymous: bool = False, urgency: str = Case.Urgency.NORMAL, photos: list[Photo] = (),
    idempotency_key: str = "", idempotency_identity: str = "", repeat_of: Case | None = None,
) -> Case:
    """File a case from any channel. The grid comes from the position (or the building's);
    a replayed idempotency key returns the case it created the first time."""
    if channel not in Case.Channel.values:
        raise UserError(_("channel: unknown channel."), field="channel")
    if urgency not in Case.Urgency.values:
        raise UserError(_("urgency: must be normal or urgent."), field="urgency")
    if cls is None or not cls.active:
        raise UserError(_("class: choose an active event class."), field="cls")
    title = _text(title, "title", required=True, limit=TITLE_MAX)
    description = _text(description, "description", required=True, limit=DESCRIPTION_MAX)
    address = _text(address, "address", required=False, limit=200)
    reporter_name = _text(reporter_name, "reporter_name", required=False, limit=50)
    if (lon is None or lat is None) and building is not None:
        lon, lat = building.lon, building.lat
    if (lon is None or lat is None) and photos:
        with_gps = next((p for p in photos if p.exif_lon is not None), None)
        if with_gps is not None:
            lon, lat = with_gps.exif_lon, with_gps.exif_lat
    if lon is None or lat is None:
        raise UserError(_("lon/lat: give the position (tap the map), a registered building or a photo with "
                          "its location."), field="lon")
    lon, lat = _valid_position(lon, lat)
    grid_code = locate(lon, lat)
    if grid_code is None:
        raise UserError(_("lon/lat: this position lies outside every grid of the platform."), field="lon")
    phone = ""
    if reporter_phone:
        try:
            phone = normalise_phone(reporter_phone)
        except InvalidIdentifier as exc:
            raise UserError(f"reporter_phone: {exc}", field="reporter_phone")
    if channel == Case.Channel.PATROL:
        _require(in_scope(actor, grid_code, CASES_REPORT),
                 _("You can report events only inside your own grids."))
    elif channel in STAFF_CHANNELS:
        _require(in_scope(actor, grid_code, CASES_INTAKE), _("Only hotline seats file calls and messages."))
    if channel in STAFF_CHANNELS and not (phone or anonymous):
        raise UserError(_("reporter_phone: give the caller's phone (or mark the call anonymous)."),
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
                reporter=_actor_row(actor) if channel == Case.Channel.PATROL or channel == Case.Channel.RESIDENT
                and getattr(actor, "pk", None) else None,
                reporter_name=reporter_name or (str(actor) if channel == Case.Channel.PATROL else ""),
                reporter_phone_enc=crypto.encrypt_optional(phone, context=PHONE_CONTEXT),
                reporter_phone_masked=mask_phone(phone) if phone else "",
                reporter_anonymous=anonymous,
                intake_by=_actor_row(actor) if channel in STAFF_CHANNELS else None,
                reported_at=now, repeat_of=repeat_of, idempotency_key=key,
            )
            note = _("via %(channel)s") % {"channel": case.get_channel_display()}
            insert_linked(case, [
                (_event_row(case, CaseEvent.Kind.REPORTED, actor, note=note, at=now), {"case_id": AS_KEY}),
                (audit.entry("cases.case.report", actor=actor, obj=case, detail={"channel": channel}),
                 {"object_id": AS_TEXT, "object_repr": CASE_REPR}),
            ], serial=Serial("number", f"case:{day}", day, 5))
            _attach(case, list(photos), Attachment.Stage.REPORT)
            if repeat_of is not None:
                _event(case, CaseEvent.Kind.LINKED, actor, note=repeat_of.number, at=now)
            if channel in PUBLIC_CHANNELS:
                # A report nobody on staff has seen is confirmed on site by the grid's supervisor (核实).
                _open_task(case, CaseTask.Kind.CONFIRM, "confirm", now)
    except IntegrityError:
        if key:
            existing = Case.objects.filter(idempotency_key=key).first()
            if existing is not None:
                existing.replayed = True
                return existing
        raise
    return case


def do_confirm_report(case: Case, *, actor, real: bool, note: str = "") -> Case:
    """A supervisor confirms on site that a public report is real (核实); a false one is not registered."""
    note = _text(note, "note", required=not real, limit=NOTE_MAX)
    with transaction.atomic():
        locked = _lock(case)
        _require(in_scope(actor, locked.area_code, CASES_VERIFY))
        task = CaseTask.objects.select_for_update().filter(case=locked, kind=CaseTask.Kind.CONFIRM, outcome="").first()
        if task is None:
            raise Conflict(_("This case has no open on-site confirmation."))
        now = timezone.now()
        task.outcome = CaseTask.Outcome.PASSED if real else CaseTask.Outcome.FAILED
        task.done_at, task.done_by, task.note = now, _actor_row(actor), note[:500]
        task.save()
        before = locked.status
        if not real and locked.status == Case.Status.REPORTED:
            locked.status = Case.Status.INVALID
            locked.closed_at = now
            _save(locked, "status", "closed_at")
        else:
            _save(locked)
        _event(locked, CaseEvent.Kind.CONFIRMED if real else CaseEvent.Kind.REJECTED, actor, from_status=before,
               note=note or _("confirmed on site"), at=now)
        audit.record("cases.case.confirm", actor=actor, obj=locked, detail={"real": real})
    return locked


# --- 2. register (案卷建立) --------------------------------------------------------------------------
def do_register_case(case: Case, *, actor, cls: CaseClass | None = None, urgency: str | None = None,
                     note: str = "", expected_version: int | None = None) -> Case:
    """File the report as a case at its tier (立案), optionally correcting its class."""
    note = _text(note, "note", required=False, limit=NOTE_MAX)
    with transaction.atomic():
        locked = _lock(case, expected_version)
        _require(acts_at_tier(actor, locked, CASES_REGISTER))
        if not locked.can_register():
            raise Conflict(_("Only a reported case can be registered; this one is %(s)s.")
                           % {"s": locked.get_status_display()}, field="status")
        now = timezone.now()
        fields = ["status", "registered_at", "registered_by"]
        if cls is not None and cls.pk != locked.cls_id:
            if not cls.active:
                raise UserError(_("class: choose an active event class."), field="cls")
            _event(locked, CaseEvent.Kind.RECLASSIFIED, actor, from_status=locked.status,
                   note=f"{locked.cls} → {cls}", at=now)
            locked.cls = cls
            fields.append("cls")
        if urgency:
            if urgency not in Case.Urgency.values:
                raise UserError(_("urgency: must be normal or urgent."), field="urgency")
            locked.urgency = urgency
            fields.append("urgency")
        before = locked.status
        locked.status = Case.Status.REGISTERED
        locked.registered_at, locked.registered_by = now, _actor_row(actor)
        _save(locked, *fields)
        _event(locked, CaseEvent.Kind.REGISTERED, actor, from_status=before, note=note, at=now)
        audit.record("cases.case.register", actor=actor, obj=locked)
    return locked


def do_reject_case(case: Case, *, actor, note: str, duplicate_of: Case | None = None,
                   expected_version: int | None = None) -> Case:
    """Do not register: not a case (不予立案), or a duplicate merged into ``duplicate_of``."""
    note = _text(note, "note", required=True, limit=NOTE_MAX)
    with transaction.atomic():
        locked = _lock(case, expected_version)
        if duplicate_of is None:
            _require(acts_at_tier(actor, locked, CASES_REGISTER))
            if not locked.can_register():
                raise Conflict(_("Only a reported case can be refused registration."), field="status")
        else:
            return _merge_locked(locked, duplicate_of, actor=actor, note=note)
        now = timezone.now()
        before = locked.status
        locked.status, locked.closed_at = Case.Status.INVALID, now
        _save(locked, "status", "closed_at")
        _close_tasks(locked, CaseTask.Kind.CONFIRM, actor=actor, outcome=CaseTask.Outcome.CANCELLED, now=now)
        _event(locked, CaseEvent.Kind.REJECTED, actor, from_status=before, note=note, at=now)
        audit.record("cases.case.reject", actor=actor, obj=locked)
    return locked


def do_merge_case(case: Case, into: Case, *, actor, note: str = "", expected_version: int | None = None) -> Case:
    """Merge a duplicate report into the case it repeats (same problem, place and time)."""
    with transaction.atomic():
        locked = _lock(case, expected_version)
        return _merge_locked(locked, into, actor=actor, note=_text(note, "note", required=False, limit=NOTE_MAX))


def _merge_locked(locked: Case, into: Case, *, actor, note: str) -> Case:
    if into.pk == locked.pk:
        raise UserError(_("duplicate_of: a case cannot be merged into itself."), field="duplicate_of")
    target = Case.objects.select_for_update().get(pk=into.pk)
    _require(acts_at_tier(actor, locked, CASES_REGISTER) or acts_at_tier(actor, locked, CASES_DISPATCH))
    _require(in_scope(actor, target.area_code, CASES_VIEW) or _is_unlimited(actor))
    if locked.status not in (Case.Status.REPORTED, Case.Status.REGISTERED):
        raise Conflict(_("Only a case not yet dispatched can be merged."), field="status")
    if not target.is_open() and target.status != Case.Status.CLOSED:
        raise Conflict(_("duplicate_of: the case to merge into is itself not registered or merged."),
                       field="duplicate_of")
    now = timezone.now()
    before = locked.status
    locked.status, locked.merged_into, locked.closed_at = Case.Status.DUPLICATE, target, now
    _save(locked, "status", "merged_into", "closed_at")
    _close_tasks(locked, CaseTask.Kind.CONFIRM, actor=actor, outcome=CaseTask.Outcome.CANCELLED, now=now)
    _event(locked, CaseEvent.Kind.MERGED, actor, from_status=before, note=f"→ {target.number} {note}".strip(),
           at=now)
    _event(target, CaseEvent.Kind.LINKED, actor, from_status=target.status, note=f"← {locked.number}", at=now)
    audit.record("cases.case.merge", actor=actor, obj=locked, detail={"into": target.number})
    return locked


def do_link_repeat(case: Case, earlier: Case, *, actor) -> Case:
    """Mark ``case`` as a repeat complaint about the problem of ``earlier`` (重复诉求)."""
    if case.pk == earlier.pk:
        raise UserError(_("repeat_of: a case cannot repeat itself."), field="repeat_of")
    with transaction.atomic():
        locked = _lock(case)
        _require(in_scope(actor, locked.area_code, CASES_VIEW) and in_scope(actor, earlier.area_code,
                                                                                   CASES_VIEW))
        locked.repeat_of = earlier
        _save(locked, "repeat_of")
        _event(locked, CaseEvent.Kind.LINKED, actor, from_status=locked.status, note=earlier.number)
        audit.record("cases.case.link", actor=actor, obj=locked, detail={"repeat_of": earlier.number})
    return locked


# --- 3. dispatch (任务派遣) --------------------------------------------------------------------------
def valid_target(case: Case, unit: OrgUnit) -> bool:
    """A unit at or below the case's tier: the community committee at community tier; street office
    and committees at street tier; departments and street offices at the district centre."""
    return unit.active and unit.area_code.startswith(case.tier_code) and unit.kind != OrgUnit.Kind.CENTRE


def do_dispatch_case(case: Case, *, actor, lead_unit: OrgUnit, assisting_units=(), note: str = "",
                     expected_version: int | None = None) -> Case:
    """Send a registered case to its lead unit (and assisting units); the disposal clock starts."""
    note = _text(note, "note", required=False, limit=NOTE_MAX)
    assisting = [u for u in assisting_units if u.pk != lead_unit.pk]
    with transaction.atomic():
        locked = _lock(case, expected_version)
        _require(acts_at_tier(actor, locked, CASES_DISPATCH))
        if locked.status != Case.Status.REGISTERED:
            raise Conflict(_("Only a registered case can be dispatched; this one is %(s)s.")
                           % {"s": locked.get_status_display()}, field="status")
        for unit, field in [(lead_unit, "lead_unit")] + [(u, "assisting_units") for u in assisting]:
            if not valid_target(locked, unit):
                raise UserError(_("%(field)s: %(unit)s cannot take cases handled at %(tier)s level.")
                                % {"field": field, "unit": unit, "tier": locked.get_tier_display()}, field=field)
        now = timezone.now()
        locked.assignments.filter(active=True).update(active=False)
        CaseAssignment.objects.bulk_create(
            [CaseAssignment(case=locked, unit=lead_unit, role=CaseAssignment.Role.LEAD, dispatched_at=now,
                            area_code=locked.area_code)]
            + [CaseAssignment(case=locked, unit=u, role=CaseAssignment.Role.ASSIST, dispatched_at=now,
                              area_code=locked.area_code) for u in assisting]
        )
        before = locked.status
        locked.status, locked.lead_unit = Case.Status.DISPATCHED, lead_unit
        locked.dispatched_at, locked.dispatched_by = now, _actor_row(actor)
        locked.deadline = sla.disposal_deadline(locked.cls, now, locked.urgency)
        locked.warned_at = locked.overdue_at = None
        _save(locked, "status", "lead_unit", "dispatched_at", "dispatched_by", "deadline", "warned_at", "overdue_at")
        names = "、".join(str(u) for u in assisting)
        _event(locked, CaseEvent.Kind.DISPATCHED, actor, from_status=before, unit=lead_unit, at=now,
               note=(note + (f" 协办: {names}" if names else "")).strip())
        audit.record("cases.case.dispatch", actor=actor, obj=locked,
                     detail={"lead": lead_unit.code, "assist": [u.code for u in assisting]})
    return locked


# --- 4. handle (任务处理) ----------------------------------------------------------------------------
def _require_lead(actor, case: Case) -> None:
    _require(acts_for_unit(actor, case.lead_unit), _("Only the lead unit's staff can do this."))


def do_accept_case(case: Case, *, actor, expected_version: int | None = None) -> Case:
    """The lead unit signs for the case (签收) and starts work."""
    with transaction.atomic():
        locked = _lock(case, expected_version)
        _require_lead(actor, locked)
        if not locked.can_accept():
            raise Conflict(_("Only a dispatched case can be accepted; this one is %(s)s.")
                           % {"s": locked.get_status_display()}, field="status")
        before = locked.status
        locked.status, locked.accepted_at = Case.Status.HANDLING, timezone.now()
        _save(locked, "status", "accepted_at")
        _event(locked, CaseEvent.Kind.ACCEPTED, actor, from_status=before, unit=locked.lead_unit)
        audit.record("cases.case.accept", actor=actor, obj=locked)
    return locked


def do_send_back_case(case: Case, *, actor, reason: str, expected_version: int | None = None) -> Case:
    """The lead unit returns a case that is not theirs (退回); it goes back for dispatch."""
    reason = _text(reason, "reason", required=True, limit=NOTE_MAX)
    with transaction.atomic():
        locked = _lock(case, expected_version)
        _require_lead(actor, locked)
        if not locked.can_send_back():
            raise Conflict(_("Only a dispatched case or one being handled can be sent back."), field="status")
        unit = locked.lead_unit
        locked.assignments.filter(active=True).update(active=False)
        before = locked.status
        locked.status, locked.lead_unit, locked.deadline = Case.Status.REGISTERED, None, None
        locked.sendback_count += 1
        _save(locked, "status", "lead_unit", "deadline", "sendback_count")
        _event(locked, CaseEvent.Kind.SENT_BACK, actor, from_status=before, unit=unit, note=reason)
        audit.record("cases.case.send_back", actor=actor, obj=locked, detail={"unit": unit.code})
    return locked


def do_request_extension(case: Case, *, actor, work_hours, reason: str) -> Extension:
    """The lead unit asks for more working time (延期申请); the tier's approver decides."""
    reason = _text(reason, "reason", required=True, limit=500)
    try:
        hours = float(work_hours)
    except (TypeError, ValueError):
        raise UserError(_("work_hours: give the extra working hours as a number."), field="work_hours")
    if not 0.5 <= hours <= 7 * 30:
        raise UserError(_("work_hours: between 0.5 and 210 working hours (30 working days)."), field="work_hours")
    with transaction.atomic():
        locked = _lock(case)
        _require_lead(actor, locked)
        if locked.status not in (Case.Status.HANDLING, Case.Status.PAUSED):
            raise Conflict(_("Only a case being handled can be extended."), field="status")
        if locked.extensions.filter(status=Extension.Status.PENDING).exists():
            raise Conflict(_("An extension request is already waiting for approval."))
        ext = Extension.objects.create(case=locked, unit=locked.lead_unit, work_hours=hours, reason=reason,
                                       requested_by=_actor_row(actor), requested_at=timezone.now())
        _save(locked)
        _event(locked, CaseEvent.Kind.EXTENSION_ASKED, actor, from_status=locked.status, unit=locked.lead_unit,
               note=f"+{hours:g}h {reason}")
        audit.record("cases.case.extension_request", actor=actor, obj=locked, detail={"hours": hours})
    return ext


def do_decide_extension(extension: Extension, *, actor, grant: bool, note: str = "") -> Extension:
    """Approve (the deadline moves by the hours asked, on the work calendar) or refuse."""
    note = _text(note, "note", required=not grant, limit=500)
    with transaction.atomic():
        locked = _lock(extension.case)
        ext = Extension.objects.select_for_update().get(pk=extension.pk)
        _require(_is_unlimited(actor) or in_scope(actor, locked.tier_code, CASES_EXTEND))
        if ext.status != Extension.Status.PENDING:
            raise Conflict(_("This extension request has been decided already."))
        now = timezone.now()
        ext.status = Extension.Status.GRANTED if grant else Extension.Status.REFUSED
        ext.decided_by, ext.decided_at, ext.decision_note = _actor_row(actor), now, note
        ext.save()
        fields = []
        if grant and locked.deadline is not None:
            locked.deadline = sla.extended(locked.deadline, float(ext.work_hours))
            locked.extension_count += 1
            locked.warned_at = locked.overdue_at = None
            fields = ["deadline", "extension_count", "warned_at", "overdue_at"]
        _save(locked, *fields)
        _event(locked, CaseEvent.Kind.EXTENSION_GRANTED if grant else CaseEvent.Kind.EXTENSION_REFUSED, actor,
               from_status=locked.status, unit=ext.unit, note=note, at=now)
        audit.record("cases.case.extension_decide", actor=actor, obj=locked, detail={"granted": grant})
    return ext


def do_pause_case(case: Case, *, actor, note: str, expected_version: int | None = None) -> Case:
    """Stop the clock while waiting for the reporter (e.g. access to the home)."""
    note = _text(note, "note", required=True, limit=NOTE_MAX)
    with transaction.atomic():
        locked = _lock(case, expected_version)
        _require_lead(actor, locked)
        if locked.status != Case.Status.HANDLING:
            raise Conflict(_("Only a case being handled can be paused."), field="status")
        before = locked.status
        locked.status, locked.paused_at = Case.Status.PAUSED, timezone.now()
        _save(locked, "status", "paused_at")
        _event(locked, CaseEvent.Kind.PAUSED, actor, from_status=before, unit=locked.lead_unit, note=note)
        audit.record("cases.case.pause", actor=actor, obj=locked)
    return locked


def do_resume_case(case: Case, *, actor, note: str = "", expected_version: int | None = None) -> Case:
    """Restart the clock: the deadline moves by the working time spent paused."""
    with transaction.atomic():
        locked = _lock(case, expected_version)
        _require_lead(actor, locked)
        if locked.status != Case.Status.PAUSED:
            raise Conflict(_("Only a paused case can be resumed."), field="status")
        now = timezone.now()
        if locked.deadline is not None:
            locked.deadline = sla.after_pause(locked.deadline, locked.paused_at, now)
        before = locked.status
        locked.status, locked.paused_at = Case.Status.HANDLING, None
        _save(locked, "status", "paused_at", "deadline")
        _event(locked, CaseEvent.Kind.RESUMED, actor, from_status=before, unit=locked.lead_unit,
               note=_text(note, "note", required=False, limit=NOTE_MAX), at=now)
        audit.record("cases.case.resume", actor=actor, obj=locked)
    return locked


_NEXT_TIER = {Case.Tier.COMMUNITY: (Case.Tier.STREET, 9), Case.Tier.STREET: (Case.Tier.DISTRICT, 6)}


def _escalate_locked(locked: Case, *, actor, note: str, kind: str = CaseEvent.Kind.ESCALATED) -> None:
    tier, length = _NEXT_TIER[locked.tier]
    before = locked.status
    locked.assignments.filter(active=True).update(active=False)
    locked.tier, locked.tier_code = tier, locked.area_code[:length]
    if locked.status != Case.Status.REPORTED:
        locked.status = Case.Status.REGISTERED
    old_unit = locked.lead_unit
    locked.lead_unit, locked.deadline, locked.paused_at = None, None, None
    _save(locked, "tier", "tier_code", "status", "lead_unit", "deadline", "paused_at")
    _event(locked, kind, actor, from_status=before, unit=old_unit,
           note=(f"→ {locked.get_tier_display()} {locked.tier_code} " + note).strip())


def do_escalate_case(case: Case, *, actor, note: str, expected_version: int | None = None) -> Case:
    """Not solvable at this tier: the community hands it to the street, the street to the district
    centre (分级负责). The higher tier registers or dispatches it again."""
    note = _text(note, "note", required=True, limit=NOTE_MAX)
    with transaction.atomic():
        locked = _lock(case, expected_version)
        allowed = (acts_at_tier(actor, locked, CASES_REGISTER)
                   or acts_at_tier(actor, locked, CASES_DISPATCH)
                   or acts_for_unit(actor, locked.lead_unit))
        _require(allowed)
        if not locked.can_escalate():
            raise Conflict(_("This case cannot be escalated now (it is at the district centre, waiting for a "
                             "check, or finished)."), field="status")
        _escalate_locked(locked, actor=actor, note=note)
        audit.record("cases.case.escalate", actor=actor, obj=locked, detail={"tier": locked.tier})
    return locked


# --- 5. feedback (处理反馈) --------------------------------------------------------------------------
def do_feedback_case(case: Case, *, actor, result: str, photos: list[Photo] = (),
                     expected_version: int | None = None) -> Case:
    """The lead unit reports what it did, with photos; a supervisor then checks on site."""
    result = _text(result, "result", required=True, limit=DESCRIPTION_MAX)
    with transaction.atomic():
        locked = _lock(case, expected_version)
        _require_lead(actor, locked)
        if not locked.can_feedback():
            raise Conflict(_("Only a case being handled can report its result; this one is %(s)s.")
                           % {"s": locked.get_status_display()}, field="status")
        now = timezone.now()
        before = locked.status
        locked.status, locked.feedback_at, locked.result = Case.Status.FEEDBACK, now, result
        _save(locked, "status", "feedback_at", "result")
        _attach(locked, list(photos), Attachment.Stage.FEEDBACK)
        _open_task(locked, CaseTask.Kind.CHECK, "check", now)
        _event(locked, CaseEvent.Kind.FEEDBACK, actor, from_status=before, unit=locked.lead_unit, note=result,
               at=now)
        audit.record("cases.case.feedback", actor=actor, obj=locked)
    return locked


# --- 6. verify and close (核查结案) ------------------------------------------------------------------
def do_verify_case(case: Case, *, actor, passed: bool, note: str = "", photos: list[Photo] = (),
                   expected_version: int | None = None) -> Case:
    """A supervisor checks the result on site: pass closes the case (the reporter is told); fail
    sends it back to the unit as rework (返工), counted."""
    note = _text(note, "note", required=not passed, limit=NOTE_MAX)
    with transaction.atomic():
        locked = _lock(case, expected_version)
        _require(_is_unlimited(actor) or in_scope(actor, locked.area_code, CASES_VERIFY),
                 _("Only a supervisor of this grid can check the result."))
        if not locked.can_verify():
            raise Conflict(_("Only a case whose result was reported can be checked; this one is %(s)s.")
                           % {"s": locked.get_status_display()}, field="status")
        now = timezone.now()
        _close_tasks(locked, CaseTask.Kind.CHECK, actor=actor, now=now, note=note,
                     outcome=CaseTask.Outcome.PASSED if passed else CaseTask.Outcome.FAILED)
        _attach(locked, list(photos), Attachment.Stage.CHECK)
        before = locked.status
        if passed:
            locked.status, locked.closed_at = Case.Status.CLOSED, now
            locked.closed_on_time = locked.deadline is None or now <= locked.deadline
            _save(locked, "status", "closed_at", "closed_on_time")
            _event(locked, CaseEvent.Kind.CHECK_PASSED, actor, from_status=before, note=note, at=now)
            _event(locked, CaseEvent.Kind.CLOSED, actor, from_status=before, at=now)
            if locked.reporter_phone_enc or locked.reporter_id or locked.channel in PUBLIC_CHANNELS:
                # The outcome is published for the reporter on the query page (query code).
                _event(locked, CaseEvent.Kind.NOTIFIED, None, from_status=locked.status, at=now,
                       note=_("The result is published for the reporter; they are asked to rate it."))
            if locked.channel in STAFF_CHANNELS and locked.reporter_phone_enc and not locked.reporter_anonymous:
                # A caller is also told by a seat, who asks their rating (答复).
                _open_task(locked, CaseTask.Kind.REPLY, "reply", now)
        else:
            locked.status = Case.Status.HANDLING
            locked.rework_count += 1
            _save(locked, "status", "rework_count")
            _event(locked, CaseEvent.Kind.REWORK, actor, from_status=before, unit=locked.lead_unit, note=note, at=now)
        audit.record("cases.case.verify", actor=actor, obj=locked, detail={"passed": passed})
    return locked


# --- 7. evaluate (综合评价): the reporter's rating ----------------------------------------------------
def do_rate_case(case: Case, *, actor, rating, note: str = "", query_code: str = "") -> Case:
    """The reporter rates the outcome on the five-level scale; a bad rating opens a callback task."""
    rating = _valid_rating(rating)
    note = _text(note, "note", required=False, limit=300)
    with transaction.atomic():
        locked = _lock(case)
        by_code = bool(query_code) and query_code == locked.query_code
        by_reporter = locked.reporter_id is not None and getattr(actor, "pk", None) == locked.reporter_id
        _require(by_code or by_reporter or _seat_of(actor, locked) or _is_unlimited(actor),
                 _("Only the reporter (with the query code) can rate this case."))
        if not locked.can_rate():
            raise Conflict(_("Only a closed case can be rated, once."), field="rating")
        _apply_rating(locked, actor, rating, note, timezone.now())
    return locked


def _valid_rating(rating) -> int:
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if rating not in Case.RATINGS:
        raise UserError(_("rating: choose 1 (very satisfied) to 5 (very dissatisfied)."), field="rating")
    return rating


def _seat_of(actor, case: Case) -> bool:
    """A hotline seat of the case's district, for a call or message: they speak for the caller."""
    return in_scope(actor, case.area_code, CASES_INTAKE) and case.channel in STAFF_CHANNELS


def may_call_reporter(actor, case: Case) -> bool:
    """Who calls a reporter (答复, 回访): the tier's approvers and the hotline seats of the district."""
    return (_is_unlimited(actor) or in_scope(actor, case.tier_code, CASES_EXTEND)
            or in_scope(actor, case.area_code, CASES_INTAKE))


def _apply_rating(locked: Case, actor, rating: int, note: str, now: dt.datetime) -> None:
    locked.rating, locked.rating_note = rating, note
    _save(locked, "rating", "rating_note")
    _event(locked, CaseEvent.Kind.RATED, actor, from_status=locked.status,
           note=f"{locked.rating_label()} {note}".strip(), at=now)
    if rating in BAD_RATINGS:
        _open_task(locked, CaseTask.Kind.CALLBACK, "callback", now)
    # Rated on the query page before a seat called: no need to ask again.
    _close_tasks(locked, CaseTask.Kind.REPLY, actor=actor, outcome=CaseTask.Outcome.DONE, now=now,
                 note=_("The reporter rated on the query page."))
    audit.record("cases.case.rate", actor=actor, obj=locked, detail={"rating": rating})


def do_reply_case(task: CaseTask, *, actor, reached: bool, rating=None, note: str = "") -> CaseTask:
    """A seat tells the caller the outcome of their closed call or message (答复) and records the
    rating the caller gives (a bad one opens a callback); or notes that the caller was not reached.
    If the caller rated on the query page meanwhile, the reply only records the call."""
    note = _text(note, "note", required=not reached, limit=300)
    rating = _valid_rating(rating) if reached else None
    with transaction.atomic():
        locked = _lock(task.case)
        t = CaseTask.objects.select_for_update().get(pk=task.pk)
        _require(may_call_reporter(actor, locked), _("Only the hotline seats of the case's district reply to its caller."))
        if t.kind != CaseTask.Kind.REPLY or t.outcome:
            raise Conflict(_("This reply is done already."))
        now = timezone.now()
        t.outcome = CaseTask.Outcome.DONE if reached else CaseTask.Outcome.UNREACHABLE
        t.done_at, t.done_by, t.note = now, _actor_row(actor), note[:500]
        t.save()
        if reached:
            _event(locked, CaseEvent.Kind.NOTIFIED, actor, from_status=locked.status, at=now,
                   note=(_("The caller was told the outcome by phone.") + " " + note).strip())
        if reached and locked.can_rate():
            _apply_rating(locked, actor, rating, note, now)
        else:
            _save(locked)
        audit.record("cases.case.reply", actor=actor, obj=locked,
                     detail={"reached": reached, "rating": rating})
    return t


def do_complete_callback(task: CaseTask, *, actor, note: str) -> CaseTask:
    """The centre called the dissatisfied reporter back (回访) and notes what was said or done."""
    note = _text(note, "note", required=True, limit=500)
    with transaction.atomic():
        locked = _lock(task.case)
        t = CaseTask.objects.select_for_update().get(pk=task.pk)
        _require(may_call_reporter(actor, locked))
        if t.kind != CaseTask.Kind.CALLBACK or t.outcome:
            raise Conflict(_("This callback is done already."))
        t.outcome, t.done_at, t.done_by, t.note = CaseTask.Outcome.DONE, timezone.now(), _actor_row(actor), note
        t.save()
        _save(locked)
        _event(locked, CaseEvent.Kind.CALLBACK, actor, from_status=locked.status, note=note)
        audit.record("cases.case.callback", actor=actor, obj=locked)
    return t


# --- deadlines (a periodic job) --------------------------------------------------------------------
def do_check_deadlines(*, actor, now: dt.datetime | None = None) -> dict[str, int]:
    """Warn the lead unit before the deadline (预警) and escalate overdue cases to the level above
    (超期升级); at the district centre an overdue case is put under supervision (督办)."""
    now = now or timezone.now()
    counts = {"warned": 0, "escalated": 0, "supervised": 0}
    running = [Case.Status.DISPATCHED, Case.Status.HANDLING]
    warn_minutes = sla.step_minutes("warn")
    for pk in Case.objects.filter(status__in=running, warned_at__isnull=True, deadline__gt=now).values_list(
            "pk", "deadline").iterator():
        case_id, deadline = pk
        if workcalendar.working_time_between(now, deadline) > dt.timedelta(minutes=warn_minutes):
            continue
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case_id)
            if locked.warned_at is not None or locked.status not in running:
                continue
            locked.warned_at = now
            _save(locked, "warned_at")
            _event(locked, CaseEvent.Kind.WARNED, actor, from_status=locked.status, unit=locked.lead_unit, at=now,
                   note=_("The deadline is near."))
            counts["warned"] += 1
    for case_id in Case.objects.filter(status__in=running, overdue_at__isnull=True, deadline__lte=now) \
            .values_list("pk", flat=True).iterator():
        with transaction.atomic():
            locked = Case.objects.select_for_update(of=("self",)).select_related("lead_unit").get(pk=case_id)
            if locked.overdue_at is not None or locked.status not in running:
                continue
            locked.overdue_at = now
            if locked.tier == Case.Tier.DISTRICT:
                locked.supervised = True
                _save(locked, "overdue_at", "supervised")
                _event(locked, CaseEvent.Kind.OVERDUE, actor, from_status=locked.status, unit=locked.lead_unit,
                       at=now, note=_("Overdue: put under supervision by the efficiency office (督办)."))
                counts["supervised"] += 1
            else:
                _save(locked, "overdue_at")
                _escalate_locked(locked, actor=actor, kind=CaseEvent.Kind.OVERDUE,
                                 note=_("Overdue at the lower tier."))
                counts["escalated"] += 1
            audit.record("cases.case.overdue", actor=actor, obj=locked)
    return counts


# --- Open311 keys ----------------------------------------------------------------------------------
def do_issue_open311_key(*, actor, name: str, area_code: str = "") -> tuple[Open311Key, str]:
    """A new Open311 API key; the key itself is returned once and only its hash is stored.

    ``area_code`` limits the requests it may file to positions inside that area (a district or a
    street). An administrator issues keys for areas of their jurisdiction only — by default the
    one area they manage; a key for anywhere ("") needs unlimited scope (a superuser, the command)."""
    import secrets

    from civicgrid.areas.models import Area

    name = _text(name, "name", required=True, limit=100)
    area_code = (area_code or "").strip()
    if actor is not None and not _is_unlimited(actor) and not actor.has_capability(CASES_MANAGE):
        raise NotPermitted(_("Only an administrator can issue Open311 keys."))
    codes = None if actor is None else actor.scope_codes(CASES_MANAGE)
    if not area_code and codes is not None:
        if len(codes) != 1:
            raise UserError(_("area: choose the area the key's requests may lie in."), field="area")
        area_code = codes[0]
    if area_code and not Area.objects.filter(code=area_code).exists():
        raise UserError(_("area: no area has the code %(code)s.") % {"code": area_code}, field="area")
    if not may_manage_open311_key(actor, Open311Key(area_code=area_code)):
        raise NotPermitted(_("You can issue keys only for areas of your jurisdiction."))
    key = "o311_" + secrets.token_urlsafe(24)
    with transaction.atomic():
        row = Open311Key.objects.create(name=name, prefix=key[5:13], key_hash=key_hash(key),
                                        created_by=_actor_row(actor), area_code=area_code)
        audit.record("cases.open311.issue_key", actor=actor, obj=row, area_code=area_code,
                     detail={"area": area_code or "*"})
    return row, key


def may_manage_open311_key(actor, row: Open311Key) -> bool:
    """Administrators manage the keys of their jurisdiction; keys for anywhere need unlimited scope."""
    return actor is None or _is_unlimited(actor) or in_scope(actor, row.area_code, CASES_MANAGE)


def do_revoke_open311_key(row: Open311Key, *, actor) -> None:
    if not may_manage_open311_key(actor, row):
        raise NotPermitted(_("Only an administrator can revoke Open311 keys."))
    with transaction.atomic():
        Open311Key.objects.filter(pk=row.pk).update(active=False)
        audit.record("cases.open311.revoke_key", actor=actor, obj=row, area_code=row.area_code)


def touch_open311_key(row: Open311Key, *, min_interval: int = 0) -> None:
    """Record the key's last use (not audited; written at most once per ``min_interval`` seconds)."""
    touch_last_used(row, min_interval=min_interval)


# --- evaluation rules (考核规则) -----------------------------------------------------------------
def _plain(number: decimal.Decimal) -> str:
    """40.00 → "40", 12.50 → "12.5"."""
    return format(number.normalize(), "f")


def _percent(value, field: str) -> decimal.Decimal:
    """A weight or a score: a number from 0 to 100 with at most two decimals."""
    try:
        number = decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= 100 or number != number.quantize(
            decimal.Decimal("0.01")):
        raise UserError(_("%(field)s: give a number from 0 to 100 with at most two decimals.") % {"field": field},
                        field=field)
    return number.quantize(decimal.Decimal("0.01"))


def _every_percent(given: dict, keys: list[str], not_one: str) -> dict[str, decimal.Decimal]:
    """``given`` holds a percentage for each of ``keys`` and nothing else (``not_one``: the message
    for an unknown key, with %(field)s)."""
    unknown = sorted(set(given) - set(keys))
    if unknown:
        raise UserError(not_one % {"field": unknown[0]}, field=unknown[0])
    missing = [k for k in keys if k not in given]
    if missing:
        raise UserError(_("%(field)s is required.") % {"field": missing[0]}, field=missing[0])
    return {k: _percent(given[k], k) for k in keys}


def do_set_score_weights(*, actor, post: str, weights: dict) -> list[ScoreRule]:
    """Change the weights of one score (a lead unit's or a post's): every indicator of the post
    given, each 0–100, adding up to 100. Audited with the weights before and after."""
    _require(_is_unlimited(actor) or actor.has_capability(CASES_MANAGE),
             _("Only the district's administrators change the evaluation rules."))
    if post not in ScoreRule.Post.values:
        raise UserError(_("post: unknown post."), field="post")
    ensure_catalogue()
    with transaction.atomic():
        rules = list(ScoreRule.objects.select_for_update().filter(post=post).order_by("pk"))
        new = _every_percent(weights, [r.indicator for r in rules], _("%(field)s: not an indicator of this score."))
        total = sum(new.values())
        if total != 100:
            raise UserError(_("weights: the weights of a score add up to 100, these add up to %(total)s.")
                            % {"total": _plain(total)}, field="weights")
        before = {r.indicator: _plain(r.weight) for r in rules}
        for r in rules:
            r.weight = new[r.indicator]
            r.save(update_fields=["weight"])
        audit.record("cases.evaluation.weights", actor=actor, object_type="cases.scorerule", object_id=post,
                     object_repr=str(ScoreRule.Post(post).label),
                     detail={"post": post, "before": before, "after": {k: _plain(v) for k, v in new.items()}})
    return rules


def do_set_grade_bands(*, actor, lowest: dict) -> list[GradeBand]:
    """Change the lowest score of each grade: every grade given, from 0 to 100, each grade below
    the one before it, and the last grade starting at 0. Audited with the bands before and after."""
    _require(_is_unlimited(actor) or actor.has_capability(CASES_MANAGE),
             _("Only the district's administrators change the evaluation rules."))
    ensure_catalogue()
    with transaction.atomic():
        bands = list(GradeBand.objects.select_for_update().order_by("-lowest", "letter"))
        new = _every_percent(lowest, [b.letter for b in bands], _("%(field)s: not a grade."))
        for higher, lower in zip(bands, bands[1:], strict=False):
            if new[lower.letter] >= new[higher.letter]:
                raise UserError(_("%(field)s: grade %(lower)s starts below grade %(higher)s (%(value)s).")
                                % {"field": lower.letter, "lower": lower.letter, "higher": higher.letter,
                                   "value": _plain(new[higher.letter])}, field=lower.letter)
        if bands and new[bands[-1].letter] != 0:
            raise UserError(_("%(field)s: the last grade starts at 0.") % {"field": bands[-1].letter},
                            field=bands[-1].letter)
        before = {b.letter: _plain(b.lowest) for b in bands}
        for b in bands:
            b.lowest = new[b.letter]
            b.save(update_fields=["lowest"])
        audit.record("cases.evaluation.grades", actor=actor, object_type="cases.gradeband", object_id="*",
                     object_repr="A–E", detail={"before": before, "after": {k: _plain(v) for k, v in new.items()}})
    return bands


def case_classes():
    ensure_catalogue()
    return CaseClass.objects.filter(active=True)


def ensure_scope(actor, case: Case) -> None:
    ensure_in_scope(actor, case.area_code, CASES_VIEW)
