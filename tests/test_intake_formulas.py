"""Formulas without a saved result in the monthly scores of .ods and .xls files (SPEC §8,
issue 11): plain arithmetic is worked out, anything else refused naming the cell — never read
as blank (未考核). The .ods is written by a script with odfpy (formulas without results), or
comes from LibreOffice with its results then stripped; the .xls is written by xlwt, which
saves no result."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pytest
import xlwt
from fill import fill_monthly, fill_weekly
from helpers import rezip
from intake_kit import (
    ODS,
    bureau_with_forms,
    codes,
    copy_workspace,
    ingest,
    libreoffice,
    monthly_rows,
    office_path,
    outcome_of,
    weekly_path,
    weekly_row,
)
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

SCORES = {"L1": [9, 10], "L2": [10, 10], "1001": [8, 9.5], "1002": [9, 9], "2001": [10, 8],
          "2002": [7, 8], "2003": [9, 10], "3001": [6, 7], "3002": [10, 10]}
KEY = "monthly:office:2026-03"
UNSAVED = "请在 Excel 或 WPS 中打开并保存后再发送"
# Rows of the office edition: header on row 4, L1 on 5, L2 on 6, 1001 on 7, 1002 on 8;
# D is 出勤情况(10), E 公共职责(10), F 合计.


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return bureau_with_forms(tmp_path_factory.mktemp("formulas") / "ws", weeks=("2026-W10",))


@pytest.fixture
def ws(base, tmp_path):
    return copy_workspace(base, tmp_path / "ws")


@pytest.fixture(scope="module")
def filled(base, tmp_path_factory):
    return fill_monthly(office_path(base), tmp_path_factory.mktemp("filled") / "考核办.xlsx",
                        SCORES, sign="办公室张", date=dt.date(2026, 3, 31))


# --- .ods -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def libreoffice_ods(filled, tmp_path_factory):
    """The office edition saved by LibreOffice with formulas typed into L2's row."""
    folder = tmp_path_factory.mktemp("lo")
    target = folder / "out" / "考核办.ods"
    libreoffice([{"src": filled, "dst": target, "filter": ODS, "edits": [
        {"op": "formula", "sheet": "月考评表", "cell": "D6", "value": "=4+5"},
        {"op": "formula", "sheet": "月考评表", "cell": "E6", "value": "=SUM(D6;0.5)"},
    ]}], folder)
    return target.read_bytes()


