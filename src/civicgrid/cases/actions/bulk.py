"""Bulk loading of finished case histories (benchmarks and city-scale demo data).

``do_bulk_create_cases`` writes many cases at once with their whole history — events, tasks and
assignments as the seven-step loop left them — in one transaction with one audit row. It does
not walk the loop (``do_report_case`` … ``do_verify_case`` do that, one step at a time); it
stores histories that were produced by those actions elsewhere (the demo replays the histories
of its action-made cases at other dates, ``civicgrid.demo.bulk_cases``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.core import audit
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import ensure_in_scope

from ..models import Case, CaseAssignment, CaseEvent, CaseTask

BATCH = 2000


def do_bulk_create_cases(rows: list[dict], *, actor, area_code: str = "") -> int:
    """Create cases from dicts ``{"case": {field: value}, "events": [...], "tasks": [...],
    "assignments": [...]}`` (the lists hold field dicts of ``CaseEvent``, ``CaseTask`` and
    ``CaseAssignment`` without the case). Every case must lie inside the actor's jurisdiction
    and have its number; events are given in order. Returns the number of cases created."""
    if not rows:
        return 0
    cases = []
    for row in rows:
        fields = row["case"]
        if not fields.get("number") or not fields.get("area_code"):
            raise UserError(_("every case needs its number and area."), field="number")
        if actor is not None:
            ensure_in_scope(actor, fields["area_code"])
        cases.append(Case(**fields))
    with transaction.atomic():
        created = Case.objects.bulk_create(cases, batch_size=BATCH)
        events, tasks, assigned = [], [], []
        for case, row in zip(created, rows, strict=True):
            events += [CaseEvent(case_id=case.pk, **e) for e in row.get("events", ())]
            tasks += [CaseTask(case_id=case.pk, **t) for t in row.get("tasks", ())]
            assigned += [CaseAssignment(case_id=case.pk, **a) for a in row.get("assignments", ())]
        CaseEvent.objects.bulk_create(events, batch_size=BATCH)
        CaseTask.objects.bulk_create(tasks, batch_size=BATCH)
        CaseAssignment.objects.bulk_create(assigned, batch_size=BATCH)
        audit.record("cases.bulk_create", actor=actor, object_type="cases.case", area_code=area_code,
                     detail={"cases": len(created), "events": len(events), "tasks": len(tasks)})
    return len(created)
