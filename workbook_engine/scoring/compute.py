"""Gather the inputs of a period (store, ledger, roster, policy) and run the scoring rules.

This is the library entry point the CLI and the reports use; the rules themselves are pure
functions in the sibling modules.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import pandas as pd

from workbook_engine import store
from workbook_engine.frozen import roster_from_json
from workbook_engine.issues import WARNING, Issue
from workbook_engine.ledger import Ledger, load_ledger
from workbook_engine.periods import Month, Quarter, Year, parse_month, parse_week
from workbook_engine.roster import Roster
from workbook_engine.scoring.annual import annual_scores
from workbook_engine.scoring.leave import leave_points
from workbook_engine.scoring.monthly import (
    Line,
    lines_frame,
    monthly_lines,
    monthly_scores,
    not_in_post_lines,
    talk_list,
)
from workbook_engine.scoring.points import activity_points, document_points
from workbook_engine.scoring.quarterly import quarterly_summary, section_averages
from workbook_engine.workspace import Inputs, Workspace


def pending_problems(conn, months: list[str]) -> list[Issue]:
    """Forms that arrived for a signed-off period of these months and wait to be counted."""
    problems = []
    for entry in store.pending_amendments(conn):
        period = entry["period"]
        month = str(parse_week(period).month) if "-W" in period else period
        if month in months:
            problems.append(Issue(
                code="amendment.pending", severity=WARNING, file=entry["file"],
                message=f"待修订：{entry['form_key']} 所属期间已签批，重新开启（reopen）后才计入"))
    return problems


@contextmanager
def _connection(workspace: Workspace, conn):
    """The caller's connection (for one consistent snapshot), or a fresh one closed after."""
    if conn is not None:
        yield conn
        return
    with workspace.connect() as own:
        yield own


def _weekly_frame(conn, months: list[str]) -> pd.DataFrame:
    columns = ["staff_id", "week", "month", "chief_grade", "leader_grade", "file"]
    return pd.DataFrame(store.weekly_rows_of(conn, months), columns=columns)


@dataclass
class MonthResult:
    month: Month
    scores: pd.DataFrame
    talk: pd.DataFrame
    weekly: pd.DataFrame
    problems: list[Issue]
    roster: Roster | None = None  # the bureau of the month (in post on any working day)


def compute_month(workspace: Workspace, month: Month, conn=None,
                  inputs: Inputs | None = None) -> MonthResult:
    inputs = inputs or workspace.inputs()
    with _connection(workspace, conn) as conn:
        rows = store.monthly_rows_of(conn, [str(month)])
        weekly = _weekly_frame(conn, [str(month)])
        waiting = pending_problems(conn, [str(month)])
        frozen = store.frozen_states(conn, [str(month)])
    roster = month_roster(inputs, str(month), frozen)
    scores, problems = monthly_scores(rows, roster, inputs.policy, str(month))
    return MonthResult(month, scores, talk_list(scores, inputs.policy), weekly,
                       inputs.problems + waiting + problems, roster)


@dataclass
class QuarterResult:
    quarter: Quarter
    summary: pd.DataFrame
    sections: pd.DataFrame
    monthly: pd.DataFrame
    problems: list[Issue]


def month_roster(inputs: Inputs, month: str, frozen: dict[str, str]) -> Roster:
    """The bureau of a month: as kept at its sign-off while it is signed off, else the
    roster's state for the month."""
    if month in frozen:
        return roster_from_json(frozen[month], inputs.roster.history)
    return inputs.roster.for_period(parse_month(month))


def period_roster(inputs: Inputs, period, frozen: dict[str, str]) -> Roster:
    """The bureau of a quarter or year; people of a signed month stay in it whatever the
    roster says now (frozen means frozen)."""
    roster = inputs.roster.for_period(period)
    extra = {}
    for text in frozen.values():
        for person in roster_from_json(text).assessed():
            now = roster.person(person.staff_id)
            if (now is None or not (now.in_post and now.assessed)) and \
                    person.staff_id not in extra:
                extra[person.staff_id] = person
    if not extra:
        return roster
    return dataclasses.replace(roster, people={**roster.people, **extra})


