"""Staff pages of the case loop (report, intake, queues, the case page, the map).

Thin views: every change goes through ``actions.do_*``, every read through ``queries``.
A refused step answers 403 (role) or 404 (not yours); bad input re-renders the page with the
message naming the field (400), a step the case's state does not allow 409.
"""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from civicgrid.accounts.models import OrgUnit
from civicgrid.cases.capabilities import (
    CASES_DISPATCH,
    CASES_EXTEND,
    CASES_HANDLE,
    CASES_INTAKE,
    CASES_REGISTER,
    CASES_REPORT,
    CASES_VIEW,
)
from civicgrid.core import audit
from civicgrid.core.decorators import capability_required
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.core.forms import add_action_error, without_field_name

from . import actions, queries, sla
from .forms import IntakeForm, ReasonForm, ReportForm, class_choices, read_photos
from .models import Case, CaseClass, CaseTask
from .rules import STAFF_CHANNELS, may_call_reporter

QUEUE_LIMIT = 200  # rows of a work queue (duplicates and dispatch suggestions are read for all at once)
MAP_LIMIT = 2000


# --- helpers -------------------------------------------------------------------------------------
def time_state(case: Case, now: dt.datetime | None = None, limits: dict[str, int] | None = None) -> dict:
    """The case's clock for the page (``sla.time_state`` on ``core.deadlines``)."""
    return sla.time_state(case, now or timezone.now(), limits)


def _annotate(cases, now=None):
    now = now or timezone.now()
    rows = list(cases)
    limits = sla.step_limits() if rows else None
    for c in rows:
        c.time = time_state(c, now, limits)
    return rows


def _can_staff(user) -> bool:
    return user.has_capability(CASES_VIEW) or user.has_capability(CASES_HANDLE)


def _cls_or_error(code: str, field: str = "cls", *, required: bool = True) -> CaseClass | None:
    actions.case_classes()
    if not code:
        if required:
            raise UserError(_("%(field)s: choose the class of the event.") % {"field": field}, field=field)
        return None
    cls = CaseClass.objects.filter(code=str(code)[:12], active=True).first()
    if cls is None:
        raise UserError(_("%(field)s: %(code)s is not an active event class.") % {"field": field, "code": code},
                        field=field)
    return cls


def _unit_or_error(value, field: str) -> OrgUnit:
    unit = queries.active_unit(pk=value)
    if unit is None:
        raise UserError(_("%(field)s: choose a unit from the list.") % {"field": field}, field=field)
    return unit


def _version(post) -> int | None:
    raw = post.get("version", "")
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise UserError(_("version: reload the page and try again."), field="version")


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def field_error(form, exc: UserError) -> None:
    """Show an action's error beside the field it names (marked invalid, in words), or above the form."""
    add_action_error(form, exc)


def _photos_from(request, field: str = "photos"):
    try:
        return read_photos(request.FILES.getlist(field))
    except UserError as exc:
        raise UserError(exc.message, field=field)


def _case_context(request, case: Case, **extra) -> dict:
    user = request.user
    can = queries.can(user, case)
    ctx = {
        "case": case, "can": can, "events": list(queries.history(case).select_related("actor")),
        "photos": list(case.attachments.only("id", "stage", "width", "height", "created_at", "content_type")),
        "time": time_state(case), "assignments": list(case.assignments.filter(active=True).select_related("unit")),
        "tasks": list(case.tasks.filter(outcome="")), "reveal_form": ReasonForm(prefix="reveal"),
        "revealed_phone": None, "error": None, "next": request.get_full_path(),
        "show_query_code": case.reporter_id == user.pk or case.intake_by_id == user.pk
        or (case.channel in STAFF_CHANNELS and user.has_capability(CASES_INTAKE)
            and can["reveal_phone"]),
    }
    labels = dict(Case.Status.choices)
    for e in ctx["events"]:
        e.from_label, e.to_label = labels.get(e.from_status, e.from_status), labels.get(e.to_status, e.to_status)
    if can["register"]:
        ctx["class_choices"] = class_choices()
        ctx["duplicates"] = queries.duplicate_candidates(user, case)
    if can["dispatch"]:
        ctx["suggestions"], ctx["targets"] = queries.dispatch_advice(user, [case])[0]
    if can["decide_extension"]:
        ctx["pending_extension"] = case.extensions.filter(status="pending").select_related("unit").first()
    may_call = may_call_reporter(user, case)
    ctx["callbacks"] = [t for t in ctx["tasks"] if t.kind == CaseTask.Kind.CALLBACK] if may_call else []
    ctx["replies"] = [t for t in ctx["tasks"] if t.kind == CaseTask.Kind.REPLY] if may_call else []
    ctx["ratings"] = list(Case.RATINGS.items())
    ctx.update(extra)
    return ctx


