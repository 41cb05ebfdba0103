"""Annual score = A + min(B, cap) − D (SPEC §5), then grade, rank, candidates and bonus.

    A = mean of the scored months (rounded half-up to 2 places, as printed)
    B = commendations + unused leave + activities;   D = criticisms + excess private leave
    A 92.50, B 35, D 5, cap 30 → 92.50 + 30 − 5 = 117.50
People without a scored month get no annual score and no rank; they are a data problem.
A person not in post on 31 December (left during the year) is listed with their figures but,
unless the policy's annual.leavers_* keys say otherwise, not ranked, not a candidate and
not in the bonus pool: 年末不在岗.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from workbook_engine.issues import WARNING, Issue
from workbook_engine.policy import Policy
from workbook_engine.roster import Roster
from workbook_engine.scoring import ranking
from workbook_engine.scoring.frames import records
from workbook_engine.scoring.monthly import SCORED, Line
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


LEFT = "年末不在岗"


def annual_scores(monthly: pd.DataFrame | list[Line], points: pd.DataFrame, roster: Roster,
                  policy: Policy, pool: Decimal | None = None) -> tuple[pd.DataFrame, list[Issue]]:
    """One line per person assessed at some time of the year (`roster` is the year's state),
    the SPEC §6 year columns, in roster order.

    `monthly` are the monthly lines of the year (a frame, or the Lines)."""
    at_end = roster.at_year_end(policy.year)
    totals = _totals(points)
    by_person: dict[str, list[Decimal]] = {}
    if isinstance(monthly, pd.DataFrame):
        found = zip(monthly["status"], monthly["staff_id"], monthly["score"])
    else:
        found = ((line.status, line.staff_id, line.score) for line in monthly)
    for status, staff_id, score in found:
        if status == SCORED:
            by_person.setdefault(staff_id, []).append(score)
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
        end = at_end.person(person.staff_id)
        line["_left"] = end is None or not end.in_post
        line["_roster_ranked"] = person.ranked
        line["_ranked"] = person.ranked and (policy.leavers_ranked or not line["_left"])
        lines.append(line)
    _rank(lines, policy)
    _bonus(lines, policy, pool)
    frame = pd.DataFrame(lines, columns=[*COLUMNS, "_ranked", "_roster_ranked", "_left"],
                         dtype=object)
    frame["left"] = frame.pop("_left")
    frame = frame.drop(columns=["_ranked", "_roster_ranked"])
    return frame, problems


def _rank(lines: list[dict], policy: Policy) -> None:
    ranked = [line for line in lines if line["_ranked"] and line["score"] is not None]
    scores = [line["score"] for line in ranked]
    for line, rank, pick in zip(ranked, ranking.competition_ranks(scores),
                                ranking.candidates(scores, policy.candidate_ratio), strict=True):
        line["rank"], line["candidate"] = rank, pick
    for line in lines:
        if line["_left"] and not policy.leavers_candidates and line["candidate"]:
            line["candidate"] = f"{ranking.NO}（{LEFT}）"
        if line["rank"] is None:
            line["candidate"] = "" if line["score"] is None else (
                LEFT if line["_left"] and person_ranked(line) else "不参加排名")


def person_ranked(line: dict) -> bool:
    """The roster's 参加排名 (before the year-end rule)."""
    return line["_roster_ranked"]


def _bonus(lines: list[dict], policy: Policy, pool: Decimal | None) -> None:
    for line in lines:
        if line["score"] is None or (line["_left"] and not policy.leavers_in_bonus_pool):
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
