"""Leave arithmetic (SPEC §5): unused annual leave is a bonus, excess private leave a deduction.

    entitlement E (blank → from 参加工作时间: full years on 31 Dec: <1 → 0, 1–9 → 5, 10–19 → 10,
    20+ → 15), private days T = 已休年休假天数 + 事假天数
    E 5, T 3 → +2 × unused_leave_points;   E 5, T 8 → −3 × excess_leave_points
Only people listed in the 休假 sheet get leave points; an assessed person missing from it is
a data problem.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from workbook_engine.issues import WARNING, Issue
from workbook_engine.ledger import LEAVE_SHEET
from workbook_engine.policy import Policy
from workbook_engine.roster import Roster
from workbook_engine.scoring.frames import records
from workbook_engine.scoring.points import BONUS, COLUMNS, DEDUCTION


def full_years(start: dt.date, year: int) -> int:
    """Completed years of service on 31 December of `year`."""
    end = dt.date(year, 12, 31)
    if start > end:
        return 0
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def leave_points(leave: pd.DataFrame, roster: Roster, policy: Policy,
                 ledger_file: str) -> tuple[pd.DataFrame, list[Issue]]:
    """Bonus/deduction lines for leave, plus problems (missing people, unknown entitlement)."""
    lines, problems = [], []
    listed = set()
    for row in records(leave):
        person = roster.person(row["staff_id"])
        listed.add(row["staff_id"])
        source = f"{ledger_file} {LEAVE_SHEET} 第 {row['source_row']} 行"
        entitled = row["entitled_days"]
        how = "应休天数按台账"
        if entitled is None:
            if person is None or person.start_date is None:
                problems.append(Issue(
                    code="leave.no_entitlement", file=ledger_file, sheet=LEAVE_SHEET,
                    row=row["source_row"], column="应休年休假天数", severity=WARNING,
                    message="应休年休假天数为空，且花名册中没有参加工作时间，无法计算休假加减分"))
                continue
            years = full_years(person.start_date, policy.year)
            entitled = Decimal(policy.entitlement_days(years))
            how = f"工龄 {years} 年，应休 {entitled} 天"
        taken = row["annual_taken"] + row["private_days"]
        unused, excess = max(Decimal(0), entitled - taken), max(Decimal(0), taken - entitled)
        detail = f"{how}；已休年休假 {row['annual_taken']} 天，事假 {row['private_days']} 天"
        if unused:
            lines.append((row["staff_id"], BONUS, "未休年休假", unused * policy.unused_leave_points,
                          source, f"未休 {unused} 天（{detail}）"))
        if excess:
            lines.append((row["staff_id"], DEDUCTION, "超休假",
                          excess * policy.excess_leave_points, source,
                          f"超出 {excess} 天（{detail}）"))
    for person in roster.assessed():
        if person.staff_id not in listed:
            problems.append(Issue(
                code="leave.not_listed", file=ledger_file, sheet=LEAVE_SHEET, severity=WARNING,
                message=f"{person.name}（{person.staff_id}）不在休假表中，未计算休假加减分"))
    return pd.DataFrame(lines, columns=list(COLUMNS)), problems
