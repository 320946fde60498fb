"""The seeded catalogues (programmes and schedules, migration 0002; the assessment standard, 0003 and
0006), again on demand (tests flushing the database)."""

import importlib


def ensure_catalogue() -> None:
    from django.apps import apps

    from .models import AssessmentItem, Programme

    if not Programme.objects.filter(code="htn").exists():
        importlib.import_module("civicgrid.health.migrations.0002_catalogue").seed(apps, None)
    if not AssessmentItem.objects.exists():
        importlib.import_module("civicgrid.health.migrations.0003_reports").seed(apps, None)
    if not AssessmentItem.objects.filter(code="A11").exists():
        importlib.import_module("civicgrid.health.migrations.0006_assessment_staff_provision").seed(apps, None)
