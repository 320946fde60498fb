"""Ledger import (preview, then all or nothing) and xlsx export."""

import io

import pytest
from openpyxl import load_workbook

from civicgrid.core.errors import Conflict, NotPermitted, UserError
from civicgrid.core.models import AuditLog
from civicgrid.core.scoping import SYSTEM
from civicgrid.demo.ledgers import people_ledger
from civicgrid.registry import actions, ledger
from civicgrid.registry.models import (
    Building,
    Component,
    Household,
    ImportBatch,
    Person,
    PersonEvent,
    PersonTag,
)

ADDRESSES = ["文三街6号枫丹新村1幢", "文三街6号枫丹新村2幢"]
OUTSIDE = "学院路9号求是村3幢"


@pytest.fixture
def places(tree):
    inside = [actions.do_create_building(actor=SYSTEM, address=a, lon=120.005 + i * 0.004, lat=30.205)
              for i, a in enumerate(ADDRESSES)]
    # street 330106002 (east half of the district): outside the street admin of 330106001
    outside = actions.do_create_building(actor=SYSTEM, address=OUTSIDE, lon=120.065, lat=30.205)
    return inside, outside


def as_csv(sample, encoding="utf-8-sig") -> bytes:
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(sample.header)
    writer.writerows(sample.rows)
    return buf.getvalue().encode(encoding)


def test_ten_thousand_rows_preview_lists_every_bad_row_and_writes_nothing(people, places):
    sample = people_ledger(ADDRESSES, 10_000, bad_share=0.01, seed=3, outside=[OUTSIDE])
    assert len(sample.bad) == 100
    batch = actions.do_preview_import(actor=people["street"], data=as_csv(sample), filename="台账.csv",
                                      kind="people")
    assert (batch.total_rows, batch.accepted_rows, batch.rejected_rows) == (10_000, 9_900, 100)
    assert {r["row"] for r in batch.rejected} == set(sample.bad)
    column = {"checksum": "证件号码", "unknown_building": "楼栋地址", "duplicate_in_file": "证件号码",
              "outside": "楼栋地址", "bad_phone": "联系电话", "no_name": "姓名"}
    words = {"checksum": "GB 11643", "unknown_building": "不存在的楼", "outside": "330106002"}
    for r in batch.rejected:
        kind = sample.bad[r["row"]]
        assert list(r["errors"]) == [column[kind]], r
        assert words.get(kind, "") in r["errors"][column[kind]], r
        if kind == "duplicate_in_file":  # names the row it repeats
            first = next(i + 2 for i, row in enumerate(sample.rows) if row[2] == sample.rows[r["row"] - 2][2])
            assert str(first) in r["errors"][column[kind]]
    # nothing written, and the stored file is encrypted
    assert Person.objects.count() == 0 and Household.objects.count() == 0
    assert sample.rows[0][2] not in ImportBatch.objects.values_list("payload_enc", flat=True).get()
    assert all(sample.rows[r - 2][2] not in str(batch.rejected) for r in sample.bad if sample.rows[r - 2][2])

    batch = actions.do_commit_import(batch, actor=people["street"])
    assert batch.status == ImportBatch.Status.COMMITTED and batch.written_rows == 9_900
    assert Person.objects.count() == 9_900
    assert batch.payload_enc == ""
    assert PersonEvent.objects.filter(kind="registered").count() == 9_900
    # households: grouped by 户号, the 户主 is the head
    hh = Household.objects.exclude(head=None).count()
    assert hh == Household.objects.count() > 1000
    head = Household.objects.select_related("head").first().head
    assert head.relation == "户主" and head.household_id is not None
    assert PersonTag.objects.filter(tag="elderly").exists()
    assert set(Person.objects.values_list("area_code", flat=True)) <= {b.area_code for b in places[0]}
    assert AuditLog.objects.filter(action="registry.import.commit").count() == 1
    with pytest.raises(Conflict):
        actions.do_commit_import(batch, actor=people["street"])


def test_xlsx_and_gbk_csv_read_alike(people, places):
    sample = people_ledger(ADDRESSES, 200, bad_share=0.05, seed=4, outside=[OUTSIDE])
    xlsx = ledger.write_xlsx(sample.header, sample.rows)
    a = actions.do_preview_import(actor=people["street"], data=xlsx, filename="a.xlsx", kind="people")
    b = actions.do_preview_import(actor=people["street"], data=as_csv(sample, "gb18030"), filename="b.csv",
                                  kind="people")
    assert a.rejected == b.rejected and a.accepted_rows == b.accepted_rows == 190


