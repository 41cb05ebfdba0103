"""Mail faults against real servers: refused, wrong password, TLS, a drop mid-transfer, a
message over the size limit, a kill between saving and recording. Each ends with a Chinese
message naming the server and the step (exit 1); the log says what was done; a re-run does
the rest, and nobody gets a message twice."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys

import pytest
from fill import fill_weekly
from mailoffice import OFFICE, SECRET, attachments, parsed, reply, run
from mailservers import CuttingProxy, free_port, mail_toml, start_smtp

from workbook_engine import store

pytestmark = pytest.mark.mailserver
RECIPIENTS = ("qianfu", "liban", "zhouyi", "wuer")


def set_toml(workspace, text: str) -> None:
    (workspace.root / "mail.toml").write_text(text, encoding="utf-8")


def counts(dovecot) -> dict[str, int]:
    return {name: len(dovecot.messages(f"{name}@bureau.test")) for name in RECIPIENTS}


def sent_log(workspace) -> list[tuple[str, str]]:
    with workspace.connect() as conn:
        return [(e["recipient"], e["outcome"]) for e in store.mail_log_of(conn, "send")]


def faults(workspace) -> list[dict]:
    with workspace.connect() as conn:
        rows = conn.execute("SELECT detail FROM events WHERE kind = 'mail_fault' ORDER BY id")
        import json
        return [json.loads(row[0]) for row in rows]


@pytest.fixture
def week(office):
    workspace, smtp = office
    run(workspace, "forms", "weekly", "--week", "2026-W10")
    return workspace, smtp


def test_connection_refused_then_rerun(week, dovecot):
    workspace, smtp = week
    closed = free_port()
    set_toml(workspace, mail_toml(dovecot, smtp, OFFICE, smtp_port=closed))
    out = run(workspace, "mail", "send", "--week", "2026-W10", code=1)
    assert f"错误：发信服务器（SMTP）127.0.0.1:{closed}，连接失败：连接被拒绝" in out
    assert "因故障未发送 4 封" in out and "未发送的 4 封在排除故障后重新运行本命令即可补发" in out
    assert sent_log(workspace) == [] and counts(dovecot) == dict.fromkeys(RECIPIENTS, 0)
    assert faults(workspace)[0]["step"] == "连接"
    set_toml(workspace, mail_toml(dovecot, smtp, OFFICE))
    assert "本次发送 4 封" in run(workspace, "mail", "send", "--week", "2026-W10")
    assert counts(dovecot) == dict.fromkeys(RECIPIENTS, 1)
    set_toml(workspace, mail_toml(dovecot, None, OFFICE, imap_port=closed))
    out = run(workspace, "mail", "fetch", code=1)
    assert f"收信服务器（IMAP）127.0.0.1:{closed}，连接失败：连接被拒绝" in out


def test_wrong_password(week, dovecot):
    workspace, _ = week
    env = {"WORKBOOK_ENGINE_MAIL_PASSWORD": "wrong"}
    out = run(workspace, "mail", "send", "--week", "2026-W10", code=1, env=env)
    assert "，登录失败：用户名或密码错误（服务器回复：535" in out
    assert "因故障未发送 4 封" in out and sent_log(workspace) == []
    out = run(workspace, "mail", "fetch", code=1, env=env)
    assert f"收信服务器（IMAP）127.0.0.1:{dovecot.imaps_port}，登录失败：用户名或密码错误" in out
    out = run(workspace, "mail", "send", "--week", "2026-W10", code=1,
              env={"WORKBOOK_ENGINE_MAIL_PASSWORD": None})
    assert "登录失败：没有密码" in out  # no terminal to ask on, no variable: said, not guessed


def test_tls_failures(tmp_path, week, dovecot):
    workspace, smtp = week
    set_toml(workspace, mail_toml(dovecot, smtp, OFFICE, cafile=False))  # self-signed: untrusted
    out = run(workspace, "mail", "send", "--week", "2026-W10", code=1)
    assert "，加密握手（TLS）失败：服务器的证书无法验证" in out
    out = run(workspace, "mail", "fetch", code=1)
    assert f"收信服务器（IMAP）127.0.0.1:{dovecot.imaps_port}，加密握手（TLS）失败：服务器的证书无法验证" in out
    plain = start_smtp(dovecot, "none", OFFICE)  # ssl asked of a port that speaks plain SMTP
    try:
        text = mail_toml(dovecot, plain, OFFICE).replace('security = "none"', 'security = "ssl"')
        set_toml(workspace, text)
        out = run(workspace, "mail", "send", "--week", "2026-W10", code=1)
        assert "，加密握手（TLS）失败：加密连接建立失败" in out
        set_toml(workspace, mail_toml(dovecot, plain, OFFICE))  # security none: AUTH in clear
        assert "本次发送 4 封" in run(workspace, "mail", "send", "--week", "2026-W10")
    finally:
        plain.stop()
    assert sent_log(workspace) == [(f"{n}@bureau.test".replace("wuer", "Wuer"), "sent")
                                   for n in RECIPIENTS]


def test_smtp_server_drops_mid_transfer(week, dovecot):
    workspace, smtp = week
    smtp.handler.drop_after = 2
    out = run(workspace, "mail", "send", "--week", "2026-W10", code=1)
    assert "本次发送 2 封" in out and "因故障未发送 2 封" in out
    assert "，发送邮件失败：服务器中途断开了连接" in out
    log = sent_log(workspace)
    assert [o for _, o in log] == ["sent", "sent", "failed"]
    smtp.handler.drop_after = None
    out = run(workspace, "mail", "send", "--week", "2026-W10")
    assert "本次发送 2 封，此前已发送 2 封" in out
    assert counts(dovecot) == dict.fromkeys(RECIPIENTS, 1)  # nobody twice, nobody left out


def test_message_over_the_size_limit(tmp_path, dovecot):
    from mailoffice import make_office

    workspace, smtp = make_office(tmp_path / "small", dovecot, size_limit=4096)
    try:
        run(workspace, "forms", "weekly", "--week", "2026-W10")
        out = run(workspace, "mail", "send", "--week", "2026-W10", code=1)
        assert "，发送邮件失败" not in out  # not a fault of the connection: each one is listed
        assert out.count("超过了服务器的上限 0.0 MB") == 4 and "发送失败 4 封" in out
        assert [o for _, o in sent_log(workspace)] == ["failed"] * 4
    finally:
        smtp.stop()
    bigger = start_smtp(dovecot, "starttls", OFFICE)
    try:
        set_toml(workspace, mail_toml(dovecot, bigger, OFFICE))
        assert "本次发送 4 封" in run(workspace, "mail", "send", "--week", "2026-W10")
    finally:
        bigger.stop()
    assert counts(dovecot) == dict.fromkeys(RECIPIENTS, 1)


def _staff_reply_all(workspace, smtp, dovecot, tmp_path) -> None:
    """Every recipient sends their form back (unchanged but for a little text)."""
    run(workspace, "mail", "send", "--week", "2026-W10")
    send_back = functools.partial(reply, smtp_port=smtp.port, cert=dovecot.cert)
    for name in RECIPIENTS:
        (_, raw, _), = dovecot.messages(f"{name}@bureau.test")
        (file_name, data), = attachments(parsed(raw)).items()
        form = tmp_path / "forms" / file_name
        form.parent.mkdir(exist_ok=True)
        form.write_bytes(data)
        filled = fill_weekly(form, tmp_path / "filled" / file_name, log=["工作"] * 5)
        send_back(name, f"{name}@bureau.test", {file_name: filled.read_bytes()})


def test_imap_server_drops_mid_transfer(tmp_path, week, dovecot):
    workspace, smtp = week
    _staff_reply_all(workspace, smtp, dovecot, tmp_path)
    proxy = CuttingProxy(dovecot.imaps_port, cut_after=40_000)  # about one and a half messages
    try:
        set_toml(workspace, mail_toml(dovecot, smtp, OFFICE, imap_port=proxy.port))
        out = run(workspace, "mail", "fetch", code=1)
    finally:
        proxy.stop()
    assert proxy.cuts == 1
    assert "，读取邮件失败：服务器中途断开了连接" in out
    saved = int(re.search(r"新存入 inbox/ (\d) 封", out).group(1))
    assert 1 <= saved <= 3 and f"已接收 {saved} 份" in out
    assert f"未收取的 {4 - saved} 封在排除故障后重新运行本命令即可收取" in out
    set_toml(workspace, mail_toml(dovecot, smtp, OFFICE))
    out = run(workspace, "mail", "fetch")
    assert f"新存入 inbox/ {4 - saved} 封" in out and f"以前已收取 {saved} 封" in out
    assert f"已接收 {4 - saved} 份" in out
    with workspace.connect() as conn:
        assert len(store.weekly_forms_of(conn, "2026-W10")) == 4
        assert conn.execute("SELECT COUNT(*) FROM files WHERE original_path LIKE '邮件_%'"
                            " AND container_id IS NULL").fetchone()[0] == 4


KILL_AFTER_SAVE = """
import os, signal, sys
from pathlib import Path
from workbook_engine import store
from workbook_engine.mail import actions
from workbook_engine.workspace import Workspace

