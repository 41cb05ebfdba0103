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

_END = struct.Struct("<4s4H2LH")  # zipfile.structEndArchive
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # zipfile.structCentralDir
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

    def __init__(self, filename: str, raw_name: bytes | None, fields: tuple, index: int):
        self.filename = self.orig_filename = filename
        self.raw_name = raw_name  # None: taken from zipfile's own ZipInfo
        (self.flag_bits, self.compress_type, self.CRC, self.compress_size, self.file_size,
         self.header_offset) = fields
        self.index = index  # in zipfile.ZipFile(data).infolist()
        self.start = UNKNOWN_START  # where the compressed bytes begin (package.py)

    def is_dir(self) -> bool:
        return self.filename[-1] == "/"  # as ZipInfo.is_dir (an empty name raises alike)


def from_zipinfos(infos: list[zipfile.ZipInfo]) -> list[Part]:
    """zipfile's own entries as parts (no raw names: local names are compared decoded)."""
    parts = []
    for index, info in enumerate(infos):
        part = Part(info.filename, None, (info.flag_bits, info.compress_type, info.CRC,
                                          info.compress_size, info.file_size,
                                          info.header_offset), index)
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
    unpack = _CENTRAL.unpack_from
    while position < location:
        if position + _CENTRAL.size > location:
            return None
        fields = unpack(data, position)
        name_at = position + _CENTRAL.size
        name_end = name_at + fields[12]
        following = name_end + fields[13] + fields[14]
        if fields[0] != _CENTRAL_MAGIC or following > location \
                or fields[3] > _MAX_EXTRACT_VERSION \
                or fields[13] and not _plain_extra(data, name_end, name_end + fields[13]):
            return None
        raw = data[name_at:name_end]
        if b"\0" in raw:
            return None
        if raw.isascii():  # utf-8 and cp437 read ASCII alike
            name = raw.decode("ascii")
        else:
            try:
                name = raw.decode("utf-8" if fields[5] & _UTF8_NAME else "cp437")
            except UnicodeDecodeError:
                return None
        parts.append(Part(name, raw, (fields[5], fields[6], fields[9], fields[10], fields[11],
                                      fields[18]), len(parts)))
        position = following
    return parts


def _plain_extra(data: bytes, start: int, end: int) -> bool:
    """Extra fields zipfile reads without changing a size or offset (no zip64 field) and
    without an error (each field whole)."""
    while end - start >= 4:
        kind, length = struct.unpack_from("<HH", data, start)
        if kind == _ZIP64_EXTRA or start + 4 + length > end:
            return False
        start += 4 + length
    return True
