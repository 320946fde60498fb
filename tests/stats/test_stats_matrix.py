"""Jurisdiction matrix of the indicators and targets (``tests/support/matrix.py``): each post asks
for the figures and dashboard of its own, a sibling's and the parent's area (200 only for its own,
404 otherwise), the child figures, the targets list and the dashboard never hold a code outside its
area (the areas above may appear), and a target write outside one's area or without the right
changes nothing."""

from __future__ import annotations

import datetime as dt
import json

from civicgrid.core.scoping import SYSTEM
from civicgrid.stats import actions
from civicgrid.stats.models import (
    AssessmentResult,
    AssessmentScheme,
    IndicatorValue,
    ReportEvent,
    ReportInstance,
    ReportTemplate,
    Survey,
    SurveyResponse,
    Target,
)

from ..support.matrix import OWN, Matrix, above, covers, inside, relations
from .conftest import PERIOD, make_case

SETTERS = {"district", "street"}  # hold stats.targets


@covers(IndicatorValue, Target)
def test_stats_jurisdiction_matrix(cast, tree, client_for, case_catalogue):
    for code in (c for c in tree if len(c) == 15):
        make_case(code, dispatched=PERIOD.start + dt.timedelta(days=3), closed=PERIOD.start + dt.timedelta(days=4),
                  on_time=True, rating=2)
    actions.do_refresh(actor=SYSTEM, periods=[PERIOD])
    for code in tree:
        actions.do_set_target(actor=SYSTEM, indicator="cases.closing_rate", area_code=code, value=80, source="测试")
    assert IndicatorValue.objects.count() > 0
    m = Matrix()
    for level, user in cast.items():
        client = client_for(user)
        own = OWN[level]
        for relation, code in relations(level).items():
            allowed = relation == "own"
            m.object(client, IndicatorValue, f"api area figures · {level} · {relation}",
                     f"/api/stats/areas/{code}?period={PERIOD.code}", allowed=allowed)
            m.object(client, IndicatorValue, f"api trend · {level} · {relation}",
                     f"/api/stats/areas/{code}/trend?indicator=cases.reported&kind=month&last={PERIOD.code}",
                     allowed=allowed)
            m.object(client, IndicatorValue, f"page dashboard · {level} · {relation}",
                     f"/stats/area/{code}/?period={PERIOD.code}", allowed=allowed)
            target = Target.objects.get(indicator="cases.closing_rate", area_code=code)
            may = allowed and level in SETTERS
            with m.write(Target, f"write target · {level} · {relation}",
                         lambda t=target: Target.objects.get(pk=t.pk).value, allowed=may) as write:
                response = client.post("/api/stats/targets", data=json.dumps(
                    {"indicator": "cases.closing_rate", "area_code": code, "value": 91, "source": "考核方案"}),
                    content_type="application/json")
                write.leak_if(response.status_code == 200 and not may, "answered 200")
            Target.objects.filter(pk=target.pk).update(value=80)
        in_scope = inside(own, tree) | above(own)
        m.collection(client, IndicatorValue, f"api children · {level}",
                     f"/api/stats/areas/{own}/children?indicator=cases.closing_rate&period={PERIOD.code}", in_scope,
                     must_include={own} if len(own) < 15 else ())
        m.collection(client, IndicatorValue, f"page dashboard · {level}", f"/stats/?period={PERIOD.code}", in_scope)
        m.collection(client, Target, f"api targets · {level}", "/api/stats/targets?limit=1000", in_scope,
                     must_include={own})
        m.collection(client, Target, f"page targets · {level}", "/stats/targets/", in_scope, must_include={own})
    m.done()


