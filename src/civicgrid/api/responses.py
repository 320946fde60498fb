"""The error answers every API route can give, documented in the OpenAPI schema (issue 13,
finding 11): the platform's typed errors (``core.errors``: 400, 403, 409), scoped lookups (404:
missing and "not yours" alike), the body guards (413), validation (422), authentication (401,
routes with auth), the rate limits (429, anonymous filing and exports) and a step route's
sibling (405). All share one shape, ``ErrorOut``."""

from __future__ import annotations

from typing import Any

from ninja import Schema

from civicgrid.core.guards import RATE_LIMITED_POSTS


class ErrorItem(Schema):
    field: str | None = None
    message: str
    type: str = ""


class ErrorOut(Schema):
    """Why a request was refused, in the user's language; ``field`` names the input at fault."""

    detail: str
    field: str | None = None
    code: str | None = None
    errors: list[ErrorItem] | None = None


WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def error_codes(method: str, path: str, authenticated: bool) -> set[int]:
    codes = {400, 403, 404, 422}
    if authenticated:
        codes.add(401)
    if method in WRITE_METHODS:
        codes |= {409, 413}
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if method in WRITE_METHODS and last.startswith("{") and not last.startswith("{int:"):
        # /referrals/{pk}/{step}: a step named like a read-only sibling route (…/events) answers 405
        codes.add(405)
    if "/export" in path:
        codes.add(429)  # people exports are rate-limited per user (core.guards.check_user_rate)
    if method == "POST" and any(path.rstrip("/").endswith(p.removeprefix("/api").rstrip("/"))
                                for p in RATE_LIMITED_POSTS if p.startswith("/api/")):
        codes.add(429)
    return codes


def document_error_responses(api) -> None:
    """Add ``ErrorOut`` for each error code to every operation that does not declare the code."""
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                authenticated = _has_auth(api, router, operation)
                for method in operation.methods:
                    for code in error_codes(method.upper(), f"/{prefix.strip('/')}/{path.lstrip('/')}",
                                            authenticated):
                        if code not in operation.response_models:
                            operation.response_models[code] = _model(operation)


def _has_auth(api, router, operation) -> bool:
    from ninja.constants import NOT_SET

    for auth in (operation.auth_param, router.auth, api.auth):
        if auth is not NOT_SET:
            return bool(auth)
    return False


def _model(operation) -> Any:
    return operation._create_response_model(ErrorOut)
