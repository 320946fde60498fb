"""Masks that cannot be undone (issue 13, finding 1): resident IDs keep their region and last two
characters (330106**********10, was 330106********0010 — whose hidden digits were the birth date
shown beside it); other documents keep two characters at each end. Resident masks are rewritten
from the stored mask; other documents are decrypted (the data key is at hand when migrating) and
masked again, or fully starred if they cannot be decrypted."""

from django.db import migrations

BATCH = 5000


def forwards(apps, schema_editor):
    from civicgrid.core import crypto
    from civicgrid.core.idnumber import mask_id_number

    Person = apps.get_model("registry", "Person")
    changed = []
    rows = Person.objects.exclude(id_masked="").values_list("id", "id_type", "id_masked", "id_enc")
    for pk, id_type, masked, enc in rows.iterator(chunk_size=BATCH):
        if id_type == "resident_id" and len(masked) == 18:
            new = masked[:6] + "*" * 10 + masked[-2:]
        else:
            try:
                new = mask_id_number(crypto.decrypt(enc, context="registry.person.id_number"))
            except Exception:  # noqa: BLE001 - no key or another key: hide it all
                new = "*" * len(masked)
        if new != masked:
            changed.append(Person(pk=pk, id_masked=new))
        if len(changed) >= BATCH:
            Person.objects.bulk_update(changed, ["id_masked"])
            changed = []
    if changed:
        Person.objects.bulk_update(changed, ["id_masked"])


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_history_base")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
