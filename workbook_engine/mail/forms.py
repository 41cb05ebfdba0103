"""`mail send`: each generated form of the period to its person (weekly) or rater (monthly).

    outbox/2026-W10/规划股/2026-W10_周考评表_2102_吴敏.xlsx  →  wumin@163.com
    outbox/2026-03/2026-03_月考评表_领导评分_1002_李明.xlsx  →  liming@163.com
    (the office edition stays with the office; people without an address are listed)

Logged per form (`2026-W10:weekly:2102`, `2026-03:leader:1002`): a re-run sends only what
was not sent; `--resend` sends everything again.
"""

from __future__ import annotations

from pathlib import Path

from workbook_engine.forms import layout
from workbook_engine.forms.outbox import monthly_plan, weekly_plan
from workbook_engine.issues import InputError, Issue
from workbook_engine.mail import texts
from workbook_engine.mail.addresses import Addresses
from workbook_engine.mail.compose import Outgoing
from workbook_engine.mail.outgoing import NoAddress, SendReport
from workbook_engine.periods import Month, Week
from workbook_engine.policy import MailDeadlines, Policy
from workbook_engine.workspace import Workspace

ACTION = "send"


def deadlines(policy: Policy, file: str = "policy.toml") -> MailDeadlines:
    if policy.mail is None:
        message = ("缺少 [mail] 一节（邮件中写明的交表期限）。请在文件末尾加上：\n"
                   "[mail]\nweekly_due_working_days = 1\nmonthly_due_working_days = 3")
        raise InputError([Issue(code="policy.missing_key", message=message, file=file,
                                key="mail")])
    return policy.mail


def _form_mail(report: SendReport, addresses: Addresses, person, target: Path, form: str,
               listed_as: str, command: str, key: str,
               words: tuple[str, str]) -> Outgoing | None:
    """The mail (subject and body: `words`) carrying one generated form to `person`; None,
    said in the report, when the person has no address (listed as `listed_as`) or the form
    is not generated yet."""
    address = addresses.of(person.staff_id)
    if not address:
        report.no_address.append(NoAddress(person.staff_id, person.name, listed_as))
        return None
    if not target.is_file():
        report.notes.append(f"{person.name}（{person.staff_id}）的{form}尚未生成："
                            f"请先运行 workbook-engine {command}")
        return None
    subject, body = words
    return Outgoing(ACTION, (key,), person.staff_id, person.name, address, subject, body,
                    ((target.name, target.read_bytes()),))


def weekly_items(workspace: Workspace, week: Week, addresses: Addresses,
                 report: SendReport) -> list[Outgoing]:
    policy = workspace.policy()
    due = texts.due_date(week.sunday, deadlines(policy).weekly_due_working_days)
    items = []
    for target, form, person in weekly_plan(workspace, week):
        identity = form.identity
        item = _form_mail(
            report, addresses, person, target, "周考评表", "周考评表",
            f"forms weekly --week {week}", f"{week}:weekly:{person.staff_id}",
            texts.weekly_form(person.name, week, target.name, identity.chief_name,
                              identity.final_rater_name, due, policy.unit_name))
        if item is not None:
            items.append(item)
    return items


def monthly_items(workspace: Workspace, month: Month, addresses: Addresses,
                  report: SendReport) -> list[Outgoing]:
    inputs = workspace.inputs()  # roster errors were refused before (actions.addresses)
    policy, roster = inputs.policy, inputs.roster
    due = texts.due_date(month.last_day, deadlines(policy).monthly_due_working_days)
    headers = "、".join(item.header for item in policy.leader_items)
    items = []
    for target, form in monthly_plan(workspace, month):
        if form.edition != layout.LEADER_EDITION:
            report.notes.append(f"考核办评分表 {target.name} 由考核办自己填写，不发送")
            continue
        rater = roster.person(form.rater_id)
        item = _form_mail(
            report, addresses, rater, target, "月考评表", "月考评表（领导评分）",
            f"forms monthly --month {month}", f"{month}:leader:{rater.staff_id}",
            texts.monthly_form(rater.name, month, target.name, len(form.rows), headers, due,
                               policy.unit_name))
        if item is not None:
            items.append(item)
    return items
