"""Steps 2–6 of the loop: register (立案), dispatch (派遣), handle (处置), feedback (反馈) and verify
(核查). Each is one transaction: ``CASE_FLOW.lock`` the case, ``require`` the step (who, then state),
do the step's own work, ``advance`` (state, version, history row, audit row, jurisdiction re-check)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.accounts.models import OrgUnit
from civicgrid.core.errors import Conflict, UserError
from civicgrid.core.history import actor_row
from civicgrid.core.scoping import in_scope

from .. import notices, sla
from ..capabilities import CASES_VIEW
from ..models import Attachment, Case, CaseAssignment, CaseClass, CaseEvent, CaseTask, Extension
from ..photos import Photo
from ..rules import CASE_FLOW, PUBLIC_CHANNELS, STAFF_CHANNELS, is_unlimited, valid_target
from .common import DESCRIPTION_MAX, NOTE_MAX, attach, close_tasks, lock, open_task, require, text


# --- 2. register (案卷建立) --------------------------------------------------------------------------
def do_register_case(case: Case, *, actor, cls: CaseClass | None = None, urgency: str | None = None,
                     note: str = "", expected_version: int | None = None) -> Case:
    """File the report as a case at its tier (立案), optionally correcting its class."""
    note = text(note, "note", required=False, limit=NOTE_MAX)
    with transaction.atomic():
        locked = lock(case, expected_version)
        CASE_FLOW.require(actor, locked, "register")
        now = timezone.now()
        fields = ["registered_at", "registered_by"]
        if cls is not None and cls.pk != locked.cls_id:
            if not cls.active:
                raise UserError(_("Class: choose an active event class."), field="cls")
            CASE_FLOW.record(locked, CaseEvent.Kind.RECLASSIFIED, actor=actor, note=f"{locked.cls} → {cls}", at=now)
            locked.cls = cls
            fields.append("cls")
        if urgency:
            if urgency not in Case.Urgency.values:
                raise UserError(_("Urgency must be normal or urgent."), field="urgency")
            locked.urgency = urgency
            fields.append("urgency")
        locked.registered_at, locked.registered_by = now, actor_row(actor)
        CASE_FLOW.advance(locked, "register", actor=actor, fields=fields, note=note, at=now)
        notices.handed(locked, actor=actor)
    return locked


def do_reject_case(case: Case, *, actor, note: str, duplicate_of: Case | None = None,
                   expected_version: int | None = None) -> Case:
    """Do not register: not a case (不予立案), or a duplicate merged into ``duplicate_of``."""
    note = text(note, "note", required=True, limit=NOTE_MAX)
    with transaction.atomic():
        locked = lock(case, expected_version)
        if duplicate_of is not None:
            return _merge_locked(locked, duplicate_of, actor=actor, note=note)
        CASE_FLOW.require(actor, locked, "reject")
        now = timezone.now()
        locked.closed_at = now
        close_tasks(locked, CaseTask.Kind.CONFIRM, actor=actor, outcome=CaseTask.Outcome.CANCELLED, now=now)
        CASE_FLOW.advance(locked, "reject", actor=actor, fields=["closed_at"], note=note, at=now)
    return locked


def do_merge_case(case: Case, into: Case, *, actor, note: str = "", expected_version: int | None = None) -> Case:
    """Merge a duplicate report into the case it repeats (same problem, place and time)."""
    with transaction.atomic():
        locked = lock(case, expected_version)
        return _merge_locked(locked, into, actor=actor, note=text(note, "note", required=False, limit=NOTE_MAX))


def _merge_locked(locked: Case, into: Case, *, actor, note: str) -> Case:
    if into.pk == locked.pk:
        raise UserError(_("Duplicate of: a case cannot be merged into itself."), field="duplicate_of")
    target = Case.objects.select_for_update().get(pk=into.pk)
    require(CASE_FLOW.permits(actor, locked, "merge"))
    require(in_scope(actor, target.area_code, CASES_VIEW) or is_unlimited(actor))
    CASE_FLOW.require(actor, locked, "merge", who=False)
    if not target.is_open() and target.status != Case.Status.CLOSED:
        raise Conflict(_("Duplicate of: the case to merge into is itself not registered or merged."),
                       field="duplicate_of")
    now = timezone.now()
    locked.merged_into, locked.closed_at = target, now
    close_tasks(locked, CaseTask.Kind.CONFIRM, actor=actor, outcome=CaseTask.Outcome.CANCELLED, now=now)
    CASE_FLOW.advance(locked, "merge", actor=actor, fields=["merged_into", "closed_at"], at=now,
                      note=f"→ {target.number} {note}".strip(), detail={"into": target.number})
    CASE_FLOW.record(target, CaseEvent.Kind.LINKED, actor=actor, note=f"← {locked.number}", at=now)
    return locked


def do_link_repeat(case: Case, earlier: Case, *, actor) -> Case:
    """Mark ``case`` as a repeat complaint about the problem of ``earlier`` (重复诉求)."""
    if case.pk == earlier.pk:
        raise UserError(_("Repeat of: a case cannot repeat itself."), field="repeat_of")
    with transaction.atomic():
        locked = lock(case)
        require(in_scope(actor, locked.area_code, CASES_VIEW) and in_scope(actor, earlier.area_code, CASES_VIEW))
        locked.repeat_of = earlier
        CASE_FLOW.advance(locked, "link", actor=actor, fields=["repeat_of"], note=earlier.number,
                          detail={"repeat_of": earlier.number})
    return locked


# --- 3. dispatch (任务派遣) --------------------------------------------------------------------------
def do_dispatch_case(case: Case, *, actor, lead_unit: OrgUnit, assisting_units=(), note: str = "",
                     expected_version: int | None = None) -> Case:
    """Send a registered case to its lead unit (and assisting units); the disposal clock starts."""
    note = text(note, "note", required=False, limit=NOTE_MAX)
    assisting = [u for u in assisting_units if u.pk != lead_unit.pk]
    with transaction.atomic():
        locked = lock(case, expected_version)
        CASE_FLOW.require(actor, locked, "dispatch")
        for unit, field in [(lead_unit, "lead_unit")] + [(u, "assisting_units") for u in assisting]:
            if not valid_target(locked, unit):
                raise UserError(_("%(unit)s cannot take cases handled at %(tier)s level.")
                                % {"unit": unit, "tier": locked.get_tier_display()}, field=field)
        now = timezone.now()
        locked.assignments.filter(active=True).update(active=False)
        CaseAssignment.objects.bulk_create(
            [CaseAssignment(case=locked, unit=lead_unit, role=CaseAssignment.Role.LEAD, dispatched_at=now,
                            area_code=locked.area_code)]
            + [CaseAssignment(case=locked, unit=u, role=CaseAssignment.Role.ASSIST, dispatched_at=now,
                              area_code=locked.area_code) for u in assisting]
        )
        locked.lead_unit = lead_unit
        locked.dispatched_at, locked.dispatched_by = now, actor_row(actor)
        locked.deadline = sla.disposal_deadline(locked.cls, now, locked.urgency)
        locked.warned_at = locked.overdue_at = None
        names = "、".join(str(u) for u in assisting)
        CASE_FLOW.advance(locked, "dispatch", actor=actor, at=now, unit=lead_unit,
                          fields=["lead_unit", "dispatched_at", "dispatched_by", "deadline", "warned_at", "overdue_at"],
                          note=(note + (f" 协办: {names}" if names else "")).strip(),
                          detail={"lead": lead_unit.code, "assist": [u.code for u in assisting]})
        notices.handed(locked, actor=actor)
    return locked


# --- 4. handle (任务处理) ----------------------------------------------------------------------------
def do_accept_case(case: Case, *, actor, expected_version: int | None = None) -> Case:
    """The lead unit signs for the case (签收) and starts work."""
    with transaction.atomic():
        locked = lock(case, expected_version)
        CASE_FLOW.require(actor, locked, "accept")
        locked.accepted_at = timezone.now()
        CASE_FLOW.advance(locked, "accept", actor=actor, fields=["accepted_at"], unit=locked.lead_unit)
    return locked


def do_send_back_case(case: Case, *, actor, reason: str, expected_version: int | None = None) -> Case:
    """The lead unit returns a case that is not theirs (退回); it goes back for dispatch."""
    reason = text(reason, "reason", required=True, limit=NOTE_MAX)
    with transaction.atomic():
        locked = lock(case, expected_version)
        CASE_FLOW.require(actor, locked, "send_back")
        unit = locked.lead_unit
        locked.assignments.filter(active=True).update(active=False)
        locked.lead_unit, locked.deadline = None, None
        locked.sendback_count += 1
        CASE_FLOW.advance(locked, "send_back", actor=actor, fields=["lead_unit", "deadline", "sendback_count"],
                          unit=unit, note=reason, detail={"unit": unit.code})
        notices.handed(locked, actor=actor)
    return locked


def do_request_extension(case: Case, *, actor, work_hours, reason: str) -> Extension:
    """The lead unit asks for more working time (延期申请); the tier's approver decides."""
    reason = text(reason, "reason", required=True, limit=500)
    try:
        hours = float(work_hours)
    except (TypeError, ValueError):
        raise UserError(_("Working hours asked: give the extra working hours as a number."), field="work_hours")
    if not 0.5 <= hours <= 7 * 30:
        raise UserError(_("Working hours asked: between 0.5 and 210 working hours (30 working days)."),
                        field="work_hours")
    with transaction.atomic():
        locked = lock(case)
        CASE_FLOW.require(actor, locked, "extend")
        ext = Extension.objects.create(case=locked, unit=locked.lead_unit, work_hours=hours, reason=reason,
                                       requested_by=actor_row(actor), requested_at=timezone.now())
        CASE_FLOW.advance(locked, "extend", actor=actor, unit=locked.lead_unit, note=f"+{hours:g}h {reason}",
                          detail={"hours": hours})
        notices.extension_asked(ext, actor=actor)
    return ext


