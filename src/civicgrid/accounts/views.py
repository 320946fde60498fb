"""Login, logout, units, one's own password, and the administration of staff accounts."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from civicgrid.core.capabilities import VIEW
from civicgrid.core.decorators import capability_required
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.core.forms import add_action_error

from . import policy
from .actions import (
    do_change_own_password,
    do_create_staff,
    do_grant_membership,
    do_login,
    do_logout,
    do_reset_password,
    do_set_active,
    do_unlock_user,
    do_withdraw_membership,
)
from .capabilities import ACCOUNTS_MANAGE
from .forms import LoginForm, MembershipForm, OwnPasswordForm, StaffCreateForm
from .queries import (
    access_staff,
    access_unit,
    account_history,
    administered_staff,
    current_memberships,
    grant_places,
    locked_usernames,
    visible_memberships,
    visible_units,
)
from .roles import Role


def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        user = do_login(request, form.cleaned_data["username"], form.cleaned_data["password"])
        if user is not None:
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                target = "/"
            return redirect(target or "/")
        error = _("User name or password is wrong.")
    return render(request, "accounts/login.html", {"form": form, "error": error})


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes calls this when an address and user name are locked out."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = LoginForm(request.POST or None)
    error = _("Too many failed attempts. Try again in %(minutes)s minutes.") % {"minutes": minutes}
    return render(request, "accounts/login.html", {"form": form, "error": error}, status=429)


@require_POST
def logout_view(request):
    do_logout(request)
    return redirect("login")


@capability_required(VIEW)
def unit_list(request):
    units = visible_units(request.user).order_by("area_code", "code")
    kind = request.GET.get("kind")
    if kind:
        units = units.filter(kind=kind)
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/unit_list.html", {"page": page, "kind": kind,
                                                        "kinds": units.model.Kind.choices})


@capability_required(VIEW)
def unit_detail(request, code):
    unit = access_unit(request.user, code)
    members = visible_memberships(request.user).filter(unit=unit)
    return render(request, "accounts/unit_detail.html", {"unit": unit, "members": members})


# --- account administration (账号管理) ------------------------------------------------------------
STATES = (("active", _lazy("active")), ("inactive", _lazy("deactivated")), ("locked", _lazy("locked out")),
          ("must_change", _lazy("must change password")))


@capability_required(ACCOUNTS_MANAGE)
def staff_list(request):
    """The accounts of the administrator's jurisdiction, with their roles and state."""
    users = administered_staff(request.user).order_by("username")
    q = request.GET.get("q", "").strip()[:50]
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    role = request.GET.get("role", "")
    if role:
        users = users.filter(memberships__role=role, memberships__active=True).distinct()
    state = request.GET.get("state", "")
    if state == "active":
        users = users.filter(is_active=True)
    elif state == "inactive":
        users = users.filter(is_active=False)
    elif state == "must_change":
        users = users.filter(must_change_password=True)
    elif state == "locked":
        users = users.filter(username__in=locked_usernames(users.values_list("username", flat=True)))
    page = Paginator(users.prefetch_related(
        Prefetch("memberships", queryset=current_memberships(), to_attr="current")), 50).get_page(request.GET.get("page"))
    locked = locked_usernames(u.username for u in page)
    for u in page:
        u.locked = u.username in locked
    return render(request, "accounts/staff_list.html", {
        "page": page, "q": q, "role": role, "roles": Role.choices, "state": state, "states": STATES,
        "filters": request.GET.urlencode(),
    })


def _membership_form(request, data=None, cls=MembershipForm, **kwargs):
    user = request.user
    areas, units = grant_places(user)
    top = max((policy.manage_rank(user, code) for code in (user.scope_codes(ACCOUNTS_MANAGE) or ("",))),
              default=-1)
    grantable = [r for r in Role if policy.ROLE_RANK[r] <= top]
    return cls(data, roles=grantable, areas=areas, units=units, **kwargs)


def _place(cleaned, user):
    """The area or unit chosen on the form, among those the user may grant roles in."""
    areas, units = grant_places(user)
    area = areas.filter(pk=cleaned["area"]).first() if cleaned.get("area") else None
    unit = units.filter(pk=cleaned["unit"]).first() if cleaned.get("unit") else None
    return area, unit


def _add_error(form, exc: UserError) -> None:
    add_action_error(form, exc)


def _no_store(response):
    """A page holding a temporary password: never cached, never kept in the browser's history."""
    response["Cache-Control"] = "no-store"
    return response


