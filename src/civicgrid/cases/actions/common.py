"""What the case actions share: field labels and text checks, photos, tasks, the deadline clock."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import NotPermitted
from civicgrid.core.history import actor_row
from civicgrid.core.linked_insert import FromParent
from civicgrid.core.text import clean_text

from .. import sla
from ..models import Attachment, Case, CaseTask
from ..photos import Photo
from ..rules import CASE_FLOW

PHONE_CONTEXT = "cases.case.reporter_phone"
TITLE_MAX, DESCRIPTION_MAX, NOTE_MAX = 100, 2000, 1000
# An audit row's label of a case (``str(case)``, at most 200 characters), also in SQL over the
# case's columns for rows written in the same statement as the case (tests compare the two).
CASE_REPR = FromParent("left(number || ' ' || title, 200)", lambda case: str(case)[:200])
BAD_RATINGS = {4, 5}  # 不满意、非常不满意 → a callback task

# Labels of the fields the actions check, for messages in the user's language.
LABELS = {
    "title": _("title"), "description": _("description"), "address": _("address"), "reporter_name": _("reporter"),
    "reporter_phone": _("reporter's phone"), "note": _("note"), "reason": _("reason"), "result": _("result"),
    "work_hours": _("working hours asked"), "rating": _("rating"), "name": _("name"),
}


def text(value, field: str, *, required: bool, limit: int, multiline: bool = True) -> str:
    """``core.text.clean_text`` with the field's label."""
    return clean_text(value, field=field, label=LABELS.get(field, field), required=required, limit=limit,
                      multiline=multiline)


def require(ok: bool, message=None) -> None:
    if not ok:
        from django.utils.translation import gettext

        raise NotPermitted(message or gettext("Your role does not allow this step for this case."))


def lock(case: Case, expected_version: int | None = None) -> Case:
    return CASE_FLOW.lock(case, expected_version)


def attach(case: Case, photos: list[Photo], stage: str) -> None:
    Attachment.objects.bulk_create([
        Attachment(case=case, stage=stage, content_type=p.content_type, size=len(p.data), sha256=p.sha256,
                   data=p.data, public_data=p.public_data, exif_lon=p.exif_lon, exif_lat=p.exif_lat,
                   width=p.width, height=p.height, area_code=case.area_code)
        for p in photos
    ])


def close_tasks(case: Case, kind: str, *, actor, outcome: str, now: dt.datetime, note: str = "") -> None:
    CaseTask.objects.filter(case=case, kind=kind, outcome="").update(
        outcome=outcome, done_at=now, done_by=actor_row(actor), note=note[:500])


def open_task(case: Case, kind: str, step: str, now: dt.datetime) -> CaseTask:
    from ..notices import task_opened

    task = CaseTask.objects.create(case=case, kind=kind, area_code=case.area_code, created_at=now,
                                   due_at=sla.step_due(step, now))
    task_opened(task)  # the supervisors of the place, or the hotline (after commit)
    return task
