from django.db import migrations


def seed(apps, schema_editor):
    from civicgrid.stats.seeds import SEED_SCHEMES

    Scheme = apps.get_model("stats", "AssessmentScheme")
    Rule = apps.get_model("stats", "AssessmentRule")
    for code, name, kind, level, base, per_person, persons, source, rules in SEED_SCHEMES:
        scheme, created = Scheme.objects.get_or_create(
            code=code, defaults={"name": name, "period_kind": kind, "level": level, "base_funding": base,
                                 "per_person": per_person, "persons_indicator": persons, "source": source})
        if created:
            for ind, w, r, lo, hi in rules:
                Rule.objects.create(scheme=scheme, indicator=ind, weight=w, rule=r, low=lo, high=hi)


class Migration(migrations.Migration):
    dependencies = [("stats", "0005_assessment")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
