"""One case through all seven steps in Chromium, through the web pages only (acceptance 1, web half):
a grid worker reports on the phone page → the community worker registers and escalates → the
street escalates to the district centre → the dispatcher dispatches (suggestion preselected) →
the department accepts and reports → the supervisor fails the check (rework) → the department
reports again → the supervisor passes → the reporter rates on the public page by query code.

Skipped when Chromium is absent (CI installs it). CIVICGRID_SCREENSHOTS=<dir> keeps the screenshots.
"""

from __future__ import annotations

import io
from urllib.parse import urlparse

import pytest

from tests.cases.conftest import GRID, GRID_B, centre_of, org  # noqa: F401 - the org fixture
from tests.conftest import PASSWORD

from .test_browser import CHROMIUM, browser, shot  # noqa: F401 - the browser fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not __import__("shutil").which(CHROMIUM), reason="Chromium is not installed (CI installs it)"),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def png_file(path, colour):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return str(path)


class Session:
    """A logged-in browser context for one account; every request must stay on the live server."""

    def __init__(self, chromium, live_server, username, viewport=DESKTOP, **options):
        self.base = live_server.url
        self.context = chromium.new_context(viewport=viewport, locale="zh-CN", **options)
        self.page = self.context.new_page()
        self.hosts = set()
        self.page.on("request", lambda r: self.hosts.add(urlparse(r.url).netloc))
        if username:
            self.page.goto(f"{self.base}/login/")
            self.page.fill("#id_username", username)
            self.page.fill("#id_password", PASSWORD)
            self.page.click("button[type=submit]")
            self.page.wait_for_url(f"{self.base}/")

    def go(self, path):
        self.page.goto(self.base + path)
        return self.page

    def close(self):
        self.context.close()
        assert self.hosts <= {urlparse(self.base).netloc}, self.hosts  # no CDN, no tiles


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def open_details_and_submit(page, step, field, text):
    page.click(f'details:has(form[data-step="{step}"]) > summary')
    page.fill(f'form[data-step="{step}"] [name="{field}"]', text)
    submit(page, f'form[data-step="{step}"] button')


def seed_other_cases(setup):
    """A few cases in other states so the map and the queues look like a working day."""
    import datetime as dt

    from civicgrid.cases import actions
    from civicgrid.cases.models import Case, CaseClass
    from civicgrid.core.scoping import SYSTEM

    p, tree, units = setup["people"], setup["tree"], setup["units"]
    made = []
    for i, (grid, code) in enumerate([(GRID, "E0102"), (GRID_B, "E0201"), ("330106001002001", "E0101"),
                                      ("330106001002002", "E0403"), ("330106002001001", "E0102"),
                                      ("330106002002002", "E0201"), ("330106002001002", "E0101")]):
        area = tree[grid]
        lon = area.min_lon + (area.max_lon - area.min_lon) * (0.3 + 0.1 * (i % 3))
        lat = area.min_lat + (area.max_lat - area.min_lat) * (0.35 + 0.1 * (i % 4))
        made.append(actions.do_report_case(
            actor=SYSTEM, channel=Case.Channel.HOTLINE, cls=CaseClass.objects.get(code=code), title=f"市民来电 {i + 1}",
            description="来电反映", lon=lon, lat=lat, reporter_phone=f"1380000{i:04d}"))
    for case in made[1:]:
        actions.do_register_case(case, actor=p["shift"])
    for case, unit in [(made[2], "sanitation"), (made[3], "chengguan"), (made[4], "sanitation"),
                       (made[5], "chengguan")]:
        actions.do_dispatch_case(case, actor=p["dispatcher"], lead_unit=units[unit])
    actions.do_accept_case(made[3], actor=p["chengguan"])
    actions.do_accept_case(made[4], actor=p["sanitation"])
    actions.do_feedback_case(made[4], actor=p["sanitation"], result="已处理")
    Case.objects.filter(pk=made[5].pk).update(deadline=made[5].reported_at - dt.timedelta(hours=1))  # overdue
    return made


