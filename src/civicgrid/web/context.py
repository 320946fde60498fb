"""Navigation fitted to the user's roles: the menus the apps declare (``core.plugins``), each entry
shown only to roles that may use it."""

from django.urls import reverse

from civicgrid.core import plugins


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    menus = []
    for menu, entries in plugins.menus():
        items = []
        for entry in entries:
            if plugins.any_of(user, entry.capability):
                url = reverse(entry.url_name)
                items.append({"label": entry.label, "url": url, "active": request.path == url or (
                    url != "/" and request.path.startswith(url))})
        if items:
            menus.append({"label": menu.label or items[0]["label"], "items": items})
    # Only the closest entry is marked (/cases/queues/… is "Work queues", not also "Cases").
    flat = [i for m in menus for i in m["items"]]
    longest = max((len(i["url"]) for i in flat if i["active"]), default=0)
    for item in flat:
        item["active"] = item["active"] and len(item["url"]) == longest
    for menu in menus:
        menu["active"] = any(i["active"] for i in menu["items"])
        menu["single"] = len(menu["items"]) == 1
    from civicgrid.core.notify import unread_count

    return {"nav": menus, "user_roles": sorted({m.get_role_display() for m in user.active_memberships()}),
            "unread_notifications": unread_count(user)}
