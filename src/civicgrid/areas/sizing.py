"""Grid sizing rules (R-AREA-2), as data that a deployment may override.

Urban base grid: 300–500 households or 1,000–1,500 people; village grid about
500 people with a service radius of at most 3 km; urban community about
3,000 households. Override with the JSON setting ``CIVICGRID_SIZING_RULES``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .geometry import MetricFrame, parse_boundary
from .models import Area

DEFAULT_RULES: dict[str, dict] = {
    # key = "<level>:<kind>"; a grid complies when ANY of its ranges holds, and the radius if set.
    "grid:urban": {"households": [300, 500], "population": [1000, 1500]},
    "grid:rural": {"population": [300, 700], "radius_m": 3000},
    "community:urban": {"households": [2000, 4000]},
    "community:rural": {"radius_m": 3000},
}


def rules() -> dict[str, dict]:
    override = os.environ.get("CIVICGRID_SIZING_RULES")
    return {**DEFAULT_RULES, **json.loads(override)} if override else DEFAULT_RULES


@dataclass
class SizingResult:
    area: Area
    rule: dict
    ok: bool
    problems: list[str]
    radius_m: float | None

    def as_dict(self) -> dict:
        return {
            "code": self.area.code,
            "name": self.area.name,
            "level": self.area.level,
            "kind": self.area.kind,
            "households": self.area.households,
            "population": self.area.population,
            "radius_m": round(self.radius_m) if self.radius_m is not None else None,
            "rule": self.rule,
            "ok": self.ok,
            "problems": self.problems,
        }


def _radius_m(area: Area) -> float | None:
    if area.boundary is None:
        return None
    geom = parse_boundary(area.boundary)
    frame = MetricFrame(geom.centroid.y)
    projected = frame.project(geom)
    centre = projected.centroid
    return max(centre.distance(type(centre)(xy)) for xy in projected.convex_hull.exterior.coords)


def check_area_size(area: Area) -> SizingResult | None:
    rule = rules().get(f"{area.level}:{area.kind}")
    if rule is None:
        return None
    problems: list[str] = []
    ranges = {k: v for k, v in rule.items() if k in {"households", "population"}}
    if ranges:
        within = [lo <= getattr(area, key) <= hi for key, (lo, hi) in ranges.items()]
        if not any(within):
            wanted = _(" or ").join(
                f"{lo}–{hi} " + (_("households") if key == "households" else _("people"))
                for key, (lo, hi) in ranges.items()
            )
            problems.append(
                _("has %(h)s households and %(p)s people; the rule asks for %(wanted)s.")
                % {"h": area.households, "p": area.population, "wanted": wanted}
            )
    radius = None
    if "radius_m" in rule:
        radius = _radius_m(area)
        if radius is not None and radius > rule["radius_m"]:
            problems.append(
                _("service radius %(r).0f m exceeds %(max)s m.") % {"r": radius, "max": rule["radius_m"]}
            )
    return SizingResult(area, rule, not problems, problems, radius)


def sizing_report(areas) -> list[SizingResult]:
    return [r for r in (check_area_size(a) for a in areas) if r is not None]
