from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civicgrid.cases"
    label = "cases"

    def ready(self):
        from civicgrid.core.keycheck import register

        register("cases.Case", "reporter_phone_enc", "cases.case.reporter_phone")  # cases.actions.PHONE_CONTEXT
