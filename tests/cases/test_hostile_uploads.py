"""Uploads that cannot exhaust the server (issue 13, findings 5, 8 and 13): decompression bombs
refused before decoding, anonymous filing rate-limited per address, request bodies limited
consistently with the documented 8 MB photos and answered in JSON on the API, and photos with
a page and an archive appended stored and served without them."""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.cases.models import Attachment, Case
from tests import hostile

from .conftest import GRID, centre_of


@pytest.fixture
def no_decoding(monkeypatch):
    """Any attempt to decode pixels fails the test: refusals must come from the header alone."""
    from PIL import ImageFile

    def refuse(self, *args, **kwargs):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


def _public_body(org, **extra) -> dict:
    lon, lat = centre_of(org["tree"][GRID])
    return {"cls": "E0101", "title": "垃圾", "description": "楼下垃圾", "lon": lon, "lat": lat} | extra


def test_png_bomb_is_refused_from_its_header_over_the_api(org, client, no_decoding):
    bomb = hostile.png_bomb()
    assert len(bomb) < 600_000
    body = _public_body(org, photos=[base64.b64encode(bomb).decode()])
    r = client.post("/api/public/cases", json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "photos"
    assert "40" in r.json()["detail"] and not Case.objects.exists()


def test_png_bomb_is_refused_from_its_header_on_the_public_page(org, client, no_decoding):
    page = client.get("/public/report/").content.decode()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)
    lon, lat = centre_of(org["tree"][GRID])
    data = {"cls": "E0101", "description": "路边垃圾", "lon": lon, "lat": lat, "token": token,
            "photos": [SimpleUploadedFile("a.png", hostile.png_bomb(), content_type="image/png")]}
    r = client.post("/public/report/", data)
    assert r.status_code == 400 and not Case.objects.exists()


def test_pillow_bomb_limit_is_lowered():
    from PIL import Image

    from civicgrid.cases.photos import MAX_PIXELS, prepare_photo

    prepare_photo(hostile.jpeg())
    assert Image.MAX_IMAGE_PIXELS <= MAX_PIXELS


def test_anonymous_filing_is_rate_limited_per_address(org, client, settings):
    settings.CIVICGRID_RATE_LIMITS = {"public_report": "3/m,10/h"}
    answers = [client.post("/api/public/cases", json.dumps(_public_body(org)), content_type="application/json")
               for _ in range(5)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    refused = answers[3]
    assert refused.json()["code"] == "rate_limited" and int(refused["Retry-After"]) > 0
    assert Case.objects.count() == 3
    # the page, from the same address: refused with a page
    page = client.post("/public/report/", {"cls": "E0101"})
    assert page.status_code == 429 and "text/html" in page["Content-Type"] and 'id="refused"' in page.content.decode()
    # another address is not affected
    other = client.post("/api/public/cases", json.dumps(_public_body(org)), content_type="application/json",
                        REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 201


# --- request bodies (finding 8) -----------------------------------------------------------------
def test_body_limit_follows_the_documented_photo_limit(settings):
    assert settings.CIVICGRID_MAX_BODY_BYTES >= 6 * settings.CIVICGRID_CASE_PHOTO_MAX_BYTES * 4 // 3
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.CIVICGRID_MAX_BODY_BYTES


def test_a_two_megabyte_photo_in_json_is_read(org, client):
    import io
    import os

    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (1200, 800), os.urandom(1200 * 800 * 3)).save(buffer, format="PNG")
    photo = buffer.getvalue()
    assert len(photo) > 2_000_000
    body = _public_body(org, photos=[base64.b64encode(photo).decode()])
    r = client.post("/api/public/cases", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content[:300]
    assert Attachment.objects.get().data == photo


def test_oversized_bodies_answer_in_the_callers_format(org, client, settings):
    settings.CIVICGRID_MAX_BODY_BYTES = 100_000
    big = json.dumps(_public_body(org, description="长" * 60_000))
    api = client.post("/api/public/cases", big, content_type="application/json")
    assert api.status_code == 413 and api["Content-Type"].startswith("application/json")
    assert "MB" in api.json()["detail"] and api.json()["code"] == "too_large"
    geo = client.post("/api/areas/import", big, content_type="application/json")
    assert geo.status_code == 413 and geo.json()["code"] == "too_large"
    open311 = client.post("/open311/v2/requests.json", {"description": "长" * 60_000})
    assert open311.status_code == 413 and open311.json()[0]["code"] == 413
    page = client.post("/public/report/", {"description": "长" * 60_000})
    assert page.status_code == 413 and "text/html" in page["Content-Type"]


def test_a_body_too_big_while_read_answers_json_not_the_bad_request_page(org, client, settings):
    # no Content-Length check can catch it (the limit for reading is lower): Django raises while
    # reading, the guard answers
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000
    r = client.post("/api/public/cases", json.dumps(_public_body(org, description="长" * 30_000)),
                    content_type="application/json")
    assert r.status_code == 413 and r.json()["code"] == "too_large"


# --- polyglots (finding 13) ---------------------------------------------------------------------
def test_jpeg_with_a_page_and_an_archive_appended_is_cut_at_its_end(org, client_for):
    polyglot = hostile.jpeg_with_payload()
    client = client_for(org["people"]["grid"])
    body = _public_body(org, channel="patrol", photos=[base64.b64encode(polyglot).decode()])
    r = client.post("/api/cases/", json.dumps(body), content_type="application/json")
    assert r.status_code == 201, r.content
    att = Attachment.objects.get()
    stored = bytes(att.data)
    assert stored == hostile.jpeg() and stored.endswith(b"\xff\xd9")
    assert b"<html" not in stored and b"PK\x03\x04" not in stored
    served = client.get(f"/cases/photos/{att.pk}/")
    assert served.status_code == 200 and served.content == stored
    assert served["Content-Type"] == "image/jpeg" and served["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served["Content-Security-Policy"]
    assert re.fullmatch(r'inline; filename="case-\d+-photo-\d+\.jpg"', served["Content-Disposition"])


def test_a_polyglot_stored_before_the_fix_is_served_cut(org, client_for):
    client = client_for(org["people"]["grid"])
    body = _public_body(org, channel="patrol", photos=[base64.b64encode(hostile.jpeg()).decode()])
    assert client.post("/api/cases/", json.dumps(body), content_type="application/json").status_code == 201
    att = Attachment.objects.get()
    Attachment.objects.filter(pk=att.pk).update(data=hostile.jpeg_with_payload())
    served = client.get(f"/cases/photos/{att.pk}/")
    assert served.content == hostile.jpeg()


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_cut_at_their_end_too(fmt):
    import io

    from PIL import Image

    from civicgrid.cases.photos import prepare_photo

    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (1, 2, 3)).save(buffer, format=fmt)
    clean = buffer.getvalue()
    photo = prepare_photo(clean + b"<html>hi</html>PK\x03\x04junk")
    assert photo.data == clean
