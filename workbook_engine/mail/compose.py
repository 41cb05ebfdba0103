"""Outgoing messages: Chinese text, and attachment names every common client shows.

An attachment named `2026-W10_周考评表_2102_吴敏.xlsx` is written as

    Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;
     name="=?UTF-8?B?MjAyNi1XMTBf5ZGo6ICD6K+E6KGoXzIxMDJf5ZC05pWPLnhsc3g=?="
    Content-Disposition: attachment;
     filename="=?UTF-8?B?MjAyNi1XMTBf5ZGo6ICD6K+E6KGoXzIxMDJf5ZC05pWPLnhsc3g=?=";
     filename*=UTF-8''2026-W10_%E5%91%A8%E8%80%83%E8%AF%84%E8%A1%A8_2102_%E5%90%B4%E6%95%8F.xlsx

- `filename*` (RFC 2231) is the standard form; clients that know it use it first
  (Outlook 2007 and later, Thunderbird, Apple Mail, Gmail, the 163/126 web mail).
- `filename` and the Content-Type `name`, as RFC 2047 encoded words in quotes, are what
  Outlook, Foxmail and the NetEase web mail themselves write, and what older readers
  (Outlook 2003, Foxmail 6, Exchange's MIME reader per MS-OXCMAIL §2.2.3.4.1.1:
  Content-Disposition filename first, then Content-Type name) understand.
- UTF-8 everywhere, encoded words kept under 75 characters (split on character bounds),
  no character Windows refuses in a file name (the outbox names are already safe).
"""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
import urllib.parse
from dataclasses import dataclass, field
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_WORD_LIMIT = 75  # RFC 2047: an encoded word is at most 75 characters


@dataclass(frozen=True)
class Outgoing:
    """One message to send; `keys` are what the mail log marks as done when it is accepted."""

    action: str
    keys: tuple[str, ...]
    staff_id: str
    name: str
    address: str
    subject: str
    body: str
    attachments: tuple[tuple[str, bytes], ...] = field(default=())

    @property
    def shown(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


def encoded_words(text: str) -> str:
    """`text` as RFC 2047 base64 words (UTF-8), each at most 75 characters, space-separated."""
    words, chunk = [], ""
    for char in text:
        trial = chunk + char
        if len(_word(trial)) > _WORD_LIMIT:
            words.append(_word(chunk))
            chunk = char
        else:
            chunk = trial
    if chunk or not words:
        words.append(_word(chunk))
    return " ".join(words)


def _word(text: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def attachment_part(name: str, data: bytes) -> MIMEBase:
    """A base64 attachment part named by both RFC 2231 and RFC 2047 (see the module doc)."""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.lower().endswith(".xlsx"):
        content_type = XLSX_TYPE
    maintype, subtype = content_type.split("/", 1)
    part = MIMEBase(maintype, subtype)
    part.set_payload(data)
    encoders.encode_base64(part)
    legacy = encoded_words(name) if not name.isascii() else name.replace('"', "")
    extended = "UTF-8''" + urllib.parse.quote(name, safe="")
    part.replace_header("Content-Type", f'{content_type}; name="{legacy}"')
    part["Content-Disposition"] = f'attachment; filename="{legacy}"; filename*={extended}'
    return part


def build_message(item: Outgoing, sender: str, now: dt.datetime | None = None) -> bytes:
    """The whole message as bytes (CRLF line ends), ready for SMTP."""
    display, address = parseaddr(sender)
    message = MIMEMultipart() if item.attachments else MIMEText(item.body, "plain", "utf-8")
    if item.attachments:
        message.attach(MIMEText(item.body, "plain", "utf-8"))
        for name, data in item.attachments:
            message.attach(attachment_part(name, data))
    message["From"] = formataddr((display, address), charset="utf-8")
    message["To"] = formataddr((item.name, item.address), charset="utf-8")
    message["Subject"] = Header(item.subject, "utf-8")
    message["Date"] = format_datetime((now or dt.datetime.now()).astimezone())
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-replies must not answer
    message["X-Mailer"] = "workbook-engine"
    return message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
