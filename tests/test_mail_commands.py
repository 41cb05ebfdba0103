"""mail send --month / --resend, mail remind --month / --force, against real servers."""

from __future__ import annotations

import pytest
from mailoffice import attachments, parsed, run

from workbook_engine import store

pytestmark = pytest.mark.mailserver


def test_monthly_editions_go_to_their_raters(office, dovecot):
    workspace, _ = office
    run(workspace, "forms", "monthly", "--month", "2026-03")
    out = run(workspace, "mail", "send", "--month", "2026-03")
    assert "本次发送 2 封" in out and "考核办评分表 2026-03_月考评表_考核办评分.xlsx 由考核办自己填写" in out
    (_, raw, _), = dovecot.messages("qianfu@bureau.test")
    message = parsed(raw)
    assert list(attachments(message)) == ["2026-03_月考评表_领导评分_L1_钱副.xlsx"]
    body = message.get_body(("plain",)).get_content()
    assert "由您评分的 4 人" in body and "思想作风(20)、工作量(20)、完成情况(30)、工作效率(10)" in body
    assert "2026年4月3日（星期五）" in body  # third working day after March
    (_, raw, _), = dovecot.messages("zhaoju@bureau.test")
    assert list(attachments(parsed(raw))) == ["2026-03_月考评表_领导评分_L0_赵局.xlsx"]

    assert "本次发送 2 封" in run(workspace, "mail", "remind", "--month", "2026-03")
    assert "本次发送 0 封，此前已发送 2 封" in run(workspace, "mail", "remind", "--month", "2026-03")
    assert "本次发送 2 封" in run(workspace, "mail", "remind", "--month", "2026-03", "--force")
    subjects = [parsed(raw)["Subject"] for _, raw, _ in dovecot.messages("qianfu@bureau.test")]
    assert subjects[1:] == ["提醒：2026年3月月考评表（领导评分）尚未收到（钱副）"] * 2


def test_resend_sends_again_and_is_logged(office, dovecot):
    workspace, _ = office
    run(workspace, "forms", "weekly", "--week", "2026-W10")
    run(workspace, "mail", "send", "--week", "2026-W10")
    assert "本次发送 4 封" in run(workspace, "mail", "send", "--week", "2026-W10", "--resend")
    assert len(dovecot.messages("zhouyi@bureau.test")) == 2
    with workspace.connect() as conn:
        assert len(store.mail_log_of(conn, "send")) == 8


def test_forms_not_generated_are_said(office):
    workspace, _ = office
    out = run(workspace, "mail", "send", "--week", "2026-W11")
    assert "的周考评表尚未生成：请先运行 workbook-engine forms weekly --week 2026-W11" in out
    assert "本次发送 0 封" in out


def test_usage_mistakes(office):
    workspace, _ = office
    out = run(workspace, "mail", "send", code=2)
    assert "请用 --week 或 --month 指定一期" in out
    (workspace.root / "mail.toml").unlink()
    out = run(workspace, "mail", "send", "--week", "2026-W10", code=1)
    assert "找不到邮箱设置文件" in out


def test_smtp_ssl_and_imap_starttls(tmp_path, dovecot):
    """The other two security modes: implicit TLS for SMTP, STARTTLS for IMAP."""
    import functools

    from fill import fill_weekly
    from mailoffice import OFFICE, make_office, reply
    from mailservers import mail_toml

    workspace, smtp = make_office(tmp_path / "ws", dovecot, security="ssl")
    try:
        (workspace.root / "mail.toml").write_text(
            mail_toml(dovecot, smtp, OFFICE, imap_security="starttls"), encoding="utf-8")
        run(workspace, "forms", "weekly", "--week", "2026-W10")
        assert "本次发送 4 封" in run(workspace, "mail", "send", "--week", "2026-W10")
        (_, raw, _), = dovecot.messages("zhouyi@bureau.test")
        (name, data), = attachments(parsed(raw)).items()
        (tmp_path / name).write_bytes(data)
        filled = fill_weekly(tmp_path / name, tmp_path / "filled.xlsx", log=["工作"] * 5)
        starttls = start_smtp_for_staff(dovecot)
        try:
            functools.partial(reply, smtp_port=starttls.port, cert=dovecot.cert)(
                "周一", "zhouyi@bureau.test", {name: filled.read_bytes()})
        finally:
            starttls.stop()
        out = run(workspace, "mail", "fetch")
        assert "新存入 inbox/ 1 封" in out and "已接收 1 份" in out
    finally:
        smtp.stop()


def start_smtp_for_staff(dovecot):
    from mailoffice import OFFICE
    from mailservers import start_smtp

    return start_smtp(dovecot, "starttls", OFFICE)


def test_returns_answer_staff_but_not_strangers_or_robots(office, dovecot):
    """A staff member's mail without a form is answered; a newsletter and a bounce are not."""
    from email.message import EmailMessage

    from mailoffice import OFFICE

    workspace, _ = office
    for sender, subject in (("周一 <zhouyi@bureau.test>", "表格"),
                            ("新闻 <news@elsewhere.test>", "本周资讯"),
                            ("MAILER-DAEMON <mailer-daemon@bureau.test>", "Undelivered")):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, OFFICE, subject
        message.set_content("没有附件")
        dovecot.deliver(OFFICE, message.as_bytes())
    out = run(workspace, "mail", "fetch")
    assert "新存入 inbox/ 3 封" in out and "退回 3 份" in out
    out = run(workspace, "mail", "returns")
    assert "本次发送 1 封" in out
    assert "来自花名册以外的 news@elsewhere.test，且没有表格附件，不回复" in out
    assert "mailer-daemon@bureau.test（自动发信地址），不回复" in out
    (_, raw, _), = dovecot.messages("zhouyi@bureau.test")
    assert "邮件中没有 Excel 附件" in parsed(raw).get_body(("plain",)).get_content()


def test_first_fetch_takes_unread_mail_only_then_everything_new(office, dovecot):
    """Old mail read before the first run stays out; afterwards every new message comes in,
    also one the clerk has already read in the web mail."""
    from email.message import EmailMessage

    from mailoffice import OFFICE

    workspace, _ = office

    def deliver(subject: str) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "周一 <zhouyi@bureau.test>", OFFICE, subject
        message.set_content("正文")
        dovecot.deliver(OFFICE, message.as_bytes())

    def read_all_in_web_mail() -> None:
        client = dovecot.login(OFFICE)
        client.select_folder("INBOX")
        client.add_flags(client.search(["ALL"]), [b"\\Seen"])
        client.logout()

    deliver("去年的旧邮件")
    read_all_in_web_mail()
    deliver("未读的新邮件")
    assert "新存入 inbox/ 1 封" in run(workspace, "mail", "fetch")
    deliver("又一封，已在网页上读过")
    read_all_in_web_mail()
    out = run(workspace, "mail", "fetch")
    assert "新存入 inbox/ 1 封" in out and "以前已收取 1 封" in out
    assert "新存入 inbox/ 0 封" in run(workspace, "mail", "fetch")
    with workspace.connect() as conn:
        names = [row[0] for row in conn.execute("SELECT file_name FROM mail_fetched ORDER BY uid")]
    assert [name.rsplit("_", 1)[1] for name in names] == ["2.eml", "3.eml"]
