"""Special-group records (特殊人群): encrypted, read only by granted roles (each read audited)."""

from __future__ import annotations

import datetime as dt
import json

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import audit, crypto
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import ensure_in_scope
from civicgrid.registry.capabilities import REGISTRY_SPECIAL

from ..models import (
    Person,
    SpecialGroupRecord,
)
from ..people import SPECIAL_CONTEXT, seal_special_record
from .common import (
    lock,
)


# --- special groups -------------------------------------------------------------------------------
def do_add_special_record(person: Person, *, actor, group: str, note: str = "", since: dt.date | None = None,
                          officer: str = "") -> SpecialGroupRecord:
    if group not in SpecialGroupRecord.Group.values:
        raise UserError(_("group must be one of: %(values)s.") % {
            "values": "、".join(str(g.label) for g in SpecialGroupRecord.Group)}, field="group")
    if len(note) > 1000:
        raise UserError(_("%(field)s has at most %(n)s characters.") % {"field": "note", "n": 1000}, field="note")
    with transaction.atomic():
        locked = lock(person)
        ensure_in_scope(actor, locked.area_code, REGISTRY_SPECIAL)
        record = SpecialGroupRecord.objects.create(
            person=locked, area_code=locked.area_code,
            **seal_special_record(group, note=note, since=since, officer=officer),
        )
        # The audit row names the person and the record, never the group.
        audit.record("registry.special.add", actor=actor, object_type="registry.specialgrouprecord",
                     object_id=str(record.pk), area_code=locked.area_code, detail={"person": locked.pk})
    return record


def do_close_special_record(record: SpecialGroupRecord, *, actor, note: str = "") -> SpecialGroupRecord:
    with transaction.atomic():
        locked = lock(record)
        ensure_in_scope(actor, locked.area_code, REGISTRY_SPECIAL)
        payload = json.loads(crypto.decrypt(locked.payload_enc, context=SPECIAL_CONTEXT))
        payload["until"] = timezone.localdate().isoformat()
        payload["closing_note"] = note
        locked.payload_enc = crypto.encrypt(json.dumps(payload, ensure_ascii=False), context=SPECIAL_CONTEXT)
        locked.active = False
        locked.save()
        audit.record("registry.special.close", actor=actor, object_type="registry.specialgrouprecord",
                     object_id=str(locked.pk), area_code=locked.area_code, detail={"person": locked.person_id})
    return locked