def _render_case(request, case: Case, status: int = 200, **extra):
    return render(request, "cases/case.html", _case_context(request, case, **extra), status=status)


# The typed fields of the step forms on the case page, with their labels: a refused step shows its
# message beside the field, by its label, and gives back what was typed (a refused photo must not
# wipe the result the handler wrote).
STEP_FIELDS = {
    "feedback": {"result": _lazy("What was done"), "photos": _lazy("Photos")},
    "send_back": {"reason": _lazy("Reason")},
    "escalate": {"note": _lazy("Why it cannot be solved here")},
    "pause": {"note": _lazy("Reason")},
    "extend": {"work_hours": _lazy("working hours"), "reason": _lazy("Reason")},
    "dispatch": {"lead_unit": _lazy("Lead unit"), "note": _lazy("Note")},
    "register": {"cls": _lazy("Class"), "urgency": _lazy("Urgency"), "note": _lazy("Note")},
    "reject": {"note": _lazy("Reason"), "duplicate_of": _lazy("Duplicate of")},
    "confirm": {"note": _lazy("Note (required when it is not real)")},
    "verify": {"note": _lazy("Check note (required when it fails)"), "photos": _lazy("Photos")},
    "reply": {"rating": _lazy("Rating"), "note": _lazy("What the caller said")},
    "callback": {"note": _lazy("What the reporter said or what was done")},
}


def _failed(request, case: Case, exc: UserError, step: str | None = None):
    """A refused or invalid step: 403 for the role, otherwise the case page with the message —
    beside the field of the step's form when it names one, with the typed values given back."""
    if isinstance(exc, NotPermitted):
        raise PermissionDenied(exc.message)
    case.refresh_from_db()
    fields = STEP_FIELDS.get(step or "", {})
    if exc.field in fields:
        from .actions.common import LABELS  # the action names the field by its own word ("备注")

        message = without_field_name(exc.message, [exc.field, str(LABELS.get(exc.field, ""))])
        return _render_case(request, case, status=exc.status, failed_step=step, posted=request.POST,
                            step_error={"field": exc.field, "label": fields[exc.field], "message": message})
    return _render_case(request, case, status=exc.status, error=exc.message, error_field=exc.field,
                        failed_step=step, posted=request.POST)


# --- 1. report from patrol (phone page) -----------------------------------------------------------
@capability_required(CASES_REPORT)
def report(request):
    form = ReportForm(request.POST or None, request.FILES or None)
    status, position_error = 200, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cls = _cls_or_error(data["cls"])
            photos = _photos_from(request)
            case = actions.do_report_case(
                actor=request.user, channel=Case.Channel.PATROL, cls=cls,
                title=data["title"] or cls.name, description=data["description"], lon=data["lon"],
                lat=data["lat"], address=data["address"], photos=photos, idempotency_key=data["token"])
        except UserError as exc:
            status = exc.status
            if exc.field in ("lon", "lat"):
                position_error = without_field_name(exc.message, ("lon/lat（位置）", "lon/lat", "lon", "lat"))
            else:
                field_error(form, exc)
        else:
            messages.success(request, _("Reported as case %(number)s (query code %(code)s).")
                             % {"number": case.number, "code": case.query_code})
            return redirect("cases:case", pk=case.pk)
    elif request.method == "POST":
        status = 400
        position_error = form.position_error()  # hidden fields: say it beside the map
    return render(request, "cases/report.html", {"form": form, "position_error": position_error}, status=status)


