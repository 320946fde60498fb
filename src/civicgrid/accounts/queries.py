"""Reads of units, staff and tokens for a user, scoped by area code."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from civicgrid.core.access import not_found_or_denied
from civicgrid.core.scoping import in_scope, restrict, scope_q

from .models import ApiToken, Membership, OrgUnit, User


def visible_units(user) -> QuerySet[OrgUnit]:
    return restrict(OrgUnit.objects.select_related("area"), user)


def access_unit(user, code: str) -> OrgUnit:
    unit = OrgUnit.objects.select_related("area", "parent").filter(code=code).first()
    if unit is None or not in_scope(user, unit.area_code):
        not_found_or_denied(user, unit)
    return unit


def visible_memberships(user) -> QuerySet[Membership]:
    return restrict(Membership.objects.filter(active=True).select_related("user", "area", "unit"), user)


def visible_staff(user) -> QuerySet[User]:
    """Users holding at least one active membership inside the viewer's jurisdiction."""
    return User.objects.filter(scope_q(user, "memberships__area_code"), memberships__active=True).distinct()


def user_for_token(key: str) -> tuple[User, ApiToken] | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash(key), revoked=False, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at and token.expires_at < timezone.now()):
        return None
    return token.user, token
