"""The audit log page, scoped to the viewer's jurisdiction."""

from django.core.paginator import Paginator
from django.shortcuts import render

from civicgrid.core.capabilities import AUDIT_VIEW

from .decorators import capability_required
from .models import AuditLog
from .queries import visible_audit


@capability_required(AUDIT_VIEW)
def audit_list(request):
    rows = visible_audit(request.user)
    action = request.GET.get("action")
    if action:
        rows = rows.filter(action__startswith=action)
    outcome = request.GET.get("outcome")
    if outcome:
        rows = rows.filter(outcome=outcome)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page, "action": action or "", "outcome": outcome,
                                                    "outcomes": AuditLog.Outcome.choices})
