"""The central directory of a zip in memory, read as Python's zipfile reads it, in one pass.

    entries(data)   → [Part("[Content_Types].xml", …), Part("_rels/.rels", …), …]
    entries(odd)    → None   # zip64, a comment, bytes before the zip, a damaged or unusual
                             #   record, …: zipfile's own parse decides (and its errors)

Only the plain case is read here: the end record at the very end, no zip64, the directory
right before it, every record whole inside it, no zip64 or damaged extra field, no NUL in a
name, a version zipfile reads. For such bytes `zipfile.ZipFile` gives the same entries in
the same order with the same fields; anything else is left to it (so whatever it refuses is
still refused, with its own error). A `Part` carries the fields of `zipfile.ZipInfo` the
package reads, the raw name and the entry's index in zipfile's own list.
"""

from __future__ import annotations

import struct
import zipfile

from workbook_engine.memo import keep

_END = struct.Struct("<4s4H2LH")  # zipfile.structEndArchive
_CENTRAL_SIZE = 46  # zipfile.sizeCentralDir; of its fields: magic, extract version, flags,
# method, CRC, compressed size, size, name, extra and comment lengths, local header offset
_CENTRAL = struct.Struct("<4s2xBxHH4xLLLHHH8xL")
_LOCAL_MAGIC = b"PK\x03\x04"
_LOCAL_SIZE = 30  # zipfile.sizeFileHeader
_LENGTHS = struct.Struct("<HHH")  # a directory record's name, extra and comment lengths
LOCAL_FIELDS = struct.Struct("<6xH18xHH")  # a local header's flags, name and extra lengths
UNSUPPORTED_FLAGS = 0x01 | 0x20 | 0x40  # encrypted, patched data, strong encryption
PLAIN_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_END_MAGIC = b"PK\x05\x06"
_CENTRAL_MAGIC = b"PK\x01\x02"
_ZIP64_LOCATOR_MAGIC = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_UTF8_NAME = 0x800
_ZIP64_EXTRA = 0x0001
_MAX_EXTRACT_VERSION = zipfile.MAX_EXTRACT_VERSION
UNKNOWN_START = -2  # Part.start not worked out yet (None: no plain start, see package.py)


class Part:
    """One central-directory entry: the `zipfile.ZipInfo` fields a package reads."""

    __slots__ = ("filename", "orig_filename", "raw_name", "flag_bits", "compress_type",
                 "CRC", "compress_size", "file_size", "header_offset", "index", "start")

    def __init__(self, filename: str, raw_name: bytes | None, flag_bits: int,
                 compress_type: int, crc: int, compress_size: int, file_size: int,
                 header_offset: int, index: int, start: int = UNKNOWN_START):
        self.filename = self.orig_filename = filename
        self.raw_name = raw_name  # None: taken from zipfile's own ZipInfo
        self.flag_bits = flag_bits
        self.compress_type = compress_type
        self.CRC = crc
        self.compress_size = compress_size
        self.file_size = file_size
        self.header_offset = header_offset
        self.index = index  # in zipfile.ZipFile(data).infolist()
        self.start = start  # where the compressed bytes begin (package.py)

    def is_dir(self) -> bool:
        return self.filename[-1] == "/"  # as ZipInfo.is_dir (an empty name raises alike)


def from_zipinfos(infos: list[zipfile.ZipInfo]) -> list[Part]:
    """zipfile's own entries as parts (no raw names: local names are compared decoded)."""
    parts = []
    for index, info in enumerate(infos):
        part = Part(info.filename, None, info.flag_bits, info.compress_type, info.CRC,
                    info.compress_size, info.file_size, info.header_offset, index)
        part.orig_filename = info.orig_filename
        parts.append(part)
    return parts


def entries(data: bytes) -> list[Part] | None:
    """The entries of a plain zip, as zipfile lists them; None for anything else."""
    size = len(data)
    location = size - _END.size
    if size < _END.size + _ZIP64_LOCATOR_SIZE or data[location:location + 4] != _END_MAGIC \
            or data[-2:] != b"\0\0" \
            or data[location - _ZIP64_LOCATOR_SIZE:location - 16] == _ZIP64_LOCATOR_MAGIC:
        return None  # no end record at the end, a comment, or zip64: zipfile's search
    directory_bytes, offset = _END.unpack_from(data, location)[5:7]
    if offset + directory_bytes != location:
        return None  # bytes before the zip (or a bad offset): zipfile's "concat" rule
    parts: list[Part] = []
    position = offset
    lengths, local_fields = _LENGTHS.unpack_from, LOCAL_FIELDS.unpack_from
    while position < location:
        if position + _CENTRAL_SIZE > location:
            return None
        name_length, extra_length, comment_length = lengths(data, position + 28)
        following = position + _CENTRAL_SIZE + name_length + extra_length + comment_length
        if following > location:
            return None
        record = data[position:following]
        entry = _records.get(record)
        if entry is None:
            entry = _entry(record)
            if entry is None:
                return None
            if len(record) <= _RECORD_KEPT_BYTES:
                keep(_records, record, entry, _RECORDS_KEPT)
        name, raw, flags, method, crc, packed, unpacked, local = entry
        # where the compressed bytes begin, when the local header repeats the directory's
        # name bytes and name encoding, for a stored or deflated part zipfile reads without
        # a password; UNKNOWN_START otherwise (package.py then checks the header in full)
        start = UNKNOWN_START
        if not flags & UNSUPPORTED_FLAGS and method in PLAIN_METHODS \
                and size >= local + _LOCAL_SIZE and data.startswith(_LOCAL_MAGIC, local):
            local_flags, local_name, local_extra = local_fields(data, local)
            start = local + _LOCAL_SIZE + local_name + local_extra
            if local_name != len(raw) or start > size or (local_flags ^ flags) & _UTF8_NAME \
                    or not data.startswith(raw, local + _LOCAL_SIZE):
                start = UNKNOWN_START
        parts.append(Part(name, raw, flags, method, crc, packed, unpacked, local, len(parts),
                          start))
        position = following
    return parts


# Directory records seen before (forms of one template repeat most of them byte for byte)
# → their checked fields. Bounded.
_RECORDS_KEPT = 1024
_RECORD_KEPT_BYTES = 512
_records: dict[bytes, tuple] = {}


def _entry(record: bytes) -> tuple | None:
    """One whole directory record's fields as zipfile reads them; None when zipfile's own
    parse must decide (see `entries`)."""
    magic, version, flags, method, crc, packed, unpacked, name_length, extra_length, \
        _, local = _CENTRAL.unpack_from(record)
    name_end = _CENTRAL_SIZE + name_length
    if magic != _CENTRAL_MAGIC or version > _MAX_EXTRACT_VERSION \
            or extra_length and not _plain_extra(record, name_end, name_end + extra_length):
        return None
    raw = record[_CENTRAL_SIZE:name_end]
    if b"\0" in raw:
        return None
    if raw.isascii():  # utf-8 and cp437 read ASCII alike
        name = raw.decode("ascii")
    else:
        try:
            name = raw.decode("utf-8" if flags & _UTF8_NAME else "cp437")
        except UnicodeDecodeError:
            return None
    return name, raw, flags, method, crc, packed, unpacked, local


def _plain_extra(data: bytes, start: int, end: int) -> bool:
    """Extra fields zipfile reads without changing a size or offset (no zip64 field) and
    without an error (each field whole)."""
    while end - start >= 4:
        kind, length = struct.unpack_from("<HH", data, start)
        if kind == _ZIP64_EXTRA or start + 4 + length > end:
            return False
        start += 4 + length
    return True
