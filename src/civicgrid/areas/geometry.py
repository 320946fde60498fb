"""Boundary geometry: GeoJSON in and out, validity, and a local metric frame for areas in m²."""

from __future__ import annotations

import math

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from civicgrid.core.errors import UserError

ACCEPTED_TYPES = {"Polygon", "MultiPolygon"}
# Metres per degree of latitude; longitude is scaled by cos(latitude).
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON_EQUATOR = 111_320.0


def parse_boundary(geometry, *, field: str = "boundary"):
    """A valid shapely (Multi)Polygon from a GeoJSON geometry dict, or a UserError naming the rule."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ACCEPTED_TYPES:
        raise UserError(_("The boundary must be a GeoJSON Polygon or MultiPolygon."), field=field)
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.GEOSException):
        raise UserError(_("The boundary coordinates are not well formed."), field=field)
    if geom.is_empty:
        raise UserError(_("The boundary is empty."), field=field)
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise UserError(_("Boundary coordinates must be longitude/latitude in degrees (WGS 84)."), field=field)
    if not geom.is_valid:
        raise UserError(
            _("The boundary is not a valid polygon: %(reason)s.") % {"reason": explain_validity(geom)}, field=field
        )
    return geom


def to_geojson(geom) -> dict:
    data = mapping(geom)
    # mapping() returns tuples; JSON columns and comparisons want plain lists.
    return _lists(data)


def _lists(value):
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


class MetricFrame:
    """Equirectangular projection around a reference latitude: adequate for areas and
    tolerances inside one city (error well under 1% across 100 km)."""

    def __init__(self, ref_lat: float):
        self.kx = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(ref_lat))
        self.ky = M_PER_DEG_LAT

    def project(self, geom):
        kx, ky = self.kx, self.ky
        return shapely.transform(geom, lambda c: c * (kx, ky))

    def unproject_point(self, x: float, y: float) -> tuple[float, float]:
        return (x / self.kx, y / self.ky)


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` in degrees (what a map asks for its view) → a tuple; None when
    absent. Raises UserError naming ``bbox`` when it is not four numbers in range."""
    if not text:
        return None
    from django.utils.translation import gettext as _

    from civicgrid.core.errors import UserError

    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise UserError(_("bbox: give west,south,east,north in degrees."), field="bbox")
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise UserError(_("bbox: give west,south,east,north in degrees."), field="bbox")
    return west, south, east, north
