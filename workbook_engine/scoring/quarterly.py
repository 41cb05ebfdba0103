"""Quarterly summary (季小结): the three months, the quarter mean and the problems recorded.

    months 92.00 称职, 未考核, 96.50 优秀 → quarter mean 94.25 (mean of the scored months)
    problems: 履职扣分 with 事由, 不称职 months, weekly forms missing or rejected, months not rated
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pandas as pd

from workbook_engine.periods import Quarter
from workbook_engine.policy import Policy
from workbook_engine.roster import Roster
from workbook_engine.scoring.frames import records
from workbook_engine.scoring.monthly import (
    INCOMPLETE,
    MISSING,
    NOT_ASSESSED,
    NOT_IN_POST,
    SCORED,
)


def _problems(person_id: str, months: list[str], monthly: dict, weeks_by_month: dict,
              handed_in: set, rejected: Counter, policy: Policy) -> list[str]:
    notes = []
    for month in months:
        line = monthly.get((person_id, month))
        status = line["status"] if line else MISSING
        if status == SCORED and line["deduction"]:
            notes.append(f"{month} 履职扣分 {line['deduction']:f}（{line['reason'] or '未注明'}）")
        if status == SCORED and line["grade"] == policy.lowest_grade:
            notes.append(f"{month} {policy.lowest_grade}")
        if status in (INCOMPLETE, MISSING):
            notes.append(f"{month} 月度评分{'不完整' if status == INCOMPLETE else '未交'}")
        if status == NOT_ASSESSED:
            notes.append(f"{month} 未考核")
        missing = [w for w in weeks_by_month[(person_id, month)] if (person_id, w) not in handed_in]
        if missing and status not in (NOT_ASSESSED, NOT_IN_POST):
            notes.append(f"{month} 周考评表未交 {len(missing)} 周")
    if rejected[person_id]:
        notes.append(f"周考评表被退回 {rejected[person_id]} 次")
    return notes


def quarterly_summary(monthly: pd.DataFrame, weekly: pd.DataFrame, rejected: Counter,
                      roster: Roster, policy: Policy, quarter: Quarter) -> pd.DataFrame:
    """One line per assessed person; `rejected` counts rejected weekly forms by 工号."""
    months = [str(m) for m in quarter.months()]
    by_key = {(r["staff_id"], r["month"]): r for r in records(monthly)}
    handed_in = {(r["staff_id"], r["week"]) for r in records(weekly)}
    lines = []
    for person in roster.assessed():
        weeks_by_month = {  # only the weeks the person was in post (on their Thursday)
            (person.staff_id, str(m)): [str(w) for w in roster.weeks_in_post(person.staff_id,
                                                                            m.weeks())]
            for m in quarter.months()}
        line = {"staff_id": person.staff_id, "name": person.name, "section": person.section}
        scores = []
        for index, month in enumerate(months, start=1):
            entry = by_key.get((person.staff_id, month))
            status = entry["status"] if entry else MISSING
            line[f"m{index}_score"] = entry["score"] if entry and status == SCORED else None
            line[f"m{index}_grade"] = entry["grade"] if status == SCORED else status
            if status == SCORED:
                scores.append(entry["score"])
        line["quarter_mean"] = (policy.round_score(sum(scores, Decimal(0)) / len(scores))
                                if scores else None)
        line["months_scored"] = len(scores)
        line["problems"] = "；".join(_problems(person.staff_id, months, by_key, weeks_by_month,
                                              handed_in, rejected, policy))
        lines.append(line)
    return pd.DataFrame(lines, dtype=object)


def section_averages(summary: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Per 股室: people, people with a quarter mean, and the average of those means."""
    rows = []
    for section, group in summary.groupby("section", sort=False):
        means = [m for m in group["quarter_mean"] if m is not None and not pd.isna(m)]
        average = policy.round_score(sum(means, Decimal(0)) / len(means)) if means else None
        rows.append({"section": section, "people": len(group), "scored": len(means),
                     "average": average})
    return pd.DataFrame(rows, columns=["section", "people", "scored", "average"])
