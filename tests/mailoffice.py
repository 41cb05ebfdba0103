"""A small bureau with e-mail addresses, its office mailbox, and staff who answer by mail."""

from __future__ import annotations

import base64
import email
import email.policy
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

import helpers
from click.testing import CliRunner
from mailservers import SECRET, Dovecot, Smtp, mail_toml, start_smtp

from workbook_engine.cli import main
from workbook_engine.workspace import Workspace, init_workspace

OFFICE = "kaohe@bureau.test"
PEOPLE_HEADER = ["工号", "姓名", "股室", "职务类别", "参加工作时间", "在岗状态", "参加考核",
                 "参加排名", "邮箱"]
PEOPLE = [
    ("L0", "赵局", "局领导", "局长", "1990-07-01", "在岗", "否", "否", "zhaoju@bureau.test"),
    ("L1", "钱副", "局领导", "分管领导", "1995-08-01", "在岗", "", "", "qianfu@bureau.test"),
    ("1001", "李办", "办公室", "股室长", "2005-07-01", "在岗", "", "", "liban@bureau.test"),
    ("1002", "周一", "办公室", "一般干部职工", "2016-07-01", "在岗", "", "", "zhouyi@bureau.test"),
    ("1003", "吴二", "办公室", "一般干部职工", "2018-07-01", "在岗", "", "", "Wuer＠bureau.test"),
    ("1004", "孙三", "办公室", "一般干部职工", "2019-07-01", "在岗", "", "", ""),
]
SECTIONS = [("办公室", "1001", "L1")]


def write_roster(path: Path, people=PEOPLE) -> None:
    """The roster with the optional 邮箱 column (helpers.write_roster with this header)."""
    helpers.write_roster(path, people, SECTIONS, people_header=PEOPLE_HEADER)


def run(workspace: Workspace, *args: str, code: int = 0, env: dict | None = None):
    env = {"WORKBOOK_ENGINE_MAIL_PASSWORD": SECRET} if env is None else env
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args], env=env)
    assert result.exit_code == code, result.output
    return result.output


def parsed(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def reply(person: str, address: str, files: dict[str, bytes], smtp_port: int, cert: Path,
          subject="回复：周考评表") -> None:
    """A member of staff sends their filled form back through the SMTP server."""
    message = EmailMessage()
    message["From"] = f"{person} <{address}>"
    message["To"] = OFFICE
    message["Subject"] = subject
    message.set_content("考核办：附件是填好的表格。")
    for name, data in files.items():
        message.add_attachment(data, maintype="application",
                               subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               filename=name)
    smtp = smtplib.SMTP("127.0.0.1", smtp_port, timeout=20)
    smtp.starttls(context=ssl.create_default_context(cafile=str(cert)))
    smtp.ehlo()
    try:
        token = base64.b64encode(f"\0{address}\0{SECRET}".encode()).decode()
        assert smtp.docmd("AUTH", f"PLAIN {token}")[0] == 235  # UTF-8 password
        smtp.send_message(message)
    finally:
        smtp.quit()


def make_office(root: Path, dovecot: Dovecot, security: str = "starttls", **smtp_options
                ) -> tuple[Workspace, Smtp]:
    """A workspace of five assessed people with addresses, their mailboxes, an SMTP server."""
    init_workspace(root, 2026)
    workspace = Workspace(root.resolve())
    write_roster(workspace.roster_path)
    for row in PEOPLE:
        if row[-1]:
            dovecot.add_user(row[-1].replace("＠", "@").lower())
    dovecot.add_user(OFFICE)
    smtp = start_smtp(dovecot, security, OFFICE, **smtp_options)
    (workspace.root / "mail.toml").write_text(mail_toml(dovecot, smtp, OFFICE), encoding="utf-8")
    return workspace, smtp