# --- 1. intake by a hotline seat ------------------------------------------------------------------
@capability_required(CASES_INTAKE)
def intake(request):
    """A seat types the caller's address: ranked register matches (picking one gives position and
    grid), likely duplicates to link as a repeat complaint, then files the case."""
    from civicgrid.registry.queries import access_building, match_address

    user = request.user
    status, candidates, duplicates, address_error = 200, None, None, None
    post = request.POST
    chosen_building, chosen_repeat = str(post.get("building", "")), str(post.get("repeat_of", ""))
    filing = request.method == "POST" and post.get("action") == "file"
    # "Match address" re-renders without judging the other fields; "File" validates everything.
    form = IntakeForm(post) if filing else IntakeForm(initial=post.dict() if request.method == "POST" else None)
    pick = None
    address = post.get("address", "").strip()
    if request.method == "POST" and address:
        try:
            candidates = match_address(user, address, 5)
        except UserError as exc:
            address_error, status, candidates = exc.message, 400, []
        if candidates and chosen_building not in {str(c["id"]) for c in candidates}:
            chosen_building = str(candidates[0]["id"])
        pick = next((c for c in candidates if str(c["id"]) == chosen_building), None)
        cls = CaseClass.objects.filter(code=post.get("cls", "")[:12], active=True).first()
        if pick and cls:
            probe = Case(cls=cls, lon=pick["lon"], lat=pick["lat"], reported_at=timezone.now())
            duplicates = queries.duplicate_candidates(user, probe)
    if filing and form.is_valid() and status == 200:
        data = form.cleaned_data
        try:
            pinned = data.get("lon") is not None and data.get("lat") is not None
            if pick is None and not pinned:
                raise UserError(_("address: pick one of the matched addresses, or place the position on the "
                                  "map when the register has no building for it."), field="address")
            cls = _cls_or_error(data["cls"])
            building = access_building(user, pick["id"]) if pick is not None else None
            repeat_of = queries.access_case_by_number(user, chosen_repeat) if chosen_repeat else None
            case = actions.do_report_case(
                actor=user, channel=data["channel"], cls=cls, title=data["title"] or cls.name,
                description=data["description"], address=address, building=building,
                lon=None if building is not None else data.get("lon"),
                lat=None if building is not None else data.get("lat"),
                reporter_name=data["reporter_name"], reporter_phone=data["reporter_phone"],
                anonymous=data["anonymous"], urgency=data["urgency"], idempotency_key=data["token"],
                repeat_of=repeat_of)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from exc
        except UserError as exc:
            status = exc.status
            if exc.field in ("address", "lon", "lat"):  # the position is the address card's, beside its map
                address_error = exc.message
            else:
                field_error(form, exc)
        else:
            messages.success(request, _("Filed as case %(number)s; tell the caller the query code %(code)s.")
                             % {"number": case.number, "code": case.query_code})
            return redirect("cases:case", pk=case.pk)
    elif filing:
        status = 400
    return render(request, "cases/intake.html", {
        "form": form, "candidates": candidates, "chosen_building": chosen_building, "duplicates": duplicates,
        "chosen_repeat": chosen_repeat, "address_error": address_error,
    }, status=status)


# --- queues ----------------------------------------------------------------------------------------
QUEUES = {
    "register": (_("Registration queue"), CASES_REGISTER),
    "dispatch": (_("Dispatch queue"), CASES_DISPATCH),
    "unit": (_("My unit's cases"), CASES_HANDLE),
    "tasks": (_("Tasks: on-site checks, replies, callbacks"), None),
    "extensions": (_("Extension requests"), CASES_EXTEND),
}


