"""Accounts API: who am I, organisational units, one's own password, staff administration."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from civicgrid.core.paging import WidePage, page

from .actions import (
    do_change_own_password,
    do_create_staff,
    do_grant_membership,
    do_reset_password,
    do_set_active,
    do_unlock_user,
    do_withdraw_membership,
)
from .queries import access_staff, access_unit, administered_staff, grant_places, visible_units

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


# --- account administration (the same actions as the pages /staff/…) ----------------------------
class StaffOut(Schema):
    id: int
    username: str
    display_name: str
    is_active: bool
    must_change_password: bool
    memberships: list[MembershipOut]


class MembershipIn(Schema):
    role: str
    area: str | None = None  # area code (for roles bound to an area)
    unit: str | None = None  # unit code (for the hotline centre's and the departments' posts)


class StaffIn(MembershipIn):
    username: str
    display_name: str
    phone: str = ""


class StaffCreatedOut(Schema):
    id: int
    username: str
    temporary_password: str  # shown once; the user must change it at the first login


class PasswordOut(Schema):
    temporary_password: str


class PasswordIn(Schema):
    old_password: str
    new_password: str


class Done(Schema):
    detail: str


def _staff_out(user) -> dict:
    return {"id": user.pk, "username": user.username, "display_name": user.display_name,
            "is_active": user.is_active, "must_change_password": user.must_change_password,
            "memberships": list(user.memberships.filter(active=True).select_related("unit"))}


def _api_place(request, payload: MembershipIn):
    from civicgrid.core.errors import UserError

    area = unit = None
    areas, units = grant_places(request.user)
    if payload.unit:
        unit = units.filter(code=payload.unit).first()
        if unit is None:
            raise UserError(_("unit: no unit %(code)s in your jurisdiction.") % {"code": payload.unit}, field="unit")
    elif payload.area:
        area = areas.filter(code=payload.area).first()
        if area is None:
            raise UserError(_("area: no area %(code)s in your jurisdiction.") % {"code": payload.area}, field="area")
    else:
        raise UserError(_("Give the area or the unit of the role."), field="area")
    return area, unit


def _administrator(request):
    from civicgrid.core.access import require_capability

    from .capabilities import ACCOUNTS_MANAGE

    require_capability(request.user, ACCOUNTS_MANAGE)


@router.get("/staff/", response=list[StaffOut], tags=["staff"], summary="Accounts you administer")
def list_staff(request, q: str = "", limit: int = 100, offset: int = 0):
    _administrator(request)
    qs = administered_staff(request.user).order_by("username")
    if q:
        qs = qs.filter(username__icontains=q)
    return [_staff_out(u) for u in qs[offset: offset + min(limit, 1000)]]


@router.post("/staff/", response={201: StaffCreatedOut}, tags=["staff"],
             summary="Create a staff account with its first role; the temporary password is returned once")
def create_staff(request, payload: StaffIn):
    _administrator(request)
    area, unit = _api_place(request, payload)
    user, password = do_create_staff(actor=request.user, username=payload.username, display_name=payload.display_name,
                                     phone=payload.phone, role=payload.role, area=area, unit=unit)
    return Status(201, {"id": user.pk, "username": user.username, "temporary_password": password})


@router.get("/staff/{int:pk}", response=StaffOut, tags=["staff"], summary="One account you administer")
def get_staff(request, pk: int):
    _administrator(request)
    return _staff_out(access_staff(request.user, pk))


@router.post("/staff/{int:pk}/memberships", response={201: MembershipOut}, tags=["staff"], summary="Grant a role")
def grant(request, pk: int, payload: MembershipIn):
    _administrator(request)
    user = access_staff(request.user, pk)
    area, unit = _api_place(request, payload)
    return Status(201, do_grant_membership(actor=request.user, user=user, role=payload.role, area=area, unit=unit))


@router.delete("/staff/{int:pk}/memberships/{int:membership_id}", response=Done, tags=["staff"],
               summary="Withdraw a role")
def withdraw(request, pk: int, membership_id: int):
    _administrator(request)
    user = access_staff(request.user, pk)
    membership = get_object_or_404(user.memberships, pk=membership_id)
    do_withdraw_membership(membership, actor=request.user)
    return {"detail": "withdrawn"}


@router.post("/staff/{int:pk}/reset-password", response=PasswordOut, tags=["staff"],
             summary="A temporary password (returned once) that must be changed at the next login")
def reset_password(request, pk: int):
    _administrator(request)
    return {"temporary_password": do_reset_password(access_staff(request.user, pk), actor=request.user)}


@router.post("/staff/{int:pk}/unlock", response=Done, tags=["staff"], summary="Clear a lockout after failed logins")
def unlock(request, pk: int):
    _administrator(request)
    do_unlock_user(access_staff(request.user, pk), actor=request.user)
    return {"detail": "unlocked"}


@router.post("/staff/{int:pk}/deactivate", response=Done, tags=["staff"],
             summary="Deactivate: sessions and API tokens end at once")
def deactivate(request, pk: int):
    _administrator(request)
    do_set_active(access_staff(request.user, pk), actor=request.user, active=False)
    return {"detail": "deactivated"}


@router.post("/staff/{int:pk}/activate", response=Done, tags=["staff"], summary="Reactivate an account")
def activate(request, pk: int):
    _administrator(request)
    do_set_active(access_staff(request.user, pk), actor=request.user, active=True)
    return {"detail": "activated"}


@router.post("/me/password", response=Done, tags=["accounts"], summary="Change your own password")
def change_own_password(request, payload: PasswordIn):
    from civicgrid.core.errors import UserError

    if not request.user.check_password(payload.old_password):
        raise UserError(_("old_password: the old password is wrong."), field="old_password")
    do_change_own_password(request.user, new_password=payload.new_password)
    return {"detail": "changed"}
