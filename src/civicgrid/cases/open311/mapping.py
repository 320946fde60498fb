"""What a GeoReport v2 client sees of the platform: services (classes), their attributes, requests (cases)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import queries, sla
from ..models import Case, CaseClass
from .spec import (
    MEDIA_MARK,
    Open311Error,
    _w3,
)


# --- what a client sees ------------------------------------------------------------------------------
def service_notice(cls: CaseClass) -> str:
    notice = _("Time limit: %(limit)s.") % {"limit": cls.limit_label()}
    return f"{notice} {cls.standard}".strip()


def service_dict(cls: CaseClass) -> dict:
    return {
        "service_code": cls.code,
        "service_name": cls.name,
        "description": service_notice(cls),
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(cls.keywords.split()),
        "group": cls.major,
    }


def attributes_of(cls: CaseClass) -> list[dict]:
    """The attributes of a service definition (documented in the module docstring)."""
    attrs = [
        {"variable": True, "code": "urgency", "datatype": "singlevaluelist", "required": False,
         "datatype_description": _("normal or urgent (urgent cases are due by the end of the working day)"),
         "order": 1, "description": _("Urgency"),
         "values": [{"key": Case.Urgency.NORMAL.value, "name": _("normal")},
                    {"key": Case.Urgency.URGENT.value, "name": _("urgent")}]},
        {"variable": True, "code": "building", "datatype": "string", "required": False,
         "datatype_description": _("the standard address of a registered building, e.g. 文三路6号枫丹新村1幢"),
         "order": 2, "description": _("Building (standard address); its position is used when lat/long are "
                                      "not given")},
    ]
    if cls.kind == CaseClass.Kind.COMPONENT:
        attrs.append({"variable": True, "code": "component", "datatype": "string", "required": False,
                      "datatype_description": _("the 16-digit code on the component's label"),
                      "order": 3, "description": _("Component code")})
    return attrs


_STATUS_NOTES = {
    Case.Status.REPORTED: lambda c: _("Received; waiting for registration."),
    Case.Status.REGISTERED: lambda c: _("Registered; waiting to be sent to a unit."),
    Case.Status.DISPATCHED: lambda c: _("Sent to %(unit)s.") % {"unit": c.lead_unit.name if c.lead_unit_id else ""},
    Case.Status.HANDLING: lambda c: _("Being handled by %(unit)s.")
    % {"unit": c.lead_unit.name if c.lead_unit_id else ""},
    Case.Status.PAUSED: lambda c: _("Paused while waiting for the reporter."),
    Case.Status.FEEDBACK: lambda c: _("Result reported; waiting for the on-site check."),
    Case.Status.CLOSED: lambda c: c.result or _("Closed."),
    Case.Status.INVALID: lambda c: _("Not registered as a case."),
    Case.Status.DUPLICATE: lambda c: _("Merged into %(number)s.")
    % {"number": c.merged_into.number if c.merged_into_id else ""},
}


def _split_media(description: str) -> tuple[str, str | None]:
    head, mark, url = description.rpartition(MEDIA_MARK)
    return (head, url) if mark else (description, None)


class _Expected:
    """expected_datetime: the deadline, or for a case not yet dispatched the class's time limit
    counted on the work calendar from now (the same for all cases of a class and urgency)."""

    def __init__(self):
        self.now = timezone.now()
        self.memo: dict[tuple[int, str], dt.datetime] = {}

    def __call__(self, case: Case) -> dt.datetime | None:
        if case.deadline is not None:
            return case.deadline
        if not case.is_open():
            return None
        key = (case.cls_id, case.urgency)
        if key not in self.memo:
            self.memo[key] = sla.disposal_deadline(case.cls, self.now, case.urgency)
        return self.memo[key]


def request_dict(case: Case, expected: _Expected) -> dict:
    """A case as the public sees it: no reporter name, phone or account, ever."""
    description, media_url = _split_media(case.description)
    return {
        "service_request_id": case.number,
        "status": "open" if case.is_open() else "closed",
        "status_notes": _STATUS_NOTES[case.status](case),
        "service_name": case.cls.name,
        "service_code": case.cls.code,
        "description": description,
        "agency_responsible": case.lead_unit.name if case.lead_unit_id else "",
        "service_notice": service_notice(case.cls),
        "requested_datetime": _w3(case.reported_at),
        "updated_datetime": _w3(case.updated_at),
        "expected_datetime": _w3(expected(case)),
        "address": case.address,
        "address_id": str(case.building_id) if case.building_id else "",
        "zipcode": "",
        "lat": case.lat,
        "long": case.lon,
        "media_url": media_url,
    }


def feed():
    return queries.public_requests()


def _jurisdiction(params) -> str:
    """``jurisdiction_id`` (optional): a district code served here; filters and constrains."""
    from civicgrid.areas.queries import is_district

    value = (params.get("jurisdiction_id") or "").strip()
    if not value:
        return ""
    if not is_district(value[:15]):
        raise Open311Error(404, _("jurisdiction_id: %(id)s is not served by this endpoint.") % {"id": value[:15]})
    return value


