from django.urls import path

from . import ledger_views, views

app_name = "registry"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/export.xlsx", ledger_views.people_export, name="people_export"),
    path("exports/people/", ledger_views.export_request, name="export_request"),
    path("exports/<int:pk>/", ledger_views.export_job, name="export_job"),
    path("exports/<int:pk>/file.xlsx", ledger_views.export_job_file, name="export_job_file"),
    path("imports/", ledger_views.imports, name="imports"),
    path("imports/<int:pk>/", ledger_views.import_detail, name="import"),
    path("imports/<int:pk>/commit/", ledger_views.import_commit, name="import_commit"),
    path("imports/<int:pk>/discard/", ledger_views.import_discard, name="import_discard"),
    path("imports/<int:pk>/rejected.xlsx", ledger_views.import_rejected, name="import_rejected"),
    path("imports/template/<str:kind>.xlsx", ledger_views.import_template, name="import_template"),
    path("people/new/", views.person_new, name="person_new"),
    path("people/new/places/", views.person_places, name="person_places"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("buildings/<int:pk>/", views.building, name="building"),
    path("address-match/", views.address_match, name="address_match"),
    path("roads.geojson", views.roads_geojson, name="roads"),
]
