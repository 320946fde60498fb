from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "civicgrid.health"
    label = "health"
    verbose_name = "community health"
