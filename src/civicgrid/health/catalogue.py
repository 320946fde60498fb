"""The seeded programme catalogue (migration 0002), again on demand (tests flushing the database)."""

import importlib


def ensure_catalogue() -> None:
    from django.apps import apps

    from .models import Programme

    if Programme.objects.filter(code="htn").exists():
        return
    module = importlib.import_module("civicgrid.health.migrations.0002_catalogue")
    module.seed(apps, None)
