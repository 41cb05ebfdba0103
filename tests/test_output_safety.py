"""Text from submitted files never becomes a formula, a link or broken XML in any report."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import zipfile
from email.message import EmailMessage

import openpyxl
import pytest
from defusedxml import ElementTree
from helpers import cli, convert_to_pdf

from workbook_engine.forms.monthly import build_monthly_form
from workbook_engine.forms.outbox import monthly_plan
from workbook_engine.periods import parse_month

HOSTILE = [
    '=HYPERLINK("http://example.com/x","点我")',
    "=1+1",
    "+SUM(A1:A9)",
    "-2+3",
    "@cmd|' /C calc'!A0",
    "\t=1+1",
    "迟报\x01材料\x07\x1f",
    "http://example.com/钓鱼",
]


def _editions(ws, month: str, reason: str):
    """The month's two editions filled by a program, with a hostile 扣分事由 for 3002."""
    for target, form in monthly_plan(ws, parse_month(month)):
        if form.edition == "leader" and form.rater_id != "L2":
            continue
        if form.edition == "leader":
            rows = (dataclasses.replace(form.rows[0], items=(18, 19, 28, 9)),
                    dataclasses.replace(form.rows[1], items=(17, 18, 27, 8), deduction=2,
                                        reason=reason))
            filled = dataclasses.replace(form, rows=rows, rater_sign="孙副",
                                         rater_date=dt.date(2026, 3, 31))
        else:
            rows = tuple(dataclasses.replace(r, items=(10, 9)) if r.staff_id in ("3001", "3002")
                         else r for r in form.rows)
            filled = dataclasses.replace(form, rows=rows, rater_sign="考核办")
        path = ws.inbox / month / target.name
        path.parent.mkdir(parents=True, exist_ok=True)
        build_monthly_form(path, filled)


def _hostile_mail(ws):
    message = EmailMessage()
    message["From"] = "=HYPERLINK(\"http://evil\") <evil@example.com>"
    message["Subject"] = "+1"
    message.set_content("x")
    message.add_attachment(b"not a workbook", "application", "octet-stream",
                           filename="=1+1.xlsx")
    (ws.inbox / "@坏邮件.eml").write_bytes(message.as_bytes())


def _assert_safe(path):
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith(".xml"):
                ElementTree.fromstring(archive.read(name))  # well-formed XML
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        assert not sheet._hyperlinks, (path.name, sheet.title)
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (path.name, sheet.title, cell.coordinate)
    return workbook


@pytest.mark.parametrize("reason", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_reason_stays_text_in_month_quarter_year(bureau, reason):
    _editions(bureau, "2026-03", reason)
    report = json.loads(cli(bureau, "ingest", "--json").stdout)
    assert report["counts"] == {"accepted": 2}, report
    cli(bureau, "report", "month", "2026-03")
    cli(bureau, "report", "quarter", "2026-Q1")
    cli(bureau, "report", "year", "2026")
    month = _assert_safe(bureau.reports / "2026-03_月度考核汇总.xlsx")
    _assert_safe(bureau.reports / "2026-Q1_季度考核小结.xlsx")
    year = _assert_safe(bureau.reports / "2026_年度考核汇总.xlsx")
    rows = {r[0]: r for r in month["月度汇总"].iter_rows(values_only=True)}
    shown = rows["3002"][rows["工号"].index("扣分事由")]
    assert isinstance(shown, str) and shown.strip().lstrip("=+-@").strip()
    detail = [r for r in year["加减分明细"].iter_rows(min_row=2, values_only=True) if r[2] == "履职扣分"]
    assert detail and all(isinstance(r[6], str) for r in detail)


def test_hostile_names_stay_text_in_returns_and_status(bureau, tmp_path):
    (bureau.inbox / "=1+1.xlsx").write_text("not a workbook", encoding="utf-8")
    (bureau.inbox / "+@-名单.xlsx").write_bytes(b"PK\x03\x04broken")
    os.utime(bureau.inbox / "+@-名单.xlsx", (1_700_000_000, 1_700_000_000))  # not arriving
    _hostile_mail(bureau)
    cli(bureau, "ingest")
    returns = next(bureau.reports.glob("退回清单_*.xlsx"))
    workbook = _assert_safe(returns)
    names = [r[1] for r in workbook["退回清单"].iter_rows(min_row=3, values_only=True)]
    assert "=1+1.xlsx" in names and "+@-名单.xlsx" in names
    cli(bureau, "status", "--week", "2026-W10", "--xlsx")
    _assert_safe(next(bureau.reports.glob("收取情况_*.xlsx")))


@pytest.mark.libreoffice
def test_reports_with_hostile_text_open_in_libreoffice(bureau, tmp_path):
    _editions(bureau, "2026-03", HOSTILE[0] + HOSTILE[6])
    (bureau.inbox / "=1+1.xlsx").write_text("x", encoding="utf-8")
    cli(bureau, "ingest")
    cli(bureau, "report", "month", "2026-03")
    cli(bureau, "report", "year", "2026")
    files = [bureau.reports / "2026-03_月度考核汇总.xlsx", bureau.reports / "2026_年度考核汇总.xlsx",
             next(bureau.reports.glob("退回清单_*.xlsx"))]
    convert_to_pdf(files, tmp_path / "pdf")
