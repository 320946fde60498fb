"""Acceptance 4: the dashboards render in Chromium for city, district, street, community and grid
users of a demo city of two districts (``civicgrid demo --districts 2``): key indicators with
traffic lights and SVG trends, the child areas on the offline map (choropleth) and in bars,
drill-down by the child table and by a click on the map, the targets-not-met list; nothing is
fetched from another host; on a phone the page is not squeezed (no sideways scrolling of the page).
Screenshots kept with CIVICGRID_SCREENSHOTS=<dir> (docs/screenshots/stats-*.png)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from ..web.test_browser import CHROMIUM, browser, shot  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not __import__("shutil").which(CHROMIUM), reason="Chromium is not installed")]

# (user, level, the child level's areas' code length or None for a grid)
POSTS = [("shi_admin", "city", 6), ("qu_admin", "district", 9), ("jd_admin", "street", 12),
         ("sq_worker", "community", 15), ("wg_worker", "grid", None)]
PHONE = {"width": 390, "height": 844}


def login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "civicgrid2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def check_board(page, *, has_children: bool):
    assert "关键指标" in page.content() and "未达标目标" in page.content()
    assert page.locator("#key-indicators tbody tr").count() >= 10
    assert page.locator("svg.stats-trend").count() >= 10  # a trend chart per indicator
    lights = page.locator("#key-indicators [data-light]").evaluate_all("els => els.map(e => e.dataset.light)")
    assert {"met", "missed"} & set(lights), lights  # traffic lights shown
    assert page.locator("#key-indicators .stats-light, #key-indicators [data-light] td").count() >= 1
    if has_children:
        page.wait_for_selector("#stats-map[data-loaded='1']", timeout=20_000)
        assert page.get_attribute("#stats-map", "data-error") is None
        assert int(page.get_attribute("#stats-map", "data-features")) >= 2  # the choropleth has features
        assert page.locator("#stats-map path.leaflet-interactive").count() >= 2
        assert page.locator("svg.stats-bars rect").count() >= 2  # the bar chart of the children
        assert page.locator("#child-table tbody a").count() >= 2
    else:
        assert page.locator("#stats-map").count() == 0  # a grid has no child areas


@pytest.mark.django_db(transaction=True)
def test_dashboards_of_every_level_of_a_city(live_server, browser, tmp_path):  # noqa: F811
    from django.core.management import call_command

    from civicgrid.areas.models import Area

    call_command("demo", "--seed", "1", "--districts", "2", "--people", "3000", "--cases", "800")
    assert Area.objects.filter(level="city").count() == 1
    base = live_server.url
    for username, level, child_length in POSTS:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        hosts = set()
        page.on("request", lambda r, hosts=hosts: hosts.add(urlparse(r.url).netloc))
        login(page, base, username)
        page.goto(f"{base}/stats/?indicator=circle.facility_coverage")
        check_board(page, has_children=child_length is not None)
        page.wait_for_timeout(400)
        shot(page, f"stats-dashboard-{level}", tmp_path)
        if child_length:
            # Drill-down by the child table: the link leads to the child's dashboard.
            link = page.locator("#child-table tbody a").first
            name, href = link.inner_text().strip(), link.get_attribute("href")
            code = re.search(r"/stats/area/(\d+)/", href).group(1)
            assert len(code) == child_length, href
            link.click()
            page.wait_for_url(re.compile(rf"/stats/area/{code}/"))
            assert name in page.locator("#stats-title").inner_text()
            check_board(page, has_children=child_length < 15)
            # Drill-down by the map: a click on a child's shape opens that child's dashboard.
            page.go_back()
            page.wait_for_selector("#stats-map[data-loaded='1']", timeout=20_000)
            page.locator("#stats-map").scroll_into_view_if_needed()
            point = page.evaluate("""() => {
                for (const p of document.querySelectorAll('#stats-map path.leaflet-interactive')) {
                    const b = p.getBoundingClientRect(), x = b.x + b.width / 2, y = b.y + b.height / 2;
                    if (document.elementFromPoint(x, y) === p) { return [x, y]; }
                }
                return null; }""")
            assert point, "no child shape can be clicked at its centre"
            page.mouse.click(*point)
            page.wait_for_url(re.compile(r"/stats/area/\d+/"), timeout=10_000)
            drilled = re.search(r"/stats/area/(\d+)/", page.url).group(1)
            assert len(drilled) == child_length, page.url
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
        if level == "district":  # the deployment's schemes are the city's to change, not a district's
            page.goto(f"{base}/stats/define/")
            assert page.locator("#define-schemes a", has_text="KH-Y").count() == 0
            assert page.locator("#define-schemes a", has_text="新建").count() == 1
        if level == "city":  # the pages defining forms, schemes and surveys
            page.goto(f"{base}/stats/define/")
            page.locator("#define-schemes a", has_text="KH-Y").click()
            page.wait_for_load_state()
            page.fill("input[name='rule-0-weight']", "15")
            page.click("#define-form button.btn-primary")
            page.wait_for_load_state()
            assert "须合计为 100" in page.locator("#weights-error").inner_text()
            assert page.input_value("input[name='rule-0-weight']") == "15"  # nothing typed lost
            shot(page, "stats-define-scheme", tmp_path)
        assert hosts <= {urlparse(base).netloc}, hosts
        context.close()
        # On a phone: the page does not scroll sideways, the map and the tables fit.
        if level in ("city", "community"):
            context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
            page = context.new_page()
            login(page, base, username)
            page.goto(f"{base}/stats/?indicator=circle.facility_coverage")
            check_board(page, has_children=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"] + 1, width
            box = page.locator("#stats-map").bounding_box()
            assert box["width"] >= 300, box
            page.wait_for_timeout(400)
            shot(page, f"stats-dashboard-{level}-phone", tmp_path)
            if level == "city":  # a report form's definition on the phone: its table scrolls, not the page
                page.goto(f"{base}/stats/define/")
                page.locator("#define-reports a", has_text="GW-S").click()
                page.wait_for_load_state()
                assert page.locator("#cell-table tbody tr").count() >= 10
                assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
                shot(page, "stats-define-report-phone", tmp_path)
            context.close()
