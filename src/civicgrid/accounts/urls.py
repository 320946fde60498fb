from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("me/", views.profile, name="profile"),
    path("units/", views.unit_list, name="units"),
    path("units/<str:code>/", views.unit_detail, name="unit"),
    path("staff/", views.staff_list, name="staff"),
]
