"""The site's URLs: the API, then every app's pages as the apps declare them (``core.plugins``)."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from civicgrid.api.main import api
from civicgrid.core import plugins


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


plugins.collect()
urlpatterns = [
    # The API first: machine clients (the 12345 system, Open311) call it most, and the resolver
    # tries patterns in order.
    path("api/", api.urls),
    *[path(u.prefix, include((u.module, u.namespace), namespace=u.namespace) if u.namespace else include(u.module))
      for u in plugins.url_includes()],
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz),
]
