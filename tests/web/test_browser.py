"""Browser tests in Debian's Chromium, driven by Playwright (no browser download).

Skipped when /usr/bin/chromium is absent; `.ci/run` installs it so CI always runs them.
Set CIVICGRID_SCREENSHOTS=<dir> to keep the screenshots.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

CHROMIUM = os.environ.get("CIVICGRID_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is not installed (CI installs it)"),
]


@pytest.fixture
def browser(monkeypatch, settings):
    playwright = pytest.importorskip("playwright.sync_api")
    # The live server answers the page's parallel requests in threads; with database sessions
    # each saves the session, and SQLite's in-memory test database (shared cache) reports
    # "table is locked" instead of waiting. Cookie sessions write nothing.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
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

    call_command("demo", "--seed", "1", "--people", "2000")  # a small population keeps the live server quick
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

    # Zoomed in (issue 14, finding 9): road names, facilities and buildings from the platform's own
    # endpoints, grid names on the grids.
    page.wait_for_selector("#map[data-road-count]", timeout=10_000)
    assert int(page.get_attribute("#map", "data-road-count")) > 0
    page.evaluate("() => { const m = window.civicgridMap; m.setView(m.getCenter(), 16, { animate: false }); }")
    page.wait_for_selector("#map[data-building-count]", timeout=15_000)
    page.wait_for_function("() => parseInt(document.getElementById('map').dataset.roadLabels || '0') > 0")
    assert int(page.get_attribute("#map", "data-building-count")) > 0
    assert page.locator(".map-label.area-label.level-grid").first.is_visible()
    assert page.locator(".map-label.road-label").count() >= 2
    page.wait_for_timeout(300)
    shot(page, "map-labelled", tmp_path)

    page.goto(f"{live_server.url}/areas/330106001001/")
    page.wait_for_selector(".leaflet-interactive, canvas.leaflet-zoom-animated", timeout=10_000)
    shot(page, "area-detail", tmp_path)

    # Address matching (门牌地址匹配): a messy address → the building, its grid drawn on the map.
    page.goto(f"{live_server.url}/registry/address-match/?q=" + quote("西湖区文三街六号 枫丹新村一栋 2单元301"))
    page.wait_for_selector("#map[data-selected='0'][data-grid='330106001001001']", timeout=10_000)
    assert "文三街6号枫丹新村1幢" in page.locator("#candidates li").first.inner_text()
    page.locator("#candidates li").nth(1).locator("button").click()
    page.wait_for_selector("#map[data-selected='1']", timeout=5_000)
    page.locator("#candidates li").first.locator("button").click()
    page.wait_for_timeout(500)
    shot(page, "address-match", tmp_path)
    page.set_viewport_size({"width": 390, "height": 844})  # a grid worker's phone
    page.reload()
    page.wait_for_selector("#map[data-grid='330106001001001']", timeout=10_000)
    page.wait_for_timeout(300)
    shot(page, "address-match-phone", tmp_path)

    # Everything came from this server: no CDN, no online tiles.
    assert requested_hosts == {urlparse(live_server.url).netloc}


@pytest.mark.django_db(transaction=True)
def test_register_pages_people_reveal_and_ledger_preview(live_server, browser, tmp_path):
    """The resident list, a person masked then revealed (with a reason), and a ledger preview."""
    from django.core.management import call_command

    from civicgrid.demo.ledgers import people_ledger
    from civicgrid.registry import actions, ledger
    from civicgrid.registry.models import Building, Person

    call_command("demo", "--seed", "1", "--people", "2000")  # a small population keeps the live server quick
    if not Person.objects.filter(area_code__startswith="330106001").exists():  # the demo without a population
        from civicgrid.core.scoping import SYSTEM

        building = Building.objects.filter(area_code__startswith="330106001").first()
        sample = people_ledger([building.address], 40, bad_share=0, seed=9)
        for row in sample.rows:
            actions.do_register_person(actor=SYSTEM, building=building, name=row[0], id_number=row[2],
                                       phone=row[3])
    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    requested_hosts = set()
    page.on("request", lambda r: requested_hosts.add(urlparse(r.url).netloc))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "jd_admin")
    page.fill("#id_password", "civicgrid2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/registry/people/")
    assert page.locator("tbody tr").count() > 10
    assert "********" in page.locator("tbody").inner_text()
    shot(page, "registry-people", tmp_path)

    person = Person.objects.filter(area_code__startswith="330106001").exclude(id_masked="").first()
    page.goto(f"{live_server.url}/registry/people/{person.pk}/")
    assert person.id_masked in page.content()
    shot(page, "registry-person-masked", tmp_path)
    page.fill("#id_reveal-reason", "入户核查")
    page.locator("#id_reveal-reason").press("Enter")
    page.wait_for_load_state()
    from civicgrid.core import crypto
    from civicgrid.registry.people import ID_CONTEXT

    assert crypto.decrypt(person.id_enc, context=ID_CONTEXT) in page.content()
    shot(page, "registry-person-revealed", tmp_path)

    inside = list(Building.objects.filter(area_code__startswith="330106001").values_list("address", flat=True)[:50])
    outside = list(Building.objects.exclude(area_code__startswith="330106001").values_list("address", flat=True)[:5])
    sample = people_ledger(inside, 300, bad_share=0.03, seed=11, outside=outside, id_offset=5_000_000)
    upload = tmp_path / "居民台账.xlsx"
    upload.write_bytes(ledger.write_xlsx(sample.header, sample.rows))
    page.goto(f"{live_server.url}/registry/imports/")
    page.set_input_files("#id_file", str(upload))
    page.click("form button.btn-primary")
    page.wait_for_url("**/registry/imports/*/")
    text = page.content()
    from civicgrid.registry.models import ImportBatch

    batch = ImportBatch.objects.latest("id")
    assert set(sample.bad) <= {r["row"] for r in batch.rejected}  # (a demo resident may share an ID too)
    assert "居民台账.xlsx" in text and f">{batch.rejected_rows}<" in text
    shot(page, "registry-import-preview", tmp_path)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/registry/people/")
    shot(page, "registry-people-phone", tmp_path)
    assert requested_hosts == {urlparse(live_server.url).netloc}
