"""Reads of cases for a user: jurisdiction-scoped lists, one case, the work queues, suggestions.

Staff with ``cases.view`` see the cases whose grid lies in their area; a department's handlers
see only the cases sent to their unit. "Not yours" and "not there" both answer 404.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections import Counter

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicgrid.accounts.models import OrgUnit
from civicgrid.cases.capabilities import (
    CASES_DISPATCH,
    CASES_EXTEND,
    CASES_HANDLE,
    CASES_INTAKE,
    CASES_MANAGE,
    CASES_REGISTER,
    CASES_VERIFY,
)
from civicgrid.core import audit, crypto
from civicgrid.core.access import access_object
from civicgrid.core.scoping import restrict, scope_q

from .actions import PHONE_CONTEXT
from .models import Attachment, Case, CaseAssignment, CaseEvent, CaseTask, Extension, Open311Key
from .rules import buttons, can_see, handler_units, may_reveal_phone, tier_codes, valid_target, visible_q


def visible_cases(user) -> QuerySet[Case]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return Case.objects.filter(visible_q(user)).select_related("cls", "lead_unit")


def access_case(user, pk) -> Case:
    return access_object(Case.objects.select_related("cls", "lead_unit", "merged_into", "repeat_of"), user,
                         check=can_see, pk=pk)


def access_case_by_number(user, number: str) -> Case:
    return access_object(Case.objects.select_related("cls", "lead_unit", "merged_into", "repeat_of"), user,
                         check=can_see, number=str(number)[:20])


def _case_visible(user, obj) -> bool:
    return can_see(user, obj.case)


def access_extension(user, pk) -> Extension:
    return access_object(Extension.objects.select_related("case"), user, check=_case_visible, pk=pk)


def access_task(user, pk) -> CaseTask:
    return access_object(CaseTask.objects.select_related("case"), user, check=_case_visible, pk=pk)


def access_attachment(user, pk) -> Attachment:
    return access_object(Attachment.objects.select_related("case"), user, check=_case_visible, pk=pk)


def history(case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("unit").order_by("at", "id")


def reveal_reporter_phone(user, case: Case, *, reason: str) -> str:
    """The caller's full phone, for the seat or shift leader calling back; audited."""
    from django.utils.translation import gettext as _

    from civicgrid.core.errors import NotPermitted, UserError

    if not (reason or "").strip():
        raise UserError(_("Reason: say why you need the full number."), field="reason")
    if not may_reveal_phone(user, case):
        audit.record("cases.case.reveal_phone", actor=user, obj=case, outcome="denied")
        raise NotPermitted(_("Your role does not allow this."))
    audit.record("cases.case.reveal_phone", actor=user, obj=case, detail={"reason": reason.strip()[:200]})
    return crypto.decrypt_optional(case.reporter_phone_enc, context=PHONE_CONTEXT)


# --- filters and queues --------------------------------------------------------------------------------
def filter_cases(user, params) -> QuerySet[Case]:
    qs = visible_cases(user)
    status = params.get("status") or ""
    if status == "open":
        qs = qs.filter(status__in=Case.OPEN)
    elif status in Case.Status.values:
        qs = qs.filter(status=status)
    if params.get("tier") in Case.Tier.values:
        qs = qs.filter(tier=params["tier"])
    if params.get("channel") in Case.Channel.values:
        qs = qs.filter(channel=params["channel"])
    if params.get("cls"):
        qs = qs.filter(cls__code=str(params["cls"])[:12])
    area = str(params.get("area") or "")
    if area.isdigit():
        qs = qs.filter(area_code__startswith=area)
    overdue = params.get("overdue")
    now = timezone.now()
    if overdue in ("1", "true", True):
        qs = qs.filter(Case.overdue_q(now))
    elif overdue == "soon":
        qs = qs.filter(status__in=[Case.Status.DISPATCHED, Case.Status.HANDLING], warned_at__isnull=False,
                       deadline__gte=now)
    q = (params.get("q") or "").strip()[:50]
    if q:
        qs = qs.filter(Q(number=q) | Q(title__icontains=q) | Q(address__icontains=q) | Q(description__icontains=q))
    return qs


def register_queue(user) -> QuerySet[Case]:
    codes = tier_codes(user, CASES_REGISTER)
    qs = Case.objects.filter(status=Case.Status.REPORTED)
    if not getattr(user, "is_superuser", False):
        qs = qs.filter(tier_code__in=codes)
    return qs.select_related("cls").order_by("reported_at")


def dispatch_queue(user) -> QuerySet[Case]:
    codes = tier_codes(user, CASES_DISPATCH)
    qs = Case.objects.filter(status=Case.Status.REGISTERED)
    if not getattr(user, "is_superuser", False):
        qs = qs.filter(tier_code__in=codes)
    return qs.select_related("cls").order_by("registered_at")


