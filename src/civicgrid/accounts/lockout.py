"""Password spraying (issue 13, finding 12): django-axes locks a user name from one address after
``CIVICGRID_LOGIN_FAILURE_LIMIT`` failures; this backend also locks an *address* after
``CIVICGRID_LOGIN_ADDRESS_FAILURE_LIMIT`` failures across all user names within the cool-off time,
so trying one password on many accounts is stopped too.

Failures are counted in the rate-limit cache (shared by the server's processes); a successful
login does not reset the address's count, so one valid account cannot be used to keep spraying.
A locked address gets django-axes's lockout page (429), also for a correct password.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied

from civicgrid.core.middleware import client_ip


def _key(address: str) -> str:
    return f"login-failures:{address}"


def _cache():
    return caches[settings.CIVICGRID_RATE_LIMIT_CACHE]


def address_failures(address: str) -> int:
    return int(_cache().get(_key(address)) or 0)


class AddressThrottleBackend:
    """Refuses every login attempt from an address with too many recent failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        limit = settings.CIVICGRID_LOGIN_ADDRESS_FAILURE_LIMIT
        if limit and address_failures(client_ip(request) or "-") >= limit:
            request.axes_locked_out = True  # AxesMiddleware answers with the lockout page
            raise PermissionDenied
        return None  # no get_user(): sessions never name this backend


def count_failure(sender, credentials=None, request=None, **kwargs) -> None:
    """``user_login_failed`` receiver: one more failure for the request's address."""
    if request is None:
        return
    cache = _cache()
    key = _key(client_ip(request) or "-")
    window = int(settings.AXES_COOLOFF_TIME.total_seconds())
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
