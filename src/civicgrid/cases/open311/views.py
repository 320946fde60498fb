"""The GeoReport v2 views: discovery, services, requests (read and filed), tokens."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.areas.index import locate
from civicgrid.core.errors import UserError
from civicgrid.registry import queries as registry_queries

from .. import actions
from ..models import Case
from .auth import (
    KeyReader,
    Open311Client,
    case_for_token,
    key_for,
    token_for,
)
from .mapping import (
    _Expected,
    _jurisdiction,
    attributes_of,
    feed,
    request_dict,
    service_dict,
    service_notice,
)
from .spec import (
    CHANGESET,
    KEY_TOUCH_SECONDS,
    MAX_ID,
    MAX_REQUESTS,
    MEDIA_MARK,
    SPECIFICATION,
    TITLE_MAX,
    WINDOW,
    Open311Error,
    _methods,
    _parse_w3,
    _respond,
    _spec_errors,
    error_response,
)


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
