"""Circle API: facilities, coverage, standards, next-site suggestions, service providers.

Everything is limited to the caller's jurisdiction; objects outside it answer 404, illegal
provider steps 409."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from civicgrid.circle.capabilities import CIRCLE_EDIT, CIRCLE_NETWORK
from civicgrid.core.access import require_capability
from civicgrid.core.capabilities import VIEW
from civicgrid.core.errors import UserError
from civicgrid.core.paging import MAX_OFFSET, Page, page
from civicgrid.registry.queries import access_building

from . import actions, queries
from .models import FacilityKind, ServiceItem

router = Router(tags=["circle"])
MAX_PAGE = 1000





class FacilityOut(Schema):
    id: int
    kind: str
    name: str
    level: str
    area_m2: float | None
    opening_hours: str
    capacity: int | None
    operator: str
    lon: float
    lat: float
    area_code: str
    offpeak_hours: str
    unit_id: int | None
    source: str
    active: bool
    services: list[str]
    version: int

    @staticmethod
    def resolve_services(obj):
        return [s.code for s in obj.services.all()]


class FacilityIn(Schema):
    kind: FacilityKind
    name: str
    level: str = "community"
    area_m2: float | None = None
    opening_hours: str = ""
    capacity: int | None = None
    operator: str = ""
    lon: float
    lat: float
    offpeak_hours: str = ""
    unit_id: int | None = None
    services: list[str] = []


class FacilityPatch(Schema):
    version: int
    kind: FacilityKind | None = None
    name: str | None = None
    level: str | None = None
    area_m2: float | None = None
    opening_hours: str | None = None
    capacity: int | None = None
    operator: str | None = None
    lon: float | None = None
    lat: float | None = None
    offpeak_hours: str | None = None
    active: bool | None = None
    services: list[str] | None = None


def _services(codes):
    if codes is None:
        return None
    items = list(ServiceItem.objects.filter(code__in=codes))
    if len(items) != len(set(codes)):
        raise UserError(_("services: unknown service item code."), field="services")
    return items


@router.get("/facilities", response=list[FacilityOut], summary="Facilities in your jurisdiction")
def list_facilities(request, paging: Query[Page], kind: str | None = None, grid: str | None = None):
    qs = queries.visible_facilities(request.user).prefetch_related("services")
    if kind:
        qs = qs.filter(kind=kind)
    if grid:
        qs = qs.filter(area_code__startswith=grid)
    return page(qs, paging)


@router.get("/facilities.geojson", summary="Facilities in your jurisdiction inside a box, as GeoJSON points (maps)")
def facilities_geojson(request, bbox: str | None = None, limit: int = 2000):
    from civicgrid.areas.geometry import parse_bbox

    qs = queries.visible_facilities(request.user).filter(active=True)
    box = parse_bbox(bbox)
    if box:
        qs = qs.filter(lon__gte=box[0], lat__gte=box[1], lon__lte=box[2], lat__lte=box[3])
    labels = dict(FacilityKind.choices)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
         "properties": {"id": f.pk, "name": f.name, "kind": f.kind, "kind_label": str(labels.get(f.kind, f.kind))}}
        for f in qs.order_by("pk").only("pk", "lon", "lat", "name", "kind")[:min(limit, 5000)]]}


@router.get("/facilities/{int:pk}", response=FacilityOut, summary="One facility")
def get_facility(request, pk: int):
    return queries.access_facility(request.user, pk)


@router.post("/facilities", response={201: FacilityOut}, summary="Add a facility (grid from its position)")
def create_facility(request, payload: FacilityIn):
    require_capability(request.user, CIRCLE_EDIT)
    data = payload.dict()
    services = _services(data.pop("services"))
    unit_id = data.pop("unit_id")
    unit = None
    if unit_id is not None:
        from civicgrid.registry.queries import access_organisation

        unit = access_organisation(request.user, unit_id)
        if unit.kind != "resident_unit":
            raise UserError(_("unit: the organisation is not a resident unit."), field="unit_id")
    return Status(201, actions.do_create_facility(actor=request.user, services=services, unit=unit, **data))


@router.patch("/facilities/{int:pk}", response=FacilityOut, summary="Change a facility")
def patch_facility(request, pk: int, payload: FacilityPatch):
    facility = queries.access_facility(request.user, pk)
    changes = {k: v for k, v in payload.dict(exclude_unset=True, exclude={"version"}).items() if v is not None}
    services = _services(changes.pop("services", None))
    return actions.do_update_facility(facility, actor=request.user, expected_version=payload.version,
                                      services=services, **changes)


class AccessOut(Schema):
    kind: str
    distance_m: float | None
    minutes: float | None
    band: int | None
    unreachable: bool


@router.get("/buildings/{int:pk}/access", response=list[AccessOut], summary="A building's walking times")
def building_access(request, pk: int):
    require_capability(request.user, VIEW)
    building = access_building(request.user, pk)
    return queries.building_access(building)


@router.get("/coverage", summary="Share of households within reach, per area and facility kind")
def coverage(request, level: str = "community", minutes: int = 15, kind: str | None = None):
    require_capability(request.user, VIEW)
    return queries.coverage(request.user, level=level, minutes=minutes, kinds=[kind] if kind else None)


@router.get("/coverage/points", summary="Residential buildings with their walking time to one kind (GeoJSON)")
def coverage_points(request, kind: str, minutes: int = 15):
    require_capability(request.user, VIEW)
    return queries.coverage_points(request.user, kind, minutes=minutes)


class OutsideOut(Schema):
    building_id: int
    address: str
    households: int
    distance_m: float | None
    unreachable: bool
    area_code: str


@router.get("/outside", response=list[OutsideOut], summary="Buildings outside the circle for one kind")
def outside(request, kind: str, minutes: int = 15, limit: int = Query(500, ge=1, le=MAX_OFFSET)):
    require_capability(request.user, VIEW)
    rows = queries.buildings_outside(request.user, kind, minutes=minutes, limit=max(1, min(limit, MAX_PAGE)))
    return [{"building_id": r.building_id, "address": r.building.address, "households": r.households,
             "distance_m": r.distance_m, "unreachable": r.unreachable, "area_code": r.area_code} for r in rows]


class SuggestIn(Schema):
    kind: str
    minutes: int = 15
    candidates: list[tuple[float, float]] | None = None


@router.post("/suggest", summary="Where to put the next facility of a kind")
def suggest(request, payload: SuggestIn):
    require_capability(request.user, VIEW)
    return queries.suggest_site(request.user, payload.kind, minutes=payload.minutes, candidates=payload.candidates)


@router.get("/standards", summary="Facility standards per community or street")
def standards(request, level: str = "community", per_100: float | None = None):
    require_capability(request.user, VIEW)
    return queries.standards(request.user, level=level, per_100=per_100)


class RunOut(Schema):
    id: int
    area_code: str
    status: str
    reason: str
    stats: dict
    message: str


@router.post("/networks/{district}/recompute", response=RunOut, summary="Recompute a district's accessibility now")
def recompute(request, district: str):
    require_capability(request.user, CIRCLE_NETWORK)
    return actions.do_compute_access(district, actor=request.user, reason="requested")


# --- providers -----------------------------------------------------------------------------------
class ProviderOut(Schema):
    id: int
    name: str
    area_code: str
    status: str
    contact_name: str
    hotline: str
    manner: str
    items: list[str]
    council_decision: str
    agreement_number: str
    agreement_until: dt.date | None
    rectify_by: dt.date | None
    rating: float | None
    rating_count: int
    version: int

    @staticmethod
    def resolve_items(obj):
        return [i.code for i in obj.items.all()]


class ProviderIn(Schema):
    community: str
    name: str
    contact_name: str
    contact_phone: str
    items: list[str] = []
    manner: str = ""
    hotline: str = ""
    credit_code: str = ""


class StepIn(Schema):
    version: int | None = None
    note: str = ""
    agreement_number: str | None = None
    agreement_until: dt.date | None = None
    hotline: str | None = None
    manner: str | None = None
    rectify_by: dt.date | None = None


class ProviderRateIn(Schema):
    score: int
    comment: str = ""


class ProviderEventOut(Schema):
    kind: str
    action: str = Field(description="the same as kind (kept for clients written before kind)")
    from_status: str
    to_status: str
    actor_name: str
    note: str
    at: dt.datetime

    @staticmethod
    def resolve_action(obj) -> str:
        return obj.kind


@router.get("/providers", response=list[ProviderOut], summary="Service providers in your jurisdiction")
def list_providers(request, paging: Query[Page], status: str | None = None):
    qs = queries.visible_providers(request.user).prefetch_related("items")
    if status:
        qs = qs.filter(status=status)
    return page(qs, paging)


@router.get("/providers/{int:pk}", response=ProviderOut, summary="One service provider")
def get_provider(request, pk: int):
    return queries.access_provider(request.user, pk)


@router.get("/providers/{int:pk}/events", response=list[ProviderEventOut], summary="A provider's history")
def provider_events(request, pk: int):
    return list(queries.access_provider(request.user, pk).events.all())


@router.post("/providers", response={201: ProviderOut}, summary="Apply as a service provider")
def apply_provider(request, payload: ProviderIn):
    data = payload.dict()
    items = _services(data.pop("items"))
    return Status(201, actions.do_apply_provider(actor=request.user, community_code=data.pop("community"),
                                                 items=items, **data))


@router.post("/providers/{int:pk}/review", response=ProviderOut, summary="Supervision committee review")
def review_provider(request, pk: int, payload: StepIn):
    provider = queries.access_provider(request.user, pk)
    return actions.do_review_provider(provider, actor=request.user, note=payload.note)


@router.post("/providers/{int:pk}/rate", response={201: dict}, summary="Rate a published provider (residents)")
def rate_provider(request, pk: int, payload: ProviderRateIn):
    provider = queries.access_rateable_provider(request.user, pk)
    rating = actions.do_rate_provider(provider, actor=request.user, score=payload.score, comment=payload.comment)
    return Status(201, {"score": rating.score})


@router.post("/providers/{int:pk}/{action}", response=ProviderOut, summary="One step of a provider's life")
def provider_step(request, pk: int, action: str, payload: StepIn):
    provider = queries.access_provider(request.user, pk)
    fields = payload.dict(exclude={"version", "note"})
    return actions.do_transition_provider(provider, action, actor=request.user, expected_version=payload.version,
                                          note=payload.note, **{k: v for k, v in fields.items() if v is not None})
