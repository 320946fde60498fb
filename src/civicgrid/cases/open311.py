"""Open311 GeoReport v2 at ``/open311/v2/`` (http://wiki.open311.org/GeoReport_v2), XML and JSON.

Other systems (a city app, a partner hotline) list our services, file requests and follow them:

==========================================  =====================================================
``GET  discovery.{json,xml}``               the endpoint, its formats and where keys come from
``GET  services.{json,xml}``                active case classes: ``service_code`` = class code,
                                            ``group`` = major class, ``metadata`` true
``GET  services/{code}.{json,xml}``         the attributes a request of that class takes
``POST requests.{json,xml}``                file a case (``api_key`` required; form fields from the
                                            body and the query string); ``Idempotency-Key`` honoured
``GET  requests.{json,xml}``                filters ``service_request_id`` (comma list, overrides the
                                            rest), ``service_code``, ``start_date``, ``end_date``,
                                            ``status`` (open, closed); last 90 days, 1000 at most
``GET  requests/{id}.{json,xml}``           one request
``GET  tokens/{token}.{json,xml}``          the ``service_request_id`` behind a POST's token
==========================================  =====================================================

``service_request_id`` is the case number. Attributes of every service (``attribute[code]=…``):
``urgency`` (singlevaluelist ``normal``/``urgent``), ``building`` (the standard address of a
registered building, matched to the register; its position is used when ``lat``/``long`` are not
given) and, for component classes, ``component`` (the 16-digit component code).

Position: ``lat``/``long``; else ``address_id`` (a registered building's id); else
``address_string`` (or the ``building`` attribute) matched to the register like
``registry.queries.match_address`` does, over the whole platform. A position outside every grid is
a 400. ``first_name``/``last_name`` and ``phone`` become the reporter's name and (encrypted, masked)
phone; ``email`` is checked but not kept (cases have no e-mail field); ``media_url`` is kept at the
end of the description and answered back as ``media_url``.

The published feed holds cases reported by residents, patrols and Open311 clients (not the
hotline's calls and letters, which are private correspondence) and never any reporter data.
Errors are spec-shaped: ``[{"code": 400, "description": "…"}]`` or ``<errors><error>…``.
Cases created here have channel ``open311``, are filed at the district centre (its register
queue) and get an on-site confirmation task for the grid's supervisor, like a resident's report.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from civicgrid.areas.index import locate
from civicgrid.core.capabilities import VIEW
from civicgrid.core.errors import NotPermitted, UserError
from civicgrid.core.keys import key_hash
from civicgrid.registry import queries as registry_queries
from civicgrid.registry.capabilities import ADDRESS_MATCH

from . import actions, queries, sla
from .models import Case, CaseClass, Open311Key

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00+08:00"  # when this endpoint's behaviour last changed
MAX_REQUESTS = 1000
WINDOW = dt.timedelta(days=90)
FEED_CHANNELS = (Case.Channel.PATROL, Case.Channel.RESIDENT, Case.Channel.OPEN311)
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MEDIA_MARK = "\nmedia_url: "
TOKEN_SALT = "civicgrid.open311.token"
KEY_TOUCH_SECONDS = 60  # last_used_at is written at most once a minute per key
TITLE_MAX = 40
# XML 1.0 cannot carry these characters at all, escaped or not.
_XML_INVALID = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Singular element name of each list in the XML form.
_XML_ITEM = {"services": "service", "service_requests": "request", "attributes": "attribute",
             "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error"}


class Open311Error(Exception):
    """An error answered in the spec's shape."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = str(description)


