"""Who may act on a case, and the case's state machine (``CASE_FLOW``), in one place.

Registering and dispatching happen at the case's tier — a membership whose area is exactly
``tier_code`` (the community's worker, the street's admin, the district centre's shift leader or
dispatcher); handling belongs to the lead unit's staff; verifying to supervisors of the case's
grid; extensions, replies and callbacks to the tier's approvers (and the district's hotline seats
for calls and messages). Actions enforce these rules through ``CASE_FLOW.require`` and pages show
a step's button through ``CASE_FLOW.available`` — the same table.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts.models import OrgUnit
from civicgrid.core.plugins import capabilities_of
from civicgrid.core.scoping import in_scope
from civicgrid.core.workflow import Step, Workflow

from .capabilities import (
    CASES_DISPATCH,
    CASES_EXTEND,
    CASES_HANDLE,
    CASES_INTAKE,
    CASES_REGISTER,
    CASES_VERIFY,
    CASES_VIEW,
)
from .models import Case, CaseAssignment, CaseEvent, CaseTask, Extension

STAFF_CHANNELS = frozenset({Case.Channel.HOTLINE, Case.Channel.MAILBOX, Case.Channel.WEBSITE, Case.Channel.LEADER})
PUBLIC_CHANNELS = frozenset({Case.Channel.RESIDENT, Case.Channel.OPEN311})


# --- who -------------------------------------------------------------------------------------------
def is_unlimited(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


def tier_codes(user, capability: str) -> set[str]:
    """Area codes where ``user`` holds ``capability`` through a membership of exactly that area."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return {m.area_code for m in user.active_memberships() if capability in capabilities_of(m.role)}


def acts_at_tier(user, case: Case, capability: str) -> bool:
    return is_unlimited(user) or case.tier_code in tier_codes(user, capability)


def handler_units(user) -> list[int]:
    """Units the user handles cases for: their own unit (departments), or the community committee /
    street office of the area they work in."""
    if user is None or not getattr(user, "is_authenticated", False) or is_unlimited(user):
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
    return unit is not None and (is_unlimited(user) or unit.pk in handler_units(user))


def visible_q(user) -> Q:
    """The cases ``user`` may see: by area with ``cases.view``, plus a department's own cases."""
    from civicgrid.core.scoping import scope_q

    q = scope_q(user, "area_code", CASES_VIEW)
    units = handler_units(user)
    if units:
        q |= Q(pk__in=CaseAssignment.objects.filter(unit_id__in=units).values("case_id"))
    return q


def can_see(user, case: Case) -> bool:
    if is_unlimited(user):
        return True
    if in_scope(user, case.area_code, CASES_VIEW):
        return True
    units = handler_units(user)
    return bool(units) and case.assignments.filter(unit_id__in=units).exists()


def valid_target(case: Case, unit: OrgUnit) -> bool:
    """A unit at or below the case's tier: the community committee at community tier; street office
    and committees at street tier; departments and street offices at the district centre."""
    return unit.active and unit.area_code.startswith(case.tier_code) and unit.kind != OrgUnit.Kind.CENTRE


def seat_of(actor, case: Case) -> bool:
    """A hotline seat of the case's district, for a call or message: they speak for the caller."""
    return in_scope(actor, case.area_code, CASES_INTAKE) and case.channel in STAFF_CHANNELS


def may_call_reporter(actor, case: Case) -> bool:
    """Who calls a reporter (答复, 回访): the tier's approvers and the hotline seats of the district."""
    return (is_unlimited(actor) or in_scope(actor, case.tier_code, CASES_EXTEND)
            or in_scope(actor, case.area_code, CASES_INTAKE))


def may_reveal_phone(actor, case: Case) -> bool:
    """The caller's full phone: for the seats of the district and the tier's approvers."""
    return is_unlimited(actor) or in_scope(actor, case.area_code, CASES_INTAKE) \
        or in_scope(actor, case.tier_code, CASES_EXTEND)


def _at_tier(*capabilities: str):
    return lambda actor, case: any(acts_at_tier(actor, case, c) for c in capabilities)