def test_commit_refuses_when_the_register_changed_since_the_preview(people, places):
    sample = people_ledger(ADDRESSES, 50, bad_share=0, seed=5)
    batch = actions.do_preview_import(actor=people["street"], data=as_csv(sample), filename="a.csv",
                                      kind="people")
    actions.do_register_person(actor=people["street"], building=places[0][0], name="先来的人",
                               id_number=sample.rows[7][2])
    with pytest.raises(Conflict) as exc:
        actions.do_commit_import(batch, actor=people["street"])
    assert "1" in exc.value.message
    assert Person.objects.count() == 1
    assert ImportBatch.objects.get().status == ImportBatch.Status.PREVIEWED


@pytest.mark.parametrize("content, filename, words", [
    (b"name,phone\nx,1\n", "a.csv", "证件号码"),  # wrong header: required 姓名 missing? (name is accepted)
    (b"\xff\xfe\x00garbage", "a.xlsx", "xlsx"),
    (b"a,b", "a.pdf", ".xlsx"),
    ("姓名\n".encode(), "a.csv", "no rows"),
])
def test_unreadable_files_are_refused_with_a_clear_message(people, places, content, filename, words):
    if words == "证件号码":
        content, words = "电话\n1\n".encode(), "姓名"
    with pytest.raises(UserError) as exc:
        actions.do_preview_import(actor=people["street"], data=content, filename=filename, kind="people")
    assert exc.value.field == "file"
    assert words in exc.value.message or words in exc.value.message.replace("没有数据行", "no rows")
    assert not ImportBatch.objects.exists()


def test_only_importers_and_only_the_uploader(people, places):
    sample = people_ledger(ADDRESSES, 5, bad_share=0, seed=6)
    with pytest.raises(NotPermitted):
        actions.do_preview_import(actor=people["grid"], data=as_csv(sample), filename="a.csv", kind="people")
    batch = actions.do_preview_import(actor=people["street"], data=as_csv(sample), filename="a.csv",
                                      kind="people")
    with pytest.raises(NotPermitted):
        actions.do_commit_import(batch, actor=people["district"])
    actions.do_discard_import(batch, actor=people["street"])
    assert ImportBatch.objects.get().payload_enc == ""
    assert Person.objects.count() == 0


def test_buildings_and_components_ledgers(people, places):
    rows = "标准地址,经度,纬度,层数\n文三街10号A幢,120.006,30.206,6\n文三街10号B幢,120.065,30.206,6\n" \
           "文三街6号枫丹新村1幢,120.006,30.206,6\n文三街10号C幢,abc,30.2,6\n文三街10号D幢,120.007,30.206,0\n"
    batch = actions.do_preview_import(actor=people["street"], data=rows.encode(), filename="b.csv",
                                      kind="buildings")
    assert batch.accepted_rows == 1
    assert [r["row"] for r in batch.rejected] == [3, 4, 5, 6]
    actions.do_commit_import(batch, actor=people["street"])
    assert Building.objects.get(address="文三街10号A幢").area_code.startswith("330106001")

    rows = "部件小类,经度,纬度,状态\n雨水井盖,120.006,30.206,破损\n0116,120.007,30.207,\n不存在,120.006,30.206,\n"
    batch = actions.do_preview_import(actor=people["street"], data=rows.encode(), filename="c.csv",
                                      kind="components")
    assert batch.accepted_rows == 2 and batch.rejected[0]["row"] == 4
    actions.do_commit_import(batch, actor=people["street"])
    codes = sorted(Component.objects.values_list("code", flat=True))
    assert all(len(c) == 16 and c.startswith("330106") for c in codes)
    assert Component.objects.filter(state="damaged").count() == 1


