"""The holiday schedule 节假日安排.xlsx (SPEC §4.5): the office's copy of the State Council's
notice, read with care and written by `init`.

    节假日:  开始日期   | 结束日期   | 类别 | 名称
             2027-02-06 | 2027-02-13 | 放假 | 春节
             2027-02-14 |            | 上班 | 春节     ← a Saturday or Sunday worked (调休)

Rows for a year replace the packaged calendar (chinese-calendar) for that year. A 上班 day
must be a Saturday or Sunday, every range lies inside the workspace's year, ranges do not
overlap; each problem names the sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

from workbook_engine.issues import Issue
from workbook_engine.office_templates import (
    TemplateColumn,
    add_instructions_sheet,
    add_table_sheet,
    date_validation,
    list_validation,
    new_template,
)
from workbook_engine.sheets import open_workbook, parse_date, read_table
from workbook_engine.text import clean_name, clean_text

HOLIDAY_FILE = "节假日安排.xlsx"
HOLIDAY_SHEET = "节假日"
HEADERS = ("开始日期", "结束日期", "类别", "名称")
START, END, KIND, NAME = HEADERS
OFF, WORK = "放假", "上班"
KINDS = (OFF, WORK)
_WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Schedule:
    """Days the office entered: date → True (a working day) / False (a day off)."""

    days: Mapping[dt.date, bool] = field(default_factory=dict)

    @property
    def years(self) -> set[int]:
        return {day.year for day in self.days}


def load_schedule(path: str | PathLike, year: int) -> tuple[Schedule, list[Issue]]:
    """Read the schedule; a missing file is an empty schedule (no issue)."""
    path = Path(path)
    if not path.is_file():
        return Schedule(), []
    workbook, issues = open_workbook(path, "holidays")
    if workbook is None:
        return Schedule(), issues
    with workbook:
        table, found = read_table(workbook, path.name, HOLIDAY_SHEET, HEADERS, "holidays")
    issues += found
    if table is None:
        return Schedule(), issues
    days: dict[dt.date, bool] = {}
    taken: dict[dt.date, int] = {}
    for number, cells in table.rows:
        row_issues: list[Issue] = []

        def problem(column: str, message: str, row=number, found=row_issues) -> None:
            found.append(Issue("holidays.bad_row", message, path.name, HOLIDAY_SHEET, row,
                               column))

        span = _span(table.value(cells, START), table.value(cells, END), year, problem)
        kind = clean_name(table.value(cells, KIND))
        if kind not in KINDS:
            problem(KIND, f"「{KIND}」填写了「{kind}」，只能填写：放假、上班" if kind
                    else f"「{KIND}」不能为空，应填写：放假 或 上班")
        if span and kind == WORK:
            for day in span:
                if day.weekday() < 5:
                    problem(START, f"{day.isoformat()} 是星期{_WEEKDAYS[day.weekday()]}；"
                                   "「上班」只用于调休的星期六、星期日")
                    break
        if span and not row_issues:
            clash = next((d for d in span if d in taken), None)
            if clash is not None:
                problem(START, f"{clash.isoformat()} 与第 {taken[clash]} 行的日期重叠")
        issues += row_issues
        if span and not row_issues:
            for day in span:
                days[day] = kind == WORK
                taken[day] = number
    return Schedule(days), issues


def _span(start_raw, end_raw, year: int, problem) -> list[dt.date]:
    start = _date(start_raw, START, year, problem, required=True)
    end = _date(end_raw, END, year, problem, required=False) if clean_text(end_raw) else start
    if start is None or end is None:
        return []
    if end < start:
        problem(END, f"结束日期 {end.isoformat()} 早于开始日期 {start.isoformat()}")
        return []
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _date(raw, column: str, year: int, problem, required: bool) -> dt.date | None:
    text = clean_text(raw)
    if not text:
        if required:
            problem(column, f"「{column}」不能为空，请填写如 {year}-10-01")
        return None
    day = parse_date(raw)
    if day is None:
        problem(column, f"「{column}」填写了「{text}」，不是有效的日期，请填写如 {year}-10-01")
        return None
    if day.year != year:
        problem(column, f"{day.isoformat()} 不在考核年度 {year} 年内；本表只填写 {year} 年的安排")
        return None
    return day


# ---------------------------------------------------------------------------------------
# The template `init` writes
# ---------------------------------------------------------------------------------------


def packaged_rows(year: int) -> list[tuple]:
    """The packaged calendar's schedule of `year` as rows (none when it lacks the year)."""
    try:
        from chinese_calendar import constants
    except ImportError:  # pragma: no cover - a dependency
        return []
    names = {holiday.value: holiday.chinese for holiday in constants.Holiday}
    rows = []
    for table, kind in ((constants.holidays, OFF), (constants.workdays, WORK)):
        days = sorted((d, names.get(v, v)) for d, v in table.items() if d.year == year)
        for day, name in days:
            last = rows[-1] if rows else None
            if (last and kind == OFF and last[2] == OFF and last[3] == name
                    and (last[1] or last[0]) + dt.timedelta(days=1) == day):
                rows[-1] = (last[0], day, OFF, name)
            else:
                rows.append((day, None, kind, name))
    return sorted(rows, key=lambda row: row[0])


