"""Middleware that makes the client address available to actions for the audit log."""

from .context import reset_ip, set_ip


def client_ip(request) -> str | None:
    # Behind a reverse proxy the deployer sets CIVICGRID_TRUST_X_FORWARDED_FOR; we do not trust it by default.
    from django.conf import settings

    if getattr(settings, "CIVICGRID_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_ip(token)


class BoundaryTextMiddleware:
    """The text rule of ``core.text`` at the boundary: a query string, an API form field or a JSON
    string with NUL or a lone surrogate is refused with 400 and a message naming the parameter,
    before any view or query sees it (PostgreSQL cannot even compare such a string). Page forms
    check their own fields (Django's CharField refuses NUL beside the field)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = self._refused(request)
        if refused is not None:
            return refused
        return self.get_response(request)

    def _refused(self, request):
        from django.utils.translation import gettext as _

        from .text import json_has_bad_escape, refused_character, refused_message

        if request.path.startswith("/open311/"):
            return None  # GeoReport v2 answers in its own error shape (cases.open311 refuses NUL itself)
        api = request.path.startswith("/api/")
        for name, values in request.GET.lists():
            if refused_character(name) is not None or any(refused_character(v) is not None for v in values):
                return self._answer(api, name, refused_message(name))
        if not api or request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("application/json"):
            try:
                body = request.body
            except Exception:  # too large: Django answers that itself
                return None
            if json_has_bad_escape(body):
                return self._answer(api, "body", _("A text in the request contains a NUL character or a broken "
                                                   "character; remove it and try again."))
        elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            try:
                items = list(request.POST.lists())
            except Exception:
                return None
            for name, values in items:
                if any(refused_character(v) is not None for v in values):
                    return self._answer(api, name, refused_message(name))
        return None

    @staticmethod
    def _answer(api: bool, field: str, message: str):
        from django.http import HttpResponseBadRequest, JsonResponse

        if api:
            return JsonResponse({"detail": message, "field": field[:50], "code": "invalid"}, status=400)
        from django.utils.html import escape

        return HttpResponseBadRequest(f"<!doctype html><meta charset=utf-8><p>{escape(message)}</p>")


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer to a signed-in user and on every API answer that
    sets no caching of its own: staff pages and API answers carry personal data (a person's page
    after a reveal, ``POST …/reveal``, exports), which no browser or proxy cache may keep.
    Answers that set their own policy (public photos, the public grid map) keep it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store"
        return response
