"""Counter pages: the catalogue and its guides, the clerk's intake with the checklist, the application
with its steps, the printable receipt and one-time notice, the back office's inbox, callbacks, the
centre's figures, and the resident's progress page (the query code in a form, never in an address)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicgrid.core import audit, periods
from civicgrid.core.decorators import capability_required
from civicgrid.core.errors import UserError

from . import actions, queries
from .capabilities import COUNTER_CALLBACK, COUNTER_CATALOGUE, COUNTER_HANDLE, COUNTER_INTAKE, COUNTER_VIEW
from .models import Application, Department, Level, ServiceItem
from .rules import APPLICATION_FLOW, SUSPEND_STEP_REASONS

SESSION_APPLICANT = "counter_applicant"
SESSION_ORGANISATION = "counter_organisation"


# --- catalogue ----------------------------------------------------------------------------------------
@capability_required(COUNTER_VIEW)
def catalogue(request):
    q = request.GET.get("q", "")[:50]
    level = request.GET.get("level", "") if request.GET.get("level") in Level.values else ""
    department = request.GET.get("department", "") if request.GET.get("department") in Department.values else ""
    qs = queries.search_items(q, level=level, department=department)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "counter/catalogue.html", {"page": page, "q": q, "level": level,
                                                       "department": department, "levels": Level.choices,
                                                       "departments": Department.choices, "total": qs.count(),
                                                       "can_edit": request.user.has_capability(COUNTER_CATALOGUE)})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_LIMIT = 10 * 1024 * 1024
SESSION_IMPORT = "counter_catalogue_import"


@capability_required(COUNTER_CATALOGUE)
def catalogue_export(request):
    """The whole catalogue as .xlsx (the layout the import reads back)."""
    from django.http import HttpResponse

    from .catalogue_io import export_catalogue

    audit.record("counter.item.export", actor=request.user, object_type="counter.serviceitem")
    response = HttpResponse(export_catalogue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="counter-items.xlsx"'
    return response


def _staged(request, token: str | None = None):
    """The uploaded sheet kept between the preview and the import (the var directory; its token in
    the session, so only the user who uploaded it can import it)."""
    import re

    from django.conf import settings

    folder = settings.VAR_DIR / "counter-imports"
    if token is None:
        token = (request.session.get(SESSION_IMPORT) or {}).get("token", "")
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        return None
    return folder / f"{request.user.pk}-{token}.xlsx"


@never_cache
@capability_required(COUNTER_CATALOGUE)
@require_http_methods(["GET", "POST"])
def catalogue_import(request):
    """Upload a sheet → preview every row through the actions (rolled back), every problem by row and
    column → import all rows or none."""
    import secrets
    import time

    from .catalogue_io import do_import_catalogue, preview_catalogue

    error, preview = "", None
    do = request.POST.get("do", "")
    name = (request.session.get(SESSION_IMPORT) or {}).get("name", "")
    if request.method == "POST" and do == "preview":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Catalogue sheet: choose the .xlsx file to import.")
        elif upload.size > IMPORT_LIMIT:
            error = _("Catalogue sheet: the file is larger than 10 MB.")
        elif not upload.name.lower().endswith(".xlsx"):
            error = _("Catalogue sheet: only an .xlsx spreadsheet can be imported (this file is %(name)s).") % {
                "name": upload.name[:80]}
        else:
            data = upload.read(IMPORT_LIMIT + 1)
            try:
                preview = preview_catalogue(actor=request.user, data=data)
            except UserError as exc:
                error = exc.message
            else:
                folder = _staged(request, "0" * 32).parent
                folder.mkdir(parents=True, exist_ok=True)
                for old in folder.glob("*.xlsx"):  # sheets left over from a day ago
                    if old.stat().st_mtime < time.time() - 86400:
                        old.unlink(missing_ok=True)
                token = secrets.token_hex(16)
                _staged(request, token).write_bytes(data)
                name = upload.name[:120]
                request.session[SESSION_IMPORT] = {"token": token, "name": name}
    elif request.method == "POST" and do in ("import", "discard"):
        path = _staged(request)
        if path is None or not path.exists():
            error = _("Catalogue sheet: upload the file again (the preview has expired).")
        elif do == "discard":
            path.unlink(missing_ok=True)
            request.session.pop(SESSION_IMPORT, None)
            return redirect("counter:catalogue_import")
        else:
            data = path.read_bytes()
            try:
                done = do_import_catalogue(actor=request.user, data=data)
            except UserError as exc:
                error = exc.message
                preview = preview_catalogue(actor=request.user, data=data)
            else:
                path.unlink(missing_ok=True)
                request.session.pop(SESSION_IMPORT, None)
                messages.success(request, _("Catalogue imported: %(n)s items, %(p)s versions published.")
                                 % {"n": done["items"], "p": done["published"]})
                return redirect("counter:catalogue")
    return render(request, "counter/catalogue_import.html", {
        "error": error, "preview": preview, "name": name,
        "bad_rows": [r for r in preview["rows"] if r["errors"]][:500] if preview else [],
        "rows": preview["rows"][:500] if preview else []},
        status=400 if error else 200)


@capability_required(COUNTER_VIEW)
def guide(request, code):
    item = queries.get_item(code)
    if item.current is None:
        raise Http404
    return render(request, "counter/guide.html", {**queries.guide(item.current),
                                                  "children": item.children.all()})


# --- the window ---------------------------------------------------------------------------------------
def _organisation(request):
    pk = request.session.get(SESSION_ORGANISATION)
    if not pk:
        return None
    try:
        return queries.access_organisation(request.user, pk)
    except Http404:
        return None


def _applicant(request):
    pk = request.session.get(SESSION_APPLICANT)
    if not pk:
        return None
    from .api import _person

    try:
        return _person(request.user, pk)
    except Http404:
        return None


@never_cache
@capability_required(COUNTER_INTAKE)
@require_http_methods(["GET", "POST"])
def intake(request):
    """Look the resident up (POST: the ID number stays out of the address), find the item by text,
    pinyin initials or situation, tick what was handed in, receive."""
    errors: dict[str, str] = {}
    person = _applicant(request)
    organisation = _organisation(request)
    item_code = request.POST.get("item") or request.GET.get("item", "")
    item = None
    if item_code:
        item = queries.published_items().filter(code=item_code[:40]).first()
    if request.method == "POST" and request.POST.get("do") == "lookup":
        try:
            person = queries.lookup_applicant(request.user, request.POST.get("id_number", ""))
            request.session[SESSION_APPLICANT] = person.pk
        except UserError as exc:
            errors["id_number"] = exc.message
            request.session.pop(SESSION_APPLICANT, None)
            person = None
    elif request.method == "POST" and request.POST.get("do") == "organisation":
        try:
            organisation = queries.lookup_organisation(request.user, request.POST.get("credit_code", ""))
            request.session[SESSION_ORGANISATION] = organisation.pk
        except UserError as exc:
            errors["credit_code"] = exc.message
            request.session.pop(SESSION_ORGANISATION, None)
            organisation = None
    elif request.method == "POST" and request.POST.get("do") == "clear_organisation":
        request.session.pop(SESSION_ORGANISATION, None)
        organisation = None
    elif request.method == "POST" and request.POST.get("do") == "clear":
        request.session.pop(SESSION_APPLICANT, None)
        request.session.pop(SESSION_ORGANISATION, None)
        return redirect("counter:intake")
    elif request.method == "POST" and request.POST.get("do") == "receive":
        try:
            if item is None or item.current is None:
                raise UserError(_("Item: choose a published item."), field="item")
            from .api import _centre

            app = actions.do_intake(
                actor=request.user, version=item.current, applicant=person,
                window_area_code=_centre(request.user, request.POST.get("centre", "")),
                situation=request.POST.get("situation", ""), handed=request.POST.getlist("handed"),
                window=request.POST.get("window", ""), proxy=request.POST.get("proxy", ""),
                proxy_person=person if request.POST.get("proxy") else None,
                green_channel=bool(request.POST.get("green_channel")), organisation=organisation)
            request.session.pop(SESSION_APPLICANT, None)
            request.session.pop(SESSION_ORGANISATION, None)
            messages.success(request, _("Received as %(n)s.") % {"n": app.number})
            return redirect("counter:application", app.pk)
        except UserError as exc:
            errors[exc.field if exc.field in ("situation", "item", "id_number") else "general"] = exc.message
    q = request.GET.get("q", "")[:50]
    found = queries.search_items(q)[:30] if q else []
    version = item.current if item else None
    centres = [m for m in request.user.active_memberships() if m.area_code and len(m.area_code) in (9, 12)]
    return render(request, "counter/intake.html", {
        "person": person, "organisation": organisation, "q": q, "found": found,
        "posted_credit_code": request.POST.get("credit_code", "")[:18] if errors.get("credit_code") else "", "item": item, "version": version,
        "situations": list(version.situations.all()) if version else [],
        "materials": list(version.materials.all()) if version else [],
        "chosen": request.POST.get("situation") or request.GET.get("situation", ""),
        "errors": errors, "centres": centres, "proxies": Application.Proxy.choices,
        "queue": queries.window_queue(request.user, limit=20),
    }, status=400 if errors and request.method == "POST" and request.POST.get("do") == "receive" else 200)


STEP_FIELDS = {"refuse": ("reason", "legal_basis"), "ask_supplement": ("note",), "forward": ("department", "level", "area_code", "note"),
               "suspend": ("reason", "note"), "resume": ("note",), "deny": ("reason", "legal_basis"),
               "hand_over": ("delivery",), "withdraw": ("reason",)}


def _take(request, app, step: str):
    P = request.POST
    common = {"actor": request.user, "application": app, "expected_version": int(P.get("version") or 0) or None}
    if step == "notice":
        actions.do_notice(**common)
        return redirect("counter:notice", app.pk)
    if step == "supplement":
        actions.do_supplement(**common, handed=P.getlist("handed"), situation=P.get("situation") or None)
    elif step == "accept":
        actions.do_accept(**common)
        return redirect("counter:receipt", app.pk)
    elif step == "refuse":
        actions.do_refuse(**common, reason=P.get("reason", ""), legal_basis=P.get("legal_basis", ""))
    elif step == "ask_supplement":
        actions.do_ask_supplement(**common, note=P.get("note", ""))
    elif step == "forward":
        actions.do_forward(**common, department=P.get("department", ""), level=P.get("level", ""),
                           area_code=P.get("area_code", ""), note=P.get("note", ""))
        messages.success(request, _("Forwarded."))
        return redirect("counter:inbox")
    elif step == "suspend":
        actions.do_suspend(**common, reason=P.get("reason", ""), note=P.get("note", ""))
    elif step == "resume":
        actions.do_resume(**common, note=P.get("note", ""))
    elif step in ("approve", "deny"):
        actions.do_decide(**common, approve=step == "approve", reason=P.get("reason", ""),
                          legal_basis=P.get("legal_basis", ""))
    elif step == "hand_over":
        actions.do_hand_over(**common, delivery=P.get("delivery", ""))
    elif step == "withdraw":
        actions.do_withdraw(**common, reason=P.get("reason", ""))
    else:
        raise Http404
    return redirect("counter:application", app.pk)


@never_cache
@require_http_methods(["GET", "POST"])
def application(request, pk):
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    app = queries.access_application(request.user, pk)
    error, failed = None, ""
    if request.method == "POST":
        failed = request.POST.get("step", "")
        try:
            return _take(request, app, failed)
        except UserError as exc:
            error = exc
            app = queries.access_application(request.user, pk)
    buttons = queries.buttons(request.user, app)
    return render(request, "counter/application.html", {
        "app": app, "lines": queries.checklist(app), "events": queries.events(app), "buttons": buttons,
        "clock": queries.clock(app), "error": error, "failed": failed, "posted": request.POST,
        "departments": Department.choices, "levels": Level.choices, "reasons": SUSPEND_STEP_REASONS,
        "deliveries": Application.Delivery.choices, "notices": app.notice_rows.all(),
        "situations": list(app.item_version.situations.all()),
        "missing": [m.code for m in actions.missing_materials(app)],
    }, status=(error.status if error else 200))


@never_cache
@capability_required(COUNTER_VIEW)
def receipt(request, pk):
    """受理回执, printable: number, promised date, query code (the read audited)."""
    app = queries.access_application(request.user, pk)
    if not app.receipt_number:
        raise Http404
    audit.record("counter.receipt.print", actor=request.user, obj=app)
    return render(request, "counter/receipt.html", {"app": app, "code": actions.receipt_query_code(app),
                                                     "lines": queries.checklist(app)})


@never_cache
@capability_required(COUNTER_VIEW)
def notice(request, pk):
    """一次性告知书, printable (the latest one)."""
    app = queries.access_application(request.user, pk)
    row = app.notice_rows.order_by("-issued_at", "-id").first()
    if row is None:
        raise Http404
    return render(request, "counter/notice.html", {"app": app, "notice": row})


@capability_required(COUNTER_VIEW)
def applications(request):
    qs = queries.visible_applications(request.user).order_by("-received_at", "-id")
    status = request.GET.get("status", "")
    if status in Application.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "counter/applications.html", {"page": page, "status": status,
                                                          "statuses": Application.Status.choices})


@capability_required(COUNTER_HANDLE)
def inbox(request):
    return render(request, "counter/inbox.html", {"rows": queries.inbox(request.user, limit=200)})


@capability_required(COUNTER_CALLBACK)
@require_http_methods(["GET", "POST"])
def callbacks(request):
    qs = queries.visible_callbacks(request.user).order_by("status", "due_at")
    return render(request, "counter/callbacks.html", {"rows": qs[:200]})


@capability_required(COUNTER_CALLBACK)
@require_http_methods(["GET", "POST"])
def callback(request, pk):
    task = queries.access_callback(request.user, pk)
    error = None
    if request.method == "POST":
        try:
            actions.do_close_callback(actor=request.user, task=task, result=request.POST.get("result", ""),
                                      expected_version=int(request.POST.get("version") or 0) or None)
            return redirect("counter:callbacks")
        except UserError as exc:
            error = exc
    return render(request, "counter/callback.html", {"task": task, "error": error,
                                                     "events": queries.events(task.application)},
                  status=error.status if error else 200)


@capability_required(COUNTER_VIEW)
def figures(request):
    code = request.GET.get("period", "") or periods.current("month").code
    try:
        period = periods.parse(code)
    except ValueError:
        period, code = periods.current("month"), ""
        messages.error(request, _("period: a period code such as 2025, 2025Q3, 202509 or 2025-09-01..2025-09-30."))
    by = request.GET.get("by", "centre") if request.GET.get("by") in queries.GROUPS else "centre"
    data = queries.figures(request.user, period, by=by)
    names = queries.area_names({r["key"].split("·")[0] for r in data["rows"]})
    labels = {**dict(Department.choices), **dict(Level.choices)}
    for row in data["rows"]:
        head = row["key"].split("·")
        row["label"] = " · ".join([names.get(head[0], str(labels.get(head[0], head[0]))), *head[1:]])
    return render(request, "counter/figures.html", {
        "data": data, "period": period, "by": by, "groups": queries.GROUPS,
        "staff": queries.staff_per_100_households(request.user) if by == "community" else None})


# --- the resident ------------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def progress(request):
    """The receipt's query code typed into a form (POST): never in an address, a history or a log."""
    app = error = None
    code = ""
    if request.method == "POST":
        code = request.POST.get("query_code", "")[:20]
        try:
            app = queries.application_by_code(code)
        except Http404:
            error = _("query code: no application has this code; check the receipt.")
        if app is not None and request.POST.get("rating"):
            try:
                actor = request.user if request.user.is_authenticated else None
                app = actions.do_rate(application=app, rating=int(request.POST["rating"]) if
                                      request.POST["rating"].isdigit() else 0,
                                      comment=request.POST.get("comment", ""), actor=actor)
                messages.success(request, _("Thank you for your rating."))
            except UserError as exc:
                error = exc.message
    return render(request, "counter/progress.html", {
        "app": app, "code": code if app else "", "error": error, "ratings": sorted(actions.RATINGS.items(), reverse=True),
        "events": queries.events(app) if app else [],
        "can_rate": app is not None and APPLICATION_FLOW.allowed(app, "rate")},
        status=404 if error and app is None else 200)


__all__ = ["ServiceItem"]
