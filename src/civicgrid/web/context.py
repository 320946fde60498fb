"""Navigation fitted to the user's roles: a few menus, each entry shown only to roles that may use it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civicgrid.accounts import roles

_QUEUES = (roles.CASES_REGISTER, roles.CASES_DISPATCH, roles.CASES_HANDLE, roles.CASES_VERIFY, roles.CASES_EXTEND,
           roles.CASES_INTAKE)

# (menu label or None for a top-level link, [(label, url name, capability — or a tuple: any of them)])
NAV = [
    (None, [(_("Home"), "home", roles.VIEW)]),
    (pgettext_lazy("menu", "Areas"), [
        (_("Area tree"), "areas:tree", roles.VIEW),
        (_("Map"), "areas:map", roles.VIEW),
        (_("Grid lookup"), "areas:lookup", roles.LOOKUP),
        (_("Import boundaries"), "areas:import", roles.AREAS_IMPORT),
    ]),
    (pgettext_lazy("menu", "Cases"), [
        (_("Report an event"), "cases:report", roles.CASES_REPORT),
        (_("Hotline intake"), "cases:intake", roles.CASES_INTAKE),
        (_("Work queues"), "cases:queues", _QUEUES),
        (_("Cases"), "cases:list", roles.CASES_VIEW),
        (_("Evaluation"), "cases:evaluation", roles.CASES_EVALUATE),
    ]),
    (pgettext_lazy("menu", "Register"), [
        (_("People"), "registry:people", roles.REGISTRY_VIEW),
        (_("Address match"), "registry:address_match", roles.ADDRESS_MATCH),
        (_("Import ledgers"), "registry:imports", roles.REGISTRY_IMPORT),
    ]),
    (pgettext_lazy("menu", "Service circle"), [
        (_("Service circle"), "circle:coverage", roles.VIEW),
        (_("My service circle"), "circle:resident", roles.CIRCLE_RATE),
    ]),
    (pgettext_lazy("menu", "Administration"), [
        (_("Units"), "units", roles.VIEW),
        (_("Staff"), "staff", roles.ACCOUNTS_MANAGE),
        (_("Evaluation rules"), "cases:evaluation_rules", roles.CASES_MANAGE),
        (_("Open311 keys"), "open311:keys", roles.CASES_MANAGE),
        (_("Audit log"), "audit:list", roles.AUDIT_VIEW),
    ]),
]


def _allowed(user, cap) -> bool:
    return any(user.has_capability(c) for c in (cap if isinstance(cap, tuple) else (cap,)))


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    menus = []
    for menu_label, entries in NAV:
        items = []
        for label, name, cap in entries:
            if _allowed(user, cap):
                url = reverse(name)
                items.append({"label": label, "url": url, "active": request.path == url or (
                    url != "/" and request.path.startswith(url))})
        if items:
            menus.append({"label": menu_label or items[0]["label"], "items": items})
    # Only the closest entry is marked (/cases/queues/… is "Work queues", not also "Cases").
    flat = [i for m in menus for i in m["items"]]
    longest = max((len(i["url"]) for i in flat if i["active"]), default=0)
    for item in flat:
        item["active"] = item["active"] and len(item["url"]) == longest
    for menu in menus:
        menu["active"] = any(i["active"] for i in menu["items"])
        menu["single"] = len(menu["items"]) == 1
    return {"nav": menus, "user_roles": sorted({m.get_role_display() for m in user.active_memberships()})}
