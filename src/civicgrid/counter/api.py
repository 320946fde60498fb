"""The counter's API under ``/api/counter/``: the catalogue and its guides, the register look-up of
the window, applications and their steps, one-time notices, events, the back office's inbox, the
resident's progress and rating by query code (in the body, never in an address), callbacks and the
figures. Every read goes through ``queries`` (scoped); objects outside answer 404, a step the role
may not take 403, a step the state does not allow 409; bad input 400 naming the field."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status, UploadedFile

from civicgrid.core import periods
from civicgrid.core.access import require_capability
from civicgrid.core.errors import UserError
from civicgrid.core.paging import Page, page

from . import actions, queries
from .capabilities import COUNTER_CALLBACK, COUNTER_CATALOGUE, COUNTER_HANDLE, COUNTER_INTAKE, COUNTER_VIEW
from .models import Application

router = Router(tags=["counter"])


# --- catalogue -------------------------------------------------------------------------------------
class CounterItemOut(Schema):
    id: int
    code: str
    name: str
    node: str
    level: str
    department: str
    community_admitted: bool
    sample: bool
    version_id: int | None = None
    promised_days: int | None = None
    legal_days: int | None = None
    online: bool | None = None

    @staticmethod
    def resolve_version_id(obj):
        return obj.current_id

    @staticmethod
    def resolve_promised_days(obj):
        return obj.current.promised_days if obj.current else None

    @staticmethod
    def resolve_legal_days(obj):
        return obj.current.legal_days if obj.current else None

    @staticmethod
    def resolve_online(obj):
        return obj.current.online if obj.current else None


class CounterMaterialOut(Schema):
    code: str
    name: str
    original: bool
    copies: int
    required: bool
    source: str
    situations: list[str]


class CounterSituationOut(Schema):
    code: str
    question: str
    label: str


class CounterVersionOut(Schema):
    id: int
    number: int
    status: str
    item_type: str
    legal_basis: str
    conditions: str
    legal_days: int
    promised_days: int
    fee: str
    fee_basis: str
    steps: list
    visits: int
    online: bool
    windows: str
    hours: str
    consult_phone: str
    complaint_phone: str
    target_groups: str
    green_channel: bool
    version: int


class CounterGuideOut(Schema):
    item: CounterItemOut
    version: CounterVersionOut | None
    situations: list[CounterSituationOut]
    materials: list[CounterMaterialOut]


@router.get("/items", response=list[CounterItemOut], summary="Published service items (search by text or pinyin initials)")
def list_items(request, paging: Query[Page], q: str = "", level: str = "", department: str = "",
               all: bool = False):
    require_capability(request.user, COUNTER_VIEW if not all else COUNTER_CATALOGUE)
    qs = queries.all_items() if all else queries.published_items()
    return page(queries.search_items(q, level=level, department=department, qs=qs), paging)


@router.get("/items/{code}", response=CounterGuideOut, summary="The guide of an item (办事指南), current version")
def item_guide(request, code: str):
    require_capability(request.user, COUNTER_VIEW)
    item = queries.get_item(code)
    if item.current is None:
        return {"item": item, "version": None, "situations": [], "materials": []}
    return queries.guide(item.current)


class CounterItemIn(Schema):
    code: str
    name: str
    department: str
    level: str
    node: str = "handling"
    parent: str = ""
    community_admitted: bool = False


@router.post("/items", response={201: CounterItemOut}, summary="Add an item to the catalogue")
def create_item(request, payload: CounterItemIn):
    require_capability(request.user, COUNTER_CATALOGUE)
    parent = queries.get_item(payload.parent) if payload.parent else None
    data = payload.dict(exclude={"parent"})
    return Status(201, actions.do_create_item(actor=request.user, parent=parent, **data))


class CounterDraftIn(Schema):
    item_type: str
    legal_basis: str = ""
    conditions: str = ""
    legal_days: int
    promised_days: int
    fee: str = "不收费"
    fee_basis: str = ""
    steps: list[dict] = []
    visits: int = 1
    online: bool = False
    windows: str = ""
    hours: str = "5"
    consult_phone: str = ""
    complaint_phone: str = ""
    target_groups: str = ""
    green_channel: bool = False
    situations: list[dict] = []
    materials: list[dict] = []


@router.post("/items/{code}/drafts", response={201: CounterVersionOut}, summary="A new draft version of an item")
def create_draft(request, code: str, payload: CounterDraftIn):
    require_capability(request.user, COUNTER_CATALOGUE)
    item = queries.get_item(code)
    data = payload.dict()
    return Status(201, actions.do_save_draft(actor=request.user, item=item, materials=data.pop("materials"),
                                             situations=data.pop("situations"), **data))


class CounterVersionStep(Schema):
    version: int | None = None
    status: str = "published"


@router.post("/versions/{int:pk}/publish", response=CounterVersionOut, summary="Publish a draft (rules checked)")
def publish_version(request, pk: int, payload: CounterVersionStep):
    require_capability(request.user, COUNTER_CATALOGUE)
    return actions.do_publish_version(actor=request.user, version=queries.item_version(pk),
                                      expected_version=payload.version)


@router.post("/versions/{int:pk}/status", response=CounterVersionOut, summary="Suspend, republish or withdraw a version")
def version_status(request, pk: int, payload: CounterVersionStep):
    require_capability(request.user, COUNTER_CATALOGUE)
    return actions.do_set_version_status(actor=request.user, version=queries.item_version(pk),
                                         status=payload.status, expected_version=payload.version)


class CounterAdmissionIn(Schema):
    admitted: bool


@router.post("/items/{code}/admission", response=CounterItemOut, summary="Admit the item at community windows or not")
def admission(request, code: str, payload: CounterAdmissionIn):
    require_capability(request.user, COUNTER_CATALOGUE)
    return actions.do_set_admission(actor=request.user, item=queries.get_item(code), admitted=payload.admitted)


@router.get("/items.xlsx", summary="The catalogue as a spreadsheet (every item, its current version)")
def export_items(request):
    from django.http import HttpResponse

    from .catalogue_io import export_catalogue

    require_capability(request.user, COUNTER_CATALOGUE)
    response = HttpResponse(export_catalogue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="counter-items.xlsx"'
    return response


@router.post("/items-import", summary="Import a catalogue sheet (the export's layout); all rows or none")
def import_items(request, file: File[UploadedFile]):
    from .catalogue_io import do_import_catalogue

    require_capability(request.user, COUNTER_CATALOGUE)
    return do_import_catalogue(actor=request.user, data=file.read(10 * 1024 * 1024 + 1))


# --- the window ------------------------------------------------------------------------------------
class CounterLookupIn(Schema):
    id_number: str


class CounterPersonOut(Schema):
    id: int
    name: str
    id_masked: str
    area_code: str
    household: str = ""
    tags: list[str] = []

    @staticmethod
    def resolve_household(obj):
        return obj.household.number if obj.household_id else ""

    @staticmethod
    def resolve_tags(obj):
        return [t.tag for t in obj.tags.all()]


@router.post("/lookup", response=CounterPersonOut, summary="Look a resident up in the register by ID number (audited)")
def lookup(request, payload: CounterLookupIn):
    return queries.lookup_applicant(request.user, payload.id_number)


class CounterOrganisationLookupIn(Schema):
    credit_code: str


class CounterOrganisationOut(Schema):
    id: int
    name: str
    kind: str
    credit_code: str
    area_code: str


@router.post("/lookup-organisation", response=CounterOrganisationOut,
             summary="Look an organisation up in the register by unified social credit code (audited)")
def lookup_organisation(request, payload: CounterOrganisationLookupIn):
    return queries.lookup_organisation(request.user, payload.credit_code)


class CounterLineOut(Schema):
    code: str
    name: str
    required: bool
    original: bool
    copies: int
    source: str
    how: str


def _lines(app):
    return [{"code": line.material.code, "name": line.material.name, "required": line.material.required,
             "original": line.material.original, "copies": line.material.copies, "source": line.material.source,
             "how": line.how} for line in queries.checklist(app)]


class CounterApplicationOut(Schema):
    id: int
    number: str
    receipt_number: str
    item_code: str
    item_name: str
    item_version: int
    situation: str
    status: str
    status_label: str
    channel: str
    window: str
    applicant_name: str
    organisation_id: int | None = None
    proxy: str
    proxy_name: str
    green_channel: bool
    first_clerk_name: str
    department: str
    owner_level: str
    owner_area_code: str
    area_code: str
    promised_days: int
    legal_days: int
    received_at: dt.datetime
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None
    paused_at: dt.datetime | None
    decided_at: dt.datetime | None
    delivered_at: dt.datetime | None
    delivery: str
    visits: int
    notices: int
    decision_reason: str
    legal_basis: str
    rating: int | None
    version: int
    materials: list[CounterLineOut] = []
    query_code: str | None = None

    @staticmethod
    def resolve_item_code(obj):
        return obj.item.code

    @staticmethod
    def resolve_item_name(obj):
        return obj.item.name

    @staticmethod
    def resolve_item_version(obj):
        return obj.item_version.number

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())

    @staticmethod
    def resolve_materials(obj):
        return _lines(obj)

    @staticmethod
    def resolve_query_code(obj):
        return getattr(obj, "_query_code", None)


class CounterIntakeIn(Schema):
    item: str
    person_id: int
    situation: str = ""
    handed: list[str] = []
    window: str = ""
    centre: str = ""  # the window's area code (default: the clerk's centre)
    proxy: str = ""
    proxy_person_id: int | None = None
    green_channel: bool = False
    organisation_id: int | None = None  # an organisation of the register applies; the person handles it (经办人)


def _person(user, pk):
    return queries.access_applicant(user, pk)


def _centre(user, given: str) -> str:
    if given:
        return given
    from civicgrid.core.scoping import scope_codes

    codes = scope_codes(user, COUNTER_INTAKE) or ()
    codes = [c for c in codes if len(c) in (9, 12)]
    if len(codes) != 1:
        raise UserError(_("centre: say at which centre you receive (its area code)."), field="centre")
    return codes[0]


@router.post("/applications", response={201: CounterApplicationOut}, summary="Receive an application at a window")
def intake(request, payload: CounterIntakeIn):
    require_capability(request.user, COUNTER_INTAKE)
    item = queries.get_item(payload.item)
    if item.current is None:
        raise UserError(_("item: the item is not published."), field="item")
    app = actions.do_intake(
        actor=request.user, version=item.current, applicant=_person(request.user, payload.person_id),
        window_area_code=_centre(request.user, payload.centre), situation=payload.situation,
        handed=payload.handed, window=payload.window, proxy=payload.proxy,
        proxy_person=_person(request.user, payload.proxy_person_id) if payload.proxy_person_id else None,
        green_channel=payload.green_channel,
        organisation=queries.access_organisation(request.user, payload.organisation_id)
        if payload.organisation_id else None)
    return Status(201, app)


@router.get("/applications", response=list[CounterApplicationOut], summary="Applications of your jurisdiction")
def list_applications(request, paging: Query[Page], status: str = "", item: str = ""):
    require_capability(request.user, COUNTER_VIEW) if not request.user.has_capability(COUNTER_HANDLE) else None
    qs = queries.visible_applications(request.user).order_by("-received_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if item:
        qs = qs.filter(item__code=item)
    return page(qs, paging)


@router.get("/applications/{int:pk}", response=CounterApplicationOut, summary="One application with its checklist")
def get_application(request, pk: int):
    return queries.access_application(request.user, pk)


class CounterEventOut(Schema):
    kind: str
    at: dt.datetime
    actor_name: str
    from_status: str
    to_status: str
    note: str
    due_at: dt.datetime | None


@router.get("/applications/{int:pk}/events", response=list[CounterEventOut], summary="The application's history")
def application_events(request, pk: int):
    return list(queries.events(queries.access_application(request.user, pk)))


class CounterNoticeOut(Schema):
    number: str
    situation: str
    missing: list[dict]
    issued_at: dt.datetime
    issued_by_name: str


class CounterVersionIn(Schema):
    version: int | None = None


@router.post("/applications/{int:pk}/notice", response={201: CounterNoticeOut}, summary="Issue the one-time notice")
def notice(request, pk: int, payload: CounterVersionIn):
    app = queries.access_application(request.user, pk)
    return Status(201, actions.do_notice(actor=request.user, application=app, expected_version=payload.version))


@router.get("/applications/{int:pk}/notices", response=list[CounterNoticeOut], summary="The application's notices")
def notices(request, pk: int):
    return list(queries.access_application(request.user, pk).notice_rows.all())


class CounterSupplementIn(Schema):
    version: int | None = None
    handed: list[str] = []
    situation: str | None = None
    in_person: bool = True


@router.post("/applications/{int:pk}/supplement", response=CounterApplicationOut, summary="Materials handed in")
def supplement(request, pk: int, payload: CounterSupplementIn):
    app = queries.access_application(request.user, pk)
    return actions.do_supplement(actor=request.user, application=app, handed=payload.handed,
                                 situation=payload.situation, in_person=payload.in_person,
                                 expected_version=payload.version)


@router.post("/applications/{int:pk}/accept", response=CounterApplicationOut,
             summary="Accept: receipt with number, promised date and the query code (shown once)")
def accept(request, pk: int, payload: CounterVersionIn):
    app = queries.access_application(request.user, pk)
    app, code = actions.do_accept(actor=request.user, application=app, expected_version=payload.version)
    app._query_code = code
    return app


class CounterReasonIn(Schema):
    version: int | None = None
    reason: str = ""
    legal_basis: str = ""
    note: str = ""


@router.post("/applications/{int:pk}/refuse", response=CounterApplicationOut, summary="Refuse with reason and legal basis")
def refuse(request, pk: int, payload: CounterReasonIn):
    app = queries.access_application(request.user, pk)
    return actions.do_refuse(actor=request.user, application=app, reason=payload.reason,
                             legal_basis=payload.legal_basis, expected_version=payload.version)


@router.post("/applications/{int:pk}/ask-supplement", response=CounterApplicationOut,
             summary="Back office: ask for supplements (the clock pauses)")
def ask_supplement(request, pk: int, payload: CounterReasonIn):
    app = queries.access_application(request.user, pk)
    return actions.do_ask_supplement(actor=request.user, application=app, note=payload.note,
                                     expected_version=payload.version)


class CounterForwardIn(Schema):
    version: int | None = None
    department: str
    level: str
    area_code: str = ""
    note: str = ""


class CounterForwardOut(Schema):
    id: int
    status: str
    department: str
    owner_level: str
    owner_area_code: str


@router.post("/applications/{int:pk}/forward", response=CounterForwardOut,
             summary="Forward to another department or level (通办)")
def forward(request, pk: int, payload: CounterForwardIn):
    app = queries.access_application(request.user, pk)
    return actions.do_forward(actor=request.user, application=app, department=payload.department,
                              level=payload.level, area_code=payload.area_code, note=payload.note,
                              expected_version=payload.version)


@router.post("/applications/{int:pk}/suspend", response=CounterApplicationOut,
             summary="Suspend for a legal procedure (公示/听证/鉴定): the clock pauses")
def suspend(request, pk: int, payload: CounterReasonIn):
    app = queries.access_application(request.user, pk)
    return actions.do_suspend(actor=request.user, application=app, reason=payload.reason, note=payload.note,
                              expected_version=payload.version)


@router.post("/applications/{int:pk}/resume", response=CounterApplicationOut, summary="Resume: the deadline moves")
def resume(request, pk: int, payload: CounterReasonIn):
    app = queries.access_application(request.user, pk)
    return actions.do_resume(actor=request.user, application=app, note=payload.note,
                             expected_version=payload.version)


class CounterDecideIn(Schema):
    version: int | None = None
    approve: bool
    reason: str = ""
    legal_basis: str = ""


@router.post("/applications/{int:pk}/decide", response=CounterApplicationOut, summary="Approve or deny")
def decide(request, pk: int, payload: CounterDecideIn):
    app = queries.access_application(request.user, pk)
    return actions.do_decide(actor=request.user, application=app, approve=payload.approve, reason=payload.reason,
                             legal_basis=payload.legal_basis, expected_version=payload.version)


class CounterHandOverIn(Schema):
    version: int | None = None
    delivery: str


@router.post("/applications/{int:pk}/hand-over", response=CounterApplicationOut, summary="Hand the result over")
def hand_over(request, pk: int, payload: CounterHandOverIn):
    app = queries.access_application(request.user, pk)
    return actions.do_hand_over(actor=request.user, application=app, delivery=payload.delivery,
                                expected_version=payload.version)


@router.post("/applications/{int:pk}/withdraw", response=CounterApplicationOut, summary="Withdraw (before the decision)")
def withdraw(request, pk: int, payload: CounterReasonIn):
    app = queries.access_application(request.user, pk)
    return actions.do_withdraw(actor=request.user, application=app, reason=payload.reason,
                               expected_version=payload.version)


class CounterInboxOut(Schema):
    id: int
    number: str
    item_name: str
    status: str
    due_at: dt.datetime | None
    clock_state: str
    working_minutes_left: int | None


@router.get("/inbox", response=list[CounterInboxOut], summary="The back office's open applications, least time left first")
def inbox(request, limit: int = Query(100, ge=1, le=1000)):
    require_capability(request.user, COUNTER_HANDLE)
    return [{"id": a.pk, "number": a.number, "item_name": a.item.name, "status": a.status, "due_at": a.due_at,
             "clock_state": c.state if c else "", "working_minutes_left": c.minutes if c else None}
            for a, c in queries.inbox(request.user, limit=limit)]


# --- the resident, with the query code (in the body) -------------------------------------------------
class CounterCodeIn(Schema):
    query_code: str


class CounterProgressOut(Schema):
    number: str
    receipt_number: str
    item_name: str
    status: str
    status_label: str
    accepted_at: dt.datetime | None
    due_at: dt.datetime | None
    decided_at: dt.datetime | None
    delivered_at: dt.datetime | None
    rating: int | None
    events: list[dict]


def _progress(app):
    return {"number": app.number, "receipt_number": app.receipt_number, "item_name": app.item.name,
            "status": app.status, "status_label": str(app.get_status_display()), "accepted_at": app.accepted_at,
            "due_at": app.due_at, "decided_at": app.decided_at, "delivered_at": app.delivered_at,
            "rating": app.rating,
            "events": [{"kind": e.kind, "label": str(e.get_kind_display()), "at": e.at.isoformat()}
                       for e in queries.events(app)]}


@router.post("/progress", response=CounterProgressOut, auth=None, summary="Progress by the receipt's query code")
def progress(request, payload: CounterCodeIn):
    return _progress(queries.application_by_code(payload.query_code))


class CounterRateIn(Schema):
    query_code: str
    rating: int
    comment: str = ""


@router.post("/rate", response=CounterProgressOut, auth=None, summary="Rate the service (five levels) by query code")
def rate(request, payload: CounterRateIn):
    app = queries.application_by_code(payload.query_code)
    actor = request.user if getattr(request.user, "is_authenticated", False) else None
    return _progress(actions.do_rate(application=app, rating=payload.rating, comment=payload.comment, actor=actor))


# --- callbacks and figures ----------------------------------------------------------------------------
class CounterCallbackOut(Schema):
    id: int
    application: str
    item_name: str
    rating: int
    status: str
    due_at: dt.datetime
    result: str
    area_code: str
    version: int

    @staticmethod
    def resolve_application(obj):
        return obj.application.number

    @staticmethod
    def resolve_item_name(obj):
        return obj.application.item.name


@router.get("/callbacks", response=list[CounterCallbackOut], summary="Callbacks after poor ratings")
def callbacks(request, paging: Query[Page], status: str = ""):
    require_capability(request.user, COUNTER_CALLBACK)
    qs = queries.visible_callbacks(request.user)
    if status:
        qs = qs.filter(status=status)
    return page(qs, paging)


class CounterCloseIn(Schema):
    version: int | None = None
    result: str


@router.post("/callbacks/{int:pk}/close", response=CounterCallbackOut, summary="Record the callback and rectification")
def close_callback(request, pk: int, payload: CounterCloseIn):
    task = queries.access_callback(request.user, pk)
    return actions.do_close_callback(actor=request.user, task=task, result=payload.result,
                                     expected_version=payload.version)


@router.get("/figures", summary="Figures per centre, window, department, level or community for a period")
def figures(request, period: str = "", by: str = "centre", area: str = ""):
    try:
        p = periods.parse(period) if period else periods.current("month")
    except ValueError:
        raise UserError(_("period: a period code such as 2025, 2025Q3, 202509 or 2025-09-01..2025-09-30."),
                        field="period")
    out = queries.figures(request.user, p, by=by, area=area)
    for row in [*out["rows"], out["total"]]:
        row.pop("raw", None)
    return out


__all__ = ["Application"]
