"""The sample service catalogue (示例数据, ``counter/seed.py``): about 70 main services and over 200
handling items across the district, street and community levels, published, editable like any item."""

from django.db import migrations


def forwards(apps, schema_editor):
    from civicgrid.counter import seed

    seed.load(apps.get_model("counter", "ServiceItem"), apps.get_model("counter", "ItemVersion"),
              apps.get_model("counter", "Situation"), apps.get_model("counter", "Material"))


def backwards(apps, schema_editor):
    ServiceItem = apps.get_model("counter", "ServiceItem")
    ServiceItem.objects.filter(sample=True).update(current=None)
    for item in ServiceItem.objects.filter(sample=True, node="handling"):
        item.delete()
    ServiceItem.objects.filter(sample=True).delete()


class Migration(migrations.Migration):
    dependencies = [("counter", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
