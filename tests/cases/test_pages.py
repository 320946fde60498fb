"""The staff and public pages of the case loop: each page and step, refusals (403/404 and no side
effect), bad input (a message naming the field, nothing written), double submits."""

from __future__ import annotations

import io
import re

import pytest

from civicgrid.cases import actions
from civicgrid.cases.models import Attachment, Case, CaseEvent, CaseTask, Extension
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM

from .conftest import GRID, GRID_B, OTHER_DISTRICT_GRID, centre_of


def png(colour=(200, 30, 30), exif_gps: bool = False) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    image = Image.new("RGB", (32, 24), colour)
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def upload(name="photo.png", data=None, content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data if data is not None else png(), content_type=content_type)


def report_data(tree, grid=GRID, **extra):
    lon, lat = centre_of(tree[grid])
    data = {"cls": "E0101", "description": "垃圾桶满溢", "lon": lon, "lat": lat, "token": "tok-1", "address": ""}
    data.update(extra)
    return data


def file_case(org, *, grid=GRID, channel=Case.Channel.HOTLINE, phone="13800001234", cls="E0101", **kw) -> Case:
    from civicgrid.cases.models import CaseClass

    lon, lat = centre_of(org["tree"][grid])
    return actions.do_report_case(actor=SYSTEM, channel=channel, cls=CaseClass.objects.get(code=cls), title="垃圾堆积",
                                  description="小区门口", lon=lon, lat=lat, reporter_name="王先生",
                                  reporter_phone=phone, **kw)


def registered(org, **kw) -> Case:
    case = file_case(org, **kw)
    return actions.do_register_case(case, actor=org["people"]["shift"])


def dispatched(org, unit="sanitation", **kw) -> Case:
    case = registered(org, **kw)
    return actions.do_dispatch_case(case, actor=org["people"]["dispatcher"], lead_unit=org["units"][unit])


def handling(org, **kw) -> Case:
    case = dispatched(org, **kw)
    return actions.do_accept_case(case, actor=org["people"]["sanitation"])


