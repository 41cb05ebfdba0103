"""mail send → read over IMAP → filled → mailed back → mail fetch → stored; remind; returns.

Real servers: Dovecot (IMAP) and aiosmtpd (SMTP) delivering into Dovecot, on 127.0.0.1.
"""

from __future__ import annotations

import base64
import email
import email.policy
import smtplib
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from fill import fill_weekly
from mailservers import SECRET, mail_toml, start_dovecot, start_smtp

from workbook_engine import store
from workbook_engine.cli import main
from workbook_engine.workspace import Workspace, init_workspace

pytestmark = pytest.mark.mailserver

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
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "人员"
    sheet.append(PEOPLE_HEADER)
    for row in people:
        sheet.append(list(row))
    sections = workbook.create_sheet("股室")
    sections.append(["股室", "股室长工号", "分管领导工号"])
    for row in SECTIONS:
        sections.append(list(row))
    workbook.save(path)


@pytest.fixture(scope="module")
def dovecot(tmp_path_factory):
    server = start_dovecot(tmp_path_factory.mktemp("dovecot"))
    yield server
    server.stop()


@pytest.fixture
def office(tmp_path, dovecot):
    """A workspace of five assessed people with addresses, its mailbox and an SMTP server."""
    init_workspace(tmp_path / "ws", 2026)
    workspace = Workspace((tmp_path / "ws").resolve())
    write_roster(workspace.roster_path)
    for row in PEOPLE:
        if row[-1]:
            dovecot.add_user(row[-1].replace("＠", "@").lower())
    dovecot.add_user(OFFICE)
    smtp = start_smtp(dovecot, "starttls", OFFICE)
    (workspace.root / "mail.toml").write_text(mail_toml(dovecot, smtp, OFFICE), encoding="utf-8")
    yield workspace, smtp
    smtp.stop()


def run(workspace: Workspace, *args: str, code: int = 0):
    env = {"WORKBOOK_ENGINE_MAIL_PASSWORD": SECRET}
    result = CliRunner().invoke(main, ["-w", str(workspace.root), *args], env=env)
    assert result.exit_code == code, result.output
    return result.output