def die(*args, **kwargs):  # the process is killed after saving, before recording
    os.kill(os.getpid(), signal.SIGKILL)

store.record_fetched = die
actions.fetch(Workspace(Path(sys.argv[1])), lambda: os.environ["WORKBOOK_ENGINE_MAIL_PASSWORD"],
              lambda xs: xs)
"""


@pytest.mark.parametrize("ingest_between", [False, True])
def test_kill_between_saving_and_recording(tmp_path, week, dovecot, ingest_between):
    workspace, smtp = week
    _staff_reply_all(workspace, smtp, dovecot, tmp_path)
    env = {**os.environ, "WORKBOOK_ENGINE_MAIL_PASSWORD": SECRET}
    done = subprocess.run([sys.executable, "-c", KILL_AFTER_SAVE, str(workspace.root)],
                          env=env, capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr
    saved = sorted(p.name for p in workspace.inbox.iterdir())
    assert len(saved) == 1 and saved[0].endswith("_1.eml")
    if ingest_between:  # the clerk ran ingest before fetching again: the file left inbox/
        run(workspace, "ingest")
        assert list(workspace.inbox.iterdir()) == []
    out = run(workspace, "mail", "fetch")
    assert "新存入 inbox/ 3 封，补记上次已存入的 1 封" in out
    with workspace.connect() as conn:
        assert len(store.weekly_forms_of(conn, "2026-W10")) == 4
        mails = conn.execute("SELECT original_path FROM files WHERE outcome = 'mail'").fetchall()
    assert sorted(m[0] for m in mails) == sorted(set(m[0] for m in mails))  # each saved once
    assert len(mails) == 4
    assert "新存入 inbox/ 0 封" in run(workspace, "mail", "fetch")
