"""Issue 14, finding 7: the dispatch form never pre-selects the unit that has just sent the case
back (退回) or handed it up (上报) — it stays in the list, marked, but the dispatcher chooses."""

from __future__ import annotations

import re

from civicgrid.cases import actions, queries
from civicgrid.cases.models import Case, CaseClass
from civicgrid.core.scoping import SYSTEM

from .conftest import GRID, centre_of


def _selected(page: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="(\d*)"[^>]*\bselected\b', select)


def _hotline_case(org) -> Case:
    lon, lat = centre_of(org["tree"][GRID])
    case = actions.do_report_case(actor=SYSTEM, channel=Case.Channel.HOTLINE, cls=CaseClass.objects.get(code="E0101"),
                                  title="垃圾堆积", description="小区门口", lon=lon, lat=lat,
                                  reporter_name="王先生", reporter_phone="13800001234")
    return actions.do_register_case(case, actor=org["people"]["shift"])


def test_the_unit_that_sent_the_case_back_is_not_preselected(org, client_for):
    hw = org["units"]["sanitation"]
    case = _hotline_case(org)
    disp = client_for(org["people"]["dispatcher"])
    assert _selected(disp.get(f"/cases/{case.pk}/").content.decode(), f"lead-{case.pk}") == [str(hw.pk)]

    case = actions.do_dispatch_case(case, actor=org["people"]["dispatcher"], lead_unit=hw)
    case = actions.do_send_back_case(case, actor=org["people"]["sanitation"], reason="不属于环卫职责")
    for url in (f"/cases/{case.pk}/", "/cases/queues/dispatch/"):
        page = disp.get(url).content.decode()
        selected = _selected(page, f"lead-{case.pk}")
        assert str(hw.pk) not in selected, url
        assert re.search(rf'<option value="{hw.pk}" data-refused="sent_back">', page), url  # still offered, marked
    advice = queries.dispatch_suggestions(org["people"]["dispatcher"], case)
    assert advice[-1]["unit"] == hw and advice[-1]["refused"] == "sent_back"
    assert not any(s["preselect"] and s["refused"] for s in advice)


def test_the_tier_offices_that_escalated_the_case_are_not_preselected(org, client_for):
    CaseClass.objects.filter(code="E0101").update(department="")  # no department: the place's offices lead
    lon, lat = centre_of(org["tree"][GRID])
    case = actions.do_report_case(actor=org["people"]["grid"], channel=Case.Channel.PATROL,
                                  cls=CaseClass.objects.get(code="E0101"), title="垃圾堆积", description="路口",
                                  lon=lon, lat=lat)
    assert case.tier == Case.Tier.COMMUNITY
    case = actions.do_escalate_case(case, actor=org["people"]["community"], note="社区无力处置")
    case = actions.do_escalate_case(case, actor=org["people"]["street"], note="街道无力处置")
    assert case.tier == Case.Tier.DISTRICT
    case = actions.do_register_case(case, actor=org["people"]["shift"])
    advice = queries.dispatch_suggestions(org["people"]["dispatcher"], case)
    by_unit = {s["unit"].code: s for s in advice}
    assert by_unit["JD1"]["refused"] == "escalated" and by_unit["JW1"]["refused"] == "escalated"
    page = client_for(org["people"]["dispatcher"]).get(f"/cases/{case.pk}/").content.decode()
    assert _selected(page, f"lead-{case.pk}") == [""]  # the empty choice: the dispatcher decides
    assert "data-no-preselect" in page
