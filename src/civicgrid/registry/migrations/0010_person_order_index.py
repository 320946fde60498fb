"""The people list's order on PostgreSQL (``queries.person_order``): a byte-order (COLLATE "C")
index on (area_code, name_pinyin, id) serves the jurisdiction prefix and the order at once."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('CREATE INDEX IF NOT EXISTS registry_person_order_c ON registry_person '
                              '((area_code COLLATE "C"), (name_pinyin COLLATE "C"), id)')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS registry_person_order_c")


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0009_import_jobs'),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