@login_required
def queue(request, name: str):
    from django.http import Http404

    if name not in QUEUES:
        raise Http404
    user = request.user
    title, capability = QUEUES[name]
    allowed = user.has_capability(capability) if capability else queries.may_see_tasks(user)
    if not allowed:
        audit.record("access.denied", actor=user, object_type="capability", object_repr=f"cases.queue.{name}",
                     outcome="denied", detail={"path": request.path[:200]})
        raise PermissionDenied
    tabs = _queue_tabs(user)
    ctx = {"name": name, "title": title, "next": request.get_full_path(), "queues": tabs,
           "waiting": next((t["count"] for t in tabs if t["name"] == name), 0)}
    now = timezone.now()
    if name == "register":
        rows = _annotate(queries.register_queue(user)[:QUEUE_LIMIT], now)
        for c, duplicates in zip(rows, queries.duplicates_of(user, rows), strict=True):
            c.duplicates = duplicates
        ctx.update(cases=rows, class_choices=class_choices())
    elif name == "dispatch":
        rows = _annotate(queries.dispatch_queue(user).select_related("component")[:QUEUE_LIMIT], now)
        for c, (suggestions, targets) in zip(rows, queries.dispatch_advice(user, rows), strict=True):
            c.suggestions, c.targets = suggestions, targets
        ctx.update(cases=rows)
    elif name == "unit":
        ctx.update(cases=_annotate(queries.unit_queue(user)[:QUEUE_LIMIT], now),
                   assisting=_annotate(queries.assisting_queue(user)[:QUEUE_LIMIT], now))
    elif name == "tasks":
        tasks = list(queries.task_queue(user)[:QUEUE_LIMIT])
        for t in tasks:
            t.overdue = t.due_at < now
        ctx.update(tasks=tasks, ratings=list(Case.RATINGS.items()))
    else:
        exts = list(queries.extension_queue(user).select_related("case__cls")[:QUEUE_LIMIT])
        limits = sla.step_limits()
        for e in exts:
            e.case.time = time_state(e.case, now, limits)
        ctx.update(extensions=exts)
    return render(request, "cases/queue.html", ctx)


def _queue_tabs(user) -> list[dict]:
    counts = queries.queues_for(user)
    out = []
    for key, (label, _cap) in QUEUES.items():
        if key in counts:
            out.append({"name": key, "label": label, "count": counts[key], "url": reverse("cases:queue", args=[key])})
    return out


@login_required
def queues_home(request):
    tabs = _queue_tabs(request.user)
    if not tabs:
        raise PermissionDenied
    return redirect(tabs[0]["url"])


# --- the case page and its steps ---------------------------------------------------------------------
@login_required
def case_page(request, pk):
    if not _can_staff(request.user):
        raise PermissionDenied
    case = queries.access_case(request.user, pk)
    return _render_case(request, case)


def _step_register(request, case, post):
    return actions.do_register_case(case, actor=request.user, cls=_cls_or_error(post.get("cls", ""), required=False),
                                    urgency=post.get("urgency") or None, note=post.get("note", ""),
                                    expected_version=_version(post))


def _step_reject(request, case, post):
    number = post.get("duplicate_of", "").strip()
    target = queries.access_case_by_number(request.user, number) if number else None
    return actions.do_reject_case(case, actor=request.user, note=post.get("note", ""), duplicate_of=target,
                                  expected_version=_version(post))


def _step_dispatch(request, case, post):
    lead = _unit_or_error(post.get("lead_unit"), "lead_unit")
    assisting = [_unit_or_error(v, "assisting_units") for v in post.getlist("assisting_units") if v]
    return actions.do_dispatch_case(case, actor=request.user, lead_unit=lead, assisting_units=assisting,
                                    note=post.get("note", ""), expected_version=_version(post))


def _step_verify(request, case, post):
    passed = post.get("passed")
    if passed not in ("1", "0"):
        raise UserError(_("passed: choose pass or fail."), field="passed")
    return actions.do_verify_case(case, actor=request.user, passed=passed == "1", note=post.get("note", ""),
                                  photos=_photos_from(request), expected_version=_version(post))


def _step_confirm(request, case, post):
    real = post.get("real")
    if real not in ("1", "0"):
        raise UserError(_("real: say whether the report is real."), field="real")
    return actions.do_confirm_report(case, actor=request.user, real=real == "1", note=post.get("note", ""))


