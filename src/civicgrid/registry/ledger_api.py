"""Ledger API: upload a resident/building/component ledger for a preview, then write or
discard it; export what the caller may see as .xlsx (masked unless revealed with a reason).

Mounted under ``/api/registry/`` beside the register's own router.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from civicgrid.core.access import require_capability
from civicgrid.core.schema import choices
from civicgrid.registry.capabilities import REGISTRY_IMPORT

from . import actions, exports, ledger, queries
from .models import ImportBatch

router = Router(tags=["registry ledgers"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    name = f"{stem}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    response["Cache-Control"] = "no-store"  # may hold personal data
    return response


class RejectedRow(Schema):
    row: int
    summary: str
    errors: dict[str, str]


class ImportSummary(Schema):
    id: int
    kind: str
    filename: str
    status: str
    total_rows: int
    accepted_rows: int
    rejected_rows: int
    written_rows: int
    percent: int
    error: str
    created_at: dt.datetime


class ImportOut(ImportSummary):
    rejected: list[RejectedRow]
    warnings: list[str]
    finished_at: dt.datetime | None


class PeopleExportFilter(Schema):
    q: str = ""
    tag: str = ""
    residence: str = ""
    left: str = ""


class RevealExportIn(PeopleExportFilter):
    reason: str


@router.post("/imports", response={201: ImportOut}, summary="Upload a ledger (.xlsx/.csv): check only, nothing written")
def upload(request, kind: Form[choices(ImportBatch.Kind, "LedgerKind")], file: File[UploadedFile]):
    batch = actions.do_preview_import(actor=request.user, data=file.read(), filename=file.name or "", kind=kind)
    return Status(201, batch)


@router.get("/imports", response=list[ImportSummary], summary="Your uploaded ledgers")
def list_imports(request):
    return queries.visible_imports(request.user)[:200]


@router.get("/imports/template", summary="An empty ledger with the expected columns (.xlsx)")
def template(request, kind: choices(ImportBatch.Kind, "LedgerKind") = ImportBatch.Kind.PEOPLE):
    require_capability(request.user, REGISTRY_IMPORT)
    return xlsx_response(ledger.template_xlsx(kind), f"template-{kind}")


@router.get("/imports/{int:pk}", response=ImportOut, summary="The preview of an uploaded ledger")
def get_import(request, pk: int):
    return queries.access_import(request.user, pk)


@router.post("/imports/{int:pk}/commit", response={200: ImportOut, 202: ImportOut},
             summary="Write every accepted row, or nothing (re-checked against the register first); a large "
                     "ledger is written in the background: 202, then follow GET /imports/{id}")
def commit(request, pk: int):
    batch = actions.do_request_commit_import(queries.access_import(request.user, pk), actor=request.user)
    return Status(202 if batch.status == ImportBatch.Status.QUEUED else 200, batch)


@router.post("/imports/{int:pk}/discard", response=ImportOut, summary="Discard an uploaded ledger")
def discard(request, pk: int):
    return actions.do_discard_import(queries.access_import(request.user, pk), actor=request.user)


@router.get("/export/people.xlsx",
            summary="People you may see, as .xlsx (ID numbers and phones masked); larger sets: POST /exports/people")
def export_people(request, filters: Query[PeopleExportFilter]):
    qs = queries.filter_people(request.user, filters.dict())
    exports.admit_sync(request.user, qs)
    return xlsx_response(queries.export_people(request.user, qs), "people")


@router.post("/export/people.xlsx", summary="People as .xlsx with full ID numbers and phones (audited, reason)")
def export_people_revealed(request, payload: RevealExportIn):
    filters = payload.dict(exclude={"reason"})
    qs = queries.filter_people(request.user, filters)
    exports.admit_sync(request.user, qs)
    return xlsx_response(queries.export_people(request.user, qs, reveal=True, reason=payload.reason), "people")


class ExportRequestIn(PeopleExportFilter):
    reveal: bool = Field(False, description="full ID numbers and phones (needs the right to see them and a reason)")
    reason: str = ""


class ExportJobOut(Schema):
    id: int
    kind: str
    status: str
    reveal: bool
    total_rows: int
    done_rows: int
    percent: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None


@router.post("/exports/people", response={202: ExportJobOut},
             summary="Export people in the background (any size); follow GET /exports/{id}, then download /file")
def request_people_export(request, payload: ExportRequestIn):
    job = exports.do_request_people_export(actor=request.user, filters=payload.dict(exclude={"reveal", "reason"}),
                                           reveal=payload.reveal, reason=payload.reason)
    job.refresh_from_db()
    return Status(202, job)


@router.get("/exports/{int:pk}", response=ExportJobOut, summary="A background export's progress")
def export_job(request, pk: int):
    return exports.access_job(request.user, pk)


@router.get("/exports/{int:pk}/file", summary="The finished export (.xlsx; 409 while it runs)")
def export_job_file(request, pk: int):
    job = exports.access_job(request.user, pk)
    return xlsx_response(exports.job_file(request.user, job), f"people-{job.pk}")


@router.get("/export/buildings.xlsx", summary="Buildings you may see, as .xlsx")
def export_buildings(request):
    return xlsx_response(queries.export_buildings(request.user, queries.visible_buildings(request.user)),
                         "buildings")


@router.get("/export/components.xlsx", summary="Components you may see, as .xlsx")
def export_components(request):
    return xlsx_response(queries.export_components(request.user, queries.visible_components(request.user)),
                         "components")
