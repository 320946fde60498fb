from django.db import migrations


def seed(apps, schema_editor):
    from civicgrid.stats.seeds import SEED_SURVEYS, SEED_TARGETS

    Survey = apps.get_model("stats", "Survey")
    Question = apps.get_model("stats", "SurveyQuestion")
    Target = apps.get_model("stats", "Target")
    for code, name, source, questions in SEED_SURVEYS:
        survey, created = Survey.objects.get_or_create(code=code, defaults={"name": name, "source": source})
        if created:
            for i, (text, kind) in enumerate(questions):
                Question.objects.create(survey=survey, position=i + 1, text=text, kind=kind)
    for indicator, value, horizon, source, phrase in SEED_TARGETS:
        Target.objects.get_or_create(indicator=indicator, area_code="", period="",
                                     defaults={"value": value, "horizon": horizon, "source": source,
                                               "phrase": phrase, "seeded": True})


class Migration(migrations.Migration):
    dependencies = [("stats", "0007_surveys")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