def _content(data: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("content.xml").decode("utf-8")


def _cells(content: str):
    return re.finditer(r"<table:table-cell\b[^>]*?(?:/>|>.*?</table:table-cell>)", content, re.S)


def _strip_results(content: str) -> str:
    """Every formula cell loses its saved result: D6 everything (type, value, text), the
    others keep `office:value-type` but lose the value (both read as blank by calamine)."""
    def one(match: re.Match) -> str:
        cell = match.group(0)
        if "table:formula=" not in cell:
            return cell
        head = re.match(r"<table:table-cell\b[^>]*?(?=/?>)", cell).group(0)
        if 'table:formula="of:=4+5"' in head:
            head = re.sub(r' (?:office:value-type|calcext:value-type)="[^"]*"', "", head)
        return re.sub(r' office:value="[^"]*"', "", head) + "/>"
    return re.sub(r"<table:table-cell\b[^>]*?(?:/>|>.*?</table:table-cell>)", one, content,
                  flags=re.S)


def _script_cell(content: str, row_marker: str, position: int, formula: str) -> str:
    """Cell `position` (0-based) of the row whose first cell reads `row_marker` replaced by a
    formula cell as odfpy writes it: `table:formula` only, no result, no text."""
    rows = list(re.finditer(r"<table:table-row\b.*?</table:table-row>", content, re.S))
    (row,) = [r for r in rows if f"<text:p>{row_marker}</text:p>" in r.group(0)]
    cells = list(_cells(row.group(0)))
    assert all("number-columns-repeated" not in c.group(0) for c in cells[: position + 1])
    cell = cells[position]
    new_row = (row.group(0)[: cell.start()] + f'<table:table-cell table:formula="{formula}"/>'
               + row.group(0)[cell.end():])
    return content[: row.start()] + new_row + content[row.end():]


@pytest.mark.libreoffice
def test_an_ods_whose_formula_results_were_stripped_is_worked_out(ws, libreoffice_ods):
    content = _strip_results(_content(libreoffice_ods))
    assert 'table:formula="of:=4+5"/>' in content and "of:=SUM([.D6];0.5)" in content
    # and 1002's 公共职责 as a script writes it: 1001's 出勤情况 (8) × 2 − 7 = 9 … then + 0.5
    content = _script_cell(content, "1002", 4, "of:=[.D7]*2-7+0.5")
    (ws.inbox / "考核办.ods").write_bytes(rezip(libreoffice_ods, {"content.xml":
                                                                 content.encode("utf-8")}))
    outcome = outcome_of(ingest(ws), "考核办.ods")
    assert outcome["outcome"] == "accepted", outcome
    rows = monthly_rows(ws, KEY)
    assert rows["L2"]["items"] == {"出勤情况": "9", "公共职责": "9.5"}
    assert rows["1002"]["items"] == {"出勤情况": "9", "公共职责": "9.5"}
    assert rows["L1"]["items"] == {"出勤情况": "9", "公共职责": "10"}
    assert all(r["assessed"] for r in rows.values())


@pytest.mark.libreoffice
@pytest.mark.parametrize("formula", ["of:=AVERAGE([.D7];10)", "of:=[$其他.D7]+1"])
def test_an_ods_formula_that_is_not_plain_arithmetic_is_refused_naming_the_cell(
        ws, libreoffice_ods, formula):
    content = _script_cell(_content(libreoffice_ods), "1002", 3, formula)
    (ws.inbox / "考核办.ods").write_bytes(rezip(libreoffice_ods, {"content.xml":
                                                                 content.encode("utf-8")}))
    outcome = outcome_of(ingest(ws), "考核办.ods")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["form.formula_unsaved"]
    issue = outcome["issues"][0]
    assert (issue["sheet"], issue["cell"]) == ("月考评表", "D8")
    assert UNSAVED in issue["message"]
    assert monthly_rows(ws, KEY) == {}


def _odfpy_copy(source, target, formulas: dict[str, str]) -> None:
    """The filled form written again as .ods by a script with odfpy: values typed with their
    types, formulas (OpenFormula) as `table:formula` alone — odfpy calculates nothing."""
    book = openpyxl.load_workbook(source)
    document = OpenDocumentSpreadsheet()
    for sheet in book.worksheets:
        table = Table(name=sheet.title)
        for row in sheet.iter_rows():
            line = TableRow()
            for cell in row:
                value = cell.value
                if sheet.title == "月考评表":
                    value = formulas.get(cell.coordinate, value)
                if isinstance(value, str) and value.startswith("of:="):
                    written = TableCell(formula=value)
                elif value is None or isinstance(value, str) and value.startswith("="):
                    written = TableCell()  # blank; the template's 合计 formula left out
                elif isinstance(value, int | float):
                    written = TableCell(valuetype="float", value=value)
                    written.addElement(P(text=str(value)))
                elif isinstance(value, dt.datetime | dt.date):
                    written = TableCell(valuetype="date", datevalue=value.strftime("%Y-%m-%d"))
                    written.addElement(P(text=value.strftime("%Y-%m-%d")))
                else:
                    written = TableCell(valuetype="string")
                    written.addElement(P(text=str(value)))
                line.addElement(written)
            table.addElement(line)
        document.spreadsheet.addElement(table)
    document.save(str(target))


def test_an_ods_written_by_odfpy_with_formulas_is_worked_out(ws, filled):
    _odfpy_copy(filled, ws.inbox / "考核办.ods", {
        "D6": "of:=4+5", "E6": "of:=SUM([.D6];0.5)",  # L2: 9, 9.5
        "E8": "of:=([.D7]+[.$E$7])/2",                 # 1002: (8 + 9.5) / 2 = 8.75
    })
    outcome = outcome_of(ingest(ws), "考核办.ods")
    assert outcome["outcome"] == "accepted", outcome
    rows = monthly_rows(ws, KEY)
    assert rows["L2"]["items"] == {"出勤情况": "9", "公共职责": "9.5"}
    assert rows["1002"]["items"] == {"出勤情况": "9", "公共职责": "8.75"}
    assert rows["3002"]["items"] == {"出勤情况": "10", "公共职责": "10"}


def test_an_ods_written_by_odfpy_with_another_function_is_refused(ws, filled):
    _odfpy_copy(filled, ws.inbox / "考核办.ods", {"D8": "of:=AVERAGE([.D7];10)"})
    outcome = outcome_of(ingest(ws), "考核办.ods")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["form.formula_unsaved"]
    issue = outcome["issues"][0]
    assert (issue["sheet"], issue["cell"]) == ("月考评表", "D8")
    assert "「=AVERAGE(D7,10)」" in issue["message"] and UNSAVED in issue["message"]
    assert monthly_rows(ws, KEY) == {}


# --- .xls -----------------------------------------------------------------------------------


def _xlwt_copy(source, target, formulas: dict[str, str]) -> None:
    """The filled form written again as .xls by a script with xlwt, formulas put into some
    cells of 月考评表 (xlwt saves every formula with an empty-string placeholder result)."""
    book = openpyxl.load_workbook(source)
    out = xlwt.Workbook(encoding="utf-8")
    date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for sheet in book.worksheets:
        written = out.add_sheet(sheet.title)
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if sheet.title == "月考评表":
                    value = formulas.get(cell.coordinate, value)
                if value is None:
                    continue
                if isinstance(value, str) and value.startswith("="):
                    written.write(cell.row - 1, cell.column - 1, xlwt.Formula(value[1:]))
                elif isinstance(value, dt.datetime | dt.date):
                    written.write(cell.row - 1, cell.column - 1, value, date)
                else:
                    written.write(cell.row - 1, cell.column - 1, value)
    out.save(str(target))


def test_an_xls_written_by_a_script_with_formulas_is_worked_out(ws, filled):
    _xlwt_copy(filled, ws.inbox / "考核办.xls", {
        "D6": "=4+5", "E6": "=SUM(D6,0.5)",  # L2: 9, 9.5
        "E8": "=-D7+2*(3+4)/2*1.5",           # 1002: −8 + 10.5 = 2.5
        "D9": "=SUM(D5:E5)/2",                # 2001: (9 + 10) / 2 = 9.5
    })
    outcome = outcome_of(ingest(ws), "考核办.xls")
    assert outcome["outcome"] == "accepted", outcome
    rows = monthly_rows(ws, KEY)
    assert rows["L2"]["items"] == {"出勤情况": "9", "公共职责": "9.5"}
    assert rows["1002"]["items"] == {"出勤情况": "9", "公共职责": "2.5"}
    assert rows["2001"]["items"] == {"出勤情况": "9.5", "公共职责": "8"}
    assert rows["3002"]["items"] == {"出勤情况": "10", "公共职责": "10"}


@pytest.mark.parametrize("formula", ["=AVERAGE(8,10)", "=IF(D7>5,9,8)"])
def test_an_xls_formula_that_is_not_plain_arithmetic_is_refused_naming_the_cell(
        ws, filled, formula):
    _xlwt_copy(filled, ws.inbox / "考核办.xls", {"D8": formula})
    outcome = outcome_of(ingest(ws), "考核办.xls")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["form.formula_unsaved"]
    issue = outcome["issues"][0]
    assert (issue["sheet"], issue["cell"]) == ("月考评表", "D8")
    assert UNSAVED in issue["message"]
    assert monthly_rows(ws, KEY) == {}


# --- formulas outside the score cells -------------------------------------------------------


def test_a_formula_without_result_in_the_weekly_form_is_refused_naming_the_cell(ws, tmp_path):
    """A script dates a work-log line with =DATE(…) (openpyxl saves no result): the weekly
    form has no formulas, so the file is refused naming the cell, not read as a blank date."""
    form = fill_weekly(weekly_path(ws, "1002", "周一", "办公室"), tmp_path / "z.xlsx",
                       chief=("称职", "李办"), leader=("优秀", "钱副"), log=["起草通知"])
    book = openpyxl.load_workbook(form)
    log = book["工作日志"]
    row = log.max_row + 1
    log.cell(row, 1).value = "=DATE(2026,3,7)"
    log.cell(row, 2).value = "周六加班"
    book.save(ws.inbox / "周一.xlsx")
    outcome = outcome_of(ingest(ws), "周一.xlsx")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["form.formula_unsaved"]
    issue = outcome["issues"][0]
    assert (issue["sheet"], issue["cell"]) == ("工作日志", f"A{row}")
    assert "「=DATE(2026,3,7)」" in issue["message"] and UNSAVED in issue["message"]
    assert weekly_row(ws, "1002", "2026-W10") is None


def test_a_formula_without_result_under_the_monthly_table_is_refused_naming_the_cell(
        ws, filled, tmp_path):
    """The rater's date written as =DATE(…) by a script: refused at that cell. The 合计
    formulas of rows left blank (未考核) under the last filled row are not in the way."""
    scores = {k: v for k, v in SCORES.items() if k not in ("3001", "3002")}
    form = fill_monthly(office_path(ws), tmp_path / "o.xlsx", scores, sign="办公室张")
    book = openpyxl.load_workbook(form)
    (sheet, ref), = list(book.defined_names["rater_date"].destinations)
    book[sheet][ref.replace("$", "")] = "=DATE(2026,3,31)"
    book.save(ws.inbox / "考核办.xlsx")
    outcome = outcome_of(ingest(ws), "考核办.xlsx")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["form.formula_unsaved"]
    assert outcome["issues"][0]["cell"] == ref.replace("$", "")
    book[sheet][ref.replace("$", "")] = dt.date(2026, 3, 31)  # typed as a date: accepted
    book.save(ws.inbox / "考核办2.xlsx")
    assert outcome_of(ingest(ws), "考核办2.xlsx")["outcome"] == "accepted"


def test_a_text_formula_in_a_grade_cell_is_refused_quoting_it_as_typed(ws, tmp_path):
    form = fill_weekly(weekly_path(ws, "1002", "周一", "办公室"), tmp_path / "z.xlsx",
                       chief=("称职", "李办"), leader=("优秀", "钱副"), log=["起草通知"],
                       extra={"leader_grade": '="优秀"'})
    (ws.inbox / "周一.xlsx").write_bytes(form.read_bytes())
    outcome = outcome_of(ingest(ws), "周一.xlsx")
    assert codes(outcome) == ["form.formula_unsaved"]
    assert outcome["issues"][0]["sheet"] == "周考评表"
    assert '「="优秀"」' in outcome["issues"][0]["message"]
