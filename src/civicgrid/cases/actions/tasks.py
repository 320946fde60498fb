"""7. evaluate (综合评价): the reporter's rating, the seats' reply to a caller (答复) and the callback
after a bad rating (回访)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.errors import Conflict, UserError
from civicgrid.core.history import actor_row

from ..models import Case, CaseEvent, CaseTask
from ..rules import CASE_FLOW, is_unlimited, may_call_reporter, seat_of
from .common import BAD_RATINGS, close_tasks, lock, open_task, require, text


def _valid_rating(rating) -> int:
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if rating not in Case.RATINGS:
        raise UserError(_("Rating: choose 1 (very satisfied) to 5 (very dissatisfied)."), field="rating")
    return rating


def do_rate_case(case: Case, *, actor, rating, note: str = "", query_code: str = "") -> Case:
    """The reporter rates the outcome on the five-level scale; a bad rating opens a callback task."""
    rating = _valid_rating(rating)
    note = text(note, "note", required=False, limit=300)
    with transaction.atomic():
        locked = lock(case)
        by_code = bool(query_code) and query_code == locked.query_code
        by_reporter = locked.reporter_id is not None and getattr(actor, "pk", None) == locked.reporter_id
        require(by_code or by_reporter or seat_of(actor, locked) or is_unlimited(actor),
                CASE_FLOW.step("rate").refused)
        CASE_FLOW.require(actor, locked, "rate", who=False)
        _apply_rating(locked, actor, rating, note, timezone.now())
    return locked


def _apply_rating(locked: Case, actor, rating: int, note: str, now: dt.datetime) -> None:
    locked.rating, locked.rating_note = rating, note
    CASE_FLOW.advance(locked, "rate", actor=actor, fields=["rating", "rating_note"], at=now,
                      note=f"{locked.rating_label()} {note}".strip(), detail={"rating": rating})
    if rating in BAD_RATINGS:
        open_task(locked, CaseTask.Kind.CALLBACK, "callback", now)
    # Rated on the query page before a seat called: no need to ask again.
    close_tasks(locked, CaseTask.Kind.REPLY, actor=actor, outcome=CaseTask.Outcome.DONE, now=now,
                note=_("The reporter rated on the query page."))


def do_reply_case(task: CaseTask, *, actor, reached: bool, rating=None, note: str = "") -> CaseTask:
    """A seat tells the caller the outcome of their closed call or message (答复) and records the
    rating the caller gives (a bad one opens a callback); or notes that the caller was not reached.
    If the caller rated on the query page meanwhile, the reply only records the call."""
    note = text(note, "note", required=not reached, limit=300)
    rating = _valid_rating(rating) if reached else None
    with transaction.atomic():
        locked = lock(task.case)
        t = CaseTask.objects.select_for_update().get(pk=task.pk)
        require(CASE_FLOW.permits(actor, locked, "reply"), CASE_FLOW.step("reply").refused)
        if t.kind != CaseTask.Kind.REPLY or t.outcome:
            raise Conflict(_("This reply is done already."))
        now = timezone.now()
        t.outcome = CaseTask.Outcome.DONE if reached else CaseTask.Outcome.UNREACHABLE
        t.done_at, t.done_by, t.note = now, actor_row(actor), note[:500]
        t.save()
        if reached:
            CASE_FLOW.record(locked, CaseEvent.Kind.NOTIFIED, actor=actor, at=now,
                             note=(_("The caller was told the outcome by phone.") + " " + note).strip())
        if reached and CASE_FLOW.allowed(locked, "rate"):
            _apply_rating(locked, actor, rating, note, now)
        else:
            CASE_FLOW.save(locked)
        from civicgrid.core import audit

        audit.record("cases.case.reply", actor=actor, obj=locked, detail={"reached": reached, "rating": rating})
    return t


def do_complete_callback(task: CaseTask, *, actor, note: str) -> CaseTask:
    """The centre called the dissatisfied reporter back (回访) and notes what was said or done."""
    note = text(note, "note", required=True, limit=500)
    with transaction.atomic():
        locked = lock(task.case)
        t = CaseTask.objects.select_for_update().get(pk=task.pk)
        require(CASE_FLOW.permits(actor, locked, "callback"))
        if t.kind != CaseTask.Kind.CALLBACK or t.outcome:
            raise Conflict(_("This callback is done already."))
        t.outcome, t.done_at, t.done_by, t.note = CaseTask.Outcome.DONE, timezone.now(), actor_row(actor), note
        t.save()
        CASE_FLOW.advance(locked, "callback", actor=actor, note=note)
    return t


__all__ = ["do_rate_case", "do_reply_case", "do_complete_callback", "may_call_reporter"]
