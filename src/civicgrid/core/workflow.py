"""Declared state machines: one table per workflow model, read by actions and buttons alike.

A workflow lists its steps — the states each may start from, the state it leads to, the history
kind it appends, the capability it needs and who may take it::

    CASE_FLOW = Workflow(Case, history=CaseEvent, parent="case", audit_prefix="cases.case", steps=[
        Step("accept", {S.DISPATCHED}, S.HANDLING, CaseEvent.Kind.ACCEPTED, CASES_HANDLE, who=lead_unit),
        …])

Actions stay explicit ``do_*`` functions (Zulip style). Each calls, in one transaction::

    locked = CASE_FLOW.lock(case, expected_version)   # SELECT … FOR UPDATE of the row, version check
    CASE_FLOW.require(actor, locked, "accept")        # who may (403), then the state (409)
    …                                                  # the step's own work on ``locked``
    CASE_FLOW.advance(locked, "accept", actor=actor)  # state, version, save, history row, audit row

and pages and the API show a step's button when ``CASE_FLOW.available(user, obj)[step]`` is true,
which is the same rule ``require`` enforces. No signals, no hidden side effects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit
from .errors import Conflict, NotPermitted
from .history import actor_fields
from .scoping import in_scope

Who = Callable[[object, models.Model], bool]


@dataclass(frozen=True)
class Step:
    """One transition. ``sources`` empty means "any state" (a step that records something without
    moving the object, e.g. a callback); ``target`` None keeps the state."""

    name: str
    sources: frozenset[str]
    target: str | None
    event: str
    capability: str | None = None
    # Who may take it (actor, obj) → bool; by default a membership with ``capability`` whose area
    # contains the object's ``area_code``.
    who: Who | None = None
    # A further condition on the object beyond its state (e.g. "not at the top tier").
    guard: Callable[[models.Model], bool] | None = None
    # Messages: when the state does not allow it (may use %(state)s), and when the actor may not.
    conflict: object = None
    refused: object = None
    # Steps a member of the public takes (rating with a query code): no jurisdiction re-check.
    public: bool = False
    audit: str = ""  # the audit action's last part (default: the step's name)
    label: object = ""  # what the step did, in words ("approved", "sent back"), for messages and history

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))


_STALE = gettext_lazy("Someone else changed this meanwhile; reload and try again.")


def lock_row(obj, expected_version: int | None = None, *, stale=None, select_related: Iterable[str] = ()):
    """The object's row again, locked until the transaction ends (``SELECT … FOR UPDATE`` of this
    row only); ``Conflict`` on ``version`` if it changed since the user read ``expected_version``.
    For any model edited in place, workflow or not."""
    qs = type(obj)._default_manager.select_for_update(of=("self",))
    if select_related:
        qs = qs.select_related(*select_related)
    locked = qs.get(pk=obj.pk)
    if expected_version is not None and getattr(locked, "version", None) != expected_version:
        raise Conflict(stale or _STALE, field="version")
    return locked
_REFUSED = gettext_lazy("Your role does not allow this step.")
_CONFLICT = gettext_lazy("This step is not possible now: the record is %(state)s.")


WORKFLOWS: list[Workflow] = []  # every declared workflow (their steps name their audit actions)


@dataclass
class Workflow:
    model: type[models.Model]
    steps: Iterable[Step]
    history: type[models.Model] | None = None
    parent: str = ""  # the history model's foreign key to ``model``
    audit_prefix: str = ""
    state_field: str = "status"
    select_related: tuple[str, ...] = ()
    stale: object = _STALE  # the message of a version conflict
    # Fields a history row takes from the object (e.g. the case's deadline after the step).
    history_fields: Callable[[models.Model], dict] | None = None
    # Whether ``actor`` may still see ``obj`` after a write (NetBox's re-check): by default its
    # area code inside the actor's scope for the step's capability.
    scope: Who | None = None
    _steps: dict[str, Step] = field(init=False, repr=False)

    def __post_init__(self):
        WORKFLOWS.append(self)
        self._steps = {}
        for step in self.steps:
            if step.name in self._steps:
                raise ValueError(f"step {step.name} declared twice in {self.model.__name__}'s workflow")
            self._steps[step.name] = step
        self.steps = tuple(self._steps.values())

    # --- reading the table -----------------------------------------------------------------------
    def step(self, name: str) -> Step:
        try:
            return self._steps[name]
        except KeyError:
            raise KeyError(f"{self.model.__name__} has no step {name!r}") from None

    def state(self, obj) -> str:
        return getattr(obj, self.state_field)

    def allowed(self, obj, step: str | Step) -> bool:
        """Whether the object's state (and the step's guard) allows the step, whoever asks."""
        step = step if isinstance(step, Step) else self.step(step)
        if step.sources and self.state(obj) not in step.sources:
            return False
        return step.guard is None or bool(step.guard(obj))

    def permits(self, actor, obj, step: str | Step) -> bool:
        """Whether ``actor`` may take the step on ``obj`` (its state aside)."""
        step = step if isinstance(step, Step) else self.step(step)
        if step.who is not None:
            return bool(step.who(actor, obj))
        if getattr(actor, "is_superuser", False):
            return True
        return step.capability is not None and in_scope(actor, getattr(obj, "area_code", None), step.capability)

    def available(self, actor, obj, names: Iterable[str] | None = None) -> dict[str, bool]:
        """Every step (or those named) → whether ``actor`` may take it now: the page's buttons."""
        steps = self.steps if names is None else [self.step(n) for n in names]
        return {s.name: self.allowed(obj, s) and self.permits(actor, obj, s) for s in steps}

    def targets(self, state: str) -> set[str]:
        return {s.target for s in self.steps if s.target and (not s.sources or state in s.sources)}

    # --- inside an action's transaction -----------------------------------------------------------
    def lock(self, obj, expected_version: int | None = None):
        """The object's row, locked until the transaction ends (``SELECT … FOR UPDATE`` of this row
        only, not of the rows joined for display); ``Conflict`` if it changed since the user read
        ``expected_version``."""
        if not isinstance(obj, models.Model):
            obj = self.model(pk=obj)
        return lock_row(obj, expected_version, stale=self.stale, select_related=self.select_related)

    def require(self, actor, locked, step: str | Step, *, who: bool = True) -> Step:
        """Refuse the step unless the actor may take it (``NotPermitted``, 403) and the state allows
        it (``Conflict``, 409): checked in that order, so nobody learns the state of what they may
        not touch."""
        step = step if isinstance(step, Step) else self.step(step)
        if who and not self.permits(actor, locked, step):
            raise NotPermitted(step.refused or _REFUSED)
        if not self.allowed(locked, step):
            state = locked._meta.get_field(self.state_field)
            label = dict(state.flatchoices).get(self.state(locked), self.state(locked))
            raise Conflict((step.conflict or _CONFLICT) % {"state": label, "s": label, "action": step.label or step.name},
                           field=self.state_field)
        return step

    def advance(self, locked, step: str | Step, *, actor, note: str = "", fields: Iterable[str] = (),
                at: dt.datetime | None = None, detail: dict | None = None, to: str | None = None,
                kind: str | None = None, **history_extra):
        """Take the step on the locked object: set the target state (``to`` where the step's outcome
        depends on the case, e.g. an escalation), bump ``version``, save the state and ``fields``,
        append the history row (of the step's kind, or ``kind``) and the audit row, and check the
        object is still inside the actor's jurisdiction. Returns the history row."""
        step = step if isinstance(step, Step) else self.step(step)
        before = self.state(locked)
        target = to or step.target
        update = [*fields]
        if target is not None and target != before:
            setattr(locked, self.state_field, target)
            update.append(self.state_field)
        self.save(locked, *update)
        row = self.record(locked, kind or step.event, actor=actor, from_status=before, note=note, at=at,
                          **history_extra)
        audit.record(f"{self.audit_prefix}.{step.audit or step.name}", actor=actor, obj=locked, detail=detail)
        if not step.public:
            self.check_scope(actor, locked, step)
        return row

    def save(self, locked, *fields: str) -> None:
        """Save ``fields`` of the locked object with its version bumped (a change that is no step,
        e.g. a note added)."""
        names = list(dict.fromkeys(fields))
        if hasattr(locked, "version"):
            locked.version += 1
            names.append("version")
        if any(f.name == "updated_at" for f in locked._meta.concrete_fields):
            names.append("updated_at")
        locked.save(update_fields=names)

    def history_row(self, obj, kind: str, *, actor, from_status: str | None = None, note: str = "",
                    at: dt.datetime | None = None, **extra):
        """A history row of the object's current state, not yet saved."""
        if self.history is None:
            raise ValueError(f"{self.model.__name__}'s workflow keeps no history")
        values = {
            self.parent: obj, "kind": kind, "at": at or timezone.now(), **actor_fields(actor),
            "from_status": self.state(obj) if from_status is None else from_status,
            "to_status": self.state(obj), "note": (note or "")[:1000],
            "area_code": getattr(obj, "area_code", "") or "",
        }
        if self.history_fields is not None:
            values.update(self.history_fields(obj))
        values.update(extra)
        return self.history(**values)

    def record(self, obj, kind: str, *, actor, **kwargs):
        """Append a history row for the object (a step's, or an event that moves nothing)."""
        row = self.history_row(obj, kind, actor=actor, **kwargs)
        row.save(force_insert=True)
        return row

    def check_scope(self, actor, obj, step: Step | None = None) -> None:
        """After a write: the object must still lie inside the actor's jurisdiction (else the
        transaction rolls back with ``NotPermitted``)."""
        if actor is None or getattr(actor, "is_superuser", False) or not getattr(actor, "is_authenticated", False):
            return
        if self.scope is not None:
            ok = self.scope(actor, obj)
        elif step is not None and step.who is None and step.capability:
            ok = in_scope(actor, getattr(obj, "area_code", None), step.capability)
        else:
            return
        if not ok:
            raise NotPermitted(_("This lies outside your jurisdiction."))
