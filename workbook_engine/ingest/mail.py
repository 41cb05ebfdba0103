"""Saved e-mails (.eml): the sender, the subject and the spreadsheet attachments, safely named.

    read_eml(Path("inbox/张三.eml"), limits)
      → Mail(sender="张三 <zhangsan@example.cn>", subject="3月考评表", sent="2026-03-31 17:05:00+08:00",
             attachments=(Attachment("张三-3月考评表.xlsx", b"PK..."),), ignored=("签名.png",), issues=())

File names are decoded whatever the mail client did (RFC 2047 words, RFC 2231 parameters,
raw 8-bit bytes; GB2312 labels read as GB18030, which also holds names like 王喆), then cut to
a plain file name: `../../evil.xlsx` → `evil.xlsx`, `CON.xlsx` → `_CON.xlsx`, a second
`表.xlsx` → `表 (2).xlsx`. Other parts (images, signatures, Word files) are listed, not kept.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.policy
import io
import quopri
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from email.errors import MessageError
from email.message import Message
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

from workbook_engine.filenames import FORBIDDEN, is_device
from workbook_engine.ingest.sniff import max_mail_bytes, megabytes
from workbook_engine.issues import Issue
from workbook_engine.policy import IngestLimits

DEFAULT_ATTACHMENT_NAME = "附件.xlsx"
MAX_NAME_BYTES = 200  # UTF-8 bytes of a file name, leaving room for " (12)" and a prefix
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".et", ".ett", ".xlsb")
SPREADSHEET_TYPES = frozenset(
    (
        "application/vnd.ms-excel",
        "application/msexcel",
        "application/x-msexcel",
        "application/x-ms-excel",
        "application/x-excel",
        "application/excel",
        "application/x-xls",
        "application/xls",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.ms-excel.sheet.binary.macroenabled.12",
        "application/vnd.ms-excel.template.macroenabled.12",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.spreadsheet-template",
        "application/kset",
        "application/wps-office.xlsx",
        "application/wps-office.xls",
        "application/wps-office.et",
        "application/wps-office.ett",
    )
)
CORRUPT_MESSAGE = "无法识别这封邮件（文件已损坏或不是邮件），请重新保存邮件后再发送"
_MAIL_HEADERS = ("from", "to", "subject", "date", "received", "mime-version", "return-path")
# What the stdlib parser may raise on hostile input.
_PARSE_ERRORS = (MessageError, ValueError, TypeError, LookupError, AttributeError, UnicodeError)


@dataclass(frozen=True)
class Attachment:
    """A spreadsheet attached to a mail; `name` is safe to use as a file name."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Mail:
    """What a saved e-mail holds; `issues` name the mail file (and the attachment)."""

    sender: str
    subject: str
    sent: str
    attachments: tuple[Attachment, ...]
    ignored: tuple[str, ...]
    issues: tuple[Issue, ...]


def read_eml(path: Path, limits: IngestLimits, display_name: str | None = None) -> Mail:
    """Read a saved e-mail; every problem is an issue, never an exception."""
    path = Path(path)
    shown = display_name or path.name
    try:
        size = path.stat().st_size
        if size > max_mail_bytes(limits):
            size_mb, limit_mb = megabytes(size, max_mail_bytes(limits))
            message = f"邮件大小为 {size_mb} MB，超过了 {limit_mb} MB 的上限，未予接收"
            return _failed(shown, "file.too_large", message)
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return _failed(shown, "file.unreadable", f"无法读取邮件文件（{reason}）")
    return parse_mail(data, limits, shown)


def parse_mail(data: bytes, limits: IngestLimits, display_name: str) -> Mail:
    """A saved e-mail held in memory (e.g. a mail forwarded as an attachment)."""
    try:
        message = BytesParser(policy=email.policy.default).parsebytes(data)
    except _PARSE_ERRORS:
        return _failed(display_name, "mail.corrupt", CORRUPT_MESSAGE)
    names = {name.lower() for name in message.keys()}
    if not data.strip() or not names.intersection(_MAIL_HEADERS):
        return _failed(display_name, "mail.corrupt", CORRUPT_MESSAGE)
    attachments, ignored, issues = _collect(message, limits, display_name)
    if not attachments and not issues:
        found = f"（邮件中只有：{'、'.join(ignored)}）" if ignored else ""
        message_text = f"邮件中没有 Excel 附件{found}，请把填好的表格作为附件发送"
        issues.append(Issue(code="mail.no_attachment", message=message_text, file=display_name))
    return Mail(
        sender=_sender(message),
        subject=_header_text(message, "subject"),
        sent=_sent(message),
        attachments=tuple(attachments),
        ignored=tuple(ignored),
        issues=tuple(issues),
    )


