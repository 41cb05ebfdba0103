"""The ledger's optional record sheets (SPEC §4.4): 诫勉谈话 and 整改台账 → frames + issues.

    诫勉谈话:  日期      | 工号 | 姓名 | 考核月份 | 谈话人 | 谈话要点       | 整改承诺
               2026-06-03 | 3002 | 褚五 | 2026-05  | 赵局   | 指出迟报问题…  | 按时报送
    → talks: staff_id 3002, month "2026-05", talker 赵局, date 2026-06-03

    整改台账:  季度    | 股室   | 问题     | 整改措施 | 责任人 | 完成时限   | 完成情况
               2026-Q1 | 建管股 | 材料迟报 | 周报制度 | 陈建   | 2026-06-30 | 进行中

A sheet that is not there is simply empty (the sheets are optional); a row that cannot be read
is an error naming the sheet, the row and the column, and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from os import PathLike
from pathlib import Path

import pandas as pd

from workbook_engine.issues import Issue
from workbook_engine.ledger import _choice, _date, _frame, _person, _read_rows, _required
from workbook_engine.ledger_template import (
    REMEDY_HEADERS,
    REMEDY_SHEET,
    REMEDY_STATES,
    TALK_HEADERS,
    TALK_SHEET,
)
from workbook_engine.periods import PeriodError, parse_month, parse_quarter
from workbook_engine.policy import Policy
from workbook_engine.roster import LEADERSHIP_SECTION, Roster
from workbook_engine.sheets import Row, open_workbook, parse_date, read_table
from workbook_engine.text import clean_name, clean_text

TALK_COLUMNS = ("source_row", "date", "staff_id", "month", "talker", "points", "promise")
REMEDY_COLUMNS = ("source_row", "quarter", "section", "problem", "measure", "owner", "deadline",
                  "state")
WHOLE_BUREAU = "全局"
_, _, _, TALK_MONTH, TALKER, TALK_POINTS, PROMISE = TALK_HEADERS
QUARTER, SECTION, PROBLEM, MEASURE, OWNER, DEADLINE, STATE = REMEDY_HEADERS


@dataclass(frozen=True, eq=False)
class Records:
    talks: pd.DataFrame  # TALK_COLUMNS
    remedies: pd.DataFrame  # REMEDY_COLUMNS

    def talks_of(self, staff_id: str, month: str) -> list[dict]:
        """The recorded talks with one person about one month, in ledger order."""
        return [dict(talk) for talk in self._talks_by_person_month.get((staff_id, month), ())]

    @cached_property
    def _talks_by_person_month(self) -> dict[tuple[str, str], list[dict]]:
        """The talks grouped once (a year report asks for every 不称职 person-month)."""
        grouped: dict[tuple[str, str], list[dict]] = {}
        for talk in self.talks.to_dict("records"):
            grouped.setdefault((talk["staff_id"], talk["month"]), []).append(talk)
        return grouped


def empty_records() -> Records:
    return Records(_frame([], TALK_COLUMNS), _frame([], REMEDY_COLUMNS))


def load_records(path: str | PathLike, roster: Roster, policy: Policy
                 ) -> tuple[Records, list[Issue]]:
    """Read the optional sheets of 加减分台账.xlsx (a missing file or sheet gives no rows)."""
    file = Path(path).name
    if not Path(path).is_file():
        return empty_records(), []
    workbook, issues = open_workbook(path, "ledger")
    if workbook is None:
        return empty_records(), []  # the ledger loader already reports an unreadable file
    frames = []
    with workbook:
        names = {clean_name(name) for name in workbook.sheet_names}
        for sheet, headers, columns, reader in (
                (TALK_SHEET, TALK_HEADERS, TALK_COLUMNS, _TalkReader),
                (REMEDY_SHEET, REMEDY_HEADERS, REMEDY_COLUMNS, _RemedyReader)):
            if sheet not in names:
                frames.append(_frame([], columns))
                continue
            table, found = read_table(workbook, file, sheet, headers, "ledger")
            issues += found
            rows, found = _read_rows(table, reader(roster, policy)) if table else ([], [])
            issues += found
            frames.append(_frame(rows, columns))
    return Records(*frames), issues


def _period(row: Row, header: str, parse, year: int, example: str):
    text = row.text(header)
    if not text:
        row.issue("missing_value", header, f"「{header}」不能为空，请填写如 {example}")
        return None
    try:
        period = parse(text)
    except PeriodError:
        row.issue("bad_value", header, f"「{header}」填写了「{text}」，请填写如 {example}")
        return None
    if period.year != year:
        row.issue("outside_year", header, f"「{header}」{period} 不在考核年度 {year} 年内")
        return None
    return period


class _TalkReader:
    """诫勉谈话: one talk a row, held by the 组长 or a 副组长 (a person of 局领导)."""

    def __init__(self, roster: Roster, policy: Policy):
        self.roster, self.policy = roster, policy

    def __call__(self, row: Row) -> dict | None:
        day = _date(row, self.policy.year)
        person = _person(row, self.roster)
        month = _period(row, TALK_MONTH, parse_month, self.policy.year, f"{self.policy.year}-05")
        talker = _required(row, TALKER, "「谈话人」不能为空：填写考核领导小组组长或副组长的姓名")
        if talker and not any(p.section == LEADERSHIP_SECTION
                              for p in self.roster.find_by_name(talker)):
            row.issue("bad_talker", TALKER, f"谈话人「{talker}」不是花名册「{LEADERSHIP_SECTION}」"
                      "中的人员；诫勉谈话由考核领导小组组长或副组长进行")
        if not row.ok or person is None:
            return None
        return {"source_row": row.number, "date": day, "staff_id": person.staff_id,
                "month": str(month), "talker": clean_name(talker),
                "points": row.text(TALK_POINTS), "promise": row.text(PROMISE)}


class _RemedyReader:
    """整改台账: one problem and its measure a row."""

    def __init__(self, roster: Roster, policy: Policy):
        self.roster, self.policy = roster, policy

    def __call__(self, row: Row) -> dict | None:
        quarter = _period(row, QUARTER, parse_quarter, self.policy.year,
                          f"{self.policy.year}-Q1")
        section = clean_name(row.raw(SECTION))
        if section and section != WHOLE_BUREAU and section not in self.roster.sections:
            row.issue("unknown_section", SECTION, f"「股室」填写的「{section}」不是花名册中的股室"
                      f"（全局性的问题填「{WHOLE_BUREAU}」）")
        problem = _required(row, PROBLEM, "「问题」不能为空")
        measure = _required(row, MEASURE, "「整改措施」不能为空")
        state = _choice(row, STATE, REMEDY_STATES)
        raw_deadline = row.raw(DEADLINE)
        deadline = parse_date(raw_deadline) if clean_text(raw_deadline) else None
        if clean_text(raw_deadline) and deadline is None:
            row.issue("bad_date", DEADLINE, f"「完成时限」填写了「{clean_text(raw_deadline)}」，"
                      "不是有效的日期，请填写如 2026-06-30")
        if not row.ok:
            return None
        return {"source_row": row.number, "quarter": str(quarter),
                "section": section or WHOLE_BUREAU, "problem": problem, "measure": measure,
                "owner": row.text(OWNER), "deadline": deadline, "state": state}
