"""The home page: the user's work inbox (``core.inbox``: every app's queues the user holds), their
work dashboard, and a summary of their jurisdiction."""

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control

from civicgrid.accounts.queries import team_of, visible_units
from civicgrid.areas.queries import visible_areas, visible_roots
from civicgrid.core import inbox, periods
from civicgrid.core.capabilities import VIEW


@login_required
def home(request):
    user = request.user
    now = timezone.now()
    week = periods.current("week", now)
    sections = inbox.sections(user, now=now, period=week)
    staff = user.has_capability(VIEW)
    ctx = {
        "sections": sections,
        "busy": [s for s in sections if s.count or s.failed],
        "quiet": [s for s in sections if not (s.count or s.failed)],
        "dashboard": inbox.dashboard(sections, week),
        "urgent": inbox.urgent(sections),
        "memberships": user.active_memberships(),
        "staff": staff,
    }
    team = []
    for member in team_of(user):  # a grid head sees their grid's workers and what waits for each
        found = inbox.sections(member, limit=0, now=now, period=week)
        team.append({"user": member, "posts": member.active_memberships(),
                     "queues": [s for s in found if s.count], "overdue": sum(s.overdue for s in found if s.queue.own),
                     "done": inbox.dashboard(found, week).done})
    ctx["team"] = team
    if staff:  # residents have no jurisdiction to count
        areas = visible_areas(user)
        ctx.update(counts=dict(areas.values_list("level").annotate(n=Count("id"))), roots=visible_roots(user),
                   units=visible_units(user).count())
    return render(request, "web/home.html", ctx)


@cache_control(max_age=86400, public=True)
def favicon(request):
    """Browsers ask for /favicon.ico on every site whatever the page links; answer with the
    project's own icon (a static file) instead of a 404 in every log."""
    path = finders.find("civicgrid/favicon.ico")
    if path is None:
        raise Http404
    return FileResponse(open(path, "rb"), content_type="image/x-icon")
