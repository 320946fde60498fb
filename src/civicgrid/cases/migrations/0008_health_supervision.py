"""The class 卫生监督协管 (health supervision) and its five categories — 食品安全, 生活饮用水, 非法行医和
非法采供血, 学校卫生, 公共场所卫生 — as case classes (``catalogue.CLASSES``, codes WS01–WS05), handled by
the health department. Filed by family-doctor teams from the health pages through the intake action."""

from django.db import migrations


def seed(apps, schema_editor):
    from civicgrid.cases.catalogue import seed_case_catalogue

    seed_case_catalogue(apps.get_model("cases", "CaseClass"), apps.get_model("cases", "StepLimit"),
                        apps.get_model("cases", "ScoreRule"))
    Counter = apps.get_model("core", "Counter")  # tell the processes' class caches (catalogue.active_class)
    import secrets

    Counter.objects.update_or_create(name="case_classes", defaults={"value": secrets.randbits(62)})


def unseed(apps, schema_editor):
    apps.get_model("cases", "CaseClass").objects.filter(code__in=[f"WS0{i}" for i in range(1, 6)],
                                                        cases__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_event_deadline_index"), ("core", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
