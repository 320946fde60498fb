"""The queues of the case loop in the work inbox (``core.inbox``, declared in ``plugin.py``).

Each queue reads through ``queries`` (the same querysets as the queue pages), so the inbox shows
exactly what the queue page shows. Every queue has ``items`` (user, limit), ``count`` (user) and
``summary`` (user, period): open, due soon (warned), overdue, and what the user — or, for a
handling unit, the unit — finished in the period.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import inbox
from civicgrid.core.plugins import InboxItem

from . import queries, sla
from .models import Case, CaseEvent, CaseTask
from .rules import handler_units

SCAN_LIMIT = 2000  # rows whose deadline state is worked out on the calendar for the counts
TASK_WARN_MINUTES = 30  # a task (check, reply, callback) is "due soon" in its last half hour
VERIFY_KINDS = (CaseTask.Kind.CONFIRM, CaseTask.Kind.CHECK)
CALLBACK_KINDS = (CaseTask.Kind.REPLY, CaseTask.Kind.CALLBACK)


# --- items -----------------------------------------------------------------------------------------------
def _due(case: Case, limits) -> dt.datetime | None:
    if case.deadline and case.is_open():
        return case.deadline
    if case.status == Case.Status.REPORTED and case.reported_at:
        return sla.step_due("register", case.reported_at, limits)
    if case.status == Case.Status.REGISTERED and case.registered_at:
        return sla.step_due("dispatch", case.registered_at, limits)
    return None


def _case_item(kind: str, case: Case, now, limits, *, arrived=None, detail: str = "") -> InboxItem:
    state = sla.time_state(case, now, limits)["state"]
    return InboxItem(
        kind=kind, title=f"{case.number} {case.title}", url=reverse("cases:case", args=[case.pk]),
        area_code=case.area_code, arrived_at=arrived or case.reported_at, due_at=_due(case, limits),
        state="" if state == "ok" else state,
        detail=detail or f"{case.cls.name} · {case.get_status_display()}",
    )


def _case_items(kind: str, qs, limit: int, *, arrived: str = "reported_at", detail=None) -> list[InboxItem]:
    now, limits = timezone.now(), sla.step_limits()
    # Every queue is read oldest or earliest-due first, so the most urgent are among its first rows.
    rows = list(qs.select_related("cls")[:limit * 3]) if limit > 0 else []
    items = [_case_item(kind, c, now, limits, arrived=getattr(c, arrived, None) or c.reported_at,
                        detail=detail(c) if detail else "") for c in rows]
    return inbox.ordered(items)[:limit]


def _states(qs) -> tuple[int, int]:
    """(warned, overdue) among the first ``SCAN_LIMIT`` cases of ``qs``, on the work calendar."""
    now, limits = timezone.now(), sla.step_limits()
    warn = overdue = 0
    fields = ("status", "deadline", "paused_at", "warned_at", "reported_at", "registered_at")
    for c in qs.select_related(None).only(*fields)[:SCAN_LIMIT]:
        state = sla.time_state(c, now, limits)["state"]
        warn += state == "warn"
        overdue += state == "overdue"
    return warn, overdue


def _done_by(user, period, *kinds) -> int:
    return (CaseEvent.objects.filter(actor_id=user.pk, kind__in=kinds, at__gte=period.start, at__lt=period.end)
            .values("case_id").distinct().count())


# --- registration (立案) ------------------------------------------------------------------------------------
def register_items(user, limit):
    return _case_items("cases.register", queries.register_queue(user), limit)


def register_count(user):
    return queries.register_queue(user).count()


def register_summary(user, period):
    qs = queries.register_queue(user)
    warn, overdue = _states(qs)
    return {"open": qs.count(), "warn": warn, "overdue": overdue,
            "done": _done_by(user, period, CaseEvent.Kind.REGISTERED, CaseEvent.Kind.REJECTED,
                             CaseEvent.Kind.MERGED)}


# --- dispatch (派遣) ------------------------------------------------------------------------------------
def dispatch_items(user, limit):
    return _case_items("cases.dispatch", queries.dispatch_queue(user), limit, arrived="registered_at")


def dispatch_count(user):
    return queries.dispatch_queue(user).count()


def dispatch_summary(user, period):
    qs = queries.dispatch_queue(user)
    warn, overdue = _states(qs)
    return {"open": qs.count(), "warn": warn, "overdue": overdue,
            "done": _done_by(user, period, CaseEvent.Kind.DISPATCHED)}


# --- my unit's cases: accept and handle (签收、处置) ----------------------------------------------------------
def _handle_detail(case: Case) -> str:
    if case.status == Case.Status.DISPATCHED:
        return _("%(cls)s · to accept") % {"cls": case.cls.name}
    return f"{case.cls.name} · {case.get_status_display()}"


def handle_items(user, limit):
    return _case_items("cases.handle", queries.unit_queue(user), limit, arrived="dispatched_at",
                       detail=_handle_detail)


def handle_count(user):
    return queries.unit_queue(user).count()


def handle_summary(user, period):
    now = timezone.now()
    qs = queries.unit_queue(user)
    overdue = qs.filter(Case.overdue_q(now)).count()
    warn = qs.filter(warned_at__isnull=False, status__in=Case.RUNNING).exclude(Case.overdue_q(now)).count()
    done = (CaseEvent.objects.filter(kind=CaseEvent.Kind.FEEDBACK, unit_id__in=handler_units(user),
                                     at__gte=period.start, at__lt=period.end)
            .values("case_id").distinct().count())
    return {"open": qs.count(), "warn": warn, "overdue": overdue, "done": done}


# --- tasks: on-site confirmation and check (核实、核查); replies and callbacks (答复、回访) -------------------------
def _task_item(kind: str, task: CaseTask, now) -> InboxItem:
    case = task.case
    return InboxItem(
        kind=kind, title=f"{case.number} {case.title}", url=reverse("cases:case", args=[case.pk]),
        area_code=task.area_code, arrived_at=task.created_at, due_at=task.due_at,
        state=inbox.state_of(task.due_at, now, warn_minutes=TASK_WARN_MINUTES),
        detail=str(task.get_kind_display()),
    )


def _tasks(user, kinds):
    return queries.task_queue(user).filter(kind__in=kinds)


def _task_summary(user, period, kinds):
    now = timezone.now()
    qs = _tasks(user, kinds)
    warn = sum(1 for due in qs.values_list("due_at", flat=True)[:SCAN_LIMIT]
               if inbox.state_of(due, now, warn_minutes=TASK_WARN_MINUTES) == "warn")
    done = CaseTask.objects.filter(done_by_id=user.pk, kind__in=kinds, done_at__gte=period.start,
                                   done_at__lt=period.end).count()
    return {"open": qs.count(), "warn": warn, "overdue": qs.filter(due_at__lt=now).count(), "done": done}


def verify_items(user, limit):
    now = timezone.now()
    return [_task_item("cases.verify", t, now) for t in _tasks(user, VERIFY_KINDS)[:limit]]


def verify_count(user):
    return _tasks(user, VERIFY_KINDS).count()


def verify_summary(user, period):
    return _task_summary(user, period, VERIFY_KINDS)


def callback_items(user, limit):
    now = timezone.now()
    return [_task_item("cases.callback", t, now) for t in _tasks(user, CALLBACK_KINDS)[:limit]]


def callback_count(user):
    return _tasks(user, CALLBACK_KINDS).count()


def callback_summary(user, period):
    return _task_summary(user, period, CALLBACK_KINDS)


# --- extension requests (延期审批) ------------------------------------------------------------------------------
def extension_items(user, limit):
    now, limits = timezone.now(), sla.step_limits()
    out = []
    for e in queries.extension_queue(user).select_related("case__cls").order_by("requested_at")[:limit]:
        item = _case_item("cases.extension", e.case, now, limits, arrived=e.requested_at,
                          detail=_("%(unit)s asks %(hours)s working hours more") % {
                              "unit": e.unit.name, "hours": e.work_hours})
        out.append(item)
    return out


def extension_count(user):
    return queries.extension_queue(user).count()


def extension_summary(user, period):
    from .models import Extension

    qs = queries.extension_queue(user)
    now = timezone.now()
    done = Extension.objects.filter(decided_by_id=user.pk, decided_at__gte=period.start,
                                    decided_at__lt=period.end).count()
    return {"open": qs.count(), "warn": 0, "overdue": qs.filter(Q(case__deadline__lt=now)).count(), "done": done}


# --- overdue cases of the jurisdiction (超期督办) ---------------------------------------------------------------
def _overdue(user):
    return queries.visible_cases(user).filter(Case.overdue_q(timezone.now())).order_by("deadline")


def overdue_items(user, limit):
    return _case_items("cases.overdue", _overdue(user), limit,
                       detail=lambda c: f"{c.cls.name} · {c.lead_unit.name if c.lead_unit else ''}")


def overdue_count(user):
    return _overdue(user).count()


def overdue_summary(user, period):
    n = overdue_count(user)
    return {"open": n, "warn": 0, "overdue": n, "done": None}


# --- my reports (我的上报) --------------------------------------------------------------------------------------
def _mine(user):
    return queries.visible_cases(user).filter(reporter_id=user.pk, status__in=Case.OPEN).order_by("reported_at")


def mine_items(user, limit):
    return _case_items("cases.mine", _mine(user), limit)


def mine_count(user):
    return _mine(user).count()


def mine_summary(user, period):
    qs = _mine(user)
    warn, overdue = _states(qs)
    closed = queries.visible_cases(user).filter(reporter_id=user.pk, closed_at__gte=period.start,
                                                closed_at__lt=period.end).count()
    return {"open": qs.count(), "warn": warn, "overdue": overdue, "done": closed}
