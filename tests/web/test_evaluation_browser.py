"""The evaluation page and the public scoreboard in Debian's Chromium (Playwright), on the demo data.

Skipped when /usr/bin/chromium is absent; `CIVICGRID_SCREENSHOTS=docs/screenshots` keeps the shots
``cases-evaluation`` and ``cases-public-scores``.
"""

from urllib.parse import urlparse

import pytest

from .test_browser import CHROMIUM, browser, shot  # noqa: F401  (the fixture and helper of the suite)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not __import__("shutil").which(CHROMIUM), reason="Chromium is not installed (CI installs it)"),
]


@pytest.mark.django_db(transaction=True)
def test_district_admin_reads_the_evaluation_and_anyone_the_public_scoreboard(live_server, browser, tmp_path):  # noqa: F811
    from django.core.management import call_command

    call_command("demo", "--seed", "1", "--people", "0")
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    requested_hosts = set()
    page.on("request", lambda r: requested_hosts.add(urlparse(r.url).netloc))

    page.goto(f"{live_server.url}/cases/evaluation/public/")  # no account
    assert page.locator("#units tbody tr").count() >= 5
    assert page.locator("#streets tbody tr").count() == 2
    assert "绩效" in page.content()
    shot(page, "cases-public-scores", tmp_path)

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "qu_admin")
    page.fill("#id_password", "civicgrid2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/cases/evaluation/")
    assert page.locator("#units tbody tr").count() >= 5
    assert page.locator("#posts tbody tr").count() >= 7  # 3 supervisors, 2 shift leaders, 2 dispatchers
    assert "按期结案率" in page.content()
    shot(page, "cases-evaluation", tmp_path)

    page.select_option("#id_period", "quarter")
    page.click("#period-form button")
    page.wait_for_load_state()
    assert "季度" in page.locator("h1").inner_text()
    page.locator("#areas tbody tr a").first.click()  # drill into the first street
    page.wait_for_load_state()
    assert "area=330106001" in page.url and page.locator("#areas tbody tr").count() >= 2
    with page.expect_download() as download:
        page.click("#export")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert requested_hosts == {urlparse(live_server.url).netloc}