def _failed(shown: str, code: str, message: str) -> Mail:
    return Mail("", "", "", (), (), (Issue(code=code, message=message, file=shown),))


# --- parts ---------------------------------------------------------------------------------


def _collect(message: Message, limits: IngestLimits, shown: str):
    """(attachments, ignored part names, issues) over every leaf part of the mail."""
    attachments: list[Attachment] = []
    ignored: list[str] = []
    issues: list[Issue] = []
    taken: set[str] = set()
    for part in message.walk():
        if part.is_multipart():
            continue
        try:
            raw_name, content_type = _filename(part), part.get_content_type()
        except _PARSE_ERRORS:
            ignored.append("（无法解析的邮件部分）")
            continue
        if not raw_name and content_type in ("text/plain", "text/html") and not _attached(part):
            continue  # the body of the mail
        data, issue = None, None
        if not _is_spreadsheet(raw_name, content_type):
            suffix = _by_bytes(part, raw_name, content_type, limits, shown)
            if not suffix:
                ignored.append(_printable(raw_name) or f"（未命名的 {content_type}）")
                continue
            raw_name = (raw_name or "附件") + suffix  # recognised by its bytes
        raw_name = raw_name or _default_name(content_type)
        data, issue = _payload(part, _printable(raw_name), limits, shown)
        if issue is not None:
            issues.append(issue)
        else:
            name = safe_attachment_name(raw_name, taken)
            attachments.append(Attachment(name=name, data=data))
    return attachments, ignored, issues


def _attached(part: Message) -> bool:
    disposition = _raw_header(part, "content-disposition") or ""
    return disposition.strip().lower().startswith("attachment")


def _is_spreadsheet(name: str, content_type: str) -> bool:
    return name.lower().endswith(SPREADSHEET_SUFFIXES) or content_type in SPREADSHEET_TYPES


_GENERIC_TYPES = ("application/octet-stream", "application/zip", "application/x-zip-compressed",
                  "application/x-ole-storage", "application/cdfv2", "")


def _by_bytes(part: Message, raw_name: str, content_type: str, limits: IngestLimits,
              shown: str) -> str:
    """The extension of an attachment without one whose bytes are a workbook ('' when not):
    `周考评表` sent as application/octet-stream → `.xlsx`."""
    if "." in raw_name.rsplit("/", 1)[-1] or content_type not in _GENERIC_TYPES:
        return ""
    if not raw_name and not _attached(part):
        return ""
    data, issue = _payload(part, raw_name or "附件", limits, shown)
    if issue is not None or not data:
        return ""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return ".xls"
    if not data.startswith(b"PK"):
        return ""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return ".xlsx"
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100 \
                    and archive.read("mimetype").startswith(
                        b"application/vnd.oasis.opendocument.spreadsheet"):
                return ".ods"
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        return ""
    return ""


def _default_name(content_type: str) -> str:
    if "opendocument" in content_type:
        return "附件.ods"
    if content_type in ("application/vnd.ms-excel", "application/wps-office.xls"):
        return "附件.xls"
    return DEFAULT_ATTACHMENT_NAME


def _payload(part: Message, name: str, limits: IngestLimits, shown: str):
    """(decoded bytes, None), or (None, a file.too_large issue) before decoding a big one."""
    encoding = (_raw_header(part, "content-transfer-encoding") or "").strip().lower()
    encoded = part.get_payload(decode=False)
    if not isinstance(encoded, str):
        encoded = ""
    size = len(encoded)
    if encoding == "base64":
        size = (size - sum(encoded.count(space) for space in " \t\r\n")) * 3 // 4
    data = None
    if size <= limits.max_file_bytes or encoding != "base64":
        data = part.get_payload(decode=True) or b""
        size = len(data)
    if size > limits.max_file_bytes:
        size_mb, limit_mb = megabytes(size, limits.max_file_bytes)
        message = (
            f"附件「{name}」大小约为 {size_mb} MB，超过了 {limit_mb} MB 的上限，"
            "未予接收；请删去不需要的内容（如图片）后重新发送"
        )
        return None, Issue(code="file.too_large", message=message, file=shown)
    return data, None


# --- names ---------------------------------------------------------------------------------

_DROPPED_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def safe_attachment_name(raw: str, taken: set[str]) -> str:
    """A plain file name for `raw`, not in `taken` (compared case-insensitively); adds it."""
    name = re.split(r"[\\/]", unicodedata.normalize("NFC", raw))[-1]
    name = "".join(
        char
        for char in name
        if char not in FORBIDDEN and unicodedata.category(char) not in _DROPPED_CATEGORIES
    )
    stripped = name.strip(". \u3000")
    if stripped and name.startswith(".") and "." not in stripped:
        stripped = f"附件.{stripped}"  # ".xlsx" → "附件.xlsx"
    name = stripped or DEFAULT_ATTACHMENT_NAME
    if is_device(name):
        name = "_" + name
    name = _unique(_shorten(name), taken)
    taken.add(name)
    return name


