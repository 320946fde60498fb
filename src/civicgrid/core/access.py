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
