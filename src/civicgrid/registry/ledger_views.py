"""Ledger pages: upload → preview with every rejected row → write all or discard; exports."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.core.decorators import capability_required
from civicgrid.core.errors import UserError
from civicgrid.registry.capabilities import REGISTRY_EXPORT, REGISTRY_IMPORT

from . import actions, exports, ledger, queries
from .forms import ImportForm, ReasonForm
from .ledger_api import xlsx_response
from .models import ImportBatch

PREVIEW_ROWS = 500  # rejected rows shown on the page; all of them are in the .xlsx


@capability_required(REGISTRY_IMPORT)
def imports(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = actions.do_preview_import(actor=request.user, data=upload.read(), filename=upload.name,
                                              kind=form.cleaned_data["kind"])
        except UserError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("registry:import", pk=batch.pk)
    return render(request, "registry/imports.html", {
        "form": form, "batches": queries.visible_imports(request.user)[:50], "kinds": ImportBatch.Kind.choices,
        "columns": ledger.COLUMNS,
    })


@capability_required(REGISTRY_IMPORT)
def import_detail(request, pk):
    batch = queries.access_import(request.user, pk)
    return render(request, "registry/import.html", {
        "batch": batch, "rejected": batch.rejected[:PREVIEW_ROWS], "more": max(0, batch.rejected_rows - PREVIEW_ROWS),
    })


@require_POST
@capability_required(REGISTRY_IMPORT)
def import_commit(request, pk):
    batch = queries.access_import(request.user, pk)
    try:
        batch = actions.do_request_commit_import(batch, actor=request.user)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        if batch.status == ImportBatch.Status.COMMITTED:
            messages.success(request, _("%(n)s rows written.") % {"n": batch.written_rows})
    return redirect("registry:import", pk=batch.pk)


@require_POST
@capability_required(REGISTRY_IMPORT)
def import_discard(request, pk):
    batch = queries.access_import(request.user, pk)
    try:
        actions.do_discard_import(batch, actor=request.user)
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("The ledger was discarded; nothing was written."))
    return redirect("registry:imports")


@capability_required(REGISTRY_IMPORT)
def import_rejected(request, pk):
    """Every rejected row with its reasons, to fix in the ledger and upload again."""
    batch = queries.access_import(request.user, pk)
    rows = ([r["row"], r["summary"], column, message] for r in batch.rejected for column, message in r["errors"].items())
    return xlsx_response(ledger.write_xlsx([_("Row"), _("Person or place"), _("Column"), _("Reason")], rows,
                                           title="rejected"), f"rejected-{batch.pk}")


@capability_required(REGISTRY_IMPORT)
def import_template(request, kind):
    if kind not in ledger.COLUMNS:
        raise Http404
    return xlsx_response(ledger.template_xlsx(kind), f"template-{kind}")


@capability_required(REGISTRY_EXPORT)
def people_export(request):
    """The people list as filtered on the page; masked, or — POST with a reason — revealed."""
    params = request.POST if request.method == "POST" else request.GET
    try:
        qs = queries.filter_people(request.user, params)
    except UserError as exc:
        messages.error(request, exc.message)
        return redirect("registry:people")
    if request.method == "POST":
        form = ReasonForm(request.POST, prefix="export")
        if not form.is_valid():
            messages.error(request, _("reason: say why you need to see this (it is recorded)."))
            return redirect("registry:people")
        try:
            exports.admit_sync(request.user, qs)
            data = queries.export_people(request.user, qs, reveal=True, reason=form.cleaned_data["reason"])
        except UserError as exc:
            messages.error(request, exc.message)
            return redirect("registry:people")
    else:
        try:
            exports.admit_sync(request.user, qs)
        except UserError as exc:
            messages.error(request, exc.message)
            return redirect("registry:people")
        data = queries.export_people(request.user, qs)
    return xlsx_response(data, "people")


@require_POST
@capability_required(REGISTRY_EXPORT)
def export_request(request):
    """The people list as filtered, exported by the job queue (masked, or revealed with a reason)."""
    reason = (request.POST.get("export-reason") or "").strip()
    try:
        job = exports.do_request_people_export(actor=request.user, filters=request.POST, reveal=bool(reason),
                                               reason=reason)
    except UserError as exc:
        messages.error(request, exc.message)
        return redirect("registry:people")
    return redirect("registry:export_job", pk=job.pk)


@capability_required(REGISTRY_EXPORT)
def export_job(request, pk):
    job = exports.access_job(request.user, pk)
    return render(request, "registry/export_job.html", {"job": job, "running": job.status in ("queued", "running")})


@capability_required(REGISTRY_EXPORT)
def export_job_file(request, pk):
    job = exports.access_job(request.user, pk)
    try:
        data = exports.job_file(request.user, job)
    except UserError as exc:
        messages.error(request, exc.message)
        return redirect("registry:export_job", pk=job.pk)
    return xlsx_response(data, f"people-{job.pk}")
