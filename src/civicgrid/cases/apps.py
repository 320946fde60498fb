from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civicgrid.cases"
    label = "cases"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .catalogue import bump_classes_version
        from .models import CaseClass

        # The per-process cache of active classes (catalogue.active_class) learns of every change.
        post_save.connect(bump_classes_version, sender=CaseClass, dispatch_uid="cases.classes.save")
        post_delete.connect(bump_classes_version, sender=CaseClass, dispatch_uid="cases.classes.delete")

        from civicgrid.core.keycheck import register

        register("cases.Case", "reporter_phone_enc", "cases.case.reporter_phone")  # cases.actions.PHONE_CONTEXT
