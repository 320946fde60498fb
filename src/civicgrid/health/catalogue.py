"""The seeded catalogues (programmes and schedules, migration 0002; the assessment standard, 0003 and
0006; the notifiable diseases, 0007), again on demand (tests flushing the database)."""

import importlib

# The notifiable diseases (法定传染病), an excerpt kept as editable data. Classes from 《中华人民共和国
# 传染病防治法》 (第三条, 第四条: 传染性非典型肺炎 and 肺炭疽 managed as class A); the time limits are
# national practice (《传染病信息报告管理规范（2015年版）》): class A and class B managed as class A
# within 2 hours of the diagnosis, other class B and class C within 24 hours. The seeds (004b:
# «传染病监测、预警和报告») give no list and no limits.
LAW = "《中华人民共和国传染病防治法》"
PRACTICE = "报告时限：国家实践（《传染病信息报告管理规范（2015年版）》）"
DISEASES = [
    # code, name, class, managed as class A
    ("A01", "鼠疫", "A", False),
    ("A02", "霍乱", "A", False),
    ("B01", "传染性非典型肺炎", "B", True),
    ("B02", "艾滋病", "B", False),
    ("B03", "病毒性肝炎", "B", False),
    ("B04", "脊髓灰质炎", "B", False),
    ("B05", "人感染高致病性禽流感", "B", False),
    ("B06", "麻疹", "B", False),
    ("B07", "流行性出血热", "B", False),
    ("B08", "狂犬病", "B", False),
    ("B09", "流行性乙型脑炎", "B", False),
    ("B10", "登革热", "B", False),
    ("B11", "肺炭疽", "B", True),
    ("B12", "细菌性和阿米巴性痢疾", "B", False),
    ("B13", "肺结核", "B", False),
    ("B14", "伤寒和副伤寒", "B", False),
    ("B15", "流行性脑脊髓膜炎", "B", False),
    ("B16", "百日咳", "B", False),
    ("B17", "猩红热", "B", False),
    ("B18", "布鲁氏菌病", "B", False),
    ("B19", "淋病", "B", False),
    ("B20", "梅毒", "B", False),
    ("B21", "疟疾", "B", False),
    ("B22", "新型冠状病毒感染", "B", False),
    ("C01", "流行性感冒", "C", False),
    ("C02", "流行性腮腺炎", "C", False),
    ("C03", "风疹", "C", False),
    ("C04", "急性出血性结膜炎", "C", False),
    ("C05", "感染性腹泻病（霍乱、痢疾、伤寒和副伤寒以外）", "C", False),
    ("C06", "手足口病", "C", False),
]


def limit_hours(category: str, managed_as_a: bool) -> int:
    """National practice: class A and class B managed as class A within 2 hours, the rest within 24."""
    return 2 if category == "A" or managed_as_a else 24


# A report of these enrols the patient in a programme (the team's follow-up tasks): national practice,
# 国家基本公共卫生服务规范（第三版）肺结核患者健康管理.
FOLLOW_UP = {"B13": "tb"}


def seed_diseases(Disease, Programme) -> None:
    """Create the diseases that are missing (idempotent; rows an administrator changed are kept)."""
    have = set(Disease.objects.values_list("code", flat=True))
    programmes = {p.code: p for p in Programme.objects.filter(code__in=FOLLOW_UP.values())}
    Disease.objects.bulk_create([
        Disease(code=code, name=name, category=category, managed_as_a=as_a, limit_hours=limit_hours(category, as_a),
                source=f"{LAW}{'第四条（按甲类管理）' if as_a else ''}；{PRACTICE}", active=True,
                follow_up=programmes.get(FOLLOW_UP.get(code, "")))
        for code, name, category, as_a in DISEASES if code not in have])


def ensure_catalogue() -> None:
    from django.apps import apps

    from .models import AssessmentItem, Disease, Programme

    if not Programme.objects.filter(code="htn").exists():
        importlib.import_module("civicgrid.health.migrations.0002_catalogue").seed(apps, None)
    if not AssessmentItem.objects.exists():
        importlib.import_module("civicgrid.health.migrations.0003_reports").seed(apps, None)
    if not AssessmentItem.objects.filter(code="A11").exists():
        importlib.import_module("civicgrid.health.migrations.0006_assessment_staff_provision").seed(apps, None)
    if not Disease.objects.exists():
        seed_diseases(Disease, Programme)
