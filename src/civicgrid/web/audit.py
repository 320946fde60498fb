"""The audit log page (the log and its capability are the core's; the page is the site's, since it
filters by the area tree), scoped to the viewer's jurisdiction: actions in words, filtered by who,
what, when and area."""

import datetime as dt

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from civicgrid.areas.models import Area
from civicgrid.areas.queries import visible_areas
from civicgrid.core.audit_labels import DOMAINS, all_labels
from civicgrid.core.capabilities import AUDIT_VIEW
from civicgrid.core.decorators import capability_required
from civicgrid.core.models import AuditLog
from civicgrid.core.queries import visible_audit


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The filter "what": each domain (all its actions) followed by its actions, in words."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, label in all_labels().items():
        groups.setdefault(code.split(".")[0], []).append((code, str(label)))
    return [(str(DOMAINS.get(domain, domain)), [(f"{domain}.", f"— {DOMAINS.get(domain, domain)}")] + sorted(
        actions, key=lambda a: a[1])) for domain, actions in groups.items()]


@capability_required(AUDIT_VIEW)
def audit_list(request):
    rows = visible_audit(request.user)
    params = request.GET
    action = params.get("action", "").strip()[:80]
    if action:
        rows = rows.filter(action__startswith=action)
    outcome = params.get("outcome", "")
    if outcome:
        rows = rows.filter(outcome=outcome)
    who = params.get("who", "").strip()[:150]
    if who:
        rows = rows.filter(actor_name__icontains=who)
    since, until = _date(params.get("since")), _date(params.get("until"))
    tz = timezone.get_current_timezone()
    if since:
        rows = rows.filter(at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
    if until:
        rows = rows.filter(at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    area = params.get("area", "").strip()[:15]
    if area.isdigit():
        rows = rows.filter(area_code__startswith=area)
    # The areas to filter by: the viewer's streets and communities (grids would be too many).
    areas = visible_areas(request.user, AUDIT_VIEW).filter(
        level__in=[Area.Level.DISTRICT, Area.Level.STREET, Area.Level.COMMUNITY]).defer("boundary").order_by("code")[:500]
    page = Paginator(rows, 50).get_page(params.get("page"))
    return render(request, "web/audit_list.html", {
        "page": page, "action": action, "outcome": outcome, "outcomes": AuditLog.Outcome.choices, "who": who,
        "since": params.get("since", "") if since else "", "until": params.get("until", "") if until else "",
        "area": area, "areas": areas, "action_choices": _action_choices(),
    })