def do_decide_extension(extension: Extension, *, actor, grant: bool, note: str = "") -> Extension:
    """Approve (the deadline moves by the hours asked, on the work calendar) or refuse."""
    note = text(note, "note", required=not grant, limit=500)
    step = "grant_extension" if grant else "refuse_extension"
    with transaction.atomic():
        locked = lock(extension.case)
        ext = Extension.objects.select_for_update().get(pk=extension.pk)
        require(CASE_FLOW.permits(actor, locked, step))
        if ext.status != Extension.Status.PENDING:
            raise Conflict(CASE_FLOW.step(step).conflict)
        now = timezone.now()
        ext.status = Extension.Status.GRANTED if grant else Extension.Status.REFUSED
        ext.decided_by, ext.decided_at, ext.decision_note = actor_row(actor), now, note
        ext.save()
        fields = []
        if grant and locked.deadline is not None:
            locked.deadline = sla.extended(locked.deadline, float(ext.work_hours))
            locked.extension_count += 1
            locked.warned_at = locked.overdue_at = None
            fields = ["deadline", "extension_count", "warned_at", "overdue_at"]
        CASE_FLOW.advance(locked, step, actor=actor, fields=fields, unit=ext.unit, note=note, at=now,
                          detail={"granted": grant})
    return ext


