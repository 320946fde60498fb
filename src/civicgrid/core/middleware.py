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