def _split_suffix(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 16:
        return name, ""
    return stem, "." + suffix


def _shorten(name: str) -> str:
    stem, suffix = _split_suffix(name)
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES and len(stem) > 1:
        stem = stem[:-1]
    return stem.rstrip(". ") + suffix


def _unique(name: str, taken: set[str]) -> str:
    used = {existing.casefold() for existing in taken}
    if name.casefold() not in used:
        return name
    stem, suffix = _split_suffix(name)
    number = 2
    while f"{stem} ({number}){suffix}".casefold() in used:
        number += 1
    return f"{stem} ({number}){suffix}"


def _printable(text: str, limit: int = 120) -> str:
    kept = "".join(char for char in text if unicodedata.category(char) not in _DROPPED_CATEGORIES)
    kept = kept.strip()
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


# --- header decoding -----------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(?<=\?=)\s+(?==\?)")
_WIDER_CHARSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
}
_GUESSED_CHARSETS = frozenset(("", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "default"))


def _raw_header(part: Message, name: str) -> str | None:
    """The header as written in the mail (unfolded), bypassing the header parser."""
    for key, value in part.raw_items():
        if key.lower() == name:
            return re.sub(r"\r?\n", "", str(value))
    return None


def _filename(part: Message) -> str:
    """The attachment's file name, decoded; "" when it has none."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = _raw_header(part, header)
        if raw is None:
            continue
        legacy = Message()  # compat32: parameters as written, no lossy decoding
        legacy[header] = _repair_8bit(raw)
        try:
            value = legacy.get_param(param, header=header)
        except _PARSE_ERRORS:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, text as latin-1)
            charset, _, text = value
            decoded = _decode_bytes(_latin1_bytes(text), charset or "")
        else:
            decoded = _decode_words(value or "")
        if decoded.strip():
            return decoded.strip()
    return ""


def _latin1_bytes(text: str) -> bytes:
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:  # raw UTF-8 or GBK was already decoded by _repair_8bit
        return text.encode("utf-8")


def _header_text(message: Message, name: str) -> str:
    raw = _raw_header(message, name)
    return "" if raw is None else _printable(_decode_words(raw), limit=200)


def _sender(message: Message) -> str:
    """The From address as `name <address>` (quotes around the name dropped)."""
    text = _header_text(message, "from")
    name, address = parseaddr(text)
    if not address or "@" not in address:
        return text
    return f"{name} <{address}>" if name else address


def _sent(message: Message) -> str:
    raw = _raw_header(message, "date")
    if raw is None:
        return ""
    try:
        return parsedate_to_datetime(raw.strip()).isoformat(sep=" ")
    except (TypeError, ValueError, IndexError, OverflowError):
        return _printable(raw)


def _decode_words(text: str) -> str:
    """RFC 2047 encoded words and raw 8-bit bytes decoded, charsets widened (GB2312 → GB18030)."""
    text = _repair_8bit(text)
    text = _BETWEEN_WORDS.sub("", text)
    return _ENCODED_WORD.sub(_decode_word, text)


def _decode_word(match: re.Match) -> str:
    charset, encoding, payload = match.groups()
    try:
        if encoding in "bB":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = quopri.decodestring(payload.encode("ascii", "ignore"), header=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return _decode_bytes(data, charset.split("*")[0])


def _repair_8bit(text: str) -> str:
    """Bytes the parser kept as surrogates (raw GBK or UTF-8 in a header) decoded."""
    if not any("\udc80" <= char <= "\udcff" for char in text):
        return text
    return _decode_bytes(text.encode("utf-8", "surrogateescape"), "")


def _decode_bytes(data: bytes, charset: str) -> str:
    """Bytes as text in `charset` (widened), or guessed between UTF-8 and GB18030."""
    label = charset.strip().lower()
    if label not in _GUESSED_CHARSETS:
        codec = _WIDER_CHARSETS.get(label, label)
        try:
            codecs.lookup(codec)
            return data.decode(codec, "replace")
        except LookupError:
            pass
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


_BOUNDARY = re.compile(rb'boundary\s*=\s*"?([^";\r\n]+)"?', re.I)


def mail_complete(path: Path) -> bool:
    """False for a multipart mail whose closing boundary has not arrived yet (a saved mail
    still being copied); True otherwise."""
    try:
        data = path.read_bytes()
    except OSError:
        return True
    found = _BOUNDARY.search(data[:65536])
    if found is None:
        return True
    return b"--" + found.group(1).strip() + b"--" in data
