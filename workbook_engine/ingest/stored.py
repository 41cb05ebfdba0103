"""A zip workbook with its small XML parts already inflated (stored), for calamine to read.

python-calamine inflates each sheet part twice (its cells, then its merged cells) and the
workbook's own parts once per file, while forms of one template carry the same parts file
after file. `for_calamine(data)` gives the same workbook with each small deflated XML part
stored instead (its bytes inflated here once, and kept across files when seen before):

    CalamineWorkbook.from_filelike(io.BytesIO(for_calamine(data)))

The zip crate under calamine then finds the same entries (the same central records, in the
same order, with the same names, flags, CRCs, sizes, comments and end record) holding the
same bytes; only the method, the compressed size and the offsets change. Only the usual
layout is rewritten: a plain zip (zipdir.py) on one disk, starting with a local header,
whose parts lie in directory order without overlapping, each with a local header the
package reads; whatever lies between them (a data descriptor, as LibreOffice writes one
after each part) is copied as it is. A part is stored only when it is deflated, has no
extra field in the directory, is an .xml or .rels part of at most 1 MB, and inflates to
exactly its declared size and CRC with nothing left over. Anything else gives `data`
itself: calamine then reads the file as before (and fails as before).
"""

from __future__ import annotations

import struct
import zlib

from workbook_engine.ingest.package import Package, open_package
from workbook_engine.ingest.zipdir import Part
from workbook_engine.memo import keep

_END = struct.Struct("<4s4H2LH")  # zipfile.structEndArchive
_END_SIZE = _END.size
_CENTRAL_SIZE = 46
_LENGTHS = struct.Struct("<HHH")  # a directory record's name, extra and comment lengths
_LOCAL_MAGIC = b"PK\x03\x04"
_DEFLATED = 8
_METHOD = struct.Struct("<H")
_OFFSET = struct.Struct("<L")
MAX_PART_BYTES = 1 << 20  # an XML part larger than this is left to calamine to inflate
_XML_SUFFIXES = (".xml", ".rels")
# Parts inflated before: (size, CRC, compressed size) → (compressed bytes, inflated bytes),
# the compressed bytes compared, not hashed. Bounded: parts up to 16 KB compressed and
# 64 KB inflated (a form's sheets are far smaller), 256 of them: 20 MB at the very most.
_KEPT_PARTS = 256
_KEPT_COMPRESSED_BYTES = 16384
_KEPT_BYTES = 65536
_inflated: dict[tuple[int, int, int], tuple[bytes, bytes]] = {}


def for_calamine(data: bytes) -> bytes:
    """`data` with its small deflated XML parts stored; `data` itself when not the usual
    layout (see the module's notes) or when a part does not inflate exactly."""
    if not data.startswith(_LOCAL_MAGIC):
        return data
    try:
        package = open_package(data)
    except Exception:  # noqa: BLE001 - a broken zip: calamine reads (and refuses) it as ever
        return data
    parts = package.infolist()
    location = len(data) - _END_SIZE
    if not parts or parts[0].raw_name is None:  # zipfile's own parse: not a plain zip
        return data
    _, disk, directory_disk, disk_entries, entries, _, directory, _ = \
        _END.unpack_from(data, location)
    if disk or directory_disk or disk_entries != len(parts) or entries != len(parts):
        return data
    view = memoryview(data)
    out = bytearray()  # the local headers and contents, then the directory and end record
    tail = bytearray(view[directory:])  # the directory and end record, patched below
    expected = copied = 0  # where the last part ended in `data`; the first byte not copied
    position = 0  # the next directory record, in `tail`
    lengths, put_offset, put_method = _LENGTHS.unpack_from, _OFFSET.pack_into, _METHOD.pack_into
    for part in parts:
        start = part.start
        if start is None or start < 0:
            start = package.data_start(part)
        header = part.header_offset
        if header < expected or start is None:  # parts out of order or overlapping
            return data
        end = start + part.compress_size
        name_length, extra_length, comment_length = lengths(tail, position + 28)
        written = len(out) + header - copied  # where this part's local header goes
        if part.compress_type == _DEFLATED and not extra_length \
                and part.file_size <= MAX_PART_BYTES and _read_by_calamine(part.filename):
            content = _inflate(data, start, part.compress_size, part.file_size, part.CRC)
            if content is None:
                return data
            out += view[copied:start]  # the parts before, as they are, and this local header
            put_method(out, written + 8, 0)
            put_offset(out, written + 18, part.file_size)
            out += content
            put_method(tail, position + 10, 0)
            put_offset(tail, position + 20, part.file_size)
            copied = end
        put_offset(tail, position + 42, written)
        expected = end
        position += _CENTRAL_SIZE + name_length + extra_length + comment_length
    if expected > directory or position != location - directory:
        return data
    out += view[copied:directory]  # the parts after the last one stored, as they are
    put_offset(tail, position + 16, len(out))
    out += tail
    return bytes(out)


def kept_content(package: Package, part: Part) -> bytes | None:
    """The inflated bytes of a part `for_calamine` stores and keeps (deflated, an XML part
    calamine reads, small enough to be kept), when they are exact (see `_inflate`); None for
    any other part. Its first bytes are what zipfile's `open(part).read(n)` gives."""
    if part.compress_type != _DEFLATED or part.file_size > _KEPT_BYTES \
            or part.compress_size > _KEPT_COMPRESSED_BYTES or part.raw_name is None \
            or not _read_by_calamine(part.filename):
        return None
    start = package.data_start(part)
    if start is None:
        return None
    return _inflate(package.data, start, part.compress_size, part.file_size, part.CRC)


# Part names → whether calamine reads the part (the package relations and the workbook's
# parts: what is under xl/, but for its theme). Only the speed depends on it. Bounded.
_NAMES_KEPT = 1024
_read_names: dict[str, bool] = {}


def _read_by_calamine(name: str) -> bool:
    found = _read_names.get(name)
    if found is None:
        lower = name.lower()
        found = lower.endswith(_XML_SUFFIXES) and (
            lower == "_rels/.rels" or lower.startswith("xl/") and not lower.startswith("xl/theme/"))
        if len(name) <= 256:
            keep(_read_names, name, found, _NAMES_KEPT)
    return found


def _inflate(data: bytes, start: int, packed: int, size: int, crc: int) -> bytes | None:
    """The inflated bytes of a deflated part, when they are exactly `size` bytes with CRC
    `crc` and the stream ends with its compressed bytes; None otherwise."""
    key = (size, crc, packed)
    kept = _inflated.get(key)
    if kept is not None and data.startswith(kept[0], start):  # the same compressed bytes
        return kept[1]  # (kept[0] has `packed` bytes: the key says so)
    compressed = data[start:start + packed]
    inflater = zlib.decompressobj(-15)
    try:
        content = inflater.decompress(compressed, size + 1)
    except zlib.error:
        return None
    if not inflater.eof or inflater.unused_data or inflater.unconsumed_tail \
            or len(content) != size or zlib.crc32(content) != crc:
        return None
    if packed <= _KEPT_COMPRESSED_BYTES and size <= _KEPT_BYTES and len(compressed) == packed:
        keep(_inflated, key, (compressed, content), _KEPT_PARTS)
    return content