def unit_queue(user) -> QuerySet[Case]:
    units = handler_units(user)
    return (Case.objects.filter(lead_unit_id__in=units, status__in=[
        Case.Status.DISPATCHED, Case.Status.HANDLING, Case.Status.PAUSED])
        .select_related("cls", "lead_unit").order_by("deadline"))


def assisting_queue(user) -> QuerySet[Case]:
    units = handler_units(user)
    ids = CaseAssignment.objects.filter(unit_id__in=units, role=CaseAssignment.Role.ASSIST, active=True) \
        .values("case_id")
    return Case.objects.filter(pk__in=ids, status__in=Case.OPEN).select_related("cls", "lead_unit")


def may_see_tasks(user) -> bool:
    """Supervisors (on-site confirmations and checks), the tiers' approvers and the hotline seats
    (replies to callers, 答复, and callbacks to dissatisfied reporters, 回访) have a task queue."""
    return any(user.has_capability(c) for c in (CASES_VERIFY, CASES_EXTEND, CASES_INTAKE))


def task_queue(user, kind: str | None = None) -> QuerySet[CaseTask]:
    """Open on-site confirmations and checks for a supervisor's grids; callbacks for the centre."""
    qs = CaseTask.objects.filter(outcome="").select_related("case", "case__cls").order_by("due_at")
    if kind:
        qs = qs.filter(kind=kind)
    if getattr(user, "is_superuser", False):
        return qs
    verify = scope_q(user, "area_code", CASES_VERIFY) & Q(kind__in=[CaseTask.Kind.CONFIRM, CaseTask.Kind.CHECK])
    callbacks = (scope_q(user, "case__tier_code", CASES_EXTEND)
                 | scope_q(user, "area_code", CASES_INTAKE)) & Q(kind__in=[CaseTask.Kind.REPLY,
                                                                            CaseTask.Kind.CALLBACK])
    return qs.filter(verify | callbacks)


def visible_open311_keys(user) -> QuerySet[Open311Key]:
    """The Open311 keys of the areas the user manages (all of them with unlimited scope); a key for
    anywhere (no area) only with unlimited scope."""
    qs = Open311Key.objects.select_related("created_by").order_by("-active", "-created_at")
    return restrict(qs, user, "area_code", CASES_MANAGE)


def access_open311_key(user, pk) -> Open311Key:
    """A key of the areas the user manages (a key for anywhere only with unlimited scope)."""
    return access_object(Open311Key, user, capability=CASES_MANAGE, pk=pk)


def extension_queue(user) -> QuerySet[Extension]:
    qs = Extension.objects.filter(status=Extension.Status.PENDING).select_related("case", "unit")
    if getattr(user, "is_superuser", False):
        return qs
    return qs.filter(scope_q(user, "case__tier_code", CASES_EXTEND))


def queues_for(user) -> dict[str, int]:
    """How many items wait in each of the user's queues (for the navigation and the home page)."""
    out = {}
    if user.has_capability(CASES_REGISTER):
        out["register"] = register_queue(user).count()
    if user.has_capability(CASES_DISPATCH):
        out["dispatch"] = dispatch_queue(user).count()
    if user.has_capability(CASES_HANDLE):
        out["unit"] = unit_queue(user).count()
    if may_see_tasks(user):
        out["tasks"] = task_queue(user).count()
    if user.has_capability(CASES_EXTEND):
        out["extensions"] = extension_queue(user).count()
    return out


# --- suggestions ---------------------------------------------------------------------------------
def _metres(lon1, lat1, lon2, lat2) -> float:
    k = 111_320.0
    return math.hypot((lon2 - lon1) * k * math.cos(math.radians((lat1 + lat2) / 2)), (lat2 - lat1) * k)


def dispatch_suggestions(user, case: Case, limit: int = 5) -> list[dict]:
    """Units to send the case to, best first (see :func:`dispatch_advice`)."""
    return dispatch_advice(user, [case], limit)[0][0]


def _any_prefix(field: str, prefixes) -> Q:
    q = Q(pk__in=[])
    for prefix in sorted(set(prefixes)):
        q |= Q(**{f"{field}__startswith": prefix})
    return q


