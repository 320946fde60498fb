"""Topology checks of the area tree (R-AREA-3 不遗漏、不交叉).

For every parent with children: each child lies inside the parent, siblings do
not overlap, and the children together cover the parent without gaps. Areas
and tolerances are in square metres in a local metric frame.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from shapely import STRtree

from .geometry import MetricFrame, parse_boundary
from .models import Area, parent_code_of, scope_code


@dataclass
class Violation:
    kind: str  # outside_parent | overlap | gap | no_boundary
    codes: list[str]
    names: list[str]
    area_m2: float = 0.0
    where: tuple[float, float] | None = None  # lon/lat of a point in the offending piece
    message: str = ""
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "codes": self.codes,
            "names": self.names,
            "area_m2": round(self.area_m2, 2),
            "where": list(self.where) if self.where else None,
            "message": self.message,
        }


def _where(frame: MetricFrame, geom) -> tuple[float, float]:
    point = geom.representative_point()
    lon, lat = frame.unproject_point(point.x, point.y)
    return (round(lon, 6), round(lat, 6))


def check_areas(areas, tolerance_m2: float | None = None) -> list[Violation]:
    """Check the given areas (a queryset or list) against their children among the same set."""
    tol = settings.CIVICGRID_AREA_TOLERANCE_M2 if tolerance_m2 is None else tolerance_m2
    areas = list(areas)
    if not areas:
        return []
    lats = [a.min_lat for a in areas if a.min_lat is not None]
    frame = MetricFrame((min(lats) + max(lats)) / 2 if lats else 30.0)
    by_code = {a.code: a for a in areas}
    geoms: dict[str, object] = {}
    violations: list[Violation] = []
    for area in areas:
        if area.boundary is None:
            violations.append(
                Violation("no_boundary", [area.code], [area.name], message=_("%(name)s has no boundary.") % {"name": area.name})
            )
            continue
        geoms[area.code] = frame.project(parse_boundary(area.boundary))

    children: dict[str, list[Area]] = defaultdict(list)
    for area in areas:
        parent_code = parent_code_of(area.code)
        if parent_code is not None and parent_code in by_code and area.code in geoms:
            children[parent_code].append(area)

    for parent_code, kids in sorted(children.items()):
        parent = by_code[parent_code]
        parent_geom = geoms.get(parent_code)
        kid_geoms = [geoms[k.code] for k in kids]
        if parent_geom is not None:
            for kid, geom in zip(kids, kid_geoms, strict=True):
                outside = geom.difference(parent_geom)
                if outside.area > tol:
                    violations.append(
                        Violation(
                            "outside_parent",
                            [kid.code, parent.code],
                            [kid.name, parent.name],
                            outside.area,
                            _where(frame, outside),
                            _("%(child)s extends %(m2).0f m² outside its parent %(parent)s.")
                            % {"child": kid.name, "parent": parent.name, "m2": outside.area},
                        )
                    )
        tree = STRtree(kid_geoms)
        left, right = tree.query(kid_geoms, predicate="intersects")
        for i, j in zip(left.tolist(), right.tolist(), strict=True):
            if i >= j:
                continue
            overlap = shapely.intersection(kid_geoms[i], kid_geoms[j])
            if overlap.area > tol:
                a, b = kids[i], kids[j]
                violations.append(
                    Violation(
                        "overlap",
                        [a.code, b.code],
                        [a.name, b.name],
                        overlap.area,
                        _where(frame, overlap),
                        _("%(a)s and %(b)s overlap by %(m2).0f m².") % {"a": a.name, "b": b.name, "m2": overlap.area},
                    )
                )
        if parent_geom is not None:
            gap = parent_geom.difference(shapely.union_all(kid_geoms))
            if gap.area > tol:
                violations.append(
                    Violation(
                        "gap",
                        [parent.code],
                        [parent.name],
                        gap.area,
                        _where(frame, gap),
                        _("%(m2).0f m² of %(parent)s belong to none of its %(n)s children.")
                        % {"parent": parent.name, "m2": gap.area, "n": len(kids)},
                    )
                )
    return violations


def check_subtree(root_code: str, tolerance_m2: float | None = None) -> list[Violation]:
    """Check every area whose code starts with ``root_code`` (plus nothing outside it)."""
    return check_areas(Area.objects.filter(code__startswith=scope_code(root_code)).order_by("code"), tolerance_m2)
