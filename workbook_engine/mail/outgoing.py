"""Sending a batch of messages over SMTP, each logged in the store as it is accepted.

A message counts as sent once the server has accepted it (250 after DATA); its keys are
then written to the mail log in the same moment, so a re-run skips it. A fault that stops
the connection (refused, wrong password, TLS, a server that drops) ends the batch: what was
accepted stays logged, the rest is reported as not sent, and the next run sends the rest.
A refusal of one message (too big, a recipient refused) is logged and the batch goes on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from workbook_engine import store
from workbook_engine.mail.compose import Outgoing, build_message
from workbook_engine.mail.config import Server
from workbook_engine.mail.transport import MailFault, SmtpSession

Progress = Callable[[Iterable], Iterable]


@dataclass
class NoAddress:
    """Someone a message was meant for who has no (valid) address."""

    staff_id: str
    name: str
    what: str


@dataclass
class SendReport:
    """What one `mail send|remind|returns` run did, and did not do."""

    action: str
    sent: list[Outgoing] = field(default_factory=list)
    already: list[Outgoing] = field(default_factory=list)
    failed: list[tuple[Outgoing, str]] = field(default_factory=list)
    not_tried: list[Outgoing] = field(default_factory=list)
    no_address: list[NoAddress] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fault: MailFault | None = None

    @property
    def ok(self) -> bool:
        return self.fault is None and not self.failed


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def deliver(conn, server: Server, password: Callable[[], str | None], items: list[Outgoing],
            report: SendReport, progress: Progress, resend: bool = False) -> SendReport:
    """Send the items not sent before (all of them with `resend`), logging each one."""
    done = set() if resend else store.mail_sent_keys(conn, report.action)
    todo = []
    for item in items:
        (report.already if set(item.keys) <= done else todo).append(item)
    if not todo:
        return report
    remaining = list(todo)
    try:
        with SmtpSession(server, password()) as session:
            for item in progress(todo):
                _send_one(conn, session, server, item, report)
                remaining.remove(item)
    except MailFault as fault:
        report.fault = fault
        report.not_tried = remaining
        with store.Transaction(conn):  # a write: on a shared folder it holds the workspace lock
            store.log_event(conn, _now(), "mail_fault", report.action, {
                "server": server.label, "step": fault.step, "reason": fault.reason,
                "sent": len(report.sent), "not_sent": [i.address for i in remaining]})
    return report


def _send_one(conn, session: SmtpSession, server: Server, item: Outgoing,
              report: SendReport) -> None:
    data = build_message(item, server.sender)
    try:
        session.send(server.sender_address, item.address, data)
    except MailFault as fault:
        _log(conn, item, "failed", {"step": fault.step, "reason": fault.reason})
        if fault.fatal:
            raise
        report.failed.append((item, fault.reason))
        return
    _log(conn, item, "sent", {"attachments": [name for name, _ in item.attachments],
                              "bytes": len(data)})
    report.sent.append(item)


def _log(conn, item: Outgoing, outcome: str, detail: dict) -> None:
    at = _now()
    with store.Transaction(conn):
        for key in item.keys:
            store.log_mail(conn, at=at, action=item.action, key=key, staff_id=item.staff_id,
                           recipient=item.address, subject=item.subject, outcome=outcome,
                           detail=detail)
