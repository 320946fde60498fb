from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "civicgrid.areas"
    label = "areas"
