"""Who has handed in what: a week's weekly forms, a month's editions, rejected and pending files.

    week_status(...) → rows like ("1002", "周一", "办公室", "待评定", "称职", "", "周一.xlsx", "")
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from workbook_engine import store
from workbook_engine.forms import layout
from workbook_engine.forms.outbox import weekly_summary
from workbook_engine.periods import Month, Week
from workbook_engine.policy import Policy
from workbook_engine.roster import Person, Roster

NOT_IN, WAIT_INITIAL, WAIT_FINAL, DONE = layout.NOT_SUBMITTED, "待初评", layout.AWAITING_FINAL, "已完成"


@dataclass
class StatusTable:
    """A titled table for the terminal and for the status workbook."""

    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    summary: str = ""


@dataclass(frozen=True)
class DueEdition:
    """One monthly edition due for a month, and the form received for it (None: not in)."""

    edition: str
    who: str  # shown: 「姓名（工号）」 of the rater, or 考核办
    section: str
    form: dict | None

    @property
    def label(self) -> str:
        return layout.EDITION_LABELS[self.edition]


def due_editions(conn, roster: Roster, month: Month) -> list[DueEdition]:
    """Every monthly edition due for the month (one per final rater, one of the office),
    with what was received: the one place that knows who still owes a monthly form."""
    editions = store.monthly_forms_of(conn, str(month))
    due = [DueEdition(layout.LEADER_EDITION, f"{rater.name}（{rater.staff_id}）", rater.section,
                      editions.get((layout.LEADER_EDITION, rater.staff_id)))
           for rater in roster.final_raters()]
    due.append(DueEdition(layout.OFFICE_EDITION, "考核办", "",
                          editions.get((layout.OFFICE_EDITION, ""))))
    return due


def _rejected_by_person(conn, periods: list[str]) -> Counter:
    counts: Counter = Counter()
    for entry in store.rejected_for_periods(conn, periods):
        counts[entry["staff_id"]] += 1
    return counts


@dataclass(frozen=True)
class WeekState:
    """Where one assessed person's weekly form is, and whose turn it is (None: nobody's)."""

    person: Person
    form: dict | None
    state: str
    reviewer: Person | None


def week_states(conn, roster: Roster, week: Week) -> list[WeekState]:
    """Every assessed person's form state in the week: the one computation status and
    `mail remind` share; the bureau is the one of the week's Thursday."""
    roster = roster.for_period(week)
    forms = store.weekly_forms_of(conn, str(week))
    states = []
    for person in roster.assessed():
        form = forms.get(person.staff_id)
        if form is None:
            state = NOT_IN
        elif roster.needs_initial_rating(person) and not form["chief_grade"]:
            state = WAIT_INITIAL
        elif not form["leader_grade"]:
            state = WAIT_FINAL
        else:
            state = DONE
        reviewer = {WAIT_INITIAL: roster.initial_rater(person),
                    WAIT_FINAL: roster.final_rater(person)}.get(state)
        states.append(WeekState(person, form, state, reviewer))
    return states


def week_status(conn, roster: Roster, week: Week) -> StatusTable:
    rejected = _rejected_by_person(conn, [str(week)])
    table = StatusTable(f"{week.label} 周考评表收取情况",
                        ("工号", "姓名", "股室", "状态", "初评", "评定", "文件", "被退回"))
    states: Counter = Counter()
    for entry in week_states(conn, roster, week):
        person, form, state, reviewer = entry.person, entry.form, entry.state, entry.reviewer
        states[state] += 1
        shown = f"{state}（{reviewer.name}）" if reviewer is not None else state
        returned = rejected.get(person.staff_id, 0)
        table.rows.append((person.staff_id, person.name, person.section, shown,
                           form["chief_grade"] if form else "", form["leader_grade"] if form else "",
                           form["file"] if form else "", f"{returned} 次" if returned else ""))
    table.summary = "，".join(f"{k} {states[k]} 人" for k in (DONE, WAIT_FINAL, WAIT_INITIAL, NOT_IN)
                             if states[k])
    return table


def month_editions(conn, roster: Roster, month: Month) -> list[tuple[Person, dict | None]]:
    """Each final rater of the month's bureau with their leader edition (None: not in)."""
    roster = roster.for_period(month)
    editions = store.monthly_forms_of(conn, str(month))
    return [(rater, editions.get((layout.LEADER_EDITION, rater.staff_id)))
            for rater in roster.final_raters()]


def month_status(conn, roster: Roster, policy: Policy, month: Month) -> list[StatusTable]:
    roster = roster.for_period(month)  # everyone in post on a working day of the month
    raters = StatusTable(f"{month.label} 月考评表收取情况", ("评分表", "评分人", "状态", "文件"))
    for due in due_editions(conn, roster, month):
        raters.rows.append((due.label, due.who, "已交" if due.form else NOT_IN,
                            due.form["file"] if due.form else ""))
    missing = sum(1 for row in raters.rows if row[2] == NOT_IN)
    raters.summary = f"应交 {len(raters.rows)} 份，未交 {missing} 份"
    weeks = [str(w) for w in month.weeks()]
    grades = store.weekly_grades(conn, weeks)
    weeks_of = {p.staff_id: [str(w) for w in roster.weeks_in_post(p.staff_id, month.weeks())]
                for p in roster.assessed()}
    rejected = _rejected_by_person(conn, weeks + [str(month)])
    weekly = StatusTable(f"{month.label} 各周周考评情况", (*layout.MONTHLY_ID_HEADERS, layout.WEEKLY_SUMMARY_HEADER, "被退回"))
    for person in roster.assessed():
        summary = weekly_summary([grades.get((person.staff_id, w))
                                  for w in weeks_of[person.staff_id]], policy.grade_names)
        returned = rejected.get(person.staff_id, 0)
        weekly.rows.append((person.staff_id, person.name, person.section, summary,
                            f"{returned} 次" if returned else ""))
    return [raters, weekly]


def pending_status(conn) -> StatusTable:
    table = StatusTable("待处理的修订（所属期间已签批，需重新开启后才计入）",
                        ("表格", "期间", "文件", "收到时间"))
    for entry in store.pending_amendments(conn):
        table.rows.append((entry["form_key"], entry["period"], entry["file"],
                           entry["received_at"].replace("T", " ")))
    return table
