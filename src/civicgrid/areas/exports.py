"""GeoJSON export of areas (what the user may see, nothing more)."""

from __future__ import annotations

import json

from .models import Area, parent_code_of


def feature(area: Area) -> dict:
    return {
        "type": "Feature",
        "id": area.code,
        "geometry": area.boundary,
        "properties": {
            "code": area.code,
            "name": area.name,
            "level": area.level,
            "kind": area.kind,
            "parent_code": parent_code_of(area.code) if area.parent_id else None,
            "households": area.households,
            "population": area.population,
            "responsible_name": area.responsible_name,
            "responsible_phone": area.responsible_phone,
        },
    }


def feature_collection(areas) -> dict:
    return {"type": "FeatureCollection", "features": [feature(a) for a in areas.order_by("code").iterator(2000)]}


def feature_collection_json(areas) -> str:
    """The same FeatureCollection as ``feature_collection``, as JSON text, with each boundary passed
    through as the database stores it (never parsed and serialised again: at a city's 10,000 grids
    that was nearly all of the map's time)."""
    from django.db.models import TextField
    from django.db.models.functions import Cast

    rows = (areas.order_by("code").annotate(geometry_text=Cast("boundary", output_field=TextField()))
            .values_list("code", "name", "level", "kind", "parent_id", "households", "population",
                         "responsible_name", "responsible_phone", "geometry_text"))
    parts = []
    for code, name, level, kind, parent_id, households, population, r_name, r_phone, geometry in rows.iterator(2000):
        properties = {"code": code, "name": name, "level": level, "kind": kind,
                      "parent_code": parent_code_of(code) if parent_id else None, "households": households,
                      "population": population, "responsible_name": r_name, "responsible_phone": r_phone}
        geometry_json = geometry if geometry and geometry != "null" else "null"
        parts.append(f'{{"type": "Feature", "id": {json.dumps(code)}, "geometry": {geometry_json}, '
                     f'"properties": {json.dumps(properties, ensure_ascii=False)}}}')
    return '{"type": "FeatureCollection", "features": [' + ", ".join(parts) + "]}"
