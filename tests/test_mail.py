"""mail: saved e-mails → sender, subject and safely named spreadsheet attachments."""

from __future__ import annotations

import base64
import re
import urllib.parse
from email.message import EmailMessage
from pathlib import Path

import pytest
from helpers import LIMITS

from workbook_engine.ingest.mail import read_eml, safe_attachment_name
from workbook_engine.ingest.sniff import sniff, sniff_bytes
from workbook_engine.policy import IngestLimits

MB = 1024 * 1024
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(24)


def workbook_bytes() -> bytes:
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["工号", "姓名"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def new_mail(subject: str = "3月考评表") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "张三 <zhangsan@example.cn>"
    message["To"] = "考核办 <kaohe@example.cn>"
    message["Subject"] = subject
    message["Date"] = "Tue, 31 Mar 2026 17:05:00 +0800"
    message.set_content("考核办：\n\n附件是我 3 月的考评表。\n")
    return message


def save(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def raw_mail(*parts: str) -> bytes:
    """A multipart mail written by hand, for headers that EmailMessage would re-encode."""
    head = (
        "From: =?GBK?B?{}?= <wz@example.cn>\r\nTo: kaohe@example.cn\r\nSubject: =?gb2312?B?{}?=\r\n"
        "Date: Tue, 31 Mar 2026 09:00:00 +0800\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="BOUNDARY"\r\n\r\n'
        "--BOUNDARY\r\nContent-Type: text/plain; charset=GBK\r\n\r\nhi\r\n"
    ).format(b64("王喆", "gbk"), b64("王喆的考评表", "gbk"))
    body = "".join(f"--BOUNDARY\r\n{part}\r\n" for part in parts)
    return (head + body + "--BOUNDARY--\r\n").encode("ascii", "surrogateescape")


def b64(text: str, codec: str) -> str:
    return base64.b64encode(text.encode(codec)).decode()


def attachment_part(headers: str, data: bytes = b"PK-data") -> str:
    return f"{headers}\r\nContent-Transfer-Encoding: base64\r\n\r\n{base64.b64encode(data).decode()}\r\n"


# --- reading mails -------------------------------------------------------------------------


def test_attachments_extracted_and_others_ignored(tmp_path: Path) -> None:
    workbook = workbook_bytes()
    message = new_mail()
    message.add_attachment(workbook, *XLSX_TYPE, filename="张三-3月考评表.xlsx")
    message.add_attachment(b"old excel", "application", "vnd.ms-excel", filename="../evil.xlsx")
    message.add_attachment(b"word", "application", "octet-stream", filename="说明.docx")
    message.add_attachment(PNG, "image", "png", filename="签名.png", disposition="inline")
    message.add_attachment(b"no name", "application", "vnd.ms-excel")
    mail = read_eml(save(tmp_path, "张三.eml", message.as_bytes()), LIMITS)
    assert mail.sender == "张三 <zhangsan@example.cn>"
    assert mail.subject == "3月考评表"
    assert mail.sent == "2026-03-31 17:05:00+08:00"
    assert [(a.name, a.data) for a in mail.attachments] == [
        ("张三-3月考评表.xlsx", workbook),
        ("evil.xlsx", b"old excel"),
        ("附件.xls", b"no name"),
    ]
    assert mail.ignored == ("说明.docx", "签名.png")
    assert mail.issues == ()
    assert sniff_bytes(mail.attachments[0].data, mail.attachments[0].name, LIMITS).kind == "xlsx"


@pytest.mark.parametrize(
    "header, sender",
    [
        ('"张三" <zs@example.cn>', "张三 <zs@example.cn>"),
        ("zs@example.cn", "zs@example.cn"),
        ("=?utf-8?b?5byg5LiJ?= <zs@example.cn>", "张三 <zs@example.cn>"),
        ("张三", "张三"),
    ],
)
def test_sender_as_text(tmp_path: Path, header: str, sender: str) -> None:
    data = f"From: {header}\r\nSubject: x\r\n\r\nbody\r\n".encode()
    assert read_eml(save(tmp_path, "a.eml", data), LIMITS).sender == sender


def test_mail_file_is_sniffed_as_eml(tmp_path: Path) -> None:
    message = new_mail()
    message.add_attachment(workbook_bytes(), *XLSX_TYPE, filename="表.xlsx")
    assert sniff(save(tmp_path, "邮件.eml", message.as_bytes()), LIMITS).kind == "eml"
    assert sniff(save(tmp_path, "邮件.txt", message.as_bytes()), LIMITS).kind == "eml"


def test_gbk_names_in_every_encoding(tmp_path: Path) -> None:
    """RFC 2047 in GBK, GB2312 labels holding GBK-only characters (喆), RFC 2231, raw bytes."""
    gbk_2231 = urllib.parse.quote("周一考评表.xls".encode("gbk"))
    raw_8bit = "李四.xlsx".encode("gbk").decode("ascii", "surrogateescape")
    data = raw_mail(
        attachment_part(
            f'Content-Type: application/octet-stream; name="=?GB2312?B?{b64("王喆考评表.xlsx", "gbk")}?="\r\n'
            f'Content-Disposition: attachment; filename="=?GB2312?B?{b64("王喆考评表.xlsx", "gbk")}?="',
            b"one",
        ),
        attachment_part(
            "Content-Type: application/vnd.ms-excel\r\n"
            f"Content-Disposition: attachment; filename*=gbk''{gbk_2231}",
            b"two",
        ),
        attachment_part(
            f'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="{raw_8bit}"',
            b"three",
        ),
        attachment_part(
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n"
            f' filename="=?UTF-8?Q?{urllib.parse.quote("赵六").replace("%", "=")}?=\r\n'
            f' =?UTF-8?B?{b64(".xlsx", "utf-8")}?="',
            b"four",
        ),
    )
    mail = read_eml(save(tmp_path, "王喆.eml", data), LIMITS)
    assert mail.sender == "王喆 <wz@example.cn>"
    assert mail.subject == "王喆的考评表"
    assert mail.sent == "2026-03-31 09:00:00+08:00"
    assert [(a.name, a.data) for a in mail.attachments] == [
        ("王喆考评表.xlsx", b"one"),
        ("周一考评表.xls", b"two"),
        ("李四.xlsx", b"three"),
        ("赵六.xlsx", b"four"),
    ]
    assert mail.issues == ()


def test_same_name_twice_and_device_names(tmp_path: Path) -> None:
    message = new_mail()
    for name in ("表.xlsx", "表.XLSX", "../表.xlsx", "CON.xlsx"):
        message.add_attachment(b"x", *XLSX_TYPE, filename=name)
    mail = read_eml(save(tmp_path, "a.eml", message.as_bytes()), LIMITS)
    assert [a.name for a in mail.attachments] == [
        "表.xlsx",
        "表 (2).XLSX",
        "表 (3).xlsx",
        "_CON.xlsx",
    ]


def test_forwarded_mail_attachments_found(tmp_path: Path) -> None:
    inner = new_mail("转发：考评表")
    inner.add_attachment(b"inner", *XLSX_TYPE, filename="李四.xlsx")
    outer = new_mail("Fwd: 考评表")
    outer.add_attachment(inner)
    mail = read_eml(save(tmp_path, "转发.eml", outer.as_bytes()), LIMITS)
    assert [(a.name, a.data) for a in mail.attachments] == [("李四.xlsx", b"inner")]
    assert mail.subject == "Fwd: 考评表"


def test_attachment_over_the_limit_not_decoded(tmp_path: Path) -> None:
    small = IngestLimits(
        max_file_bytes=10_000,
        max_unzipped_bytes=MB,
        max_zip_entries=10,
        parse_seconds=5,
        parse_memory_bytes=100 * MB,
    )
    message = new_mail()
    message.add_attachment(bytes(12_000), *XLSX_TYPE, filename="大表.xlsx")
    message.add_attachment(b"small", *XLSX_TYPE, filename="小表.xlsx")
    mail = read_eml(save(tmp_path, "大.eml", message.as_bytes()), small)
    assert [a.name for a in mail.attachments] == ["小表.xlsx"]
    assert [(i.code, i.file) for i in mail.issues] == [("file.too_large", "大.eml")]
    assert "大表.xlsx" in mail.issues[0].message and "上限" in mail.issues[0].message
    too_big = read_eml(save(tmp_path, "更大.eml", message.as_bytes() * 2), small)
    assert [i.code for i in too_big.issues] == ["file.too_large"]
    assert str(mail.issues[0]).startswith("大.eml：")


def test_mail_without_spreadsheet(tmp_path: Path) -> None:
    message = new_mail()
    message.add_attachment(b"word", "application", "octet-stream", filename="说明.docx")
    mail = read_eml(save(tmp_path, "无附件.eml", message.as_bytes()), LIMITS)
    assert mail.attachments == () and mail.ignored == ("说明.docx",)
    assert [(i.code, i.file) for i in mail.issues] == [("mail.no_attachment", "无附件.eml")]
    assert mail.issues[0].message.startswith("邮件中没有 Excel 附件")
    assert "说明.docx" in mail.issues[0].message


@pytest.mark.parametrize(
    "data", [b"", b"\x00\x01\x02\xff" * 100, "只是一段文字，没有邮件头。\n".encode()]
)
def test_unparseable_mail(tmp_path: Path, data: bytes) -> None:
    mail = read_eml(save(tmp_path, "坏.eml", data), LIMITS, "收件箱/坏.eml")
    assert [(i.code, i.file) for i in mail.issues] == [("mail.corrupt", "收件箱/坏.eml")]
    assert CHINESE.search(mail.issues[0].message)
    assert mail.attachments == ()


def test_missing_mail_file(tmp_path: Path) -> None:
    mail = read_eml(tmp_path / "不存在.eml", LIMITS)
    assert [(i.code, i.file) for i in mail.issues] == [("file.unreadable", "不存在.eml")]


# --- the sanitiser -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("张三-3月考评表.xlsx", "张三-3月考评表.xlsx"),
        ("../../x.xlsx", "x.xlsx"),
        ("/etc/x.xlsx", "x.xlsx"),
        ("C:\\temp\\x.xlsx", "x.xlsx"),
        ("..\\..\\x.xlsx", "x.xlsx"),
        ("a\x00b\x1b[31m\u202e.xlsx", "ab[31m.xlsx"),
        ('a*b?c"d<e>f|g:h.xlsx', "abcdefgh.xlsx"),
        ("CON", "_CON"),
        ("con.xlsx", "_con.xlsx"),
        ("NUL.tar.xlsx", "_NUL.tar.xlsx"),
        ("COM1.xlsx", "_COM1.xlsx"),
        ("lpt9", "_lpt9"),
        ("CONTRACT.xlsx", "CONTRACT.xlsx"),
        ("COM10.xlsx", "COM10.xlsx"),
        ("...hidden.xlsx", "hidden.xlsx"),
        ("  表.xlsx  ", "表.xlsx"),
        ("表.xlsx.", "表.xlsx"),
        (".xlsx", "附件.xlsx"),
        ("", "附件.xlsx"),
        ("../", "附件.xlsx"),
        ("\x01\x02", "附件.xlsx"),
    ],
)
def test_safe_attachment_name(raw: str, expected: str) -> None:
    assert safe_attachment_name(raw, set()) == expected