def test_pages_upload_preview_write_and_export(people, places, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(people["street"])
    sample = people_ledger(ADDRESSES, 120, bad_share=0.05, seed=8, outside=[OUTSIDE])
    response = client.post("/registry/imports/", {"kind": "people", "file": SimpleUploadedFile(
        "居民台账.xlsx", ledger.write_xlsx(sample.header, sample.rows))})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "居民台账.xlsx" in body and "114" in body
    for row in sample.bad:
        assert f">{row}</td>" in body
    assert Person.objects.count() == 0
    rejected = client.get(response["Location"] + "rejected.xlsx")
    assert rejected["Content-Type"].startswith("application/vnd.openxmlformats")
    batch = ImportBatch.objects.get()
    assert client.post(f"/registry/imports/{batch.pk}/commit/").status_code == 302
    assert Person.objects.count() == 114
    assert "114" in client.get(f"/registry/imports/{batch.pk}/").content.decode()
    # the template downloads; a bad upload is refused on the form, naming the file
    assert client.get("/registry/imports/template/people.xlsx").status_code == 200
    refused = client.post("/registry/imports/", {"kind": "people", "file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert refused.status_code == 200 and ".xlsx" in refused.content.decode()

    # export: masked by default, revealed with a reason (audited)
    masked = load_workbook(io.BytesIO(client.get("/registry/people/export.xlsx").content)).worksheets[0]
    values = [r[2] for r in masked.iter_rows(min_row=2, values_only=True)]
    assert len(values) == 114 and all("*" in v for v in values)
    revealed = client.post("/registry/people/export.xlsx", {"export-reason": "年度核查"})
    values = [r[2] for r in load_workbook(io.BytesIO(revealed.content)).worksheets[0].iter_rows(
        min_row=2, values_only=True)]
    assert all("*" not in v for v in values) and set(values) <= {r[2] for r in sample.rows}
    assert AuditLog.objects.filter(action="registry.people.export", detail__reason="年度核查",
                                   detail__revealed=114).exists()
    # a grid worker may neither import nor export
    grid = client_for(people["grid"])
    assert grid.get("/registry/imports/").status_code == 403
    assert grid.get("/registry/people/export.xlsx").status_code == 403


def test_a_large_ledger_is_written_by_the_job_queue_with_its_progress(
        people, places, client_for, settings, django_capture_on_commit_callbacks):
    """Issue 13, finding 12: the write of a large ledger leaves the request at once (202) and the
    page follows it; all rows or none."""
    settings.CIVICGRID_IMPORT_SYNC_MAX_ROWS = 10
    sample = people_ledger(ADDRESSES, 30, bad_share=0, seed=5)
    client = client_for(people["street"])
    batch = actions.do_preview_import(actor=people["street"], data=as_csv(sample), filename="大台账.csv", kind="people")
    before = Person.objects.count()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = client.post(f"/api/registry/imports/{batch.pk}/commit")
    assert answer.status_code == 202 and answer.json()["status"] == "queued"
    assert Person.objects.count() == before  # nothing written inside the request
    page = client.get(f"/registry/imports/{batch.pk}/").content.decode()
    assert "0 of 30" in page or "30 行中已写入 0 行" in page
    assert client.post(f"/api/registry/imports/{batch.pk}/commit").status_code == 409  # not twice
    for callback in callbacks:  # the job (huey runs at once in tests)
        callback()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED and batch.written_rows == 30
    assert Person.objects.count() == before + 30
    assert client.get(f"/api/registry/imports/{batch.pk}").json()["percent"] == 100
    assert AuditLog.objects.filter(action="registry.import.queue", object_id=str(batch.pk)).count() == 1


def test_a_queued_write_that_fails_writes_nothing_and_returns_to_the_preview(
        people, places, settings, django_capture_on_commit_callbacks):
    settings.CIVICGRID_IMPORT_SYNC_MAX_ROWS = 10
    sample = people_ledger(ADDRESSES, 20, bad_share=0, seed=6)
    batch = actions.do_preview_import(actor=people["street"], data=as_csv(sample), filename="台账.csv", kind="people")
    # the register changes after the preview: one of the ledger's ID numbers is registered elsewhere
    row = dict(zip(sample.header, sample.rows[0], strict=True))
    building = Building.objects.get(address=ADDRESSES[0])
    actions.do_register_person(actor=SYSTEM, building=building, name="先登记", id_number=row["证件号码"])
    before = Person.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        batch = actions.do_request_commit_import(batch, actor=people["street"])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED and ("changed" in batch.error or "变" in batch.error)
    assert Person.objects.count() == before
    actions.do_discard_import(batch, actor=people["street"])
