"""Login, logout, units and staff pages."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civicgrid.core.capabilities import VIEW
from civicgrid.core.decorators import capability_required

from .actions import do_login, do_logout
from .capabilities import ACCOUNTS_MANAGE
from .forms import LoginForm
from .queries import access_unit, visible_memberships, visible_units
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


@capability_required(ACCOUNTS_MANAGE)
def staff_list(request):
    memberships = visible_memberships(request.user).exclude(role=Role.RESIDENT).order_by("area_code", "role")
    role = request.GET.get("role")
    if role:
        memberships = memberships.filter(role=role)
    page = Paginator(memberships, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/staff_list.html", {"page": page, "role": role, "roles": Role.choices})


@login_required
def profile(request):
    return render(request, "accounts/profile.html", {"memberships": request.user.active_memberships()})


def area_staff_panel(request, area) -> str:
    """The staff and units of an area, for the area page (a panel declared in ``plugin.py``)."""
    from django.template.loader import render_to_string

    return render_to_string("accounts/_area_staff.html", {
        "staff": visible_memberships(request.user).filter(area=area).order_by("role"),
        "units": visible_units(request.user).filter(area=area),
    }, request=request)
