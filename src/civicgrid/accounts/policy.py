"""Who may administer whose account (账号管理): the rules behind every account action.

An administrator (a membership granting ``accounts.manage``: district or street administrator)
acts only inside the area of that membership, and never grants a role **above** their own.
"Above" is this ranking, compared at the place of the grant:

    city administrator (4) > district administrator (3) > street administrator (2) > every other
    staff role (1) > resident (0)

so a district administrator may grant anything in the district (another district administrator
of the same district too), a street administrator may grant any staff role and a street
administrator of their own street, but never a district administrator — and nothing of another
street, since the place of the grant must lie inside their street. Unit-bound roles (hotline
seats, dispatchers, department handlers) are granted where their unit serves: a street
administrator can staff the street office, not the district centre.

An account is administered by someone whose rank covers every active membership the account
holds (a person serving two streets is administered by the district); an account without active
memberships belongs where its latest membership was. Nobody administers their own account here
(only their own password), and only superusers touch superusers.
"""

from __future__ import annotations

from civicgrid.core.plugins import capabilities_of

from .capabilities import ACCOUNTS_MANAGE
from .roles import Role

ROLE_RANK: dict[str, int] = {role: 1 for role in Role}
ROLE_RANK.update({Role.CITY_ADMIN: 4, Role.DISTRICT_ADMIN: 3, Role.STREET_ADMIN: 2, Role.RESIDENT: 0})


def manage_rank(actor, code: str) -> int:
    """The highest rank of the actor's ``accounts.manage`` memberships whose area holds ``code``
    (−1: none; superusers and the system: above every role)."""
    if getattr(actor, "is_superuser", False):
        return 99
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return -1
    ranks = [ROLE_RANK.get(m.role, 0) for m in actor.active_memberships()
             if ACCOUNTS_MANAGE in capabilities_of(m.role) and code.startswith(m.area_code)]
    return max(ranks, default=-1)


def may_grant(actor, role: str, code: str) -> bool:
    """May ``actor`` grant (or withdraw) ``role`` at the place whose area code is ``code``?"""
    return manage_rank(actor, code) >= ROLE_RANK.get(role, 99)


def account_places(user) -> list[tuple[str, str]]:
    """(role, area code) of the account's active memberships, or of its latest one if none is."""
    active = [(m.role, m.area_code) for m in user.memberships.filter(active=True)]
    if active:
        return active
    latest = user.memberships.order_by("-created_at", "-id").values_list("role", "area_code").first()
    return [latest] if latest else []


def may_manage(actor, user) -> bool:
    """May ``actor`` reset the password of, unlock, deactivate or grant roles to ``user``?"""
    if getattr(actor, "pk", None) is not None and actor.pk == user.pk:
        return False
    if user.is_superuser and not getattr(actor, "is_superuser", False):
        return False
    if getattr(actor, "is_superuser", False):
        return True
    places = account_places(user)
    return bool(places) and all(may_grant(actor, role, code) for role, code in places)


def grantable_roles(actor, code: str) -> list[str]:
    """Roles the actor may grant at ``code``, in the order of ``Role``."""
    rank = manage_rank(actor, code)
    return [r for r in Role if ROLE_RANK[r] <= rank]
