from django.db import migrations


def seed(apps, schema_editor):
    from civicgrid.stats.seeds import SEED_REPORTS

    ReportTemplate = apps.get_model("stats", "ReportTemplate")
    ReportCell = apps.get_model("stats", "ReportCell")
    for code, name, kind, level, due_days, source, cells in SEED_REPORTS:
        template, created = ReportTemplate.objects.get_or_create(
            code=code, defaults={"name": name, "period_kind": kind, "level": level, "due_days": due_days,
                                 "source": source})
        if created:
            for i, (label, k, ind, unit, req) in enumerate(cells):
                ReportCell.objects.create(template=template, position=i + 1, label=label, kind=k, indicator=ind,
                                          unit=unit, required=req)


class Migration(migrations.Migration):
    dependencies = [("stats", "0003_report_forms")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
