"""Indexes for people search at city scale (``queries.search_people``).

* name_pinyin: a prefix (LIKE 'zhangw%') index; name_initials has one already.
* PostgreSQL only: ``pg_trgm`` GIN indexes on name and address, which serve LIKE '%…%' for terms
  of 3 characters and more; and, since trigrams cannot serve a 2-character term (most Chinese
  given names: 张伟), a GIN index over the bigrams of name and address
  (``civicgrid_bigrams(name, address) @> ARRAY['张伟']``, a necessary condition the search adds
  beside its LIKE). SQLite keeps its plain scan.
"""

from django.db import migrations, models

BIGRAMS = """
CREATE OR REPLACE FUNCTION civicgrid_bigrams(a text, b text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
    SELECT substr(a, i, 2) AS g FROM generate_series(1, char_length(a) - 1) AS i
    UNION ALL
    SELECT substr(b, i, 2) FROM generate_series(1, char_length(b) - 1) AS i) AS grams
$$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in (
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX IF NOT EXISTS registry_person_name_trgm ON registry_person USING gin (name gin_trgm_ops)",
        "CREATE INDEX IF NOT EXISTS registry_person_address_trgm ON registry_person USING gin (address gin_trgm_ops)",
        BIGRAMS,
        "CREATE INDEX IF NOT EXISTS registry_person_bigrams ON registry_person USING gin "
        "(civicgrid_bigrams(name, address))",
    ):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in (
        "DROP INDEX IF EXISTS registry_person_bigrams",
        "DROP FUNCTION IF EXISTS civicgrid_bigrams(text, text)",
        "DROP INDEX IF EXISTS registry_person_address_trgm",
        "DROP INDEX IF EXISTS registry_person_name_trgm",
    ):  # the extension stays: other databases' objects may use it
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0007_export_job'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['name_pinyin'], name='registry_person_pinyin', opclasses=['varchar_pattern_ops']),
        ),
        migrations.RunPython(forwards, backwards),
    ]
