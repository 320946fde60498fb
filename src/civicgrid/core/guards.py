"""Guards in front of every view: request-body limits and rate limits, answered in the caller's
format (JSON for the API, the GeoReport error shape for Open311, a page for browsers).

Body limits (issue 13, finding 8). One number, ``CIVICGRID_MAX_BODY_BYTES``, follows from the
documented ones: six photos of at most 8 MB each, sent base64-encoded in JSON over the API
(+ a third), plus the text of the request; ledgers and boundary files (50 MB) fit under it. A
request whose Content-Length says more is refused with 413 before anything reads it, and a body
that turns out larger while it is read (no Content-Length) gets the same answer instead of
Django's bare "Bad Request (400)" page.

Rate limits (finding 5): anonymous filing (``POST /api/public/cases`` and ``/public/report/``)
per client address, counted in a cache shared by the server's processes (Redis when configured,
else a file cache under ``var/``). Every attempt counts, whatever its outcome. Limits are
``N/s``, ``N/m``, ``N/h`` windows, several separated by commas (``5/m,30/h``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .errors import UserError
from .middleware import client_ip

RATE_LIMITED_POSTS = {
    # path → name of the limit in settings.CIVICGRID_RATE_LIMITS
    "/api/public/cases": "public_report",
    "/public/report/": "public_report",
}


def max_body_bytes() -> int:
    return int(settings.CIVICGRID_MAX_BODY_BYTES)


def _wants(path: str) -> str:
    if path.startswith("/api/"):
        return "json"
    if path.startswith("/open311/"):
        return "open311-xml" if path.endswith(".xml") else "open311-json"
    return "html"


def refusal(request, status: int, message: str, code: str, *, retry_after: int | None = None) -> HttpResponse:
    """``message`` in the shape the caller reads."""
    kind = _wants(request.path)
    if kind == "json":
        response = JsonResponse({"detail": message, "field": None, "code": code}, status=status,
                                json_dumps_params={"ensure_ascii": False})
    elif kind == "open311-json":
        response = HttpResponse(json.dumps([{"code": status, "description": message}], ensure_ascii=False),
                                status=status, content_type="application/json; charset=utf-8")
    elif kind == "open311-xml":
        from xml.sax.saxutils import escape

        body = (f'<?xml version="1.0" encoding="utf-8"?><errors><error><code>{status}</code>'
                f"<description>{escape(message)}</description></error></errors>")
        response = HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    else:
        response = HttpResponse(render_to_string("civicgrid/refused.html", {"message": message, "status": status},
                                                 request=request), status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def too_large(request) -> HttpResponse:
    mb = max_body_bytes() // (1024 * 1024)
    return refusal(request, 413, _("The request is larger than %(mb)s MB (at most six photos of 8 MB each).")
                   % {"mb": mb}, "too_large")


class BodyLimitMiddleware:
    """Refuses oversized bodies before anything reads them; place it before CSRF and sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or ""
        if length:
            try:
                too_big = int(length) > max_body_bytes()
            except ValueError:
                return refusal(request, 400, _("The Content-Length header is not a number."), "invalid")
            if too_big:
                return too_large(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return too_large(request)
        if isinstance(exception, TooManyFieldsSent):
            return refusal(request, 400, _("The request has too many fields."), "invalid")
        return None


# --- rate limits ------------------------------------------------------------------------------------
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Window:
    count: int
    seconds: int


def parse_rate(text: str) -> list[Window]:
    """``"5/m,30/h"`` → windows; empty → no limit."""
    windows = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        count, _sep, unit = part.partition("/")
        windows.append(Window(int(count), _UNITS[unit.strip()[:1]]))
    return windows


def hit(name: str, key: str, windows: list[Window]) -> int | None:
    """Count one attempt; the seconds to wait when a window is full, else None."""
    cache = caches[settings.CIVICGRID_RATE_LIMIT_CACHE]
    now = time.time()
    wait = None
    for window in windows:
        start = int(now // window.seconds)
        slot = f"rl:{name}:{window.seconds}:{start}:{key}"
        cache.add(slot, 0, timeout=window.seconds + 1)
        try:
            count = cache.incr(slot)
        except ValueError:  # expired between add and incr
            cache.set(slot, 1, timeout=window.seconds + 1)
            count = 1
        if count > window.count:
            left = int((start + 1) * window.seconds - now) + 1
            wait = max(wait or 0, left)
    return wait


def wait_for(name: str, key: str) -> int | None:
    """Count one attempt of ``name`` by ``key`` against ``CIVICGRID_RATE_LIMITS[name]``; the
    seconds to wait when a window is full, else None (also when the limit is off)."""
    windows = parse_rate(settings.CIVICGRID_RATE_LIMITS.get(name, ""))
    return hit(name, key, windows) if windows else None


class RateLimitMiddleware:
    """The limits of ``RATE_LIMITED_POSTS``, per client address, before the body is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = RATE_LIMITED_POSTS.get(request.path) if request.method == "POST" else None
        if name:
            wait = wait_for(name, client_ip(request) or "-")
            if wait is not None:
                return refusal(request, 429, _("Too many reports from your address. Try again in %(s)s seconds.")
                               % {"s": wait}, "rate_limited", retry_after=wait)
        return self.get_response(request)


class RateLimited(UserError):
    """Too many attempts of something costly by one user; ``retry_after`` seconds to wait."""

    status = 429

    def __init__(self, message, *, retry_after: int):
        super().__init__(message, code="rate_limited")
        self.retry_after = retry_after


def check_user_rate(name: str, user, message) -> None:
    """Count one attempt of ``name`` by ``user`` against ``CIVICGRID_RATE_LIMITS[name]``; raises
    ``RateLimited`` (429) when a window is full. ``message`` takes ``%(s)s``, the seconds to wait."""
    wait = wait_for(name, f"user:{user.pk}")
    if wait is not None:
        raise RateLimited(message % {"s": wait}, retry_after=wait)


class ApiJsonErrorsMiddleware:
    """Every error answer under ``/api/`` is JSON (``{"detail": …}``), also those produced before
    the API's own handlers run: an address no route matches (404), a method a route does not
    take (405), a refused CSRF check (403) — never the HTML error pages meant for browsers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.path.startswith("/api/") and response.status_code >= 400
                and not response.get("Content-Type", "").startswith("application/json")):
            from http import HTTPStatus

            try:
                reason = HTTPStatus(response.status_code).phrase
            except ValueError:
                reason = "Error"
            messages = {404: _("Not found."), 405: _("This method is not allowed here."),
                        403: _("You may not do this.")}
            replaced = JsonResponse({"detail": str(messages.get(response.status_code, reason)), "field": None,
                                     "code": reason.lower().replace(" ", "_")}, status=response.status_code,
                                    json_dumps_params={"ensure_ascii": False})
            for header in ("Allow", "Retry-After", "Cache-Control"):
                if response.has_header(header):
                    replaced[header] = response[header]
            return replaced
        return response
