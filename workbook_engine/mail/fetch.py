"""`mail fetch`: the folder's new messages into inbox/ as .eml, each exactly once.

New messages are those after the last UID recorded for the folder (UIDs only grow); the
first run takes the unread ones, so that years of old mail are not pulled in. For each:

    1. its file name depends only on the mailbox and the UID:
       inbox/邮件_3f2a1c_1796136505_17.eml
    2. when that file is neither in inbox/ nor already ingested, the message is fetched
       with BODY.PEEK (not marking it seen), written to .engine/ and renamed into inbox/;
    3. (account, folder, UIDVALIDITY, UID, Message-ID, file name) is recorded;
    4. the message is marked \\Seen on the server (never deleted or moved).

A kill between 2 and 3 leaves the file in inbox/ (or ingested from there): the next run
finds it by its name and only records it. A message whose Message-ID was saved before
(the server renumbered the folder: a new UIDVALIDITY) is recorded without saving it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from workbook_engine import store
from workbook_engine.mail.config import Server
from workbook_engine.mail.transport import ImapSession, MailFault
from workbook_engine.workspace import Workspace

Progress = Callable[[Iterable], Iterable]


@dataclass
class FetchReport:
    saved: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    same_message: int = 0
    known: int = 0
    fault: MailFault | None = None
    not_fetched: int = 0


def account_of(server: Server) -> str:
    """The mailbox (user at host); not the port, which may change with the security mode."""
    return f"{server.user}@{server.host}"


def file_name(server: Server, uidvalidity: int, uid: int) -> str:
    tag = hashlib.sha256(f"{account_of(server)}/{server.folder}".encode()).hexdigest()[:6]
    return f"邮件_{tag}_{uidvalidity}_{uid}.eml"


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def fetch_new(workspace: Workspace, conn, server: Server, password: str | None,
              progress: Progress) -> FetchReport:
    """Save the new messages of the folder into inbox/ (see the module doc)."""
    report = FetchReport()
    account = account_of(server)
    pending: list[int] = []
    try:
        with ImapSession(server, password) as session:
            uidvalidity = session.uidvalidity
            known = store.fetched_uids(conn, account, server.folder, uidvalidity)
            pending = session.new_uids(known)
            report.known = len(known)
            ids = session.message_ids(pending)
            saved_ids = store.fetched_message_ids(conn)
            for uid in progress(list(pending)):
                _one(workspace, conn, session, server, uid, ids.get(uid, ""), saved_ids, report)
                pending.remove(uid)
    except MailFault as fault:
        report.fault, report.not_fetched = fault, len(pending)
        with store.Transaction(conn):  # a write: on a shared folder it holds the workspace lock
            store.log_event(conn, _now(), "mail_fault", "fetch", {
                "server": server.label, "step": fault.step, "reason": fault.reason,
                "saved": report.saved, "not_fetched": len(pending)})
    return report


def _one(workspace: Workspace, conn, session: ImapSession, server: Server, uid: int,
         message_id: str, saved_ids: set[str], report: FetchReport) -> None:
    name = file_name(server, session.uidvalidity, uid)
    if message_id and message_id in saved_ids:
        report.same_message += 1
    elif (workspace.inbox / name).exists() or store.file_ingested(conn, name):
        report.recovered.append(name)  # saved by a run that died before recording it
    else:
        _save(workspace, name, session.message(uid))
        report.saved.append(name)
    with store.Transaction(conn):
        store.record_fetched(conn, account=account_of(server), folder=server.folder,
                             uidvalidity=session.uidvalidity, uid=uid, message_id=message_id,
                             file_name=name, at=_now())
    if message_id:
        saved_ids.add(message_id)
    session.mark_seen(uid)


def _save(workspace: Workspace, name: str, data: bytes) -> None:
    """Write through .engine/ (ingest never sees a half-written file), then rename."""
    temp = workspace.engine_dir / f".fetch-{name}"
    temp.parent.mkdir(parents=True, exist_ok=True)
    workspace.inbox.mkdir(parents=True, exist_ok=True)
    with temp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, workspace.inbox / name)