def write_schedule_template(path: str | PathLike, year: int, rows=None) -> None:
    """节假日安排.xlsx with the year's packaged schedule (when known) and instructions."""
    rows = packaged_rows(year) if rows is None else rows
    workbook = new_template(path)
    columns = [
        TemplateColumn(START, 12, "date", f"放假或调休上班的日期，如 {year}-10-01。", date_validation()),
        TemplateColumn(END, 12, "date", "连续放假的最后一天；只有一天时留空。", date_validation()),
        TemplateColumn(KIND, 8, "text", "放假 或 上班（上班＝调休的星期六、星期日）。",
                       list_validation(KINDS)),
        TemplateColumn(NAME, 12, "text", "节日名称，如 春节、国庆节（只作说明）。"),
    ]  # fmt: skip
    add_table_sheet(workbook, HOLIDAY_SHEET, columns, rows)
    source = (f"已按程序自带的节假日日历预填了 {year} 年的安排，请与国务院办公厅的通知核对。"
              if rows else
              f"程序自带的节假日日历还没有 {year} 年的安排：请在国务院办公厅公布 {year} 年"
              "部分节假日安排的通知后，把其中每一段放假和每一个调休上班日填入「节假日」表。")
    add_instructions_sheet(workbook, "节假日安排填写说明", (
        ("用途", "周考评表的工作日志、公示日期和收取情况都按本表确定哪些天是工作日。" + source),
        ("放假", "连续放假的一段填一行：开始日期、结束日期、类别「放假」、名称。"
                 f"例如：{year}-10-01 | {year}-10-07 | 放假 | 国庆节。"),
        ("上班", "因调休需要上班的星期六或星期日，每天一行，结束日期留空，类别「上班」。"
                 f"例如：{year}-10-10 |  | 上班 | 国庆节。"),
        ("规则", f"只填写 {year} 年内的日期；各行日期不能重叠；「上班」只能是星期六或星期日。"
                 "本表有该年的行时，以本表为准，不再使用程序自带的日历；没有列出的日子，"
                 "星期一至星期五为工作日。"),
    ))
    workbook.close()


def missing_notice(year: int) -> str:
    """The one line `init`, `forms weekly` and `status` print for a year nobody covers."""
    return (f"提示：{year} 年的放假安排尚未填写，工作日暂按星期一至星期五计算；"
            f"请把国务院办公厅公布的 {year} 年节假日安排填入 {HOLIDAY_FILE} 的「{HOLIDAY_SHEET}」表。")
