"""A minimal .xlsx (zip) writer that copies unchanged parts as already-compressed bytes.

    fixed = Part.compressed("xl/styles.xml", styles)          # deflated once
    data = zip_bytes([fixed, Part.compressed("xl/sharedStrings.xml", strings), ...])

An .xlsx is a zip of XML parts. When thousands of forms differ in one part only, each part
that does not change is deflated once and its bytes are copied into every file; only the
changed part is deflated per file. The archive is what Python's zipfile writes for
xlsxwriter (deflate level 6, no data descriptors, 1980-01-01 timestamps, rw------- parts),
so a patched form can be byte for byte the form the builder writes.
"""

from __future__ import annotations

import struct
import sys
import zlib
from dataclasses import dataclass, field

_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHI")  # without the trailing local-header offset
_OFFSET = struct.Struct("<I")
_END = struct.Struct("<IHHHHIIH")
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, time 00:00
_NEEDED = 20
_MADE_BY = (3 << 8) | 20  # Unix, zip 2.0
_DEFLATED = 8
_EXTERNAL_ATTR = 0o600 << 16
LEVEL = 6


def deflate(data: bytes) -> bytes:
    """Raw deflate (no zlib header), as stored in a zip member."""
    if sys.version_info >= (3, 11):
        return zlib.compress(data, LEVEL, -15)
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


@dataclass(frozen=True)
class Part:
    """One zip member, with its local record and its central-directory record ready."""

    name: bytes
    local: bytes  # local file header + name + deflated data
    central: bytes = field(repr=False)  # central record up to (not including) the offset

    @classmethod
    def compressed(cls, name: str, data: bytes, system: int = 3) -> Part:
        """`system`: the "made by" system zipfile records (3 Unix, 0 on Windows)."""
        return cls.deflated(name, deflate(data), zlib.crc32(data), len(data), system)

    @classmethod
    def deflated(cls, name: str, deflated: bytes, crc: int, size: int,
                 system: int = 3) -> Part:
        """A member from its deflated bytes, the CRC-32 and size of its data."""
        made_by = (system << 8) | (_MADE_BY & 0xFF)
        encoded = name.encode("utf-8")
        flags = 0 if encoded.isascii() else 0x800
        local = _LOCAL.pack(0x04034B50, _NEEDED, flags, _DEFLATED, 0, _DOS_DATE, crc,
                            len(deflated), size, len(encoded), 0)
        central = _CENTRAL.pack(0x02014B50, made_by, _NEEDED, flags, _DEFLATED, 0, _DOS_DATE,
                                crc, len(deflated), size, len(encoded), 0, 0, 0, 0,
                                _EXTERNAL_ATTR)
        return cls(encoded, local + encoded + deflated, central)


def deflated_bytes(archive, info) -> bytes | None:
    """A member's deflated bytes as stored in `archive` (an open zipfile.ZipFile), or None
    when they are not plain deflate bytes (stored, encrypted, with a data descriptor)."""
    if info.compress_type != _DEFLATED or info.flag_bits & 0x09:
        return None
    handle = archive.fp
    handle.seek(info.header_offset)
    head = handle.read(_LOCAL.size)
    if len(head) != _LOCAL.size or _LOCAL.unpack(head)[0] != 0x04034B50:
        return None
    name_length, extra_length = _LOCAL.unpack(head)[-2:]
    handle.seek(name_length + extra_length, 1)
    data = handle.read(info.compress_size)
    return data if len(data) == info.compress_size else None


def zip_bytes(parts: list[Part]) -> bytes:
    """The whole archive of `parts`, in their order."""
    central = []
    offset = 0
    for part in parts:
        central += (part.central, _OFFSET.pack(offset), part.name)
        offset += len(part.local)
    directory = b"".join(central)
    end = _END.pack(0x06054B50, 0, 0, len(parts), len(parts), len(directory), offset, 0)
    return b"".join([*(part.local for part in parts), directory, end])
