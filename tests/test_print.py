"""Printed reports are legible (SPEC §6): LibreOffice converts them, pdftotext reads them back.

All the conversions of this module run in one soffice call (slow on a shared machine)."""

from __future__ import annotations

import re
import subprocess
import zipfile
from decimal import Decimal as D

import openpyxl
import pandas as pd
import pytest
import test_year
from helpers import cli, convert_to_pdf

from workbook_engine.periods import Month
from workbook_engine.reports.book import ReportBook
from workbook_engine.reports.monthly import _write_publicity
from workbook_engine.scoring.compute import MonthResult
from workbook_engine.scoring.monthly import COLUMNS, SCORED

year_ws = test_year.year_ws  # the hand-worked year, a fixture of this module too


def in_order(needle: str, text: str) -> bool:
    """Every character of `needle` in `text`, in order: wrapped onto several lines (pdftotext
    interleaves the columns) but nothing cut off."""
    rest = iter(text)
    return all(ch in rest for ch in needle)


def publicity_book(path, people: int):
    """A report holding only a 公示 of `people` scored names 测试01, 测试02, …"""
    rows = [dict.fromkeys(COLUMNS) | {
        "staff_id": f"{n:04d}", "name": f"测试{n:02d}", "section": "规划股", "month": "2026-05",
        "status": SCORED, "score": D("90"), "grade": "称职", "rated_grade": "称职"}
        for n in range(1, people + 1)]
    result = MonthResult(Month(2026, 5), pd.DataFrame(rows, dtype=object), pd.DataFrame(),
                         pd.DataFrame(), [])
    book = ReportBook(path, "公示", "某某县住房和城乡建设局", "x")
    _write_publicity(book, result, 5)
    book.close()
    return path


def pages(pdf) -> list[str]:
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True).stdout).group(1))
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                           capture_output=True, text=True).stdout for n in range(1, count + 1)]


@pytest.fixture(scope="module")
def printed(year_ws, tmp_path_factory):
    """PDFs of: 公示 with 80 and 130 names, the May report, the year report, status, returns."""
    out = tmp_path_factory.mktemp("print")
    ws = year_ws
    bad = ws.inbox / "坏文件_周考评表_很长的文件名称用来检查换行是否完整显示.xlsx"
    bad.write_bytes(b"not a workbook at all")
    cli(ws, "ingest")
    cli(ws, "report", "month", "2026-05")
    cli(ws, "report", "year", "2026")
    cli(ws, "status", "--month", "2026-05", "--xlsx")
    books = [publicity_book(out / "公示80.xlsx", 80), publicity_book(out / "公示130.xlsx", 130),
             ws.reports / "2026-05_月度考核汇总.xlsx", ws.reports / "2026_年度考核汇总.xlsx",
             ws.reports / "收取情况_2026-05.xlsx", next(ws.reports.glob("退回清单_*.xlsx"))]
    pdfs = convert_to_pdf(books, out / "pdf")
    return {book.stem: pdf for book, pdf in zip(books, pdfs)}


@pytest.mark.libreoffice
def test_publicity_fits_one_page_up_to_80_and_breaks_cleanly_beyond(printed):
    (one,) = pages(printed["公示80"])
    assert "测试01" in one and "测试80" in one and "如对公示结果有异议" in one
    many = pages(printed["公示130"])
    assert len(many) > 1
    for text in many:
        assert "序号" in text and "姓名" in text  # the header repeats on each page
        assert re.search(r"测试\d\d", text), "no page holds only the header"
    assert all(f"测试{n:02d}" in "".join(many) for n in range(1, 130))
    assert "如对公示结果有异议" in many[-1]


@pytest.mark.libreoffice
def test_returns_list_prints_every_reason_and_place_whole(printed):
    text = "".join(pages(printed[next(k for k in printed if k.startswith("退回清单"))]))
    flat = re.sub(r"\s+", "", text)
    assert "不是Excel工作簿" in flat
    name = "坏文件_周考评表_很长的文件名称用来检查换行是否完整显示.xlsx"
    assert in_order(name, flat) and in_order("1坏文件", flat)
    assert in_order(f"rejected/{name}", flat.split("工作簿", 1)[1])


@pytest.mark.libreoffice
def test_multi_page_sheets_repeat_their_header(printed, year_ws):
    month = pages(printed["2026-05_月度考核汇总"])
    assert any("领导评分来源" in p for p in month)
    status = openpyxl.load_workbook(year_ws.reports / "收取情况_2026-05.xlsx")
    for sheet in status.worksheets:
        assert sheet.print_title_rows == "$1:$2", sheet.title
    year = pages(printed["2026_年度考核汇总"])
    detail = [p for p in year if "加减分明细" in p]
    assert len(detail) >= 1 and all("来源" in p for p in detail)


def test_chart_titles_and_axes(year_ws):
    cli(year_ws, "report", "year", "2026")
    with zipfile.ZipFile(year_ws.reports / "2026_年度考核汇总.xlsx") as archive:
        charts = [archive.read(n).decode() for n in archive.namelist() if "charts/chart" in n]
    text = "".join(charts)
    assert "2026 年度考核等次分布" in text and "年度年度" not in text
    assert all('<c:min val="0"/>' in chart for chart in charts)


def test_problems_name_only_sheets_that_exist(year_ws):
    cli(year_ws, "report", "month", "2026-05")
    path = year_ws.reports / "2026-05_月度考核汇总.xlsx"
    problems = openpyxl.load_workbook(path)["数据问题"]
    for place, in problems.iter_rows(min_row=2, min_col=3, max_col=3, values_only=True):
        assert "工作表「2026-" not in str(place or "")


@pytest.mark.libreoffice
def test_talk_notice_is_one_page_for_the_person(printed):
    month = pages(printed["2026-05_月度考核汇总"])
    (notice,) = [p for p in month if "诫勉谈话通知" in p]
    flat = re.sub(r"\s+", "", notice)
    assert "褚五同志（建管股）" in flat and "65.00分" in flat and "等次为不称职" in flat
