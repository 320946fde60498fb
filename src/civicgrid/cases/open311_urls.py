"""Open311 GeoReport v2 at /open311/v2/ (see open311.py)."""

urlpatterns: list = []
