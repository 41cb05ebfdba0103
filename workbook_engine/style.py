"""The one xlsx style module: reproducible workbooks, fonts, colours, page setup (setup_page)
and protection for everything the tool writes (forms, the office's templates, reports, the
returns list, status tables), plus the forms' cell formats, dropdowns and hidden _meta sheet."""

from __future__ import annotations

import datetime as dt
import functools

import xlsxwriter

from workbook_engine.forms.layout import META_KEYS, META_SHEET

FIXED_TIMESTAMP = dt.datetime(2026, 1, 1, 8, 0, 0)
BODY_FONT = "宋体"
TITLE_FONT = "黑体"
A4 = 9
PREFILL_COLOR = "#EDEDED"
LABEL_COLOR = "#DDEBF7"
PROTECT_OPTIONS = {
    "format_columns": True,
    "format_rows": True,
    "select_locked_cells": True,
    "select_unlocked_cells": True,
}


def new_workbook(target, in_memory: bool = True) -> xlsxwriter.Workbook:
    """A workbook with reproducible bytes; user text is never turned into a formula or link.
    `in_memory=False`: xlsxwriter writes each part's XML to a temporary file before zipping
    (its zip headers then differ: see reports/book.py, which re-packs them)."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": in_memory,
        },
    )
    workbook.set_properties({"created": FIXED_TIMESTAMP, "author": "workbook_engine"})
    return workbook


class Formats:
    """The handful of formats a form uses, created once per workbook."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        base = {"font_name": BODY_FONT, "font_size": 11, "valign": "vcenter", "border": 1}
        self.title = workbook.add_format(
            {
                "font_name": TITLE_FONT,
                "font_size": 18,
                "bold": True,
                "align": "center",
                "valign": "vcenter",
            }
        )
        self.subtitle = workbook.add_format(
            {"font_name": BODY_FONT, "font_size": 11, "valign": "vcenter"}
        )
        self.label = workbook.add_format(
            {**base, "bold": True, "align": "center", "text_wrap": True, "bg_color": LABEL_COLOR}
        )
        self.band = workbook.add_format(
            {**base, "bold": True, "align": "left", "bg_color": LABEL_COLOR, "indent": 1}
        )
        self.prefill = workbook.add_format({**base, "align": "center", "bg_color": PREFILL_COLOR})
        self.prefill_wrap = workbook.add_format(
            {**base, "align": "center", "text_wrap": True, "bg_color": PREFILL_COLOR}
        )
        self.input = workbook.add_format({**base, "locked": False, "align": "center"})
        self.input_text = workbook.add_format(
            {**base, "locked": False, "text_wrap": True, "valign": "top", "align": "left"}
        )
        self.input_date = workbook.add_format(
            {**base, "locked": False, "align": "center", "num_format": "yyyy-mm-dd"}
        )
        self.input_number = workbook.add_format(
            {**base, "locked": False, "align": "center", "num_format": "0.##"}
        )
        self.prefill_date = workbook.add_format(
            {**base, "align": "center", "num_format": "yyyy-mm-dd", "bg_color": PREFILL_COLOR}
        )
        self.total = workbook.add_format(
            {**base, "align": "center", "num_format": "0.00", "bg_color": PREFILL_COLOR}
        )
        self.note = workbook.add_format(
            {"font_name": BODY_FONT, "font_size": 9, "text_wrap": True, "valign": "top"}
        )
        self.plain = workbook.add_format({"font_name": BODY_FONT, "font_size": 11})
        self.sign_label = workbook.add_format(
            {
                "font_name": BODY_FONT,
                "font_size": 11,
                "bold": True,
                "align": "right",
                "valign": "vcenter",
            }
        )
        self.sign_input = workbook.add_format(
            {
                "font_name": BODY_FONT,
                "font_size": 11,
                "locked": False,
                "bottom": 1,
                "align": "center",
                "valign": "vcenter",
            }
        )
        self.sign_date = workbook.add_format(
            {
                "font_name": BODY_FONT,
                "font_size": 11,
                "locked": False,
                "bottom": 1,
                "align": "center",
                "valign": "vcenter",
                "num_format": "yyyy-mm-dd",
            }
        )


# Page setup of every sheet the tool prints (A4 always); margins in inches
PAGE_NUMBERS = "&C第 &P 页，共 &N 页"
FORM_MARGINS = (0.6, 0.6, 0.7, 0.7)  # left, right, top, bottom: forms, returns list, tables
REPORT_MARGINS = (0.5, 0.5, 0.9, 0.8)  # report sheets: room for the title printed on top
NOTICE_MARGINS = (0.7, 0.7, 1.0, 1.0)  # talk notices, one person a page


