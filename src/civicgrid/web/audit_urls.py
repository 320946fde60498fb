from django.urls import path

from . import audit

app_name = "audit"
urlpatterns = [path("", audit.audit_list, name="list")]
