"""Reads of units, staff and tokens for a user, scoped by area code."""

from __future__ import annotations

import copy
import threading
import time

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from civicgrid.core.access import access_object, not_found_or_denied
from civicgrid.core.scoping import restrict, scope_q

from .models import ApiToken, Membership, OrgUnit, User


def visible_units(user) -> QuerySet[OrgUnit]:
    return restrict(OrgUnit.objects.select_related("area"), user)


def access_unit(user, code: str) -> OrgUnit:
    return access_object(OrgUnit.objects.select_related("area", "parent"), user, code=str(code))


def visible_memberships(user) -> QuerySet[Membership]:
    return restrict(Membership.objects.filter(active=True).select_related("user", "area", "unit"), user)


def visible_staff(user) -> QuerySet[User]:
    """Users holding at least one active membership inside the viewer's jurisdiction."""
    return User.objects.filter(scope_q(user, "memberships__area_code"), memberships__active=True).distinct()


# Per-process cache of bearer tokens: SHA-256 of the key → (when read, token, user, active
# memberships). A machine client (the 12345 hotline system) sends one token many times a second;
# without the cache every request reads the token, its user and the memberships again. An entry
# lives CIVICGRID_TOKEN_CACHE_SECONDS (0 = no cache): a token revoked, a user deactivated or a
# membership changed in another process takes effect within that time; in this process
# do_revoke_token and do_grant_membership empty the cache at once. Expiry is checked on every request.
_token_cache: dict[str, tuple[float, ApiToken, User, list[Membership]]] = {}
_token_lock = threading.Lock()
TOKEN_CACHE_MAX = 1000


def forget_tokens() -> None:
    """Drop every cached token of this process (after a change to tokens, users or memberships)."""
    with _token_lock:
        _token_cache.clear()
        _holder_cache.clear()


def _expired(token: ApiToken) -> bool:
    return bool(token.expires_at and token.expires_at < timezone.now())


def _request_user(user: User, memberships: list[Membership]) -> User:
    """A copy of the cached user for one request, so that requests in other threads never share
    what a request sets on its user; the memberships are shared and only read."""
    fresh = copy.copy(user)
    fresh._cg_memberships = list(memberships)
    return fresh


def user_for_token(key: str) -> tuple[User, ApiToken] | None:
    digest = ApiToken.hash(key)
    ttl = settings.CIVICGRID_TOKEN_CACHE_SECONDS
    if ttl > 0:
        hit = _token_cache.get(digest)
        if hit is not None and time.monotonic() - hit[0] < ttl:
            _, token, user, memberships = hit
            if _expired(token):
                return None
            return _request_user(user, memberships), token
    read_at = time.monotonic()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=digest, revoked=False, user__is_active=True)
        .first()
    )
    if token is None or _expired(token):
        if ttl > 0:
            with _token_lock:
                _token_cache.pop(digest, None)
        return None
    user = token.user
    if ttl <= 0:
        return user, token
    memberships = user.active_memberships()
    with _token_lock:
        if len(_token_cache) >= TOKEN_CACHE_MAX:
            _token_cache.clear()
        _token_cache[digest] = (read_at, token, user, memberships)
    return _request_user(user, memberships), token


# --- account administration --------------------------------------------------------------------
def administered_staff(user) -> QuerySet[User]:
    """Accounts with a membership (active or not) inside the user's ``accounts.manage`` scope:
    the staff list of an administrator. Whether each may be changed is ``policy.may_manage``."""
    from .capabilities import ACCOUNTS_MANAGE

    inside = Membership.objects.filter(scope_q(user, "area_code", ACCOUNTS_MANAGE)).values("user_id")
    return User.objects.filter(pk__in=inside)


