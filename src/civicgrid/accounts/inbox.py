"""Accounts waiting for an administrator, in the work inbox (``core.inbox``, declared in
``plugin.py``): staff of the administrator's jurisdiction locked out after failed logins (to
unlock), and active accounts holding no post yet (to grant a role)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.plugins import InboxItem

from . import queries
from .models import Membership


def _locked_names() -> set[str]:
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(AccessAttempt.objects.filter(attempt_time__gte=since,
                                            failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
               .values_list("username", flat=True)[:1000])


def _locked(user):
    return queries.administered_staff(user).filter(is_active=True, username__in=_locked_names())


def _without_post(user):
    active = Membership.objects.filter(user_id=OuterRef("pk"), active=True)
    return queries.administered_staff(user).filter(is_active=True).exclude(Exists(active))


def _item(account, detail: str) -> InboxItem:
    return InboxItem(kind="accounts.account", title=f"{account} ({account.username})",
                     url=reverse("staff_detail", args=[account.pk]), arrived_at=account.date_joined,
                     detail=detail)


def account_items(user, limit):
    out = [_item(a, _("locked after failed logins: unlock")) for a in _locked(user).order_by("username")[:limit]]
    out += [_item(a, _("holds no post: grant a role or deactivate"))
            for a in _without_post(user).order_by("date_joined")[:max(0, limit - len(out))]]
    return out


def account_count(user):
    return _locked(user).count() + _without_post(user).count()
