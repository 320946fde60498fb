"""Reads of areas for a user: always through these, scoped by area code."""

from __future__ import annotations

from django.db.models import QuerySet

from civicgrid.core.access import not_found_or_denied
from civicgrid.core.scoping import in_scope, restrict

from .models import Area


def visible_areas(user, capability: str | None = None) -> QuerySet[Area]:
    return restrict(Area.objects.all(), user, field="code", capability=capability)


def access_area(user, code: str, capability: str | None = None) -> Area:
    """The area with this code if the user may see it; 404 otherwise (and the refusal logged)."""
    area = Area.objects.select_related("parent").filter(code=str(code)).first()
    if area is None or not in_scope(user, area.code, capability):
        not_found_or_denied(user, area)
    return area


def visible_roots(user) -> QuerySet[Area]:
    """The top of the user's visible tree: visible areas whose parent is not visible."""
    from civicgrid.core.scoping import scope_codes

    codes = scope_codes(user)
    if codes is None:
        return Area.objects.filter(parent__isnull=True)
    return Area.objects.filter(code__in=codes)


def visible_children(user, area: Area) -> QuerySet[Area]:
    return visible_areas(user).filter(parent=area)
