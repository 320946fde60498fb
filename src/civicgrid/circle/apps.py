from django.apps import AppConfig


class CircleConfig(AppConfig):
    name = "civicgrid.circle"
    label = "circle"
