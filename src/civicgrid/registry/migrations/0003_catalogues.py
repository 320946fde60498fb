from django.db import migrations


def seed(apps, schema_editor):
    from civicgrid.registry.catalogues import seed_catalogues

    seed_catalogues(apps.get_model("registry", "ComponentClass"), apps.get_model("registry", "InfoClass"),
                    apps.get_model("registry", "InfoItem"))


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_people_places_things")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
