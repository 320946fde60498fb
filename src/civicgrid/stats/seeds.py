"""Targets seeded from the planning documents (``/work/shared/seeds``), each with its source: the
document and the phrase the figure is read from. Set for the whole deployment (``area_code`` ""),
so every city, district, street, community and grid inherits them until one sets its own."""

from __future__ import annotations

# (indicator, value, horizon, source document, phrase)
SEED_TARGETS = [
    ("circle.facility_coverage", 93.0, "十三五末",
     "002 XX市十三五社区服务体系建设规划", "力争“十三五”末,社区服务设施综合覆盖率达到93%"),
    ("circle.facility_area", 20.0, "十三五末",
     "002 XX市十三五社区服务体系建设规划", "每百户居民拥有的社区服务设施面积不低于20平方米"),
    ("registry.volunteer_rate", 10.0, "十三五末",
     "002 XX市十三五社区服务体系建设规划", "注册社区志愿者达到本地区居民总数的10%以上"),
    ("registry.social_organisations", 8.0, "十三五末",
     "002 XX市十三五社区服务体系建设规划", "每个社区拥有8个以上的社区社会组织"),
    ("cases.satisfaction_rate", 90.0, "",
     "004 网格化健康服务实施方案(004 汇编)", "居民对网格化管理知晓率达到60%以上,对服务满意率达到90%以上"),
]


def ensure_seeded_targets() -> int:
    """Create the seeded targets that are missing (an area's own targets are left alone)."""
    from .models import Target

    made = 0
    for indicator, value, horizon, source, phrase in SEED_TARGETS:
        _obj, created = Target.objects.get_or_create(
            indicator=indicator, area_code="", period="",
            defaults={"value": value, "horizon": horizon, "source": source, "phrase": phrase, "seeded": True})
        made += created
    return made


# Report forms: (code, name, period kind, level, due days, source, cells [(label, kind, indicator, unit, required)])
SEED_REPORTS = [
    ("GW-S", "城市社区公共卫生服务项目工作报表(半年)", "half", "community", 0,
     "000a 浙江省城市社区公共卫生服务项目实施方案:应每半年报送工作报表(每年6月底和12月底前)", [
         ("实有人口", "indicator", "registry.population", "人", False),
         ("户数", "indicator", "registry.households", "户", False),
         ("注册志愿者比例", "indicator", "registry.volunteer_rate", "%", False),
         ("每百户社区服务设施面积", "indicator", "circle.facility_area", "平方米", False),
         ("社区服务设施综合覆盖率", "indicator", "circle.facility_coverage", "%", False),
         ("案件结案率", "indicator", "cases.closing_rate", "%", False),
         ("居民满意率", "indicator", "cases.satisfaction_rate", "%", False),
         ("健康教育讲座次数", "number", "", "次", True),
         ("建立居民健康档案数", "number", "", "份", True),
         ("工作小结", "text", "", "", False),
     ]),
]


def ensure_report_forms() -> int:
    from .models import ReportCell, ReportTemplate

    made = 0
    for code, name, kind, level, due_days, source, cells in SEED_REPORTS:
        template, created = ReportTemplate.objects.get_or_create(
            code=code, defaults={"name": name, "period_kind": kind, "level": level, "due_days": due_days,
                                 "source": source})
        made += created
        if created:
            ReportCell.objects.bulk_create([
                ReportCell(template=template, position=i + 1, label=label, kind=k, indicator=ind, unit=unit,
                           required=req) for i, (label, k, ind, unit, req) in enumerate(cells)])
    return made


# Assessment schemes: (code, name, period kind, level, base funding, per person, persons indicator, source,
# rules [(indicator, weight, rule, low, high)])
SEED_SCHEMES = [
    ("KH-Y", "社区公共服务年度考核", "year", "community", 100000.0, 20.0, "registry.population",
     "000 浙江省城市社区公共卫生服务项目实施方案:按服务人口每人每年20元的标准……将评价结果作为核拨专项补助资金的重要依据", [
         ("cases.closing_rate", 25.0, "target", None, None),
         ("cases.satisfaction_rate", 30.0, "target", None, None),
         ("circle.facility_coverage", 25.0, "target", None, None),
         ("registry.volunteer_rate", 20.0, "target", None, None),
     ]),
]

GRADES = [(90.0, "优秀"), (80.0, "良好"), (60.0, "合格"), (0.0, "不合格")]


def ensure_schemes() -> int:
    from .models import AssessmentRule, AssessmentScheme

    made = 0
    for code, name, kind, level, base, per_person, persons, source, rules in SEED_SCHEMES:
        scheme, created = AssessmentScheme.objects.get_or_create(
            code=code, defaults={"name": name, "period_kind": kind, "level": level, "base_funding": base,
                                 "per_person": per_person, "persons_indicator": persons, "source": source})
        made += created
        if created:
            AssessmentRule.objects.bulk_create([
                AssessmentRule(scheme=scheme, indicator=ind, weight=w, rule=r, low=lo, high=hi)
                for ind, w, r, lo, hi in rules])
    return made


SEED_SURVEYS = [
    ("WJ-GRID", "网格化服务管理居民知晓率和满意率调查",
     "004 居民对网格化管理知晓率达到60%以上,对服务满意率达到90%以上", [
         ("您是否知道本网格的网格员及其联系方式?", "awareness"),
         ("您是否知道可以通过网格员或12345反映问题?", "awareness"),
         ("您对网格员的服务是否满意?", "satisfaction"),
         ("您对社区公共服务总体是否满意?", "satisfaction"),
     ]),
]
SEED_TARGETS += [
    ("stats.survey_awareness", 60.0, "", "004 网格化健康服务实施方案(004 汇编)",
     "居民对网格化管理知晓率达到60%以上"),
    ("stats.survey_satisfaction", 90.0, "", "004 网格化健康服务实施方案(004 汇编)",
     "对服务满意率达到90%以上"),
]


def ensure_surveys() -> int:
    from .models import Survey, SurveyQuestion

    made = 0
    for code, name, source, questions in SEED_SURVEYS:
        survey, created = Survey.objects.get_or_create(code=code, defaults={"name": name, "source": source})
        made += created
        if created:
            SurveyQuestion.objects.bulk_create([SurveyQuestion(survey=survey, position=i + 1, text=t, kind=k)
                                                for i, (t, k) in enumerate(questions)])
    return made
