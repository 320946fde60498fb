"""Register API: people, households, buildings and houses, components, organisations, catalogues.

Lists and objects are limited to the caller's jurisdiction (people need ``registry.view``);
identifiers come masked. ``POST /people/{id}/reveal`` and ``POST /people/{id}/special-records``
return the protected values for permitted roles, with a reason that goes into the audit log.
"""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from civicgrid.accounts.roles import REGISTRY_EDIT
from civicgrid.core.access import require_capability
from civicgrid.core.errors import UserError
from civicgrid.core.schema import choices

from . import actions, queries
from .models import ComponentClass, House, InfoClass, Organisation, Person

router = Router(tags=["registry"])
MAX_PAGE = 1000


def _page(qs, limit: int, offset: int):
    return qs[max(offset, 0) : max(offset, 0) + max(1, min(limit, MAX_PAGE))]


def _changes(payload) -> dict:
    """The fields a PATCH body sets (null means "leave as is"), without its version."""
    return {k: v for k, v in payload.dict(exclude_unset=True, exclude={"version"}).items() if v is not None}


def _get(qs, pk):
    """An object the user may see among ``qs`` (already scoped), or 404."""
    return get_object_or_404(qs, pk=pk)


# --- schemas -------------------------------------------------------------------------------------
class PersonOut(Schema):
    id: int
    name: str
    id_type: str
    id_masked: str = Field(..., description="region and the last two characters; see docs/personal-data.md")
    age: int | None = Field(None, description="whole years; the birth date only comes with a reveal")
    sex: str
    phone_masked: str
    residence: str
    ethnicity: str
    status: str
    area_code: str
    address: str
    building_id: int | None
    house_id: int | None
    household_number: str | None = Field(None, alias="household.number")
    relation: str
    tags: list[str]
    note: str
    version: int

    @staticmethod
    def resolve_tags(obj):
        return sorted(t.tag for t in obj.tags.all())

    @staticmethod
    def resolve_age(obj):
        return obj.age()


class PersonIn(Schema):
    name: str
    id_type: Person.IdType = Person.IdType.RESIDENT_ID
    id_number: str = ""
    phone: str = ""
    residence: Person.Residence = Person.Residence.REGISTERED
    ethnicity: str = "汉族"
    building_id: int | None = None
    house_id: int | None = None
    grid: str | None = Field(None, description="grid code, only when the building is not registered yet")
    household_id: int | None = None
    relation: str = ""
    address: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    tags: list[str] = []
    note: str = ""


class PersonPatch(Schema):
    version: int
    name: str | None = None
    id_type: Person.IdType | None = None
    id_number: str | None = None
    phone: str | None = None
    residence: Person.Residence | None = None
    ethnicity: str | None = None
    relation: str | None = None
    address: str | None = None
    birth_date: dt.date | None = None
    sex: str | None = None
    tags: list[str] | None = None
    note: str | None = None


class ReasonIn(Schema):
    reason: str = Field(..., description="why you need to see this; it goes into the audit log")


class RevealOut(Schema):
    id_number: str
    phone: str
    birth_date: str = Field("", description="YYYY-MM-DD, or empty")


class SpecialRecordOut(Schema):
    id: int
    group: str
    group_label: str
    note: str
    since: str
    until: str
    officer: str
    active: bool


class SpecialRecordIn(Schema):
    group: str
    note: str = ""
    since: dt.date | None = None
    officer: str = ""


class MoveIn(Schema):
    version: int | None = None
    building_id: int | None = None
    house_id: int | None = None
    grid: str | None = None
    note: str = ""


class LeaveIn(Schema):
    version: int | None = None
    reason: str = Field(..., description="moved_out or deceased")
    note: str = ""


class JoinIn(Schema):
    household_id: int
    relation: str = ""
    version: int | None = None


class PersonEventOut(Schema):
    kind: str
    at: dt.datetime
    actor_name: str
    from_household: str
    to_household: str
    from_area_code: str
    to_area_code: str
    changed: list
    note: str


class HouseholdOut(Schema):
    id: int
    number: str
    head_id: int | None
    head_name: str | None = Field(None, alias="head.name")
    address: str
    area_code: str
    dissolved: bool
    version: int


class HouseholdIn(Schema):
    head_id: int
    number: str = ""


class BuildingOut(Schema):
    id: int
    address: str
    name: str
    lon: float
    lat: float
    area_code: str
    floors: int
    units: int
    households: int
    residents: int
    version: int


class BuildingIn(Schema):
    address: str
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    name: str = ""
    floors: int = Field(1, ge=1, le=200)
    units: int = Field(1, ge=1, le=99)


class HouseOut(Schema):
    id: int
    building_id: int
    unit: int
    floor: int
    number: str
    use: str
    landlord_id: int | None
    area_code: str
    version: int


