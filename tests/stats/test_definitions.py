"""Pages for defining report forms, assessment schemes and surveys (/stats/define/): district and
city administrators (``stats.admin``) create and change them through ``actions.do_save_*`` (one
transaction, an audit row); bad input is refused beside the field, in Chinese, naming the label
and the rule, with everything typed kept; what recorded values depend on is frozen once reports,
published results or responses exist; another district's administrator gets 404, a street
administrator 403."""

from __future__ import annotations

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core import periods as P
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.stats import actions
from civicgrid.stats.models import AssessmentResult, AssessmentScheme, ReportInstance, ReportTemplate, Survey

from ..conftest import make_user


@pytest.fixture
def admins(tree):
    return {
        "district": make_user("d_admin", Role.DISTRICT_ADMIN, tree["330106"]),
        "other": make_user("d_admin_b", Role.DISTRICT_ADMIN, tree["330108"]),
        "street": make_user("s_admin", Role.STREET_ADMIN, tree["330106001"]),
    }


def _report_post(**over):
    data = {"code": "T-1", "name": "测试月报", "period_kind": "month", "level": "community", "due_days": "5",
            "source": "测试", "cell-rows": "4",
            "cell-0-position": "1", "cell-0-label": "结案率", "cell-0-kind": "indicator",
            "cell-0-indicator": "cases.closing_rate", "cell-0-unit": "%",
            "cell-1-position": "2", "cell-1-label": "走访户数", "cell-1-kind": "number", "cell-1-required": "on",
            "cell-2-position": "3", "cell-2-label": "说明", "cell-2-kind": "text"}
    data.update(over)
    return data


