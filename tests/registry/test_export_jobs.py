"""Large exports as background jobs with progress (issue 13, finding 12): the people export of any
size is written by the job queue; the page and the API follow it and download the file once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from civicgrid.accounts.roles import Role
from civicgrid.core.idnumber import make_id_number
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions
from civicgrid.registry.models import ExportJob

from ..conftest import make_user


@pytest.fixture
def residents(tree):
    building = actions.do_create_building(actor=SYSTEM, address="文三街6号枫丹新村1幢", lon=120.005, lat=30.205)
    return [actions.do_register_person(actor=SYSTEM, building=building, name=f"居民{i}",
                                       id_number=make_id_number("330106", dt.date(1960 + i, 1, 1), i, "F"),
                                       phone=f"1380000{i:04d}") for i in range(7)]


def _rows(data: bytes) -> list[list]:
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(data)).worksheets[0].iter_rows()]


def test_background_export_runs_reports_progress_and_downloads_once_ready(
        people, residents, client_for, django_capture_on_commit_callbacks):
    client = client_for(people["street"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/api/registry/exports/people", {"tag": ""}, content_type="application/json")
    assert r.status_code == 202
    job = client.get(f"/api/registry/exports/{r.json()['id']}").json()
    assert job["status"] == "done" and job["total_rows"] == 7 == job["done_rows"] and job["percent"] == 100
    file = client.get(f"/api/registry/exports/{job['id']}/file")
    assert file.status_code == 200 and file["Cache-Control"] == "no-store"
    rows = _rows(file.content)
    assert len(rows) == 8 and all("*" in str(row[2]) for row in rows[1:])
    actions_logged = set(AuditLog.objects.values_list("action", flat=True))
    assert {"registry.export.request", "registry.people.export", "registry.export.download"} <= actions_logged
    # the requester's only
    assert client_for(people["community"]).get(f"/api/registry/exports/{job['id']}").status_code == 404
    assert client_for(people["community"]).get(f"/api/registry/exports/{job['id']}/file").status_code == 404


def test_a_queued_export_is_not_ready(people, residents, client_for):
    client = client_for(people["street"])
    r = client.post("/api/registry/exports/people", {}, content_type="application/json")  # not run: no commit
    job = ExportJob.objects.get(pk=r.json()["id"])
    assert job.status == "queued"
    assert client.get(f"/api/registry/exports/{job.pk}/file").status_code == 409
    page = client.get(f"/registry/exports/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page


def test_revealed_background_export_needs_the_right_and_a_reason(
        people, residents, client_for, tree, django_capture_on_commit_callbacks):
    doctor = make_user("doctor", Role.FAMILY_DOCTOR, tree["330106001001"])
    assert client_for(doctor).post("/api/registry/exports/people", {"reveal": True, "reason": "随访"},
                                   content_type="application/json").status_code == 403
    client = client_for(people["district"])
    assert client.post("/api/registry/exports/people", {"reveal": True},
                       content_type="application/json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/api/registry/exports/people", {"reveal": True, "reason": "核对", "q": residents[0].name},
                        content_type="application/json")
    job = ExportJob.objects.get(pk=r.json()["id"])
    assert residents[0].name not in job.filters_enc and "核对" not in job.reason_enc  # stored encrypted
    rows = _rows(client.get(f"/api/registry/exports/{job.pk}/file").content)
    assert len(rows) == 2 and "*" not in rows[1][2]


def test_a_search_by_id_number_in_a_background_export_is_stored_encrypted(people, residents, client_for):
    number = make_id_number("330106", dt.date(1960, 1, 1), 0, "F")
    r = client_for(people["street"]).post("/api/registry/exports/people", {"q": number},
                                          content_type="application/json")
    assert r.status_code == 202  # the street admin may reveal
    assert number not in ExportJob.objects.get(pk=r.json()["id"]).filters_enc


def test_a_large_direct_export_is_sent_to_the_background(people, residents, client_for, settings):
    settings.CIVICGRID_EXPORT_SYNC_MAX_ROWS = 5
    client = client_for(people["street"])
    r = client.get("/api/registry/export/people.xlsx")
    assert r.status_code == 409 and r.json()["code"] == "too_many_rows" and "/exports/people" in r.json()["detail"]
    page = client.get("/registry/people/export.xlsx", follow=True)
    assert "background" in page.content.decode() or "后台" in page.content.decode()


def test_the_people_page_exports_through_the_queue(people, residents, client_for, django_capture_on_commit_callbacks):
    client = client_for(people["street"])
    html = client.get("/registry/people/").content.decode()
    assert 'action="/registry/exports/people/"' in html
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/registry/exports/people/", {"q": "", "tag": ""})
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert 'id="export-download"' in page and 'http-equiv="refresh"' not in page
    job = ExportJob.objects.get()
    download = client.get(f"/registry/exports/{job.pk}/file.xlsx")
    assert download.status_code == 200 and len(_rows(download.content)) == 8


def test_people_exports_are_rate_limited_per_user(people, residents, client_for, settings):
    """Issue 13: a stolen session cannot pull the register export after export at machine speed."""
    from django.core.cache import caches

    caches[settings.CIVICGRID_RATE_LIMIT_CACHE].clear()
    settings.CIVICGRID_RATE_LIMITS = {"people_export": "2/m"}
    client = client_for(people["street"])
    answers = [client.get("/api/registry/export/people.xlsx") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["code"] == "rate_limited" and int(answers[2]["Retry-After"]) > 0
    # the background export counts in the same window, and nothing is queued when refused
    jobs = ExportJob.objects.count()
    refused = client.post("/api/registry/exports/people", {"tag": ""}, content_type="application/json")
    assert refused.status_code == 429 and ExportJob.objects.count() == jobs
    # the page answers with the message on the people list, not a file
    page = client.get("/registry/people/export.xlsx", follow=True)
    assert "Try again in" in page.content.decode() or "秒后再试" in page.content.decode()
    # another user is not affected
    assert client_for(people["district"]).get("/api/registry/export/people.xlsx").status_code == 200
