from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicgrid.core"
    label = "core"

    def ready(self) -> None:
        # Background jobs live in each app's jobs.py (huey itself only looks for tasks.py).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
        # What every app declares about itself: capabilities and grants, menus, URLs, API routers.
        from .plugins import collect

        collect()
