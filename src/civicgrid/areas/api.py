"""Areas API: tree, list, detail, GeoJSON, point lookup, import, checks."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from civicgrid.areas.capabilities import AREAS_IMPORT, AREAS_MANAGE, LOOKUP
from civicgrid.core.access import not_found_or_denied, require_capability
from civicgrid.core.errors import UserError
from civicgrid.core.paging import WidePage, page
from civicgrid.core.schema import choices
from civicgrid.core.scoping import in_scope

from . import actions, exports
from .index import grid_index
from .models import Area
from .queries import access_area, visible_areas, visible_roots
from .sizing import sizing_report
from .validation import check_subtree

router = Router(tags=["areas"])
MAX_BULK_POINTS = 100_000


class AreaOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None = Field(None, alias="parent.code")
    households: int
    population: int
    responsible_name: str
    responsible_phone: str
    bbox: tuple[float, float, float, float] | None
    version: int


class AreaNode(Schema):
    code: str
    name: str
    level: str
    children: list[AreaNode] = []


class AreaPatch(Schema):
    version: int
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: choices(Area.Kind, "AreaKind") | None = None
    responsible_name: str | None = Field(None, max_length=50)
    responsible_phone: str | None = Field(None, max_length=30)


class AreaFilter(Schema):
    level: Area.Level | None = None
    parent: str | None = None
    q: str | None = None


class Point(Schema):
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    id: str | None = None


class LookupIn(Schema):
    points: list[Point] = Field(..., max_length=MAX_BULK_POINTS)


class LookupOut(Schema):
    id: str | None = None
    lon: float
    lat: float
    grid: str | None


class ImportIn(Schema):
    geojson: dict
    dry_run: bool = False
    allow_violations: bool = False


@router.get("/", response=list[AreaOut], summary="Areas in your jurisdiction")
def list_areas(request, filters: Query[AreaFilter], paging: Query[WidePage]):
    qs = visible_areas(request.user).select_related("parent")
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    return page(qs, paging)


def _tree(user, max_level: str | None) -> list[dict]:
    levels = [lv.value for lv in Area.Level]
    keep = levels[: levels.index(max_level) + 1] if max_level else levels
    rows = list(visible_areas(user).filter(level__in=keep).values("code", "name", "level", "parent__code"))
    nodes = {r["code"]: {"code": r["code"], "name": r["name"], "level": r["level"], "children": []} for r in rows}
    roots = []
    for r in rows:
        parent = nodes.get(r["parent__code"])
        (parent["children"] if parent else roots).append(nodes[r["code"]])
    return roots


@router.get("/tree", response=list[AreaNode], summary="Your jurisdiction as a nested tree")
def area_tree(request, depth: Area.Level | None = None):
    return _tree(request.user, depth)


@router.get("/geojson", summary="Boundaries of the areas you may see, as a FeatureCollection")
def areas_geojson(request, level: Area.Level | None = None, within: str | None = None):
    qs = visible_areas(request.user)
    if level:
        qs = qs.filter(level=level)
    if within:
        from civicgrid.areas.models import scope_code

        qs = qs.filter(code__startswith=scope_code(within))  # a city's code: its districts' four digits
    from django.http import HttpResponse

    return HttpResponse(exports.feature_collection_json(qs), content_type="application/json")


@router.get("/lookup", response=LookupOut, summary="The grid containing a point")
def lookup_point(request, lon: float = Query(..., ge=-180, le=180), lat: float = Query(..., ge=-90, le=90)):
    require_capability(request.user, LOOKUP)
    code = grid_index().lookup(lon, lat)
    return {"lon": lon, "lat": lat, "grid": code if code and in_scope(request.user, code) else None}


@router.post("/lookup", response=list[LookupOut], summary="The grids containing many points")
def lookup_points(request, payload: LookupIn):
    require_capability(request.user, LOOKUP)
    codes = grid_index().lookup_many([p.lon for p in payload.points], [p.lat for p in payload.points])
    user = request.user
    return [
        {"id": p.id, "lon": p.lon, "lat": p.lat, "grid": c if c and in_scope(user, c) else None}
        for p, c in zip(payload.points, codes, strict=True)
    ]


@router.post("/import", summary="Import boundaries from GeoJSON (all or nothing)")
def import_areas(request, payload: ImportIn):
    require_capability(request.user, AREAS_IMPORT)
    report = actions.do_import_areas(
        payload.geojson, actor=request.user, dry_run=payload.dry_run, allow_violations=payload.allow_violations,
        source="api",
    )
    status = 200 if report.committed or (payload.dry_run and not report.errors) else 400
    return api_response(status, report.as_dict())


def api_response(status: int, body: dict):
    from django.http import JsonResponse

    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@router.get("/{code}", response=AreaOut, summary="One area")
def get_area(request, code: str):
    return access_area(request.user, code)


@router.patch("/{code}", response=AreaOut, summary="Edit name, kind or responsible person")
def patch_area(request, code: str, payload: AreaPatch):
    area = access_area(request.user, code)
    if not in_scope(request.user, area.code, AREAS_MANAGE):
        require_capability(request.user, "__never__")
    changes = payload.dict(exclude_unset=True, exclude={"version"})
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise UserError(_("Nothing to change."))
    return actions.do_update_area(area, actor=request.user, expected_version=payload.version, **changes)


@router.get("/{code}/geojson", summary="One area as a GeoJSON Feature")
def get_area_geojson(request, code: str):
    return exports.feature(access_area(request.user, code))


@router.get("/{code}/children", response=list[AreaOut], summary="Direct children of an area")
def get_children(request, code: str):
    area = access_area(request.user, code)
    return visible_areas(request.user).filter(parent=area).select_related("parent")


@router.get("/{code}/checks", summary="Topology and sizing checks of an area and everything below it")
def get_checks(request, code: str):
    area = access_area(request.user, code)
    if not in_scope(request.user, area.code, AREAS_MANAGE):
        not_found_or_denied(request.user, area)
        raise Http404
    subtree = visible_areas(request.user).filter(code__startswith=area.code)
    return {
        "violations": [v.as_dict() for v in check_subtree(area.code)],
        "sizing": [r.as_dict() for r in sizing_report(subtree.filter(level__in=["grid", "community"]))],
    }


__all__ = ["router", "visible_roots"]
