"""The base register (人地物事组织). This first part holds places: buildings and roads.

People, households, rooms, components and organisations follow; every other
app references these records and never keeps its own copy (R-BASE-5).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Building(models.Model):
    """Building (楼栋) at a standard address; its grid is derived from its position, never typed."""

    address = models.CharField(_("standard address"), max_length=200)
    name = models.CharField(_("name"), max_length=100, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    # Code of the grid containing (lon, lat); empty if outside every grid.
    area_code = models.CharField(_("grid code"), max_length=15, db_index=True, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    households = models.PositiveIntegerField(_("households"), default=0)
    residents = models.PositiveIntegerField(_("residents"), default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["area_code", "address"]

    def __str__(self) -> str:
        return self.address


class Road(models.Model):
    """A named road (道路) of the street network, as a GeoJSON LineString."""

    name = models.CharField(_("name"), max_length=100)
    # District (or lower) whose network this road belongs to.
    area_code = models.CharField(_("area code"), max_length=15, db_index=True)
    geometry = models.JSONField(_("geometry"))
    length_m = models.FloatField(_("length (m)"), default=0)

    class Meta:
        verbose_name = _("road")
        verbose_name_plural = _("roads")
        ordering = ["area_code", "name"]

    def __str__(self) -> str:
        return self.name
