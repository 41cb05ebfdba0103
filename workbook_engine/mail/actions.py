"""The four mail commands as library calls: each loads what it needs, holds the mail lock,
does its work and returns a report (the CLI only prints it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from workbook_engine.issues import InputError, Issue, has_errors
from workbook_engine.lock import workspace_lock
from workbook_engine.mail import forms, remind, returns
from workbook_engine.mail.addresses import Addresses, load_addresses
from workbook_engine.mail.config import MAIL_FILE, MailConfig, load_mail_config
from workbook_engine.mail.fetch import FetchReport, fetch_new
from workbook_engine.mail.outgoing import SendReport, deliver
from workbook_engine.periods import Month, Week
from workbook_engine.workspace import Workspace

Progress = Callable[[Iterable], Iterable]
Password = Callable[[], "str | None"]


def mail_config(workspace: Workspace) -> MailConfig:
    return load_mail_config(workspace.root / MAIL_FILE)


def addresses(workspace: Workspace) -> tuple[Addresses, list[Issue]]:
    """The roster's 邮箱 column; errors in the roster or the column stop the command."""
    _, roster_issues = workspace.roster()
    found, issues = load_addresses(workspace.roster_path)
    if has_errors(roster_issues + issues):
        raise InputError([i for i in roster_issues + issues if i.is_error])
    return found, issues


def _lock(workspace: Workspace):
    return workspace_lock(workspace.engine_dir / "mail.lock", "邮件收发（mail）")


def send_forms(workspace: Workspace, period: Week | Month, password: Password,
               progress: Progress, resend: bool = False) -> tuple[SendReport, list[Issue]]:
    config = mail_config(workspace)
    server = config.need("smtp")
    found, warnings = addresses(workspace)
    report = SendReport(forms.ACTION)
    with _lock(workspace), workspace.connect() as conn:
        if isinstance(period, Week):
            items = forms.weekly_items(workspace, period, found, report)
        else:
            items = forms.monthly_items(workspace, period, found, report)
        deliver(conn, server, password, items, report, progress, resend)
    return report, warnings


def send_reminders(workspace: Workspace, period: Week | Month, password: Password,
                   progress: Progress, force: bool = False,
                   today: dt.date | None = None) -> tuple[SendReport, list[Issue]]:
    config = mail_config(workspace)
    server = config.need("smtp")
    found, warnings = addresses(workspace)
    report = SendReport(remind.ACTION)
    today = today or dt.date.today()
    with _lock(workspace), workspace.connect() as conn:
        if isinstance(period, Week):
            items = remind.weekly_reminders(workspace, conn, period, found, report, today)
        else:
            items = remind.monthly_reminders(workspace, conn, period, found, report, today)
        deliver(conn, server, password, items, report, progress, resend=force)
    return report, warnings


def send_returns(workspace: Workspace, password: Password, progress: Progress) -> SendReport:
    config = mail_config(workspace)
    server = config.need("smtp")
    policy = workspace.policy()
    found, _ = load_addresses(workspace.roster_path)  # only to recognise staff senders
    known = {address.lower() for address in found.by_id.values()}
    report = SendReport(returns.ACTION)
    with _lock(workspace), workspace.connect() as conn:
        items = returns.return_items(conn, policy.unit_name, server.sender_address, known,
                                     report)
        deliver(conn, server, password, items, report, progress)
    return report


def fetch(workspace: Workspace, password: Password, progress: Progress) -> FetchReport:
    """Save the new messages into inbox/; the caller runs ingest afterwards."""
    config = mail_config(workspace)
    server = config.need("imap")
    workspace.policy()  # a broken policy stops us before touching the server
    with _lock(workspace), workspace.connect() as conn:
        return fetch_new(workspace, conn, server, password(), progress)
