"""The work inbox (工作台): what waits for a user across every app, on one page.

Apps register their queues in their ``plugin.py`` with ``plugins.inbox_queue`` (see
``plugins.InboxQueue``); nothing here knows any app. For a user, ``sections`` asks each queue the
user holds a capability for (``plugins.any_of``) for its count and its most urgent items, and
``dashboard`` adds up the counts of the work dashboard (open, due soon, overdue, done this week).
Items are ordered by their deadline state (``core.deadlines.clock``: overdue, then warned, then
the rest), then by due time (none last), then by arrival.

A queue that fails (a bug in one app) must not take the home page down: its section shows the
failure and the error is logged, the other queues still answer.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field, replace

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from . import deadlines, periods, plugins
from .plugins import InboxItem, InboxQueue

log = logging.getLogger(__name__)

STATE_RANK = {"overdue": 0, "warn": 1}  # everything else ("", "ok") after
ITEMS_PER_QUEUE = 10  # on the home page; the queue's own page has the rest
FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


def state_of(due_at: dt.datetime | None, now: dt.datetime, *, warn_minutes: float,
             paused_at: dt.datetime | None = None, warned: bool = False) -> str:
    """The deadline state of an item for an ``InboxItem``: "overdue", "warn" or "" (on time, or no
    deadline), on the work calendar (``core.deadlines.clock``)."""
    if due_at is None:
        return ""
    state = deadlines.clock(due_at, now, warn_minutes=warn_minutes, paused_at=paused_at, warned=warned).state
    return "" if state == "ok" else state


def _moment(value, *, end_of_day: bool):
    """A time to sort and show: a datetime (made aware), or a date — a deadline day counts to its
    end, an arrival day from its start; anything else is left out rather than breaking the page."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, periods.tz())
    if isinstance(value, dt.date):
        return periods.midnight(value + dt.timedelta(days=1) if end_of_day else value)
    return None


def normal(item: InboxItem) -> InboxItem:
    """The item with its times as aware datetimes (apps may give a due day as a date)."""
    due, arrived = _moment(item.due_at, end_of_day=True), _moment(item.arrived_at, end_of_day=False)
    if due is item.due_at and arrived is item.arrived_at:
        return item
    return replace(item, due_at=due, arrived_at=arrived)


def sort_key(item: InboxItem):
    return (STATE_RANK.get(item.state, 2), item.due_at or FAR, item.arrived_at or FAR, str(item.title))


def ordered(items) -> list[InboxItem]:
    """Items most urgent first: overdue, warned, the rest; then by due time and arrival."""
    return sorted((normal(i) for i in items), key=sort_key)


@dataclass
class Section:
    """One queue of one user's inbox."""

    queue: InboxQueue
    count: int = 0
    items: list[InboxItem] = field(default_factory=list)
    open: int = 0
    warn: int = 0
    overdue: int = 0
    done: int | None = None
    url: str = ""
    failed: bool = False

    @property
    def key(self) -> str:
        return self.queue.key

    @property
    def label(self):
        return self.queue.label

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.items))


def queues_for(user) -> list[InboxQueue]:
    """The registered queues this user holds a capability for, in declared order."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [q for q in plugins.inbox_queues() if plugins.any_of(user, q.capability)]


def _url(queue: InboxQueue) -> str:
    if not queue.url:
        return ""
    text = str(queue.url)
    if text.startswith("/"):
        return text
    try:
        return reverse(text)
    except NoReverseMatch:
        log.warning("inbox queue %s names an unknown URL %s", queue.key, text)
        return ""


def sections(user, *, limit: int = ITEMS_PER_QUEUE, now: dt.datetime | None = None,
             period: periods.Period | None = None) -> list[Section]:
    """The user's queues with their counts and most urgent items (only queues the user holds)."""
    now = now or timezone.now()
    period = period or periods.current("week", now)
    out = []
    for queue in queues_for(user):
        section = Section(queue, url=_url(queue))
        try:
            section.count = int(plugins.resolve(queue.count)(user))
            section.items = ordered(plugins.resolve(queue.items)(user, limit))[:limit]
            if queue.summary:
                summary = plugins.resolve(queue.summary)(user, period)
                section.open = int(summary.get("open", section.count))
                section.warn = int(summary.get("warn", 0))
                section.overdue = int(summary.get("overdue", 0))
                done = summary.get("done")
                section.done = None if done is None else int(done)
            else:
                section.open = section.count
                section.warn = sum(1 for i in section.items if i.state == "warn")
                section.overdue = sum(1 for i in section.items if i.state == "overdue")
        except Exception:  # one app's failure must not hide the others' work
            log.exception("inbox queue %s failed for user %s", queue.key, getattr(user, "pk", None))
            section.failed, section.items = True, []
        out.append(section)
    return out


@dataclass(frozen=True)
class Dashboard:
    open: int
    warn: int
    overdue: int
    done: int
    period: periods.Period


def dashboard(found: list[Section], period: periods.Period) -> Dashboard:
    """The work dashboard of a user: the counts of their own queues added up (watch lists left out)."""
    found = [s for s in found if s.queue.own]
    return Dashboard(
        open=sum(s.open for s in found),
        warn=sum(s.warn for s in found),
        overdue=sum(s.overdue for s in found),
        done=sum(s.done or 0 for s in found),
        period=period,
    )


def urgent(found: list[Section], limit: int = 10) -> list[tuple[Section, InboxItem]]:
    """Across every queue, the most urgent items (overdue and warned first) — the top of the inbox."""
    pairs = [(s, i) for s in found for i in s.items if i.state in STATE_RANK]
    return sorted(pairs, key=lambda p: sort_key(p[1]))[:limit]


def total(user) -> int:
    """How many items wait for the user in all (the badge of the menu)."""
    n = 0
    for queue in queues_for(user):
        try:
            n += int(plugins.resolve(queue.count)(user))
        except Exception:
            log.exception("inbox queue %s count failed", queue.key)
    return n