def test_safe_names_never_collide() -> None:
    taken: set[str] = {"表.xlsx"}
    names = [safe_attachment_name(raw, taken) for raw in ("表.xlsx", "表.xlsx", "表 (2).xlsx", "")]
    assert names == ["表 (2).xlsx", "表 (3).xlsx", "表 (2) (2).xlsx", "附件.xlsx"]
    assert safe_attachment_name("附件.xlsx", taken) == "附件 (2).xlsx"
    assert taken == {"表.xlsx", *names, "附件 (2).xlsx"}


def test_long_names_fit_the_file_system() -> None:
    name = safe_attachment_name("考" * 300 + ".xlsx", set())
    assert name.endswith(".xlsx") and len(name.encode()) <= 200


def test_big_attachment_never_decoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import email.message

    decoded: list[int] = []
    original = email.message.Message.get_payload

    def recording(self, i=None, decode=False):
        payload = original(self, i, decode)
        if decode and isinstance(payload, bytes):
            decoded.append(len(payload))
        return payload

    monkeypatch.setattr(email.message.Message, "get_payload", recording)
    limits = IngestLimits(
        max_file_bytes=MB,
        max_unzipped_bytes=10 * MB,
        max_zip_entries=10,
        parse_seconds=5,
        parse_memory_bytes=100 * MB,
    )
    message = new_mail()
    message.add_attachment(bytes(MB + 300_000), *XLSX_TYPE, filename="大表.xlsx")
    message.add_attachment(b"small", *XLSX_TYPE, filename="小表.xlsx")
    mail = read_eml(save(tmp_path, "大.eml", message.as_bytes()), limits)
    assert [i.code for i in mail.issues] == ["file.too_large"]
    assert "1.3 MB" in mail.issues[0].message and "1 MB" in mail.issues[0].message
    assert decoded and max(decoded) < 1000