@capability_required(ACCOUNTS_MANAGE)
def staff_new(request):
    form = _membership_form(request, request.POST or None, cls=StaffCreateForm)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area, unit = _place(data, request.user)
        try:
            user, password = do_create_staff(actor=request.user, username=data["username"],
                                             display_name=data["display_name"], phone=data["phone"],
                                             role=data["role"], area=area, unit=unit)
        except UserError as exc:
            if isinstance(exc, NotPermitted) and exc.field is None:
                raise PermissionDenied(exc.message)
            _add_error(form, exc)
        else:
            return _no_store(render(request, "accounts/staff_password.html", {
                "account": user, "password": password, "created": True}))
    return render(request, "accounts/staff_new.html", {"form": form})


@capability_required(ACCOUNTS_MANAGE)
def staff_detail(request, pk):
    account = access_staff(request.user, pk)
    form = _membership_form(request, prefix="grant")
    return _render_staff(request, account, form)


def _render_staff(request, account, form, status=200):
    memberships = list(account.memberships.select_related("area", "unit").order_by("-active", "area_code", "role"))
    for m in memberships:
        m.may_withdraw = m.active and policy.may_grant(request.user, m.role, m.area_code) \
            and account.pk != request.user.pk
    return render(request, "accounts/staff_detail.html", {
        "account": account, "memberships": memberships, "form": form,
        "may_manage": policy.may_manage(request.user, account),
        "locked": account.username in locked_usernames([account.username]),
        "tokens": account.api_tokens.filter(revoked=False).count(),
        "events": account_history(account)[:20],
    }, status=status)


@require_POST
@capability_required(ACCOUNTS_MANAGE)
def staff_grant(request, pk):
    account = access_staff(request.user, pk)
    form = _membership_form(request, request.POST, prefix="grant")
    if form.is_valid():
        area, unit = _place(form.cleaned_data, request.user)
        try:
            do_grant_membership(actor=request.user, user=account, role=form.cleaned_data["role"], area=area, unit=unit)
        except UserError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("The role was granted."))
            return redirect("staff_detail", pk=account.pk)
    return _render_staff(request, account, form, status=400)


@require_POST
@capability_required(ACCOUNTS_MANAGE)
def staff_action(request, pk, op):
    """One button of the account page: withdraw a role, reset the password, unlock, deactivate,
    reactivate. A refusal is a message on the page (and an audit row), nothing changes."""
    account = access_staff(request.user, pk)
    try:
        if op == "withdraw":
            membership = account.memberships.filter(pk=_int(request.POST.get("membership"))).first()
            if membership is None:
                raise UserError(_("Choose a role to withdraw."))
            do_withdraw_membership(membership, actor=request.user)
            messages.success(request, _("The role was withdrawn."))
        elif op == "reset":
            password = do_reset_password(account, actor=request.user)
            return _no_store(render(request, "accounts/staff_password.html", {
                "account": account, "password": password, "created": False}))
        elif op == "unlock":
            do_unlock_user(account, actor=request.user)
            messages.success(request, _("The account was unlocked."))
        elif op in ("deactivate", "activate"):
            do_set_active(account, actor=request.user, active=op == "activate")
            messages.success(request, _("The account was reactivated.") if op == "activate"
                             else _("The account was deactivated; its sessions and API tokens ended."))
        else:
            raise UserError(_("Unknown action."))
    except UserError as exc:
        messages.error(request, exc.message)
    return redirect("staff_detail", pk=account.pk)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@login_required
def profile(request):
    return render(request, "accounts/profile.html", {"memberships": request.user.active_memberships()})


@login_required
def password_change(request):
    """Everyone changes their own password here; an account with a temporary password is sent
    here until it has (AccountStateMiddleware)."""
    form = OwnPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_change_own_password(request.user, new_password=form.cleaned_data["new_password1"])
        except UserError as exc:
            _add_error(form, exc)
        else:
            update_session_auth_hash(request, request.user)  # this session stays; the others end
            messages.success(request, _("Your password was changed."))
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                target = ""
            return redirect(target or "home")
    return render(request, "accounts/password_change.html", {"form": form})


def area_staff_panel(request, area) -> str:
    """The staff and units of an area, for the area page (a panel declared in ``plugin.py``)."""
    from django.template.loader import render_to_string

    return render_to_string("accounts/_area_staff.html", {
        "staff": visible_memberships(request.user).filter(area=area).order_by("role"),
        "units": visible_units(request.user).filter(area=area),
    }, request=request)
