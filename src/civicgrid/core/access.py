"""Helpers shared by every app's ``access_*`` functions (Zulip style)."""

from __future__ import annotations

from django.http import Http404

from . import audit
from .models import AuditLog


def not_found_or_denied(user, obj, *, action: str = "access.denied"):
    """Raise 404 for an object outside the user's scope, logging the refused attempt.

    "Not yours" and "not there" answer alike, so nothing leaks about other
    jurisdictions; only the audit log knows the difference.
    """
    if obj is not None:
        audit.record(action, actor=user, obj=obj, outcome=AuditLog.Outcome.DENIED)
    raise Http404


def require_capability(user, capability: str) -> None:
    """Raise NotPermitted (403) unless some membership of the user grants ``capability``;
    the refusal is audited."""
    if user.has_capability(capability):
        return
    from django.utils.translation import gettext as _

    from .errors import NotPermitted

    audit.record("access.denied", actor=user, object_type="capability", object_repr=capability,
                 outcome=AuditLog.Outcome.DENIED)
    raise NotPermitted(_("Your role does not allow this."))


def access_object(qs, user, *, capability: str | None = None, field: str = "area_code", check=None, **lookup):
    """One object of ``qs`` found by ``lookup`` inside the user's jurisdiction (for ``capability``,
    or as ``check(user, obj)`` decides where seeing it is more than its area): 404 for missing and
    not-yours alike, the refusal audited. ``qs`` may be a model or a queryset already narrowed
    (select_related, a state); a malformed key is "missing" too."""
    from django.core.exceptions import ValidationError

    from .scoping import in_scope

    if isinstance(qs, type):
        qs = qs._default_manager.all()
    obj = None
    if all(_fits(v) for v in lookup.values()):
        try:
            obj = qs.filter(**lookup).first()
        except (ValueError, TypeError, ValidationError, OverflowError):
            obj = None
    if check is not None:
        allowed = obj is not None and check(user, obj)
    else:
        allowed = obj is not None and (getattr(user, "is_superuser", False)
                                       or in_scope(user, _attr(obj, field), capability))
    if not allowed:
        not_found_or_denied(user, obj)
    return obj


def _fits(value) -> bool:
    """A key the database can compare: not an integer beyond 64 bits, no NUL in text."""
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, str):
        return "\x00" not in value
    return True


def _attr(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part, None)
    return obj
