"""The register's API schemas (django-ninja): what goes in and out of ``/api/registry/``."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from civicgrid.core.schema import choices

from .models import House, Organisation, Person


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


