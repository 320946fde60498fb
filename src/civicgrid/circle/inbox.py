"""The provider work of the service circle in the work inbox (``core.inbox``, declared in
``plugin.py``): applications waiting for the residents' council's decision, the agreement or
publication (``circle.providers``), and rectification notices running to their deadline
(``circle.supervise``)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import inbox, periods
from civicgrid.core.plugins import InboxItem
from civicgrid.core.scoping import restrict

from .capabilities import CIRCLE_PROVIDERS, CIRCLE_SUPERVISE
from .models import Provider, ProviderEvent

S = Provider.Status
PENDING = (S.APPLIED, S.APPROVED, S.SIGNED)  # the council decides, then sign, then publish
RECTIFY_WARN_DAYS = 3  # a rectification is "due soon" in its last three days


def _pending(user):
    return restrict(Provider.objects.filter(status__in=PENDING), user, capability=CIRCLE_PROVIDERS) \
        .order_by("created_at", "pk")


def _next_step(p: Provider) -> str:
    return {S.APPLIED: _("waiting for the residents' council"), S.APPROVED: _("agreement to sign"),
            S.SIGNED: _("to publish for residents")}.get(p.status, p.get_status_display())


def application_items(user, limit):
    return [InboxItem(kind="circle.application", title=p.name, url=reverse("circle:provider", args=[p.pk]),
                      area_code=p.area_code, arrived_at=p.created_at, detail=str(_next_step(p)))
            for p in _pending(user)[:limit]]


def application_count(user):
    return _pending(user).count()


def _done(user, period, capability_kinds) -> int:
    return (ProviderEvent.objects.filter(actor_id=user.pk, kind__in=capability_kinds, at__gte=period.start,
                                         at__lt=period.end).count())


def application_summary(user, period):
    K = ProviderEvent.Kind
    return {"open": application_count(user), "warn": 0, "overdue": 0,
            "done": _done(user, period, [K.APPROVE, K.REJECT, K.SIGN, K.PUBLISH])}


def _rectifying(user):
    return restrict(Provider.objects.filter(status=S.RECTIFYING), user, capability=CIRCLE_SUPERVISE) \
        .order_by("rectify_by", "pk")


def _rectify_due(p: Provider) -> dt.datetime | None:
    return periods.midnight(p.rectify_by + dt.timedelta(days=1)) if p.rectify_by else None


def _rectify_state(due: dt.datetime | None, now: dt.datetime) -> str:
    if due is None:
        return ""
    if now >= due:
        return "overdue"
    return "warn" if due - now <= dt.timedelta(days=RECTIFY_WARN_DAYS) else ""


def rectify_items(user, limit):
    now = timezone.now()
    out = []
    for p in _rectifying(user)[:limit]:
        due = _rectify_due(p)
        out.append(InboxItem(kind="circle.rectify", title=p.name, url=reverse("circle:provider", args=[p.pk]),
                             area_code=p.area_code, arrived_at=p.updated_at, due_at=due,
                             state=_rectify_state(due, now),
                             detail=_("rectify by %(day)s") % {"day": p.rectify_by} if p.rectify_by else ""))
    return inbox.ordered(out)


def rectify_count(user):
    return _rectifying(user).count()


def rectify_summary(user, period):
    now = timezone.now()
    states = [_rectify_state(_rectify_due(p), now) for p in _rectifying(user)[:2000]]
    K = ProviderEvent.Kind
    return {"open": len(states), "warn": states.count("warn"), "overdue": states.count("overdue"),
            "done": _done(user, period, [K.RECTIFIED, K.REVOKE, K.REVIEW])}
