"""The roster's change sheets 人员变动 and 分工变动 (SPEC §4.1): reading and template columns.

    人员变动: 日期 | 工号 | 姓名 | 变动 | 原股室 | 新股室 | 原职务类别 | 新职务类别 | 说明
              2026-06-01 | 2102 | 吴敏 | 调岗 | 规划股 | 建管股 | | |
    分工变动: 日期 | 股室 | 原股室长工号 | 新股室长工号 | 原分管领导工号 | 新分管领导工号
              2026-07-01 | 建管股 | | | 1003 | 1002

Both sheets are optional. Each row is read on its own (every problem at once, naming sheet,
row and column); the rows that can be read are then replayed by `bureau_state.check_changes`.
"""

from __future__ import annotations

import datetime as dt

from workbook_engine.bureau_state import (
    DATE,
    KIND,
    NAME,
    NEW_CATEGORY,
    NEW_CHIEF,
    NEW_LEADER,
    NEW_SECTION,
    OLD_CATEGORY,
    OLD_CHIEF,
    OLD_LEADER,
    OLD_SECTION,
    PERSON_CHANGE_HEADERS,
    PERSON_CHANGE_KINDS,
    ROLE,
    SECTION,
    STAFF_ID,
    TRANSFER,
    DutyChange,
    PersonChange,
)
from workbook_engine.issues import Issue
from workbook_engine.office_templates import TemplateColumn, date_validation, list_validation
from workbook_engine.sheets import Row, Table, clean_staff_id, parse_date
from workbook_engine.text import clean_name, clean_text

CATEGORIES = ("一般干部职工", "股室长", "分管领导", "局长")


class _Row(Row):
    """A change row: an error marks it failed (the change is not applied)."""

    failed = False

    def name(self, header: str) -> str:
        return clean_name(self.raw(header))

    def error(self, header: str, message: str, code: str = "roster.bad_change") -> None:
        self.failed = True
        self.issue(code, header, message)


def _day(row: _Row, year: int | None) -> dt.date | None:
    raw = row.table.value(row.cells, DATE)
    text = clean_text(raw)
    example = f"{year or 2026}-06-01"
    if not text:
        row.error(DATE, f"「{DATE}」不能为空，请填写变动生效的日期，如 {example}")
        return None
    day = parse_date(raw)
    if day is None:
        row.error(DATE, f"「{DATE}」填写了「{text}」，不是有效的日期，请填写如 {example}")
    elif year is not None and day.year != year:
        row.error(DATE, f"日期 {day.isoformat()} 不在考核年度 {year} 年内；"
                        "上一年度的变动已体现在「人员」「股室」表中，无需登记")
        return None
    return day


def _section(row: _Row, header: str, sections) -> str | None:
    value = row.name(header)
    if value and value not in sections:
        row.error(header, f"「{header}」填写的「{value}」不在「股室」表中")
    return value or None


def _category(row: _Row, header: str) -> str | None:
    value = row.name(header)
    if value and value not in CATEGORIES:
        row.error(header, f"「{header}」填写了「{value}」，只能填写：{'、'.join(CATEGORIES)}")
    return value or None


def _read_rows(table: Table, roster, year: int | None, read_row) -> tuple[list, list[Issue]]:
    """The rows `read_row` could read without a problem, and the problems of every row."""
    changes, issues = [], []
    for number, cells in table.rows:
        row = _Row(table, number, cells, issues)
        change = read_row(row, roster, year)
        if change is not None and not row.failed:
            changes.append(change)
    return changes, issues


def read_person_changes(table: Table, roster, year: int | None) -> tuple[list, list[Issue]]:
    """The 人员变动 rows that can be read, and the problems of every row."""
    return _read_rows(table, roster, year, _person_change)


def _person_change(row: _Row, roster, year: int | None) -> PersonChange | None:
    day = _day(row, year)
    staff_id = clean_staff_id(row.table.value(row.cells, STAFF_ID))
    name = row.name(NAME)
    person = roster.people.get(staff_id) if staff_id else None
    if not staff_id:
        row.error(STAFF_ID, "「工号」不能为空")
    elif person is None:
        row.error(STAFF_ID, f"工号「{staff_id}」不在「人员」表中；调出或离岗的人员也请保留在"
                            "「人员」表中（在岗状态填离岗），调入的人员请先加入「人员」表")
    elif name and name != person.name:
        row.error(NAME, f"工号「{staff_id}」在「人员」表中是「{person.name}」，与姓名「{name}」不一致")
    kind = row.name(KIND)
    if kind not in PERSON_CHANGE_KINDS:
        listed = "、".join(PERSON_CHANGE_KINDS)
        row.error(KIND, f"「{KIND}」填写了「{kind}」，只能填写：{listed}" if kind
                  else f"「{KIND}」不能为空，应填写：{listed}")
    old_section = _section(row, OLD_SECTION, roster.sections)
    new_section = _section(row, NEW_SECTION, roster.sections)
    old_category, new_category = _category(row, OLD_CATEGORY), _category(row, NEW_CATEGORY)
    if kind == TRANSFER:
        for header, value in ((OLD_SECTION, old_section), (NEW_SECTION, new_section)):
            if not value:
                row.error(header, f"「调岗」须填写「{OLD_SECTION}」和「{NEW_SECTION}」")
        if old_section and old_section == new_section:
            row.error(NEW_SECTION, "「新股室」与「原股室」相同，不是调岗")
    if kind == ROLE:
        if not (old_category and new_category):
            header = NEW_CATEGORY if old_category else OLD_CATEGORY
            row.error(header, f"「职务变动」须填写「{OLD_CATEGORY}」和「{NEW_CATEGORY}」")
        elif old_category == new_category and old_section == new_section:
            row.error(NEW_CATEGORY, "「新职务类别」与「原职务类别」相同，不是职务变动")
        if bool(old_section) != bool(new_section):
            header = NEW_SECTION if old_section else OLD_SECTION
            row.error(header, "职务变动同时换股室时，「原股室」和「新股室」都要填写；不换股室时都留空")
    if day is None or person is None or kind not in PERSON_CHANGE_KINDS:
        return None
    return PersonChange(day, staff_id, kind, old_section, new_section, old_category,
                        new_category, row.number)