def _all_months(conn, inputs: Inputs, months: list[str], period: Roster,
                frozen: dict[str, str], sources: bool = True) -> tuple[list[Line], list[Issue]]:
    """Every month's lines, each month scored on the bureau of that month; a person of the
    period not in post in a month gets a 未在岗 line for it (never 未交, never in a mean).
    The stored rows are read one month at a time (a year of a large bureau is never all in
    memory as rows)."""
    lines, problems = [], []
    for month in months:
        roster = month_roster(inputs, month, frozen)
        found_lines, found = monthly_lines(store.monthly_rows_of(conn, [month]), roster,
                                           inputs.policy, month, sources)
        lines += found_lines
        lines += not_in_post_lines(period, roster, month)
        problems += found
    return lines, problems


def compute_quarter(workspace: Workspace, quarter: Quarter, conn=None,
                    inputs: Inputs | None = None) -> QuarterResult:
    inputs = inputs or workspace.inputs()
    months = [str(m) for m in quarter.months()]
    with _connection(workspace, conn) as conn:
        frozen = store.frozen_states(conn, months)
        roster = period_roster(inputs, quarter, frozen)
        lines, problems = _all_months(conn, inputs, months, roster, frozen)
        weekly = _weekly_frame(conn, months)
        waiting = pending_problems(conn, months)
        weeks = [str(w) for m in quarter.months() for w in m.weeks()]
        rejected = Counter()
        for entry in store.rejected_for_periods(conn, weeks):
            rejected[entry["staff_id"]] += 1
    monthly = lines_frame(lines)
    summary = quarterly_summary(monthly, weekly, rejected, roster, inputs.policy, quarter)
    return QuarterResult(quarter, summary, section_averages(summary, inputs.policy), monthly,
                         inputs.problems + waiting + problems)


@dataclass
class YearResult:
    year: Year
    annual: pd.DataFrame
    points: pd.DataFrame
    ledger: Ledger
    problems: list[Issue]
    ledger_issues: list[Issue]
    lines: list[Line] | None = field(default_factory=list, repr=False)  # see monthly_lines
    talk_lines: list[Line] = field(default_factory=list)  # graded the lowest grade (诫勉谈话)

    @property
    def monthly_lines(self) -> list[Line]:
        """The year's lines, month by month (not after release_lines)."""
        if self.lines is None:
            raise RuntimeError("the year's monthly lines were released (release_lines)")
        return self.lines

    def release_lines(self) -> None:
        """Let the year's lines go (the year report, once its tables are made: a large
        bureau's year is 12 lines a person); `monthly` and `monthly_lines` refuse after."""
        self.lines = None
        self.__dict__.pop("monthly", None)

    @cached_property
    def monthly(self) -> pd.DataFrame:
        """`monthly_lines` as a frame, built when first asked for (the year report does not
        need the whole year as a frame)."""
        return lines_frame(self.monthly_lines)


def compute_year(workspace: Workspace, year: Year, pool: Decimal | None = None,
                 conn=None, inputs: Inputs | None = None, sources: bool = True) -> YearResult:
    """The year; `sources=False` leaves the monthly lines' sources out except where a
    履职扣分 was made (see monthly_lines)."""
    inputs = inputs or workspace.inputs()
    months = [str(m) for m in year.months()]
    with _connection(workspace, conn) as conn:
        frozen = store.frozen_states(conn, months)
        roster = period_roster(inputs, year, frozen)  # everyone in post some time in the year
        lines, problems = _all_months(conn, inputs, months, roster, frozen, sources)
        waiting = pending_problems(conn, months)
    ledger, ledger_issues = load_ledger(workspace.ledger_path, inputs.roster, inputs.policy)
    name = workspace.ledger_path.name
    leave, leave_problems = leave_points(ledger.leave, roster, inputs.policy, name)
    points = pd.concat([
        document_points(ledger.documents, inputs.roster, name),
        activity_points(ledger.activities, inputs.policy.activity_points, name),
        leave,
    ], ignore_index=True)
    annual, annual_problems = annual_scores(lines, points, roster, inputs.policy, pool)
    lowest = inputs.policy.lowest_grade
    return YearResult(year, annual, points, ledger,
                      inputs.problems + waiting + problems + leave_problems + annual_problems,
                      ledger_issues, lines, [line for line in lines if line.grade == lowest])
