from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/new/", views.person_new, name="person_new"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("buildings/<int:pk>/", views.building, name="building"),
]
