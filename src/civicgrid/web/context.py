"""Navigation fitted to the user's roles."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts import roles

# (label, url name, capability needed — or a tuple: any of them)
NAV = [
    (_("Home"), "home", roles.VIEW),
    (_("Area tree"), "areas:tree", roles.VIEW),
    (_("Map"), "areas:map", roles.VIEW),
    (_("Grid lookup"), "areas:lookup", roles.LOOKUP),
    (_("Report an event"), "cases:report", roles.CASES_REPORT),
    (_("Hotline intake"), "cases:intake", roles.CASES_INTAKE),
    (_("Work queues"), "cases:queues", (roles.CASES_REGISTER, roles.CASES_DISPATCH, roles.CASES_HANDLE,
                                        roles.CASES_VERIFY, roles.CASES_EXTEND)),
    (_("Cases"), "cases:list", roles.CASES_VIEW),
    (_("People"), "registry:people", roles.REGISTRY_VIEW),
    (_("Address match"), "registry:address_match", roles.ADDRESS_MATCH),
    (_("Import ledgers"), "registry:imports", roles.REGISTRY_IMPORT),
    (_("Units"), "units", roles.VIEW),
    (_("Staff"), "staff", roles.ACCOUNTS_MANAGE),
    (_("Import boundaries"), "areas:import", roles.AREAS_IMPORT),
    (_("Audit log"), "audit:list", roles.AUDIT_VIEW),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = []
    for label, name, cap in NAV:
        if any(user.has_capability(c) for c in (cap if isinstance(cap, tuple) else (cap,))):
            url = reverse(name)
            items.append({"label": label, "url": url, "active": request.path == url or (
                url != "/" and request.path.startswith(url))})
    # Only the closest entry is marked (/cases/queues/… is "Work queues", not also "Cases").
    longest = max((len(i["url"]) for i in items if i["active"]), default=0)
    for item in items:
        item["active"] = item["active"] and len(item["url"]) == longest
    return {"nav": items, "user_roles": sorted({m.get_role_display() for m in user.active_memberships()})}
