"""The register's work in the inbox (``core.inbox``, declared in ``plugin.py``): ledger files the
user uploaded and had checked, waiting to be written or discarded (导入待确认). A checked file
keeps its encrypted payload until then, so leaving it waiting is both unfinished work and data
kept longer than needed."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from civicgrid.core.plugins import InboxItem

from . import queries
from .models import ImportBatch


def _waiting(user):
    return queries.visible_imports(user).filter(status=ImportBatch.Status.PREVIEWED).order_by("created_at", "pk")


def import_items(user, limit):
    return [InboxItem(kind="registry.import", title=f"{b.get_kind_display()} · {b.filename}",
                      url=reverse("registry:import", args=[b.pk]), arrived_at=b.created_at,
                      detail=_("%(accepted)s rows accepted, %(rejected)s rejected; write or discard") % {
                          "accepted": b.accepted_rows, "rejected": b.rejected_rows})
            for b in _waiting(user)[:limit]]


def import_count(user):
    return _waiting(user).count()


def import_summary(user, period):
    done = queries.visible_imports(user).filter(finished_at__gte=period.start, finished_at__lt=period.end).count()
    return {"open": import_count(user), "warn": 0, "overdue": 0, "done": done}
