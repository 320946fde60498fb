from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("area/<str:code>/", views.dashboard, name="area"),
    path("indicators/", views.indicator_list, name="indicators"),
    path("targets/", views.targets, name="targets"),
    path("targets/<int:pk>/", views.target, name="target"),
]
urlpatterns += [
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report, name="report"),
    path("reports/<int:pk>/print/", views.report_print, name="report_print"),
    path("reports/<int:pk>/xlsx/", views.report_xlsx, name="report_xlsx"),
]
urlpatterns += [path("assessment/", views.assessment, name="assessment")]
urlpatterns += [path("surveys/", views.surveys, name="surveys")]
urlpatterns += [
    path("define/", views.define, name="define"),
    path("define/report/new/", views.define_report, name="define_report_new"),
    path("define/report/<int:pk>/", views.define_report, name="define_report"),
    path("define/scheme/new/", views.define_scheme, name="define_scheme_new"),
    path("define/scheme/<int:pk>/", views.define_scheme, name="define_scheme"),
    path("define/survey/new/", views.define_survey, name="define_survey_new"),
    path("define/survey/<int:pk>/", views.define_survey, name="define_survey"),
]
