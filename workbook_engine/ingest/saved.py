"""When a workbook was last saved, as the workbook itself records it.

    saved_at(data, "xlsx") → "2026-03-09T10:00:00+00:00"   (docProps/core.xml dcterms:modified)
    saved_at(data, "ods")  → meta.xml dc:date;  saved_at(data, "xls") → SummaryInformation
    saved_at(broken, ...)  → ""   (then the file's own modified time decides)

Several versions of one form in one run are taken in this order, never by file name.
"""

from __future__ import annotations

import datetime as dt
import re

from workbook_engine.ingest.order import utc_text
from workbook_engine.ingest.package import open_package
from workbook_engine.memo import keep

_XLSX_MODIFIED = re.compile(rb"<dcterms:modified[^>]*>\s*([^<\s]+)\s*<")
_ODS_DATE = re.compile(rb"<dc:date>\s*([^<\s]+)\s*<")
MAX_PART_BYTES = 1 << 20  # a properties part is a few hundred bytes; a larger one is ignored


def _iso(value: dt.datetime) -> str:
    # a time without a zone (LibreOffice's meta.xml) is the saving PC's local time, taken as
    # this PC's (the office and its staff share a time zone); `order.py` compares them in UTC
    return utc_text(value)


def _parse(text: bytes) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.decode("ascii").replace("Z", "+00:00"))
    except (UnicodeDecodeError, ValueError):
        return None


# (kind, properties part) → its answer, for answers this PC's time zone plays no part in:
# forms of one template often carry the same docProps/core.xml, byte for byte. Bounded.
_MEMO_PART_BYTES = 4096
_MEMO_SIZE = 64
_answers: dict[tuple[str, bytes], str] = {}


def _from_part(kind: str, part: bytes) -> str:
    """The saved time a properties part (core.xml, meta.xml) records; '' when none."""
    answer = _answers.get((kind, part))
    if answer is not None:
        return answer
    if kind == "ods":
        found = _ODS_DATE.search(part)
        value = _parse(found.group(1).split(b".")[0]) if found else None
    else:
        found = _XLSX_MODIFIED.search(part)
        value = _parse(found.group(1)) if found else None
    answer = _iso(value) if value is not None else ""
    if (value is None or value.tzinfo is not None) and len(part) <= _MEMO_PART_BYTES:
        keep(_answers, (kind, part), answer, _MEMO_SIZE)
    return answer


def _zip_part(data: bytes, name: str) -> bytes:
    package = open_package(data)  # parsed once for the sniff, names and formula checks too
    if package.getinfo(name).file_size > MAX_PART_BYTES:
        return b""
    return package.read(name)


def saved_at(data: bytes, kind: str) -> str:
    """The workbook's own last-saved time (ISO, UTC), '' when it does not say."""
    try:
        if kind in ("xlsx", "xlsm"):
            return _from_part(kind, _zip_part(data, "docProps/core.xml"))
        if kind == "ods":
            return _from_part(kind, _zip_part(data, "meta.xml"))
        if kind == "xls":
            saved = _xls_last_saved(data)
            return _iso(saved.replace(tzinfo=dt.timezone.utc)) if saved else ""  # FILETIME: UTC
    except Exception:  # noqa: BLE001 - a broken part: the file's own time decides
        return ""
    return ""


SUMMARY = "\x05SummaryInformation"
LAST_SAVED, VT_FILETIME = 13, 64  # PIDSI_LASTSAVE_DTM and its type ([MS-OLEPS])
FILETIME_ZERO = dt.datetime(1601, 1, 1)


def _u32(data: bytes, offset: int) -> int:
    if offset < 0 or offset + 4 > len(data):
        raise ValueError("short property set")
    return int.from_bytes(data[offset:offset + 4], "little")


def _xls_last_saved(data: bytes) -> dt.datetime | None:
    """The last-saved time in an .xls file's SummaryInformation property set, read here and
    not by olefile's get_metadata: that walks every property of both property sets, and a
    damaged vector count (up to 2³² items of nothing) kept it busy for hours."""
    import olefile

    with olefile.OleFileIO(data) as ole:
        if not ole.exists(SUMMARY) or ole.get_size(SUMMARY) > MAX_PART_BYTES:
            return None
        stream = ole.openstream(SUMMARY).read(MAX_PART_BYTES)
    start = _u32(stream, 44)  # header (28 bytes), then the first section's FMTID and offset
    section = stream[start:start + _u32(stream, start)]
    found = None
    for index in range(min(_u32(section, 4), max(len(section) - 8, 0) // 8)):
        if _u32(section, 8 + index * 8) != LAST_SAVED:
            continue
        offset = _u32(section, 12 + index * 8)
        try:
            if _u32(section, offset) == VT_FILETIME:
                ticks = _u32(section, offset + 4) + (_u32(section, offset + 8) << 32)
                found = FILETIME_ZERO + dt.timedelta(microseconds=ticks // 10)
        except (ValueError, OverflowError):
            continue  # this entry is damaged: as olefile did, the others still count
    return found
