"""Register API: people, households, buildings and houses, components, organisations, catalogues.

Lists and objects are limited to the caller's jurisdiction (people need ``registry.view``);
identifiers come masked. ``POST /people/{id}/reveal`` and ``POST /people/{id}/special-records``
return the protected values for permitted roles, with a reason that goes into the audit log.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from civicgrid.core.access import require_capability
from civicgrid.core.errors import UserError
from civicgrid.core.paging import Page, page
from civicgrid.core.schema import choices
from civicgrid.registry.capabilities import REGISTRY_EDIT

from . import actions, queries
from .models import ComponentClass, InfoClass, Organisation, Person
from .schemas import (
    BuildingIn,
    BuildingOut,
    ComponentClassOut,
    ComponentIn,
    ComponentOut,
    ComponentPatch,
    HouseholdIn,
    HouseholdOut,
    HouseIn,
    HouseOut,
    InfoClassOut,
    JoinIn,
    LeaveIn,
    MoveIn,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    PersonEventOut,
    PersonIn,
    PersonOut,
    PersonPatch,
    ReasonIn,
    RevealOut,
    SpecialRecordIn,
    SpecialRecordOut,
    TenancyIn,
    TenancyOut,
)

router = Router(tags=["registry"])
MAX_PAGE = 1000


def _changes(payload) -> dict:
    """The fields a PATCH body sets (null means "leave as is"), without its version."""
    return {k: v for k, v in payload.dict(exclude_unset=True, exclude={"version"}).items() if v is not None}




# --- people ----------------------------------------------------------------------------------
class PeopleFilter(Schema):
    q: str | None = Field(None, description="name, pinyin initials, address, phone (or last 4), exact ID number")
    grid: str | None = Field(None, description="area code prefix")
    tag: str | None = None
    residence: Person.Residence | None = None
    include_left: bool = False


def _visible_people(user, include_left=False):
    return queries.visible_people(user, include_left=include_left).prefetch_related("tags")


@router.get("/people", response=list[PersonOut], summary="People in your jurisdiction (masked)")
def list_people(request, filters: Query[PeopleFilter], paging: Query[Page]):
    qs = _visible_people(request.user, filters.include_left)
    qs = queries.search_people(qs, filters.q or "", user=request.user)
    if filters.grid:
        qs = qs.filter(area_code__startswith=filters.grid)
    if filters.tag:
        qs = qs.filter(tags__tag=filters.tag)
    if filters.residence:
        qs = qs.filter(residence=filters.residence)
    return page(qs, paging)


def _person(request, pk) -> Person:
    queries.access_person(request.user, pk)  # 404 and audit when outside the scope
    return _visible_people(request.user, include_left=True).get(pk=pk)


@router.get("/people/{int:pk}", response=PersonOut, summary="One person (masked)")
def get_person(request, pk: int):
    return _person(request, pk)


def _building(user, pk):
    return None if pk is None else queries.access_building(user, pk)


def _house(user, pk):
    return None if pk is None else queries.access_house(user, pk)


@router.post("/people", response={201: PersonOut}, summary="Register a person")
def create_person(request, payload: PersonIn):
    data = payload.dict()
    building = _building(request.user, data.pop("building_id"))
    house = _house(request.user, data.pop("house_id"))
    household_id = data.pop("household_id")
    household = None if household_id is None else queries.access_household(request.user, household_id)
    grid = data.pop("grid")
    person = actions.do_register_person(actor=request.user, building=building, house=house, grid_code=grid,
                                        household=household, **data)
    return Status(201, _visible_people(request.user).get(pk=person.pk))


@router.patch("/people/{int:pk}", response=PersonOut, summary="Change a person's details")
def patch_person(request, pk: int, payload: PersonPatch):
    person = _person(request, pk)
    changes = _changes(payload)
    tags = changes.pop("tags", None)
    if not changes and tags is None:
        raise UserError(_("Nothing to change."))
    actions.do_update_person(person, actor=request.user, expected_version=payload.version, tags=tags, **changes)
    return _person(request, pk)


@router.post("/people/{int:pk}/move", response=PersonOut, summary="Move within your jurisdiction")
def move_person(request, pk: int, payload: MoveIn):
    person = _person(request, pk)
    actions.do_move_person(person, actor=request.user, expected_version=payload.version,
                           building=_building(request.user, payload.building_id),
                           house=_house(request.user, payload.house_id), grid_code=payload.grid, note=payload.note)
    return _person(request, pk)


@router.post("/people/{int:pk}/leave", response=PersonOut, summary="Moved out of the jurisdiction, or deceased")
def leave(request, pk: int, payload: LeaveIn):
    person = _person(request, pk)
    actions.do_person_leaves(person, actor=request.user, reason=payload.reason,
                             expected_version=payload.version, note=payload.note)
    return _person(request, pk)


@router.post("/people/{int:pk}/household", response=PersonOut, summary="Join a household")
def join_household(request, pk: int, payload: JoinIn):
    person = _person(request, pk)
    household = queries.access_household(request.user, payload.household_id)
    actions.do_join_household(person, household, actor=request.user, relation=payload.relation,
                              expected_version=payload.version)
    return _person(request, pk)


@router.get("/people/{int:pk}/history", response=list[PersonEventOut], summary="A person's history")
def person_history(request, pk: int):
    return list(_person(request, pk).events.all())


@router.post("/people/{int:pk}/reveal", response=RevealOut, summary="Full ID number and phone (audited)")
def reveal(request, pk: int, payload: ReasonIn):
    return queries.reveal_identifiers(request.user, _person(request, pk), reason=payload.reason)


@router.post("/people/{int:pk}/special-records/read", response=list[SpecialRecordOut],
             summary="Special-group records (granted roles only; audited)")
def read_special(request, pk: int, payload: ReasonIn):
    return queries.special_records(request.user, _person(request, pk), reason=payload.reason)


@router.post("/people/{int:pk}/special-records", response={201: dict}, summary="Add a special-group record")
def add_special(request, pk: int, payload: SpecialRecordIn):
    record = actions.do_add_special_record(_person(request, pk), actor=request.user, group=payload.group,
                                           note=payload.note, since=payload.since, officer=payload.officer)
    return Status(201, {"id": record.pk})


# --- households --------------------------------------------------------------------------------
@router.get("/households", response=list[HouseholdOut], summary="Households in your jurisdiction")
def list_households(request, paging: Query[Page], q: str | None = None):
    qs = queries.visible_households(request.user)
    if q:
        qs = qs.filter(number__startswith=q) | qs.filter(address__contains=q)
    return page(qs, paging)


@router.get("/households/{int:pk}", response=HouseholdOut, summary="One household")
def get_household(request, pk: int):
    return queries.access_household(request.user, pk)


@router.get("/households/{int:pk}/members", response=list[PersonOut], summary="Members of a household")
def household_members(request, pk: int):
    household = queries.access_household(request.user, pk)
    return _visible_people(request.user).filter(household=household)


@router.post("/households", response={201: HouseholdOut}, summary="Create a household with its head")
def create_household(request, payload: HouseholdIn):
    head = _person(request, payload.head_id)
    return Status(201, actions.do_create_household(actor=request.user, head=head, number=payload.number))


# --- buildings and houses -------------------------------------------------------------------------
@router.get("/buildings", response=list[BuildingOut], summary="Buildings in your jurisdiction")
def list_buildings(request, paging: Query[Page], q: str | None = None, grid: str | None = None):
    qs = queries.visible_buildings(request.user)
    if q:
        qs = qs.filter(address__contains=q)
    if grid:
        qs = qs.filter(area_code__startswith=grid)
    return page(qs, paging)


MAP_POINTS_LIMIT = 5000


@router.get("/buildings.geojson", summary="Buildings in your jurisdiction inside a box, as GeoJSON points (maps)")
def buildings_geojson(request, bbox: str | None = None, limit: int = 2000):
    from civicgrid.areas.geometry import parse_bbox

    qs = queries.visible_buildings(request.user)
    box = parse_bbox(bbox)
    if box:
        qs = qs.filter(lon__gte=box[0], lat__gte=box[1], lon__lte=box[2], lat__lte=box[3])
    rows = qs.order_by("pk").values_list("pk", "lon", "lat", "address", "name", "floors")[:min(limit, MAP_POINTS_LIMIT)]
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"id": pk, "address": address, "name": name, "floors": floors}}
        for pk, lon, lat, address, name, floors in rows]}


@router.get("/buildings/{int:pk}", response=BuildingOut, summary="One building")
def get_building(request, pk: int):
    return queries.access_building(request.user, pk)


@router.post("/buildings", response={201: BuildingOut}, summary="Register a building (grid from its position)")
def create_building(request, payload: BuildingIn):
    require_capability(request.user, REGISTRY_EDIT)
    return Status(201, actions.do_create_building(actor=request.user, **payload.dict()))


@router.get("/buildings/{int:pk}/houses", response=list[HouseOut], summary="Houses of a building")
def building_houses(request, pk: int):
    building = queries.access_building(request.user, pk)
    return queries.visible_houses(request.user).filter(building=building)


@router.post("/buildings/{int:pk}/houses", response={201: HouseOut}, summary="Register a house")
def create_house(request, pk: int, payload: HouseIn):
    building = queries.access_building(request.user, pk)
    data = payload.dict()
    landlord_id = data.pop("landlord_id")
    landlord = None if landlord_id is None else _person(request, landlord_id)
    return Status(201, actions.do_create_house(building, actor=request.user, landlord=landlord, **data))


@router.post("/houses/{int:pk}/tenancies", response={201: TenancyOut}, summary="Register a tenant (以房管人)")
def create_tenancy(request, pk: int, payload: TenancyIn):
    house = queries.access_house(request.user, pk)
    tenant = _person(request, payload.tenant_id)
    return Status(201, actions.do_register_tenancy(house, tenant, actor=request.user, start=payload.start,
                                                   end=payload.end, police_filed=payload.police_filed))


# --- address matching (门牌地址匹配) ------------------------------------------------------------------
class AddressCandidateOut(Schema):
    id: int = Field(..., description="building id")
    address: str = Field(..., description="the building's standard address")
    score: float = Field(..., description="0–1; 1 is an exact match")
    lon: float
    lat: float
    area_code: str = Field(..., description="code of the grid the building is in")
    grid_name: str


@router.get("/address-match", response=list[AddressCandidateOut],
            summary="Registered buildings of your jurisdiction that best fit a free-text address")
def address_match(request, q: str = Query("", description="the address as typed, 2–200 characters"),
                  limit: int = Query(5, description="how many candidates, 1–20")):
    return queries.match_address(request.user, q, limit)


# --- components -----------------------------------------------------------------------------------
@router.get("/component-classes", response=list[ComponentClassOut], summary="The component class catalogue")
def component_classes(request):
    return ComponentClass.objects.all()


@router.get("/components", response=list[ComponentOut], summary="Components in your jurisdiction")
def list_components(request, paging: Query[Page], class_code: str | None = None, state: str | None = None,
                    grid: str | None = None):
    qs = queries.visible_components(request.user)
    if class_code:
        qs = qs.filter(cls__major=class_code[:2])
        if len(class_code) >= 4:
            qs = qs.filter(cls__sub=class_code[2:4])
    if state:
        qs = qs.filter(state=state)
    if grid:
        qs = qs.filter(area_code__startswith=grid)
    return page(qs, paging)


@router.get("/components/{code}", response=ComponentOut, summary="One component")
def get_component(request, code: str):
    return queries.access_component(request.user, code)


@router.post("/components", response={201: ComponentOut}, summary="Register a component (code assigned)")
def create_component(request, payload: ComponentIn):
    require_capability(request.user, REGISTRY_EDIT)
    data = payload.dict()
    code = data.pop("class_code")
    cls = ComponentClass.objects.filter(major=code[:2], sub=code[2:4]).first()
    if cls is None:
        raise UserError(_("class_code: %(code)s is not in the component class catalogue.") % {"code": code},
                        field="class_code")
    return Status(201, actions.do_create_component(actor=request.user, cls=cls, **data))


@router.patch("/components/{code}", response=ComponentOut, summary="Change state, units or position")
def patch_component(request, code: str, payload: ComponentPatch):
    component = queries.access_component(request.user, code)
    changes = _changes(payload)
    if not changes:
        raise UserError(_("Nothing to change."))
    return actions.do_update_component(component, actor=request.user, expected_version=payload.version, **changes)


# --- organisations ------------------------------------------------------------------------------------
@router.get("/organisations", response=list[OrganisationOut], summary="Organisations in your jurisdiction")
def list_organisations(request, paging: Query[Page], kind: choices(Organisation.Kind, "OrganisationKind") | None = None,
                       q: str | None = None):
    qs = queries.visible_organisations(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__contains=q)
    return page(qs, paging)


@router.get("/organisations/{int:pk}", response=OrganisationOut, summary="One organisation")
def get_organisation(request, pk: int):
    return queries.access_organisation(request.user, pk)


@router.post("/organisations", response={201: OrganisationOut}, summary="Register an organisation")
def create_organisation(request, payload: OrganisationIn):
    require_capability(request.user, REGISTRY_EDIT)
    data = payload.dict()
    building_id, parent_id = data.pop("building_id"), data.pop("parent_id")
    data["building"] = _building(request.user, building_id)
    data["parent"] = None if parent_id is None else queries.access_organisation(request.user, parent_id)
    if data["lon"] is None:
        data.pop("lon"), data.pop("lat")
    return Status(201, actions.do_create_organisation(actor=request.user, **data))


@router.patch("/organisations/{int:pk}", response=OrganisationOut, summary="Change an organisation")
def patch_organisation(request, pk: int, payload: OrganisationPatch):
    organisation = queries.access_organisation(request.user, pk)
    changes = _changes(payload)
    if not changes:
        raise UserError(_("Nothing to change."))
    return actions.do_update_organisation(organisation, actor=request.user, expected_version=payload.version,
                                          **changes)


# --- information catalogue ---------------------------------------------------------------------------
@router.get("/catalogue", response=list[InfoClassOut], summary="Information catalogue: 7 classes, 61 items")
def info_catalogue(request):
    return InfoClass.objects.prefetch_related("items")
