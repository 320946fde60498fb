"""Navigation fitted to the user's roles."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicgrid.accounts import roles

# (label, url name, capability needed or None for every staff member)
NAV = [
    (_("Home"), "home", roles.VIEW),
    (_("Area tree"), "areas:tree", roles.VIEW),
    (_("Map"), "areas:map", roles.VIEW),
    (_("Grid lookup"), "areas:lookup", roles.LOOKUP),
    (_("People"), "registry:people", roles.REGISTRY_VIEW),
    (_("Address match"), "registry:address_match", roles.ADDRESS_MATCH),
    (_("Import ledgers"), "registry:imports", roles.REGISTRY_IMPORT),
    (_("Service circle"), "circle:coverage", roles.VIEW),
    (_("My service circle"), "circle:resident", roles.CIRCLE_RATE),
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
        if user.has_capability(cap):
            url = reverse(name)
            items.append({"label": label, "url": url, "active": request.path == url or (
                url != "/" and request.path.startswith(url))})
    return {"nav": items, "user_roles": sorted({m.get_role_display() for m in user.active_memberships()})}
