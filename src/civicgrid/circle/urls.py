from django.urls import path

from . import views

app_name = "circle"
urlpatterns = [
    path("", views.coverage, name="coverage"),
    path("facilities/", views.facilities, name="facilities"),
    path("facilities/new/", views.facility_new, name="facility_new"),
    path("facilities/<int:pk>/", views.facility, name="facility"),
    path("outside/", views.outside, name="outside"),
    path("standards/", views.standards, name="standards"),
    path("providers/", views.providers, name="providers"),
    path("providers/apply/", views.provider_apply, name="provider_apply"),
    path("providers/<int:pk>/", views.provider, name="provider"),
    path("providers/<int:pk>/rate/", views.rate, name="rate"),
    path("network/", views.network, name="network"),
    path("my/", views.resident, name="resident"),
]
