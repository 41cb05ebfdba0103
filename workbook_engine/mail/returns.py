"""`mail returns`: each file on the returns list goes back to the address it came from, once.

The reasons are the returns list's own text (ingest/returns.py). One message per sender
per run lists all of that sender's refused files; the log marks each file (`file:<id>`),
so a file is answered once, however often this runs. Files dropped into inbox/ by hand
have no sender and are listed. A mail without any spreadsheet from an address that is not in
the roster's 邮箱 column (a newsletter, spam) is not answered either; robot senders (mailer-daemon, postmaster, no-reply) and the
office's own address are not answered, so that two robots never answer each other (and the
office's own messages carry Auto-Submitted, which auto-replies must respect, RFC 3834).
"""

from __future__ import annotations

from collections import defaultdict
from email.utils import parseaddr

from workbook_engine import store
from workbook_engine.ingest.returns import returned_files
from workbook_engine.mail import texts
from workbook_engine.mail.compose import Outgoing
from workbook_engine.mail.config import valid_address
from workbook_engine.mail.outgoing import NoAddress, SendReport

ACTION = "returns"
_ROBOTS = ("mailer-daemon", "postmaster", "no-reply", "noreply", "do-not-reply")


def return_items(conn, unit: str, office_address: str, known: set[str],
                 report: SendReport) -> list[Outgoing]:
    """Messages for the refused files not answered yet; `known` are the roster's addresses
    (lower case)."""
    done = store.mail_sent_keys(conn, ACTION)
    by_sender: dict[str, list[dict]] = defaultdict(list)
    names: dict[str, str] = {}
    for entry in returned_files(conn):
        if f"file:{entry['id']}" in done:
            continue
        name, address = parseaddr(entry["sender"])
        if not valid_address(address):
            report.no_address.append(NoAddress("", entry["name"], "退回原因（没有发件人地址）"))
            continue
        local = address.split("@")[0].lower()
        if address.lower() == office_address.lower() or local in _ROBOTS:
            report.notes.append(f"「{entry['name']}」来自 {address}（自动发信地址），不回复")
            continue
        if set(entry["codes"]) == {"mail.no_attachment"} and address.lower() not in known:
            report.notes.append(f"「{entry['name']}」来自花名册以外的 {address}，且没有表格附件，不回复")
            continue
        by_sender[address.lower()].append(entry)
        names.setdefault(address.lower(), name)
    items = []
    for key, files in by_sender.items():
        subject, body = texts.returned(files, unit)
        address = parseaddr(files[0]["sender"])[1]
        items.append(Outgoing(ACTION, tuple(f"file:{entry['id']}" for entry in files), "",
                              names[key], address, subject, body))
    return items