def do_pause_case(case: Case, *, actor, note: str, expected_version: int | None = None) -> Case:
    """Stop the clock while waiting for the reporter (e.g. access to the home)."""
    note = text(note, "note", required=True, limit=NOTE_MAX)
    with transaction.atomic():
        locked = lock(case, expected_version)
        CASE_FLOW.require(actor, locked, "pause")
        locked.paused_at = timezone.now()
        CASE_FLOW.advance(locked, "pause", actor=actor, fields=["paused_at"], unit=locked.lead_unit, note=note)
    return locked


def do_resume_case(case: Case, *, actor, note: str = "", expected_version: int | None = None) -> Case:
    """Restart the clock: the deadline moves by the working time spent paused."""
    note = text(note, "note", required=False, limit=NOTE_MAX)
    with transaction.atomic():
        locked = lock(case, expected_version)
        CASE_FLOW.require(actor, locked, "resume")
        now = timezone.now()
        if locked.deadline is not None:
            locked.deadline = sla.after_pause(locked.deadline, locked.paused_at, now)
        locked.paused_at = None
        CASE_FLOW.advance(locked, "resume", actor=actor, fields=["paused_at", "deadline"], unit=locked.lead_unit,
                          note=note, at=now)
    return locked


_NEXT_TIER = {Case.Tier.COMMUNITY: (Case.Tier.STREET, 9), Case.Tier.STREET: (Case.Tier.DISTRICT, 6)}


