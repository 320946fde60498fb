"""The HTTP API at /api/ (django-ninja); OpenAPI schema at /api/openapi.json."""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, django_auth

from civicgrid.accounts.actions import touch_token
from civicgrid.accounts.queries import user_for_token
from civicgrid.core.errors import UserError


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cg_…`` with a token issued by ``civicgrid token create``."""

    def authenticate(self, request, token):
        found = user_for_token(token)
        if found is None:
            return None
        user, api_token = found
        request.user = user
        touch_token(api_token)
        return user


api = NinjaAPI(
    title="CivicGrid API",
    version="1",
    description="社区网格综合服务平台 API. Every list and object is limited to the caller's jurisdiction.",
    # The bearer token first: the session check refuses a POST without a CSRF token before the
    # next method is tried, which would block every token client (gunicorn, curl, other systems).
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(UserError)
def user_error(request, exc: UserError):
    body = {"detail": exc.message, "field": exc.field, "code": exc.code}
    if len(exc.errors) > 1:
        body["errors"] = [{"field": field, "message": message, "type": exc.code} for field, message in exc.errors.items()]
    response = api.create_response(request, body, status=exc.status)
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _field_of(loc) -> str:
    """``("body", "payload", "lon")`` → ``lon``; ``("query", "limit")`` → ``limit``."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header", "payload", "cookie")]
    return ".".join(parts) or "body"


def _validation_message(error: dict) -> str:
    """One pydantic error as a sentence in the user's language, naming the field and the rule."""
    field = _field_of(error.get("loc", ()))
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("%(field)s is required.") % {"field": field}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("%(field)s must be a whole number.") % {"field": field}
    if kind in ("float_parsing", "float_type", "decimal_parsing"):
        return _("%(field)s must be a number.") % {"field": field}
    if kind in ("bool_parsing", "bool_type"):
        return _("%(field)s must be true or false.") % {"field": field}
    if kind in ("string_type",):
        return _("%(field)s must be text.") % {"field": field}
    if kind in ("string_too_long",):
        return _("%(field)s has at most %(n)s characters.") % {"field": field, "n": ctx.get("max_length", "")}
    if kind in ("enum", "literal_error"):
        return _("%(field)s must be one of: %(choices)s.") % {"field": field, "choices": ctx.get("expected", "")}
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return _("%(field)s must be a date (YYYY-MM-DD).") % {"field": field}
    if kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
        return _("%(field)s must be a date and time (ISO 8601).") % {"field": field}
    if kind in ("list_type",):
        return _("%(field)s must be a list.") % {"field": field}
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return _("The request body is not valid JSON of the expected shape.")
    return _("%(field)s is not valid.") % {"field": field}


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    """django-ninja's 422, with each problem named and explained in the user's language."""
    errors = [{"field": _field_of(e.get("loc", ())), "message": _validation_message(e), "type": e.get("type", "")}
              for e in exc.errors]
    first = errors[0] if errors else {"field": None, "message": _("The request is not valid.")}
    return api.create_response(
        request, {"detail": first["message"], "field": first["field"], "code": "invalid", "errors": errors},
        status=422,
    )


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(request, {"detail": _("Log in or send a valid API token.")}, status=401)


from civicgrid.core import plugins  # noqa: E402

# Every app's routers, as the apps declare them, in the order the resolver should try them.
plugins.collect()
for _declared in plugins.api_routers():
    api.add_router(_declared.prefix, plugins.resolve(_declared.target))

# Every route documents the error answers it can give (400/401/403/404/409/413/422/429).
from civicgrid.api.responses import document_error_responses  # noqa: E402

document_error_responses(api)
