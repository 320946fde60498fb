"""GeoReport v2's shapes: constants, spec-shaped errors, JSON and XML rendering."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from civicgrid.core.errors import NotPermitted, UserError

from ..models import Case

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


