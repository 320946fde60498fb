from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "civicgrid.registry"
    label = "registry"