@pytest.mark.django_db
def test_a_district_administrator_defines_a_report_form(admins, client_for):
    client = client_for(admins["district"])
    assert client.get("/stats/define/").status_code == 200
    assert client.get("/stats/define/report/new/").status_code == 200
    response = client.post("/stats/define/report/new/", _report_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    t = ReportTemplate.objects.get(code="T-1")
    assert t.owner_code == "330106" and t.due_days == 5 and t.period_kind == "month"
    assert [(c.position, c.label, c.kind, c.indicator, c.required) for c in t.cells.all()] == [
        (1, "结案率", "indicator", "cases.closing_rate", False), (2, "走访户数", "number", "", True),
        (3, "说明", "text", "", False)]
    assert AuditLog.objects.filter(action="stats.define.report", object_id=str(t.pk)).count() == 1
    # Changed: a cell renamed and reordered, version compared.
    response = client.post(f"/stats/define/report/{t.pk}/", _report_post(
        **{"version": "1", "cell-1-label": "入户走访数", "cell-2-position": "0"}))
    assert response.status_code == 400  # order 0 is refused beside the field
    page = response.content.decode()
    assert "顺序" in page and "入户走访数" in page  # the rule named, what was typed kept
    response = client.post(f"/stats/define/report/{t.pk}/", _report_post(
        **{"version": "1", "cell-1-label": "入户走访数", "cell-2-position": "9"}))
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.version == 2 and [c.label for c in t.cells.all()] == ["结案率", "入户走访数", "说明"]
    # Reports issued in the district: the form only opens areas under its owner, and its cells freeze.
    n = actions.do_issue_reports(actor=SYSTEM, template=t, period=P.parse("202605"))
    assert n == ReportInstance.objects.filter(template=t).count() > 0
    assert not ReportInstance.objects.filter(template=t).exclude(area_code__startswith="330106").exists()
    response = client.post(f"/stats/define/report/{t.pk}/", _report_post(
        **{"version": "2", "cell-1-label": "别的"}))
    assert response.status_code == 400 and "不能再" in response.content.decode()
    assert t.cells.get(position=2).label == "入户走访数"
    response = client.post(f"/stats/define/report/{t.pk}/", _report_post(
        **{"version": "2", "name": "测试月报(新名)", "due_days": "10", "cell-1-label": "入户走访数",
           "cell-2-position": "9", "active": "on"}))
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.name == "测试月报(新名)" and t.due_days == 10


@pytest.mark.django_db
def test_report_form_refusals_name_the_label_and_keep_the_input(admins, client_for):
    client = client_for(admins["district"])
    response = client.post("/stats/define/report/new/", _report_post(
        **{"code": "坏 代码", "name": "", "due_days": "abc", "cell-0-indicator": "no.such", "cell-1-label": "",
           "cell-1-unit": "户"}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "名称:必填。" in page  # the label and the rule, beside the field
    assert "编码:1–20" in page and 'value="坏 代码"' in page  # the bad code kept in its field
    assert "结案率:指标:请从列表中选择指标。" in page
    assert "栏目名称:必填。" in page and 'value="户"' in page
    assert "报送期限(期末后天数):请填写数字。" in page and 'value="abc"' in page
    assert not ReportTemplate.objects.filter(name="").exists()


@pytest.mark.django_db
def test_other_districts_get_404_and_lower_levels_403(admins, client_for):
    t = actions.do_save_report_template(actor=admins["district"], data=_report_post(), cells=[
        {"label": "走访户数", "kind": "number"}])
    other, street = client_for(admins["other"]), client_for(admins["street"])
    assert other.get(f"/stats/define/report/{t.pk}/").status_code == 404
    assert other.post(f"/stats/define/report/{t.pk}/", _report_post(name="改")).status_code == 404
    assert street.get("/stats/define/").status_code == 403
    assert street.get(f"/stats/define/report/{t.pk}/").status_code == 403
    assert street.post("/stats/define/report/new/", _report_post(code="T-2")).status_code == 403
    assert not ReportTemplate.objects.filter(code="T-2").exists()
    t.refresh_from_db()
    assert t.name == "测试月报"
    # The other district's administrator lists their own and the deployment's, not the district's.
    page = other.get("/stats/define/").content.decode()
    assert "T-1" not in page and "GW-S" in page
    # The seeded (deployment-wide) form: editable by administrators of a top area of the tree.
    seeded = ReportTemplate.objects.get(code="GW-S")
    assert other.get(f"/stats/define/report/{seeded.pk}/").status_code == 200
    assert street.get(f"/stats/define/scheme/{AssessmentScheme.objects.get(code='KH-Y').pk}/").status_code == 403
    assert other.get(f"/stats/define/scheme/{AssessmentScheme.objects.get(code='KH-Y').pk}/").status_code == 200


def _scheme_post(**over):
    data = {"code": "KH-T", "name": "测试考核", "period_kind": "year", "level": "community",
            "base_funding": "50000", "per_person": "20", "persons_indicator": "registry.population",
            "rule-rows": "3",
            "rule-0-indicator": "cases.closing_rate", "rule-0-weight": "60", "rule-0-rule": "target",
            "rule-1-indicator": "registry.volunteer_rate", "rule-1-weight": "40", "rule-1-rule": "band",
            "rule-1-low": "0", "rule-1-high": "10"}
    data.update(over)
    return data


@pytest.mark.django_db
def test_assessment_scheme_weights_must_add_up_to_100(admins, client_for):
    client = client_for(admins["district"])
    response = client.post("/stats/define/scheme/new/", _scheme_post(**{"rule-1-weight": "30"}))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="weights-error"' in page and "权重" in page and "90" in page and "100" in page
    assert 'value="30"' in page and 'value="50000"' in page  # nothing typed lost
    assert not AssessmentScheme.objects.filter(code="KH-T").exists()
    response = client.post("/stats/define/scheme/new/", _scheme_post(**{"rule-1-high": "0"}))
    assert response.status_code == 400  # a band from 0 to 0
    response = client.post("/stats/define/scheme/new/", _scheme_post())
    assert response.status_code == 302
    s = AssessmentScheme.objects.get(code="KH-T")
    assert s.owner_code == "330106" and s.base_funding == 50000
    assert [(r.indicator, r.weight, r.rule, r.low, r.high) for r in s.rules.all()] == [
        ("cases.closing_rate", 60, "target", None, None), ("registry.volunteer_rate", 40, "band", 0, 10)]
    assert AuditLog.objects.filter(action="stats.define.scheme", object_id=str(s.pk)).exists()
    # Funding changed before publication: allowed. Scored and published: frozen.
    response = client.post(f"/stats/define/scheme/{s.pk}/", _scheme_post(base_funding="60000", version="1"))
    assert response.status_code == 302
    actions.do_assess(actor=SYSTEM, scheme=s, period=P.parse("2026"))
    assert not AssessmentResult.objects.filter(scheme=s).exclude(area_code__startswith="330106").exists()
    actions.do_publish_assessment(actor=SYSTEM, scheme=s, period=P.parse("2026"))
    response = client.post(f"/stats/define/scheme/{s.pk}/", _scheme_post(base_funding="70000", version="2"))
    assert response.status_code == 400 and "已发布" in response.content.decode()
    s.refresh_from_db()
    assert s.base_funding == 60000
    other = client_for(admins["other"])
    assert other.get(f"/stats/define/scheme/{s.pk}/").status_code == 404


def _survey_post(**over):
    data = {"code": "WJ-T", "name": "测试问卷", "question-rows": "3",
            "question-0-position": "1", "question-0-text": "您知道您的网格员吗?", "question-0-kind": "awareness",
            "question-1-position": "2", "question-1-text": "您对网格服务满意吗?", "question-1-kind": "satisfaction"}
    data.update(over)
    return data


@pytest.mark.django_db
def test_surveys_are_defined_and_their_questions_freeze_with_responses(admins, client_for):
    client = client_for(admins["district"])
    response = client.post("/stats/define/survey/new/", _survey_post(**{"question-1-kind": "bogus"}))
    assert response.status_code == 400 and "类型" in response.content.decode()
    assert "您对网格服务满意吗?" in response.content.decode()
    response = client.post("/stats/define/survey/new/", _survey_post())
    assert response.status_code == 302
    s = Survey.objects.get(code="WJ-T")
    assert [(q.position, q.kind) for q in s.questions.all()] == [(1, "awareness"), (2, "satisfaction")]
    assert AuditLog.objects.filter(action="stats.define.survey", object_id=str(s.pk)).exists()
    # Answers outside the survey's district are refused; inside recorded; then the questions freeze.
    with pytest.raises(actions.UserError):
        actions.do_record_response(actor=SYSTEM, survey=s, area_code="330108001001001", answers={"1": "yes", "2": 1})
    actions.do_record_response(actor=SYSTEM, survey=s, area_code="330106001001001", answers={"1": "yes", "2": 1})
    response = client.post(f"/stats/define/survey/{s.pk}/", _survey_post(**{"question-1-text": "改过的问题",
                                                                             "version": "1"}))
    assert response.status_code == 400 and "不能再" in response.content.decode()
    assert s.questions.get(position=2).text == "您对网格服务满意吗?"
    assert client_for(admins["other"]).get(f"/stats/define/survey/{s.pk}/").status_code == 404
    # The district's survey is offered in the district, not in the other one.
    assert "测试问卷" in client.get("/stats/surveys/?survey=WJ-T").content.decode()
    elsewhere = client_for(admins["other"]).get("/stats/surveys/?survey=WJ-T").content.decode()
    assert "测试问卷" not in elsewhere and Survey.objects.get(code="WJ-GRID").name in elsewhere
    assert client_for(admins["street"]).get(f"/stats/define/survey/{s.pk}/").status_code == 403
