"""The real type of a submitted file, told from its bytes before any spreadsheet parser sees it.

    sniff(Path("张三.xlsx"), limits)   → Sniffed(kind="xlsx", issues=())
    sniff(Path("张三.xls"), limits)    → Sniffed(kind="xlsx")   # an .xlsx renamed .xls: read it
    sniff(Path("表.xlsx"), limits)     → Sniffed(kind="", issues=(Issue("file.not_workbook",
                                           "这是 PDF 文件，不是 Excel 工作簿", file="表.xlsx"),))
    sniff(Path("~$表.xlsx"), limits)   → Sniffed(kind="", skip=True)   # Office lock file

Every check is cheap and bounded: the size comes from the file system; a zip is judged from
its central directory (entry count, declared sizes, compression ratios) before anything is
decompressed; only the first 4 KB of each XML part is read, to refuse DOCTYPE/ENTITY
declarations (XML bombs, external entities); an OLE2 file is judged from its stream names.
The extension never decides the kind on its own, except for WPS-only and .xlsb files.
"""

from __future__ import annotations

import codecs
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import olefile

from workbook_engine.ingest.package import Package, open_package
from workbook_engine.ingest.stored import kept_content
from workbook_engine.issues import Issue
from workbook_engine.memo import keep
from workbook_engine.policy import IngestLimits

XLSX, XLSM, XLS, ODS, EML = "xlsx", "xlsm", "xls", "ods", "eml"
KINDS = (XLSX, XLSM, XLS, ODS, EML)

MAIL_SIZE_FACTOR = 2  # a saved e-mail may exceed max_file_bytes: base64 adds a third
BOMB_RATIO = 200  # an entry compressed more than 200:1 ...
BOMB_ENTRY_BYTES = 10 * 1024 * 1024  # ... and larger than 10 MB is a zip bomb
CD_BYTES_PER_ENTRY = 512  # central directory bytes allowed per permitted entry
HEAD_BYTES = 8192
XML_HEAD_BYTES = 4096
BIFF_SCAN_BYTES = 65536

CORRUPT_MESSAGE = "文件已损坏或不完整，请重新保存后再发送"
ENCRYPTED_MESSAGE = "工作簿设置了打开密码，无法读取，请取消密码后另存为 .xlsx 再发送"
SAVE_AS_XLSX = "请用 Excel 或 WPS 打开后「另存为」Excel 工作簿（.xlsx）再发送"
_XLSB_MESSAGE = "这是 Excel 二进制工作簿（.xlsb），无法读取，" + SAVE_AS_XLSX
_SYSTEM_FILES = frozenset(("thumbs.db", "desktop.ini", ".ds_store"))
_MB = 1024 * 1024
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# What zipfile and olefile raise on a damaged or hostile container.
_BROKEN = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    struct.error,
    NotImplementedError,
    RuntimeError,
    OverflowError,
    zlib.error,  # a damaged deflate stream
)


@dataclass(frozen=True)
class Sniffed:
    """The verdict on one file: a readable kind, or the issues refusing it, or skip."""

    kind: str  # one of KINDS when the file may be read; "" when refused or skipped
    issues: tuple[Issue, ...] = ()  # non-empty when refused
    skip: bool = False  # a lock file or system file: not ours, leave it alone
    macros: bool = False  # macros present (read, never run)

    @property
    def ok(self) -> bool:
        return bool(self.kind) and not self.issues


def max_mail_bytes(limits: IngestLimits) -> int:
    """The size limit of a saved e-mail (its attachments are checked one by one)."""
    return limits.max_file_bytes * MAIL_SIZE_FACTOR


def megabytes(size: int, limit: int) -> tuple[str, str]:
    """Both sizes in MB with just enough decimals to tell them apart: ("25.3", "20")."""
    for places in (1, 2, 3, 6):
        shown_size, shown_limit = f"{size / _MB:.{places}f}", f"{limit / _MB:.{places}f}"
        if shown_size != shown_limit:
            break
    return _trim_zeros(shown_size), _trim_zeros(shown_limit)


