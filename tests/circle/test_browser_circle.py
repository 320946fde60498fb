"""The coverage map and table in Chromium: Porto Alegre's real extract (acceptance 1) and the
demo district. `CIVICGRID_SCREENSHOTS=docs/screenshots make test` refreshes the screenshots."""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

import pytest

from civicgrid.accounts.roles import Role

from ..conftest import PASSWORD, make_user
from ..web.test_browser import CHROMIUM, browser, shot  # noqa: F401  (the fixture)
from .realdata import POA

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is not installed (CI installs it)"),
    pytest.mark.skipif(not POA.exists(), reason="../shared/data/osm/poa_osm.pbf is not here"),
]


def _login(page, base, username, password):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.mark.django_db(transaction=True)
def test_coverage_map_and_table_on_porto_alegre(live_server, browser, tmp_path):  # noqa: F811
    from civicgrid.areas.models import Area

    from .realdata import DISTRICT, load_poa

    load_poa(buildings=800)  # fewer than the 1,500 of test_real_data: the live server stays quick
    make_user("poa_admin", Role.DISTRICT_ADMIN, Area.objects.get(code=DISTRICT))
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    hosts = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    _login(page, live_server.url, "poa_admin", PASSWORD)
    page.goto(f"{live_server.url}/circle/?kind=pharmacy&minutes=15&level=community")
    page.wait_for_selector("#coverage-map[data-loaded='1']", timeout=20_000)
    assert int(page.get_attribute("#coverage-map", "data-features")) == 800 + 14
    assert page.locator("#coverage-table tbody tr").count() == 4
    assert "一刻钟社区服务圈" in page.content()
    page.wait_for_timeout(500)
    shot(page, "circle-coverage-poa", tmp_path)
    assert hosts == {urlparse(live_server.url).netloc}  # no tiles, no CDN


@pytest.mark.django_db(transaction=True)
def test_demo_gaps_next_site_and_standards(live_server, browser, tmp_path):  # noqa: F811
    from django.core.management import call_command

    call_command("demo", "--seed", "1", "--people", "2000")
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    _login(page, live_server.url, "jd_admin", "civicgrid2026")
    page.goto(f"{live_server.url}/circle/?kind=pharmacy&minutes=10")
    page.wait_for_selector("#coverage-map[data-loaded='1']", timeout=20_000)
    page.wait_for_timeout(300)
    shot(page, "circle-coverage-demo", tmp_path)
    page.goto(f"{live_server.url}/circle/outside/?kind=post&minutes=15")
    page.click("#suggest")
    page.wait_for_selector("#suggestion", timeout=20_000)
    shot(page, "circle-next-site", tmp_path)
    page.goto(f"{live_server.url}/circle/standards/")
    assert page.locator("#standards-table tbody tr").count() >= 2
    shot(page, "circle-standards", tmp_path)