def parsed(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def attachments(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def reply(person: str, address: str, files: dict[str, bytes], subject="回复：周考评表") -> None:
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
    smtp = _smtp_client()
    try:
        token = base64.b64encode(f"\0{address}\0{SECRET}".encode()).decode()
        assert smtp.docmd("AUTH", f"PLAIN {token}")[0] == 235  # UTF-8 password
        smtp.send_message(message)
    finally:
        smtp.quit()


_SMTP_PORT: list[int] = []


def _smtp_client() -> smtplib.SMTP:
    import ssl

    from mailservers import Dovecot  # noqa: F401 - documentation of where the cert comes from

    client = smtplib.SMTP("127.0.0.1", _SMTP_PORT[-1], timeout=20)
    client.starttls(context=ssl.create_default_context(cafile=_CERT[-1]))
    client.ehlo()
    return client


_CERT: list[str] = []


def test_a_week_by_mail_round_trip(office, dovecot, tmp_path):
    workspace, smtp = office
    _SMTP_PORT.append(smtp.port)
    _CERT.append(str(dovecot.cert))
    run(workspace, "forms", "weekly", "--week", "2026-W10")

    out = run(workspace, "mail", "send", "--week", "2026-W10")
    assert "本次发送 4 封" in out
    assert "孙三（1004）" in out and "没有邮箱地址" in out
    assert "本次发送 0 封，此前已发送 4 封" in run(workspace, "mail", "send", "--week", "2026-W10")

    # each recipient reads their form from their own mailbox over IMAP
    forms = {}
    for sid, name, address in (("L1", "钱副", "qianfu"), ("1001", "李办", "liban"),
                               ("1002", "周一", "zhouyi"), ("1003", "吴二", "wuer")):
        (uid, raw, flags), = dovecot.messages(f"{address}@bureau.test")
        message = parsed(raw)
        assert message["Subject"] == f"请填写2026年第10周（3月2日—3月8日）的周考评表（{name}）"
        body = message.get_body(("plain",)).get_content()
        assert "2026年3月9日（星期一）" in body and f"{name}同志" in body
        files = attachments(message)
        expected = f"2026-W10_周考评表_{sid}_{name}.xlsx"
        assert list(files) == [expected]
        forms[sid] = tmp_path / "got" / expected
        forms[sid].parent.mkdir(exist_ok=True)
        forms[sid].write_bytes(files[expected])

    filled = tmp_path / "filled"
    reply("周一", "zhouyi@bureau.test", {"周一-第10周.xlsx": fill_weekly(
        forms["1002"], filled / "a.xlsx", chief=("优秀", "李办"), leader=("称职", "钱副"),
        log=["整理档案"] * 5).read_bytes()})
    reply("吴二", "wuer@bureau.test", {"吴二.xlsx": fill_weekly(
        forms["1003"], filled / "b.xlsx", log=["接待来访"] * 5).read_bytes()})
    reply("李办", "liban@bureau.test", {"李办 周考评表.xlsx": fill_weekly(
        forms["1001"], filled / "c.xlsx", leader=("优秀", "钱副"), log=["统筹"] * 5).read_bytes()})
    reply("钱副", "qianfu@bureau.test", {"钱副.xlsx": b"this is not a workbook at all"})

    out = run(workspace, "mail", "fetch")
    assert "新存入 inbox/ 4 封" in out
    assert "已接收 3 份" in out and "退回 1 份" in out
    with workspace.connect() as conn:
        stored = store.weekly_forms_of(conn, "2026-W10")
        fetched = conn.execute("SELECT COUNT(*) FROM mail_fetched").fetchone()[0]
    assert sorted(stored) == ["1001", "1002", "1003"]
    assert stored["1002"]["leader_grade"] == "称职" and stored["1003"]["chief_grade"] == ""
    assert fetched == 4
    office_mail = dovecot.messages(OFFICE)
    assert len(office_mail) == 4 and all(b"\\Seen" in flags for _, _, flags in office_mail)
    out = run(workspace, "mail", "fetch")
    assert "新存入 inbox/ 0 封" in out and "以前已收取 4 封" in out
    assert list(workspace.inbox.rglob("*")) == []

    # reminders: 钱副 (his form was refused) and 李办 (吴二's form waits for his 初评)
    before = {a: len(dovecot.messages(a)) for a in dovecot.users}
    out = run(workspace, "mail", "remind", "--week", "2026-W10")
    assert "本次发送 2 封" in out and "孙三（1004）" in out
    after = {a: len(dovecot.messages(a)) for a in dovecot.users}
    grew = sorted(a for a in after if after[a] > before[a])
    assert grew == ["liban@bureau.test", "qianfu@bureau.test"]
    chief = parsed(dovecot.messages("liban@bureau.test")[-1][1])
    assert "吴二（1003，办公室）2026年第10周（3月2日—3月8日）的周考评表，待您初评" in \
        chief.get_body(("plain",)).get_content()
    assert list(attachments(chief)) == ["吴二.xlsx"]
    leader = parsed(dovecot.messages("qianfu@bureau.test")[-1][1])
    assert list(attachments(leader)) == ["2026-W10_周考评表_L1_钱副.xlsx"]
    assert "本次发送 0 封，此前已发送 2 封" in run(workspace, "mail", "remind", "--week", "2026-W10")

    # the refused attachment's reasons go back to its sender, once
    out = run(workspace, "mail", "returns")
    assert "本次发送 1 封" in out
    answer = parsed(dovecot.messages("qianfu@bureau.test")[-1][1])
    text = answer.get_body(("plain",)).get_content()
    assert answer["Subject"].startswith("退回：「钱副.xlsx」") and "钱副.xlsx" in text
    assert "本次发送 0 封" in run(workspace, "mail", "returns")
    assert len(dovecot.messages("qianfu@bureau.test")) == 3
    with workspace.connect() as conn:
        log = store.mail_log_of(conn)
    assert [(e["action"], e["outcome"]) for e in log].count(("send", "sent")) == 4
    assert {e["recipient"] for e in log if e["action"] == "returns"} == {"qianfu@bureau.test"}
