"""Reads of the register for a user, scoped by area code."""

from civicgrid.core.scoping import restrict

from .models import Building, Road


def visible_buildings(user):
    return restrict(Building.objects.all(), user)


def visible_roads(user):
    return restrict(Road.objects.all(), user)
