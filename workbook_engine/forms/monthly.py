"""The monthly form 月考评表 in its two editions: leader (one per final rater) and office.

    build_monthly_form(target, MonthlyForm(edition="leader", rows=[MonthlyRow(...)], ...))
writes sheet 月考评表 whose table starts `工号 | 姓名 | 股室`, with the defined names
`scores`, `rater_sign`, `rater_date` of SPEC §4.3. Score columns are headed `思想作风(20)`.
The 合计 column is a convenience formula for the rater; readers recompute totals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from workbook_engine.forms import layout
from workbook_engine.forms.layout import (
    LEADER_EDITION,
    MONTHLY_HEADER_ROW,
    MONTHLY_SHEET,
    column_letter,
    monthly_columns,
)
from workbook_engine.style import (
    Formats,
    grade_validation,
    new_workbook,
    number_validation,
    protect,
    setup_print,
    write_meta,
)

TEMPLATE_BLANK_ROWS = 10
_WIDTHS = {
    "工号": 10,
    "姓名": 10,
    "股室": 12,
    layout.WEEKLY_SUMMARY_HEADER: 20,
    layout.DEDUCTION_HEADER: 9,
    layout.REASON_HEADER: 24,
    layout.TOTAL_HEADER: 8,
    layout.RATED_GRADE_HEADER: 10,
    layout.REMARK_HEADER: 22,  # also where a leader explains a 评定等次
}


@dataclass(frozen=True)
class MonthlyRow:
    """One person on a monthly form."""

    staff_id: str
    staff_name: str
    section: str
    weekly_summary: str = ""
    items: tuple = ()  # filled scores, for a program that returns filled forms
    deduction: object = None
    reason: str = ""
    rated_grade: str = ""  # 评定等次 as typed, for a program that returns filled forms
    remark: str = ""


@dataclass(frozen=True)
class ScoreColumn:
    """An item column: its header text (`思想作风(20)`) and its maximum."""

    header: str
    maximum: Decimal


@dataclass(frozen=True)
class MonthlyForm:
    """Everything the generator needs for one edition; an empty period makes the template."""

    unit: str
    year: int
    edition: str
    items: tuple[ScoreColumn, ...]
    max_deduction: Decimal
    grades: tuple[str, ...] = ()  # the policy's grade names: the 评定等次 dropdown
    rows: tuple[MonthlyRow, ...] = field(default_factory=tuple)
    period: str = ""
    period_label: str = ""
    rater_id: str = ""
    rater_label: str = ""  # e.g. 王五（分管领导）
    rater_sign: str = ""  # filled signature and date, for a filled form
    rater_date: object = None


def _title(form: MonthlyForm) -> str:
    return f"{form.unit}干部职工月考评表（{layout.EDITION_LABELS[form.edition]}）"


def _write_top(ws, form: MonthlyForm, fmt: Formats, last_col: int) -> None:
    ws.merge_range(0, 0, 0, last_col, _title(form), fmt.title)
    ws.set_row(0, 40)
    month = f"考核月份：{form.period_label}" if form.period_label else "考核月份："
    rater = f"评分人：{form.rater_label}" if form.rater_label else ""
    ws.merge_range(1, 0, 1, last_col, f"{month}        {rater}".rstrip(), fmt.subtitle)
    hint = (
        "说明：白色单元格填写各项得分（不超过括号内满分，最多两位小数）；"
        "本月未参加考核的人员整行留空；有履职扣分的须填写扣分事由。"
        "「评定等次」可不填（按得分确定等次）；评定的等次与得分对应的等次不同时，须在「备注」中写明理由。"
        if form.edition == LEADER_EDITION
        else "说明：白色单元格填写各项得分（不超过括号内满分，最多两位小数）；本月未参加考核的人员整行留空。"
    )
    ws.merge_range(2, 0, 2, last_col, hint, fmt.note)
    ws.set_row(2, 30 if form.edition != LEADER_EDITION else 44)


def _write_table(ws, form: MonthlyForm, fmt: Formats) -> int:
    """Header and data rows; returns the 0-based index of the last table row."""
    columns = monthly_columns(form.edition, tuple(item.header for item in form.items))
    header_row = MONTHLY_HEADER_ROW - 1
    for col, text in enumerate(columns.headers):
        ws.write_string(header_row, col, text, fmt.label)
        ws.set_column(col, col, _WIDTHS.get(text, 11))
    ws.set_row(header_row, 32)
    rows = form.rows or (MonthlyRow("", "", ""),) * (0 if form.period else TEMPLATE_BLANK_ROWS)
    first_item = columns.index(form.items[0].header)
    last_item = first_item + len(form.items) - 1
    for offset, person in enumerate(rows, start=1):
        row = header_row + offset
        ws.set_row(row, 24)
        _write_person(ws, row, person, form, columns, fmt, (first_item, last_item))
    last_row = header_row + len(rows)
    if rows:
        for index, item in enumerate(form.items):
            col = first_item + index
            ws.data_validation(
                header_row + 1, col, last_row, col, number_validation(item.maximum, item.header)
            )
        if form.edition == LEADER_EDITION:
            col = columns.index(layout.DEDUCTION_HEADER)
            ws.data_validation(
                header_row + 1,
                col,
                last_row,
                col,
                number_validation(form.max_deduction, layout.DEDUCTION_HEADER),
            )
            if form.grades:
                col = columns.index(layout.RATED_GRADE_HEADER)
                ws.data_validation(header_row + 1, col, last_row, col,
                                   rated_grade_validation(form.grades))
    return last_row


def rated_grade_validation(grades: tuple[str, ...]) -> dict:
    """The 评定等次 dropdown: the policy's grades; blank allowed (the grade follows the score)."""
    return {**grade_validation(grades), "input_title": "评定等次（可不填）",
            "input_message": ("不填则按得分确定等次。可选：" + "、".join(grades)
                              + "。与得分对应的等次不同时须在备注中写明理由")[:255]}


