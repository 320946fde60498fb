"""Who is told when a case comes to them (``core.notify``): the step that leaves a case waiting
for someone names them — the tier's registrars for a new report, its dispatchers for a registered
case, the lead unit's handlers for a dispatched (or reworked) case and for deadline warnings, the
supervisors of the place for on-site tasks, the tier's approvers and the hotline for replies and
callbacks and extension requests. Called inside the step's transaction; written after commit."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from civicgrid.accounts.models import OrgUnit
from civicgrid.accounts.queries import holders
from civicgrid.core.notify import notify

from .capabilities import (
    CASES_DISPATCH,
    CASES_EXTEND,
    CASES_HANDLE,
    CASES_INTAKE,
    CASES_REGISTER,
    CASES_VERIFY,
)
from .models import Case, CaseTask, Extension


def unit_handlers(unit: OrgUnit | None) -> list[int]:
    """The handlers of a unit: its own members, and for a community committee or street office the
    posts of its area that handle cases (``rules.handler_units`` the other way round)."""
    if unit is None:
        return []
    ids = set(holders(CASES_HANDLE, unit_ids=[unit.pk]))
    if unit.kind in (OrgUnit.Kind.COMMUNITY_COMMITTEE, OrgUnit.Kind.STREET_OFFICE):
        ids |= set(holders(CASES_HANDLE, unit.area_code, exact=True))
    return sorted(ids)


def _tell(users, kind: str, title: str, case: Case, detail: str, actor) -> None:
    notify(users, kind=kind, title=f"{title}：{case.number} {case.title}", detail=detail,
           url=reverse("cases:case", args=[case.pk]), actor=actor)


def handed(case: Case, *, actor) -> None:
    """After a step: tell whoever the case now waits for."""
    with translation.override(settings.LANGUAGE_CODE):
        detail = f"{case.cls.name} · {case.address or ''}".strip(" ·")
        if case.status == Case.Status.REPORTED:
            _tell(holders(CASES_REGISTER, case.tier_code, exact=True), "cases.register", _("New report to register"),
                  case, detail, actor)
        elif case.status == Case.Status.REGISTERED:
            _tell(holders(CASES_DISPATCH, case.tier_code, exact=True), "cases.dispatch", _("Case to dispatch"),
                  case, detail, actor)
        elif case.status == Case.Status.DISPATCHED:
            _tell(unit_handlers(case.lead_unit), "cases.handle", _("Case sent to your unit"), case, detail, actor)
        elif case.status == Case.Status.HANDLING and case.rework_count:
            _tell(unit_handlers(case.lead_unit), "cases.rework", _("Case sent back for rework"), case, detail, actor)


def task_opened(task: CaseTask, *, actor=None) -> None:
    case = task.case
    with translation.override(settings.LANGUAGE_CODE):
        if task.kind in (CaseTask.Kind.CONFIRM, CaseTask.Kind.CHECK):
            users = holders(CASES_VERIFY, task.area_code)
        else:
            users = set(holders(CASES_EXTEND, case.tier_code, exact=True)) | set(holders(CASES_INTAKE, case.area_code))
        _tell(users, f"cases.{task.kind}", str(task.get_kind_display()), case,
              _("due %(when)s") % {"when": _local(task.due_at)}, actor)


def extension_asked(ext: Extension, *, actor) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        _tell(holders(CASES_EXTEND, ext.case.tier_code, exact=True), "cases.extension",
              _("Extension request to decide"), ext.case,
              _("%(unit)s asks %(hours)s working hours more") % {"unit": ext.unit.name, "hours": ext.work_hours},
              actor)


def deadline(case: Case, *, overdue: bool, actor=None) -> None:
    """The warning job: the lead unit is told its deadline is near, or passed (and the tier's
    dispatchers of an overdue case, who supervise it)."""
    with translation.override(settings.LANGUAGE_CODE):
        detail = _("deadline %(when)s") % {"when": _local(case.deadline)}
        if overdue:
            users = set(unit_handlers(case.lead_unit)) | set(holders(CASES_DISPATCH, case.tier_code, exact=True))
            _tell(users, "cases.overdue", _("Case overdue"), case, detail, actor)
        else:
            _tell(unit_handlers(case.lead_unit), "cases.warn", _("Deadline near"), case, detail, actor)


def _local(when) -> str:
    from django.utils import timezone

    return timezone.localtime(when).strftime("%m-%d %H:%M") if when else ""
