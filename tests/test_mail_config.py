"""mail.toml, the roster's 邮箱 column, the [mail] deadlines and attachment naming."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import openpyxl
import pytest

from workbook_engine.ingest.mail import parse_mail
from workbook_engine.issues import InputError
from workbook_engine.mail.addresses import load_addresses
from workbook_engine.mail.compose import Outgoing, build_message, encoded_words
from workbook_engine.mail.config import load_mail_config, parse_mail_config, password
from workbook_engine.mail.texts import due_date
from workbook_engine.policy import default_policy, parse_policy, seed_policy_text

GOOD = """
[smtp]
host = "smtp.163.com"
port = 465
security = "ssl"
user = "kaohe@163.com"
sender = "县住建局考核办 <kaohe@163.com>"
[imap]
host = "imap.163.com"
port = 993
security = "SSL"
user = "kaohe@163.com"
"""


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as caught:
        parse_mail_config(text)
    return [(issue.key, issue.code) for issue in caught.value.issues]


def test_good_mail_toml():
    config = parse_mail_config(GOOD)
    assert config.smtp.port == 465 and config.smtp.sender_address == "kaohe@163.com"
    assert config.imap.security == "ssl" and config.imap.folder == "INBOX"
    assert config.smtp.label == "发信服务器（SMTP）smtp.163.com:465"


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("port = 465", "port = 0", [("smtp.port", "mail.out_of_range")]),
    ('security = "ssl"', 'security = "tls"', [("smtp.security", "mail.bad_value")]),
    ('security = "SSL"', 'security = "none"', [("imap.security", "mail.bad_value")]),
    ('sender = "县住建局考核办 <kaohe@163.com>"', 'sender = "考核办"',
     [("smtp.sender", "mail.bad_value")]),
    ('host = "smtp.163.com"\n', "", [("smtp.host", "mail.missing_key")]),
    ("port = 993", 'port = "993"', [("imap.port", "mail.wrong_type")]),
    ("[imap]", 'pasword = "x"\n[imap]', [("smtp.pasword", "mail.unknown_key")]),
    ("[imap]", 'password = "x"\n[imap]', [("smtp.password", "mail.password_in_file")]),
])
def test_bad_mail_toml_names_the_key(old, new, expected):
    assert problems(GOOD.replace(old, new, 1)) == expected


def test_mail_toml_messages_are_chinese(tmp_path):
    (tmp_path / "mail.toml").write_text(GOOD.replace("port = 465", "port = 70000"), "utf-8")
    with pytest.raises(InputError) as caught:
        load_mail_config(tmp_path / "mail.toml")
    assert str(caught.value) == ("1. mail.toml，设置项 smtp.port：「smtp.port」应在 1 到 65535 "
                                 "之间（现为 70000）")
    with pytest.raises(InputError) as caught:
        load_mail_config(tmp_path / "missing.toml")
    assert "找不到邮箱设置文件" in str(caught.value)
    (tmp_path / "mail.toml").write_text("[smtp\nhost = 1", "utf-8")
    with pytest.raises(InputError) as caught:
        load_mail_config(tmp_path / "mail.toml")
    assert caught.value.issues[0].code == "mail.syntax"


def test_a_missing_section_is_named_when_needed():
    config = parse_mail_config(GOOD.split("[imap]")[0])
    assert config.imap is None
    with pytest.raises(InputError, match=r"缺少 \[imap\] 一节"):
        config.need("imap")


def test_password_only_from_the_environment_or_prompt(monkeypatch):
    monkeypatch.delenv("WORKBOOK_ENGINE_MAIL_PASSWORD", raising=False)
    assert password() is None
    assert password(lambda: "typed") == "typed"
    monkeypatch.setenv("WORKBOOK_ENGINE_MAIL_PASSWORD", "from-env")
    assert password(lambda: "typed") == "from-env"


def test_policy_mail_deadlines_are_optional_and_checked():
    assert default_policy().mail.weekly_due_working_days == 1
    text = seed_policy_text(2026, "局")
    assert parse_policy(text.split("[mail]")[0]).mail is None
    with pytest.raises(InputError) as caught:
        parse_policy(text.replace("weekly_due_working_days = 1", "weekly_due_working_days = -1"))
    assert [i.key for i in caught.value.issues] == ["mail.weekly_due_working_days"]


def test_due_date_counts_working_days():
    from datetime import date

    assert due_date(date(2026, 3, 8), 1) == date(2026, 3, 9)  # Sunday → Monday
    assert due_date(date(2026, 3, 31), 3) == date(2026, 4, 3)
    assert due_date(date(2026, 9, 30), 1) == date(2026, 10, 8)  # past the National Day week
    assert due_date(date(2026, 3, 8), 0) == date(2026, 3, 6)


def roster_with_emails(path: Path, emails: list) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "人员"
    sheet.append(["工号", "姓名", "邮箱"])
    for n, address in enumerate(emails, 1):
        sheet.append([f"10{n}", f"人{n}", address])
    workbook.save(path)
    return path


def test_roster_email_column_checked(tmp_path):
    path = roster_with_emails(tmp_path / "花名册.xlsx", [
        "a@example.cn", " Ｂ＠Example.cn ", "c.example.cn", None, "A@EXAMPLE.CN", "d@x"])
    found, issues = load_addresses(path)
    assert found.by_id == {"101": "a@example.cn", "102": "B@Example.cn", "105": "A@EXAMPLE.CN"}
    assert [(i.sheet, i.row, i.column, i.code, i.severity) for i in issues] == [
        ("人员", 4, "邮箱", "roster.bad_email", "error"),
        ("人员", 6, "邮箱", "roster.duplicate_email", "warning"),
        ("人员", 7, "邮箱", "roster.bad_email", "error"),
    ]
    assert str(issues[0]) == ("花名册.xlsx，工作表「人员」，第 4 行，「邮箱」列：「c.example.cn」不是"
                              "有效的邮箱地址（应写成 zhangsan@example.gov.cn 的形式）")


def test_roster_without_email_column_has_no_addresses(workspace):
    found, issues = load_addresses(workspace.roster_path)
    assert found.by_id == {} and issues == []


NAME = "2026-W10_周考评表_2102_吴敏.xlsx"


def test_attachment_names_both_ways():
    item = Outgoing("send", ("k",), "2102", "吴敏", "wumin@163.com", "主题", "正文",
                    ((NAME, b"PK\x03\x04"),))
    raw = build_message(item, "县住建局考核办 <kaohe@163.com>")
    text = raw.decode("ascii")  # 7-bit clean: every non-ASCII byte is encoded
    assert "filename*=UTF-8''2026-W10_%E5%91%A8%E8%80%83%E8%AF%84%E8%A1%A8_2102_%E5%90%B4%E6%95%8F.xlsx" in text
    assert f'filename="{encoded_words(NAME)}"' in text and f'name="{encoded_words(NAME)}"' in text
    assert "Auto-Submitted: auto-generated" in text and "\r\n" in text
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert [p.get_filename() for p in message.iter_attachments()] == [NAME]
    assert parse_mail(raw, default_policy().limits, "x.eml").attachments[0].name == NAME
    legacy = email.message_from_bytes(raw)  # compat32: the RFC 2047 name= of Content-Type
    part = legacy.get_payload()[1]
    assert str(email.header.make_header(email.header.decode_header(
        part.get_param("name")))) == NAME


def test_long_names_split_into_short_encoded_words():
    words = encoded_words("很长的文件名" * 12 + ".xlsx").split(" ")
    assert len(words) > 1 and all(len(w) <= 75 for w in words)
    joined = str(email.header.make_header(email.header.decode_header(" ".join(words))))
    assert joined == "很长的文件名" * 12 + ".xlsx"
