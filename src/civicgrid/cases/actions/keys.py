"""Open311 API keys: issued for an area of the administrator's jurisdiction, stored as hashes."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.areas.models import Area
from civicgrid.core import audit
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.core.history import actor_row
from civicgrid.core.keys import key_hash, touch_last_used
from civicgrid.core.scoping import in_scope

from ..capabilities import CASES_MANAGE
from ..models import Open311Key
from ..rules import is_unlimited
from .common import text


def do_issue_open311_key(*, actor, name: str, area_code: str = "") -> tuple[Open311Key, str]:
    """A new Open311 API key; the key itself is returned once and only its hash is stored.

    ``area_code`` limits the requests it may file to positions inside that area (a district or a
    street). An administrator issues keys for areas of their jurisdiction only — by default the
    one area they manage; a key for anywhere ("") needs unlimited scope (a superuser, the command)."""
    name = text(name, "name", required=True, limit=100, multiline=False)
    area_code = (area_code or "").strip()
    if actor is not None and not is_unlimited(actor) and not actor.has_capability(CASES_MANAGE):
        raise NotPermitted(_("Only an administrator can issue Open311 keys."))
    codes = None if actor is None else actor.scope_codes(CASES_MANAGE)
    if not area_code and codes is not None:
        if len(codes) != 1:
            raise UserError(_("Area: choose the area the key's requests may lie in."), field="area")
        area_code = codes[0]
    if area_code and not Area.objects.filter(code=area_code).exists():
        raise UserError(_("Area: no area has the code %(code)s.") % {"code": area_code}, field="area")
    if not may_manage_open311_key(actor, Open311Key(area_code=area_code)):
        raise NotPermitted(_("You can issue keys only for areas of your jurisdiction."))
    key = "o311_" + secrets.token_urlsafe(24)
    with transaction.atomic():
        row = Open311Key.objects.create(name=name, prefix=key[5:13], key_hash=key_hash(key),
                                        created_by=actor_row(actor), area_code=area_code)
        audit.record("cases.open311.issue_key", actor=actor, obj=row, area_code=area_code,
                     detail={"area": area_code or "*"})
    return row, key


def may_manage_open311_key(actor, row: Open311Key) -> bool:
    """Administrators manage the keys of their jurisdiction; keys for anywhere need unlimited scope."""
    return actor is None or is_unlimited(actor) or in_scope(actor, row.area_code, CASES_MANAGE)


def do_revoke_open311_key(row: Open311Key, *, actor) -> None:
    if not may_manage_open311_key(actor, row):
        raise NotPermitted(_("Only an administrator can revoke Open311 keys."))
    with transaction.atomic():
        Open311Key.objects.filter(pk=row.pk).update(active=False)
        audit.record("cases.open311.revoke_key", actor=actor, obj=row, area_code=row.area_code)


def touch_open311_key(row: Open311Key, *, min_interval: int = 0) -> None:
    """Record the key's last use (not audited; written at most once per ``min_interval`` seconds)."""
    touch_last_used(row, min_interval=min_interval)


