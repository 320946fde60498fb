"""Account changes and logins, each with its audit row."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.areas.models import Area, scope_code
from civicgrid.core import audit
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.keys import touch_last_used
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import ensure_in_scope

from .capabilities import ACCOUNTS_MANAGE
from .models import ApiToken, Membership, OrgUnit, User
from .policy import ROLE_RANK, may_grant, may_manage
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
                   display_name: str = "", phone: str = "", must_change_password: bool = False) -> User:
    """Create an account. ``password_hash`` lets bulk generators hash once for many users."""
    with transaction.atomic():
        user = User(username=username, display_name=display_name, phone=phone,
                    must_change_password=must_change_password)
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
    if actor is not None and (unit is not None or area is not None) and role in ROLE_RANK:
        # Checked before the transaction too, so that the refusal's audit row is kept.
        _ensure_may_grant(actor, role, unit.area_code if unit else area.code)
        if actor.pk is not None and actor.pk == user.pk:
            raise NotPermitted(_("You cannot grant yourself a role."))
    with transaction.atomic():
        membership = Membership(user=user, role=role, area=area, unit=unit)
        _clean(membership)
        if actor is not None:
            code = unit.area_code if unit else area.code
            ensure_in_scope(actor, code, ACCOUNTS_MANAGE)
            _ensure_may_grant(actor, role, code)
            if Membership.objects.filter(user=user, role=role, area=area, unit=unit, active=True).exists():
                raise Conflict(_("%(user)s already holds this role here.") % {"user": user}, field="role")
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
        membership = Membership(user=user, role=role, area=area, area_code=scope_code(area.code))
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


# --- account administration (账号管理): see policy.py for who may do what to whom ------------------
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/l/I


def temporary_password() -> str:
    """A password to read out or hand over once (4-4-4 from an unambiguous alphabet, ~70 bits);
    it opens only the page that replaces it."""
    import secrets

    chars = [secrets.choice(TEMPORARY_ALPHABET) for _i in range(12)]
    return "-".join("".join(chars[i:i + 4]) for i in (0, 4, 8))


def _ensure_may_grant(actor, role: str, code: str) -> None:
    if not may_grant(actor, role, code):
        audit.record("access.denied", actor=actor, object_type="accounts.membership", object_repr=role,
                     area_code=code, outcome=AuditLog.Outcome.DENIED, detail={"role": role})
        raise NotPermitted(_("You may not grant this role here: it is above your own or outside your "
                             "jurisdiction."), field="role")


def _ensure_may_manage(actor, user: User) -> None:
    if not may_manage(actor, user):
        audit.record("access.denied", actor=actor, obj=user, outcome=AuditLog.Outcome.DENIED)
        raise NotPermitted(_("This account is outside what you administer."))


def _lock_user(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def do_create_staff(*, actor, username: str, display_name: str, phone: str = "", role: str,
                    area: Area | None = None, unit: OrgUnit | None = None) -> tuple[User, str]:
    """Create a staff account with its first role, in one transaction. Returns the user and a
    temporary password (shown once, never stored in clear); the user must change it at first login."""
    username = (username or "").strip()
    if not username:
        raise UserError(_("Enter a user name."), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("The user name %(u)s is taken.") % {"u": username}, field="username")
    if actor is not None and (unit is not None or area is not None):
        _ensure_may_grant(actor, role, unit.area_code if unit else area.code)
    password = temporary_password()
    with transaction.atomic():
        user = do_create_user(actor=actor, username=username, password=password, display_name=display_name.strip(),
                              phone=phone.strip(), must_change_password=True)
        do_grant_membership(actor=actor, user=user, role=role, area=area, unit=unit)
    return user, password


def do_withdraw_membership(membership: Membership, *, actor) -> Membership:
    """End a membership (the row stays, inactive, as history); the user's API tokens and cached
    memberships see the change at once."""
    if actor is not None:
        _ensure_may_grant(actor, membership.role, membership.area_code)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if actor is not None:
            if actor.pk is not None and actor.pk == locked.user_id:
                raise NotPermitted(_("You cannot withdraw your own role."))
            ensure_in_scope(actor, locked.area_code, ACCOUNTS_MANAGE)
            _ensure_may_grant(actor, locked.role, locked.area_code)
        if not locked.active:
            raise Conflict(_("This role was already withdrawn."))
        locked.active = False
        locked.save(update_fields=["active"])
        audit.record("accounts.membership.withdraw", actor=actor, obj=locked,
                     detail={"user": locked.user.username, "role": locked.role})
        _forget_tokens_now_and_at_commit()
    locked.user.forget_memberships()
    return locked


def do_reset_password(user: User, *, actor) -> str:
    """Give the account a temporary password (returned once) that must be changed at the next
    login. Its open sessions end: Django ties a session to the password hash."""
    _ensure_may_manage(actor, user)  # before the transaction: a refusal's audit row is kept
    with transaction.atomic():
        locked = _lock_user(user)
        _ensure_may_manage(actor, locked)
        password = temporary_password()
        locked.set_password(password)
        locked.must_change_password = True
        locked.save(update_fields=["password", "must_change_password"])
        audit.record("accounts.user.reset_password", actor=actor, obj=locked, area_code=_primary_code(locked))
    return password


def do_unlock_user(user: User, *, actor) -> int:
    """Clear the failed logins that locked the account out (django-axes); returns how many
    records were removed."""
    from axes.utils import reset

    _ensure_may_manage(actor, user)  # before the transaction: a refusal's audit row is kept
    with transaction.atomic():
        locked = _lock_user(user)
        _ensure_may_manage(actor, locked)
        removed = reset(username=locked.username)
        audit.record("accounts.user.unlock", actor=actor, obj=locked, area_code=_primary_code(locked),
                     detail={"attempts": removed})
    return removed


def do_set_active(user: User, *, actor, active: bool) -> User:
    """Deactivate (or reactivate) an account. Deactivation ends it at once: open sessions are
    refused on their next request (AccountStateMiddleware, and Django's backend for inactive
    users) and every API token is revoked — a reactivated account gets new ones."""
    _ensure_may_manage(actor, user)  # before the transaction: a refusal's audit row is kept
    with transaction.atomic():
        locked = _lock_user(user)
        _ensure_may_manage(actor, locked)
        if locked.is_active == active:
            raise Conflict(_("The account is already active.") if active else
                           _("The account is already deactivated."))
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        revoked = 0
        if not active:
            revoked = ApiToken.objects.filter(user=locked, revoked=False).update(revoked=True)
        audit.record("accounts.user.activate" if active else "accounts.user.deactivate", actor=actor, obj=locked,
                     area_code=_primary_code(locked), detail={"tokens_revoked": revoked})
        _forget_tokens_now_and_at_commit()
    return locked


def do_change_own_password(user: User, *, new_password: str) -> User:
    """The user sets their own password (already checked by Django's validators in the form)."""
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise UserError(" ".join(exc.messages), field="new_password1")
    with transaction.atomic():
        locked = _lock_user(user)
        locked.set_password(new_password)
        locked.must_change_password = False
        locked.save(update_fields=["password", "must_change_password"])
        audit.record("accounts.user.change_password", actor=locked, obj=locked, area_code=_primary_code(locked))
    user.password, user.must_change_password = locked.password, False
    return user
