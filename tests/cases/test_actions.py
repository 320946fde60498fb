"""Case actions: deadlines on the work calendar, pauses, extensions, the deadline job, photos,
merging and linking, the public channel, refusals without side effects."""

from __future__ import annotations

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from civicgrid.cases import actions, queries
from civicgrid.cases.models import Case, CaseClass, CaseEvent, CaseTask
from civicgrid.cases.photos import prepare_photo
from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.scoping import SYSTEM

from .conftest import GRID, centre_of

CST = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=CST)


@pytest.fixture
def clock(monkeypatch):
    """Set the platform's clock: clock(datetime)."""
    state = {}

    def set_now(value):
        state["now"] = value
        monkeypatch.setattr(timezone, "now", lambda: state["now"])

    return set_now


def hotline(org, cls, **kw):
    p, tree = org["people"], org["tree"]
    lon, lat = centre_of(tree[GRID])
    case = actions.do_report_case(actor=p["seat"], channel=Case.Channel.HOTLINE, cls=cls, title="诉求",
                                  description="描述", lon=lon, lat=lat, reporter_phone="13800001234", **kw)
    return actions.do_register_case(case, actor=p["shift"])


def dispatched(org, cls, **kw):
    case = hotline(org, cls, **kw)
    return actions.do_dispatch_case(case, actor=org["people"]["dispatcher"], lead_unit=org["units"]["sanitation"])


def test_deadline_counts_working_hours_over_the_weekend(org, garbage, clock):
    clock(at(2026, 12, 4, 16, 30))  # Friday 16:30; 暴露垃圾 has 4 working hours
    case = dispatched(org, garbage)
    assert case.deadline.astimezone(CST) == at(2026, 12, 7, 12, 0)  # 1 h Friday + 3 h Monday morning


def test_working_day_limit_and_same_day_limit(org, clock):
    posters = CaseClass.objects.get(code="E0104")  # 乱张贴小广告: 1 working day
    clock(at(2026, 12, 4, 10, 0))
    assert dispatched(org, posters).deadline.astimezone(CST) == at(2026, 12, 7, 10, 0)
    urgent = CaseClass.objects.get(code="H01")  # 12345 紧急: the same working day
    clock(at(2026, 12, 4, 18, 0))  # after hours: runs to the end of the next working day
    assert dispatched(org, urgent).deadline.astimezone(CST) == at(2026, 12, 7, 17, 30)


def test_pause_stops_the_clock_and_extension_moves_the_deadline(org, garbage, clock):
    p = org["people"]
    clock(at(2026, 12, 7, 9, 0))  # Monday
    case = dispatched(org, garbage)
    assert case.deadline.astimezone(CST) == at(2026, 12, 7, 14, 30)  # 9–12 + 13:30–14:30
    case = actions.do_accept_case(case, actor=p["sanitation"])
    clock(at(2026, 12, 7, 10, 0))
    case = actions.do_pause_case(case, actor=p["sanitation"], note="等住户开门")
    clock(at(2026, 12, 8, 10, 0))  # a whole working day (7 h) later
    case = actions.do_resume_case(case, actor=p["sanitation"])
    assert case.deadline.astimezone(CST) == at(2026, 12, 8, 14, 30)
    ext = actions.do_request_extension(case, actor=p["sanitation"], work_hours=3.5, reason="需调车")
    with pytest.raises(Conflict):
        actions.do_request_extension(case, actor=p["sanitation"], work_hours=1, reason="再要")
    with pytest.raises(NotPermitted):
        actions.do_decide_extension(ext, actor=p["sanitation"], grant=True)
    actions.do_decide_extension(ext, actor=p["shift"], grant=True)
    case.refresh_from_db()
    assert case.deadline.astimezone(CST) == at(2026, 12, 9, 9, 30)  # +3.5 working hours: 14:30–17:30, then 9:00–9:30
    assert case.extension_count == 1


