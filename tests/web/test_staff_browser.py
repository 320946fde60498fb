"""Account administration in Chromium (issue 14, acceptance 2): a street administrator creates a
grid worker with the role → the worker logs in with the temporary password and must change it
first → the administrator deactivates the account and the worker's open session is refused on its
next request.

Skipped when Chromium is absent (CI installs it). CIVICGRID_SCREENSHOTS=<dir> keeps the screenshots.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from civicgrid.accounts.models import User
from civicgrid.core.models import AuditLog

from .test_browser import CHROMIUM, browser, shot  # noqa: F401 - the browser fixture
from .test_cases_browser import DESKTOP, PHONE, Session, submit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not __import__("shutil").which(CHROMIUM), reason="Chromium is not installed (CI installs it)"),
]


@pytest.mark.django_db(transaction=True)
def test_admin_creates_a_grid_worker_who_changes_the_password_then_is_deactivated(
        live_server, browser, people, tree, tmp_path):  # noqa: F811
    admin = Session(browser, live_server, "s_admin")
    page = admin.go("/staff/")
    assert "工作人员账号" in page.content()
    submit(page, "#new-account")
    page.fill("#id_username", "wang_gw")
    page.fill("#id_display_name", "王网格")
    page.select_option("#id_role", "grid_worker")
    assert page.is_hidden("#id_unit")  # a grid post: the unit field is not offered
    page.select_option("#id_area", str(tree["330106001001002"].pk))
    shot(page, "staff-new", tmp_path)
    submit(page, "#staff-new button.btn-primary")
    password = page.inner_text("#temporary-password").strip()
    assert len(password) == 14
    shot(page, "staff-temporary-password", tmp_path)

    worker = Session(browser, live_server, None, viewport=PHONE)
    wpage = worker.go("/login/")
    wpage.fill("#id_username", "wang_gw")
    wpage.fill("#id_password", password)
    submit(wpage, "button[type=submit]")
    assert urlparse(wpage.url).path == "/me/password/"  # nothing else opens first
    assert wpage.is_visible("#must-change")
    wpage.goto(live_server.url + "/cases/")
    assert urlparse(wpage.url).path == "/me/password/"
    wpage.fill("#id_old_password", password)
    wpage.fill("#id_new_password1", "wang_gw2026")  # too like the user name
    wpage.fill("#id_new_password2", "wang_gw2026")
    submit(wpage, "#password-form button")
    assert wpage.locator(".invalid-feedback").count() >= 1
    assert "new_password" not in wpage.inner_text("main")  # errors name the field by its label
    shot(wpage, "password-change-phone", tmp_path)
    wpage.fill("#id_old_password", password)
    wpage.fill("#id_new_password1", "Lotus-Bridge-7731")
    wpage.fill("#id_new_password2", "Lotus-Bridge-7731")
    submit(wpage, "#password-form button")
    assert urlparse(wpage.url).path == "/cases/"  # where the worker was going
    assert "王网格" in wpage.content()
    assert not User.objects.get(username="wang_gw").must_change_password
    wpage.goto(live_server.url + "/")  # the worker's home is their work inbox
    home = wpage.content()
    assert "我的工作台" in home and 'data-queue="cases.mine"' in home and 'id="bell' in home

    # The administrator sees the account, then deactivates it; the worker's open session ends.
    account = User.objects.get(username="wang_gw")
    page = admin.go(f"/staff/{account.pk}/")
    assert "网格员" in page.inner_text("#memberships")
    page.set_viewport_size(DESKTOP)
    shot(page, "staff-account", tmp_path)
    page.once("dialog", lambda d: d.accept())
    submit(page, "#deactivate")
    assert page.inner_text("#account-state").strip() == "已停用"
    wpage.reload()
    assert urlparse(wpage.url).path == "/login/"
    assert AuditLog.objects.filter(action="accounts.user.deactivate", actor_name="s_admin").exists()
    page = admin.go("/staff/")
    shot(page, "staff-admin", tmp_path)
    admin.close()
    worker.close()
