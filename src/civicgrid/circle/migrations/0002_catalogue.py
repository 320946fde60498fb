from django.db import migrations


def seed(apps, schema_editor):
    from civicgrid.circle.catalogues import seed_catalogue

    seed_catalogue(apps.get_model("circle", "ServiceCategory"), apps.get_model("circle", "ServiceItem"))


class Migration(migrations.Migration):
    dependencies = [("circle", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
