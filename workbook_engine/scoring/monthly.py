"""Monthly score = leader items + office items − 履职扣分, graded on the rounded score.

    leader 18 + 19 + 28.5 + 9, office 10 + 9.5, 履职扣分 2 → 92.00 称职
    both editions blank for a person → 未考核 (left out of the annual mean)
    only one edition scored → 不完整: reported, not scored
    leader's 评定等次 (SPEC §5): blank → the score's grade; another grade with a reason in
    备注 → it stands (grade 优秀, score_grade 称职); another grade without a reason → not
    used: the score's grade, a note on the line and a data problem naming both grades
Pure function over the stored rows (a DataFrame) and the policy; no file or SQL access.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from typing import NamedTuple

import pandas as pd

from workbook_engine.forms import layout
from workbook_engine.forms.layout import LEADER_EDITION, OFFICE_EDITION
from workbook_engine.issues import WARNING, Issue
from workbook_engine.policy import Policy
from workbook_engine.roster import Roster
from workbook_engine.scoring.frames import records
from workbook_engine.store import MonthlyRow

SCORED, NOT_ASSESSED, INCOMPLETE = "已考核", "未考核", "不完整"
MISSING = layout.NOT_SUBMITTED
RATED_NOT_USED = "评定等次未采用"  # how a grade_note starts when the rated grade was refused
NOT_IN_POST = "未在岗"  # a month outside someone's time in post (before 调入, after 调出/离岗)
# grade: the month's grade as it stands (the leader's 评定等次 when it counts, else the
# score's); score_grade: the score's grade; grade_note: why the two differ, or why a rated
# grade was not used.
COLUMNS = ("staff_id", "name", "section", "month", "status", "leader_score", "office_score",
           "deduction", "score", "grade", "reason", "leader_source", "office_source",
           "score_grade", "grade_note")


class Line(NamedTuple):
    """A person's month (COLUMNS): one per assessed person and month."""

    staff_id: str
    name: str
    section: str
    month: str
    status: str
    leader_score: Decimal | None
    office_score: Decimal | None
    deduction: Decimal | None
    score: Decimal | None
    grade: str
    reason: str
    leader_source: str
    office_source: str
    score_grade: str
    grade_note: str


assert Line._fields == COLUMNS
new_line = functools.partial(tuple.__new__, Line)  # Line from a tuple of its 15 values, in C


def _stored_rows(rows: pd.DataFrame | list) -> list[MonthlyRow]:
    """The rows as the store gives them (a frame's or dicts' missing fields blank, their
    items dict as the stored JSON text)."""
    if isinstance(rows, pd.DataFrame):
        rows = records(rows)
    stored = []
    for row in rows:
        if not isinstance(row, MonthlyRow):
            row = MonthlyRow(**{name: row.get(name, "") for name in MonthlyRow._fields})
            if not isinstance(row.items, str):
                row = row._replace(items=json.dumps(row.items, ensure_ascii=False))
        stored.append(row)
    return stored


def _items_total(items: str, totals: dict[str, Decimal]) -> Decimal:
    """The sum of a row's item scores (the stored JSON text); `totals` remembers each
    distinct text's sum (a month of a large bureau repeats the same scores a lot)."""
    found = totals.get(items)
    if found is None:
        found = totals[items] = sum(map(Decimal, json.loads(items).values()), Decimal(0))
    return found


def _source(row: MonthlyRow | None) -> str:
    return f"{row.file} 第 {row.sheet_row} 行" if row else ""


def _rows_by_person(rows: list[MonthlyRow], edition: str, month: str,
                    problems: list[Issue]) -> dict[str, MonthlyRow]:
    """The row of each person in one edition; two leader rows for one person is a problem."""
    chosen: dict[str, MonthlyRow] = {}
    for row in rows:
        if row.edition != edition or row.month != month:
            continue
        if row.staff_id in chosen:
            problems.append(Issue(
                code="score.two_leader_rows", severity=WARNING, file=row.file,
                row=row.sheet_row,
                message=f"{month} {row.staff_id} 出现在两份领导评分表中，采用后收到的一份"))
        chosen[row.staff_id] = row
    return chosen


def _status(leader: MonthlyRow | None, office: MonthlyRow | None) -> str:
    leader_on = bool(leader and leader.assessed)
    office_on = bool(office and office.assessed)
    if leader_on and office_on:
        return SCORED
    if leader_on or office_on:
        return INCOMPLETE
    return MISSING if leader is None and office is None else NOT_ASSESSED


def monthly_scores(rows: pd.DataFrame | list, roster: Roster, policy: Policy,
                   month: str) -> tuple[pd.DataFrame, list[Issue]]:
    """One line per assessed person for `month`, with score and grade where complete.

    `rows` are the stored rows of the monthly editions (store.MonthlyRow, or a frame or
    dicts of their fields)."""
    lines, problems = monthly_lines(rows, roster, policy, month)
    return lines_frame(lines), problems


def lines_frame(lines: list[Line]) -> pd.DataFrame:
    """Monthly lines (of one month or many) as the frame the reports read."""
    return pd.DataFrame(lines, columns=list(COLUMNS), dtype=object)


