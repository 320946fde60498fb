"""The HTTP API at /api/ (django-ninja); OpenAPI schema at /api/openapi.json."""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
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
    auth=[django_auth, TokenAuth()],
    urls_namespace="api",
)


@api.exception_handler(UserError)
def user_error(request, exc: UserError):
    return api.create_response(
        request, {"detail": exc.message, "field": exc.field, "code": exc.code}, status=exc.status
    )


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(request, {"detail": _("Log in or send a valid API token.")}, status=401)


from civicgrid.accounts.api import router as accounts_router  # noqa: E402
from civicgrid.areas.api import router as areas_router  # noqa: E402
from civicgrid.circle.api import router as circle_router  # noqa: E402
from civicgrid.registry.api import router as registry_router  # noqa: E402
from civicgrid.registry.ledger_api import router as ledger_router  # noqa: E402

api.add_router("/areas/", areas_router)
api.add_router("/registry/", registry_router)
api.add_router("/registry/", ledger_router)
api.add_router("/circle/", circle_router)
api.add_router("/", accounts_router)