def _number(ws, row: int, col: int, value, fmt) -> None:
    """A score cell: blank, a number, or text exactly as a person typed it."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt.input_number)
    elif isinstance(value, (int, float, Decimal)):
        ws.write_number(row, col, float(value), fmt.input_number)
    else:
        ws.write_string(row, col, str(value), fmt.input_number)


def _write_person(ws, row, person: MonthlyRow, form, columns, fmt, item_span) -> None:
    prefilled = fmt.prefill if form.period else fmt.input
    ws.write_string(row, 0, person.staff_id, prefilled)
    ws.write_string(row, 1, person.staff_name, prefilled)
    ws.write_string(row, 2, person.section, prefilled)
    for index, col in enumerate(range(item_span[0], item_span[1] + 1)):
        _number(ws, row, col, person.items[index] if index < len(person.items) else None, fmt)
    first, last = column_letter(item_span[0]), column_letter(item_span[1])
    excel_row = row + 1
    total = f"SUM({first}{excel_row}:{last}{excel_row})"
    if form.edition == LEADER_EDITION:
        ws.write_string(
            row,
            columns.index(layout.WEEKLY_SUMMARY_HEADER),
            person.weekly_summary,
            fmt.prefill_wrap,
        )
        deduction = column_letter(columns.index(layout.DEDUCTION_HEADER))
        _number(ws, row, columns.index(layout.DEDUCTION_HEADER), person.deduction, fmt)
        if person.reason:
            ws.write_string(row, columns.index(layout.REASON_HEADER), person.reason,
                            fmt.input_text)
        else:
            ws.write_blank(row, columns.index(layout.REASON_HEADER), None, fmt.input_text)
        total = f"{total}-N({deduction}{excel_row})"
    formula = f'=IF(COUNT({first}{excel_row}:{last}{excel_row})=0,"",{total})'
    ws.write_formula(row, columns.index(layout.TOTAL_HEADER), formula, fmt.total, "")
    if form.edition == LEADER_EDITION:
        _text(ws, row, columns.index(layout.RATED_GRADE_HEADER), person.rated_grade, fmt.input)
    _text(ws, row, columns.index(layout.REMARK_HEADER), person.remark, fmt.input_text)


def _text(ws, row: int, col: int, value: str, cell_format) -> None:
    if value:
        ws.write_string(row, col, value, cell_format)
    else:
        ws.write_blank(row, col, None, cell_format)


def _write_signature(workbook, ws, form: MonthlyForm, fmt: Formats, sign_row: int,
                     last_col: int) -> None:
    label = "评分人签名："
    ws.set_row(sign_row, 30)
    sign_col = max(1, last_col - 4)
    ws.merge_range(sign_row, sign_col - 1, sign_row, sign_col, label, fmt.sign_label)
    if form.rater_sign:
        ws.write_string(sign_row, sign_col + 1, form.rater_sign, fmt.sign_input)
    else:
        ws.write_blank(sign_row, sign_col + 1, None, fmt.sign_input)
    ws.write_string(sign_row, sign_col + 2, "日期：", fmt.sign_label)
    if form.rater_date is not None:
        stamp = dt.datetime.combine(form.rater_date, dt.time())
        ws.write_datetime(sign_row, sign_col + 3, stamp, fmt.sign_date)
    else:
        ws.write_blank(sign_row, sign_col + 3, None, fmt.sign_date)
    sign_ref = f"{column_letter(sign_col + 1)}{sign_row + 1}"
    date_ref = f"{column_letter(sign_col + 3)}{sign_row + 1}"
    workbook.define_name(layout.RATER_SIGN_NAME, layout.absolute_ref(MONTHLY_SHEET, sign_ref))
    workbook.define_name(layout.RATER_DATE_NAME, layout.absolute_ref(MONTHLY_SHEET, date_ref))
    ws.data_validation(
        sign_row,
        sign_col + 1,
        sign_row,
        sign_col + 1,
        {
            "validate": "any",
            "input_title": "签名",
            "input_message": "请填写评分人本人姓名",
        },
    )


def build_monthly_form(target, form: MonthlyForm) -> None:
    """Write one monthly edition to `target` (a path or a binary file object)."""
    workbook = new_workbook(target)
    fmt = Formats(workbook)
    ws = workbook.add_worksheet(MONTHLY_SHEET)
    columns = monthly_columns(form.edition, tuple(item.header for item in form.items))
    last_col = len(columns.headers) - 1
    _write_top(ws, form, fmt, last_col)
    last_row = _write_table(ws, form, fmt)
    header_row = MONTHLY_HEADER_ROW - 1
    workbook.define_name(
        layout.SCORES_NAME,
        f"='{MONTHLY_SHEET}'!$A${header_row + 1}:${column_letter(last_col)}${last_row + 1}",
    )
    _write_signature(workbook, ws, form, fmt, last_row + 2, last_col)
    ws.freeze_panes(header_row + 1, 3)
    setup_print(ws, landscape=True, repeat_rows=(header_row, header_row))
    ws.print_area(0, 0, last_row + 2, last_col)
    protect(ws)
    write_meta(
        workbook,
        {
            "form": layout.MONTHLY_KIND,
            "edition": form.edition,
            "template_version": layout.TEMPLATE_VERSION,
            "rater_id": form.rater_id,
            "period": form.period,
            "year": str(form.year),
            "unit": form.unit,
            "people": ",".join(row.staff_id for row in form.rows),
        },
    )
    workbook.close()
