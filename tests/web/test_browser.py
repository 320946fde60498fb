"""Browser tests in Debian's Chromium, driven by Playwright (no browser download).

Skipped when /usr/bin/chromium is absent; `.ci/run` installs it so CI always runs them.
Set CIVICGRID_SCREENSHOTS=<dir> to keep the screenshots.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("CIVICGRID_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is not installed (CI installs it)"),
]


@pytest.fixture
def browser(monkeypatch):
    playwright = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM runs beside Playwright's event loop
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield instance
        instance.close()
        # Inside Playwright's event loop the ORM keeps its own connection (Django's
        # connections are context-local); close it, or PostgreSQL cannot drop the test database.
        from django.db import connections

        connections.close_all()


def shot(page, name: str, tmp_path: Path) -> None:
    target = Path(os.environ.get("CIVICGRID_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_staff_log_in_browse_the_tree_and_see_the_map(live_server, browser, tmp_path):
    from django.core.management import call_command

    call_command("demo", "--seed", "1")
    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    requested_hosts = set()
    page.on("request", lambda r: requested_hosts.add(urlparse(r.url).netloc))

    page.goto(f"{live_server.url}/login/")
    assert "登录" in page.content()
    shot(page, "login", tmp_path)
    page.fill("#id_username", "jd_admin")
    page.fill("#id_password", "civicgrid2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "区域树" in page.content() or "Area tree" in page.content()

    page.goto(f"{live_server.url}/areas/")
    community = page.locator("details details").first
    community.locator("summary").first.click()
    page.wait_for_selector("text=第1网格", timeout=10_000)  # grids loaded by htmx when opened
    shot(page, "area-tree", tmp_path)
    assert "翠苑街道" not in page.content()  # the other street stays invisible

    page.goto(f"{live_server.url}/areas/map/")
    page.wait_for_selector("#map[data-loaded='1']", timeout=15_000)
    assert int(page.get_attribute("#map", "data-features")) == 20  # the street's 20 grids
    page.wait_for_timeout(500)
    shot(page, "map", tmp_path)

    page.goto(f"{live_server.url}/areas/330106001001/")
    page.wait_for_selector(".leaflet-interactive, canvas.leaflet-zoom-animated", timeout=10_000)
    shot(page, "area-detail", tmp_path)

    # Everything came from this server: no CDN, no online tiles.
    assert requested_hosts == {urlparse(live_server.url).netloc}
