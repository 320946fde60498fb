from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "civicgrid.registry"
    label = "registry"

    def ready(self) -> None:
        from civicgrid.core.keycheck import register

        from .people import ID_CONTEXT, PHONE_CONTEXT, SPECIAL_CONTEXT

        # encrypted columns, sampled when a database is first checked against the data key
        register("registry.Person", "id_enc", ID_CONTEXT)
        register("registry.Person", "phone_enc", PHONE_CONTEXT)
        register("registry.SpecialGroupRecord", "payload_enc", SPECIAL_CONTEXT)
