"""Templates a clerk fills in (roster, ledger): headers, dropdowns, input help (page setup: style.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import TYPE_CHECKING

from workbook_engine.sheets import MAX_DATE, MIN_DATE

if TYPE_CHECKING:
    import xlsxwriter

# xlsxwriter (and style.py, which needs it) are imported where a template is written: the
# roster's reader imports this module for its column definitions, and ingest's reader
# processes load the roster module without writing anything (a spawned reader pays for
# every import it makes)

INSTRUCTIONS_SHEET = "填写说明"

# ---------------------------------------------------------------------------------------
# Templates a clerk fills in (shared with the ledger template)
# ---------------------------------------------------------------------------------------

TEMPLATE_CREATED = dt.datetime(2026, 1, 1, 0, 0, 0)
TEMPLATE_ROWS = 1000  # data rows that carry dropdowns and input help
DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True)
class TemplateColumn:
    """A template column: header, width, kind of cell ("text", "date", "number") and help."""

    header: str
    width: float
    kind: str
    help: str
    validation: Mapping[str, object] | None = None  # xlsxwriter data_validation options


def new_template(path: str | PathLike) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook with a fixed creation time, so its bytes are reproducible."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": TEMPLATE_CREATED, "author": "workbook_engine"})
    return workbook


def list_validation(values: Sequence[str], error_type: str = "stop") -> dict[str, object]:
    """A dropdown of fixed values; the error text lists them."""
    listed = "、".join(values)
    return {
        "validate": "list",
        "source": list(values),
        "error_type": error_type,
        "error_title": "填写有误",
        "error_message": f"只能填写：{listed}"[:255],
    }


def date_validation() -> dict[str, object]:
    return {
        "validate": "date",
        "criteria": "between",
        "minimum": MIN_DATE,
        "maximum": MAX_DATE,
        "error_title": "不是日期",
        "error_message": "请填写日期，如 2026-03-15",
    }


def unique_validation(column: int) -> dict[str, object]:
    """Refuse a value already used higher up in the same column."""
    import xlsxwriter.utility

    first = xlsxwriter.utility.xl_rowcol_to_cell(1, column, row_abs=True, col_abs=True)
    last = xlsxwriter.utility.xl_rowcol_to_cell(TEMPLATE_ROWS, column, row_abs=True, col_abs=True)
    cell = xlsxwriter.utility.xl_rowcol_to_cell(1, column)
    return {
        "validate": "custom",
        "value": f"=COUNTIF({first}:{last},{cell})<=1",
        "error_title": "重复",
        "error_message": "这个值在本列中已经填写过，不能重复",
    }


def add_table_sheet(
    workbook: xlsxwriter.Workbook,
    name: str,
    columns: Sequence[TemplateColumn],
    rows: Sequence[Sequence[object]] = (),
) -> None:
    """A sheet with a styled, frozen, filtered header row, input help and sample rows."""
    from workbook_engine.style import setup_page

    sheet = workbook.add_worksheet(name)
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center", "valign": "vcenter"}
    )
    formats = {
        "text": workbook.add_format({"num_format": "@"}),
        "date": workbook.add_format({"num_format": DATE_FORMAT, "align": "left"}),
        "number": workbook.add_format({"num_format": "0.##"}),
    }
    for index, column in enumerate(columns):
        cell_format = formats[column.kind]
        sheet.set_column(index, index, column.width, cell_format)
        sheet.write_string(0, index, column.header, header)
        options = {"validate": "any", **(column.validation or {})}
        options.update(input_title=column.header[:32], input_message=column.help[:255])
        sheet.data_validation(1, index, TEMPLATE_ROWS, index, options)
        for row_index, row in enumerate(rows, start=1):
            _write_cell(sheet, row_index, index, row[index], cell_format)
    sheet.set_row(0, 20)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    setup_page(sheet, landscape=True, repeat_rows=(0, 0))  # A4, one page wide


def _write_cell(sheet, row: int, column: int, value: object, cell_format) -> None:
    if value is None or value == "":
        return
    if isinstance(value, dt.date):
        sheet.write_datetime(row, column, value, cell_format)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        sheet.write_number(row, column, value, cell_format)
    else:
        sheet.write_string(row, column, str(value), cell_format)


def add_instructions_sheet(
    workbook: xlsxwriter.Workbook, title: str, items: Sequence[tuple[str, str]]
) -> None:
    """The 填写说明 sheet: a title, then one (topic, explanation) pair a row."""
    from workbook_engine.style import setup_page

    sheet = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    title_format = workbook.add_format({"bold": True, "font_size": 14})
    topic_format = workbook.add_format({"bold": True, "valign": "top", "text_wrap": True})
    text_format = workbook.add_format({"valign": "top", "text_wrap": True})
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, _INSTRUCTION_WIDTH)
    sheet.write_string(0, 0, title, title_format)
    for row, (topic, text) in enumerate(items, start=2):
        sheet.write_string(row, 0, topic, topic_format)
        sheet.write_string(row, 1, text, text_format)
        sheet.set_row(row, 16 * _wrapped_lines(text, _INSTRUCTION_WIDTH) + 4)
    setup_page(sheet)  # A4, one page wide


_INSTRUCTION_WIDTH = 80


def _wrapped_lines(text: str, width: int) -> int:
    """Lines a wrapped cell needs (a Chinese character is two columns wide); no app autofits."""
    columns = sum(2 if ord(char) > 0x2E7F else 1 for char in text)
    return max(1, -(-columns // (width - 4)))
