"""Per-request context (the client address) for code far from the request, such as actions."""

from contextvars import ContextVar

_ip: ContextVar[str | None] = ContextVar("civicgrid_ip", default=None)


def current_ip() -> str | None:
    return _ip.get()


def set_ip(value: str | None):
    return _ip.set(value)


def reset_ip(token) -> None:
    _ip.reset(token)