def monthly_lines(rows: pd.DataFrame | list, roster: Roster, policy: Policy,
                  month: str, sources: bool = True) -> tuple[list[Line], list[Issue]]:
    """`monthly_scores` as a list of Lines (one per assessed person), before any frame.
    `sources=False`: leader_source/office_source only on lines with a 履职扣分 (the only
    ones a year report cites; a year of a large bureau holds 120,000 of them otherwise)."""
    rows = _stored_rows(rows)
    problems: list[Issue] = []
    leaders = _rows_by_person(rows, LEADER_EDITION, month, problems)
    offices = _rows_by_person(rows, OFFICE_EDITION, month, problems)
    nothing = not leaders and not offices
    if nothing:  # one line for the month rather than one per person
        problems.append(Issue(code="score.month_empty", severity=WARNING,
                              message=f"{month} 没有收到任何月考评表，本月无人计分"))
    lines = []
    # Equal inputs share one result object (Decimals are immutable): a month of a large
    # bureau repeats the same item scores, deductions and totals many times over.
    totals: dict[str, Decimal] = {}
    deductions: dict[str, Decimal] = {}
    rounded: dict[Decimal, tuple[Decimal, str]] = {}
    for person in roster.assessed():
        staff_id = person.staff_id
        leader, office = leaders.get(staff_id), offices.get(staff_id)
        status = _status(leader, office)
        if status == SCORED:
            leader_score = totals.get(leader.items) or _items_total(leader.items, totals)
            office_score = totals.get(office.items) or _items_total(office.items, totals)
            text = leader.deduction or "0"
            deduction = deductions.get(text)
            if deduction is None:
                deduction = deductions[text] = Decimal(text)
            total = leader_score + office_score - deduction
            if total not in rounded:
                score = policy.round_score(total)
                rounded[total] = (score, policy.grade_of(score))
            score, score_grade = rounded[total]
            grade, score_grade, note = _month_grade(person, leader, score_grade, score, month,
                                                    problems)
            reason = leader.reason
        else:
            leader_score = office_score = deduction = score = None
            grade = score_grade = note = reason = ""
        if sources or (status == SCORED and deduction):
            leader_source, office_source = _source(leader), _source(office)
        else:
            leader_source = office_source = ""
        if status == INCOMPLETE:
            have = "领导评分" if leader and leader.assessed else "考核办评分"
            lack = "考核办评分" if have == "领导评分" else "领导评分"
            problems.append(Issue(
                code="score.incomplete", severity=WARNING,
                message=f"{person.name}（{staff_id}）{month} 只有{have}，缺{lack}，本月未计分"))
        elif status == MISSING and not nothing:
            problems.append(Issue(
                code="score.forms_missing", severity=WARNING,
                message=f"{person.name}（{staff_id}）{month} 的月考评表未交齐，本月未计分"))
        lines.append(new_line((staff_id, person.name, person.section, month, status,
                               leader_score, office_score, deduction, score, grade, reason,
                               leader_source, office_source, score_grade, note)))
    problems += _scored_but_not_listed(leaders, offices, roster, month)
    return lines, problems


def _month_grade(person, leader: MonthlyRow, score_grade: str, score: Decimal, month: str,
                 problems: list[Issue]) -> tuple[str, str, str]:
    """The month's (grade, score_grade, grade_note): the leader's 评定等次 when blank, equal
    to the score's grade or explained in 备注; otherwise the score's grade, said on the line
    and as a data problem."""
    rated = leader.rated_grade
    remark = leader.remark
    if not rated or rated == score_grade:
        return score_grade, score_grade, ""
    if remark:
        return rated, score_grade, f"领导评定为{rated}（分数等次{score_grade}），理由：{remark}"
    problems.append(Issue(  # an error: the rater's grade was refused, the form needs a reason
        code="score.rated_grade_without_reason", file=leader.file,
        sheet=layout.MONTHLY_SHEET, row=leader.sheet_row, column=layout.RATED_GRADE_HEADER,
        message=f"{person.name}（{person.staff_id}）{month} 的评定等次为「{rated}」，与月度得分 "
                f"{score:.2f} 分对应的分数等次「{score_grade}」不一致，但「备注」未写明理由："
                f"评定等次未采用，本月等次按分数等次「{score_grade}」计。"
                "请评分人在备注中写明理由后重新提交领导评分表"))
    return (score_grade, score_grade,
            f"{RATED_NOT_USED}：评定为「{rated}」，与分数等次不同且备注未写理由，按分数等次计")


def _scored_but_not_listed(leaders: dict, offices: dict, roster: Roster,
                           month: str) -> list[Issue]:
    """Stored scores of someone the month's bureau does not list (the roster changed after
    the forms came in, e.g. set to 离岗 without a 人员变动 row): never dropped silently."""
    listed = {p.staff_id for p in roster.assessed()}
    problems = []
    for staff_id in dict.fromkeys([*leaders, *offices]):
        row = leaders.get(staff_id) or offices.get(staff_id)
        if staff_id in listed or not any(r and r.assessed for r in
                                         (leaders.get(staff_id), offices.get(staff_id))):
            continue
        person = roster.person(staff_id)
        who = f"{person.name}（{staff_id}）" if person else staff_id
        problems.append(Issue(
            code="score.not_in_post", severity=WARNING, file=row.file, row=row.sheet_row,
            message=f"收到了{who} {month} 的评分，但按花名册此人该月不在岗或不参加考核，未计入；"
                    "如其在年内调出或离岗，请在花名册「人员变动」表登记日期"))
    return problems


def not_in_post_lines(period_roster: Roster, month_roster: Roster, month: str) -> list[Line]:
    """A 未在岗 line for each person of the period who was not in post in `month`."""
    in_month = {p.staff_id for p in month_roster.assessed()}
    return [Line(person.staff_id, person.name, person.section, month, NOT_IN_POST, None, None,
                 None, None, "", "", "", "", "", "")
            for person in period_roster.assessed() if person.staff_id not in in_month]


def talk_list(scores: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """诫勉谈话: everyone graded the lowest grade that month."""
    return scores[scores["grade"] == policy.lowest_grade].reset_index(drop=True)
