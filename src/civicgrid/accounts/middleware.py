"""The state of the logged-in account, checked on every request after authentication."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY, logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

# Paths a user who must change their password may still open: the change page itself, logging
# out, switching the language, and what pages load (static files, the icon).
OPEN_PREFIXES = ("/static/", "/i18n/", "/favicon.ico", "/healthz")


class AccountStateMiddleware:
    """A deactivated account's open session is ended on its next request; an account whose
    password an administrator set (new account, reset) opens only the password-change page
    until the user has chosen their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and not user.is_authenticated and session is not None and SESSION_KEY in session:
            # The session names an account Django no longer lets in (deactivated meanwhile, or
            # removed): end it for good, rather than leave it to look logged out.
            session.flush()
        elif user is not None and user.is_authenticated:
            if not user.is_active:
                logout(request)
                return redirect(reverse("login"))
            if getattr(user, "must_change_password", False):
                change = reverse("password_change")
                allowed = (change, reverse("logout"))
                if request.path not in allowed and not request.path.startswith(OPEN_PREFIXES):
                    if request.path.startswith("/api/"):
                        return JsonResponse({"detail": _("Change your password first."),
                                             "code": "password_change_required"}, status=403)
                    return redirect(f"{change}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
