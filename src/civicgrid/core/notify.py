"""In-app notifications (站内通知): told when work arrives or a deadline is near.

An action that hands work to someone calls ``notify(users, kind=…, title=…, url=…)`` inside its
transaction; the rows are written after the commit (``transaction.on_commit``), so a refused or
rolled-back step tells nobody. The actor is never told of their own step. When
``CIVICGRID_NOTIFY_EMAIL`` is on and a recipient has an e-mail address, a short mail goes too (after
the commit, failures logged, never raised). Who should hear of a step is the app's to say (for
instance ``accounts.queries.holders``); each user reads, counts and marks only their own.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Notification

log = logging.getLogger(__name__)
LIST_LIMIT = 200


def _ids(users) -> set[int]:
    out = set()
    for u in users or ():
        pk = getattr(u, "pk", u)
        if isinstance(pk, int) and pk > 0:
            out.add(pk)
    return out


def notify(users: Iterable, *, kind: str, title: str, url: str = "", detail: str = "", actor=None) -> None:
    """Tell ``users`` (users or ids) after the current transaction commits; not the ``actor``."""
    ids = _ids(users) - _ids([actor] if actor is not None else [])
    if not ids:
        return
    title, detail, url, kind = str(title)[:200], str(detail)[:300], str(url)[:300], str(kind)[:50]

    def write():
        now = timezone.now()
        Notification.objects.bulk_create([Notification(user_id=i, kind=kind, title=title, detail=detail, url=url,
                                                       created_at=now) for i in sorted(ids)])
        if getattr(settings, "CIVICGRID_NOTIFY_EMAIL", False):
            _mail(ids, title, detail, url)

    transaction.on_commit(write)


def _mail(ids: set[int], title: str, detail: str, url: str) -> None:
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mass_mail

    sender = getattr(settings, "DEFAULT_FROM_EMAIL", None)
    base = getattr(settings, "CIVICGRID_SITE_URL", "").rstrip("/")
    emails = get_user_model().objects.filter(pk__in=ids, is_active=True).exclude(email="") \
        .values_list("email", flat=True)
    body = "\n".join(x for x in (detail, f"{base}{url}" if url else "") if x)
    try:
        send_mass_mail([(title, body, sender, [e]) for e in emails], fail_silently=False)
    except Exception:  # the notification is stored; a mail server down must not break the step
        log.exception("notification mail failed")


# --- reads: the user's own only ----------------------------------------------------------------------
def visible_notifications(user) -> QuerySet[Notification]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk)


def unread_count(user) -> int:
    return visible_notifications(user).filter(read_at__isnull=True).count()


def access_notification(user, pk) -> Notification:
    """One of the user's own notifications; 404 for another's as for a missing one."""
    from django.http import Http404

    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404
    found = visible_notifications(user).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if found is None:
        raise Http404
    return found


# --- actions -------------------------------------------------------------------------------------------
def do_mark_read(user, notification: Notification | None = None) -> int:
    """Mark one of the user's notifications read, or all of them (``notification`` None)."""
    qs = visible_notifications(user).filter(read_at__isnull=True)
    if notification is not None:
        if notification.user_id != user.pk:
            return 0
        qs = qs.filter(pk=notification.pk)
    return qs.update(read_at=timezone.now())


def do_settle(*, keep_urls) -> int:
    """Mark read every unread notification except those about ``keep_urls`` — for a simulated
    history (the demo's weeks of cases), where people were told of work long since done."""
    return Notification.objects.filter(read_at__isnull=True).exclude(url__in=list(keep_urls)) \
        .update(read_at=timezone.now())
