"""Large exports as background jobs (issue 13, finding 12): a district's people export (44k–72k
rows) is written by the job queue while the page shows its progress, instead of holding a web
worker for a minute.

``do_request_people_export`` checks the rights and the filters at once (the same refusals as the
direct export), stores the job with its filters and reason encrypted, and queues it after commit;
``run_export`` (the job) writes the .xlsx through ``queries.export_people`` — re-scoped for the
requester as they are when it runs, audited there — and keeps the file encrypted for the requester
only. A file is kept for ``KEEP_HOURS`` and served once ready (``Cache-Control: no-store``).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import audit, crypto
from civicgrid.core.access import not_found_or_denied, require_capability
from civicgrid.core.errors import Conflict, UserError
from civicgrid.core.guards import check_user_rate
from civicgrid.registry.capabilities import REGISTRY_EXPORT, REGISTRY_REVEAL

from . import queries
from .models import ExportJob

log = logging.getLogger(__name__)
FILE_CONTEXT = "registry.export.file"
FILTERS_CONTEXT = "registry.export.filters"
REASON_CONTEXT = "registry.export.reason"
FILTER_KEYS = ("q", "tag", "residence", "left")
KEEP_HOURS = 24


def sync_limit() -> int:
    """Rows up to which an export is written inside the request; above it, a background job."""
    return int(getattr(settings, "CIVICGRID_EXPORT_SYNC_MAX_ROWS", 10_000))


def check_rate(user) -> None:
    """People exports per user are limited (``CIVICGRID_RATE_LIMITS["people_export"]``): a stolen
    session cannot pull the register page by page at machine speed."""
    check_user_rate("people_export", user, _("Too many exports of people in a short time. Try again in %(s)s "
                                             "seconds."))


def admit_sync(user, qs) -> None:
    """What an export answered at once must pass: the rate per user and the size."""
    check_rate(user)
    check_sync_size(qs)


def check_sync_size(qs) -> None:
    count = qs.count()
    if count > sync_limit():
        raise Conflict(_("The export has %(n)s rows, more than %(max)s: ask for it as a background export "
                         "(POST /api/registry/exports/people, or the Export button on the people page).")
                       % {"n": count, "max": sync_limit()}, code="too_many_rows")


def do_request_people_export(*, actor, filters: dict, reveal: bool = False, reason: str = "") -> ExportJob:
    require_capability(actor, REGISTRY_EXPORT)
    filters = {k: str(filters.get(k) or "") for k in FILTER_KEYS}
    if reveal:
        reason = queries._require_reason(reason)
        require_capability(actor, REGISTRY_REVEAL)
    queries.filter_people(actor, filters)  # the same refusals as the direct export (a search by ID …)
    check_rate(actor)
    with transaction.atomic():
        job = ExportJob.objects.create(
            kind="people", created_by=actor, reveal=reveal,
            filters_enc=crypto.encrypt(json.dumps(filters, ensure_ascii=False), context=FILTERS_CONTEXT),
            reason_enc=crypto.encrypt_optional(reason if reveal else "", context=REASON_CONTEXT))
        audit.record("registry.export.request", actor=actor, obj=job, detail={"kind": "people", "reveal": reveal})
        transaction.on_commit(lambda: _queue(job.pk))
    return job


def _queue(pk: int) -> None:
    from .jobs import run_export

    run_export(pk)


def run_export(pk: int) -> None:
    """The job: write the file, recording progress; a failure is recorded on the job."""
    job = ExportJob.objects.select_related("created_by").filter(pk=pk).first()
    if job is None or job.status != ExportJob.Status.QUEUED:
        return
    ExportJob.objects.filter(pk=pk).update(status=ExportJob.Status.RUNNING)
    user = job.created_by
    try:
        filters = json.loads(crypto.decrypt(job.filters_enc, context=FILTERS_CONTEXT))
        qs = queries.filter_people(user, filters)
        ExportJob.objects.filter(pk=pk).update(total_rows=qs.count())
        data = queries.export_people(
            user, qs, reveal=job.reveal, reason=crypto.decrypt_optional(job.reason_enc, context=REASON_CONTEXT),
            progress=lambda done: ExportJob.objects.filter(pk=pk).update(done_rows=done))
    except UserError as exc:
        ExportJob.objects.filter(pk=pk).update(status=ExportJob.Status.FAILED, error=exc.message[:500],
                                               finished_at=timezone.now())
        return
    except Exception:  # noqa: BLE001 - recorded on the job; the details go to the log
        log.exception("export job %s failed", pk)
        ExportJob.objects.filter(pk=pk).update(status=ExportJob.Status.FAILED, finished_at=timezone.now(),
                                               error=_("The export failed; try again or ask an administrator."))
        return
    ExportJob.objects.filter(pk=pk).update(
        status=ExportJob.Status.DONE, done_rows=ExportJob.objects.get(pk=pk).total_rows,
        file_enc=crypto.encrypt(base64.b64encode(data).decode("ascii"), context=FILE_CONTEXT),
        finished_at=timezone.now())


def visible_jobs(user):
    if not getattr(user, "is_authenticated", False):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(created_by_id=user.pk)


def access_job(user, pk) -> ExportJob:
    job = ExportJob.objects.filter(pk=pk).first()
    if job is None or job.created_by_id != getattr(user, "pk", None):
        not_found_or_denied(user, job)
    return job


def job_file(user, job: ExportJob) -> bytes:
    """The finished file, for its requester; audited."""
    if job.status != ExportJob.Status.DONE or not job.file_enc:
        raise Conflict(_("The export is not ready (%(status)s).") % {"status": job.get_status_display()})
    if job.finished_at and timezone.now() - job.finished_at > dt.timedelta(hours=KEEP_HOURS):
        ExportJob.objects.filter(pk=job.pk).update(file_enc="")
        raise Conflict(_("The export is older than %(h)s hours and was deleted; ask for it again.")
                       % {"h": KEEP_HOURS})
    audit.record("registry.export.download", actor=user, obj=job, detail={"reveal": job.reveal})
    return base64.b64decode(crypto.decrypt(job.file_enc, context=FILE_CONTEXT))
