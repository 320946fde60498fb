"""The deadline job (every 5 minutes): warn the lead unit before the deadline (预警) and escalate
overdue cases to the level above (超期升级); at the district centre an overdue case is put under
supervision (督办). The rows come from ``core.deadlines.scan``; each is locked and checked again."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import deadlines

from .. import notices, sla
from ..models import Case, CaseEvent
from ..rules import CASE_FLOW
from .loop import escalate_locked

RUNNING = (Case.Status.DISPATCHED, Case.Status.HANDLING)


def do_check_deadlines(*, actor, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    counts = {"warned": 0, "escalated": 0, "supervised": 0}
    to_warn, to_escalate = deadlines.scan(Case.objects.filter(status__in=RUNNING), now,
                                          warn_minutes=sla.step_minutes("warn"))
    for due in to_warn:
        with transaction.atomic():
            locked = CASE_FLOW.lock(due.pk)
            if locked.warned_at is not None or locked.status not in RUNNING:
                continue
            locked.warned_at = now
            CASE_FLOW.advance(locked, "warn", actor=actor, fields=["warned_at"], unit=locked.lead_unit, at=now,
                              note=_("The deadline is near."))
            notices.deadline(locked, overdue=False, actor=actor)
            counts["warned"] += 1
    for due in to_escalate:
        with transaction.atomic():
            locked = CASE_FLOW.lock(due.pk)
            if locked.overdue_at is not None or locked.status not in RUNNING:
                continue
            locked.overdue_at = now
            if locked.tier == Case.Tier.DISTRICT:
                locked.supervised = True
                CASE_FLOW.advance(locked, "overdue", actor=actor, fields=["overdue_at", "supervised"],
                                  unit=locked.lead_unit, at=now,
                                  note=_("Overdue: put under supervision by the efficiency office (督办)."))
                notices.deadline(locked, overdue=True, actor=actor)
                counts["supervised"] += 1
            else:
                escalate_locked(locked, actor=actor, kind=CaseEvent.Kind.OVERDUE, step="overdue",
                                fields=["overdue_at"], note=_("Overdue at the lower tier."))
                counts["escalated"] += 1
    return counts