def test_deadline_job_warns_then_escalates_or_supervises(org, garbage, clock):
    p, units, tree = org["people"], org["units"], org["tree"]
    lon, lat = centre_of(tree[GRID])
    clock(at(2026, 12, 7, 9, 0))
    district_case = dispatched(org, garbage)  # due 14:30
    patrol = actions.do_report_case(actor=p["grid"], channel=Case.Channel.PATROL, cls=garbage, title="垃圾",
                                    description="堆积", lon=lon, lat=lat)
    patrol = actions.do_register_case(patrol, actor=p["community"])
    patrol = actions.do_dispatch_case(patrol, actor=p["community"], lead_unit=units["community"])
    clock(at(2026, 12, 7, 13, 45))  # 45 working minutes left: inside the 60-minute warning window
    assert actions.do_check_deadlines(actor=SYSTEM) == {"warned": 2, "escalated": 0, "supervised": 0}
    assert actions.do_check_deadlines(actor=SYSTEM)["warned"] == 0  # once only
    clock(at(2026, 12, 7, 15, 0))
    assert actions.do_check_deadlines(actor=SYSTEM) == {"warned": 0, "escalated": 1, "supervised": 1}
    district_case.refresh_from_db()
    patrol.refresh_from_db()
    assert district_case.supervised and district_case.status == Case.Status.DISPATCHED
    assert patrol.tier == Case.Tier.STREET and patrol.status == Case.Status.REGISTERED
    assert patrol.events.filter(kind=CaseEvent.Kind.OVERDUE).count() == 1
    assert actions.do_check_deadlines(actor=SYSTEM) == {"warned": 0, "escalated": 0, "supervised": 0}


def _jpeg_with_gps(lon: float, lat: float) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()

    from PIL.TiffImagePlugin import IFDRational

    def dms(value):
        deg = int(value)
        minutes = int((value - deg) * 60)
        seconds = round(((value - deg) * 60 - minutes) * 60 * 100)
        return (IFDRational(deg, 1), IFDRational(minutes, 1), IFDRational(seconds, 100))

    exif[0x010F] = "TestCam"  # Make
    gps = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    exif[0x8825] = gps
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_photo_position_is_read_and_public_copy_carries_no_exif(org, garbage):
    from PIL import Image

    lon, lat = centre_of(org["tree"][GRID])
    photo = prepare_photo(_jpeg_with_gps(lon, lat))
    assert photo.content_type == "image/jpeg"
    assert abs(photo.exif_lon - lon) < 1e-4 and abs(photo.exif_lat - lat) < 1e-4
    assert len(Image.open(io.BytesIO(photo.public_data)).getexif()) == 0
    # No position given: the photo's EXIF position places the case.
    case = actions.do_report_case(actor=org["people"]["grid"], channel=Case.Channel.PATROL, cls=garbage,
                                  title="垃圾", description="照片定位", photos=[photo])
    assert case.area_code == GRID and case.attachments.count() == 1


def test_non_images_and_oversized_files_are_refused(settings):
    with pytest.raises(UserError) as err:
        prepare_photo(b"%PDF-1.4 not an image at all")
    assert err.value.field == "photos"
    settings.CIVICGRID_CASE_PHOTO_MAX_BYTES = 100
    with pytest.raises(UserError):
        prepare_photo(_jpeg_with_gps(120.0, 30.0))


def test_duplicates_are_found_and_merged(org, garbage):
    p = org["people"]
    first = hotline(org, garbage)
    second = actions.do_report_case(actor=p["seat"], channel=Case.Channel.HOTLINE, cls=garbage, title="又是垃圾",
                                    description="同一处", lon=first.lon + 0.0002, lat=first.lat,
                                    reporter_phone="13900001111")
    assert [c.pk for c in queries.duplicate_candidates(p["shift"], second)] == [first.pk]
    merged = actions.do_reject_case(second, actor=p["shift"], note="重复", duplicate_of=first)
    assert merged.status == Case.Status.DUPLICATE and merged.merged_into_id == first.pk
    assert first.events.filter(kind=CaseEvent.Kind.LINKED).exists()
    with pytest.raises(UserError):
        actions.do_merge_case(first, first, actor=p["shift"])
    third = actions.do_report_case(actor=p["seat"], channel=Case.Channel.HOTLINE, cls=garbage, title="重复投诉",
                                   description="上次没处理好", lon=first.lon, lat=first.lat,
                                   reporter_phone="13900002222", repeat_of=first)
    assert third.repeat_of_id == first.pk


def test_sent_back_case_is_dispatched_again_and_counted(org, garbage):
    p, units = org["people"], org["units"]
    case = dispatched(org, garbage)
    with pytest.raises(NotPermitted):
        actions.do_send_back_case(case, actor=p["chengguan"], reason="x")
    case = actions.do_send_back_case(case, actor=p["sanitation"], reason="属城管职责")
    assert case.status == Case.Status.REGISTERED and case.sendback_count == 1 and case.lead_unit is None
    assert not case.assignments.filter(active=True).exists()
    case = actions.do_dispatch_case(case, actor=p["dispatcher"], lead_unit=units["chengguan"])
    assert case.lead_unit == units["chengguan"]
    assert queries.unit_queue(p["chengguan"]).filter(pk=case.pk).exists()
    assert not queries.unit_queue(p["sanitation"]).filter(pk=case.pk).exists()


