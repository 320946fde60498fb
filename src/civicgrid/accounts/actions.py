"""Account changes and logins, each with its audit row."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.areas.models import Area
from civicgrid.core import audit
from civicgrid.core.errors import UserError
from civicgrid.core.keys import touch_last_used
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import ensure_in_scope

from .capabilities import ACCOUNTS_MANAGE
from .models import ApiToken, Membership, OrgUnit, User
from .queries import forget_tokens


def do_login(request, username: str, password: str) -> User | None:
    """Authenticate and start a session; every attempt is audited. Returns None on failure."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        locked = bool(getattr(request, "axes_locked_out", False))
        audit.record(
            "auth.login",
            actor_name=username[:150],
            object_type="accounts.user",
            object_repr=username[:200],
            outcome=AuditLog.Outcome.LOCKED if locked else AuditLog.Outcome.FAILED,
        )
        return None
    login(request, user)
    audit.record("auth.login", actor=user, obj=user, area_code=_primary_code(user))
    return user


def do_logout(request) -> None:
    user = request.user
    if user.is_authenticated:
        audit.record("auth.logout", actor=user, obj=user, area_code=_primary_code(user))
    logout(request)


def _primary_code(user) -> str:
    memberships = user.active_memberships()
    return memberships[0].area_code if memberships else ""


def do_create_unit(*, actor, code: str, name: str, kind: str, area: Area, department: str = "",
                   parent: OrgUnit | None = None) -> OrgUnit:
    with transaction.atomic():
        if actor is not None:
            ensure_in_scope(actor, area.code, ACCOUNTS_MANAGE)
        unit = OrgUnit(code=code, name=name, kind=kind, area=area, department=department, parent=parent)
        _clean(unit)
        unit.save()
        audit.record("accounts.unit.create", actor=actor, obj=unit)
    return unit


def do_create_user(*, actor, username: str, password: str | None = None, password_hash: str | None = None,
                   display_name: str = "", phone: str = "") -> User:
    """Create an account. ``password_hash`` lets bulk generators hash once for many users."""
    with transaction.atomic():
        user = User(username=username, display_name=display_name, phone=phone)
        if password_hash:
            user.password = password_hash
        elif password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        _clean(user, exclude=["password"])
        user.save()
        audit.record("accounts.user.create", actor=actor, obj=user)
    return user


def do_grant_membership(*, actor, user: User, role: str, area: Area | None = None,
                        unit: OrgUnit | None = None) -> Membership:
    with transaction.atomic():
        membership = Membership(user=user, role=role, area=area, unit=unit)
        _clean(membership)
        if actor is not None:
            ensure_in_scope(actor, (unit.area_code if unit else area.code), ACCOUNTS_MANAGE)
        membership.save()
        audit.record("accounts.membership.grant", actor=actor, obj=membership,
                     detail={"user": user.username, "role": role})
        _forget_tokens_now_and_at_commit()
    user.forget_memberships()
    return membership


def do_bulk_create_staff(rows: list[tuple[str, str, str, str, Area]], *, actor, password_hash: str,
                         area_code: str = "") -> int:
    """Many staff accounts at once, each with one membership: rows of (username, display name,
    role, area). The same rules as ``do_create_user`` and ``do_grant_membership`` (the role bound
    to an area of its level, inside the actor's jurisdiction), one transaction, one audit row. For
    generators (the demo district) that create thousands."""
    users, memberships = [], []
    for username, display_name, role, area in rows:
        user = User(username=username, display_name=display_name, password=password_hash)
        _clean(user, exclude=["password"])
        membership = Membership(user=user, role=role, area=area, area_code=area.code)
        _clean(membership, exclude=["user"])
        if actor is not None:
            ensure_in_scope(actor, area.code, ACCOUNTS_MANAGE)
        users.append(user)
        memberships.append(membership)
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=2000)
        created = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}
        for membership in memberships:
            membership.user = created[membership.user.username]
        Membership.objects.bulk_create(memberships, batch_size=2000)
        audit.record("accounts.staff.bulk_create", actor=actor, object_type="accounts.user", area_code=area_code,
                     detail={"count": len(users)})
        _forget_tokens_now_and_at_commit()
    return len(users)


def _forget_tokens_now_and_at_commit() -> None:
    # Now, for this request; at commit again, in case another thread read the old rows meanwhile.
    forget_tokens()
    transaction.on_commit(forget_tokens)


def do_issue_token(*, actor, user: User, name: str) -> tuple[ApiToken, str]:
    """Create an API token; the clear key is returned once and never stored."""
    if not name.strip():
        raise UserError(_("name: a token needs a name."), field="name")
    key = ApiToken.new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name.strip()[:100], prefix=key[3:11], key_hash=ApiToken.hash(key))
        audit.record("accounts.token.issue", actor=actor, obj=token, detail={"user": user.username})
    return token, key


def do_revoke_token(token: ApiToken, *, actor) -> None:
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(revoked=True)
        audit.record("accounts.token.revoke", actor=actor, obj=token)
        _forget_tokens_now_and_at_commit()


TOKEN_TOUCH_SECONDS = 60


def touch_token(token: ApiToken) -> None:
    """Record the token's last use (not audited: every API call would write twice), at most once a
    minute: a busy client's every request would otherwise queue on the same row."""
    touch_last_used(token, min_interval=TOKEN_TOUCH_SECONDS)


def _clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise UserError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()))
