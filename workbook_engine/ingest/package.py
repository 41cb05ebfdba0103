"""A zip workbook (xlsx, xlsm, ods) in memory: its central directory parsed once per file.

Sniffing (the zip-bomb limits, the head of every XML part), the last-saved time, the defined
names and the formula check all look into the same file. `open_package(data)` gives each of
them the one parsed archive of those bytes, and a part read whole (or parsed as XML) is
decompressed (or parsed) once:

    package = open_package(data)        # the same Package again for the same bytes object
    package.infolist()                  # the central directory as zipfile lists it
                                        #   (zipdir.py; the same entries, names, sizes)
    package.getinfo("xl/workbook.xml")  # one entry (KeyError as zipfile's getinfo)
    package.head(info, 4096)            # the same bytes (and errors) as
                                        #   zipfile.ZipFile(…).open(info).read(4096)
    package.read("xl/workbook.xml")     # the same bytes (and errors) as archive.read(...),
                                        #   decompressed once
    package.xml("xl/workbook.xml")      # that part parsed with defusedxml (no DTD), once
    package.part_key("xl/workbook.xml")  # what a part's bytes depend on, for memos of pure
                                        #   results across files (None: an unusual part)

Only the last file's package is kept (a reader handles one file at a time).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from workbook_engine.ingest.zipdir import (
    LOCAL_FIELDS,
    PLAIN_METHODS,
    UNKNOWN_START,
    UNSUPPORTED_FLAGS,
    Part,
    entries,
    from_zipinfos,
)
from workbook_engine.memo import keep

_LOCAL_HEADER = b"PK\x03\x04"
_LOCAL_SIZE = 30  # zipfile.sizeFileHeader
_UTF8_NAME = 0x800
_MIN_READ = 4096  # zipfile.ZipExtFile.MIN_READ_SIZE: the chunking `head` follows
# Heads of parts already read: the styles, theme and relations of forms of one template are
# the same bytes in every file. Small parts only, a bounded number of them.
_MEMO_COMPRESSED_BYTES = 16384
_MEMO_RESULT_BYTES = 65536  # and what they give, up to 64 KB (a whole small part too)
_MEMO_SIZE = 512
_WHOLE = zipfile.ZipExtFile.MAX_N  # ZipExtFile.read() reads in steps of MAX_N: one step
_heads: dict[tuple, tuple[bytes, bytes]] = {}  # → (compressed bytes, head)


class Package:
    """One zip file's bytes, its parsed central directory and the parts read so far."""

    def __init__(self, data: bytes):
        self.data = data
        self._archive: zipfile.ZipFile | None = None
        parts = entries(data)
        if parts is None:  # not a plain zip: zipfile's own parse (and its errors)
            self._archive = zipfile.ZipFile(io.BytesIO(data))
            parts = from_zipinfos(self._archive.infolist())
        self._list = parts
        self._by_name = {part.filename: part for part in parts}  # the last one, as zipfile
        self._parts: dict[str, bytes] = {}
        self._trees: dict[str, Element] = {}

    @property
    def archive(self) -> zipfile.ZipFile:
        """zipfile's own view of the same bytes, for a part it alone reads (made on demand;
        its entries are `infolist()`'s, index for index)."""
        if self._archive is None:
            self._archive = zipfile.ZipFile(io.BytesIO(self.data))
        return self._archive

    def infolist(self) -> list[Part]:
        """The entries in the central directory's order, as `ZipFile.infolist()`."""
        return self._list

    def getinfo(self, name: str) -> Part:
        """The entry of a part, as `ZipFile.getinfo` (the last of equal names; KeyError)."""
        part = self._by_name.get(name)
        if part is None:
            raise KeyError(f"There is no item named {name!r} in the archive")
        return part

    def read(self, name: str) -> bytes:
        """A whole part, as `ZipFile.read` gives it (the same errors), decompressed once."""
        if name not in self._parts:
            info = self.getinfo(name)
            if self._data_start(info) is None:
                self._parts[name] = self.archive.read(self._zipinfo(info))
            else:
                self._parts[name] = self.head(info, _WHOLE)
        return self._parts[name]

    def part_key(self, name: str) -> tuple | None:
        """A key that only another part with the same compressed bytes, method, size and
        CRC has (so `read` gives it the same bytes, or the same error); None when the part
        is read through zipfile itself. Raises as `read` does for a missing part."""
        info = self.getinfo(name)
        start = self._data_start(info)
        if start is None:
            return None
        return (info.compress_type, info.file_size, info.CRC,
                self.data[start:start + info.compress_size])

    def xml(self, name: str) -> Element:
        """A whole part parsed with defusedxml (a DTD is refused), parsed once."""
        if name not in self._trees:
            self._trees[name] = ElementTree.fromstring(self.read(name), forbid_dtd=True)
        return self._trees[name]

    def head(self, info: Part, limit: int) -> bytes:
        """At most `limit` bytes from the start of a part, decompressing no more than
        `ZipFile.open(info).read(limit)` would: the same bytes, and the same errors (a bad
        local header, a broken deflate stream, a CRC mismatch once the part is read to its
        end). Anything but a plain stored or deflated part goes through zipfile itself."""
        start = self._data_start(info)
        if start is None:
            with self.archive.open(self._zipinfo(info)) as part:
                return part.read(limit)
        if info.compress_size > _MEMO_COMPRESSED_BYTES:
            return _read_like_zipfile(self.data, start, info, limit)
        # the same compressed bytes, method, size and CRC give the same head (or error); the
        # bytes are compared, not hashed (one part kept per method, sizes, CRC and limit)
        key = (info.compress_type, info.file_size, info.CRC, limit, info.compress_size)
        compressed = self.data[start:start + info.compress_size]
        kept = _heads.get(key)
        if kept is not None and kept[0] == compressed:
            return kept[1]
        head = _read_like_zipfile(self.data, start, info, limit)
        if len(head) <= _MEMO_RESULT_BYTES:
            keep(_heads, key, (compressed, head), _MEMO_SIZE)
        return head

    def data_start(self, info: Part) -> int | None:
        """Where a part's compressed bytes begin, when `head` and `read` read it from the
        bytes themselves (a local header zipfile reads alike, a stored or deflated part
        without a password); None when zipfile itself reads it."""
        return self._data_start(info)

    def _zipinfo(self, info: Part) -> zipfile.ZipInfo:
        return self.archive.filelist[info.index]

    def _data_start(self, info: Part) -> int | None:
        """Where a part's compressed bytes begin, when its local header is one zipfile reads
        without complaint and its method is stored or deflated; None otherwise (worked out
        once per part: its head is read for the sniff, then the whole part)."""
        start = info.start
        if start == UNKNOWN_START:
            start = info.start = self._find_start(info)
        return start

    def _find_start(self, info: Part) -> int | None:
        if info.flag_bits & UNSUPPORTED_FLAGS or info.compress_type not in PLAIN_METHODS:
            return None
        data, offset = self.data, info.header_offset
        if offset < 0 or len(data) < offset + _LOCAL_SIZE \
                or not data.startswith(_LOCAL_HEADER, offset):
            return None
        flags, name_length, extra_length = LOCAL_FIELDS.unpack_from(data, offset)
        name_at = offset + _LOCAL_SIZE
        start = name_at + name_length + extra_length
        if start > len(data):
            return None  # (a name or extra field cut short too)
        raw = info.raw_name
        if raw is not None and len(raw) == name_length and data.startswith(raw, name_at) \
                and not (flags ^ info.flag_bits) & _UTF8_NAME:
            return start  # the directory's bytes, decoded alike: the same name
        raw_name = data[name_at:name_at + name_length]
        if _local_name(raw_name, bool(flags & _UTF8_NAME)) != info.orig_filename:
            return None
        return start


