"""The home page: a summary of the user's jurisdiction."""

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from civicgrid.accounts.queries import visible_units
from civicgrid.areas.queries import visible_areas, visible_roots


@login_required
def home(request):
    areas = visible_areas(request.user)
    counts = dict(areas.values_list("level").annotate(n=Count("id")))
    return render(
        request,
        "web/home.html",
        {
            "counts": counts,
            "roots": visible_roots(request.user),
            "units": visible_units(request.user).count(),
            "memberships": request.user.active_memberships(),
        },
    )


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico on every site whatever the page links; answer with the
    project's own icon (a static file) instead of a 404 in every log."""
    path = finders.find("civicgrid/favicon.ico")
    if path is None:
        raise Http404
    return FileResponse(open(path, "rb"), content_type="image/x-icon")
