"""`mail returns`: each file on the returns list goes back to the address it came from, once.

The reasons are the returns list's own text (ingest/returns.py). One message per sender
per run lists all of that sender's refused files; the log marks each file (`file:<id>`),
so a file is answered once, however often this runs. Files dropped into inbox/ by hand
have no sender and are listed; so are senders that are automatic (Auto-Submitted,
mailer-daemon) or the office itself, so that two robots never answer each other.
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


def return_items(conn, unit: str, office_address: str, report: SendReport) -> list[Outgoing]:
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
        by_sender[address.lower()].append(entry)
        names.setdefault(address.lower(), name)
    items = []
    for key, files in by_sender.items():
        subject, body = texts.returned(files, unit)
        address = parseaddr(files[0]["sender"])[1]
        items.append(Outgoing(ACTION, tuple(f"file:{entry['id']}" for entry in files), "",
                              names[key], address, subject, body))
    return items