_names: dict[tuple[bytes, bool], str | None] = {}  # the same few part names in every file


def _local_name(raw: bytes, utf8: bool) -> str | None:
    """A local header's file name as zipfile decodes it; None when it does not decode."""
    key = (raw, utf8)
    if key in _names:
        return _names[key]
    try:
        name = raw.decode("utf-8" if utf8 else "cp437")
    except UnicodeDecodeError:
        name = None
    if len(raw) <= 256:  # part names; anything longer is not kept
        keep(_names, key, name, _MEMO_SIZE)
    return name


def _read_like_zipfile(data: bytes, start: int, info: Part, limit: int) -> bytes:
    """`ZipExtFile.read(limit)` of a stored or deflated part, step by step on bytes in memory
    (Python 3.11's zipfile: the same chunks, end-of-part test and CRC check)."""
    deflated = info.compress_type == zipfile.ZIP_DEFLATED
    decompressor = zlib.decompressobj(-15) if deflated else None
    position, compress_left, left = start, info.compress_size, info.file_size
    crc, eof = 0, False
    wanted, out = limit, b""

    def read2(count: int) -> bytes:  # ZipExtFile._read2 on the bytes in memory
        nonlocal position, compress_left
        if compress_left <= 0:
            return b""
        count = min(max(count, _MIN_READ), compress_left)
        chunk = data[position:position + count]
        position += len(chunk)
        compress_left -= len(chunk)
        if not chunk:
            raise EOFError
        return chunk

    while wanted > 0 and not eof:  # ZipExtFile._read1(wanted)
        if deflated:
            chunk = decompressor.unconsumed_tail
            if wanted > len(chunk):
                chunk += read2(wanted - len(chunk))
            chunk = decompressor.decompress(chunk, max(wanted, _MIN_READ))
            eof = decompressor.eof or (compress_left <= 0 and not decompressor.unconsumed_tail)
            if eof:
                chunk += decompressor.flush()
        else:
            chunk = read2(wanted)
            eof = compress_left <= 0
        chunk = chunk[:left]
        left -= len(chunk)
        if left <= 0:
            eof = True
        crc = zlib.crc32(chunk, crc)
        if eof and crc != info.CRC:
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
        # ZipExtFile.read(limit): keep what was asked for
        if wanted < len(chunk):
            out += chunk[:wanted]
            break
        out += chunk
        wanted -= len(chunk)
    return out


_last: Package | None = None


def open_package(data: bytes) -> Package:
    """The package of these bytes: parsed now, or the one parsed for the same bytes object
    just before (zipfile's errors for a broken zip are raised, as by `zipfile.ZipFile`)."""
    global _last
    if _last is None or _last.data is not data:
        _last = None
        _last = Package(data)
    return _last
