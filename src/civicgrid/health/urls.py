from django.urls import path

from . import views

app_name = "health"
urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/", views.tasks, name="tasks"),
    path("sign/", views.sign, name="sign"),
    path("people/<int:pk>/", views.person, name="person"),
    path("referrals/<int:pk>/", views.referral, name="referral"),
    path("teams/<int:pk>/", views.team, name="team"),
    path("teams/new/", views.form_team, name="form_team"),
    path("map/", views.team_map, name="map"),
    path("map/teams.geojson", views.team_map_geojson, name="map_geojson"),
    path("diseases/", views.disease_reports, name="disease_reports"),
    path("diseases/new/", views.disease_report_new, name="disease_report_new"),
    path("diseases/<int:pk>/", views.disease_report, name="disease_report"),
    path("supervision/", views.supervision, name="supervision"),
    path("assessment/", views.assessment, name="assessment"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/xlsx/", views.report_xlsx, name="report_xlsx"),
]
