from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("circle", "0002_catalogue")]
    operations = [migrations.RenameField("providerevent", "action", "kind")]
