"""The roster's optional `邮箱` column: each person's address, checked.

    人员:  工号 | 姓名 | ... | 邮箱
           2102 | 吴敏 | ... | wumin@163.com        → {"2102": "wumin@163.com"}
           2103 | 郑磊 | ... | zhenglei163.com      → error: 第 3 行「邮箱」列不是有效的邮箱地址
           2104 | 孙丽 | ... | WuMin@163.com        → warning: same address as row 2

Read beside the roster (not by it) so the roster loader stays one job; a roster without
the column simply has no addresses. Full-width characters (＠, ．) typed by an input method
are folded to ASCII.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from workbook_engine.issues import WARNING, Issue
from workbook_engine.mail.config import valid_address
from workbook_engine.sheets import clean_staff_id, open_workbook, read_table
from workbook_engine.text import clean_text

SHEET, ID_HEADER, HEADER = "人员", "工号", "邮箱"


@dataclass(frozen=True)
class Addresses:
    """工号 → address, for the people whose 邮箱 is filled in and valid."""

    by_id: dict[str, str]

    def of(self, staff_id: str) -> str:
        return self.by_id.get(staff_id, "")


def load_addresses(path: Path) -> tuple[Addresses, list[Issue]]:
    """The 邮箱 column of the roster's 人员 sheet; issues name sheet, row and column."""
    path = Path(path)
    workbook, issues = open_workbook(path, "roster")
    if workbook is None:
        return Addresses({}), issues
    with workbook:
        table, found = read_table(workbook, path.name, SHEET, (ID_HEADER, HEADER), "roster")
    if table is None:  # no 邮箱 column (optional), or a sheet the roster loader reports
        twice = [i for i in found if i.code == "roster.duplicate_header" and i.column == HEADER]
        return Addresses({}), twice
    by_id: dict[str, str] = {}
    first_row: dict[str, int] = {}
    for row, cells in table.rows:
        staff_id = clean_staff_id(table.value(cells, ID_HEADER))
        raw = clean_text(table.value(cells, HEADER))
        if not raw or not staff_id:
            continue
        address = unicodedata.normalize("NFKC", raw).replace(" ", "").strip("；;,，")
        if not valid_address(address):
            message = f"「{raw}」不是有效的邮箱地址（应写成 zhangsan@example.gov.cn 的形式）"
            issues.append(Issue(code="roster.bad_email", message=message, file=path.name,
                                sheet=SHEET, row=row, column=HEADER))
            continue
        key = address.casefold()
        if key in first_row:
            message = f"邮箱「{address}」与第 {first_row[key]} 行相同，两人会收到同一封邮件"
            issues.append(Issue(code="roster.duplicate_email", message=message, file=path.name,
                                sheet=SHEET, row=row, column=HEADER, severity=WARNING))
        first_row.setdefault(key, row)
        by_id[staff_id] = address
    return Addresses(by_id), issues
