from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("list/", views.area_list, name="list"),
    path("map/", views.map_view, name="map"),
    path("lookup/", views.lookup, name="lookup"),
    path("import/", views.import_view, name="import"),
    path("export.geojson", views.export, name="export"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/children/", views.children_fragment, name="children"),
    path("<str:code>/checks/", views.checks, name="checks"),
]