@covers(ReportInstance, ReportEvent)
def test_report_forms_jurisdiction_matrix(cast, tree, client_for):
    from civicgrid.core import periods as P
    from civicgrid.stats.seeds import ensure_report_forms

    ensure_report_forms()
    template = ReportTemplate.objects.get(code="GW-S")
    actions.do_issue_reports(actor=SYSTEM, template=template, period=P.parse("2025S1"))
    by_code = {}
    for r in ReportInstance.objects.filter(period="2025S1"):
        actions.do_fill_report(actor=SYSTEM, instance=r)
        by_code[r.area_code] = r.pk
    m = Matrix()
    for level, user in cast.items():
        client = client_for(user)
        own = OWN[level]
        mine = {code: pk for code, pk in by_code.items() if code.startswith(own)}
        others = {code: pk for code, pk in by_code.items() if not code.startswith(own)}
        for relation, pk in (("own", next(iter(mine.values()), None)), ("foreign", next(iter(others.values())))):
            if pk is None:
                continue
            allowed = relation == "own"
            m.object(client, ReportInstance, f"api report · {level} · {relation}", f"/api/stats/reports/{pk}",
                     allowed=allowed)
            m.object(client, ReportInstance, f"page report · {level} · {relation}", f"/stats/reports/{pk}/",
                     allowed=allowed)
            m.object(client, ReportInstance, f"xlsx report · {level} · {relation}", f"/stats/reports/{pk}/xlsx/",
                     allowed=allowed)
            m.object(client, ReportEvent, f"api report events · {level} · {relation}",
                     f"/api/stats/reports/{pk}/events", allowed=allowed)
            report = ReportInstance.objects.get(pk=pk)
            # Only the community's own post submits (entries first); everybody else changes nothing.
            may = allowed and level == "community"
            with m.write(ReportInstance, f"write report submit · {level} · {relation}",
                         lambda pk=pk: ReportInstance.objects.get(pk=pk).status, allowed=may) as write:
                cells = {str(c.position): 1 for c in report.template.cells.all() if c.kind == "number"}
                client.post(f"/api/stats/reports/{pk}/edit", data=json.dumps({"values": cells}),
                            content_type="application/json")
                response = client.post(f"/api/stats/reports/{pk}/submit", data="{}", content_type="application/json")
                write.leak_if(response.status_code == 200 and not may, "answered 200")
            ReportInstance.objects.filter(pk=pk).update(status="draft")
        m.collection(client, ReportInstance, f"api reports · {level}", "/api/stats/reports?limit=1000",
                     inside(own, tree) | above(own))
        m.collection(client, ReportInstance, f"page reports · {level}", "/stats/reports/?form=GW-S&period=2025S1",
                     inside(own, tree) | above(own))
    m.done()


@covers(AssessmentResult)
def test_assessment_jurisdiction_matrix(cast, tree, client_for):
    from civicgrid.core import periods as P
    from civicgrid.stats.seeds import ensure_schemes, ensure_seeded_targets

    ensure_schemes()
    ensure_seeded_targets()
    for code in (c for c in tree if len(c) == 15):
        IndicatorValue.objects.create(indicator="circle.facility_coverage", period="2025", kind="year",
                                      area_code=code, numerator=90, denominator=100)
    actions.roll_up("circle.facility_coverage", ["2025"])
    scheme = AssessmentScheme.objects.get(code="KH-Y")
    actions.do_assess(actor=SYSTEM, scheme=scheme, period=P.parse("2025"))
    actions.do_publish_assessment(actor=SYSTEM, scheme=scheme, period=P.parse("2025"))
    m = Matrix()
    for level, user in cast.items():
        client = client_for(user)
        own = OWN[level]
        scope = inside(own, tree) | above(own)
        m.collection(client, AssessmentResult, f"api assessments · {level}", "/api/stats/assessments?limit=1000", scope,
                     must_include={c for c in scope if len(c) == 12 and c.startswith(own)} if level != "grid" else ())
        m.collection(client, AssessmentResult, f"page assessment · {level}", "/stats/assessment/?scheme=KH-Y&period=2025",
                     scope)
    m.done()


@covers(SurveyResponse)
def test_survey_jurisdiction_matrix(cast, tree, client_for):
    from civicgrid.stats.seeds import ensure_surveys

    ensure_surveys()
    survey = Survey.objects.get(code="WJ-GRID")
    answers = {"1": True, "2": False, "3": 2, "4": 3}
    for code in (c for c in tree if len(c) == 15):
        actions.do_record_response(actor=SYSTEM, survey=survey, area_code=code, answers=answers)
    m = Matrix()
    for level, user in cast.items():
        client = client_for(user)
        own = OWN[level]
        m.collection(client, SurveyResponse, f"api survey responses · {level}",
                     "/api/stats/surveys/WJ-GRID/responses?limit=1000", inside(own, tree) | above(own),
                     must_include={c for c in tree if len(c) == 15 and c.startswith(own)})
        m.collection(client, SurveyResponse, f"page surveys · {level}", "/stats/surveys/", inside(own, tree) | above(own))
        for relation, code in relations(level).items():
            grid = code if len(code) == 15 else next(c for c in sorted(tree) if len(c) == 15 and c.startswith(code)
                                                      and not (relation != "own" and c.startswith(own)))
            allowed = relation == "own" and level != "seat"
            with m.write(SurveyResponse, f"write survey response · {level} · {relation}",
                         lambda g=grid: SurveyResponse.objects.filter(area_code=g).count(), allowed=allowed) as w:
                r = client.post("/api/stats/surveys/WJ-GRID/responses",
                                data=json.dumps({"area_code": grid, "answers": answers}),
                                content_type="application/json")
                w.leak_if(r.status_code == 200 and not allowed, "answered 200")
    m.done()