def sniff(path: Path, limits: IngestLimits, display_name: str | None = None) -> Sniffed:
    """The real type of the file at `path`, or the issues refusing it."""
    path = Path(path)
    shown = display_name or path.name
    by_name = _judge_name(path.name, shown)
    if by_name is not None:
        return by_name
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            return _sniff_stream(stream, size, path.name, shown, limits)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return _refused(shown, "file.unreadable", f"无法读取文件（{reason}），请检查后重新放入")


def sniff_bytes(
    data: bytes, name: str, limits: IngestLimits, display_name: str | None = None
) -> Sniffed:
    """The real type of an e-mail attachment `name` holding `data`."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]  # after the last / or \\
    shown = display_name or name
    by_name = _judge_name(base, shown)
    if by_name is not None:
        return by_name
    return _sniff_stream(io.BytesIO(data), len(data), base, shown, limits, data)


# --- by name and size ----------------------------------------------------------------------


def _is_lock_or_system(name: str) -> bool:
    """Office/WPS/LibreOffice lock files and operating-system droppings."""
    # "~$x.xlsx" (Office, WPS), ".~lock.x.xlsx#" (LibreOffice), "._x.xlsx" (macOS)
    return name.startswith(("~$", ".~", "._")) or name.lower() in _SYSTEM_FILES


def _judge_name(name: str, shown: str) -> Sniffed | None:
    """Skip lock files; refuse WPS-only formats and .xlsb whatever their bytes."""
    if _is_lock_or_system(name):
        return Sniffed("", skip=True)
    suffix = _suffix(name).lower()
    if suffix in (".et", ".ett"):
        message = (
            f"这是 WPS 专用格式（{suffix}），请在 WPS 中「另存为」Excel 工作簿（.xlsx）后再发送"
        )
        return _refused(shown, "file.wps_format", message)
    if suffix == ".xlsb":
        return _refused(shown, "file.unsupported_format", _XLSB_MESSAGE)
    return None


def _suffix(name: str) -> str:
    """`Path(name).suffix`, without building a path for a plain file name."""
    if "/" in name or name in ("", "."):
        return Path(name).suffix
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _sniff_stream(
    stream: BinaryIO, size: int, name: str, shown: str, limits: IngestLimits,
    data: bytes | None = None,
) -> Sniffed:
    """Size first (from the head alone), then the container: zip, OLE2, e-mail, other.
    `data`: the stream's bytes when they are in memory (the zip is then parsed once for
    every later reader of the same bytes, see package.py)."""
    if size == 0:
        return _refused(shown, "file.empty", "文件是空的（0 字节），请重新保存后再发送")
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    mail = _looks_like_mail(head, name)
    limit = max_mail_bytes(limits) if mail else limits.max_file_bytes
    if size > limit:
        shown_size, shown_limit = megabytes(size, limit)
        what = "邮件" if mail else "文件"
        message = (
            f"{what}大小为 {shown_size} MB，超过了 {shown_limit} MB 的上限，未予接收；"
            "请删去不需要的内容（如图片）后再发送"
        )
        return _refused(shown, "file.too_large", message)
    if head.startswith(_ZIP_MAGIC):
        return _sniff_zip(stream, size, shown, limits, data)
    if head.startswith(_OLE_MAGIC):
        return _sniff_ole(stream, size, shown)
    if mail:
        return Sniffed(EML)
    code, message = _describe_other(head, name)
    return _refused(shown, code, message)


# --- zip: xlsx, xlsm, ods ------------------------------------------------------------------


def _sniff_zip(stream: BinaryIO, size: int, shown: str, limits: IngestLimits,
               data: bytes | None = None) -> Sniffed:
    directory = _end_of_directory(stream, size)
    if directory is None:
        return _refused(shown, "file.corrupt", CORRUPT_MESSAGE)
    entries, directory_bytes = directory
    if entries > limits.max_zip_entries:
        return _bomb(
            shown, f"文件内部有 {entries} 个部件，超过了 {limits.max_zip_entries} 个的上限"
        )
    if directory_bytes > limits.max_zip_entries * CD_BYTES_PER_ENTRY:
        return _bomb(shown, "文件的目录区异常庞大")
    try:
        if data is not None:
            return _judge_archive(open_package(data), shown, limits)
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            return _judge_archive(_Streamed(archive), shown, limits)
    except _BROKEN:
        return _refused(shown, "file.corrupt", CORRUPT_MESSAGE)


def _end_of_directory(stream: BinaryIO, size: int) -> tuple[int, int] | None:
    """(entry count, central directory size) as the end record declares; None if missing."""
    tail_size = min(size, 22 + 65535)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    entries, directory_bytes = struct.unpack_from("<HL", tail, at + 10)
    if entries != 0xFFFF and directory_bytes != 0xFFFFFFFF:
        return entries, directory_bytes
    locator = tail[at - 20 : at] if at >= 20 else b""
    if not locator.startswith(b"PK\x06\x07"):
        return None
    (offset,) = struct.unpack_from("<Q", locator, 8)
    if offset + 56 > size:
        return None
    stream.seek(offset)
    record = stream.read(56)
    if not record.startswith(b"PK\x06\x06"):
        return None
    entries, directory_bytes = struct.unpack_from("<QQ", record, 32)
    return entries, directory_bytes


class _Streamed:
    """A zip read from a file stream: part heads through zipfile (cf. package.Package)."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive

    def infolist(self) -> list[zipfile.ZipInfo]:
        return self.archive.infolist()

    def head(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        with self.archive.open(info) as part:
            return part.read(limit)


def _judge_archive(package: Package | _Streamed, shown: str, limits: IngestLimits) -> Sniffed:
    infos = package.infolist()
    if len(infos) > limits.max_zip_entries:
        return _bomb(
            shown, f"文件内部有 {len(infos)} 个部件，超过了 {limits.max_zip_entries} 个的上限"
        )
    reason = _bomb_reason(infos, limits)
    if reason:
        return _bomb(shown, reason)
    parts: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        key = info.filename.lower().lstrip("/")
        if key in parts:
            return _refused(shown, "file.corrupt", CORRUPT_MESSAGE)
        parts[key] = info
    verdict = _zip_kind(package, parts, shown)
    if verdict.kind:
        unsafe = _unsafe_xml_part(package, infos, verdict.kind == ODS)
        if unsafe is not None:
            message = (
                f"文件内部的部件 {_printable(unsafe)} 含有不安全的 XML 声明（DOCTYPE/ENTITY），"
                "可能是恶意文件，已拒收；如是正常表格，" + SAVE_AS_XLSX
            )
            return _refused(shown, "file.unsafe_xml", message)
    return verdict


def _bomb_reason(infos: list[zipfile.ZipInfo], limits: IngestLimits) -> str:
    """Why the declared sizes make this zip a bomb; "" when they do not."""
    total = sum(info.file_size for info in infos)
    if total > limits.max_unzipped_bytes:
        shown_total, shown_limit = megabytes(total, limits.max_unzipped_bytes)
        return f"文件解压后共 {shown_total} MB，超过了 {shown_limit} MB 的上限"
    for info in infos:
        if info.file_size <= BOMB_ENTRY_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > BOMB_RATIO:
            return (
                f"文件内部的部件 {_printable(info.filename)} 压缩比异常（{ratio:.0f}:1），"
                f"解压后达 {info.file_size / _MB:.1f} MB"
            )
    return ""


def _bomb(shown: str, reason: str) -> Sniffed:
    message = f"{reason}，可能是恶意文件（压缩炸弹），已拒收"
    return _refused(shown, "file.zip_bomb", message)


def _zip_kind(package: Package | _Streamed, parts: dict[str, zipfile.ZipInfo],
              shown: str) -> Sniffed:
    """xlsx / xlsm / ods by the parts present; a refusal for any other zip."""
    if "xl/workbook.bin" in parts:
        return _refused(shown, "file.unsupported_format", _XLSB_MESSAGE)
    if "[content_types].xml" in parts and "xl/workbook.xml" in parts:
        types = package.head(parts["[content_types].xml"], _MB).lower()
        macros = (
            b"macroenabled" in types
            or "xl/vbaproject.bin" in parts
            or any(key.startswith("xl/macrosheets/") for key in parts)
        )
        return Sniffed(XLSM, macros=True) if macros else Sniffed(XLSX)
    if "mimetype" in parts:
        mimetype = package.head(parts["mimetype"], 200).strip().decode("ascii", "replace")
        if mimetype.startswith("application/vnd.oasis.opendocument.spreadsheet"):
            return Sniffed(ODS)
        if mimetype.startswith("application/vnd.oasis.opendocument."):
            return _refused(shown, "file.not_workbook", "这是 OpenDocument 文档，但不是电子表格")
    if any(key.startswith("word/") for key in parts):
        return _refused(shown, "file.not_workbook", "这是 Word 文档，不是 Excel 工作簿")
    if any(key.startswith("ppt/") for key in parts):
        return _refused(shown, "file.not_workbook", "这是 PowerPoint 演示文稿，不是 Excel 工作簿")
    message = "这是压缩包（zip），不是 Excel 工作簿；请解压后直接发送其中的 Excel 文件"
    return _refused(shown, "file.not_workbook", message)


# --- XML parts: no DOCTYPE, no ENTITY ------------------------------------------------------

_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_ENCODING = re.compile(r"""\bencoding\s*=\s*["']([^"']*)["']""")
_SAFE_ENCODINGS = frozenset(
    ("utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be", "us-ascii", "ascii")
)
# OpenOffice.org 2 wrote this harmless, entity-free DOCTYPE into every ODF manifest.
_OLD_MANIFEST_DOCTYPE = re.compile(
    r'<!DOCTYPE manifest:manifest PUBLIC "-//OpenOffice\.org//DTD Manifest 1\.0//EN"'
    r' "Manifest\.dtd">'
)


_JUDGED_SIZE = 512
_judged: dict[tuple[bytes, bool], bool] = {}  # head → unsafe: the same head, the same verdict
# A part's verdict by what its head depends on (package.head: method, size, CRC and the
# compressed bytes, compared, not hashed), so a part seen before is not decompressed again.
_JUDGED_COMPRESSED_BYTES = 16384
_verdicts: dict[tuple, tuple[bytes, bool]] = {}  # → (compressed bytes, unsafe)


def _unsafe_xml_part(package: Package | _Streamed, infos: list[zipfile.ZipInfo], ods: bool):
    """The name of the first XML part whose head is unsafe, or None."""
    for info in infos:
        name = info.filename
        xml = _xml_names.get(name)
        if xml is None:
            xml = not info.is_dir() and name.lower().endswith(_XML_SUFFIXES)
            if 0 < len(name) <= 256:  # part names (an empty one raises in is_dir, as ever)
                keep(_xml_names, name, xml, _JUDGED_SIZE)
        if not xml:
            continue
        manifest = ods and name == "META-INF/manifest.xml"
        if _unsafe_head(package, info, manifest):
            return name
    return None


_xml_names: dict[str, bool] = {}  # part name → an XML part (not a folder), as judged above


def _unsafe_head(package: Package | _Streamed, info, manifest: bool) -> bool:
    start = package.data_start(info) if isinstance(package, Package) else None
    key = None
    if start is not None and info.compress_size <= _JUDGED_COMPRESSED_BYTES:
        key = (info.compress_type, info.file_size, info.CRC, manifest)
        kept = _verdicts.get(key)
        # the kept compressed bytes compared where the part's lie in the file (no copy)
        if kept is not None and len(kept[0]) == info.compress_size \
                and package.data.startswith(kept[0], start):
            return kept[1]
    # a part calamine reads, inflated exactly (and kept for it, stored.py), or zipfile's head
    content = kept_content(package, info) if start is not None else None
    head = package.head(info, XML_HEAD_BYTES) if content is None \
        else content[:XML_HEAD_BYTES]  # package.head raises for a broken part: nothing kept
    unsafe = _judged.get((head, manifest))
    if unsafe is None:
        unsafe = None if manifest else _plain_head_unsafe(head)
        if unsafe is None:
            text = _decode_xml_head(head)
            if manifest:
                text = _OLD_MANIFEST_DOCTYPE.sub("", text, count=1)
            unsafe = _xml_head_unsafe(text, complete=len(head) < XML_HEAD_BYTES)
        keep(_judged, (head, manifest), unsafe, _JUDGED_SIZE)
    if key is not None:
        keep(_verdicts, key, (package.data[start:start + info.compress_size], unsafe),
             _JUDGED_SIZE)
    return unsafe


def _decode_xml_head(head: bytes) -> str:
    """The head of an XML part as text, in the encoding its first bytes announce."""
    for boms, codec in (
        ((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE), "utf-32"),
        ((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), "utf-16"),
        ((codecs.BOM_UTF8,), "utf-8-sig"),
    ):
        if head.startswith(boms):
            return head.decode(codec, "ignore")
    if head.startswith((b"<\0\0\0", b"\0\0\0<")):
        return ""  # UTF-32 without BOM: nothing of ours, judged unsafe below
    if head.startswith(b"<\0"):
        return head.decode("utf-16-le", "ignore")
    if head.startswith(b"\0<"):
        return head.decode("utf-16-be", "ignore")
    return head.decode("utf-8", "ignore")


_NON_ASCII = re.compile(rb"[^\x00-\x7f]")
_PLAIN_PREFIX_BYTES = 256


def _plain_head_unsafe(head: bytes) -> bool | None:
    """`_xml_head_unsafe(_decode_xml_head(head), …)` without decoding the whole head, for
    the usual head: read as UTF-8 (it starts with "<", not "<\\0"), no "!" anywhere (UTF-8
    makes "!" of byte 0x21 alone, so no DOCTYPE, ENTITY or comment in the text), and ASCII
    from its start to the root element. Its text starts with those ASCII characters, so the
    prolog, its declared encoding and the root element's first characters are theirs.
    None for any other head: the full check decides."""
    if b"!" in head or not head.startswith(b"<") or head.startswith(b"<\0"):
        return None
    non_ascii = _NON_ASCII.search(head, 0, _PLAIN_PREFIX_BYTES)
    text = head[: non_ascii.start() if non_ascii else _PLAIN_PREFIX_BYTES].decode("ascii")
    position = 0
    while (item := _PROLOG_ITEM.match(text, position)) is not None:
        position = item.end()
    rest = text[position:]
    if not (len(rest) > 1 and rest[0] == "<" and (rest[1].isalpha() or rest[1] in "_:")):
        return None  # the root element not reached in the ASCII start: undecided here
    declared = _ENCODING.search(text[:position])
    return bool(declared and declared.group(1).strip().lower() not in _SAFE_ENCODINGS)


def _xml_head_unsafe(text: str, complete: bool) -> bool:
    """True when the head declares a DTD or entities, or cannot be shown free of them.

    A DTD can only come before the root element, so a head that reaches the root element
    (past the XML declaration, comments and processing instructions) with no DOCTYPE is safe.
    """
    if _DECLARATION.search(text):
        return True
    position = 0
    while (item := _PROLOG_ITEM.match(text, position)) is not None:
        position = item.end()
    declared = _ENCODING.search(text[:position])
    if declared and declared.group(1).strip().lower() not in _SAFE_ENCODINGS:
        return True
    rest = text[position:]
    if complete and not text.strip():
        return False  # an empty part
    return not (len(rest) > 1 and rest[0] == "<" and (rest[1].isalpha() or rest[1] in "_:"))


# --- OLE2: xls, encrypted OOXML ------------------------------------------------------------


def _sniff_ole(stream: BinaryIO, size: int, shown: str) -> Sniffed:
    try:
        with olefile.OleFileIO(stream) as ole:
            return _judge_ole(ole, size, shown)
    except _BROKEN:
        return _refused(shown, "file.corrupt", CORRUPT_MESSAGE)


def _judge_ole(ole: olefile.OleFileIO, size: int, shown: str) -> Sniffed:
    names = {"/".join(entry).lower() for entry in ole.listdir(streams=True, storages=False)}
    if names & {"encryptioninfo", "encryptedpackage"}:
        return _refused(shown, "file.encrypted", ENCRYPTED_MESSAGE)
    book = next((name for name in ("workbook", "book") if name in names), None)
    if book is not None:
        if ole.get_size(book) > size:
            return _refused(shown, "file.corrupt", CORRUPT_MESSAGE)
        with ole.openstream(book) as stream:
            biff = stream.read(BIFF_SCAN_BYTES)
        verdict = _biff_verdict(biff)
        if verdict is not None:
            return _refused(shown, *verdict)
        macros = any(name.startswith("_vba_project_cur/") for name in names)
        return Sniffed(XLS, macros=macros)
    if "worddocument" in names:
        return _refused(shown, "file.not_workbook", "这是 Word 文档，不是 Excel 工作簿")
    if "powerpoint document" in names:
        return _refused(shown, "file.not_workbook", "这是 PowerPoint 演示文稿，不是 Excel 工作簿")
    if any(name.startswith("__substg1.0_") for name in names):
        message = (
            "这是 Outlook 邮件文件（.msg），不是 Excel 工作簿；请将其中的 Excel 附件另存后再发送"
        )
        return _refused(shown, "file.not_workbook", message)
    return _refused(shown, "file.not_workbook", "这是 Office 复合文档，但其中没有 Excel 工作簿")


_BOF_RECORDS = (0x0809, 0x0409, 0x0209, 0x0009)


def _biff_verdict(biff: bytes) -> tuple[str, str] | None:
    """(code, message) when the workbook stream is broken or password-protected (FILEPASS)."""
    if len(biff) < 4 or struct.unpack_from("<H", biff)[0] not in _BOF_RECORDS:
        return "file.corrupt", CORRUPT_MESSAGE
    position, count = 0, 0
    while position + 4 <= len(biff) and count < 64:
        record, length = struct.unpack_from("<HH", biff, position)
        if record == 0x002F:
            return "file.encrypted", ENCRYPTED_MESSAGE
        if record == 0x000A:  # EOF of the workbook globals
            break
        position, count = position + 4 + length, count + 1
    return None


# --- everything else -----------------------------------------------------------------------

_MAGIC = (
    (b"%PDF", "这是 PDF 文件，不是 Excel 工作簿"),
    (b"\x89PNG\r\n\x1a\n", "这是 PNG 图片，不是 Excel 工作簿"),
    (b"\xff\xd8\xff", "这是 JPEG 图片，不是 Excel 工作簿"),
    (b"GIF87a", "这是 GIF 图片，不是 Excel 工作簿"),
    (b"GIF89a", "这是 GIF 图片，不是 Excel 工作簿"),
    (b"Rar!\x1a\x07", "这是 RAR 压缩包，不是 Excel 工作簿；请解压后直接发送其中的 Excel 文件"),
    (b"7z\xbc\xaf\x27\x1c", "这是 7z 压缩包，不是 Excel 工作簿；请解压后直接发送其中的 Excel 文件"),
    (b"\x1f\x8b", "这是 gzip 压缩包，不是 Excel 工作簿"),
    (b"{\\rtf", "这是 RTF 文档，不是 Excel 工作簿"),
)
_MAIL_MARKERS = frozenset(("from", "received", "mime-version", "return-path", "subject", "date"))
_HEADER_LINE = re.compile(r"^([!-9;-~]+):")
_HTML = re.compile(r"^\s*(<!doctype html|<html|<head|<meta|<table)", re.IGNORECASE)
_SPREADSHEET_2003 = re.compile(
    r'urn:schemas-microsoft-com:office:spreadsheet|progid="Excel\.Sheet"', re.IGNORECASE
)


def _looks_like_mail(head: bytes, name: str) -> bool:
    """A saved e-mail: RFC 822 headers on the first lines, or an .eml holding text."""
    if head.startswith(_ZIP_MAGIC + (_OLE_MAGIC,)) or any(head.startswith(m) for m, _ in _MAGIC):
        return False
    if b"\0" in head:
        return False
    if name.lower().endswith(".eml"):
        return True
    lines = head.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf").splitlines()[:40]
    if lines and lines[0].startswith("From "):  # mbox separator line
        lines = lines[1:]
    fields = []
    for number, line in enumerate(lines):
        if not line.strip():
            break
        match = _HEADER_LINE.match(line)
        if match:
            fields.append(match.group(1).lower())
        elif not (line[0] in " \t" and fields) and number < len(lines) - 1:
            return False
    return bool(fields) and "x-document-type" not in fields and bool(_MAIL_MARKERS & set(fields))


def _describe_other(head: bytes, name: str) -> tuple[str, str]:
    """(code, message) for a file that is neither zip, OLE2 nor e-mail."""
    for magic, message in _MAGIC:
        if head.startswith(magic):
            return "file.not_workbook", message
    text = _as_text(head)
    if text is None:
        return "file.not_workbook", "无法识别的文件格式，不是 Excel 工作簿"
    if "<office:document" in text and "opendocument" in text or name.lower().endswith(".fods"):
        return "file.flat_ods", (
            "这是 LibreOffice 的单文件 XML 表格（.fods），无法读取，请另存为 .xlsx 后再发送"
        )
    if _SPREADSHEET_2003.search(text) or re.search(r"^x-document-type:", text, re.I | re.M):
        return "file.unsupported_format", "这是旧式 Excel 网页/XML 表格，无法读取，" + SAVE_AS_XLSX
    if _HTML.match(text):
        message = "这是网页文件（HTML），不是 Excel 工作簿（可能是从系统导出后改了扩展名），"
        return "file.not_workbook", message + SAVE_AS_XLSX
    if name.lower().endswith((".csv", ".tsv")) or _looks_like_csv(text):
        return "file.not_workbook", "这是 CSV 文本文件，不是 Excel 工作簿，" + SAVE_AS_XLSX
    return "file.not_workbook", "这是文本文件（可能是改了扩展名），不是 Excel 工作簿"


def _as_text(head: bytes) -> str | None:
    """The head decoded as UTF-16 (with BOM), UTF-8 or GB18030 text; None for binary data."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head[: len(head) // 2 * 2].decode("utf-16", "replace")
    elif b"\0" in head:
        return None
    else:
        text = _decode_prefix(head, "utf-8") or _decode_prefix(head, "gb18030")
    if text is None:
        return None
    controls = sum(
        1 for char in text if unicodedata.category(char) == "Cc" and char not in "\t\r\n\f"
    )
    return text if controls <= len(text) // 100 else None


def _decode_prefix(head: bytes, codec: str) -> str | None:
    """`head` decoded strictly, allowing a character cut in two at the end."""
    for cut in range(4):
        try:
            return head[: len(head) - cut].decode(codec)
        except UnicodeDecodeError:
            if len(head) < HEAD_BYTES:
                return None
    return None


def _looks_like_csv(text: str) -> bool:
    """Two or more lines with the same number (> 0) of commas or tabs."""
    lines = [line for line in text.splitlines()[:6] if line.strip()]
    if len(lines) > 2:
        lines = lines[:-1]  # the last line may be cut off
    for separator in (",", "\t"):
        counts = {line.count(separator) for line in lines}
        if len(lines) >= 2 and len(counts) == 1 and counts.pop() > 0:
            return True
    return False


# --- helpers -------------------------------------------------------------------------------


def _refused(shown: str, code: str, message: str) -> Sniffed:
    return Sniffed("", (Issue(code=code, message=message, file=shown),))


def _trim_zeros(number: str) -> str:
    return number.rstrip("0").rstrip(".") if "." in number else number


def _printable(text: str, limit: int = 80) -> str:
    """A name from inside a file, safe to show: no control characters, not too long."""
    kept = "".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf", "Cs"))
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"
