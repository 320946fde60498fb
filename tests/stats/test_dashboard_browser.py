"""Acceptance 4: the dashboards render in Chromium for district, street, community and grid users
(a city level above the districts is one more level of the same tree): key indicators with traffic
lights and SVG trends, the child areas on the offline map and in bars, drill-down by clicking a
child, and the targets-not-met list; nothing is fetched from another host. Screenshots kept with
CIVICGRID_SCREENSHOTS=<dir> (docs/screenshots/stats-*.png)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from ..web.test_browser import CHROMIUM, browser, shot  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not __import__("shutil").which(CHROMIUM), reason="Chromium is not installed")]

POSTS = [("qu_admin", "district", "文新街道"), ("jd_admin", "street", "金祝社区"),
         ("sq_worker", "community", "金祝社区第1网格"), ("wg_worker", "grid", None)]


def login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "civicgrid2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.django_db(transaction=True)
def test_dashboards_of_every_level(live_server, browser, tmp_path):  # noqa: F811
    from django.core.management import call_command

    call_command("demo", "--seed", "1", "--people", "2000")
    base = live_server.url
    for username, level, child in POSTS:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        hosts = set()
        page.on("request", lambda r, hosts=hosts: hosts.add(urlparse(r.url).netloc))
        login(page, base, username)
        page.goto(f"{base}/stats/?indicator=circle.facility_coverage")
        assert "关键指标" in page.content() and "未达标目标" in page.content()
        assert page.locator("#key-indicators tbody tr").count() >= 10
        assert page.locator("svg.stats-trend").count() >= 10
        lights = page.locator("#key-indicators [data-light]").evaluate_all("els => els.map(e => e.dataset.light)")
        assert {"met", "missed"} & set(lights), lights
        if child:
            page.wait_for_selector("#stats-map[data-loaded='1']", timeout=15_000)
            assert int(page.get_attribute("#stats-map", "data-features")) >= 2
            assert page.locator("svg.stats-bars rect").count() >= 2
            page.wait_for_timeout(400)
            shot(page, f"stats-dashboard-{level}", tmp_path)
            page.locator("#child-table a", has_text=child).first.click()
            page.wait_for_load_state()
            assert child in page.locator("#stats-title").inner_text()
        else:
            assert page.locator("#stats-map").count() == 0  # a grid has no child areas
            shot(page, f"stats-dashboard-{level}", tmp_path)
        if level == "street":  # the street reviews its communities' forms and scores them
            page.goto(f"{base}/stats/reports/")
            assert "报表上报率" in page.content() and page.locator("#report-table tbody tr").count() >= 2
            shot(page, "stats-reports-street", tmp_path)
            page.locator("#report-table a").first.click()
            page.wait_for_load_state()
            assert page.locator("#report-cells tbody tr").count() == 10
            shot(page, "stats-report-form", tmp_path)
            page.goto(f"{base}/stats/assessment/")
            assert page.locator("#results tbody tr").count() >= 2
            shot(page, "stats-assessment-street", tmp_path)
        assert hosts <= {urlparse(base).netloc}, hosts
        context.close()
