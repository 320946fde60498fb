"""Typed errors whose message is fit to show the user."""

from django.core.exceptions import ValidationError


class UserError(Exception):
    """Raised by an action for a reason the user can fix; ``str()`` is the message to show."""

    status = 400

    def __init__(self, message, *, field: str | None = None, code: str = "invalid",
                 errors: dict[str, str] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.code = code
        # Every problem by its field when several were found at once (``field`` is the first).
        self.errors = {k: str(v) for k, v in (errors or {}).items()} or ({field: self.message} if field else {})


class NotPermitted(UserError):
    """The actor's role or jurisdiction does not allow this action."""

    status = 403

    def __init__(self, message, **kwargs):
        kwargs.setdefault("code", "forbidden")
        super().__init__(message, **kwargs)


class Conflict(UserError):
    """The object changed or is in a state that does not allow this (HTTP 409)."""

    status = 409

    def __init__(self, message, **kwargs):
        kwargs.setdefault("code", "conflict")
        super().__init__(message, **kwargs)


def validation_messages(exc: ValidationError) -> dict[str, list[str]]:
    """A ValidationError as {field: [messages]}; errors not tied to a field go under '__all__'."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}