def test_refused_steps_change_nothing(org, garbage):
    p = org["people"]
    case = hotline(org, garbage)
    events = case.events.count()
    for actor in (p["grid"], p["seat"], p["sanitation"], p["other_seat"]):
        with pytest.raises(NotPermitted):
            actions.do_dispatch_case(case, actor=actor, lead_unit=org["units"]["sanitation"])
    case.refresh_from_db()
    assert case.status == Case.Status.REGISTERED and case.events.count() == events and case.version == 2
    with pytest.raises(Conflict):
        actions.do_register_case(case, actor=p["shift"], expected_version=1)


def test_resident_reports_without_an_account_and_follows_with_the_query_code(org, garbage, client):
    lon, lat = centre_of(org["tree"][GRID])
    body = {"cls": "E0101", "title": "楼下垃圾", "description": "好几天了", "lon": lon, "lat": lat,
            "reporter_phone": "13700001111"}
    r = client.post("/api/public/cases", data=json.dumps(body), content_type="application/json",
                    HTTP_IDEMPOTENCY_KEY="abc-1")
    assert r.status_code == 201, r.content
    code = r.json()["query_code"]
    assert len(code) == 10
    again = client.post("/api/public/cases", data=json.dumps(body), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="abc-1")
    assert again.status_code == 200 and Case.objects.count() == 1
    case = Case.objects.get()
    assert case.channel == Case.Channel.RESIDENT and case.tier == Case.Tier.COMMUNITY
    assert case.tasks.filter(kind=CaseTask.Kind.CONFIRM, outcome="").count() == 1
    public = client.get(f"/api/public/cases/{code}").json()
    assert public["status"] == "reported" and public["query_code"] is None and "phone" not in json.dumps(public)
    assert client.get("/api/public/cases/ZZZZZZZZZZ").status_code == 404
    r = client.post(f"/api/public/cases/{code}/rate", data=json.dumps({"rating": 1}), content_type="application/json")
    assert r.status_code == 409  # not closed yet
    # The supervisor finds it was not real: not registered.
    actions.do_confirm_report(case, actor=org["people"]["supervisor"], real=False, note="现场无垃圾")
    assert client.get(f"/api/public/cases/{code}").json()["status"] == "invalid"


def test_bad_rating_opens_a_callback_that_the_centre_completes(org, garbage):
    p = org["people"]
    case = dispatched(org, garbage)
    case = actions.do_accept_case(case, actor=p["sanitation"])
    case = actions.do_feedback_case(case, actor=p["sanitation"], result="已清运")
    case = actions.do_verify_case(case, actor=p["supervisor"], passed=True)
    assert case.closed_on_time is True
    with pytest.raises(UserError):
        actions.do_rate_case(case, actor=None, rating=9, query_code=case.query_code)
    with pytest.raises(NotPermitted):
        actions.do_rate_case(case, actor=None, rating=4, query_code="WRONGCODE1")
    actions.do_rate_case(case, actor=None, rating=4, query_code=case.query_code)
    task = CaseTask.objects.get(case=case, kind=CaseTask.Kind.CALLBACK)
    assert queries.task_queue(p["shift"]).filter(pk=task.pk).exists()
    actions.do_complete_callback(task, actor=p["shift"], note="已电话回访，同意再次清理")
    task.refresh_from_db()
    assert task.outcome == CaseTask.Outcome.DONE
    with pytest.raises(Conflict):
        actions.do_rate_case(case, actor=None, rating=1, query_code=case.query_code)


def test_reporter_phone_is_encrypted_masked_and_revealed_with_an_audit(org, garbage):
    from civicgrid.core.models import AuditLog

    case = hotline(org, garbage)
    raw = Case.objects.filter(pk=case.pk).values_list("reporter_phone_enc", flat=True).get()
    assert "13800001234" not in raw and case.reporter_phone_masked == "138****1234"
    with pytest.raises(UserError):
        queries.reveal_reporter_phone(org["people"]["seat"], case, reason=" ")
    assert queries.reveal_reporter_phone(org["people"]["seat"], case, reason="回访") == "13800001234"
    with pytest.raises(NotPermitted):
        queries.reveal_reporter_phone(org["people"]["grid"], case, reason="好奇")
    assert AuditLog.objects.filter(action="cases.case.reveal_phone").count() == 2


def test_cases_command_lists_classes_runs_the_job_and_shows_a_history(org, garbage):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("cases", "classes", stdout=out)
    assert "暴露垃圾" in out.getvalue() and "4 工作小时" in out.getvalue()
    out = StringIO()
    call_command("cases", "deadlines", stdout=out)
    assert out.getvalue().strip() == "warned=0 escalated=0 supervised=0"
    case = dispatched(org, garbage)
    out = StringIO()
    call_command("cases", "show", case.number, stdout=out)
    assert case.number in out.getvalue() and "已派遣" in out.getvalue()