def dispatch_advice(user, cases: list[Case], limit: int = 5) -> list[tuple[list[dict], list[OrgUnit]]]:
    """For each case, in order: the suggested units, best first, and every valid target — in two
    queries for the whole list (a dispatch queue of many cases renders in constant queries).

    Suggestions score past dispatches of the same class near the place that were closed without
    being sent back (3 in the same community, 1 elsewhere in the street), the class's default
    department (10), the community committee or street office of the place (8 or 6 at their own
    tier, else 1) and the component's maintainer (12).

    A unit that sent the case back (退回: "not ours") or handed it up (上报, or let it run over)
    is marked ``refused`` and ranked after the others, so the form never pre-selects it; the
    dispatcher may still choose it. The tier office a case was escalated from (the community
    committee or street office of the tier below) counts as having handed it up."""
    if not cases:
        return []
    refused = _refused_units(cases)
    units = list(OrgUnit.objects.filter(_any_prefix("area_code", (c.tier_code[:6] for c in cases)), active=True)
                 .order_by("area_code", "code"))
    history = Q(pk__in=[])
    for cls_id, prefix in {(c.cls_id, c.area_code[:9]) for c in cases}:
        history |= Q(cls_id=cls_id, area_code__startswith=prefix)
    past = list(Case.objects.filter(history, status=Case.Status.CLOSED, lead_unit__isnull=False, sendback_count=0)
                .order_by().values_list("cls_id", "lead_unit_id", "area_code").annotate(n=Count("id")))
    out = []
    for case in cases:
        candidates = {u.pk: u for u in units if u.area_code.startswith(case.tier_code[:6]) and valid_target(case, u)}
        scores: Counter = Counter()
        reasons: dict[int, list[str]] = {}
        for cls_id, unit_id, code, n in past:
            if cls_id == case.cls_id and unit_id in candidates and code.startswith(case.area_code[:9]):
                scores[unit_id] += n * (3 if code[:12] == case.area_code[:12] else 1)
                reasons.setdefault(unit_id, []).append("history")
        if case.cls.department:
            for u in candidates.values():
                if u.department == case.cls.department:
                    scores[u.pk] += 10
                    reasons.setdefault(u.pk, []).append("class")
        for u in candidates.values():
            if u.kind == OrgUnit.Kind.COMMUNITY_COMMITTEE and case.area_code.startswith(u.area_code):
                scores[u.pk] += 8 if case.tier == Case.Tier.COMMUNITY else 1
                reasons.setdefault(u.pk, []).append("place")
            elif u.kind == OrgUnit.Kind.STREET_OFFICE and case.area_code.startswith(u.area_code):
                scores[u.pk] += 6 if case.tier == Case.Tier.STREET else 1
                reasons.setdefault(u.pk, []).append("place")
        if case.component_id and case.component and case.component.maintainer_unit:
            for u in candidates.values():
                if u.name == case.component.maintainer_unit:
                    scores[u.pk] += 12
                    reasons.setdefault(u.pk, []).append("maintainer")
        no = refused.get(case.pk, {})
        for u in candidates.values():
            if (u.kind in (OrgUnit.Kind.COMMUNITY_COMMITTEE, OrgUnit.Kind.STREET_OFFICE)
                    and u.area_code in no.get("tiers", ())):
                no.setdefault("units", {})[u.pk] = "escalated"
        refused_units = no.get("units", {})
        ranked = sorted(scores.items(), key=lambda kv: (kv[0] in refused_units, -kv[1], candidates[kv[0]].code))
        suggestions = [{"unit": candidates[pk], "score": score, "reasons": sorted(set(reasons.get(pk, []))),
                        "refused": refused_units.get(pk, ""), "preselect": False} for pk, score in ranked[:limit]]
        if suggestions and not suggestions[0]["refused"]:
            suggestions[0]["preselect"] = True
        # The units are shared by every case of the list: a refused one is copied to be marked.
        targets = [_marked(u, refused_units[u.pk]) if u.pk in refused_units else u for u in candidates.values()]
        out.append((suggestions, targets))
    return out


def _marked(unit: OrgUnit, refused: str) -> OrgUnit:
    marked = copy.copy(unit)
    marked.refused = refused
    return marked


_TIER_LENGTHS = (6, 9, 12)  # district, street, community: the codes of the tiers a case passes


def _refused_units(cases: list[Case]) -> dict[int, dict]:
    """Per case: {"units": {unit id: "sent_back" | "escalated"}, "tiers": area codes of the tiers it
    was escalated from}, from its history, in one query for the whole list."""
    kinds = {CaseEvent.Kind.SENT_BACK: "sent_back", CaseEvent.Kind.ESCALATED: "escalated",
             CaseEvent.Kind.OVERDUE: "escalated"}
    out: dict[int, dict] = {}
    escalations: Counter = Counter()
    rows = (CaseEvent.objects.filter(case_id__in=[c.pk for c in cases], kind__in=list(kinds))
            .order_by("case_id", "at", "id").values_list("case_id", "kind", "unit_id"))
    for case_id, kind, unit_id in rows:
        entry = out.setdefault(case_id, {"units": {}, "tiers": set()})
        if unit_id is not None:
            entry["units"][unit_id] = kinds[kind]
        if kind != CaseEvent.Kind.SENT_BACK:
            escalations[case_id] += 1
    for case in cases:
        n = escalations.get(case.pk, 0)
        if n:
            below = [length for length in _TIER_LENGTHS if length > len(case.tier_code)][:n]
            out[case.pk]["tiers"] = {case.area_code[:length] for length in below}
    return out


