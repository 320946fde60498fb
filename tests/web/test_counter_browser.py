"""Acceptance 1 (pages) and 4 in Chromium: a window clerk receives a resident (register look-up, checklist),
issues the one-time notice with exactly the 3 missing materials, records the supplement, accepts and
prints the receipt; the back office forwards it to another department, which suspends it for 公示 (the
deadline moves by the paused working days), resumes and approves; the clerk hands the result over; the
resident checks the progress with the query code and rates 2; the callback appears in the seats' queue.
Screenshots of the guide, intake with the checklist, receipt, notice, inbox and figures go to
``CIVICGRID_SCREENSHOTS`` (docs/screenshots)."""

from __future__ import annotations

import datetime as dt
import shutil
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest

from ..conftest import PASSWORD
from ..counter.conftest import COMMUNITY, counter_cast, make_person  # noqa: F401  (the fixture)
from .test_browser import CHROMIUM, browser, shot  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is not installed (CI installs it)"),
]
TZ = ZoneInfo("Asia/Shanghai")


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _step(page, button):
    with page.expect_navigation():
        page.click(button)


@pytest.mark.django_db(transaction=True)
def test_the_counter_flow_in_chromium(live_server, browser, tmp_path, counter_cast, monkeypatch):  # noqa: F811
    from civicgrid.counter import actions, seed
    from civicgrid.counter.models import Application, CallbackTask
    from civicgrid.demo.counter import load_counter

    seed.ensure()
    now = {"t": dt.datetime(2025, 9, 25, 9, 30, tzinfo=TZ)}
    monkeypatch.setattr(actions, "clock_now", lambda: now["t"])  # the counter's clock (the live server's thread too)
    person = make_person(name="周桂英", tags=["disabled"])
    base = live_server.url
    hosts = set()

    clerk = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    clerk.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    _login(clerk, base, "clerk_c1")
    clerk.goto(f"{base}/counter/items/MZ001-01/")
    assert "最低生活保障（申请）" in clerk.content() and "家庭收入及财产状况申报表" in clerk.content()
    shot(clerk, "counter-guide", tmp_path)

    # Intake: pinyin initials find the item; the ID number is posted, never in the address.
    clerk.goto(f"{base}/counter/intake/?q=zdshbz")
    clerk.click("#found a >> nth=0")
    clerk.wait_for_selector("#item-name")
    clerk.fill("#id_number", person.id_number_plain)
    _step(clerk, "button[value=lookup]")
    assert person.id_number_plain not in clerk.url
    assert clerk.inner_text("#applicant-name") == "周桂英"
    clerk.check("#sit-S1")
    clerk.fill("#window", "3号窗口")
    shot(clerk, "counter-intake", tmp_path)
    _step(clerk, "#receive")
    app = Application.objects.get()
    assert clerk.url.endswith(f"/counter/applications/{app.pk}/")
    register = clerk.locator("#checklist td.how-register").count()
    assert register == 2  # identity and household from the register
    assert clerk.locator("#checklist td.how-missing").count() == 4  # 3 required + the optional proxy letter

    _step(clerk, "#do-notice")
    rows = clerk.locator("#missing tbody tr")
    assert rows.count() == 3
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(3)] == [
        "家庭收入及财产状况申报表", "本人银行账户（社保卡）信息", "家庭成员收入证明"]
    shot(clerk, "counter-notice", tmp_path)

    clerk.goto(f"{base}/counter/applications/{app.pk}/")
    for code in ("M03", "M04", "M05"):
        clerk.check(f"#supplement-form input[value={code}]")
    _step(clerk, "#do-supplement")
    now["t"] = dt.datetime(2025, 9, 26, 10, 0, tzinfo=TZ)
    _step(clerk, "#do-accept")
    assert "/receipt/" in clerk.url
    code = clerk.inner_text("#query-code").strip()
    # 10 promised working days from Friday 9-26 (9-28 and 10-11 adjusted workdays, 10-1…10-8 holiday)
    assert clerk.inner_text("#promised").startswith("2025年10月16日")
    shot(clerk, "counter-receipt", tmp_path)

    # The back office: the inbox, then a forward to human resources and social security.
    office = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    _login(office, base, "mz_handler")
    office.goto(f"{base}/counter/inbox/")
    assert office.locator("#inbox tbody tr").count() >= 1
    shot(office, "counter-inbox", tmp_path)
    office.click(f"#inbox tr[data-id='{app.pk}'] a")
    office.wait_for_selector("#forward-form")
    office.select_option("#fw-dept", "hrss")
    office.select_option("#fw-level", "district")
    office.fill("#fw-note", "属人社职责")
    _step(office, "#do-forward")
    hrss = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    _login(hrss, base, "rs_handler")
    hrss.goto(f"{base}/counter/applications/{app.pk}/")
    now["t"] = dt.datetime(2025, 10, 13, 10, 0, tzinfo=TZ)
    hrss.select_option("#sp-reason", "公示")
    _step(hrss, "#do-suspend")
    now["t"] = dt.datetime(2025, 10, 20, 10, 0, tzinfo=TZ)
    _step(hrss, "#do-resume")
    app.refresh_from_db()
    assert app.due_at.astimezone(TZ) == dt.datetime(2025, 10, 23, 10, 0, tzinfo=TZ)  # moved by 5 working days
    now["t"] = dt.datetime(2025, 10, 15, 15, 0, tzinfo=TZ)
    _step(hrss, "#do-approve")

    clerk.goto(f"{base}/counter/applications/{app.pk}/")
    clerk.select_option("#ho", "pickup")
    _step(clerk, "#do-handover")
    assert "已办结送达" in clerk.inner_text("#status")

    # The resident: progress by query code (in a form), rating 2 → a callback for the seats.
    resident = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
    resident.goto(f"{base}/counter/progress/")
    resident.fill("#query_code", code)
    _step(resident, "button.btn-primary.w-100")
    assert code not in resident.url and "已办结送达" in resident.inner_text("#status")
    resident.check("#rate-2")
    resident.fill("#comment", "排队时间太长")
    _step(resident, "#do-rate")
    task = CallbackTask.objects.get(application=app)
    seat = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    _login(seat, base, "seat_cb")
    seat.goto(f"{base}/counter/callbacks/")
    assert app.number in seat.inner_text("#callbacks")
    assert task.rating == 2

    # The centre's figures on a few months of generated applications.
    now["t"] = dt.datetime.now(TZ)  # the generator gives every step its own time
    for i in range(30):
        make_person(grid=f"330106001{1 + i % 2:03d}00{1 + i % 2}", name=f"居民{i}", household=i % 4 != 0)
    load_counter(2, root_code="330106", count=250, days=90, progress=lambda line: None)
    head = browser.new_page(viewport={"width": 1500, "height": 900}, locale="zh-CN")
    _login(head, base, "d_admin")
    head.goto(f"{base}/counter/figures/?by=community&period=" +
              f"{(dt.date.today() - dt.timedelta(days=90)).isoformat()}..{dt.date.today().isoformat()}")
    assert head.locator("#figures tbody tr").count() >= 2
    shot(head, "counter-figures", tmp_path)
    assert hosts == {urlparse(base).netloc}  # nothing from elsewhere
    assert COMMUNITY
