"""GeoJSON export of areas (what the user may see, nothing more)."""

from __future__ import annotations

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
