from django.db import migrations


def seed(apps, schema_editor):
    from civicgrid.stats.seeds import SEED_TARGETS

    Target = apps.get_model("stats", "Target")
    for indicator, value, horizon, source, phrase in SEED_TARGETS:
        Target.objects.get_or_create(indicator=indicator, area_code="", period="",
                                     defaults={"value": value, "horizon": horizon, "source": source,
                                               "phrase": phrase, "seeded": True})


class Migration(migrations.Migration):
    dependencies = [("stats", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