def access_staff(user, pk) -> User:
    """One administered account; 404 for "not there" and "not yours" alike (refusal audited)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        pk = 0
    if not 0 < pk < 2**63:
        pk = 0
    found = administered_staff(user).filter(pk=pk).first()
    if found is None:
        not_found_or_denied(user, User.objects.filter(pk=pk).first())
    return found


def locked_usernames(usernames) -> set[str]:
    """Which of these user names django-axes holds locked out now (failures at the limit within
    the cool-off time)."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=since,
                                            failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
               .values_list("username", flat=True))


def current_memberships() -> QuerySet[Membership]:
    """Active memberships with their area and unit, to prefetch onto accounts already scoped."""
    return Membership.objects.filter(active=True).select_related("area", "unit")


def team_of(user) -> list[User]:
    """The colleagues a grid head leads (网格长): the other active accounts with an active staff post
    in the grids where the user is grid head (not the residents) — for the team panel of their home."""
    from .roles import STAFF_ROLES, Role

    if user is None or not getattr(user, "is_authenticated", False):
        return []
    grids = [m.area_code for m in user.active_memberships() if m.role == Role.GRID_HEAD and m.area_code]
    if not grids:
        return []
    ids = (Membership.objects.filter(area_code__in=grids, active=True, user__is_active=True,
                                     role__in=list(STAFF_ROLES))
           .exclude(user_id=user.pk).values("user_id"))
    return list(User.objects.filter(pk__in=ids).order_by("username"))


def account_history(account: User):
    """The audit rows about an account, for an administrator who manages it (``access_staff``)."""
    from civicgrid.core.models import AuditLog

    return AuditLog.objects.filter(object_type="accounts.user", object_id=str(account.pk)).order_by("-at", "-id")


def grant_places(user):
    """(areas, units) where the user may grant roles: inside their ``accounts.manage`` scope."""
    from civicgrid.areas.models import Area

    from .capabilities import ACCOUNTS_MANAGE

    areas = restrict(Area.objects.defer("boundary"), user, field="code", capability=ACCOUNTS_MANAGE).order_by("code")
    units = restrict(OrgUnit.objects.filter(active=True), user, capability=ACCOUNTS_MANAGE).order_by("area_code",
                                                                                                   "code")
    return areas, units


# --- who holds a capability at a place (the recipients of a notification) ---------------------------
def holders(capability: str, area_code: str = "", *, exact: bool = False, unit_ids=()) -> list[int]:
    """Ids of active users with an active membership whose role holds ``capability`` and whose area
    covers ``area_code`` (is it or lies above it; ``exact``: is it — a tier's own posts), plus those
    whose membership is of one of ``unit_ids``. Who is told that work has come to them."""
    from civicgrid.core.plugins import grants

    roles = [role for role, codes in grants().items() if capability in codes]
    if not roles or not (area_code or unit_ids):
        return []
    # Cached like bearer tokens (same lifetime, emptied by the same membership changes): a hotline
    # system filing many cases a second does not read the memberships for every notification.
    ttl = float(getattr(settings, "CIVICGRID_TOKEN_CACHE_SECONDS", 0) or 0)
    key = (capability, area_code, exact, tuple(sorted(unit_ids)))
    if ttl:
        hit = _holder_cache.get(key)
        if hit and time.monotonic() - hit[0] < ttl:
            return list(hit[1])
    place = Q(pk__in=[])
    if area_code:
        if exact:
            place |= Q(area_code=area_code)
        else:
            prefixes = {area_code[:n] for n in (4, 6, 9, 12, 15) if len(area_code) >= n} | {area_code}  # 4: a city
            place |= Q(area_code__in=prefixes)
    if unit_ids:
        place |= Q(unit_id__in=list(unit_ids))
    found = sorted(set(Membership.objects.filter(place, active=True, user__is_active=True, role__in=roles)
                       .values_list("user_id", flat=True)))
    if ttl:
        with _token_lock:
            if len(_holder_cache) >= TOKEN_CACHE_MAX:
                _holder_cache.clear()
            _holder_cache[key] = (time.monotonic(), tuple(found))
    return found


_holder_cache: dict[tuple, tuple[float, tuple[int, ...]]] = {}
