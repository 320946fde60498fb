"""Reads of the core for a user: the audit log of the jurisdiction."""

from django.db.models import QuerySet

from .capabilities import AUDIT_VIEW
from .models import AuditLog
from .scoping import restrict


def visible_audit(user) -> QuerySet[AuditLog]:
    return restrict(AuditLog.objects.select_related("actor"), user, capability=AUDIT_VIEW)
