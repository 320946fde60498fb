"""The notifications list (站内通知): each user's own, newest first, unread marked; opening one marks
it read and goes to the work; "mark all read". The API under /api/notifications/."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from ninja import Query, Router, Schema

from civicgrid.core.notify import access_notification, do_mark_read, unread_count, visible_notifications
from civicgrid.core.paging import Page, page

PER_PAGE = 50


@login_required
def notification_list(request):
    qs = visible_notifications(request.user)
    if request.GET.get("unread") == "1":
        qs = qs.filter(read_at__isnull=True)
    paginator = Paginator(qs, PER_PAGE)
    current = paginator.get_page(request.GET.get("page"))
    return render(request, "web/notifications.html", {"page": current, "unread_only": request.GET.get("unread") == "1",
                                                      "unread": unread_count(request.user)})


@login_required
def notification_open(request, pk):
    found = access_notification(request.user, pk)
    do_mark_read(request.user, found)
    if found.url and url_has_allowed_host_and_scheme(found.url, allowed_hosts={request.get_host()}):
        return redirect(found.url)
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request):
    do_mark_read(request.user)
    return redirect("notifications")


urlpatterns = [
    path("", notification_list, name="notifications"),
    path("<int:pk>/", notification_open, name="notification_open"),
    path("read-all/", notification_read_all, name="notifications_read_all"),
]

# --- API --------------------------------------------------------------------------------------------
router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    detail: str
    url: str
    created_at: object
    read_at: object | None = None


class Unread(Schema):
    unread: int


class Marked(Schema):
    marked: int


@router.get("/", response=list[NotificationOut], summary="The caller's notifications, newest first")
def api_list(request, paging: Query[Page], unread: bool = False):
    qs = visible_notifications(request.user)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return list(page(qs, paging))


@router.get("/unread", response=Unread, summary="How many of the caller's notifications are unread")
def api_unread(request):
    return {"unread": unread_count(request.user)}


@router.post("/{int:pk}/read", response=Marked, summary="Mark one of the caller's notifications read")
def api_read(request, pk: int):
    return {"marked": do_mark_read(request.user, access_notification(request.user, pk))}


@router.post("/read", response=Marked, summary="Mark all the caller's notifications read")
def api_read_all(request):
    return {"marked": do_mark_read(request.user)}
