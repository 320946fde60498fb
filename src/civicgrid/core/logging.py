"""Personal data never reaches a log (issue 13, finding 9).

A search by ID number or phone travels in the query string (``/registry/people/?q=…``), and
access logs write the request line. Two rules, applied to every log line the platform's
processes write — the development server's (``django.server``), the application's, and
gunicorn's access and error logs (``GunicornLogger``, set by ``civicgrid/gunicorn_conf.py``):

1. the query string of a page or API call under a personal-data prefix (the register, public
   case tracking) is dropped whole: ``/registry/people/?[redacted]``;
2. anywhere else, and in every message, text shaped like a resident ID number (18 characters)
   or a mainland mobile number (11 digits from 13x–19x) is replaced by ``[id]`` / ``[phone]``.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

# Query strings under these paths are never logged.
PERSONAL_PREFIXES = ("/registry/", "/api/registry/", "/public/track", "/api/public/cases/")

_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
_REQUEST_TARGET = re.compile(r"(?P<target>/[^\s\"?]*\?[^\s\"]*)")
REDACTED = "[redacted]"


def redact_text(text: str) -> str:
    """ID numbers and mobile numbers in free text replaced; URLs' query strings handled as URLs."""
    if not text:
        return text
    text = _REQUEST_TARGET.sub(lambda m: redact_url(m.group("target")), text)
    return _PHONE.sub("[phone]", _ID.sub("[id]", text))


def redact_url(target: str) -> str:
    """A path with its query string, as it may be logged."""
    path, sep, query = target.partition("?")
    if not sep:
        return target
    if path.startswith(PERSONAL_PREFIXES):
        return f"{path}?{REDACTED}"
    decoded = unquote_plus(query)
    if _ID.search(decoded) or _PHONE.search(decoded) or _ID.search(query) or _PHONE.search(query):
        return f"{path}?{REDACTED}"
    return target


def redact_query(path: str, query: str) -> str:
    if not query:
        return query
    redacted = redact_url(f"{path or '/'}?{query}")
    return redacted.partition("?")[2]


class RedactFilter(logging.Filter):
    """Rewrites each record's message with :func:`redact_text` (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logged as it is
            return True
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, ()
        request = getattr(record, "request", None)  # django.server keeps the socket here: not logged
        if request is not None and not hasattr(request, "META"):
            record.request = None
        return True


try:  # gunicorn is a dependency, but keep this module importable without it
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = object


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger with the request line, query string, referer and every other atom
    redacted, and the error log filtered like the application's."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = environ.get("PATH_INFO", "") or ""
        atoms["q"] = redact_query(path, environ.get("QUERY_STRING", "") or "")
        for key, value in list(atoms.items()):
            if key != "q" and isinstance(value, str):
                atoms[key] = redact_text(value)
        return atoms

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactFilter) for f in log.filters):
                log.addFilter(RedactFilter())
