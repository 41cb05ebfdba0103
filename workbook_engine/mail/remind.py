"""`mail remind`: only to those whose form is missing and to reviewers a form waits for.

The states come from `status` (reports/status.py: week_states, month_editions), so a
reminder goes exactly to the people `status` shows as 未交, and to the 股室长 or 分管领导
named in its 待初评（…）/ 待评定（…）. Each person gets at most one reminder a day (the
key holds the day); `--force` sends again.

    2026-W10: 吴敏 未交 → "提醒：2026年第10周周考评表尚未收到" (the blank form attached again)
              郑磊 待初评（周强） → 周强: "有 1 份周考评表等待您评分" (郑磊's form attached)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from workbook_engine.forms.outbox import monthly_plan, weekly_plan
from workbook_engine.mail import texts
from workbook_engine.mail.addresses import Addresses
from workbook_engine.mail.compose import Outgoing
from workbook_engine.mail.forms import deadlines
from workbook_engine.mail.outgoing import NoAddress, SendReport
from workbook_engine.periods import Month, Week
from workbook_engine.reports.status import NOT_IN, WAIT_INITIAL, month_editions, week_states
from workbook_engine.workspace import Workspace

ACTION = "remind"


def _key(period, staff_id: str, today: dt.date) -> str:
    return f"{period}:{staff_id}:{today.isoformat()}"


def weekly_reminders(workspace: Workspace, conn, week: Week, addresses: Addresses,
                     report: SendReport, today: dt.date) -> list[Outgoing]:
    inputs = workspace.inputs()  # roster errors were refused before (actions.addresses)
    policy, roster = inputs.policy, inputs.roster
    due = texts.due_date(week.sunday, deadlines(policy).weekly_due_working_days)
    blanks = {person.staff_id: target for target, _, person in weekly_plan(workspace, week)}
    items: list[Outgoing] = []
    waiting = defaultdict(list)
    for entry in week_states(conn, roster, week):
        if entry.state == NOT_IN:
            items += _missing(entry.person, f"{week.label}的周考评表", blanks.get(entry.person.staff_id),
                              due, policy.unit_name, addresses, report, _key(week, entry.person.staff_id, today))
        elif entry.reviewer is not None:
            waiting[entry.reviewer.staff_id].append(entry)
    for reviewer_id, entries in waiting.items():
        reviewer = roster.person(reviewer_id)
        address = addresses.of(reviewer_id)
        if not address:
            report.no_address.append(NoAddress(reviewer_id, reviewer.name, "待评分提醒"))
            continue
        lines, files = [], []
        for entry in entries:
            step = "初评" if entry.state == WAIT_INITIAL else "评定"
            lines.append(f"{entry.person.name}（{entry.person.staff_id}，{entry.person.section}）"
                         f"{week.label}的周考评表，待您{step}")
            stored = workspace.root / entry.form["stored_path"]
            if stored.is_file():
                files.append((entry.form["file"], stored.read_bytes()))
        subject, body = texts.waiting_review(reviewer.name, lines, len(files), policy.unit_name)
        items.append(Outgoing(ACTION, (_key(week, reviewer_id, today),), reviewer_id,
                              reviewer.name, address, subject, body, tuple(files)))
    return items


def monthly_reminders(workspace: Workspace, conn, month: Month, addresses: Addresses,
                      report: SendReport, today: dt.date) -> list[Outgoing]:
    inputs = workspace.inputs()  # roster errors were refused before (actions.addresses)
    policy, roster = inputs.policy, inputs.roster
    due = texts.due_date(month.last_day, deadlines(policy).monthly_due_working_days)
    blanks = {form.rater_id: target for target, form in monthly_plan(workspace, month)
              if form.rater_id}
    items: list[Outgoing] = []
    for rater, got in month_editions(conn, roster, month):
        if got is None:
            items += _missing(rater, f"{month.label}月考评表（领导评分）", blanks.get(rater.staff_id),
                              due, policy.unit_name, addresses, report,
                              _key(month, rater.staff_id, today))
    return items


def _missing(person, what: str, blank, due, unit: str, addresses: Addresses,
             report: SendReport, key: str) -> list[Outgoing]:
    address = addresses.of(person.staff_id)
    if not address:
        report.no_address.append(NoAddress(person.staff_id, person.name, f"{what}催交"))
        return []
    attached = ((blank.name, blank.read_bytes()),) if blank is not None and blank.is_file() else ()
    subject, body = texts.missing_form(person.name, what, due, unit, bool(attached))
    return [Outgoing(ACTION, (key,), person.staff_id, person.name, address, subject, body,
                     attached)]
