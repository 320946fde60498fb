"""Accounts API: who am I, organisational units."""

from ninja import Field, Query, Router, Schema

from civicgrid.core.paging import WidePage, page

from .queries import access_unit, visible_units

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    role: str
    area_code: str
    unit: str | None = Field(None, alias="unit.code")


class MeOut(Schema):
    username: str
    display_name: str
    is_superuser: bool
    memberships: list[MembershipOut]
    capabilities: list[str]


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    department: str
    area_code: str
    phone: str
    active: bool


@router.get("/me", response=MeOut, summary="The caller, their roles and jurisdiction")
def me(request):
    user = request.user
    return {
        "username": user.username,
        "display_name": user.display_name,
        "is_superuser": user.is_superuser,
        "memberships": user.active_memberships(),
        "capabilities": sorted(user.capabilities()),
    }


@router.get("/units/", response=list[UnitOut], tags=["units"], summary="Units in your jurisdiction")
def list_units(request, paging: Query[WidePage], kind: str | None = None):
    qs = visible_units(request.user)
    if kind:
        qs = qs.filter(kind=kind)
    return page(qs, paging)


@router.get("/units/{code}", response=UnitOut, tags=["units"], summary="One unit")
def get_unit(request, code: str):
    return access_unit(request.user, code)
