"""The weekly form 周考评表: one per person per week, prefilled with who, when and who rates.

    build_weekly_form(target, WeeklyForm(unit=..., grades=..., identity=..., week=...))
writes an .xlsx whose defined names are those of SPEC §4.2; with `identity=None` and
`week=None` it writes the blank template that is committed as templates/weekly_form.xlsx.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from workbook_engine.forms import layout
from workbook_engine.forms.layout import WEEKLY_CELLS, WEEKLY_SHEET, WORKLOG_SHEET, cell_position
from workbook_engine.style import (
    Formats,
    grade_validation,
    new_workbook,
    protect,
    setup_print,
    write_meta,
)

# 1-based row -> height in points, so the form fills one A4 page like a printed form.
_ROW_HEIGHTS = {
    1: 40,
    2: 22,
    3: 28,
    4: 28,
    **{r: 34 for r in range(5, 11)},
    **{r: 34 for r in range(11, 15)},
    15: 28,
    16: 24,
    17: 28,
    18: 34,
    19: 34,
    20: 24,
    21: 28,
    22: 34,
    23: 34,
    24: 10,
    25: 18,
    26: 18,
    27: 18,
}


@dataclass(frozen=True)
class WeeklyIdentity:
    """Who the form is for and who reviews it (names as in the roster)."""

    staff_id: str
    staff_name: str
    section: str
    category: str
    chief_name: str  # "" when there is no 初评 (股室长 and leaders)
    final_rater_name: str
    final_rater_title: str  # 分管领导 or 局长


@dataclass(frozen=True)
class WeeklyForm:
    """Everything the generator needs; identity and week are None for the blank template."""

    unit: str
    year: int
    grades: tuple[str, ...]
    identity: WeeklyIdentity | None = None
    period: str = ""
    period_label: str = ""
    working_days: tuple[dt.date, ...] = field(default_factory=tuple)
    values: dict = field(default_factory=dict)  # defined name -> value, for a filled form
    log: tuple[str, ...] = ()  # 工作内容 of each working day, for a filled form


def _value(form: WeeklyForm, name: str) -> object:
    """A filled-in value (for programs that return filled forms), or '' for a blank form."""
    value = form.values.get(name)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return "" if value is None else value


def _input(ws, ref: str, value, fmt) -> None:
    if value == "":
        ws.write_blank(ref, None, fmt)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(ref, value, fmt)
    else:
        ws.write_string(ref, str(value), fmt)


def _merge(ws, first: str, last: str, value, fmt) -> None:
    r1, c1 = cell_position(first)
    r2, c2 = cell_position(last)
    if (r1, c1) == (r2, c2):
        ws.write(r1, c1, value, fmt)
    else:
        ws.merge_range(r1, c1, r2, c2, value, fmt)


def _write_header(ws, form: WeeklyForm, fmt: Formats) -> None:
    ident = form.identity
    ws.merge_range("A1:H1", f"{form.unit}干部职工周考评表", fmt.title)
    period_text = f"考评周期：{form.period_label}" if form.period_label else "考评周期："
    ws.merge_range("A2:H2", period_text, fmt.subtitle)
    labels = (("A3", "工号"), ("C3", "姓名"), ("E3", "股室"), ("G3", "考评周"))
    for ref, text in labels:
        _merge(ws, ref, ref, text, fmt.label)
    values = {
        "staff_id": ident.staff_id if ident else "",
        "staff_name": ident.staff_name if ident else "",
        "section": ident.section if ident else "",
        "period": form.period,
    }
    for name, value in values.items():
        row, col = cell_position(WEEKLY_CELLS[name])
        ws.write_string(row, col, value, fmt.prefill)
    ws.write_string("A4", "职务类别", fmt.label)
    ws.write_string("B4", ident.category if ident else "", fmt.prefill)
    ws.write_string("C4", "初评人", fmt.label)
    ws.write_string("D4", (ident.chief_name or "（免初评）") if ident else "", fmt.prefill)
    ws.write_string("E4", "评定人", fmt.label)
    ws.write_string("F4", ident.final_rater_name if ident else "", fmt.prefill)
    ws.write_string("G4", "工作日", fmt.label)
    days = f"{len(form.working_days)} 天" if form.period else ""
    ws.write_string("H4", days, fmt.prefill)


def _write_staff_part(ws, form: WeeklyForm, fmt: Formats) -> None:
    ws.merge_range("A5:A10", "本周工作\n完成情况", fmt.label)
    _merge(ws, WEEKLY_CELLS["work_done"], "H10", _value(form, "work_done"), fmt.input_text)
    ws.merge_range("A11:A14", "下周\n工作计划", fmt.label)
    _merge(ws, WEEKLY_CELLS["next_plan"], "H14", _value(form, "next_plan"), fmt.input_text)
    ws.write_string("A15", "自评等次", fmt.label)
    _input(ws, WEEKLY_CELLS["self_grade"], _value(form, "self_grade"), fmt.input)
    ws.data_validation(WEEKLY_CELLS["self_grade"], grade_validation(form.grades))
    ws.merge_range("C15:H15", "（选填）", fmt.prefill)


def _write_review(
    ws, form: WeeklyForm, fmt: Formats, *, first_row: int, who: str, prefix: str, band: str
) -> None:
    """A review band: title row, grade/sign/date row, comment rows (first_row is 1-based)."""
    r = first_row
    ws.merge_range(f"A{r}:H{r}", band, fmt.band)
    ws.write_string(f"A{r + 1}", f"{who}等次", fmt.label)
    _input(ws, WEEKLY_CELLS[f"{prefix}_grade"], _value(form, f"{prefix}_grade"), fmt.input)
    ws.data_validation(WEEKLY_CELLS[f"{prefix}_grade"], grade_validation(form.grades))
    ws.write_string(f"C{r + 1}", "签名", fmt.label)
    _input(ws, WEEKLY_CELLS[f"{prefix}_sign"], _value(form, f"{prefix}_sign"), fmt.input)
    ws.data_validation(
        WEEKLY_CELLS[f"{prefix}_sign"],
        {
            "validate": "any",
            "input_title": "签名",
            "input_message": "请填写评分人本人姓名（与花名册一致）",
        },
    )
    ws.write_string(f"E{r + 1}", "日期", fmt.label)
    _input(ws, WEEKLY_CELLS[f"{prefix}_date"], _value(form, f"{prefix}_date"), fmt.input_date)
    ws.merge_range(f"G{r + 1}:H{r + 1}", "", fmt.prefill)
    ws.merge_range(f"A{r + 2}:A{r + 3}", f"{who}意见", fmt.label)
    _merge(ws, WEEKLY_CELLS[f"{prefix}_comment"], f"H{r + 3}", _value(form, f"{prefix}_comment"),
           fmt.input_text)


def _review_bands(form: WeeklyForm) -> tuple[str, str]:
    ident = form.identity
    chief_band = "股室长初评"
    leader_band = "分管领导评定"
    if ident is not None:
        if not ident.chief_name:
            chief_band = "股室长初评（本人无需初评，此栏免填）"
        else:
            chief_band = f"股室长初评（初评人：{ident.chief_name}）"
        leader_band = f"{ident.final_rater_title}评定（评定人：{ident.final_rater_name}）"
    return chief_band, leader_band


def _write_notes(ws, fmt: Formats) -> None:
    notes = (
        "填表说明：1. 灰色单元格由系统预填，请勿修改；白色单元格为填写区域。"
        "2. 本人填写工作完成情况、下周计划，并在「工作日志」表逐日填写工作内容。"
        "3. 股室长初评、分管领导评定请从下拉列表选择等次，签名填写本人姓名（与花名册一致）。"
        "4. 请保持文件格式（.xlsx）回传，可以改文件名，但不要删除或改名工作表。"
    )
    ws.merge_range("A25:H27", notes, fmt.note)


def _write_worklog(workbook, form: WeeklyForm, fmt: Formats) -> None:
    ws = workbook.add_worksheet(WORKLOG_SHEET)
    ws.set_column("A:A", 14)
    ws.set_column("B:B", 62)
    ws.set_column("C:C", 20)
    title = f"工作日志（{form.period_label}）" if form.period_label else "工作日志"
    ws.merge_range("A1:C1", title, fmt.title)
    ws.set_row(0, 30)
    header_row = layout.WORKLOG_HEADER_ROW - 1
    for col, text in enumerate(layout.WORKLOG_HEADERS):
        ws.write_string(header_row, col, text, fmt.label)
    rows = form.working_days if form.period else (None,) * layout.TEMPLATE_WORKLOG_ROWS
    for offset, day in enumerate(rows, start=1):
        row = header_row + offset
        ws.set_row(row, 56)
        if day is None:
            ws.write_blank(row, 0, None, fmt.input_date)
        else:
            ws.write_datetime(row, 0, dt.datetime.combine(day, dt.time()), fmt.prefill_date)
        content = form.log[offset - 1] if offset <= len(form.log) else ""
        _input(ws, f"B{row + 1}", content, fmt.input_text)
        ws.write_blank(row, 2, None, fmt.input_text)
    last = header_row + len(rows)
    workbook.define_name(
        layout.WORKLOG_NAME, f"='{WORKLOG_SHEET}'!$A${header_row + 1}:$C${last + 1}"
    )
    setup_print(ws, landscape=False, repeat_rows=(header_row, header_row))
    protect(ws)


def build_weekly_form(target, form: WeeklyForm) -> None:
    """Write the weekly form to `target` (a path or a binary file object)."""
    workbook = new_workbook(target)
    fmt = Formats(workbook)
    ws = workbook.add_worksheet(WEEKLY_SHEET)
    ws.set_column("A:A", 12)
    ws.set_column("B:H", 11.5)
    for row, height in _ROW_HEIGHTS.items():
        ws.set_row(row - 1, height)
    _write_header(ws, form, fmt)
    _write_staff_part(ws, form, fmt)
    chief_band, leader_band = _review_bands(form)
    _write_review(ws, form, fmt, first_row=16, who="初评", prefix="chief", band=chief_band)
    _write_review(ws, form, fmt, first_row=20, who="评定", prefix="leader", band=leader_band)
    ws.merge_range("A24:H24", "", fmt.plain)
    _write_notes(ws, fmt)
    for name, ref in WEEKLY_CELLS.items():
        workbook.define_name(name, layout.absolute_ref(WEEKLY_SHEET, ref))
    setup_print(ws, landscape=False)
    ws.print_area("A1:H27")
    protect(ws)
    _write_worklog(workbook, form, fmt)
    ident = form.identity
    write_meta(
        workbook,
        {
            "form": layout.WEEKLY_KIND,
            "template_version": layout.TEMPLATE_VERSION,
            "staff_id": ident.staff_id if ident else "",
            "period": form.period,
            "year": str(form.year),
            "unit": form.unit,
        },
    )
    workbook.close()
