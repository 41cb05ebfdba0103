"""The returns list 退回清单_<date>.xlsx: each file rejected that day, with every reason.

The office mails it back to the senders. Text that came from the files is written as text.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from workbook_engine import store
from workbook_engine.issues import Issue
from workbook_engine.style import (
    BODY_FONT,
    LABEL_COLOR,
    TITLE_FONT,
    fitted_height,
    new_workbook,
    setup_print,
)
from workbook_engine.workspace import Workspace

HEADERS = ("序号", "文件名", "发件人", "人员", "期间", "退回原因", "收到时间", "存放位置")
WIDTHS = (5, 22, 14, 12, 9, 46, 11, 20)  # fits A4 landscape at about 100 %


def _reason_lines(reasons: dict) -> str:
    """The stored issues, numbered, placed as Issue prints them (the file has its own column)."""
    issues = [Issue(**{**issue, "file": ""}) for issue in reasons.get("issues", [])]
    return "\n".join(f"{n}. {issue}" for n, issue in enumerate(issues, 1))


def returns_rows(conn, day: dt.date) -> list[tuple]:
    """Rows of the returns list: rejected files, and mails with problems, of that day."""
    rows = []
    for outcome in ("rejected", "mail"):
        for entry in store.files_received_on(conn, day.isoformat(), outcome):
            reasons = json.loads(entry["reasons"] or "{}")
            if not reasons.get("issues"):
                continue
            name = entry["original_path"]
            rows.append((name, entry["sender"], reasons.get("person", ""),
                         reasons.get("period", ""), _reason_lines(reasons),
                         entry["received_at"].replace("T", " "), entry["stored_path"]))
    return rows


NOTICE_SHEET = "提示"
NOTICE_HEADERS = ("序号", "文件名", "发件人", "人员", "期间", "提示（表格已接收）", "收到时间",
                  "存放位置")
KEPT_OUTCOMES = ("accepted", "newer_version", "amendment", "duplicate")


def notice_rows(conn, day: dt.date) -> list[tuple]:
    """Files received that day and kept, with what they were accepted with a notice for
    (a 工号 matched without its leading zeros, a signature with a title, a margin note…)."""
    rows = []
    for outcome in KEPT_OUTCOMES:
        for entry in store.files_received_on(conn, day.isoformat(), outcome):
            reasons = json.loads(entry["reasons"] or "{}")
            if reasons.get("issues"):
                rows.append((entry["original_path"], entry["sender"], reasons.get("person", ""),
                             reasons.get("period", ""), _reason_lines(reasons),
                             entry["received_at"].replace("T", " "), entry["stored_path"]))
    return rows


def _table(workbook, sheet, title: str, headers, rows, empty: str, formats) -> None:
    head, cell, title_format = formats
    sheet.merge_range(0, 0, 0, len(headers) - 1, title, title_format)
    sheet.set_row(0, 30)
    for col, (text, width) in enumerate(zip(headers, WIDTHS, strict=True)):
        sheet.write_string(1, col, text, head)
        sheet.set_column(col, col, width)
    for index, row in enumerate(rows, start=1):
        sheet.write_number(index + 1, 0, index, cell)
        for col, value in enumerate(row, start=1):
            sheet.write_string(index + 1, col, str(value), cell)
        sheet.set_row(index + 1, fitted_height([""] + [str(v) for v in row], WIDTHS, 11))
    if not rows:
        sheet.write_string(2, 0, empty, cell)
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, max(1, len(rows) + 1), len(headers) - 1)
    setup_print(sheet, landscape=True, repeat_rows=(1, 1))


def returned_files(conn) -> list[dict]:
    """Every file on any day's returns list, with the sender and the list's reason text
    (for `mail returns`): id, name, sender, person, period, reasons, codes, received_at."""
    entries = []
    for entry in store.returnable_files(conn):
        reasons = json.loads(entry["reasons"] or "{}")
        if not reasons.get("issues"):
            continue
        entries.append({"id": entry["id"], "name": entry["original_path"],
                        "sender": entry["sender"], "person": reasons.get("person", ""),
                        "period": reasons.get("period", ""), "reasons": _reason_lines(reasons),
                        "codes": [issue["code"] for issue in reasons["issues"]],
                        "received_at": entry["received_at"].replace("T", " ")})
    return entries


def write_returns(workspace: Workspace, conn, day: dt.date) -> Path:
    """Write reports/退回清单_<day>.xlsx (with a second sheet of the notices given on files
    that were kept) and return its path."""
    target = workspace.reports / f"退回清单_{day.isoformat()}.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = returns_rows(conn, day)
    workbook = new_workbook(str(target))
    title = workbook.add_format({"bold": True, "font_size": 16, "align": "center",
                                 "valign": "vcenter", "font_name": TITLE_FONT})
    head = workbook.add_format({"bold": True, "border": 1, "bg_color": LABEL_COLOR,
                                "align": "center", "valign": "vcenter", "font_name": BODY_FONT})
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top",
                                "font_name": BODY_FONT})
    formats = (head, cell, title)
    _table(workbook, workbook.add_worksheet("退回清单"), f"退回清单（{day.isoformat()}）",
           HEADERS, rows, "当天没有退回的文件", formats)
    notices = notice_rows(conn, day)
    if notices:
        _table(workbook, workbook.add_worksheet(NOTICE_SHEET),
               f"已接收但有提示的文件（{day.isoformat()}）", NOTICE_HEADERS, notices, "",
               formats)
    workbook.close()
    return target
