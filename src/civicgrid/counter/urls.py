from django.urls import path

from . import views

app_name = "counter"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("catalogue.xlsx", views.catalogue_export, name="catalogue_export"),
    path("catalogue/import/", views.catalogue_import, name="catalogue_import"),
    path("items/<str:code>/", views.guide, name="guide"),
    path("intake/", views.intake, name="intake"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("applications/<int:pk>/notice/", views.notice, name="notice"),
    path("inbox/", views.inbox, name="inbox"),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("callbacks/<int:pk>/", views.callback, name="callback"),
    path("figures/", views.figures, name="figures"),
    path("progress/", views.progress, name="progress"),
]
