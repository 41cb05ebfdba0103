"""mail send → read over IMAP → filled → mailed back → mail fetch → stored; remind; returns.

Real servers: Dovecot (IMAP) and aiosmtpd (SMTP) delivering into Dovecot, on 127.0.0.1.
"""

from __future__ import annotations

import functools

import pytest
from fill import fill_weekly
from mailoffice import OFFICE, SECRET, attachments, parsed, reply, run

from workbook_engine import store

pytestmark = pytest.mark.mailserver


def test_a_week_by_mail_round_trip(office, dovecot, tmp_path):
    workspace, smtp = office
    send_back = functools.partial(reply, smtp_port=smtp.port, cert=dovecot.cert)
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
    send_back("周一", "zhouyi@bureau.test", {"周一-第10周.xlsx": fill_weekly(
        forms["1002"], filled / "a.xlsx", chief=("优秀", "李办"), leader=("称职", "钱副"),
        log=["整理档案"] * 5).read_bytes()})
    send_back("吴二", "wuer@bureau.test", {"吴二.xlsx": fill_weekly(
        forms["1003"], filled / "b.xlsx", log=["接待来访"] * 5).read_bytes()})
    send_back("李办", "liban@bureau.test", {"李办 周考评表.xlsx": fill_weekly(
        forms["1001"], filled / "c.xlsx", leader=("优秀", "钱副"), log=["统筹"] * 5).read_bytes()})
    send_back("钱副", "qianfu@bureau.test", {"钱副.xlsx": b"this is not a workbook at all"})

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
    # the IMAP ID command went to the server (NetEase needs it); the password nowhere on disk
    assert "ID sent: name=workbook-engine" in (dovecot.folder / "dovecot.log").read_text()
    secret = SECRET.encode()
    assert not [p for p in workspace.root.rglob("*") if p.is_file() and secret in p.read_bytes()]
    with workspace.connect() as conn:
        log = store.mail_log_of(conn)
    assert [(e["action"], e["outcome"]) for e in log].count(("send", "sent")) == 4
    assert {e["recipient"] for e in log if e["action"] == "returns"} == {"qianfu@bureau.test"}
