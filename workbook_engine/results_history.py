"""The history of results 历年结果.xlsx: earlier years' 年度得分, 等次 and 排名 per person.

    历年结果:  年度 | 工号 | 姓名 | 股室 | 年度得分 | 等次 | 排名 | 依据
               2026 | 2102 | 钟静 | 规划股 | 99.50   | 优秀 | 3    | 2026_年度考核汇总_签批.xlsx

Written by `init --from` (next_year.py) from the old workspace's year report and its own
history; the year report's 历年结果 sheet shows it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl

from workbook_engine.issues import Issue
from workbook_engine.office_templates import (
    TemplateColumn,
    add_instructions_sheet,
    add_table_sheet,
    new_template,
)
from workbook_engine.sheets import clean_staff_id, open_workbook, read_table
from workbook_engine.text import clean_name, clean_text

HISTORY_FILE = "历年结果.xlsx"
HISTORY_SHEET = "历年结果"
HISTORY_HEADERS = ("年度", "工号", "姓名", "股室", "年度得分", "等次", "排名", "依据")


# ---------------------------------------------------------------------------------------


def load_history(path: Path) -> tuple[list[dict], list[Issue]]:
    """The rows of 历年结果.xlsx (none when the workspace has no history)."""
    if not path.is_file():
        return [], []
    workbook, issues = open_workbook(path, "history")
    if workbook is None:
        return [], issues
    with workbook:
        table, found = read_table(workbook, path.name, HISTORY_SHEET, HISTORY_HEADERS, "history")
    issues += found
    if table is None:
        return [], issues
    rows = []
    for _number, cells in table.rows:
        values = {h: table.value(cells, h) for h in HISTORY_HEADERS}
        year = clean_text(values["年度"]).removesuffix("年").removesuffix(".0")
        rows.append({"year": year, "staff_id": clean_staff_id(values["工号"]),
                     "name": clean_name(values["姓名"]), "section": clean_name(values["股室"]),
                     "score": _decimal(values["年度得分"]), "grade": clean_name(values["等次"]),
                     "rank": _int(values["排名"]), "source": clean_text(values["依据"])})
    return rows, issues


def _decimal(value) -> Decimal | None:
    text = clean_text(value)
    if not text:
        return None
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except ArithmeticError:
        return None


def _int(value) -> int | None:
    number = _decimal(value)
    return int(number) if number is not None else None


def year_report_rows(report: Path, year: int) -> list[dict]:
    """The 年度汇总 sheet of a year report as history rows."""
    sheet = openpyxl.load_workbook(report, read_only=True, data_only=True)["年度汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    headers = [clean_name(h) for h in rows[0]]
    column = {h: headers.index(h) for h in ("工号", "姓名", "股室", "年度得分", "等次", "排名")}
    found = []
    for row in rows[1:]:
        if not row or not clean_text(row[column["工号"]]):
            continue
        found.append({"year": str(year), "staff_id": clean_staff_id(row[column["工号"]]),
                      "name": clean_name(row[column["姓名"]]),
                      "section": clean_name(row[column["股室"]]),
                      "score": _decimal(row[column["年度得分"]]),
                      "grade": clean_name(row[column["等次"]]), "rank": _int(row[column["排名"]]),
                      "source": report.name})
    return found


def write_history(path: Path, rows: list[dict]) -> None:
    workbook = new_template(path)
    columns = [TemplateColumn(h, w, "text" if h not in ("年度得分", "排名") else "number", help_text)
               for h, w, help_text in (
                   ("年度", 8, "考核年度"), ("工号", 10, "工号"), ("姓名", 10, "姓名"),
                   ("股室", 12, "当年年末所在股室"), ("年度得分", 10, "当年年度得分"),
                   ("等次", 10, "当年年度等次"), ("排名", 8, "当年排名；未参加排名的为空"),
                   ("依据", 30, "取自哪份年度汇总表"))]
    ordered = sorted(rows, key=lambda r: (r["year"], r["staff_id"]))
    values = [(r["year"], r["staff_id"], r["name"], r["section"],
               float(r["score"]) if r["score"] is not None else None, r["grade"], r["rank"],
               r["source"]) for r in ordered]
    add_table_sheet(workbook, HISTORY_SHEET, columns, values)
    add_instructions_sheet(workbook, "历年结果说明", (
        ("用途", "历年年度考核结果，由 workbook-engine init --from 从上一年度的工作区带入，"
                 "年度汇总表的「历年结果」工作表据此列出每人往年的年度得分、等次和排名，"
                 "作为推荐干部人选的参考。"),
        ("修改", "一般不需要修改；如需补充更早年份的结果，可按相同格式增加行。"),
    ))
    workbook.close()
