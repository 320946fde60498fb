"""Chromium: a team member's follow-ups of today on a phone, a person's health page, the team
assessment and the half-yearly form (acceptance 7). Skipped without Chromium; the screenshots go to
CIVICGRID_SCREENSHOTS (docs/screenshots when refreshed)."""

from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.core.scoping import SYSTEM
from civicgrid.health import actions, reports
from civicgrid.registry.models import Household

from ..conftest import make_user
from ..web.test_browser import CHROMIUM, browser, shot  # noqa: F401 - the browser fixture
from ..web.test_cases_browser import Session
from .conftest import person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not __import__("shutil").which(CHROMIUM), reason="Chromium is not installed (CI installs it)"),
]
PHONE = {"width": 390, "height": 844}
SIDEWAYS = "() => document.documentElement.scrollWidth > window.innerWidth"


def _families(health):
    doctor = health["doctors"]["A"]
    today = dt.date.today()
    first = None
    for n, (address, names) in enumerate((("幸福里1幢101", ["王建国", "李秀兰"]), ("幸福里2幢302", ["张伟"]),
                                          ("和平路8号501", ["赵淑珍", "刘洋"]))):
        household = Household.objects.create(area_code="330106001001001", number=f"H{n}", address=address)
        for i, name in enumerate(names):
            resident = person("330106001001001", name, birth=dt.date(1948 + 7 * i + n, 3, 1), household=household)
            actions.do_sign_contract(resident, actor=doctor, package="chronic", start_date=today - dt.timedelta(days=200),
                                     record_data={"allergies": "青霉素" if i == 0 else "", "history": "高血压10年"})
            enrolment = actions.do_enrol(resident, "htn", actor=doctor,
                                         enrolled_on=today - dt.timedelta(days=95 + 20 * n + 5 * i))
            actions.do_record_visit(enrolment, actor=doctor, on=enrolment.enrolled_on, mode="clinic",
                                    sbp=150 - 10 * i, dbp=92 - 6 * i, classification="控制不满意" if i == 0 else "控制满意")
            if n == 2:
                actions.do_enrol(resident, "elderly", actor=doctor, enrolled_on=today - dt.timedelta(days=30))
            first = first or resident
    return first


@pytest.mark.django_db(transaction=True)
def test_health_pages_in_chromium(live_server, browser, health, tree, tmp_path):  # noqa: F811
    first = _families(health)
    make_user("qu_health", Role.DISTRICT_ADMIN, tree["330106"])
    reports.do_fill_report(actor=SYSTEM, street_code="330106001", period_code=f"{dt.date.today().year}S1")

    phone = Session(browser, live_server, "doc_a", viewport=PHONE)
    page = phone.go("/health/tasks/")
    assert page.locator(".household").count() == 3
    assert "幸福里1幢101" in page.inner_text("body") and not page.evaluate(SIDEWAYS)
    assert page.locator(".task[data-state=overdue]").count() + page.locator(".task[data-state=due]").count() >= 3
    shot(page, "health-tasks-phone", tmp_path)
    page = phone.go(f"/health/people/{first.pk}/")
    assert "青霉素" in page.inner_text("#record") and "150/92" in page.inner_text("#visits")
    assert not page.evaluate(SIDEWAYS)
    phone.close()

    desk = Session(browser, live_server, "doc_a")
    page = desk.go(f"/health/people/{first.pk}/")
    page.select_option("#id_v-mode", "home")
    page.fill("#id_v-sbp", "132")
    page.fill("#id_v-dbp", "84")
    with page.expect_navigation():
        page.click("#visit-form button")
    assert "132/84" in page.inner_text("#visits")
    shot(page, "health-person", tmp_path)
    desk.close()

    district = Session(browser, live_server, "qu_health")
    page = district.go(f"/health/assessment/?period={dt.date.today().year}")
    assert "团队A" in page.inner_text("#assessment")
    shot(page, "health-assessment", tmp_path)
    page = district.go("/health/reports/")
    with page.expect_navigation():
        page.click("#reports a >> nth=0")
    assert "实有人口" in page.inner_text("#cells")
    shot(page, "health-report", tmp_path)
    page = district.go(f"/health/?period={dt.date.today().year}&level=team")
    assert "团队A" in page.inner_text("#figures")
    shot(page, "health-figures", tmp_path)
    page = district.go("/health/map/")
    page.wait_for_selector("#teams-map[data-loaded='1']")
    assert page.get_attribute("#teams-map", "data-features") == "2"  # teams A and B (C is another district)
    assert "团队B" in page.inner_text("#teams") and not page.get_attribute("#teams-map", "data-error")
    shot(page, "health-map", tmp_path)
    district.close()
