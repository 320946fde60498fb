"""Reads of areas for a user: always through these, scoped by area code."""

from __future__ import annotations

from django.db.models import QuerySet

from civicgrid.core.access import access_object
from civicgrid.core.scoping import restrict

from .models import Area


def visible_areas(user, capability: str | None = None) -> QuerySet[Area]:
    return restrict(Area.objects.all(), user, field="code", capability=capability)


def access_area(user, code: str, capability: str | None = None) -> Area:
    """The area with this code if the user may see it; 404 otherwise (and the refusal logged)."""
    return access_object(Area.objects.select_related("parent"), user, capability=capability, field="code",
                         code=str(code))


def visible_roots(user) -> QuerySet[Area]:
    """The top of the user's visible tree: visible areas whose parent is not visible."""
    from civicgrid.core.scoping import scope_codes

    codes = scope_codes(user)
    if codes is None:
        return Area.objects.filter(parent__isnull=True)
    # A city's scope is the first four digits of its code (3301 → 330100).
    return Area.objects.filter(code__in=[*codes, *(c + "00" for c in codes if len(c) == 4)])


def visible_children(user, area: Area) -> QuerySet[Area]:
    return visible_areas(user).filter(parent=area)


def is_district(code: str) -> bool:
    return Area.objects.filter(code=str(code)[:15], level=Area.Level.DISTRICT).exists()


def grid_outlines():
    """(code, name, boundary) of every grid: what a resident's report map shows (no people, no data)."""
    return (Area.objects.filter(level=Area.Level.GRID, boundary__isnull=False).order_by("code")
            .values_list("code", "name", "boundary").iterator(2000))


def area_names(codes) -> dict[str, str]:
    """{code: name}; a city's scope prefix (3301, what a city's memberships hold) is named by its city
    (330100)."""
    codes = list(codes)
    cities = {c + "00": c for c in codes if len(c) == 4 and c.isdigit()}
    found = dict(Area.objects.filter(code__in=codes + list(cities)).values_list("code", "name"))
    for city, prefix in cities.items():
        if city in found:
            found[prefix] = found[city]
    return found


def visible_ancestors(user, area: Area) -> list[Area]:
    """The areas above ``area`` the user may see, from the top."""
    return list(visible_areas(user).filter(code__in=area.ancestors_codes()).order_by("code"))


def all_communities():
    """Every community with its street (names and codes only): what an outside applicant chooses
    from, e.g. a service provider applying to serve one."""
    return (Area.objects.filter(level=Area.Level.COMMUNITY).select_related("parent")
            .defer("boundary", "parent__boundary").order_by("code"))
