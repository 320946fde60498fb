"""Errors in place (issue 14, finding 6, page side): a refused photo keeps the text the handler
typed and says so beside the photo field; a missing position is reported on the first submit,
beside the map, with the other fields' errors; messages name fields by their label."""

from __future__ import annotations

import re

from civicgrid.cases.models import Case

from .conftest import GRID
from .test_pages import dispatched, report_data, upload


def _text(page: str) -> str:
    return re.sub(r"<script.*?</script>|<[^>]+>", " ", page, flags=re.S)


def test_a_refused_photo_keeps_the_typed_result_and_is_reported_beside_the_photos(org, client_for):
    from civicgrid.cases import actions

    case = actions.do_accept_case(dispatched(org), actor=org["people"]["sanitation"])
    hw = client_for(org["people"]["sanitation"])
    r = hw.post(f"/cases/{case.pk}/do/feedback/", {
        "result": "已清运垃圾两车，现场已冲洗", "version": case.version,
        "photos": [upload("notes.png", b"this is not an image", "image/png")]})
    assert r.status_code == 400
    page = r.content.decode()
    assert re.search(r'<textarea[^>]*name="result"[^>]*>已清运垃圾两车，现场已冲洗</textarea>', page)
    assert 'data-step-error="feedback.photos"' in page and 'id="step-error"' not in page
    inline = re.search(r'data-step-error="feedback.photos">([^<]+)<', page).group(1)
    assert inline.startswith("照片") and "photos" not in inline
    case.refresh_from_db()
    assert case.status == "handling"


def test_a_missing_result_is_said_beside_the_result_field_by_its_label(org, client_for):
    from civicgrid.cases import actions

    case = actions.do_accept_case(dispatched(org), actor=org["people"]["sanitation"])
    r = client_for(org["people"]["sanitation"]).post(f"/cases/{case.pk}/do/feedback/", {"result": ""})
    inline = re.search(r'data-step-error="feedback.result">([^<]+)<', r.content.decode()).group(1)
    assert inline.startswith("处理情况") and "result" not in inline


def test_a_missing_position_is_reported_on_the_first_submit_with_the_other_errors(org, client_for):
    data = report_data(org["tree"], grid=GRID, description="", lon="", lat="")
    r = client_for(org["people"]["grid"]).post("/cases/report/", data)
    assert r.status_code == 400
    page = r.content.decode()
    assert "位置: 请在地图上点选或使用您的位置" in page  # beside the map
    assert r.context["form"].errors["description"]  # and the other field, in the same answer
    assert Case.objects.count() == 0


def test_a_broken_geojson_upload_says_where_in_chinese(people, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    broken = SimpleUploadedFile("areas.geojson", b'{"type": "FeatureCollection" "features": []}',
                                content_type="application/geo+json")
    r = client_for(people["district"]).post("/areas/import/", {"file": broken, "dry_run": "on"})
    text = _text(r.content.decode())
    assert "Expecting" not in text and "delimiter" not in text
    assert "第 1 行" in text and "GeoJSON" in text
