"""Benchmark: a week's mail round trip for N people (default 60) against real servers.

    python benchmarks/bench_mail.py [--people 60]

Starts Dovecot (IMAP) and aiosmtpd (SMTP, STARTTLS) on 127.0.0.1 as the tests do, then:
`forms weekly` → `mail send` → every recipient reads their form over IMAP, fills it
(openpyxl, with the 初评/评定 their reviewers would give) and sends it back over SMTP →
`mail fetch` (which ingests) → `mail remind` (nobody left) → `mail send`/`mail fetch` again
(nothing new). Prints each step's time; the product's own steps are send and fetch.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import functools
import shutil
import sys  # noqa: E402 - after common put the project on the path
import tempfile
import time
from pathlib import Path

import openpyxl
from common import ROOT, big_workspace

sys.path.insert(0, str(ROOT / "tests"))

from click.testing import CliRunner  # noqa: E402
from fill import fill_weekly  # noqa: E402
from mailoffice import reply  # noqa: E402
from mailservers import SECRET, mail_toml, start_dovecot, start_smtp  # noqa: E402

from workbook_engine import store  # noqa: E402
from workbook_engine.cli import main  # noqa: E402
from workbook_engine.forms.outbox import weekly_plan  # noqa: E402
from workbook_engine.periods import parse_week  # noqa: E402

OFFICE = "kaohe@bureau.test"
WEEK = "2026-W10"


def add_addresses(workspace) -> dict[str, str]:
    workbook = openpyxl.load_workbook(workspace.roster_path)
    sheet = workbook["人员"]
    header = [cell.value for cell in sheet[1]]
    if "邮箱" in header:  # the roster template has the column (empty)
        column = header.index("邮箱") + 1
    else:
        column = sheet.max_column + 1
        sheet.cell(1, column, "邮箱")
    addresses = {}
    for row in range(2, sheet.max_row + 1):
        staff_id = sheet.cell(row, 1).value
        if staff_id:
            addresses[str(staff_id)] = f"{str(staff_id).lower()}@bureau.test"
            sheet.cell(row, column, addresses[str(staff_id)])
    workbook.save(workspace.roster_path)
    return addresses


def cli(workspace, *args: str) -> str:
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args],
                                env={"WORKBOOK_ENGINE_MAIL_PASSWORD": SECRET})
    assert result.exit_code == 0, result.output
    return result.output


def staff_answer(workspace, dovecot, smtp, addresses: dict[str, str], folder: Path) -> int:
    """Every recipient: read the form over IMAP, fill it, send it back over SMTP."""
    identities = {p.staff_id: f.identity for _, f, p in weekly_plan(workspace, parse_week(WEEK))}
    send_back = functools.partial(reply, smtp_port=smtp.port, cert=dovecot.cert)
    answered = 0
    for staff_id, identity in identities.items():
        address = addresses[staff_id]
        (_, raw, _), = dovecot.messages(address)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        part, = list(message.iter_attachments())
        form = folder / part.get_filename()
        form.write_bytes(part.get_content())
        chief = ("称职", identity.chief_name) if identity.chief_name else None
        filled = fill_weekly(form, folder / "filled" / form.name, chief=chief,
                             leader=("称职", identity.final_rater_name), log=["工作"] * 5)
        send_back(identity.staff_name, address, {form.name: filled.read_bytes()})
        answered += 1
    return answered


def main_(people: int) -> None:
    base = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    dovecot = start_dovecot(base / "dovecot")
    smtp = None
    try:
        workspace = big_workspace(base / "ws", people)
        addresses = add_addresses(workspace)
        for address in [*addresses.values(), OFFICE]:
            dovecot.add_user(address)
        smtp = start_smtp(dovecot, "starttls", OFFICE)
        (workspace.root / "mail.toml").write_text(mail_toml(dovecot, smtp, OFFICE), "utf-8")
        (base / "forms" / "filled").mkdir(parents=True)
        times = {}
        steps = [
            ("forms weekly", lambda: cli(workspace, "forms", "weekly", "--week", WEEK)),
            ("mail send", lambda: cli(workspace, "mail", "send", "--week", WEEK)),
            ("staff: read over IMAP, fill, reply over SMTP",
             lambda: staff_answer(workspace, dovecot, smtp, addresses, base / "forms")),
            ("mail fetch (with ingest)", lambda: cli(workspace, "mail", "fetch")),
            ("mail remind", lambda: cli(workspace, "mail", "remind", "--week", WEEK)),
            ("mail send again", lambda: cli(workspace, "mail", "send", "--week", WEEK)),
            ("mail fetch again", lambda: cli(workspace, "mail", "fetch")),
        ]
        outputs = {}
        for name, action in steps:
            start = time.perf_counter()
            outputs[name] = action()
            times[name] = time.perf_counter() - start
        with workspace.connect() as conn:
            stored = len(store.weekly_forms_of(conn, WEEK))
        assessed = len(weekly_plan(workspace, parse_week(WEEK)))
        print(f"people in the roster: {people}, weekly forms: {assessed}, stored after fetch: "
              f"{stored}")
        for name, seconds in times.items():
            print(f"  {name:<48} {seconds:7.2f} s")
        total = sum(times[k] for k in list(times)[:4])
        product = times["mail send"] + times["mail fetch (with ingest)"]
        print(f"round trip (forms → send → answered → fetched and stored): {total:.2f} s; "
              f"the product's mail steps (send + fetch): {product:.2f} s")
        assert stored == assessed, outputs["mail fetch (with ingest)"]
        assert "本次发送 0 封" in outputs["mail send again"]
        assert "新存入 inbox/ 0 封" in outputs["mail fetch again"]
    finally:
        if smtp is not None:
            smtp.stop()
        dovecot.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=60)
    main_(parser.parse_args().people)