def escalate_locked(locked: Case, *, actor, note: str, kind: str = CaseEvent.Kind.ESCALATED,
                    step: str = "escalate", detail: dict | None = None, fields=()) -> None:
    """Move the locked case to the next tier up: its lead unit and deadline go, the higher tier
    registers or dispatches it again."""
    tier, length = _NEXT_TIER[locked.tier]
    locked.assignments.filter(active=True).update(active=False)
    locked.tier, locked.tier_code = tier, locked.area_code[:length]
    old_unit = locked.lead_unit
    locked.lead_unit, locked.deadline, locked.paused_at = None, None, None
    CASE_FLOW.advance(locked, step, actor=actor, kind=kind, unit=old_unit, detail=detail,
                      to=None if locked.status == Case.Status.REPORTED else Case.Status.REGISTERED,
                      fields=["tier", "tier_code", "lead_unit", "deadline", "paused_at", *fields],
                      note=(f"→ {locked.get_tier_display()} {locked.tier_code} " + note).strip())
    notices.handed(locked, actor=actor)


def do_escalate_case(case: Case, *, actor, note: str, expected_version: int | None = None) -> Case:
    """Not solvable at this tier: the community hands it to the street, the street to the district
    centre (分级负责). The higher tier registers or dispatches it again."""
    note = text(note, "note", required=True, limit=NOTE_MAX)
    with transaction.atomic():
        locked = lock(case, expected_version)
        CASE_FLOW.require(actor, locked, "escalate")
        tier = _NEXT_TIER[locked.tier][0]
        escalate_locked(locked, actor=actor, note=note, detail={"tier": tier})
    return locked


# --- 5. feedback (处理反馈) --------------------------------------------------------------------------
def do_feedback_case(case: Case, *, actor, result: str, photos: list[Photo] = (),
                     expected_version: int | None = None) -> Case:
    """The lead unit reports what it did, with photos; a supervisor then checks on site."""
    result = text(result, "result", required=True, limit=DESCRIPTION_MAX)
    with transaction.atomic():
        locked = lock(case, expected_version)
        CASE_FLOW.require(actor, locked, "feedback")
        now = timezone.now()
        locked.feedback_at, locked.result = now, result
        CASE_FLOW.advance(locked, "feedback", actor=actor, fields=["feedback_at", "result"], unit=locked.lead_unit,
                          note=result, at=now)
        attach(locked, list(photos), Attachment.Stage.FEEDBACK)
        open_task(locked, CaseTask.Kind.CHECK, "check", now)
    return locked


# --- 6. verify and close (核查结案) ------------------------------------------------------------------
def do_verify_case(case: Case, *, actor, passed: bool, note: str = "", photos: list[Photo] = (),
                   expected_version: int | None = None) -> Case:
    """A supervisor checks the result on site: pass closes the case (the reporter is told); fail
    sends it back to the unit as rework (返工), counted."""
    note = text(note, "note", required=not passed, limit=NOTE_MAX)
    step = "close" if passed else "rework"
    with transaction.atomic():
        locked = lock(case, expected_version)
        CASE_FLOW.require(actor, locked, step)
        now = timezone.now()
        close_tasks(locked, CaseTask.Kind.CHECK, actor=actor, now=now, note=note,
                    outcome=CaseTask.Outcome.PASSED if passed else CaseTask.Outcome.FAILED)
        attach(locked, list(photos), Attachment.Stage.CHECK)
        before = locked.status
        if passed:
            locked.closed_at = now
            locked.closed_on_time = locked.deadline is None or now <= locked.deadline
            CASE_FLOW.advance(locked, "close", actor=actor, fields=["closed_at", "closed_on_time"], note=note, at=now,
                              detail={"passed": True})
            CASE_FLOW.record(locked, CaseEvent.Kind.CLOSED, actor=actor, from_status=before, at=now)
            if locked.reporter_phone_enc or locked.reporter_id or locked.channel in PUBLIC_CHANNELS:
                # The outcome is published for the reporter on the query page (query code).
                CASE_FLOW.record(locked, CaseEvent.Kind.NOTIFIED, actor=None, at=now,
                                 note=_("The result is published for the reporter; they are asked to rate it."))
            if locked.channel in STAFF_CHANNELS and locked.reporter_phone_enc and not locked.reporter_anonymous:
                # A caller is also told by a seat, who asks their rating (答复).
                open_task(locked, CaseTask.Kind.REPLY, "reply", now)
        else:
            locked.rework_count += 1
            CASE_FLOW.advance(locked, "rework", actor=actor, fields=["rework_count"], unit=locked.lead_unit,
                              note=note, at=now, detail={"passed": False})
            notices.handed(locked, actor=actor)
    return locked
