"""Write simple titled tables (status, lists) to a print-ready workbook, text kept as text.

One sheet per table: its title in row 1, its header in row 2, both repeated on every printed
page; rows as tall as their wrapped text.
"""

from __future__ import annotations

import re
from pathlib import Path

from workbook_engine.style import fitted_height, new_workbook, setup_print, text_width

_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, used: set[str]) -> str:
    """A sheet name from a title: Excel's forbidden characters dropped, ≤ 31, unique."""
    base = _NOT_IN_SHEET_NAMES.sub("", title)[:28] or "表"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:26]}_{n}", n + 1
    used.add(name)
    return name


def write_tables(target: Path, sheets: list[tuple[str, list]]) -> Path:
    """`sheets` is [(name, [table, ...])]; each table (title, headers, rows, summary) gets a
    sheet of its own, named after the sheet name when there is one table, else its title."""
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook = new_workbook(str(target))
    title = workbook.add_format({"bold": True, "font_size": 14, "font_name": "黑体"})
    head = workbook.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7",
                                "align": "center", "font_name": "宋体", "text_wrap": True})
    cell = workbook.add_format({"border": 1, "font_name": "宋体", "text_wrap": True,
                                "valign": "top"})
    note = workbook.add_format({"italic": True, "font_name": "宋体"})
    used: set[str] = set()
    for sheet_name, tables in sheets:
        for table in tables:
            name = sheet_name if len(tables) == 1 else table.title
            sheet = workbook.add_worksheet(_sheet_name(name, used))
            widths = [min(max(8, text_width(str(h)) + 2,
                              *(text_width(str(r[c])) + 2 for r in table.rows)), 50)
                      for c, h in enumerate(table.headers)]
            sheet.write_string(0, 0, table.title, title)
            for col, text in enumerate(table.headers):
                sheet.write_string(1, col, text, head)
                sheet.set_column(col, col, widths[col])
            for row, values in enumerate(table.rows, start=2):
                for col, value in enumerate(values):
                    sheet.write_string(row, col, str(value), cell)
                sheet.set_row(row, fitted_height([str(v) for v in values], widths, 11))
            if table.summary:
                sheet.write_string(len(table.rows) + 2, 0, table.summary, note)
            sheet.freeze_panes(2, 0)
            setup_print(sheet, landscape=True, repeat_rows=(0, 1))
    workbook.close()
    return target
