"""The home page: a summary of the user's jurisdiction."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import render

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
