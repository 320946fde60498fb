"""Case API: report (any channel), the seven steps as POST transitions, queues, history.

Transitions answer 409 when the case is not in a state that allows the step (or its ``version``
changed); 403 when the role may not take it; 404 when the case is outside the caller's reach.
``POST /api/cases/`` honours an ``Idempotency-Key`` header: a replay returns the same case.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from civicgrid.accounts.models import OrgUnit
from civicgrid.cases.capabilities import CASES_INTAKE, CASES_REPORT
from civicgrid.core.access import require_capability
from civicgrid.core.errors import UserError
from civicgrid.core.paging import MAX_OFFSET, Page, page

from . import actions, queries, sla
from .catalogue import active_class
from .models import Case, CaseClass
from .photos import prepare_photos
from .rules import PUBLIC_CHANNELS, STAFF_CHANNELS

router = Router(tags=["cases"])
MAX_PAGE = 500


class ClassOut(Schema):
    code: str
    name: str
    kind: str
    major: str
    department: str
    limit_value: float
    limit_unit: str
    standard: str


class CaseOut(Schema):
    id: int
    number: str
    channel: str
    cls: str = Field(..., alias="cls.code")
    cls_name: str = Field(..., alias="cls.name")
    urgency: str
    title: str
    description: str
    address: str
    lon: float
    lat: float
    area_code: str
    tier: str
    tier_code: str
    status: str
    lead_unit: str | None = None
    reporter_name: str
    reporter_phone_masked: str
    reported_at: dt.datetime
    registered_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    feedback_at: dt.datetime | None
    closed_at: dt.datetime | None
    deadline: dt.datetime | None
    overdue: bool
    supervised: bool
    rework_count: int
    extension_count: int
    sendback_count: int
    result: str
    rating: int | None
    merged_into: str | None = None
    repeat_of: str | None = None
    version: int

    @staticmethod
    def resolve_lead_unit(obj):
        return obj.lead_unit.code if obj.lead_unit_id else None

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue(timezone.now())

    @staticmethod
    def resolve_merged_into(obj):
        return obj.merged_into.number if obj.merged_into_id else None

    @staticmethod
    def resolve_repeat_of(obj):
        return obj.repeat_of.number if obj.repeat_of_id else None


class CaseEventOut(Schema):
    kind: str
    at: dt.datetime
    actor: str = Field(..., alias="actor_name")
    from_status: str
    to_status: str
    unit: str | None = None
    deadline: dt.datetime | None
    note: str

    @staticmethod
    def resolve_unit(obj):
        return obj.unit.code if obj.unit_id else None


class ReportIn(Schema):
    channel: Case.Channel = Case.Channel.PATROL
    cls: str = Field(..., description="class code, e.g. E0101 (暴露垃圾)")
    title: str
    description: str
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    building_id: int | None = None
    component_code: str | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    anonymous: bool = False
    urgency: Case.Urgency = Case.Urgency.NORMAL
    photos: list[str] = Field([], description="base64-encoded JPEG/PNG/WebP images")
    repeat_of: str | None = Field(None, description="number of an earlier case this complaint repeats")


class VersionIn(Schema):
    version: int | None = None


class NoteIn(VersionIn):
    note: str = ""


class RegisterIn(NoteIn):
    cls: str | None = None
    urgency: Case.Urgency | None = None


class RejectIn(NoteIn):
    duplicate_of: str | None = Field(None, description="case number to merge into")


class DispatchIn(NoteIn):
    lead_unit: str = Field(..., description="unit code")
    assisting_units: list[str] = []


class CaseReasonIn(VersionIn):
    reason: str


class FeedbackIn(VersionIn):
    result: str
    photos: list[str] = []


class VerifyIn(NoteIn):
    passed: bool
    photos: list[str] = []


class ConfirmIn(Schema):
    real: bool
    note: str = ""


class ExtensionIn(Schema):
    work_hours: float
    reason: str


class ExtensionOut(Schema):
    id: int
    case: str = Field(..., alias="case.number")
    unit: str = Field(..., alias="unit.code")
    work_hours: float
    reason: str
    status: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None


class DecideIn(Schema):
    grant: bool
    note: str = ""


class CaseRateIn(Schema):
    rating: int = Field(..., description="1 非常满意, 2 满意, 3 基本满意, 4 不满意, 5 非常不满意")
    note: str = ""
    query_code: str = ""


class SuggestionOut(Schema):
    unit: str
    name: str
    score: int
    reasons: list[str]
    refused: str = ""  # "sent_back" or "escalated": the unit returned or handed up this case; ranked last


class TaskOut(Schema):
    id: int
    kind: str
    case: str = Field(..., alias="case.number")
    case_id: int
    due_at: dt.datetime
    outcome: str


class LinkIn(Schema):
    repeat_of: str


def _photos(items: list[str]):
    raw = []
    for item in items or []:
        text = item.split(",", 1)[1] if item.startswith("data:") else item
        try:
            raw.append(base64.b64decode(text, validate=True))
        except (binascii.Error, ValueError):
            raise UserError(_("photos: each photo is a base64-encoded image."), field="photos")
    return prepare_photos(raw)


def _cls(code: str) -> CaseClass:
    cls = active_class(str(code)[:12])
    if cls is None:
        cls = CaseClass.objects.filter(code=str(code)[:12], active=True).first()
    if cls is None:
        raise UserError(_("cls: %(code)s is not an active event class.") % {"code": code}, field="cls")
    return cls


def _unit(code: str, field: str) -> OrgUnit:
    unit = queries.active_unit(code=code)
    if unit is None:
        raise UserError(_("%(field)s: no active unit with code %(code)s.") % {"field": field, "code": code},
                        field=field)
    return unit


def _case(request, pk) -> Case:
    return queries.access_case(request.user, pk)


@router.get("/classes", response=list[ClassOut])
def list_classes(request):
    return list(actions.case_classes())


@router.post("/", response={201: CaseOut, 200: CaseOut})
def report(request, payload: ReportIn):
    """File a case: a patrol report (grid worker, supervisor) or a call/message (hotline seat)."""
    user = request.user
    require_capability(user, CASES_INTAKE if payload.channel in STAFF_CHANNELS else CASES_REPORT)
    if payload.channel in PUBLIC_CHANNELS:
        raise UserError(_("channel: residents report through /api/public/cases, clients through Open311."),
                        field="channel")
    building = component = repeat_of = None
    if payload.building_id is not None:
        from civicgrid.registry.queries import access_building

        building = access_building(user, payload.building_id)
    if payload.component_code:
        from civicgrid.registry.queries import access_component

        component = access_component(user, payload.component_code)
    if payload.repeat_of:
        repeat_of = queries.access_case_by_number(user, payload.repeat_of)
    key = request.headers.get("Idempotency-Key", "")[:200]
    case = actions.do_report_case(
        actor=user, channel=payload.channel, cls=_cls(payload.cls), title=payload.title,
        description=payload.description, lon=payload.lon, lat=payload.lat, address=payload.address,
        building=building, component=component, reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone, anonymous=payload.anonymous, urgency=payload.urgency,
        photos=_photos(payload.photos), idempotency_key=key, repeat_of=repeat_of,
    )
    if case.replayed:
        # A replay of the same submission: the case, not a second one (only to someone who may see it).
        return Status(200, queries.access_case(user, case.pk))
    return Status(201, case)


@router.get("/", response=list[CaseOut])
def list_cases(request, paging: Query[Page], status: str = "", tier: str = "", channel: str = "", cls: str = "",
               area: str = "", overdue: str = "", q: str = ""):
    qs = queries.filter_cases(request.user, {"status": status, "tier": tier, "channel": channel, "cls": cls,
                                             "area": area, "overdue": overdue, "q": q})
    return list(page(qs.select_related("merged_into", "repeat_of"), paging))


@router.get("/queues", response=dict[str, int])
def my_queues(request):
    return queries.queues_for(request.user)


@router.get("/queues/{name}", response=list[CaseOut])
def queue(request, name: str, limit: int = Query(100, ge=1, le=MAX_OFFSET)):
    user = request.user
    table = {"register": queries.register_queue, "dispatch": queries.dispatch_queue, "unit": queries.unit_queue,
             "assisting": queries.assisting_queue}
    if name not in table:
        from django.http import Http404

        raise Http404
    return list(page(table[name](user), limit=limit))


@router.get("/tasks", response=list[TaskOut])
def tasks(request, kind: str = ""):
    return list(queries.task_queue(request.user, kind or None)[:MAX_PAGE])


@router.get("/extensions", response=list[ExtensionOut])
def extensions(request):
    return list(queries.extension_queue(request.user)[:MAX_PAGE])


@router.get("/{int:pk}", response=CaseOut)
def case_detail(request, pk: int):
    return _case(request, pk)


@router.get("/{int:pk}/events", response=list[CaseEventOut])
def case_events(request, pk: int):
    return list(queries.history(_case(request, pk)))


@router.get("/{int:pk}/suggestions", response=list[SuggestionOut])
def case_suggestions(request, pk: int):
    case = _case(request, pk)
    return [{"unit": s["unit"].code, "name": s["unit"].name, "score": s["score"], "reasons": s["reasons"],
             "refused": s["refused"]} for s in queries.dispatch_suggestions(request.user, case)]


@router.get("/{int:pk}/duplicates", response=list[CaseOut])
def case_duplicates(request, pk: int):
    return queries.duplicate_candidates(request.user, _case(request, pk))


@router.post("/{int:pk}/register", response=CaseOut)
def register(request, pk: int, payload: RegisterIn):
    case = _case(request, pk)
    return actions.do_register_case(case, actor=request.user, cls=_cls(payload.cls) if payload.cls else None,
                                    urgency=payload.urgency, note=payload.note, expected_version=payload.version)


@router.post("/{int:pk}/reject", response=CaseOut)
def reject(request, pk: int, payload: RejectIn):
    case = _case(request, pk)
    target = queries.access_case_by_number(request.user, payload.duplicate_of) if payload.duplicate_of else None
    return actions.do_reject_case(case, actor=request.user, note=payload.note, duplicate_of=target,
                                  expected_version=payload.version)


@router.post("/{int:pk}/link", response=CaseOut)
def link(request, pk: int, payload: LinkIn):
    case = _case(request, pk)
    return actions.do_link_repeat(case, queries.access_case_by_number(request.user, payload.repeat_of),
                                  actor=request.user)


@router.post("/{int:pk}/dispatch", response=CaseOut)
def dispatch(request, pk: int, payload: DispatchIn):
    case = _case(request, pk)
    return actions.do_dispatch_case(
        case, actor=request.user, lead_unit=_unit(payload.lead_unit, "lead_unit"),
        assisting_units=[_unit(c, "assisting_units") for c in payload.assisting_units], note=payload.note,
        expected_version=payload.version)


@router.post("/{int:pk}/accept", response=CaseOut)
def accept(request, pk: int, payload: VersionIn):
    return actions.do_accept_case(_case(request, pk), actor=request.user, expected_version=payload.version)


@router.post("/{int:pk}/send-back", response=CaseOut)
def send_back(request, pk: int, payload: CaseReasonIn):
    return actions.do_send_back_case(_case(request, pk), actor=request.user, reason=payload.reason,
                                     expected_version=payload.version)


@router.post("/{int:pk}/escalate", response=CaseOut)
def escalate(request, pk: int, payload: NoteIn):
    return actions.do_escalate_case(_case(request, pk), actor=request.user, note=payload.note,
                                    expected_version=payload.version)


@router.post("/{int:pk}/pause", response=CaseOut)
def pause(request, pk: int, payload: NoteIn):
    return actions.do_pause_case(_case(request, pk), actor=request.user, note=payload.note,
                                 expected_version=payload.version)


@router.post("/{int:pk}/resume", response=CaseOut)
def resume(request, pk: int, payload: NoteIn):
    return actions.do_resume_case(_case(request, pk), actor=request.user, note=payload.note,
                                  expected_version=payload.version)


@router.post("/{int:pk}/extensions", response={201: ExtensionOut})
def request_extension(request, pk: int, payload: ExtensionIn):
    return Status(201, actions.do_request_extension(_case(request, pk), actor=request.user,
                                                    work_hours=payload.work_hours, reason=payload.reason))


@router.post("/extensions/{int:pk}/decide", response=ExtensionOut)
def decide_extension(request, pk: int, payload: DecideIn):
    ext = queries.access_extension(request.user, pk)
    return actions.do_decide_extension(ext, actor=request.user, grant=payload.grant, note=payload.note)


@router.post("/{int:pk}/feedback", response=CaseOut)
def feedback(request, pk: int, payload: FeedbackIn):
    return actions.do_feedback_case(_case(request, pk), actor=request.user, result=payload.result,
                                    photos=_photos(payload.photos), expected_version=payload.version)


@router.post("/{int:pk}/verify", response=CaseOut)
def verify(request, pk: int, payload: VerifyIn):
    return actions.do_verify_case(_case(request, pk), actor=request.user, passed=payload.passed, note=payload.note,
                                  photos=_photos(payload.photos), expected_version=payload.version)


@router.post("/{int:pk}/confirm", response=CaseOut)
def confirm(request, pk: int, payload: ConfirmIn):
    return actions.do_confirm_report(_case(request, pk), actor=request.user, real=payload.real, note=payload.note)


@router.post("/{int:pk}/rate", response=CaseOut)
def rate(request, pk: int, payload: CaseRateIn):
    return actions.do_rate_case(_case(request, pk), actor=request.user, rating=payload.rating, note=payload.note)


@router.post("/tasks/{int:pk}/callback", response=TaskOut)
def callback(request, pk: int, payload: NoteIn):
    task = queries.access_task(request.user, pk)
    return actions.do_complete_callback(task, actor=request.user, note=payload.note)


class ReplyIn(Schema):
    reached: bool = True
    rating: int | None = None
    note: str = ""


@router.post("/tasks/{int:pk}/reply", response=TaskOut)
def reply(request, pk: int, payload: ReplyIn):
    """A seat told the caller the outcome (答复) and records their rating, or that they were not reached."""
    task = queries.access_task(request.user, pk)
    return actions.do_reply_case(task, actor=request.user, reached=payload.reached, rating=payload.rating,
                                 note=payload.note)


@router.post("/{int:pk}/reporter-phone", response=dict[str, str])
def reporter_phone(request, pk: int, payload: CaseReasonIn):
    case = _case(request, pk)
    return {"phone": queries.reveal_reporter_phone(request.user, case, reason=payload.reason)}


@router.get("/{int:pk}/remaining", response=dict[str, float | None])
def remaining(request, pk: int):
    left = sla.remaining(_case(request, pk), timezone.now())
    return {"working_minutes": None if left is None else round(left.total_seconds() / 60, 1)}


# --- public (no account): residents report and follow with a query code ------------------------------
public_router = Router(tags=["public"], auth=None)


class PublicReportIn(Schema):
    cls: str
    title: str
    description: str
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    anonymous: bool = False
    photos: list[str] = []


class PublicCaseOut(Schema):
    number: str
    query_code: str | None = None
    cls_name: str = Field(..., alias="cls.name")
    title: str
    status: str
    status_label: str
    reported_at: dt.datetime
    closed_at: dt.datetime | None
    result: str
    rating: int | None

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_result(obj):
        return obj.result if obj.status == Case.Status.CLOSED else ""


class PublicRateIn(Schema):
    rating: int
    note: str = ""


@public_router.post("/cases", response={201: PublicCaseOut, 200: PublicCaseOut})
def public_report(request, payload: PublicReportIn):
    """A resident reports a problem without an account; keep the query code to follow it."""
    key = request.headers.get("Idempotency-Key", "")[:200]
    identity = "public"
    case = actions.do_report_case(
        actor=request.user if request.user.is_authenticated else None, channel=Case.Channel.RESIDENT,
        cls=_cls(payload.cls), title=payload.title, description=payload.description, lon=payload.lon,
        lat=payload.lat, address=payload.address, reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone, anonymous=payload.anonymous, photos=_photos(payload.photos),
        idempotency_key=key, idempotency_identity=identity,
    )
    return Status(200 if case.replayed else 201, case)  # a replay answers the first case


@public_router.get("/cases/{code}", response=PublicCaseOut)
def public_lookup(request, code: str):
    case = queries.public_case(code)
    if case is None:
        from django.http import Http404

        raise Http404
    case.query_code = None  # never echoed back
    return case


@public_router.post("/cases/{code}/rate", response=PublicCaseOut)
def public_rate(request, code: str, payload: PublicRateIn):
    case = queries.public_case(code)
    if case is None:
        from django.http import Http404

        raise Http404
    rated = actions.do_rate_case(case, actor=None, rating=payload.rating, note=payload.note, query_code=case.query_code)
    rated.query_code = None
    return rated
