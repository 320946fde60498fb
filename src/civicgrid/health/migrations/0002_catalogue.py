"""The seeded catalogue of the national basic public-health service items this app schedules, with
their schedule rules (editable data). ``source`` says where each comes from: the seeds (004b, 002,
000a) or national practice (国家基本公共卫生服务规范 第三版, 2017); rules the seeds give no annex
for are marked ``sample``."""

from django.db import migrations

NATIONAL = "国家基本公共卫生服务规范（第三版）"
PROGRAMMES = [
    # code, name, source, sensitive, min_age, max_age, rules
    ("htn", "高血压患者健康管理", "004b «慢性病筛查和规范管理»；002；" + NATIONAL, False, 35, None, [
        ("q", "高血压季度随访", "enrolment", 0, 0, 3, 0, 14, 30, True, NATIONAL + "：每年至少4次面对面随访", False),
    ]),
    ("dm", "2型糖尿病患者健康管理", "004b «慢性病筛查和规范管理»；002；" + NATIONAL, False, 35, None, [
        ("q", "糖尿病季度随访", "enrolment", 0, 0, 3, 0, 14, 30, True, NATIONAL + "：每年至少4次面对面随访", False),
    ]),
    ("elderly", "65岁及以上老年人健康管理", "004b «65岁以上老人健康管理»；" + NATIONAL, False, 65, None, [
        ("y", "年度健康体检", "year", 0, 0, 0, 0, 0, 30, True, NATIONAL + "：每年1次", False),
    ]),
    ("child", "0-6岁儿童健康管理", "004b «计划免疫、儿童保健»；" + NATIONAL, False, None, 6, [
        ("m01", "新生儿家庭访视", "birth", 0, 7, 0, 1, 4, 21, True, NATIONAL + "：出院后1周内", False),
        ("m03", "3月龄体检", "birth", 3, 0, 0, 1, 7, 30, True, NATIONAL, False),
        ("m06", "6月龄体检", "birth", 6, 0, 0, 1, 7, 30, True, NATIONAL, False),
        ("m08", "8月龄体检", "birth", 8, 0, 0, 1, 7, 30, True, NATIONAL, False),
        ("m12", "12月龄体检", "birth", 12, 0, 0, 1, 7, 30, True, NATIONAL, False),
        ("m18", "18月龄体检", "birth", 18, 0, 0, 1, 7, 30, True, NATIONAL, False),
        ("m24", "24月龄体检", "birth", 24, 0, 0, 1, 7, 30, True, NATIONAL, False),
        ("m30", "30月龄体检", "birth", 30, 0, 0, 1, 7, 30, True, NATIONAL, False),
        ("m36", "3岁体检", "birth", 36, 0, 0, 1, 14, 60, True, NATIONAL, False),
        ("y46", "4-6岁年度体检", "birth", 48, 0, 12, 3, 14, 60, True, NATIONAL + "：每年1次", False),
    ]),
    ("maternal", "孕产妇健康管理", "004b «孕期保健指导及产后访视»；" + NATIONAL, False, None, None, [
        ("pp7", "产后访视", "event", 0, 7, 0, 1, 4, 0, True, NATIONAL + "：出院后3-7天", False),
        ("pp42", "产后42天健康检查", "event", 0, 42, 0, 1, 0, 14, True, NATIONAL + "：产后42天", False),
    ]),
    ("smi", "严重精神障碍患者管理", "004b «重性精神疾病分类规范管理»；" + NATIONAL, True, None, None, [
        ("q", "严重精神障碍季度随访", "enrolment", 0, 0, 3, 0, 14, 30, True, NATIONAL + "：每年至少4次", False),
    ]),
    ("tb", "肺结核患者健康管理", "004b «传染病…转诊和随访»；" + NATIONAL, False, None, None, [
        ("m", "肺结核月度随访", "enrolment", 1, 0, 1, 6, 7, 7, True, NATIONAL + "：疗程内每月1次（6个月疗程示例）",
         True),
    ]),
    ("immun", "预防接种", "004b «计划免疫»；" + NATIONAL, False, None, 6, [
        ("hep1", "乙肝疫苗第2剂", "birth", 1, 0, 0, 1, 0, 30, True, "示例：国家免疫规划程序摘录", True),
        ("dtp1", "百白破疫苗第1剂", "birth", 3, 0, 0, 1, 0, 30, True, "示例：国家免疫规划程序摘录", True),
        ("mmr1", "麻腮风疫苗第1剂", "birth", 8, 0, 0, 1, 0, 30, True, "示例：国家免疫规划程序摘录", True),
    ]),
    ("rehab", "康复期随访（下转）", "004b «双向转诊信息平台,将网格内的康复期病人自动转到团队»", False, None, None, [
        ("d7", "下转后首次随访", "event", 0, 7, 0, 1, 7, 7, True, "示例：种子文件无时限附件", True),
        ("d30", "下转后30天随访", "event", 0, 30, 0, 1, 7, 14, True, "示例：种子文件无时限附件", True),
    ]),
]


def seed(apps, schema_editor):
    Programme = apps.get_model("health", "Programme")
    Rule = apps.get_model("health", "ScheduleRule")
    for code, name, source, sensitive, min_age, max_age, rules in PROGRAMMES:
        programme, _created = Programme.objects.update_or_create(
            code=code, defaults={"name": name, "source": source, "sensitive": sensitive, "min_age": min_age,
                                 "max_age": max_age, "active": True})
        for (rcode, rname, anchor, off_m, off_d, every, count, before, after, f2f, rsource, sample) in rules:
            Rule.objects.update_or_create(programme=programme, code=rcode, defaults={
                "name": rname, "anchor": anchor, "offset_months": off_m, "offset_days": off_d,
                "every_months": every, "count": count, "before_days": before, "after_days": after,
                "face_to_face": f2f, "source": rsource, "sample": sample, "active": True})


class Migration(migrations.Migration):
    dependencies = [("health", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
