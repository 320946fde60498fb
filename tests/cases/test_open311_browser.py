"""The administrators' Open311 key page in Debian's Chromium: issue a key (shown once), revoke it.
Skipped when Chromium is absent; CIVICGRID_SCREENSHOTS=<dir> keeps the screenshots."""

from __future__ import annotations

import shutil
from urllib.parse import urlparse

import pytest

from civicgrid.accounts.roles import Role
from civicgrid.cases.models import Open311Key

from ..conftest import PASSWORD, make_user
from ..web.test_browser import CHROMIUM, browser, shot  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is not installed (CI installs it)"),
]


@pytest.mark.django_db(transaction=True)
def test_administrator_issues_and_revokes_an_open311_key_in_the_browser(live_server, browser, tree,  # noqa: F811
                                                                         tmp_path):
    make_user("o311_admin", Role.DISTRICT_ADMIN, tree["330106"])
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    hosts = set()
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    page.on("dialog", lambda d: d.accept())
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "o311_admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/open311/keys/")
    assert "Open311" in page.content() and "尚未签发密钥" in page.content()
    page.fill("#id_name", "市民App")
    page.click("form.card button.btn-primary")
    page.wait_for_selector("#issued-key")
    key = page.inner_text("#issued-key code").strip()
    row = Open311Key.objects.get()
    assert key.startswith(f"o311_{row.prefix}") and row.name == "市民App" and row.active
    shot(page, "open311-key-issued", tmp_path)

    page.goto(f"{live_server.url}/open311/keys/")
    assert key not in page.content()  # shown once only
    page.click("#keys button:has-text('吊销')")
    page.wait_for_selector(".alert-success")
    assert "已吊销" in page.inner_text("#keys")
    Open311Key.objects.get(active=False)
    shot(page, "open311-keys", tmp_path)

    small = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    small.context.add_cookies(page.context.cookies())
    small.goto(f"{live_server.url}/open311/keys/")
    shot(small, "open311-keys-phone", tmp_path)
    assert hosts <= {urlparse(live_server.url).netloc}  # nothing from the internet