# --- rendering ----------------------------------------------------------------------------------------
def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _xml_fill(parent: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_fill(ET.SubElement(parent, key), item)
    elif isinstance(value, list | tuple):
        name = _XML_ITEM.get(parent.tag, "item")
        for item in value:
            _xml_fill(ET.SubElement(parent, name), item)
    else:
        parent.text = _text(value)


def to_xml(root: str, value) -> bytes:
    """``value`` (dicts, lists, scalars) as an XML document; ElementTree escapes every text."""
    element = ET.Element(root)
    _xml_fill(element, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _respond(fmt: str, root: str, value, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, value)
    else:
        body = json.dumps(value, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, code: int, description: str) -> HttpResponse:
    return _respond(fmt, "errors", [{"code": code, "description": str(description)}], status=code)


def _spec_errors(view):
    """Answer Open311Error and the platform's typed errors in the spec's shape (never a 500 page
    for bad input); CSRF does not apply: POSTs authenticate with their api_key."""

    def wrapped(request, *args, fmt: str, **kwargs):
        try:
            _refuse_nul(request, kwargs)
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return error_response(fmt, exc.code, exc.description)
        except NotPermitted as exc:
            return error_response(fmt, 403, exc.message)
        except UserError as exc:
            return error_response(fmt, 400 if exc.status == 409 else exc.status, _spec_message(exc))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


# The platform's fields as the GeoReport v2 parameters a client sent: a machine client is told which
# of its parameters was wrong, by the name it used.
SPEC_PARAMETERS = {"lon": "lat, long", "lat": "lat, long", "reporter_phone": "phone", "reporter_name": "first_name",
                   "title": "description", "description": "description", "cls": "service_code",
                   "address": "address_string", "urgency": "attribute[urgency]"}


def _spec_message(exc: UserError) -> str:
    parameter = SPEC_PARAMETERS.get(exc.field or "")
    return f"{parameter}: {exc.message}" if parameter and not exc.message.startswith(parameter) else exc.message


def _refuse_nul(request, path_args: dict) -> None:
    """PostgreSQL text cannot hold NUL; refuse it up front rather than fail in the database."""
    values = [*path_args.values(), *request.GET.values()]
    if request.method == "POST":
        values += request.POST.values()
    if any("\x00" in str(v) for v in values):
        raise Open311Error(400, _("Parameters must not contain NUL characters."))


MAX_ID = 2**63 - 1  # PostgreSQL bigint


def _methods(request, *allowed: str) -> None:
    if request.method not in allowed:
        raise Open311Error(405, _("Method %(method)s is not allowed here.") % {"method": request.method})


def _w3(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


_TZ_SPACE = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def _parse_w3(value: str, field: str) -> dt.datetime:
    text = _TZ_SPACE.sub(r"\1+\2", value.strip())  # a "+" of an unencoded query string arrives as " "
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(400, _("%(field)s: give a W3C date and time, e.g. 2026-12-01T08:00:00+08:00.")
                           % {"field": field})
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


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


# --- tokens and keys -----------------------------------------------------------------------------------
def token_for(case: Case) -> str:
    return signing.Signer(salt=TOKEN_SALT).sign(str(case.pk))


def case_for_token(token: str) -> Case | None:
    try:
        pk = int(signing.Signer(salt=TOKEN_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    if not 0 < pk <= MAX_ID:
        return None
    return feed().filter(pk=pk).first()


def key_for(api_key: str) -> Open311Key:
    """The active key row for a presented api_key; 403 otherwise."""
    if not api_key:
        raise Open311Error(403, _("api_key: this call needs an API key (ask the platform's administrators)."))
    row = queries.open311_key(key_hash(api_key.strip()))
    if row is None:
        raise Open311Error(403, _("api_key: this key is not valid (unknown or revoked)."))
    return row


class Open311Client:
    """The actor of a request filed by an Open311 client: no account, no scope; audited and shown
    in the history as ``open311:<key name>``."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    pk = None

    def __init__(self, key: Open311Key):
        self.key = key

    def get_username(self) -> str:
        return f"open311:{self.key.name}"[:150]

    def scope_codes(self, capability: str | None = None) -> tuple[str, ...]:
        return ()

    def has_capability(self, capability: str) -> bool:
        return False

    def active_memberships(self):
        return []

    def __str__(self) -> str:
        return self.get_username()


class KeyReader:
    """Reads of the register made for an Open311 key: the buildings and components of the key's
    area only (everywhere for a key without an area), through the register's own scoped queries."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    pk = None

    def __init__(self, key: Open311Key):
        self.key = key

    def get_username(self) -> str:
        return f"open311:{self.key.name}"[:150]

    def scope_codes(self, capability: str | None = None) -> tuple[str, ...] | None:
        return (self.key.area_code,) if self.key.area_code else None

    def has_capability(self, capability: str) -> bool:
        return capability in (VIEW, ADDRESS_MATCH)


# --- views ------------------------------------------------------------------------------------------
@_spec_errors
def discovery(request, *, fmt: str):
    _methods(request, "GET", "HEAD")
    base = request.build_absolute_uri("/open311/v2/")
    return _respond(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": _("The district's urban management command centre (区指挥中心)."),
        "key_service": _("API keys are issued by the platform's administrators."),
        "endpoints": [{
            "specification": SPECIFICATION, "url": base, "changeset": CHANGESET, "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    })


@_spec_errors
def services(request, *, fmt: str):
    _methods(request, "GET", "HEAD")
    _jurisdiction(request.GET)
    return _respond(fmt, "services", [service_dict(c) for c in actions.case_classes().order_by("code")])


@_spec_errors
def service_definition(request, code: str, *, fmt: str):
    _methods(request, "GET", "HEAD")
    _jurisdiction(request.GET)
    cls = actions.case_classes().filter(code=code[:12]).first()
    if cls is None:
        raise Open311Error(404, _("service_code: %(code)s is not a service of this endpoint.") % {"code": code[:12]})
    return _respond(fmt, "service_definition", {"service_code": cls.code, "attributes": attributes_of(cls)})


@_spec_errors
def service_requests(request, *, fmt: str):
    _methods(request, "GET", "HEAD", "POST")
    if request.method == "POST":
        return _post_request(request, fmt)
    params = request.GET
    qs = feed()
    jurisdiction = _jurisdiction(params)
    if jurisdiction:
        qs = qs.filter(area_code__startswith=jurisdiction)
    ids = [s.strip() for s in (params.get("service_request_id") or "").split(",") if s.strip()]
    if ids:
        qs = qs.filter(number__in=[i[:20] for i in ids[:MAX_REQUESTS]])
    else:
        codes = [s.strip()[:12] for s in (params.get("service_code") or "").split(",") if s.strip()]
        if codes:
            qs = qs.filter(cls__code__in=codes)
        statuses = {s.strip().lower() for s in (params.get("status") or "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status: open, closed or both (comma separated)."))
        if statuses == {"open"}:
            qs = qs.filter(status__in=Case.OPEN)
        elif statuses == {"closed"}:
            qs = qs.exclude(status__in=Case.OPEN)
        start = _parse_w3(params["start_date"], "start_date") if params.get("start_date") else None
        end = _parse_w3(params["end_date"], "end_date") if params.get("end_date") else None
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            start = end - WINDOW
        if end is None:
            end = start + WINDOW
        if end < start:
            raise Open311Error(400, _("end_date: comes before start_date."))
        if end - start > WINDOW:
            raise Open311Error(400, _("start_date, end_date: the range may not span more than 90 days."))
        qs = qs.filter(reported_at__gte=start, reported_at__lte=end)
    expected = _Expected()
    rows = qs.order_by("-reported_at", "-id")[:MAX_REQUESTS]
    return _respond(fmt, "service_requests", [request_dict(c, expected) for c in rows])


@_spec_errors
def service_request(request, srid: str, *, fmt: str):
    _methods(request, "GET", "HEAD")
    qs = feed()
    jurisdiction = _jurisdiction(request.GET)
    if jurisdiction:
        qs = qs.filter(area_code__startswith=jurisdiction)
    case = qs.filter(number=srid[:20]).first()
    if case is None:
        raise Open311Error(404, _("service_request_id: no request %(id)s.") % {"id": srid[:20]})
    return _respond(fmt, "service_requests", [request_dict(case, _Expected())])


@_spec_errors
def token(request, token: str, *, fmt: str):
    _methods(request, "GET", "HEAD")
    case = case_for_token(token[:200])
    if case is None:
        raise Open311Error(404, _("token: unknown token."))
    return _respond(fmt, "service_requests", [{"service_request_id": case.number, "token": token}])


def not_found(request, fmt: str = "json"):
    return error_response(fmt, 404, _("No such Open311 resource; see discovery.json."))


# --- POST requests ---------------------------------------------------------------------------------
def request_params(request) -> dict[str, str]:
    """Form fields of the query string, then of the body (the body wins on a repeated name)."""
    params = {k: v for k, v in request.GET.items()}
    params.update({k: v for k, v in request.POST.items()})
    return params


def _float(params, name: str) -> float | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, _("%(field)s: give a number in decimal degrees.") % {"field": name})


def _building_by_address(reader: KeyReader, text: str, field: str):
    try:
        hits = registry_queries.match_address(reader, text, 1)
    except UserError:
        hits = []
    building = registry_queries.visible_buildings(reader).filter(pk=hits[0]["id"]).first() if hits else None
    if building is None:
        raise Open311Error(400, _("%(field)s: no registered building matches this address; send lat and long.")
                           % {"field": field})
    return building


def _reporter_name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if first.isascii() and last.isascii():
        return f"{first} {last}".strip()
    return f"{last}{first}"  # 姓 then 名


def _post_request(request, fmt: str) -> HttpResponse:
    params = request_params(request)
    key = key_for(params.get("api_key", ""))
    jurisdiction = _jurisdiction(params)
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code: required."))
    cls = actions.case_classes().filter(code=code[:12]).first()
    if cls is None:
        raise Open311Error(400, _("service_code: %(code)s is not a service of this endpoint.") % {"code": code[:12]})
    attributes = {k[len("attribute["):-1]: v.strip() for k, v in params.items()
                  if k.startswith("attribute[") and k.endswith("]")}
    known = {a["code"]: a for a in attributes_of(cls)}
    for name, value in attributes.items():
        spec = known.get(name)
        if spec is None:
            raise Open311Error(400, _("attribute[%(code)s]: not an attribute of service %(service)s.")
                               % {"code": name[:30], "service": cls.code})
        if spec["datatype"] == "singlevaluelist" and value and value not in {v["key"] for v in spec["values"]}:
            raise Open311Error(400, _("attribute[%(code)s]: %(value)s is not one of its values.")
                               % {"code": name, "value": value[:30]})

    lat, lon = _float(params, "lat"), _float(params, "long")
    if (lat is None) != (lon is None):
        raise Open311Error(400, _("lat, long: give both or neither."))
    address = (params.get("address_string") or "").strip()
    building = None
    address_id = (params.get("address_id") or "").strip()
    # Buildings and components are looked up in the key's area only: a key of one street cannot
    # attach another street's building or component to the requests it files.
    reader = KeyReader(key)
    if address_id:
        building = registry_queries.visible_buildings(reader).filter(pk=int(address_id)).first() \
            if address_id.isdigit() and int(address_id) <= MAX_ID else None
        if building is None:
            raise Open311Error(400, _("address_id: no registered building has this id."))
    elif attributes.get("building"):
        building = _building_by_address(reader, attributes["building"], "attribute[building]")
    elif lat is None and address:
        building = _building_by_address(reader, address, "address_string")
    if lat is None and building is None:
        raise Open311Error(400, _("lat, long: give the position, an address_string or an address_id."))
    # The grid the request lies in: of its position, else of its building (None: outside every grid,
    # which filing refuses with its own message).
    if lat is not None:
        where = locate(lon, lat) if -180 <= lon <= 180 and -90 <= lat <= 90 else None
    else:
        where = building.area_code
    if jurisdiction and where is not None and not where.startswith(jurisdiction):
        if lat is not None:
            raise Open311Error(400, _("lat, long: this position lies outside jurisdiction %(id)s.")
                               % {"id": jurisdiction})
        raise Open311Error(400, _("address_string: this building lies outside jurisdiction %(id)s.")
                           % {"id": jurisdiction})
    if key.area_code and where is not None and not where.startswith(key.area_code):
        raise Open311Error(403, _("api_key: this key files requests inside area %(code)s only.")
                           % {"code": key.area_code})
    component = None
    if attributes.get("component"):
        component = registry_queries.visible_components(reader).filter(code=attributes["component"][:16]).first()
        if component is None:
            raise Open311Error(400, _("attribute[component]: no registered component has this code."))

    description = (params.get("description") or "").strip()
    if not description:
        raise Open311Error(400, _("description: required (what is wrong, where exactly)."))
    media_url = (params.get("media_url") or "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, _("media_url: give an http(s) URL."))
        if len(media_url) > 300:
            raise Open311Error(400, _("media_url: at most 300 characters."))
        description = f"{description[:actions.DESCRIPTION_MAX - len(MEDIA_MARK) - len(media_url)]}{MEDIA_MARK}{media_url}"
    email = (params.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Open311Error(400, _("email: not an e-mail address."))
    first_line = description.split("\n", 1)[0].strip()
    title = first_line if len(first_line) <= TITLE_MAX else first_line[:TITLE_MAX - 1] + "…"

    idem = request.headers.get("Idempotency-Key", "")[:200]
    identity = f"open311:{key.pk}"
    case = actions.do_report_case(
        actor=Open311Client(key), channel=Case.Channel.OPEN311, cls=cls, title=title or cls.name,
        description=description, lon=lon, lat=lat, address=address, building=building, component=component,
        reporter_name=_reporter_name(params.get("first_name") or "", params.get("last_name") or ""),
        reporter_phone=(params.get("phone") or "").strip(),
        urgency=attributes.get("urgency") or Case.Urgency.NORMAL,
        idempotency_key=idem, idempotency_identity=identity,
    )
    actions.touch_open311_key(key, min_interval=KEY_TOUCH_SECONDS)
    body = [{"service_request_id": case.number, "token": token_for(case), "service_notice": service_notice(cls),
             "account_id": None}]
    return _respond(fmt, "service_requests", body, status=200 if case.replayed else 201)