def read_duty_changes(table: Table, roster, year: int | None) -> tuple[list, list[Issue]]:
    """The 分工变动 rows that can be read, and the problems of every row."""
    return _read_rows(table, roster, year, _duty_change)


def _staff(row: _Row, header: str, roster) -> str:
    staff_id = clean_staff_id(row.table.value(row.cells, header))
    if staff_id and staff_id not in roster.people:
        row.error(header, f"「{header}」填写的「{staff_id}」不在「人员」表中")
    return staff_id


def _duty_change(row: _Row, roster, year: int | None) -> DutyChange | None:
    day = _day(row, year)
    section = row.name(SECTION)
    if not section:
        row.error(SECTION, "「股室」不能为空")
    elif section not in roster.sections:
        row.error(SECTION, f"股室「{section}」不在「股室」表中")
    pairs = []
    for old_header, new_header in ((OLD_CHIEF, NEW_CHIEF), (OLD_LEADER, NEW_LEADER)):
        old, new = _staff(row, old_header, roster), _staff(row, new_header, roster)
        if (old or new) and old == new:
            row.error(new_header, f"「{new_header}」与「{old_header}」相同，不是变动")
        pairs.append((old, new) if (old or new) else None)
    if pairs == [None, None]:
        row.error(NEW_CHIEF, "这一行没有填写任何变动：请填写股室长或分管领导的原、新工号")
    if day is None or section not in roster.sections:
        return None
    return DutyChange(day, section, pairs[0], pairs[1], row.number)


def person_change_columns() -> list[TemplateColumn]:
    categories = list_validation(CATEGORIES)
    return [
        TemplateColumn(DATE, 12, "date", "变动生效的日期，如 2026-06-01（当天起按新情况考核）。",
                       date_validation()),
        TemplateColumn(STAFF_ID, 10, "text", "「人员」表中的工号。调出、离岗的人员也要保留在「人员」表中。"),
        TemplateColumn(NAME, 10, "text", "可不填；填写时须与工号一致。"),
        TemplateColumn(KIND, 10, "text", "从下拉列表选择：" + "、".join(PERSON_CHANGE_KINDS) + "。",
                       list_validation(PERSON_CHANGE_KINDS)),
        TemplateColumn(OLD_SECTION, 12, "text", "调岗时填写调出的股室；其他变动留空。"),
        TemplateColumn(NEW_SECTION, 12, "text", "调岗时填写调入的股室；其他变动留空。"),
        TemplateColumn(OLD_CATEGORY, 14, "text", "职务变动时填写原来的职务类别。", categories),
        TemplateColumn(NEW_CATEGORY, 14, "text", "职务变动时填写新的职务类别。", categories),
        TemplateColumn(PERSON_CHANGE_HEADERS[-1], 24, "text", "可填写文件依据等，不参与计算。"),
    ]  # fmt: skip


def duty_change_columns() -> list[TemplateColumn]:
    return [
        TemplateColumn(DATE, 12, "date", "分工调整生效的日期，如 2026-07-01。", date_validation()),
        TemplateColumn(SECTION, 14, "text", "「股室」表中的股室名称。"),
        TemplateColumn(OLD_CHIEF, 14, "text", "原股室长工号；股室长没变时这两列都留空。"),
        TemplateColumn(NEW_CHIEF, 14, "text", "新股室长工号（「人员」表中职务类别为股室长）。"),
        TemplateColumn(OLD_LEADER, 16, "text", "原分管领导工号；分管领导没变时这两列都留空。"),
        TemplateColumn(NEW_LEADER, 16, "text", "新分管领导工号（职务类别为分管领导）。"),
    ]  # fmt: skip


CHANGE_INSTRUCTIONS = (
    (
        "「人员变动」表",
        "年度中人员的变化，每次变化一行，顺序不限：调入（从该日起在岗）、调出（调离本单位）、"
        "离岗（长期病休、借调等，从该日起不在岗）、返岗（从该日起重新在岗）、"
        "调岗（从原股室调到新股室）、职务变动（从原职务类别变为新职务类别；同时换股室时两个股室列都填）。"
        "「人员」表始终填写现在的情况：调出的人保留在「人员」表中，在岗状态填离岗。",
    ),
    (
        "变动示例",
        "2026-06-01 | 2102 | 吴敏 | 调岗 | 规划股 | 建管股 |  |  | 局党组会议决定。"
        "含义：6 月 1 日起吴敏在建管股考核，5 月及以前的周考评表、月度汇总仍按规划股。"
        "「人员」表中吴敏的股室填建管股（现在的情况）。",
    ),
    (
        "「分工变动」表",
        "年度中股室长或分管领导的调整，每次一行：日期、股室、原股室长工号、新股室长工号、"
        "原分管领导工号、新分管领导工号；没变的一对留空。"
        "示例：2026-07-01 | 建管股 |  |  | 1003 | 1002，表示 7 月 1 日起建管股由 1002 分管。"
        "「股室」表始终填写现在的分工。",
    ),
    (
        "变动的作用",
        "每周按该周星期四的情况生成周考评表和确定评分人；每月列出当月任一工作日在岗的人员；"
        "集体表扬批评按发文日期确定股室成员和分管领导；调入前、调出后的月份记为「未在岗」，"
        "不算未交，也不计入年度平均分。",
    ),
)
