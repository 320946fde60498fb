from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from civicgrid.api.main import api


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    # The API first: machine clients (the 12345 system, Open311) call it most, and the resolver
    # tries patterns in order.
    path("api/", api.urls),
    path("", include("civicgrid.web.urls")),
    path("", include("civicgrid.accounts.urls")),
    path("areas/", include("civicgrid.areas.urls")),
    path("audit/", include("civicgrid.core.urls")),
    path("registry/", include("civicgrid.registry.urls")),
    path("cases/", include("civicgrid.cases.urls")),
    path("public/", include(("civicgrid.cases.public_views", "public"), namespace="public")),
    path("open311/", include("civicgrid.cases.open311_urls")),
    path("circle/", include("civicgrid.circle.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz),
]