def _lead(actor, case: Case) -> bool:
    return acts_for_unit(actor, case.lead_unit)


def _verifier(actor, case: Case) -> bool:
    return is_unlimited(actor) or in_scope(actor, case.area_code, CASES_VERIFY)


def _approver(actor, case: Case) -> bool:
    return is_unlimited(actor) or in_scope(actor, case.tier_code, CASES_EXTEND)


def _escalator(actor, case: Case) -> bool:
    return acts_at_tier(actor, case, CASES_REGISTER) or acts_at_tier(actor, case, CASES_DISPATCH) \
        or _lead(actor, case)


def _has_open_confirmation(case: Case) -> bool:
    return case.tasks.filter(kind=CaseTask.Kind.CONFIRM, outcome="").exists()


def _has_pending_extension(case: Case) -> bool:
    return case.extensions.filter(status=Extension.Status.PENDING).exists()


# --- the state machine -----------------------------------------------------------------------------
S, K = Case.Status, CaseEvent.Kind
_NOT_YOURS_LEAD = _("Only the lead unit's staff can do this.")

CASE_FLOW = Workflow(
    Case, history=CaseEvent, parent="case", audit_prefix="cases.case", select_related=("cls", "lead_unit"),
    stale=_("Someone else changed this case meanwhile; reload and try again."),
    history_fields=lambda case: {"deadline": case.deadline},
    scope=lambda actor, case: can_see(actor, case),
    steps=[
        # 1. collect: a supervisor confirms a public report on site (核实); a false one is not registered.
        Step("confirm", (), None, K.CONFIRMED, CASES_VERIFY, who=_verifier, guard=_has_open_confirmation,
             conflict=_("This case has no open on-site confirmation.")),
        # 2. register (立案) or not (不予立案), or merge a duplicate into the case it repeats.
        Step("register", {S.REPORTED}, S.REGISTERED, K.REGISTERED, CASES_REGISTER, who=_at_tier(CASES_REGISTER),
             conflict=_("Only a reported case can be registered; this one is %(s)s.")),
        Step("reject", {S.REPORTED}, S.INVALID, K.REJECTED, CASES_REGISTER, who=_at_tier(CASES_REGISTER),
             conflict=_("Only a reported case can be refused registration.")),
        Step("merge", {S.REPORTED, S.REGISTERED}, S.DUPLICATE, K.MERGED, CASES_REGISTER,
             who=_at_tier(CASES_REGISTER, CASES_DISPATCH), conflict=_("Only a case not yet dispatched can be merged.")),
        Step("link", (), None, K.LINKED, CASES_VIEW),
        # 3. dispatch (派遣) to a lead unit; the disposal clock starts.
        Step("dispatch", {S.REGISTERED}, S.DISPATCHED, K.DISPATCHED, CASES_DISPATCH, who=_at_tier(CASES_DISPATCH),
             conflict=_("Only a registered case can be dispatched; this one is %(s)s.")),
        # 4. handle (处置): the lead unit accepts, sends back, pauses, asks for time.
        Step("accept", {S.DISPATCHED}, S.HANDLING, K.ACCEPTED, CASES_HANDLE, who=_lead, refused=_NOT_YOURS_LEAD,
             conflict=_("Only a dispatched case can be accepted; this one is %(s)s.")),
        Step("send_back", {S.DISPATCHED, S.HANDLING}, S.REGISTERED, K.SENT_BACK, CASES_HANDLE, who=_lead,
             refused=_NOT_YOURS_LEAD, conflict=_("Only a dispatched case or one being handled can be sent back.")),
        Step("pause", {S.HANDLING}, S.PAUSED, K.PAUSED, CASES_HANDLE, who=_lead, refused=_NOT_YOURS_LEAD,
             conflict=_("Only a case being handled can be paused.")),
        Step("resume", {S.PAUSED}, S.HANDLING, K.RESUMED, CASES_HANDLE, who=_lead, refused=_NOT_YOURS_LEAD,
             conflict=_("Only a paused case can be resumed.")),
        Step("extend", {S.HANDLING, S.PAUSED}, None, K.EXTENSION_ASKED, CASES_HANDLE, who=_lead,
             guard=lambda case: not _has_pending_extension(case), refused=_NOT_YOURS_LEAD,
             conflict=_("Only a case being handled, with no extension request waiting, can be extended."),
             audit="extension_request"),
        Step("grant_extension", (), None, K.EXTENSION_GRANTED, CASES_EXTEND, who=_approver,
             guard=_has_pending_extension, conflict=_("This extension request has been decided already."),
             audit="extension_decide"),
        Step("refuse_extension", (), None, K.EXTENSION_REFUSED, CASES_EXTEND, who=_approver,
             guard=_has_pending_extension, conflict=_("This extension request has been decided already."),
             audit="extension_decide"),
        # Not solvable at this tier: up to the street, then the district centre (分级负责).
        Step("escalate", {S.REPORTED, S.REGISTERED, S.DISPATCHED, S.HANDLING, S.PAUSED}, None, K.ESCALATED,
             CASES_REGISTER, who=_escalator, guard=lambda case: case.tier != Case.Tier.DISTRICT,
             conflict=_("This case cannot be escalated now (it is at the district centre, waiting for a check, "
                        "or finished).")),
        # 5. feedback (处理反馈) with photos; a supervisor then checks on site.
        Step("feedback", {S.HANDLING}, S.FEEDBACK, K.FEEDBACK, CASES_HANDLE, who=_lead, refused=_NOT_YOURS_LEAD,
             conflict=_("Only a case being handled can report its result; this one is %(s)s.")),
        # 6. verify (核查): pass closes the case, fail sends it back as rework (返工).
        Step("close", {S.FEEDBACK}, S.CLOSED, K.CHECK_PASSED, CASES_VERIFY, who=_verifier,
             refused=_("Only a supervisor of this grid can check the result."), audit="verify",
             conflict=_("Only a case whose result was reported can be checked; this one is %(s)s.")),
        Step("rework", {S.FEEDBACK}, S.HANDLING, K.REWORK, CASES_VERIFY, who=_verifier,
             refused=_("Only a supervisor of this grid can check the result."), audit="verify",
             conflict=_("Only a case whose result was reported can be checked; this one is %(s)s.")),
        # 7. evaluate (评价): the reporter's rating (who: the action checks the query code), the
        # seats' reply to a caller (答复) and callback after a bad rating (回访).
        Step("rate", {S.CLOSED}, None, K.RATED, None, guard=lambda case: case.rating is None, public=True,
             refused=_("Only the reporter (with the query code) can rate this case."),
             conflict=_("Only a closed case can be rated, once.")),
        Step("reply", (), None, K.NOTIFIED, CASES_EXTEND, who=may_call_reporter,
             refused=_("Only the hotline seats of the case's district reply to its caller.")),
        Step("callback", (), None, K.CALLBACK, CASES_EXTEND, who=may_call_reporter),
        # The deadline job (the system): a warning before the deadline, escalation when overdue.
        Step("warn", {S.DISPATCHED, S.HANDLING}, None, K.WARNED, None, label=_("deadline warning sent")),
        Step("overdue", {S.DISPATCHED, S.HANDLING}, None, K.OVERDUE, None),
    ],
)

# The buttons of the case page: step → whether the user may take it now.
BUTTONS = {"register": "register", "dispatch": "dispatch", "accept": "accept", "send_back": "send_back",
           "feedback": "feedback", "pause": "pause", "resume": "resume", "extend": "extend",
           "escalate": "escalate", "verify": "close", "confirm": "confirm", "decide_extension": "grant_extension"}


def buttons(user, case: Case) -> dict[str, bool]:
    """Which steps the user may take on the case now — ``CASE_FLOW``'s own rules."""
    steps = CASE_FLOW.available(user, case, BUTTONS.values())
    out = {key: steps[step] for key, step in BUTTONS.items()}
    out["reveal_phone"] = bool(case.reporter_phone_enc) and may_reveal_phone(user, case)
    return out
