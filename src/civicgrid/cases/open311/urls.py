"""Open311 GeoReport v2 at /open311/v2/ (see open311.py) and the administrators' key page at
/open311/keys/ (``open311:keys``)."""

from django.urls import path, re_path

from . import keys as open311_keys
from . import views as open311

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery_root"),
    re_path(r"^v2/discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^v2/services" + FMT, open311.services, name="services"),
    re_path(r"^v2/services/(?P<code>[^/]+)" + FMT, open311.service_definition, name="service_definition"),
    re_path(r"^v2/requests" + FMT, open311.service_requests, name="requests"),
    re_path(r"^v2/requests/(?P<srid>[^/]+)" + FMT, open311.service_request, name="request"),
    re_path(r"^v2/tokens/(?P<token>[^/]+)" + FMT, open311.token, name="token"),
    re_path(r"^v2/.*\.(?P<fmt>xml)$", open311.not_found),
    re_path(r"^v2/", open311.not_found),
    path("keys/", open311_keys.keys_page, name="keys"),
    path("keys/<int:pk>/revoke", open311_keys.revoke_key, name="revoke_key"),
]