class HouseIn(Schema):
    unit: int = Field(1, ge=1, le=99)
    floor: int = Field(1, ge=-10, le=200)
    number: str
    use: House.Use = House.Use.OWN
    landlord_id: int | None = None


class TenancyIn(Schema):
    tenant_id: int
    start: dt.date
    end: dt.date | None = None
    police_filed: bool = False


class TenancyOut(Schema):
    id: int
    house_id: int
    tenant_id: int
    start: dt.date
    end: dt.date | None
    police_filed: bool


class ComponentClassOut(Schema):
    code: str
    major: str
    major_name: str
    sub: str
    name: str
    department: str


class ComponentOut(Schema):
    code: str
    class_code: str = Field(..., alias="cls.code")
    class_name: str = Field(..., alias="cls.name")
    name: str
    lon: float
    lat: float
    area_code: str
    owner_unit: str
    maintainer_unit: str
    state: str
    note: str
    version: int


class ComponentIn(Schema):
    class_code: str = Field(..., min_length=4, max_length=4, description="major 2 + subclass 2, e.g. 0101")
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    name: str = ""
    owner_unit: str = ""
    maintainer_unit: str = ""
    state: str = "intact"
    note: str = ""


class ComponentPatch(Schema):
    version: int
    name: str | None = None
    state: str | None = None
    owner_unit: str | None = None
    maintainer_unit: str | None = None
    note: str | None = None
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    credit_code: str
    social_status: str
    party_level: str
    parent_id: int | None
    address: str
    building_id: int | None
    lon: float | None
    lat: float | None
    area_code: str
    contact_name: str
    contact_phone: str
    employees: int | None
    version: int


class OrganisationIn(Schema):
    kind: choices(Organisation.Kind, "OrganisationKind")
    name: str
    credit_code: str = ""
    social_status: str = ""
    party_level: str = ""
    parent_id: int | None = None
    address: str = ""
    building_id: int | None = None
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    contact_name: str = ""
    contact_phone: str = ""
    employees: int | None = Field(None, ge=0)


class OrganisationPatch(Schema):
    version: int
    name: str | None = None
    credit_code: str | None = None
    social_status: str | None = None
    party_level: str | None = None
    address: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    employees: int | None = Field(None, ge=0)


class InfoItemOut(Schema):
    code: str
    name: str
    department: str
    active: bool


class InfoClassOut(Schema):
    code: str
    name: str
    items: list[InfoItemOut]

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


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
def list_people(request, filters: Query[PeopleFilter], limit: int = 100, offset: int = 0):
    qs = _visible_people(request.user, filters.include_left)
    qs = queries.search_people(qs, filters.q or "", user=request.user)
    if filters.grid:
        qs = qs.filter(area_code__startswith=filters.grid)
    if filters.tag:
        qs = qs.filter(tags__tag=filters.tag)
    if filters.residence:
        qs = qs.filter(residence=filters.residence)
    return _page(qs, limit, offset)


def _person(request, pk) -> Person:
    queries.access_person(request.user, pk)  # 404 and audit when outside the scope
    return _visible_people(request.user, include_left=True).get(pk=pk)


@router.get("/people/{int:pk}", response=PersonOut, summary="One person (masked)")
def get_person(request, pk: int):
    return _person(request, pk)


def _building(user, pk):
    return None if pk is None else queries.access_building(user, pk)


def _house(user, pk):
    return None if pk is None else _get(queries.visible_houses(user), pk)


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
def list_households(request, q: str | None = None, limit: int = 100, offset: int = 0):
    qs = queries.visible_households(request.user)
    if q:
        qs = qs.filter(number__startswith=q) | qs.filter(address__contains=q)
    return _page(qs, limit, offset)


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
def list_buildings(request, q: str | None = None, grid: str | None = None, limit: int = 100, offset: int = 0):
    qs = queries.visible_buildings(request.user)
    if q:
        qs = qs.filter(address__contains=q)
    if grid:
        qs = qs.filter(area_code__startswith=grid)
    return _page(qs, limit, offset)


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
    house = _get(queries.visible_houses(request.user), pk)
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
def list_components(request, class_code: str | None = None, state: str | None = None, grid: str | None = None,
                    limit: int = 100, offset: int = 0):
    qs = queries.visible_components(request.user)
    if class_code:
        qs = qs.filter(cls__major=class_code[:2])
        if len(class_code) >= 4:
            qs = qs.filter(cls__sub=class_code[2:4])
    if state:
        qs = qs.filter(state=state)
    if grid:
        qs = qs.filter(area_code__startswith=grid)
    return _page(qs, limit, offset)


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
def list_organisations(request, kind: choices(Organisation.Kind, "OrganisationKind") | None = None, q: str | None = None,
                       limit: int = 100, offset: int = 0):
    qs = queries.visible_organisations(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__contains=q)
    return _page(qs, limit, offset)


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
