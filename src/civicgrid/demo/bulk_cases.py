"""City-scale case history for benchmarks (``civicgrid demo --cases N`` beyond the action-made ones).

The demo's cases walk the seven-step loop through the real actions (``demo.cases``), which takes
a few milliseconds per step — fine for a few thousand, far too slow for a million. The rest are
copies of those finished histories at earlier dates: a finished case (closed, refused or merged)
is taken with its events, tasks and assignments, every time in it moved back by whole weeks (so
working days stay working days and the deadlines keep their meaning), over about 400 days before
the copied one, and stored through ``cases.actions.bulk.do_bulk_create_cases``. The copies keep
their grid, tier, units and people, so figures, queues and maps have a year of realistic history.
Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable

from civicgrid.cases.actions.bulk import do_bulk_create_cases
from civicgrid.cases.models import Case, CaseAssignment, CaseEvent, CaseTask
from civicgrid.core.scoping import SYSTEM

from .layout import DISTRICT_CODE

WEEKS_BACK = 57  # copies go back 1 … 57 weeks (399 days) before their template
CHUNK = 5000
FINISHED = (Case.Status.CLOSED, Case.Status.INVALID, Case.Status.DUPLICATE)
_SKIP = {"id", "case", "number", "query_code", "idempotency_key", "merged_into", "repeat_of", "updated_at"}


def _fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.name not in _SKIP]


def _shift(values: dict, delta: dt.timedelta) -> dict:
    return {k: (v - delta if isinstance(v, dt.datetime) else v) for k, v in values.items()}


def load_bulk_cases(seed: int, count: int, *, root_code: str = DISTRICT_CODE,
                    progress: Callable[[str], None] = print) -> int:
    """``count`` copies of the finished cases under ``root_code`` (none there: nothing to copy)."""
    if count <= 0:
        return 0
    started = time.monotonic()
    case_fields, event_fields = _fields(Case), _fields(CaseEvent)
    task_fields, assign_fields = _fields(CaseTask), _fields(CaseAssignment)
    templates = list(Case.objects.filter(area_code__startswith=root_code, status__in=FINISHED)
                     .order_by("id").values("id", *case_fields))
    if not templates:
        return 0
    ids = [t["id"] for t in templates]
    events, tasks, assigned = defaultdict(list), defaultdict(list), defaultdict(list)
    for model, fields, into in ((CaseEvent, event_fields, events), (CaseTask, task_fields, tasks),
                                (CaseAssignment, assign_fields, assigned)):
        order = ("case_id", "at", "id") if model is CaseEvent else ("case_id", "id")
        for row in model.objects.filter(case_id__in=ids).order_by(*order).values("case_id", *fields):
            into[row.pop("case_id")].append(row)
    rng = random.Random(f"{seed}-bulk-cases")
    done = 0
    serial = Case.objects.filter(number__contains="B").count()  # copies made before
    while done < count:
        rows = []
        for _i in range(min(CHUNK, count - done)):
            t = rng.choice(templates)
            delta = dt.timedelta(weeks=rng.randint(1, WEEKS_BACK))
            fields = _shift({k: v for k, v in t.items() if k != "id"}, delta)
            serial += 1
            fields["number"] = f"{fields['reported_at']:%Y%m%d}B{serial:06d}"  # apart from YYYYMMDDnnnnn
            fields["query_code"] = f"B{serial:09d}"[-10:]
            rows.append({"case": fields,
                         "events": [_shift(e, delta) for e in events[t["id"]]],
                         "tasks": [_shift(x, delta) for x in tasks[t["id"]]],
                         "assignments": [_shift(a, delta) for a in assigned[t["id"]]]})
        done += do_bulk_create_cases(rows, actor=SYSTEM, area_code=root_code)
        rate = done / max(time.monotonic() - started, 1e-6)
        progress(f"case history copies: {done:,} of {count:,} ({rate:,.0f}/s)")
    return done


__all__ = ["load_bulk_cases"]
