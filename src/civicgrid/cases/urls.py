"""Case pages under /cases/. Each part keeps its own url list (staff pages, evaluation)."""

from django.urls import include, path

from . import evaluation_views, views

app_name = "cases"
urlpatterns = [
    path("", include(views.urlpatterns)),
    path("evaluation/", include(evaluation_views.urlpatterns)),
]
