"""A position typed or sent by a user: longitude and latitude in degrees (WGS 84), checked once for
every app, with messages naming the field by its label."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

from .errors import UserError


def valid_position(lon, lat, *, field: str = "lon") -> tuple[float, float]:
    """(lon, lat) as finite floats inside −180…180 and −90…90, or ``UserError`` on ``field``."""
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise UserError(_("Position: give the longitude and latitude in degrees."), field=field)
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise UserError(_("Position: the longitude lies in −180…180 and the latitude in −90…90."), field=field)
    return lon, lat
