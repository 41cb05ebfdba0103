"""Annual score = A + min(B, cap) − D (SPEC §5), then grade, rank, candidates and bonus.

    A = mean of the scored months (rounded half-up to 2 places, as printed)
    B = commendations + unused leave + activities;   D = criticisms + excess private leave
    A 92.50, B 35, D 5, cap 30 → 92.50 + 30 − 5 = 117.50
People without a scored month get no annual score and no rank; they are a data problem.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from workbook_engine.issues import WARNING, Issue
from workbook_engine.policy import Policy
from workbook_engine.roster import Roster
from workbook_engine.scoring import ranking
from workbook_engine.scoring.frames import records
from workbook_engine.scoring.monthly import SCORED
from workbook_engine.scoring.points import BONUS, DEDUCTION

COLUMNS = ("staff_id", "name", "section", "months", "mean", "bonus_total", "bonus_counted",
           "deduction_total", "score", "grade", "rank", "candidate", "coefficient", "amount")
ZERO = Decimal(0)


def _totals(points: pd.DataFrame) -> dict[tuple[str, str], Decimal]:
    totals: dict[tuple[str, str], Decimal] = {}
    for row in records(points):
        key = (row["staff_id"], row["direction"])
        totals[key] = totals.get(key, ZERO) + row["points"]
    return totals


def _mean(values: list[Decimal], policy: Policy) -> Decimal:
    return policy.round_score(sum(values, ZERO) / len(values))


def annual_scores(monthly: pd.DataFrame | list[dict], points: pd.DataFrame, roster: Roster,
                  policy: Policy, pool: Decimal | None = None) -> tuple[pd.DataFrame, list[Issue]]:
    """One line per assessed person: the SPEC §6 year columns, in roster order.

    `monthly` are the monthly lines of the year (a frame, or its records)."""
    totals = _totals(points)
    by_person: dict[str, list[Decimal]] = {}
    for row in records(monthly) if isinstance(monthly, pd.DataFrame) else monthly:
        if row["status"] == SCORED:
            by_person.setdefault(row["staff_id"], []).append(row["score"])
    lines, problems = [], []
    for person in roster.assessed():
        line = dict.fromkeys(COLUMNS, None)
        bonus = totals.get((person.staff_id, BONUS), ZERO)
        deduction = totals.get((person.staff_id, DEDUCTION), ZERO)
        months = by_person.get(person.staff_id, [])
        line.update(staff_id=person.staff_id, name=person.name, section=person.section,
                    months=len(months), bonus_total=bonus, deduction_total=deduction,
                    bonus_counted=min(bonus, policy.bonus_cap), grade="", rank=None,
                    candidate="", coefficient=None)
        if months:
            line["mean"] = _mean(months, policy)
            line["score"] = policy.round_score(line["mean"] + line["bonus_counted"] - deduction)
            line["grade"] = policy.grade_of(line["score"])
        else:
            problems.append(Issue(code="annual.no_months", severity=WARNING,
                                  message=f"{person.name}（{person.staff_id}）全年没有计分的月份，"
                                          "无年度得分"))
        line["_ranked"] = person.ranked
        lines.append(line)
    _rank(lines, policy)
    _bonus(lines, policy, pool)
    frame = pd.DataFrame(lines, columns=[*COLUMNS, "_ranked"], dtype=object).drop(columns="_ranked")
    return frame, problems


def _rank(lines: list[dict], policy: Policy) -> None:
    ranked = [line for line in lines if line["_ranked"] and line["score"] is not None]
    scores = [line["score"] for line in ranked]
    for line, rank, pick in zip(ranked, ranking.competition_ranks(scores),
                                ranking.candidates(scores, policy.candidate_ratio), strict=True):
        line["rank"], line["candidate"] = rank, pick
    for line in lines:
        if line["rank"] is None:
            line["candidate"] = "" if line["score"] is None else "不参加排名"


def _bonus(lines: list[dict], policy: Policy, pool: Decimal | None) -> None:
    for line in lines:
        if line["score"] is None:
            continue
        if line["grade"] == policy.lowest_grade:
            line["coefficient"] = Decimal("0").quantize(Decimal(1).scaleb(-policy.coefficient_places))
        else:
            line["coefficient"] = policy.round_coefficient(line["score"] / policy.coefficient_divisor)
    if pool is None:
        return
    paid = [line for line in lines if line["coefficient"] is not None]
    amounts = ranking.allocate(pool, [line["coefficient"] for line in paid])
    for line, amount in zip(paid, amounts, strict=True):
        line["amount"] = amount