def setup_page(worksheet, *, landscape: bool | None = None,
               margins: tuple[float, float, float, float] | None = None, fit_width: bool = True,
               centred: bool = False, repeat_rows: tuple[int, int] | None = None,
               header: str | None = None, footer: str | None = None) -> None:
    """A4 print setup; orientation, margins, title rows, header and footer only where given
    (None keeps the sheet's own), fitted to one page wide unless `fit_width` is False."""
    worksheet.set_paper(A4)
    if landscape is True:
        worksheet.set_landscape()
    elif landscape is False:
        worksheet.set_portrait()
    if margins is not None:
        left, right, top, bottom = margins
        worksheet.set_margins(left=left, right=right, top=top, bottom=bottom)
    if centred:
        worksheet.center_horizontally()
    if fit_width:
        worksheet.fit_to_pages(1, 0)
    if repeat_rows is not None:
        worksheet.repeat_rows(*repeat_rows)
    if header is not None:
        worksheet.set_header(header)
    if footer is not None:
        worksheet.set_footer(footer)


def setup_print(worksheet, *, landscape: bool, repeat_rows: tuple[int, int] | None = None) -> None:
    """Forms, the returns list, status tables: A4, fitted to the page width, centred, page
    numbers in the footer."""
    setup_page(worksheet, landscape=landscape, margins=FORM_MARGINS, centred=True,
               repeat_rows=repeat_rows, footer=PAGE_NUMBERS)


def protect(worksheet) -> None:
    """Lock labels and prefilled cells; input cells stay editable; no password prompt."""
    worksheet.protect("", PROTECT_OPTIONS)


def write_meta(workbook: xlsxwriter.Workbook, values: dict[str, str]) -> None:
    """The hidden `_meta` sheet: the form's identity, so a renamed file is still recognised."""
    sheet = workbook.add_worksheet(META_SHEET)
    for row, key in enumerate(META_KEYS):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, str(values.get(key, "")))
    sheet.hide()
    protect(sheet)


def grade_validation(grades: tuple[str, ...]) -> dict:
    """A dropdown of the grade names from the policy."""
    return {
        "validate": "list",
        "source": list(grades),
        "input_title": "请选择等次",
        "input_message": "、".join(grades),
        "error_title": "等次不正确",
        "error_message": "请从下拉列表中选择：" + "、".join(grades),
    }


def number_validation(maximum, label: str) -> dict:
    """A decimal between 0 and the item's maximum."""
    top = int(maximum) if maximum == int(maximum) else float(maximum)
    return {
        "validate": "decimal",
        "criteria": "between",
        "minimum": 0,
        "maximum": top,
        "input_title": label[:32],
        "input_message": f"填写 0 至 {maximum:g} 之间的分数，最多两位小数"[:255],
        "error_title": "分数超出范围",
        "error_message": f"「{label}」应在 0 至 {maximum:g} 之间",
    }


def text_width(text: str) -> int:
    """Width of a text in Excel character units: a CJK or full-width character counts 2."""
    if text.isascii():
        return len(text)
    return _wide_text_width(text)


@functools.lru_cache(maxsize=65536)  # names, sections, months: the same texts row after row
def _wide_text_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def fitted_height(values, widths, font_size: float = 10, minimum: float = 15) -> float:
    """A row height (points) that shows every wrapped line of the row's text cells whole.

    LibreOffice prints a row at its stored height, so a wrapped cell in a fixed-height row
    overlaps the next one: the height is worked out here from the column widths."""
    lines = 1
    for value, width in zip(values, widths):
        if not isinstance(value, str):
            continue
        room = wrap_room(width)
        if len(value) * 2 <= room and "\n" not in value:
            continue  # one line, whatever its characters (none is wider than 2)
        lines = max(lines, wrapped_lines(str(value), room))
    return lines_height(lines, font_size, minimum)


def wrap_room(width: float) -> int:
    """The characters a wrapped line holds in a column of this width."""
    return max(int(width) - 1, 1)


def wrapped_lines(text: str, room: int) -> int:
    """The lines a text wraps to in a column holding `room` characters a line."""
    return sum(max(1, -(-text_width(part) // room)) for part in text.split("\n"))


def lines_height(lines: int, font_size: float = 10, minimum: float = 15) -> float:
    """The row height (points) for this many lines of text."""
    return max(minimum, lines * font_size * 1.45 + 4)
