"""Ledger imports (台账导入): preview, commit (all or nothing), discard."""

from __future__ import annotations

import base64
import hashlib

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import audit, crypto
from civicgrid.core.access import require_capability
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.history import actor_name
from civicgrid.registry.capabilities import REGISTRY_IMPORT

from .. import ledger
from ..models import (
    ImportBatch,
)
from .common import (
    lock,
)

# --- ledger import ----------------------------------------------------------------------------
IMPORT_CONTEXT = "registry.import.file"


def _rejected_changed(batch: ImportBatch, checked) -> bool:
    return [r["row"] for r in batch.rejected] != [r.number for r in checked.rejected]


def _lock_previewed_batch(batch: ImportBatch, actor, not_owner: str,
                          states=(ImportBatch.Status.PREVIEWED,)) -> ImportBatch:
    """The batch, row-locked, if the actor uploaded it and it is still waiting for a decision."""
    locked = lock(batch)
    if locked.created_by_id != getattr(actor, "pk", None):
        raise NotPermitted(not_owner)
    if locked.status not in states:
        raise Conflict(_("This ledger was already %(status)s.") % {"status": locked.get_status_display()})
    return locked


def do_preview_import(*, actor, data: bytes, filename: str, kind: str) -> ImportBatch:
    """Check a ledger file and keep it (encrypted) for the commit; nothing enters the register.

    A file that cannot be read at all raises UserError naming the problem.
    """
    require_capability(actor, REGISTRY_IMPORT)
    try:
        checked = ledger.check_ledger(data, filename, kind, actor)
    except ledger.LedgerError as exc:
        raise UserError(str(exc), field="file")
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=kind, filename=(filename or "")[-200:], sha256=hashlib.sha256(data).hexdigest(),
            created_by=actor if getattr(actor, "pk", None) else None, created_by_name=actor_name(actor) or "system",
            total_rows=checked.total, accepted_rows=len(checked.accepted), rejected_rows=len(checked.rejected),
            rejected=checked.rejected_json(), warnings=[str(w) for w in checked.warnings],
            payload_enc=crypto.encrypt(base64.b64encode(data).decode("ascii"), context=IMPORT_CONTEXT),
        )
        audit.record("registry.import.preview", actor=actor, obj=batch, detail={
            "kind": kind, "rows": checked.total, "accepted": len(checked.accepted),
            "rejected": len(checked.rejected)})
    return batch


def sync_limit() -> int:
    return int(settings.CIVICGRID_IMPORT_SYNC_MAX_ROWS)


def do_request_commit_import(batch: ImportBatch, *, actor) -> ImportBatch:
    """Write a previewed ledger: at once when it is small, else by the job queue (issue 13, finding
    12: a 50,000-row ledger must not hold a web worker for minutes). A queued batch shows its
    progress; if the write fails nothing is written, the batch returns to the preview with the
    reason, and it can be written again or discarded."""
    require_capability(actor, REGISTRY_IMPORT)
    if batch.accepted_rows <= sync_limit():
        return do_commit_import(batch, actor=actor)
    with transaction.atomic():
        locked = _lock_previewed_batch(batch, actor, _("Only the person who uploaded a ledger can write it."))
        if not locked.accepted_rows:
            raise UserError(_("No row of this ledger can be written."), field="file")
        locked.status = ImportBatch.Status.QUEUED
        locked.error = ""
        locked.save(update_fields=["status", "error"])
        audit.record("registry.import.queue", actor=actor, obj=locked, detail={"rows": locked.accepted_rows})
        from ..jobs import commit_import

        transaction.on_commit(lambda: commit_import(locked.pk, actor.pk))
    return locked


def run_queued_commit(pk: int, user_pk: int) -> ImportBatch:
    """The job's side of ``do_request_commit_import``: write, reporting progress in the shared cache."""
    from civicgrid.accounts.models import User

    batch, actor = ImportBatch.objects.get(pk=pk), User.objects.get(pk=user_pk)
    key = f"import-progress:{pk}"
    cache = caches["shared"]

    def progress(done: int, total: int) -> None:
        cache.set(key, done, timeout=24 * 3600)

    try:
        return do_commit_import(batch, actor=actor, progress=progress)
    except UserError as exc:
        ImportBatch.objects.filter(pk=pk, status=ImportBatch.Status.QUEUED).update(
            status=ImportBatch.Status.PREVIEWED, error=exc.message)
        audit.record("registry.import.failed", actor=actor, obj=batch, detail={"error": exc.message[:200]})
        return ImportBatch.objects.get(pk=pk)
    finally:
        cache.delete(key)


def do_commit_import(batch: ImportBatch, *, actor, progress=None) -> ImportBatch:
    """Write every accepted row of a previewed ledger, or nothing.

    The file is checked again inside the transaction; if the register changed so that other
    rows would now be rejected, nothing is written and the user is asked to preview again.
    """
    require_capability(actor, REGISTRY_IMPORT)
    try:
        return _commit_import(batch, actor, progress)
    except IntegrityError:
        # another import or registration took the same ID number after our check
        raise Conflict(_("The register changed while the ledger was being written; nothing was written. "
                         "Upload the file again to see the new preview."))


def _commit_import(batch: ImportBatch, actor, progress) -> ImportBatch:
    with transaction.atomic():
        locked = _lock_previewed_batch(batch, actor, _("Only the person who uploaded a ledger can write it."),
                                       states=(ImportBatch.Status.PREVIEWED, ImportBatch.Status.QUEUED))
        data = base64.b64decode(crypto.decrypt(locked.payload_enc, context=IMPORT_CONTEXT))
        try:
            checked = ledger.check_ledger(data, locked.filename, locked.kind, actor)
        except ledger.LedgerError as exc:
            raise UserError(str(exc), field="file")
        if _rejected_changed(locked, checked):
            raise Conflict(_("The register changed since the preview: %(n)s rows would now be rejected "
                             "instead of %(m)s. Upload the file again to see the new preview.") % {
                "n": len(checked.rejected), "m": locked.rejected_rows})
        if not checked.accepted:
            raise UserError(_("No row of this ledger can be written."), field="file")
        written = ledger.write_ledger(checked, actor, progress)
        locked.status = ImportBatch.Status.COMMITTED
        locked.written_rows = written
        locked.payload_enc = ""  # the file is not kept once written
        locked.error = ""
        locked.finished_at = timezone.now()
        locked.save()
        audit.record("registry.import.commit", actor=actor, obj=locked,
                     detail={"kind": locked.kind, "written": written, "rejected": locked.rejected_rows})
    return locked


def do_discard_import(batch: ImportBatch, *, actor) -> ImportBatch:
    with transaction.atomic():
        locked = _lock_previewed_batch(batch, actor, _("Only the person who uploaded a ledger can discard it."))
        locked.status = ImportBatch.Status.DISCARDED
        locked.payload_enc = ""
        locked.finished_at = timezone.now()
        locked.save()
        audit.record("registry.import.discard", actor=actor, obj=locked)
    return locked
