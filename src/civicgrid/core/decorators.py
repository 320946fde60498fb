"""View decorators shared by every app."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from . import audit


def capability_required(capability: str):
    """Logged-in users whose role grants ``capability`` somewhere; refusals are audited (403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not request.user.has_capability(capability):
                audit.record(
                    "access.denied", actor=request.user, object_type="capability", object_repr=capability,
                    outcome="denied", detail={"path": request.path[:200]},
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
