"""Jurisdiction scoping: the one restriction helper used by UI, API and exports.

Visibility is a prefix match on hierarchical area codes (district 6 + street 3 +
community 3 + grid 3 digits). A user's scope is the set of codes of their
active memberships, optionally only those whose role grants a capability.
The user model provides ``scope_codes(capability)``; ``None`` means "no limit"
(superusers, for operations staff only).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .errors import NotPermitted


def minimal_prefixes(codes) -> tuple[str, ...]:
    """Drop codes already covered by a shorter prefix in the same set."""
    result: list[str] = []
    for code in sorted(set(codes), key=lambda c: (len(c), c)):
        if not any(code.startswith(prefix) for prefix in result):
            result.append(code)
    return tuple(sorted(result))


class SystemActor:
    """The platform itself (CLI, demo generator, jobs): unlimited scope, audited as "system"."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    pk = None

    def get_username(self) -> str:
        return "system"

    def scope_codes(self, capability: str | None = None) -> None:
        return None

    def has_capability(self, capability: str) -> bool:
        return True

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def scope_codes(user, capability: str | None = None) -> tuple[str, ...] | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    return user.scope_codes(capability)


def scope_q(user, field: str = "area_code", capability: str | None = None) -> Q:
    codes = scope_codes(user, capability)
    if codes is None:
        return Q()
    if not codes:
        return Q(pk__in=[])
    q = Q()
    for code in codes:
        q |= Q(**{f"{field}__startswith": code})
    return q


def restrict(qs: QuerySet, user, field: str = "area_code", capability: str | None = None) -> QuerySet:
    """Rows of ``qs`` inside the user's jurisdiction (for ``capability`` if given)."""
    return qs.filter(scope_q(user, field, capability))


def in_scope(user, code: str | None, capability: str | None = None) -> bool:
    if code is None:
        return False
    codes = scope_codes(user, capability)
    if codes is None:
        return True
    return any(code.startswith(prefix) for prefix in codes)


def ensure_in_scope(user, code: str | None, capability: str | None = None, *, message=None) -> None:
    """Raise NotPermitted unless ``code`` lies inside the user's scope.

    Actions call this before a write and again after it, inside the same
    transaction, so that nobody can move a record out of their jurisdiction.
    """
    if not in_scope(user, code, capability):
        from django.utils.translation import gettext as _

        raise NotPermitted(message or _("This lies outside your jurisdiction."))