@pytest.mark.django_db(transaction=True)
def test_one_case_walks_all_seven_steps_through_the_web_pages(live_server, browser, org, tmp_path):  # noqa: F811
    from civicgrid.cases.models import Case, CaseEvent
    from civicgrid.core.scoping import SYSTEM
    from civicgrid.registry import actions as registry_actions

    photo_1 = png_file(tmp_path / "garbage.png", (120, 110, 60))
    photo_2 = png_file(tmp_path / "clean.png", (40, 160, 60))

    # 1. collect: the grid worker on the phone taps the map inside the grid and reports with a photo.
    worker = Session(browser, live_server, "c_grid", PHONE)
    page = worker.go("/cases/report/")
    page.wait_for_selector("#pick-map[data-loaded='1']", timeout=15_000)
    page.locator("#pick-map").click()  # the centre of the fitted grid
    page.wait_for_selector(f"#pick-map[data-grid='{GRID}']", timeout=5_000)
    assert GRID in page.inner_text("#grid-label")
    page.select_option("#id_cls", "E0101")
    page.fill("#id_description", "小区东门垃圾桶满溢，周边有散落垃圾")
    page.fill("#id_address", "东门")
    page.set_input_files("#id_photos", [photo_1])
    page.wait_for_timeout(300)
    shot(page, "cases-report-phone", tmp_path)
    submit(page, "#report-form button[type=submit]")
    case = Case.objects.get()
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert case.area_code == GRID and case.tier == "community" and case.attachments.count() == 1
    code = page.inner_text("#query-code").strip()
    assert code == case.query_code
    worker.close()
    seed_other_cases(org)

    # 2. register at the community, which cannot solve it and escalates to the street.
    community = Session(browser, live_server, "c_comm")
    page = community.go("/cases/queues/register/")
    submit(page, f'[data-case="{case.number}"] form[data-step="register"] button')
    page = community.go(f"/cases/{case.pk}/")
    open_details_and_submit(page, "escalate", "note", "社区无清运车辆，需街道协调")
    community.close()

    street = Session(browser, live_server, "c_street")
    page = street.go(f"/cases/{case.pk}/")
    open_details_and_submit(page, "escalate", "note", "街道无环卫作业队，报区指挥中心")
    street.close()
    case.refresh_from_db()
    assert case.tier == "district" and case.status == "registered"

    # The seat's intake screen: a caller about the same heap; the walked case shows as a likely duplicate.
    lon, lat = centre_of(org["tree"][GRID])
    registry_actions.do_create_building(actor=SYSTEM, address="文三街6号枫丹新村1幢", lon=lon, lat=lat)
    seat = Session(browser, live_server, "c_seat")
    page = seat.go("/cases/intake/")
    page.fill("#id_reporter_name", "李女士")
    page.fill("#id_reporter_phone", "13912345678")
    page.select_option("#id_cls", "E0101")
    page.fill("#id_description", "楼下垃圾桶满了，三天没人清运")
    page.fill("#id_address", "文三街六号 枫丹新村一栋")
    submit(page, "button[name=action][value=match]")
    assert "文三街6号枫丹新村1幢" in page.inner_text("#candidates")
    page.wait_for_selector(f"#map[data-selected='0'][data-grid='{GRID}']", timeout=10_000)  # building and grid drawn
    assert case.number in page.inner_text("#duplicates")
    page.check(f'input[name=repeat_of][value="{case.number}"]')
    shot(page, "cases-intake", tmp_path)
    submit(page, "button[name=action][value=file]")
    repeat = Case.objects.get(repeat_of=case)
    assert repeat.channel == "hotline" and repeat.reporter_phone_masked == "139****5678"
    seat.close()

    # 3. dispatch: the suggestion (the class's department) is preselected.
    dispatcher = Session(browser, live_server, "c_disp")
    page = dispatcher.go("/cases/queues/dispatch/")
    row = f'[data-case="{case.number}"]'
    assert page.eval_on_selector(f"{row} select[name=lead_unit]",
                                 "s => s.options[s.selectedIndex].text").startswith("区环卫中心")
    shot(page, "cases-dispatch-queue", tmp_path)
    submit(page, f'{row} form[data-step="dispatch"] button')
    dispatcher.close()

    # 4.–5. handle and feedback.
    dept = Session(browser, live_server, "c_hw")
    page = dept.go("/cases/queues/unit/")
    submit(page, f'[data-case="{case.number}"] form[data-step="accept"] button')
    page = dept.go(f"/cases/{case.pk}/")
    page.fill("#result", "已清运满溢垃圾")
    page.set_input_files("#fphotos", [photo_2])
    submit(page, 'form[data-step="feedback"] button')

    # 6. verify: the supervisor fails the check (rework), the department reports again, then it passes.
    supervisor = Session(browser, live_server, "c_sup")
    page = supervisor.go("/cases/queues/tasks/")
    row = f'[data-case="{case.number}"][data-task="check"]'
    page.fill(f"{row} input[name=note]", "周边仍有散落垃圾")
    submit(page, f'{row} button[name=passed][value="0"]')
    case.refresh_from_db()
    assert case.status == "handling" and case.rework_count == 1

    page = dept.go(f"/cases/{case.pk}/")
    page.fill("#result", "散落垃圾已全部清扫，地面冲洗干净")
    submit(page, 'form[data-step="feedback"] button')
    dept.close()

    page = supervisor.go("/cases/queues/tasks/")
    page.fill(f"{row} input[name=note]", "现场已干净")
    submit(page, f'{row} button[name=passed][value="1"]')
    supervisor.close()
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_on_time is not None

    # 7. evaluate: the reporter follows the case by its query code and rates it.
    public = Session(browser, live_server, None, PHONE)
    page = public.go("/public/track/")
    page.fill("#id_code", code)
    submit(page, "#track-form button")
    assert "散落垃圾已全部清扫" in page.inner_text("#public-result")
    assert "c_disp" not in page.content() and "c_sup" not in page.content()
    page.check("input[name=rating][value='2']")
    page.fill("#id_note", "处理及时")
    submit(page, "#rate-form button")
    assert page.inner_text("#public-rating").strip() == "满意"
    shot(page, "public-track", tmp_path)

    # A resident reports from the public page with a pin and gets a query code.
    page = public.go("/public/report/")
    page.wait_for_selector("#pick-map[data-loaded='1']", timeout=15_000)
    page.select_option("#id_cls", "C0101")
    page.fill("#id_description", "人行道上的井盖缺失，很危险")
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
    page.wait_for_function("document.getElementById('pick-map').dataset.grid.length === 15")
    grid = page.get_attribute("#pick-map", "data-grid")
    assert page.get_attribute("#pick-map", "data-source") == "map"
    shot(page, "public-report", tmp_path)
    submit(page, "#public-report-form button[type=submit]")
    resident_case = Case.objects.get(channel="resident")
    assert page.inner_text("#query-code").strip() == resident_case.query_code
    assert resident_case.area_code == grid  # the grid shown before submitting is the one derived
    public.close()
    lon, lat = centre_of(org["tree"]["330106001002002"])
    located = Session(browser, live_server, None, PHONE, geolocation={"longitude": lon, "latitude": lat},
                      permissions=["geolocation"])
    page = located.go("/public/report/")
    page.wait_for_selector("#pick-map[data-loaded='1']", timeout=15_000)
    page.click("#locate")
    page.wait_for_selector("#pick-map[data-source='gps'][data-grid='330106001002002']", timeout=10_000)
    assert float(page.input_value("#id_lon")) == pytest.approx(lon, abs=1e-6)
    located.close()

    # The history, as the district's staff see it on the case page.
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["reported", "registered", "escalated", "escalated", "dispatched", "accepted", "feedback",
                     "rework", "feedback", "check_ok", "closed", "notified", "rated"]
    district = Session(browser, live_server, "c_dist")
    page = district.go(f"/cases/{case.pk}/")
    shown = page.eval_on_selector_all("#history li", "items => items.map(li => li.dataset.kind)")
    assert shown == kinds
    assert page.locator("#history li.ev-rework").count() == 1
    shot(page, "cases-history", tmp_path)

    # The map of open cases, coloured by status, the overdue one ringed.
    page = district.go("/cases/?status=open")
    page.wait_for_selector("#case-map[data-loaded='1']", timeout=15_000)
    assert int(page.get_attribute("#case-map", "data-markers")) == Case.objects.filter(status__in=Case.OPEN).count()
    page.wait_for_timeout(400)
    shot(page, "cases-map", tmp_path)
    district.close()


