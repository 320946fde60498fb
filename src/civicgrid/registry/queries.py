"""Reads of the register for a user, scoped by area code."""

from django.db.models import Q

from civicgrid.core.scoping import restrict, scope_codes

from .models import Building, Road


def visible_buildings(user):
    return restrict(Building.objects.all(), user)


def visible_roads(user):
    """Roads of the user's areas and of the areas above them: a road filed at district level
    crosses every street, and carries no personal data."""
    codes = scope_codes(user)
    if codes is None:
        return Road.objects.all()
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(area_code__startswith=code) | Q(area_code__in=[code[:n] for n in (6, 9, 12) if n < len(code)])
    return Road.objects.filter(q)