# --- report from patrol ---------------------------------------------------------------------------
def test_grid_worker_reports_from_phone_page_and_a_double_submit_files_one_case(org, client_for):
    c = client_for(org["people"]["grid"])
    page = c.get("/cases/report/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'capture="environment"' in body and "multiple" in body and "pick-map" in body
    token = re.search(r'name="token" value="([0-9a-f]{32})"', body).group(1)
    data = report_data(org["tree"], token=token, photos=[upload(), upload("b.png", png((0, 90, 0)))])
    r = c.post("/cases/report/", data)
    assert r.status_code == 302
    case = Case.objects.get()
    assert r["Location"] == f"/cases/{case.pk}/"
    assert case.channel == "patrol" and case.area_code == GRID and case.tier == "community"
    assert case.title == "暴露垃圾" and case.attachments.count() == 2
    again = c.post("/cases/report/", report_data(org["tree"], token=token, description="再次提交"))
    assert again.status_code == 302 and again["Location"] == f"/cases/{case.pk}/"
    assert Case.objects.count() == 1


def test_report_without_a_position_names_the_position_and_writes_nothing(org, client_for):
    c = client_for(org["people"]["grid"])
    r = c.post("/cases/report/", report_data(org["tree"], lon="", lat=""))
    assert r.status_code == 400
    assert "位置" in r.content.decode() or "Position" in r.content.decode()
    assert Case.objects.count() == 0


def test_report_without_description_names_the_field(org, client_for):
    r = client_for(org["people"]["grid"]).post("/cases/report/", report_data(org["tree"], description=""))
    assert r.status_code == 400 and "is-invalid" in r.content.decode()
    assert Case.objects.count() == 0


def test_report_outside_own_grid_is_refused_and_writes_nothing(org, client_for):
    r = client_for(org["people"]["grid"]).post("/cases/report/", report_data(org["tree"], grid=GRID_B))
    assert r.status_code == 403
    assert Case.objects.count() == 0


def test_report_refuses_a_file_that_is_not_a_photo(org, client_for):
    bad = upload("x.png", b"%PDF-1.4 not an image", "image/png")
    r = client_for(org["people"]["grid"]).post("/cases/report/", report_data(org["tree"], photos=[bad]))
    assert r.status_code == 400
    assert "JPEG" in r.content.decode()
    assert Case.objects.count() == 0 and Attachment.objects.count() == 0


def test_report_page_is_refused_to_a_seat_and_to_a_department(org, client_for):
    assert client_for(org["people"]["seat"]).get("/cases/report/").status_code == 403
    assert client_for(org["people"]["sanitation"]).post("/cases/report/", report_data(org["tree"])).status_code == 403
    assert Case.objects.count() == 0


def test_anonymous_visitor_is_sent_to_log_in(client, org):
    r = client.get("/cases/")
    assert r.status_code == 302 and "/login/" in r["Location"]


# --- intake ----------------------------------------------------------------------------------------
@pytest.fixture
def building(org):
    from civicgrid.registry import actions as registry_actions

    lon, lat = centre_of(org["tree"][GRID])
    return registry_actions.do_create_building(actor=SYSTEM, address="文三街6号枫丹新村1幢", lon=lon, lat=lat)


def intake_data(**extra):
    data = {"channel": "hotline", "reporter_name": "李女士", "reporter_phone": "13912345678", "cls": "E0101",
            "urgency": "normal", "title": "", "description": "楼下垃圾三天没清", "address": "文三街6号 枫丹新村一幢",
            "token": "intake-1"}
    data.update(extra)
    return data


def test_seat_matches_the_address_then_files_the_call_at_the_building(org, client_for, building):
    seat = client_for(org["people"]["seat"])
    assert seat.get("/cases/intake/").status_code == 200
    r = seat.post("/cases/intake/", intake_data(action="match", description=""))  # other fields not judged yet
    body = r.content.decode()
    assert r.status_code == 200 and "文三街6号枫丹新村1幢" in body and f'value="{building.pk}" checked' in body
    assert "is-invalid" not in body
    assert Case.objects.count() == 0
    r = seat.post("/cases/intake/", intake_data(action="file", building=str(building.pk)))
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get()
    assert case.building_id == building.pk and case.area_code == GRID and case.channel == "hotline"
    assert case.reporter_phone_masked == "139****5678" and case.intake_by == org["people"]["seat"]
    assert case.tier == "district"
    again = seat.post("/cases/intake/", intake_data(action="file", building=str(building.pk)))
    assert again.status_code == 302 and Case.objects.count() == 1  # the same token files one case


def test_intake_without_phone_names_the_phone_field(org, client_for, building):
    r = client_for(org["people"]["seat"]).post("/cases/intake/", intake_data(action="file", reporter_phone=""))
    assert r.status_code == 400
    body = r.content.decode()
    assert "reporter_phone" in body and "is-invalid" in body
    assert Case.objects.count() == 0


def test_intake_with_an_unknown_address_files_nothing(org, client_for, building):
    r = client_for(org["people"]["seat"]).post("/cases/intake/", intake_data(action="file", address="火星路99号"))
    assert r.status_code == 400 and Case.objects.count() == 0


def test_intake_of_a_place_outside_the_register_is_pinned_on_the_map(org, client_for, building):
    """A caller's place the register has no building for (a road, a park): the page offers a map,
    and the case is filed at the pinned position with the typed address."""
    seat = client_for(org["people"]["seat"])
    page = seat.post("/cases/intake/", intake_data(action="match", address="文三路与学院路路口东北角"))
    body = page.content.decode()
    assert 'id="pick-map"' in body and 'name="lon"' in body
    lon, lat = centre_of(org["tree"][GRID_B])
    r = seat.post("/cases/intake/", intake_data(action="file", address="文三路与学院路路口东北角", lon=lon, lat=lat))
    assert r.status_code == 302, r.content.decode()[:2000]
    case = Case.objects.get()
    assert case.building_id is None and case.area_code == GRID_B and case.address == "文三路与学院路路口东北角"
    # outside every grid: refused naming the position
    r = seat.post("/cases/intake/", intake_data(action="file", address="文三路与学院路路口东北角", lon=10.0, lat=10.0))
    assert r.status_code == 400 and Case.objects.count() == 1
    assert 'data-error="address"' in r.content.decode()


def test_intake_offers_a_likely_duplicate_and_links_the_repeat_complaint(org, client_for, building):
    earlier = file_case(org)
    seat = client_for(org["people"]["seat"])
    r = seat.post("/cases/intake/", intake_data(action="match"))
    assert earlier.number in r.content.decode()
    r = seat.post("/cases/intake/", intake_data(action="file", building=str(building.pk), repeat_of=earlier.number))
    assert r.status_code == 302
    new = Case.objects.exclude(pk=earlier.pk).get()
    assert new.repeat_of_id == earlier.pk
    assert CaseEvent.objects.filter(case=new, kind="linked").exists()


def test_intake_is_refused_to_a_grid_worker(org, client_for, building):
    assert client_for(org["people"]["grid"]).post("/cases/intake/", intake_data(action="file")).status_code == 403
    assert Case.objects.count() == 0


# --- registration ---------------------------------------------------------------------------------
def test_shift_leader_registers_from_the_queue_correcting_the_class(org, client_for):
    case = file_case(org)
    shift = client_for(org["people"]["shift"])
    page = shift.get("/cases/queues/register/")
    assert page.status_code == 200 and case.number in page.content.decode()
    r = shift.post(f"/cases/{case.pk}/do/register/", {"cls": "E0102", "urgency": "urgent", "version": case.version,
                                                       "next": "/cases/queues/register/"})
    assert r.status_code == 302 and r["Location"] == "/cases/queues/register/"
    case.refresh_from_db()
    assert case.status == "registered" and case.cls.code == "E0102" and case.urgency == "urgent"
    assert f'data-case="{case.number}"' not in shift.get("/cases/queues/register/").content.decode()


def test_registering_twice_answers_409_and_writes_no_event(org, client_for):
    case = registered(org)
    events = case.events.count()
    r = client_for(org["people"]["shift"]).post(f"/cases/{case.pk}/do/register/", {})
    assert r.status_code == 409
    assert case.events.count() == events


def test_a_stale_version_is_refused_with_409(org, client_for):
    case = file_case(org)
    r = client_for(org["people"]["shift"]).post(f"/cases/{case.pk}/do/register/", {"version": case.version + 5})
    assert r.status_code == 409
    case.refresh_from_db()
    assert case.status == "reported"


def test_rejecting_needs_a_reason_and_writes_nothing_without_one(org, client_for):
    case = file_case(org)
    shift = client_for(org["people"]["shift"])
    r = shift.post(f"/cases/{case.pk}/do/reject/", {"note": ""})
    assert r.status_code == 400 and "note" in r.content.decode()
    case.refresh_from_db()
    assert case.status == "reported"
    assert shift.post(f"/cases/{case.pk}/do/reject/", {"note": "不属于城市管理"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "invalid"


def test_a_duplicate_offered_in_the_queue_is_merged(org, client_for):
    first = file_case(org)
    second = file_case(org, phone="13900000000")
    shift = client_for(org["people"]["shift"])
    page = shift.get("/cases/queues/register/").content.decode()
    assert f'<option value="{first.number}">' in page  # offered as the duplicate of the second
    r = shift.post(f"/cases/{second.pk}/do/reject/", {"note": "同一堆垃圾", "duplicate_of": first.number})
    assert r.status_code == 302
    second.refresh_from_db()
    assert second.status == "duplicate" and second.merged_into_id == first.pk


def test_a_seat_cannot_register_and_nothing_changes(org, client_for):
    case = file_case(org)
    r = client_for(org["people"]["seat"]).post(f"/cases/{case.pk}/do/register/", {})
    assert r.status_code == 403
    case.refresh_from_db()
    assert case.status == "reported" and case.events.count() == 1


# --- dispatch -------------------------------------------------------------------------------------
def test_dispatch_queue_preselects_the_suggestion_and_dispatches_with_assisting_units(org, client_for):
    case = registered(org)
    disp = client_for(org["people"]["dispatcher"])
    page = disp.get("/cases/queues/dispatch/").content.decode()
    hw = org["units"]["sanitation"]
    assert re.search(rf'<option value="{hw.pk}" selected>区环卫中心', page)
    r = disp.post(f"/cases/{case.pk}/do/dispatch/", {"lead_unit": hw.pk, "assisting_units": [org["units"]["street"].pk],
                                                     "version": case.version})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "dispatched" and case.lead_unit == hw and case.deadline is not None
    assert set(case.assignments.values_list("role", flat=True)) == {"lead", "assist"}


def test_dispatch_to_no_unit_names_the_lead_unit_field(org, client_for):
    case = registered(org)
    r = client_for(org["people"]["dispatcher"]).post(f"/cases/{case.pk}/do/dispatch/", {"lead_unit": "x"})
    assert r.status_code == 400 and "lead_unit" in r.content.decode()
    case.refresh_from_db()
    assert case.status == "registered"


def test_a_department_cannot_dispatch(org, client_for):
    case = dispatched(org)
    r = client_for(org["people"]["sanitation"]).post(f"/cases/{case.pk}/do/dispatch/",
                                                     {"lead_unit": org["units"]["chengguan"].pk})
    assert r.status_code in (403, 409)
    case.refresh_from_db()
    assert case.lead_unit == org["units"]["sanitation"]


# --- handling -------------------------------------------------------------------------------------
def test_lead_unit_accepts_and_reports_the_result_with_a_photo(org, client_for):
    case = dispatched(org)
    hw = client_for(org["people"]["sanitation"])
    page = hw.get("/cases/queues/unit/").content.decode()
    assert case.number in page and 'data-step="accept"' in page
    assert hw.post(f"/cases/{case.pk}/do/accept/", {"version": case.version}).status_code == 302
    assert 'data-step="feedback"' in hw.get("/cases/queues/unit/").content.decode()  # reported from the queue
    r = hw.post(f"/cases/{case.pk}/do/feedback/", {"result": "已清运", "photos": [upload()],
                                                   "next": "/cases/queues/unit/"})
    assert r.status_code == 302 and r["Location"] == "/cases/queues/unit/"
    case.refresh_from_db()
    assert case.status == "feedback" and case.attachments.filter(stage="feedback").count() == 1


def test_another_department_neither_sees_nor_handles_the_case(org, client_for):
    case = dispatched(org)
    cg = client_for(org["people"]["chengguan"])
    assert cg.get(f"/cases/{case.pk}/").status_code == 404
    assert cg.post(f"/cases/{case.pk}/do/accept/", {}).status_code == 404
    case.refresh_from_db()
    assert case.status == "dispatched"
    assert case.number not in cg.get("/cases/queues/unit/").content.decode()


def test_feedback_without_result_names_the_result_field(org, client_for):
    case = handling(org)
    r = client_for(org["people"]["sanitation"]).post(f"/cases/{case.pk}/do/feedback/", {"result": ""})
    assert r.status_code == 400 and "result" in r.content.decode()
    case.refresh_from_db()
    assert case.status == "handling"


def test_unit_sends_back_pauses_resumes_and_asks_for_an_extension(org, client_for):
    case = handling(org)
    hw = client_for(org["people"]["sanitation"])
    assert hw.post(f"/cases/{case.pk}/do/pause/", {"note": "等待业主开门"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "paused"
    assert hw.post(f"/cases/{case.pk}/do/resume/", {}).status_code == 302
    r = hw.post(f"/cases/{case.pk}/do/extend/", {"work_hours": "abc", "reason": "需要车辆"})
    assert r.status_code == 400 and "work_hours" in r.content.decode()
    assert Extension.objects.count() == 0
    assert hw.post(f"/cases/{case.pk}/do/extend/", {"work_hours": "4", "reason": "需要车辆"}).status_code == 302
    ext = Extension.objects.get()
    # The dispatcher (an approver at the district) grants it from the extension queue.
    disp = client_for(org["people"]["dispatcher"])
    assert case.number in disp.get("/cases/queues/extensions/").content.decode()
    before = Case.objects.get(pk=case.pk).deadline
    assert disp.post(f"/cases/extensions/{ext.pk}/decide/", {"grant": "1"}).status_code == 302
    assert Case.objects.get(pk=case.pk).deadline > before
    # A department cannot decide extensions.
    assert hw.post(f"/cases/extensions/{ext.pk}/decide/", {"grant": "1"}).status_code in (403, 404)
    assert hw.post(f"/cases/{case.pk}/do/send_back/", {"reason": ""}).status_code == 400
    assert hw.post(f"/cases/{case.pk}/do/send_back/", {"reason": "不属于环卫"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "registered" and case.lead_unit is None and case.sendback_count == 1


def test_escalation_from_community_to_street(org, client_for):
    case = file_case(org, channel=Case.Channel.PATROL, phone="")
    comm = client_for(org["people"]["community"])
    assert comm.post(f"/cases/{case.pk}/do/register/", {}).status_code == 302
    assert comm.post(f"/cases/{case.pk}/do/escalate/", {"note": ""}).status_code == 400
    assert comm.post(f"/cases/{case.pk}/do/escalate/", {"note": "社区无力处置"}).status_code == 302
    case.refresh_from_db()
    assert case.tier == "street" and case.tier_code == GRID[:9]


# --- verify ---------------------------------------------------------------------------------------
def test_supervisor_fails_then_passes_the_check_from_the_task_queue(org, client_for):
    case = handling(org)
    hw = client_for(org["people"]["sanitation"])
    hw.post(f"/cases/{case.pk}/do/feedback/", {"result": "已清运"})
    sup = client_for(org["people"]["supervisor"])
    page = sup.get("/cases/queues/tasks/").content.decode()
    assert case.number in page and 'data-task="check"' in page
    r = sup.post(f"/cases/{case.pk}/do/verify/", {"passed": "0", "note": ""})
    assert r.status_code == 400  # a failed check needs a note
    assert sup.post(f"/cases/{case.pk}/do/verify/", {"passed": "0", "note": "仍有残留", "photos": [upload()]}).status_code == 302
    case.refresh_from_db()
    assert case.status == "handling" and case.rework_count == 1
    hw.post(f"/cases/{case.pk}/do/feedback/", {"result": "已全部清除"})
    assert sup.post(f"/cases/{case.pk}/do/verify/", {"passed": "1"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"


def test_a_grid_worker_cannot_verify(org, client_for):
    case = handling(org)
    actions.do_feedback_case(case, actor=org["people"]["sanitation"], result="已清运")
    r = client_for(org["people"]["grid"]).post(f"/cases/{case.pk}/do/verify/", {"passed": "1"})
    assert r.status_code == 403
    assert Case.objects.get(pk=case.pk).status == "feedback"


def test_supervisor_confirms_a_resident_report_on_site(org, client_for):
    case = file_case(org, channel=Case.Channel.RESIDENT)
    sup = client_for(org["people"]["supervisor"])
    assert 'data-task="confirm"' in sup.get("/cases/queues/tasks/").content.decode()
    assert sup.post(f"/cases/{case.pk}/do/confirm/", {"real": "1"}).status_code == 302
    assert CaseTask.objects.get(case=case, kind="confirm").outcome == "passed"


# --- the case page --------------------------------------------------------------------------------
def test_case_page_shows_fields_history_and_the_masked_phone(org, client_for):
    case = dispatched(org)
    page = client_for(org["people"]["shift"]).get(f"/cases/{case.pk}/").content.decode()
    assert case.number in page and "138****1234" in page and "13800001234" not in page
    assert page.count('data-kind="') == 3  # reported, registered, dispatched
    assert "区环卫中心" in page


def test_revealing_the_phone_needs_a_reason_and_is_audited(org, client_for):
    case = file_case(org)
    seat = client_for(org["people"]["seat"])
    r = seat.post(f"/cases/{case.pk}/reveal-phone/", {"reveal-reason": ""})
    assert r.status_code == 400 and "13800001234" not in r.content.decode()
    r = seat.post(f"/cases/{case.pk}/reveal-phone/", {"reveal-reason": "回访来电人"})
    assert r.status_code == 200 and "13800001234" in r.content.decode()
    assert AuditLog.objects.filter(action="cases.case.reveal_phone", outcome="ok").count() == 1


def test_a_grid_worker_may_not_reveal_the_phone(org, client_for):
    case = file_case(org)
    r = client_for(org["people"]["grid"]).post(f"/cases/{case.pk}/reveal-phone/", {"reveal-reason": "好奇"})
    assert r.status_code == 403
    assert not AuditLog.objects.filter(action="cases.case.reveal_phone", outcome="ok").exists()


def test_photos_are_served_to_staff_of_the_case_only(org, client_for):
    from civicgrid.cases.photos import prepare_photos

    case = file_case(org, photos=prepare_photos([png()]))
    att = case.attachments.get()
    r = client_for(org["people"]["shift"]).get(f"/cases/photos/{att.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r.content == bytes(att.data)
    assert client_for(org["people"]["other_seat"]).get(f"/cases/photos/{att.pk}/").status_code == 404
    assert client_for(org["people"]["chengguan"]).get(f"/cases/photos/{att.pk}/").status_code == 404


def test_a_case_of_another_district_answers_404(org, client_for):
    case = file_case(org, grid=OTHER_DISTRICT_GRID)
    assert client_for(org["people"]["seat"]).get(f"/cases/{case.pk}/").status_code == 404
    assert client_for(org["people"]["shift"]).get("/cases/999999/").status_code == 404


# --- list and map ---------------------------------------------------------------------------------
def test_case_list_filters_and_maps_only_the_users_cases(org, client_for):
    mine = dispatched(org)
    other = file_case(org, grid=OTHER_DISTRICT_GRID)
    grid_b = file_case(org, grid=GRID_B, cls="E0102")
    worker = client_for(org["people"]["grid"])
    body = worker.get("/cases/").content.decode()
    assert mine.number in body and other.number not in body and grid_b.number not in body
    shift = client_for(org["people"]["shift"])
    body = shift.get("/cases/?status=registered").content.decode()
    assert grid_b.number not in body  # it is still "reported"
    body = shift.get("/cases/?cls=E0102").content.decode()
    assert grid_b.number in body and mine.number not in body
    Case.objects.filter(pk=mine.pk).update(deadline=mine.reported_at)  # overdue now
    body = shift.get("/cases/?overdue=1").content.decode()
    assert mine.number in body and '"o": true' in body and "sla-overdue" in body


# --- public ---------------------------------------------------------------------------------------
def test_resident_reports_without_an_account_and_gets_the_query_code(client, org):
    page = client.get("/public/report/")
    assert page.status_code == 200
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page.content.decode()).group(1)
    lon, lat = centre_of(org["tree"][GRID])
    data = {"cls": "E0101", "description": "路边垃圾", "lon": lon, "lat": lat, "token": token,
            "reporter_phone": "13700001111", "photos": [upload()]}
    r = client.post("/public/report/", data)
    assert r.status_code == 200
    case = Case.objects.get()
    assert case.channel == "resident" and case.query_code in r.content.decode()
    data["photos"] = [upload()]
    assert client.post("/public/report/", data).status_code == 200 and Case.objects.count() == 1
    assert CaseTask.objects.filter(case=case, kind="confirm").exists()


def test_public_report_outside_every_grid_names_the_position(client, org):
    r = client.post("/public/report/", {"cls": "E0101", "description": "x", "lon": 10, "lat": 10, "token": "t1"})
    assert r.status_code == 400 and Case.objects.count() == 0


def test_public_grids_carry_no_personal_data(client, org):
    fc = client.get("/public/grids.geojson").json()
    assert len(fc["features"]) == 16
    assert set(fc["features"][0]["properties"]) == {"code", "name", "level"}


def test_tracking_shows_the_public_history_without_staff_names_and_rates_once(client, org):
    case = handling(org)
    actions.do_feedback_case(case, actor=org["people"]["sanitation"], result="已清运完毕")
    actions.do_verify_case(case, actor=org["people"]["supervisor"], passed=True, note="内部备注")
    case.refresh_from_db()
    r = client.post("/public/track/", {"code": case.query_code.lower()})
    assert r.status_code == 303 and r["Location"] == f"/public/track/?case={case.number}"
    r = client.get(r["Location"])
    body = r.content.decode()
    assert r.status_code == 200 and "已清运完毕" in body and case.query_code not in r.request["QUERY_STRING"]
    for name in ("c_disp", "c_hw", "c_sup", "c_shift", "内部备注", "138****1234", "13800001234"):
        assert name not in body
    assert 'id="rate-form"' in body
    assert client.post("/public/track/rate/", {"code": case.query_code, "rating": "9"}).status_code == 400
    assert Case.objects.get(pk=case.pk).rating is None
    r = client.post("/public/track/rate/", {"code": case.query_code, "rating": "4", "note": "太慢"})
    assert r.status_code == 200
    case.refresh_from_db()
    assert case.rating == 4 and CaseTask.objects.filter(case=case, kind="callback", outcome="").exists()
    assert client.post("/public/track/rate/", {"code": case.query_code, "rating": "1"}).status_code == 409
    assert Case.objects.get(pk=case.pk).rating == 4


def test_the_query_code_stays_out_of_addresses(client, org):
    """The code is posted and kept in the session: the case's address (?case=NUMBER) shows nothing to
    another browser, and an old link with ?code= redirects to the address without it."""
    from django.test import Client

    case = file_case(org, channel=Case.Channel.RESIDENT)
    r = client.get(f"/public/track/?code={case.query_code}")
    assert r.status_code == 303 and case.query_code not in r["Location"]
    assert 'id="public-history"' in client.get(r["Location"]).content.decode()
    stranger = Client().get(f"/public/track/?case={case.number}")
    assert stranger.status_code == 200 and 'id="public-history"' not in stranger.content.decode()
    assert 'id="track-form"' in stranger.content.decode()
    assert client.post("/public/track/", {"code": "x"}).status_code == 400


def test_an_unknown_query_code_answers_404(client, org):
    assert client.post("/public/track/", {"code": "ABCDEFGHJK"}).status_code == 404
    assert client.get("/public/track/?code=ABCDEFGHJK").status_code == 404
    assert client.post("/public/track/rate/", {"code": "ABCDEFGHJK", "rating": "1"}).status_code == 404


def test_public_photos_are_the_stripped_copy_and_need_the_code(client, org):
    from civicgrid.cases.photos import prepare_photos

    case = file_case(org, channel=Case.Channel.RESIDENT, photos=prepare_photos([png(exif_gps=True)]))
    att = case.attachments.get()
    assert client.get(f"/public/photos/{att.pk}/").status_code == 404
    assert client.get(f"/public/photos/{att.pk}/?code=WRONGCODE1").status_code == 404
    r = client.get(f"/public/photos/{att.pk}/?code={case.query_code}")
    assert r.status_code == 200 and r.content == bytes(att.public_data) and b"PhoneMaker" not in r.content
    # a browser that looked the case up by its code sees them without the code in the address
    client.post("/public/track/", {"code": case.query_code})
    page = client.get(f"/public/track/?case={case.number}").content.decode()
    assert f'src="/public/photos/{att.pk}/"' in page
    assert client.get(f"/public/photos/{att.pk}/").status_code == 200
    assert b"PhoneMaker" in bytes(att.data)


def test_callback_after_a_bad_rating_is_done_by_the_shift_leader(org, client_for):
    case = handling(org)
    actions.do_feedback_case(case, actor=org["people"]["sanitation"], result="已清运")
    actions.do_verify_case(case, actor=org["people"]["supervisor"], passed=True)
    actions.do_rate_case(case, actor=None, rating=5, query_code=case.query_code)
    task = CaseTask.objects.get(case=case, kind="callback")
    shift = client_for(org["people"]["shift"])
    assert 'data-task="callback"' in shift.get("/cases/queues/tasks/").content.decode()
    assert shift.post(f"/cases/tasks/{task.pk}/callback/", {"note": ""}).status_code == 400
    assert shift.post(f"/cases/tasks/{task.pk}/callback/", {"note": "已致歉并说明"}).status_code == 302
    task.refresh_from_db()
    assert task.outcome == "done"


def test_a_seat_has_the_callbacks_in_a_queue_of_their_own(org, client_for):
    case = handling(org)
    actions.do_feedback_case(case, actor=org["people"]["sanitation"], result="已清运")
    actions.do_verify_case(case, actor=org["people"]["supervisor"], passed=True)
    actions.do_rate_case(case, actor=None, rating=4, note="处理太慢", query_code=case.query_code)
    task = CaseTask.objects.get(case=case, kind="callback")
    seat = client_for(org["people"]["seat"])
    assert seat.get("/api/cases/queues").json()["tasks"] == 1
    body = seat.get("/cases/queues/tasks/").content.decode()
    assert 'data-task="callback"' in body and case.number in body and "处理太慢" in body
    assert seat.post(f"/cases/tasks/{task.pk}/callback/", {"note": "已回访，群众表示理解"}).status_code == 302
    assert seat.get("/api/cases/queues").json()["tasks"] == 0
    assert 'data-task="callback"' not in seat.get("/cases/queues/tasks/").content.decode()
    # a seat of another district sees none of it
    other = client_for(org["people"]["other_seat"])
    assert other.get("/api/cases/queues").json()["tasks"] == 0
    # staff without a task of any kind still have no such queue
    assert client_for(org["people"]["sanitation"]).get("/cases/queues/tasks/").status_code == 403


def test_a_report_without_its_form_token_is_refused_with_a_message(org, client_for):
    data = report_data(org["tree"])
    del data["token"]
    r = client_for(org["people"]["grid"]).post("/cases/report/", data)
    assert r.status_code == 400 and 'alert-danger' in r.content.decode()
    assert Case.objects.count() == 0


def test_the_register_queue_counts_down_the_registration_time_and_flags_the_late_ones(org, client_for):
    import datetime as dt

    fresh = file_case(org)
    late = file_case(org, grid=GRID_B, phone="13900000001")
    Case.objects.filter(pk=late.pk).update(reported_at=late.reported_at - dt.timedelta(days=5))
    page = client_for(org["people"]["shift"]).get("/cases/queues/register/").content.decode()
    row = page[page.index(f'data-case="{fresh.number}"'):]
    assert 'data-sla="ok"' in row[:3000] or 'data-sla="warn"' in row[:3000]
    row = page[page.index(f'data-case="{late.number}"') - 80:]
    assert "sla-overdue" in row[:200] and 'data-sla="overdue"' in row[:3000]


def test_navigation_offers_each_post_its_case_pages(org, client_for):
    p = org["people"]
    links = {who: client_for(p[who]).get("/").content.decode() for who in ("grid", "seat", "sanitation", "dispatcher")}
    assert 'href="/cases/report/"' in links["grid"] and 'href="/cases/intake/"' not in links["grid"]
    assert 'href="/cases/intake/"' in links["seat"] and 'href="/cases/report/"' not in links["seat"]
    assert 'href="/cases/queues/"' in links["sanitation"] and 'href="/cases/"' not in links["sanitation"]
    assert 'href="/cases/queues/"' in links["dispatcher"] and 'href="/cases/"' in links["dispatcher"]
    r = client_for(p["sanitation"]).get("/cases/queues/")
    assert r.status_code == 302 and r["Location"] == "/cases/queues/unit/"
    assert client_for(p["grid"]).get("/cases/queues/").status_code == 403


def test_the_case_page_offers_only_the_steps_the_user_may_take(org, client_for):
    case = registered(org)
    p = org["people"]
    assert 'data-step="dispatch"' in client_for(p["dispatcher"]).get(f"/cases/{case.pk}/").content.decode()
    for who in ("grid", "supervisor", "seat", "shift"):
        body = client_for(p[who]).get(f"/cases/{case.pk}/").content.decode()
        assert 'data-step="' not in body, who


def test_the_pages_render_in_english_too(org, client_for, building):
    case = dispatched(org)
    shift = client_for(org["people"]["shift"])
    shift.cookies["django_language"] = "en"
    for url in ("/cases/", "/cases/intake/", f"/cases/{case.pk}/", "/cases/queues/register/"):
        r = shift.get(url)
        assert r.status_code == 200 and 'lang="en"' in r.content.decode(), url
    grid = client_for(org["people"]["grid"])
    grid.cookies["django_language"] = "en"
    assert "Report an event" in grid.get("/cases/report/").content.decode()


def test_a_garbled_position_is_reported_beside_the_map(org, client_for):
    r = client_for(org["people"]["grid"]).post("/cases/report/", report_data(org["tree"], lon="abc", lat="inf"))
    assert r.status_code == 400 and "请以经纬度（度）给出位置" in r.content.decode()
    assert Case.objects.count() == 0


def test_an_oversized_photo_is_refused_before_it_is_read(org, client_for, settings):
    settings.CIVICGRID_CASE_PHOTO_MAX_BYTES = 1024 * 1024
    big = upload("big.png", b"\x89PNG" + b"0" * (1024 * 1024 + 10))
    r = client_for(org["people"]["grid"]).post("/cases/report/", report_data(org["tree"], photos=[big]))
    assert r.status_code == 400 and "1 MB" in r.content.decode()
    assert Case.objects.count() == 0


def test_list_filter_map_api_and_time_state_agree_on_overdue(org, client_for):
    """One rule (``Case.is_overdue``) for the list filter, the map, the API and the queues' time
    state: a case paused after its deadline is overdue, one paused before is not, and a case whose
    clock does not run (back at registration with an old deadline) is not."""
    import datetime as dt

    from django.utils import timezone

    from civicgrid.cases.views import time_state

    now = timezone.now()
    past = now - dt.timedelta(days=2)
    running = dispatched(org)
    paused_after = handling(org)
    paused_before = handling(org)
    stale = dispatched(org)
    Case.objects.filter(pk=running.pk).update(deadline=past)
    Case.objects.filter(pk=paused_after.pk).update(status=Case.Status.PAUSED, deadline=past,
                                                   paused_at=past + dt.timedelta(hours=1))
    Case.objects.filter(pk=paused_before.pk).update(status=Case.Status.PAUSED, deadline=past,
                                                    paused_at=past - dt.timedelta(hours=1))
    Case.objects.filter(pk=stale.pk).update(status=Case.Status.REGISTERED, deadline=past)
    expected = {running.pk: True, paused_after.pk: True, paused_before.pk: False, stale.pk: False}
    cases = {c.pk: c for c in Case.objects.filter(pk__in=expected)}
    assert {pk: c.is_overdue(now) for pk, c in cases.items()} == expected
    assert {pk: time_state(c, now)["state"] == "overdue" for pk, c in cases.items()} == expected
    assert set(Case.objects.filter(Case.overdue_q(now)).values_list("pk", flat=True)) == {running.pk,
                                                                                         paused_after.pk}
    shift = client_for(org["people"]["shift"])
    api = {c["id"]: c["overdue"] for c in shift.get("/api/cases/?limit=50").json()}
    assert {pk: api[pk] for pk in expected} == expected
    body = shift.get("/cases/?status=all&overdue=1").content.decode()
    assert running.number in body and paused_after.number in body
    assert paused_before.number not in body and stale.number not in body


@pytest.mark.parametrize("queue, make", [("register", "file_case"), ("dispatch", "registered")])
def test_decision_queues_render_in_the_same_queries_for_3_or_12_cases(org, client_for, queue, make):
    """Duplicates and dispatch suggestions are read for the whole queue at once, not per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    maker = {"file_case": file_case, "registered": registered}[make]
    shift = client_for(org["people"]["shift" if queue == "register" else "dispatcher"])
    counts = []
    for n in (3, 12):
        while Case.objects.count() < n:
            maker(org)
        with CaptureQueriesContext(connection) as ctx:
            body = shift.get(f"/cases/queues/{queue}/").content.decode()
        assert body.count("data-case=") >= n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def _closed(org, **kw) -> Case:
    case = handling(org, **kw)
    actions.do_feedback_case(case, actor=org["people"]["sanitation"], result="已清运完毕")
    return actions.do_verify_case(case, actor=org["people"]["supervisor"], passed=True)


def test_a_seat_tells_the_caller_the_outcome_and_records_the_rating(org, client_for):
    """答复: a closed call opens a reply task for the seats of its district; the seat tells the caller
    and records the rating (a bad one opens a callback)."""
    case = _closed(org)
    task = CaseTask.objects.get(case=case, kind="reply", outcome="")
    assert task.due_at > case.closed_at
    seat = client_for(org["people"]["seat"])
    body = seat.get("/cases/queues/tasks/").content.decode()
    assert 'data-task="reply"' in body and "已清运完毕" in body
    assert seat.post(f"/cases/tasks/{task.pk}/reply/", {"reached": "1"}).status_code == 400  # no rating
    r = seat.post(f"/cases/tasks/{task.pk}/reply/", {"reached": "1", "rating": "2", "note": "表示满意"})
    assert r.status_code == 302
    case.refresh_from_db()
    task.refresh_from_db()
    assert case.rating == 2 and (task.outcome, task.done_by) == ("done", org["people"]["seat"])
    told = CaseEvent.objects.filter(case=case, kind="notified", actor=org["people"]["seat"]).get()
    assert "表示满意" in told.note
    assert CaseEvent.objects.filter(case=case, kind="rated").count() == 1
    assert not CaseTask.objects.filter(case=case, kind="callback").exists()
    assert seat.post(f"/cases/tasks/{task.pk}/reply/", {"reached": "1", "rating": "2"}).status_code == 409
    # another district's seat cannot see or do it
    assert client_for(org["people"]["other_seat"]).post(f"/cases/tasks/{task.pk}/reply/",
                                                         {"reached": "0", "note": "x"}).status_code == 404


def test_a_bad_rating_by_phone_opens_a_callback_and_an_unreached_caller_is_noted(org, client_for):
    seat = client_for(org["people"]["seat"])
    bad = _closed(org)
    task = CaseTask.objects.get(case=bad, kind="reply")
    assert seat.post(f"/cases/tasks/{task.pk}/reply/", {"reached": "1", "rating": "5"}).status_code == 302
    assert CaseTask.objects.filter(case=bad, kind="callback", outcome="").exists()
    gone = _closed(org, phone="13900001111")
    task = CaseTask.objects.get(case=gone, kind="reply")
    assert seat.post(f"/cases/tasks/{task.pk}/reply/", {"reached": "0"}).status_code == 400  # say why
    assert seat.post(f"/cases/tasks/{task.pk}/reply/", {"reached": "0", "note": "三次无人接听"}).status_code == 302
    task.refresh_from_db()
    gone.refresh_from_db()
    assert task.outcome == "unreachable" and gone.rating is None
    assert not CaseEvent.objects.filter(case=gone, kind="notified", actor__isnull=False).exists()


def test_no_reply_task_without_a_caller_to_call_and_none_left_after_an_online_rating(org, client_for):
    assert not CaseTask.objects.filter(case=_closed(org, anonymous=True, phone=""), kind="reply").exists()
    online = _closed(org)
    actions.do_rate_case(online, actor=None, rating=1, query_code=online.query_code)
    task = CaseTask.objects.get(case=online, kind="reply")
    assert task.outcome == "done"


def test_reply_api(org, client_for):
    import json

    case = _closed(org)
    task = CaseTask.objects.get(case=case, kind="reply")
    seat = client_for(org["people"]["seat"])
    r = seat.post(f"/api/cases/tasks/{task.pk}/reply", data=json.dumps({"reached": True, "rating": 9}),
                  content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "rating"
    r = seat.post(f"/api/cases/tasks/{task.pk}/reply", data=json.dumps({"reached": True, "rating": 3}),
                  content_type="application/json")
    assert r.status_code == 200 and r.json()["outcome"] == "done"
    assert Case.objects.get(pk=case.pk).rating == 3
