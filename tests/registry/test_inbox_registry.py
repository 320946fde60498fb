"""Issue 14, finding 4: a ledger file checked but neither written nor discarded waits in its
uploader's inbox (and only theirs)."""

from __future__ import annotations

from civicgrid.core import inbox
from civicgrid.registry.models import ImportBatch


def _queue(user):
    return next((s for s in inbox.sections(user) if s.key == "registry.imports"), None)


def test_a_checked_import_waits_for_its_uploader(people):
    admin = people["district"]
    batch = ImportBatch.objects.create(kind="people", filename="人口台账.xlsx", sha256="0" * 64, created_by=admin,
                                       created_by_name=admin.username, total_rows=3, accepted_rows=2,
                                       rejected_rows=1)
    q = _queue(admin)
    assert q.count == 1 and q.items[0].url == f"/registry/imports/{batch.pk}/" and "人口台账.xlsx" in q.items[0].title
    assert _queue(people["street"]) is None or _queue(people["street"]).count == 0
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.DISCARDED)
    assert _queue(admin).count == 0
