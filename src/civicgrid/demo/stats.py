"""The demo's indicators: the seeded plan targets, a district's own target overriding one of them
with its quarterly breakdown, and the cache filled once (through the stats actions)."""

from __future__ import annotations

import datetime as dt

from civicgrid.core import periods as P
from civicgrid.core.scoping import SYSTEM
from civicgrid.stats import actions
from civicgrid.stats.models import ReportTemplate
from civicgrid.stats.seeds import ensure_report_forms, ensure_seeded_targets


def load_stats(*, root_code: str, progress=print) -> None:
    ensure_seeded_targets()
    year = P.current("year").code
    # 000: the district's own plan asks for 30 m² per 100 households (the city's 002 asks for 20).
    actions.do_set_target(actor=SYSTEM, indicator="circle.facility_area", area_code=root_code, value=30,
                          horizon="", source="000 社区公共服务实施方案(区级)",
                          phrase="力争每百户居民拥有的社区服务设施面积达到30平方米以上")
    yearly = actions.do_set_target(actor=SYSTEM, indicator="cases.on_time_rate", area_code=root_code, value=90,
                                   period=year, source="004e 工作目标季度分解表(区)",
                                   phrase="制定工作目标季度分解表")
    actions.do_set_breakdown(actor=SYSTEM, target=yearly, quarters={1: 85, 2: 88, 3: 90, 4: 92})
    _load_surveys(root_code)
    run = actions.do_refresh(actor=SYSTEM)
    progress(f"indicator values: {run.values} over {run.periods} periods ({run.seconds:.1f} s)")
    _load_reports(root_code)
    _load_assessment()


def _load_assessment() -> None:
    """This year's assessment of the communities so far, scored from the cache and published."""
    from civicgrid.stats.models import AssessmentScheme
    from civicgrid.stats.seeds import ensure_schemes

    ensure_schemes()
    scheme = AssessmentScheme.objects.get(code="KH-Y")
    year = P.current("year")
    actions.do_assess(actor=SYSTEM, scheme=scheme, period=year)
    actions.do_publish_assessment(actor=SYSTEM, scheme=scheme, period=year)


def _load_reports(root_code: str) -> None:
    """The half-yearly form of the half-year just over: opened for every community, most filled in
    and submitted (one late, one returned), the first street's accepted."""
    ensure_report_forms()
    template = ReportTemplate.objects.get(code="GW-S")
    half = P.last_full("half")
    actions.do_issue_reports(actor=SYSTEM, template=template, period=half)
    reports = list(template.instances.filter(period=half.code, area_code__startswith=root_code).order_by("area_code"))
    for i, report in enumerate(reports):
        if i % 5 == 4:
            continue  # not started
        due = P.midnight(report.due_date)
        report = actions.do_fill_report(actor=SYSTEM, instance=report, now=due - dt.timedelta(days=10))
        entries = {c.pk: (12 + i if c.kind == "number" else "按计划完成半年工作。")
                   for c in template.cells.all() if c.kind != "indicator"}
        report = actions.do_edit_report(actor=SYSTEM, instance=report, entries=entries,
                                        now=due - dt.timedelta(days=6))
        if i % 5 == 3:
            continue  # a draft
        when = due + dt.timedelta(days=3 if i % 7 == 2 else -2, hours=10)
        report = actions.do_submit_report(actor=SYSTEM, instance=report, now=when)
        if i % 6 == 1:
            actions.do_review_report(actor=SYSTEM, instance=report, step="return", note="健康档案数请与系统核对",
                                     now=when + dt.timedelta(days=1))
        elif i < 4:
            actions.do_review_report(actor=SYSTEM, instance=report, step="accept", now=when + dt.timedelta(days=1))


def _load_surveys(root_code: str) -> None:
    """Three residents asked in every grid this month (知晓率 and 满意率 questionnaire)."""
    import random

    from civicgrid.areas.models import Area
    from civicgrid.stats.models import Survey
    from civicgrid.stats.seeds import ensure_surveys

    ensure_surveys()
    survey = Survey.objects.get(code="WJ-GRID")
    rng = random.Random(f"{root_code}-survey")
    start = P.current("month").start
    grids = Area.objects.filter(level="grid", code__startswith=root_code).values_list("code", flat=True)
    for n, code in enumerate(grids):
        for k in range(3):
            answers = {"1": rng.random() < 0.7, "2": rng.random() < 0.6,
                       "3": rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5]), "4": rng.choice([1, 2, 2, 3, 3, 4])}
            actions.do_record_response(actor=SYSTEM, survey=survey, area_code=code, answers=answers,
                                       at=start + dt.timedelta(hours=9 + k, minutes=n % 60))
