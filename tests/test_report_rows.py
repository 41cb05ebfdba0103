"""The report workbooks' shortcuts around xlsxwriter give the same bytes.

Table rows are rendered straight into the sheet XML (reports/sheetrows.py), each sheet's
cell table is freed once its XML is made (book._free_cells_when_written), and the parts go
through temporary files, the archive re-packed as the in-memory mode writes it
(book._repack). These tests write the same workbook with and without them (plain xlsxwriter
in memory) and compare the files byte for byte, and fail when the installed xlsxwriter no
longer has the private parts the first two need (the report would still be right, through
the public writers, but slow again).
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from decimal import Decimal as D

import openpyxl
import pytest

from workbook_engine.issues import Issue
from workbook_engine.reports import book as book_module
from workbook_engine.reports.book import Column, ReportBook, SignOff, Table
from workbook_engine.reports.sheetrows import DirectRows

KINDS = ["text", "number", "int", "grade", "money", "coef", "text"]


def _rows() -> list[list]:
    """Every kind of value a table cell gets, over more than three blocks of 16 rows."""
    odd = ["", "  前后空格  ", 'a<b & "c" >d', "控制\x01字符\x1f", "换行\n两行", "_x0041_",
           "a" * 40_000, "😀" * 17_000, "长" * 70, "称职", "不称职"]
    numbers = [0, D("0"), D("-0"), -3, D("92.50"), D("92.5"), D("1E-20"), D("123456789.125"),
               10**20, True, 1.5, float("nan"), None, D("0.0001"), D("-7.25")]
    rows = []
    for n in range(53):
        rows.append([odd[n % len(odd)], numbers[n % len(numbers)], n, odd[(n + 3) % len(odd)],
                     numbers[(n + 5) % len(numbers)], numbers[(n + 7) % len(numbers)],
                     f"第 {n} 行"][: 7 - n % 4])  # some rows shorter than the columns
    rows[20] = []  # a row without cells keeps its height
    rows[21] = rows[22][:] + ["beyond the last column", 1]
    return rows


def _write(path, direct: bool, free: bool, monkeypatch) -> bytes:
    monkeypatch.setattr(ReportBook, "direct_rows", direct)
    if not direct:  # else as shipped (through files, except on Windows)
        monkeypatch.setattr(ReportBook, "through_files", False)
    if not free:
        monkeypatch.setattr(book_module, "_free_cells_when_written", lambda sheet: None)
    book = ReportBook(path, "测试报表", "某某县住房和城乡建设局", "指纹")
    book.cover("2026年", [("参加考核", "3 人")], [], SignOff())
    columns = [Column(f"列{n}", kind, 6 + 3 * n) for n, kind in enumerate(KINDS)]
    book.table(Table("甲", "甲表", columns, _rows()))
    book.table(Table("乙", "乙表", columns[:3], [["称职", 1, 2]] * 40), grade_header=None)
    book.table(Table("丙", "丙表", columns, []))
    book.problems([Issue(code="x", message="问题一", file="a.xlsx", row=3)])
    book.close()
    return path.read_bytes()


def test_direct_rows_and_freed_cells_give_the_same_bytes(tmp_path, monkeypatch):
    plain = _write(tmp_path / "plain.xlsx", direct=False, free=False, monkeypatch=monkeypatch)
    fast = _write(tmp_path / "fast.xlsx", direct=True, free=True, monkeypatch=monkeypatch)
    assert hashlib.sha256(fast).hexdigest() == hashlib.sha256(plain).hexdigest()
    sheet = openpyxl.load_workbook(tmp_path / "fast.xlsx")["甲"]
    assert sheet["A1"].value == "列0"
    assert sheet["B6"].value == D("92.5")  # numbers stay numbers, text the text written
    assert sheet["A4"].value == 'a<b & "c" >d'
    assert len(sheet["A8"].value) == 32767  # cut as xlsxwriter cuts
    assert sheet.row_dimensions[22].height is not None  # the row without cells


def test_the_installed_xlsxwriter_has_what_the_shortcuts_use(tmp_path):
    book = ReportBook(tmp_path / "a.xlsx", "测试", "单位", "x")
    sheet = book.workbook.add_worksheet("甲")
    assert DirectRows.usable(sheet), "xlsxwriter changed: see reports/sheetrows.py"
    book_module._free_cells_when_written(sheet)
    assert sheet._assemble_xml_file.__name__ == "assemble_then_free", \
        "xlsxwriter changed: see book._free_cells_when_written"
    book.close()


def test_cells_written_through_xlsxwriter_below_direct_rows_are_refused(tmp_path, monkeypatch):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))  # xlsxwriter's files go here
    book = ReportBook(tmp_path / "a.xlsx", "测试", "单位", "x")
    book.table(Table("甲", "甲表", [Column("列", "text", 8)], [["一"], ["二"]]))
    book.workbook.get_worksheet_by_name("甲").write_string(5, 0, "later")
    with pytest.raises(RuntimeError, match="below row 1"):
        book.close()
    assert list(temporary.iterdir()) == []  # no temporary file left behind


def test_repack_copies_deflated_parts_and_deflates_the_others_again(tmp_path):
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("stored.xml", "<a>存</a>" * 500, compress_type=zipfile.ZIP_STORED)
        archive.writestr("deflated.xml", "<b>压</b>" * 5000, compress_type=zipfile.ZIP_DEFLATED)
    book_module._repack(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert archive.read("stored.xml").decode() == "<a>存</a>" * 500
        assert archive.read("deflated.xml").decode() == "<b>压</b>" * 5000
        infos = archive.infolist()
        assert [i.compress_type for i in infos] == [zipfile.ZIP_DEFLATED] * 2
        assert [i.date_time for i in infos] == [(1980, 1, 1, 0, 0, 0)] * 2
