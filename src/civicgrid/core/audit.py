"""Writing audit rows. Every action calls :func:`record`."""

from __future__ import annotations

from typing import Any

from .context import current_ip
from .models import AuditLog

# Steps of an action name that record a read, not a change: a sensitive read, a search, a reveal,
# an export, a download, a print, an import preview ("registry.person.search", "health.record.read",
# "registry.export.request"). The incremental refresh of the indicators skips them.
READ_STEPS = frozenset({"read", "search", "reveal", "reveal_phone", "export", "download", "print", "preview"})


def is_read(action: str) -> bool:
    return any(part in READ_STEPS for part in action.split(".")[1:])


def record(action: str, **kwargs) -> AuditLog:
    """Append one audit row (see :func:`entry` for the arguments)."""
    row = entry(action, **kwargs)
    row.save(force_insert=True)
    return row


def entry(
    action: str,
    *,
    actor=None,
    obj: Any = None,
    area_code: str = "",
    outcome: str = AuditLog.Outcome.OK,
    detail: dict | None = None,
    actor_name: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditLog:
    """An audit row, not yet saved (for ``core.linked_insert`` with the row it is about).
    ``obj`` fills type, id, label and area code when given."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        area_code = area_code or getattr(obj, "area_code", "") or ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = actor_name or actor.get_username()
    if actor is None or actor.pk is None or not getattr(actor, "is_authenticated", False):
        actor = None  # anonymous visitors and the SYSTEM actor have no user row
    return AuditLog(
        actor=actor,
        actor_name=actor_name[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        area_code=area_code,
        outcome=outcome,
        source_ip=current_ip(),
        detail=detail or {},
    )