def _step_link(request, case, post):
    number = post.get("repeat_of", "").strip()
    if not number:
        raise UserError(_("repeat_of: give the number of the earlier case."), field="repeat_of")
    return actions.do_link_repeat(case, queries.access_case_by_number(request.user, number), actor=request.user)


STEPS = {
    "register": _step_register,
    "reject": _step_reject,
    "dispatch": _step_dispatch,
    "accept": lambda r, c, p: actions.do_accept_case(c, actor=r.user, expected_version=_version(p)),
    "send_back": lambda r, c, p: actions.do_send_back_case(c, actor=r.user, reason=p.get("reason", ""),
                                                           expected_version=_version(p)),
    "extend": lambda r, c, p: actions.do_request_extension(c, actor=r.user, work_hours=p.get("work_hours", ""),
                                                           reason=p.get("reason", "")),
    "pause": lambda r, c, p: actions.do_pause_case(c, actor=r.user, note=p.get("note", ""),
                                                   expected_version=_version(p)),
    "resume": lambda r, c, p: actions.do_resume_case(c, actor=r.user, note=p.get("note", ""),
                                                     expected_version=_version(p)),
    "escalate": lambda r, c, p: actions.do_escalate_case(c, actor=r.user, note=p.get("note", ""),
                                                         expected_version=_version(p)),
    "feedback": lambda r, c, p: actions.do_feedback_case(c, actor=r.user, result=p.get("result", ""),
                                                         photos=_photos_from(r), expected_version=_version(p)),
    "verify": _step_verify,
    "confirm": _step_confirm,
    "link": _step_link,
}

STEP_DONE = {
    "register": _("Registered."), "reject": _("Not registered."), "dispatch": _("Dispatched."),
    "accept": _("Accepted."), "send_back": _("Sent back."), "extend": _("Extension requested."),
    "pause": _("Paused."), "resume": _("Resumed."), "escalate": _("Escalated to the level above."),
    "feedback": _("Result reported."), "verify": _("Check recorded."), "confirm": _("Confirmation recorded."),
    "link": _("Linked as a repeat complaint."),
}


@require_POST
@login_required
def step(request, pk, name: str):
    from django.http import Http404

    if name not in STEPS:
        raise Http404
    if not _can_staff(request.user):
        raise PermissionDenied
    case = queries.access_case(request.user, pk)
    try:
        STEPS[name](request, case, request.POST)
    except UserError as exc:
        return _failed(request, case, exc, step=name)
    messages.success(request, f"{case.number}: {STEP_DONE[name]}")
    return redirect(_next_url(request, reverse("cases:case", args=[case.pk])))


@require_POST
@login_required
def decide_extension(request, pk):
    ext = queries.access_extension(request.user, pk)
    grant = request.POST.get("grant")
    try:
        if grant not in ("1", "0"):
            raise UserError(_("grant: choose grant or refuse."), field="grant")
        actions.do_decide_extension(ext, actor=request.user, grant=grant == "1", note=request.POST.get("note", ""))
    except UserError as exc:
        return _failed(request, ext.case, exc)
    messages.success(request, _("Extension decided."))
    return redirect(_next_url(request, reverse("cases:case", args=[ext.case_id])))


@require_POST
@login_required
def callback(request, pk):
    task = queries.access_task(request.user, pk)
    try:
        actions.do_complete_callback(task, actor=request.user, note=request.POST.get("note", ""))
    except UserError as exc:
        return _failed(request, task.case, exc, step="callback")
    messages.success(request, _("Callback recorded."))
    return redirect(_next_url(request, reverse("cases:case", args=[task.case_id])))