DUPLICATE_RADIUS_M = 100


def duplicate_candidates(user, case: Case) -> list[Case]:
    """Open cases of the same class within 100 m reported the same day (likely the same problem)."""
    return duplicates_of(user, [case])[0]


def duplicates_of(user, cases: list[Case], limit: int = 50) -> list[list[Case]]:
    """:func:`duplicate_candidates` of each case, in order, in one query for the whole list."""
    if not cases:
        return []
    d = DUPLICATE_RADIUS_M / 111_320.0
    days, near = [], Q(pk__in=[])
    for case in cases:
        start = timezone.localtime(case.reported_at).replace(hour=0, minute=0, second=0, microsecond=0)
        days.append((start, start + dt.timedelta(days=1)))
        near |= Q(cls_id=case.cls_id, reported_at__gte=days[-1][0], reported_at__lt=days[-1][1],
                  lon__range=(case.lon - 2 * d, case.lon + 2 * d), lat__range=(case.lat - d, case.lat + d))
    found = list(visible_cases(user).filter(near).exclude(status__in=[Case.Status.INVALID, Case.Status.DUPLICATE])
                 [:limit * len(cases)])
    out = []
    for case, (start, end) in zip(cases, days, strict=True):
        out.append([c for c in found if c.pk != case.pk and c.cls_id == case.cls_id and start <= c.reported_at < end
                    and _metres(case.lon, case.lat, c.lon, c.lat) <= DUPLICATE_RADIUS_M][:limit])
    return out


def can(user, case: Case) -> dict[str, bool]:
    """Which steps the user may take on the case now (buttons in the page): ``rules.CASE_FLOW``."""
    return buttons(user, case)


# --- public ----------------------------------------------------------------------------------------
def public_case(query_code: str) -> Case | None:
    """A case by its query code (for a reporter without an account), or None."""
    code = (query_code or "").strip().upper()[:12]
    if len(code) < 8:
        return None
    return Case.objects.select_related("cls", "lead_unit").filter(query_code=code).first()


PUBLIC_EVENT_KINDS = {
    CaseEvent.Kind.REPORTED, CaseEvent.Kind.REGISTERED, CaseEvent.Kind.REJECTED, CaseEvent.Kind.MERGED,
    CaseEvent.Kind.DISPATCHED, CaseEvent.Kind.ACCEPTED, CaseEvent.Kind.FEEDBACK, CaseEvent.Kind.CLOSED,
    CaseEvent.Kind.RATED, CaseEvent.Kind.ESCALATED, CaseEvent.Kind.REWORK,
}


def public_history(case: Case) -> list[CaseEvent]:
    """Steps a reporter may see: no staff names, no internal notes."""
    return list(case.events.filter(kind__in=PUBLIC_EVENT_KINDS).select_related("unit").order_by("at", "id"))


# --- lookups for the pages and the API ----------------------------------------------------------------
def active_unit(*, code: str | None = None, pk=None) -> OrgUnit | None:
    """An active unit named in a dispatch form (any unit of the platform: whether it may take the
    case is the dispatch action's rule, ``rules.valid_target``)."""
    qs = OrgUnit.objects.filter(active=True)
    if code is not None:
        return qs.filter(code=str(code)[:32]).first()
    return qs.filter(pk=int(pk)).first() if str(pk or "").isdigit() and int(pk) < 2**63 else None


def public_requests() -> QuerySet[Case]:
    """The service requests the GeoReport v2 feed publishes: cases from the public channels (never
    their reporters' data: the feed's serializer picks the fields)."""
    from .open311.spec import FEED_CHANNELS

    return Case.objects.filter(channel__in=FEED_CHANNELS).select_related("cls", "lead_unit", "merged_into")


def open311_key(key_hash: str) -> Open311Key | None:
    """The active key with this hash (the key itself is never stored)."""
    return Open311Key.objects.filter(key_hash=key_hash, active=True).first()


def public_photo(pk) -> Attachment | None:
    """A report or result photo, for a reporter holding the case's query code (checked by the page)."""
    return Attachment.objects.select_related("case").filter(
        pk=pk, stage__in=[Attachment.Stage.REPORT, Attachment.Stage.FEEDBACK]).first()
