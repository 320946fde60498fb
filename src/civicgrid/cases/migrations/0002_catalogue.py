from django.db import migrations


def seed(apps, schema_editor):
    from civicgrid.cases.catalogue import seed_case_catalogue

    seed_case_catalogue(apps.get_model("cases", "CaseClass"), apps.get_model("cases", "StepLimit"),
                        apps.get_model("cases", "ScoreRule"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