@require_POST
@login_required
def reply(request, pk):
    """A seat told the caller the outcome and records their rating, or notes they were not reached."""
    task = queries.access_task(request.user, pk)
    reached = request.POST.get("reached") != "0"
    try:
        actions.do_reply_case(task, actor=request.user, reached=reached, rating=request.POST.get("rating"),
                              note=request.POST.get("note", ""))
    except UserError as exc:
        return _failed(request, task.case, exc, step="reply")
    messages.success(request, _("Reply recorded.") if reached else _("Recorded that the caller was not reached."))
    return redirect(_next_url(request, reverse("cases:case", args=[task.case_id])))


@require_POST
@login_required
def reveal_phone(request, pk):
    case = queries.access_case(request.user, pk)
    form = ReasonForm(request.POST, prefix="reveal")
    if not form.is_valid():
        return _render_case(request, case, status=400, reveal_form=form)
    try:
        phone = queries.reveal_reporter_phone(request.user, case, reason=form.cleaned_data["reason"])
    except UserError as exc:
        return _failed(request, case, exc)
    return _render_case(request, case, revealed_phone=phone, reveal_form=form)


@login_required
def photo(request, pk):
    """A case photo as uploaded (staff who may see the case only); the EXIF copy never leaves here."""
    if not _can_staff(request.user):
        raise PermissionDenied
    att = queries.access_attachment(request.user, pk)
    return photo_response(att, bytes(att.data), att.case_id)


def photo_response(att, data: bytes, case_id) -> HttpResponse:
    """A stored photo, safely: cut at the image's own end (rows stored before uploads were cut
    there), declared as what it is, never sniffed, sandboxed if opened on its own."""
    from .photos import ALLOWED, image_bytes_only

    fmt = next((f for f, mime in ALLOWED.items() if mime == att.content_type), None)
    data = (image_bytes_only(data, fmt) if fmt else None) or b""
    response = HttpResponse(data, content_type=att.content_type if fmt else "application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}.get(fmt, "bin")
    response["Content-Disposition"] = f'inline; filename="case-{case_id}-photo-{att.pk}.{extension}"'
    return response


# --- list and map -------------------------------------------------------------------------------------
STATUS_COLOURS = {
    "reported": "#6c757d", "registered": "#0d6efd", "dispatched": "#6610f2", "handling": "#fd7e14",
    "paused": "#adb5bd", "feedback": "#20c997", "closed": "#198754", "invalid": "#343a40", "duplicate": "#343a40",
}


@capability_required(CASES_VIEW)
def case_list(request):
    user = request.user
    params = request.GET.copy()
    if "status" not in params:
        params["status"] = "open"
    qs = queries.filter_cases(user, params)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = _annotate(page.object_list, now)
    points = [
        {"id": c.id, "n": c.number, "t": c.title, "s": c.status, "l": str(c.get_status_display()), "lon": c.lon,
         "lat": c.lat, "o": c.is_overdue(now),
         "u": reverse("cases:case", args=[c.id])}
        for c in qs.select_related(None).only("id", "number", "title", "status", "lon", "lat", "deadline", "paused_at")[:MAP_LIMIT]
    ]
    filters = params.copy()
    filters.pop("page", None)
    return render(request, "cases/list.html", {
        "page": page, "rows": rows, "points": points, "params": params, "filters": filters.urlencode(),
        "statuses": Case.Status.choices, "class_choices": class_choices(), "colours": STATUS_COLOURS,
        "colours_json": json.dumps(STATUS_COLOURS),
        "total": page.paginator.count, "map_limit": MAP_LIMIT,
    })


urlpatterns: list = [
    path("", case_list, name="list"),
    path("report/", report, name="report"),
    path("intake/", intake, name="intake"),
    path("queues/", queues_home, name="queues"),
    path("queues/<str:name>/", queue, name="queue"),
    path("<int:pk>/", case_page, name="case"),
    path("<int:pk>/do/<str:name>/", step, name="step"),
    path("<int:pk>/reveal-phone/", reveal_phone, name="reveal_phone"),
    path("extensions/<int:pk>/decide/", decide_extension, name="decide_extension"),
    path("tasks/<int:pk>/callback/", callback, name="callback"),
    path("tasks/<int:pk>/reply/", reply, name="reply"),
    path("photos/<int:pk>/", photo, name="photo"),
]