@pytest.mark.django_db(transaction=True)
def test_rules_page_and_a_call_pinned_on_the_map(live_server, browser, org, tmp_path):  # noqa: F811
    """The district administrator changes a weight on 考核规则 (a wrong total is refused on the
    page); a seat files a call about a place without a registered building by tapping the map."""
    from civicgrid.cases.catalogue import ensure_catalogue
    from civicgrid.cases.models import Case, ScoreRule

    ensure_catalogue()
    admin = Session(browser, live_server, "c_dist")
    page = admin.go("/cases/evaluation/rules/")
    page.fill("#w-unit-on_time_rate", "50")
    submit(page, "#score-unit button")
    assert "110" in page.inner_text('#score-unit [data-error="weights"]')  # beside the weights, in place
    shot(page, "cases-evaluation-rules", tmp_path)
    page.fill("#w-unit-closing_rate", "10")
    submit(page, "#score-unit button")
    assert ScoreRule.objects.get(post="unit", indicator="on_time_rate").weight == 50
    admin.close()

    seat = Session(browser, live_server, "c_seat")
    page = seat.go("/cases/intake/")
    page.fill("#id_reporter_phone", "13912345678")
    page.select_option("#id_cls", "E0105")
    page.fill("#id_description", "路口积水没过脚踝，行人绕行")
    page.fill("#id_address", "文三路与学院路路口")
    submit(page, "button[value=match]")
    page.wait_for_selector("#pick-map[data-loaded='1']", timeout=15_000)
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
    page.wait_for_function("document.getElementById('pick-map').dataset.grid.length === 15")
    grid = page.get_attribute("#pick-map", "data-grid")
    shot(page, "cases-intake-pin", tmp_path)
    submit(page, "button[value=file]")
    case = Case.objects.get()
    assert case.area_code == grid and case.building_id is None and case.address == "文三路与学院路路口"
    seat.close()
