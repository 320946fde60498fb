"""The team assessment's standard gains the two figures of 004b's targets added with them: the share
of the centre's medical staff in teams (≥ 30 %) and the service-function provision rate (100 %)."""

from django.db import migrations

ITEMS = [
    # code, name, figure, weight, target, source
    ("A10", "卫生院医务人员加入网格团队比例", "staff", 5, "0.3000", "004b «卫生院30%以上的医务人员加入到网格内»"),
    ("A11", "团队服务功能提供率", "provision", 10, "1.0000", "004b «团队各项服务功能提供率100%»"),
]


def seed(apps, schema_editor):
    Item = apps.get_model("health", "AssessmentItem")
    for code, name, figure, weight, target, source in ITEMS:
        Item.objects.update_or_create(code=code, defaults={"name": name, "figure": figure, "weight": weight,
                                                           "target": target, "source": source, "active": True})


def unseed(apps, schema_editor):
    apps.get_model("health", "AssessmentItem").objects.filter(code__in=[i[0] for i in ITEMS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("health", "0005_task_open_today"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
