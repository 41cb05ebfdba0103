"""Write simple titled tables (status, lists) to a print-ready workbook, text kept as text."""

from __future__ import annotations

from pathlib import Path

from workbook_engine.style import new_workbook, setup_print


def write_tables(target: Path, sheets: list[tuple[str, list]]) -> Path:
    """`sheets` is [(sheet name, [table, ...])]; a table has title, headers, rows, summary."""
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook = new_workbook(str(target))
    title = workbook.add_format({"bold": True, "font_size": 14, "font_name": "黑体"})
    head = workbook.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7",
                                "align": "center", "font_name": "宋体"})
    cell = workbook.add_format({"border": 1, "font_name": "宋体", "text_wrap": True,
                                "valign": "top"})
    note = workbook.add_format({"italic": True, "font_name": "宋体"})
    for sheet_name, tables in sheets:
        sheet = workbook.add_worksheet(sheet_name[:31])
        row = 0
        widths: dict[int, int] = {}
        for table in tables:
            sheet.write_string(row, 0, table.title, title)
            row += 1
            for col, text in enumerate(table.headers):
                sheet.write_string(row, col, text, head)
                widths[col] = max(widths.get(col, 8), len(text) * 2 + 2)
            row += 1
            for values in table.rows:
                for col, value in enumerate(values):
                    sheet.write_string(row, col, str(value), cell)
                    widths[col] = min(max(widths.get(col, 8), len(str(value)) * 2 + 2), 60)
                row += 1
            if table.summary:
                sheet.write_string(row, 0, table.summary, note)
                row += 1
            row += 1
        for col, width in widths.items():
            sheet.set_column(col, col, width)
        setup_print(sheet, landscape=True)
    workbook.close()
    return target
