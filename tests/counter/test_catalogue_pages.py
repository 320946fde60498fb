"""The catalogue's .xlsx export and import on the pages: the administrator exports, uploads a sheet,
sees every row's problems by row and column (in Chinese), imports through the actions; bad files
(not a spreadsheet, a missing column, a promise longer than the legal limit) are refused, nothing
written."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from civicgrid.counter import seed
from civicgrid.counter.catalogue_io import HEADER
from civicgrid.counter.models import ItemVersion, ServiceItem

pytestmark = pytest.mark.django_db


def _book(client):
    r = client.get("/counter/catalogue.xlsx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(r.content))


def _bytes(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _set(ws, code, column, value):
    for row in ws.iter_rows(min_row=2):
        if row[0].value == code:
            row[HEADER.index(column)].value = value
            return
    raise AssertionError(code)


def _upload(client, data: bytes, name="catalogue.xlsx"):
    return client.post("/counter/catalogue/import/", {"do": "preview", "file": SimpleUploadedFile(name, data)},
                       HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_export_button_and_import_through_the_preview(counter_cast, client_for):
    seed.ensure()
    admin = client_for(counter_cast["district"])
    page = admin.get("/counter/")
    assert b'href="/counter/catalogue.xlsx"' in page.content and b'href="/counter/catalogue/import/"' in page.content
    # a window clerk sees neither button and may not use either page
    clerk = client_for(counter_cast["clerk"])
    assert b"/counter/catalogue.xlsx" not in clerk.get("/counter/").content
    assert clerk.get("/counter/catalogue.xlsx").status_code == 403
    assert clerk.get("/counter/catalogue/import/").status_code == 403

    book = _book(admin)
    ws = book.active
    assert [c.value for c in ws[1]] == HEADER
    _set(ws, "MZ003-01", "承诺时限", 2)
    before = ItemVersion.objects.count()
    r = _upload(admin, _bytes(book))
    assert r.status_code == 200, r.content[:800]
    assert b'id="commit-form"' in r.content and b'id="row-errors"' not in r.content
    assert ItemVersion.objects.count() == before  # the preview wrote nothing
    r = admin.post("/counter/catalogue/import/", {"do": "import"})
    assert r.status_code == 302 and r["Location"] == "/counter/"
    assert ServiceItem.objects.get(code="MZ003-01").current.promised_days == 2
    assert ItemVersion.objects.count() > before
    # the staged sheet is gone after the import
    r = admin.post("/counter/catalogue/import/", {"do": "import"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 400 and "重新上传" in r.content.decode()


def test_bad_files_are_refused_naming_row_column_and_rule(counter_cast, client_for):
    seed.ensure()
    admin = client_for(counter_cast["district"])
    before = ItemVersion.objects.count()
    # not a spreadsheet (a text file named .xlsx) and a wrong file type
    r = _upload(admin, b"not a sheet at all")
    assert r.status_code == 400 and "xlsx" in r.content.decode() and 'aria-invalid="true"' in r.content.decode()
    r = _upload(admin, b"a,b\n1,2\n", name="catalogue.csv")
    assert r.status_code == 400 and "catalogue.csv" in r.content.decode()
    # a missing column is named
    book = _book(admin)
    ws = book.active
    ws.delete_cols(HEADER.index("承诺时限") + 1)
    r = _upload(admin, _bytes(book))
    assert r.status_code == 400 and "「承诺时限」" in r.content.decode()
    # promised > legal and a word where a number belongs: each row's problem by its column, in Chinese
    book = _book(admin)
    ws = book.active
    _set(ws, "MZ003-02", "承诺时限", 99)
    _set(ws, "MZ001-01", "法定时限", "三十")
    r = _upload(admin, _bytes(book))
    text = r.content.decode()
    assert r.status_code == 200 and 'id="row-errors"' in text and 'id="commit-form"' not in text
    table = text[text.index('id="row-errors"'):]
    assert "MZ003-02" in table and "承诺时限" in table and "超过了法定时限" in table
    assert "MZ001-01" in table and "法定时限" in table and "整数" in table
    # importing the staged sheet anyway is refused as a whole
    r = admin.post("/counter/catalogue/import/", {"do": "import"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 400 and "MZ003-02" in r.content.decode()
    assert ItemVersion.objects.count() == before
    r = admin.post("/counter/catalogue/import/", {"do": "discard"})
    assert r.status_code == 302
