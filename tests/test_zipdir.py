"""zipdir: the central directory read in one pass is zipfile's, entry for entry; every
unusual or damaged directory is left to zipfile (so it refuses what it refused)."""

from __future__ import annotations

import io
import random
import struct
import zipfile

from test_package import outcome, workbook_bytes

from workbook_engine.ingest.package import Package
from workbook_engine.ingest.zipdir import UNKNOWN_START, entries

FIELDS = ("filename", "orig_filename", "flag_bits", "compress_type", "CRC", "compress_size",
          "file_size", "header_offset")


def zipfile_view(data: bytes) -> tuple[str, object]:
    def infos():
        archive = zipfile.ZipFile(io.BytesIO(data))
        return [tuple(getattr(info, field) for field in FIELDS) for info in archive.infolist()]
    return outcome(infos)


def package_view(data: bytes) -> tuple[str, object]:
    def infos():
        return [tuple(getattr(info, field) for field in FIELDS)
                for info in Package(data).infolist()]
    return outcome(infos)


def assert_same(data: bytes) -> bool:
    """The one-pass entries equal zipfile's when given; the package always equals zipfile
    (entries or error). True when the one-pass reading was used."""
    theirs = zipfile_view(data)
    assert package_view(data) == theirs
    mine = entries(data)
    if mine is not None:
        assert theirs[0] == "read"
        assert [tuple(getattr(part, field) for field in FIELDS) for part in mine] == theirs[1]
    return mine is not None


def zip_of(parts: list[tuple], comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text, *method in parts:
            info = zipfile.ZipInfo(name) if isinstance(name, str) else name
            info.compress_type = method[0] if method else zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
        archive.comment = comment
    return buffer.getvalue()


def directory_span(data: bytes) -> tuple[int, int]:
    size, offset = struct.unpack_from("<LL", data, len(data) - 22 + 12)
    return offset, offset + size


def test_a_plain_workbook_is_read_in_one_pass_exactly_as_zipfile_reads_it():
    data = workbook_bytes(rows=20)
    assert assert_same(data)
    names = [part.filename for part in Package(data).infolist()]
    assert "xl/workbook.xml" in names and "[Content_Types].xml" in names


def test_unusual_zips_are_left_to_zipfile():
    plain = zip_of([("a.xml", "<a/>"), ("b.xml", "<b/>")])
    utf8 = zip_of([("表/周考评表.xml", "<a/>"), ("b.xml", "<b/>")])
    duplicate = zip_of([("a.xml", "<a/>"), ("a.xml", "<second/>")])
    extra = zipfile.ZipInfo("x.xml")
    extra.extra = struct.pack("<HHL", 0x5455, 4, 12345)  # an extended timestamp
    with_extra = zip_of([(extra, "<x/>")])
    assert assert_same(plain) and assert_same(utf8) and assert_same(with_extra)
    assert assert_same(duplicate)
    assert Package(duplicate).read("a.xml") == b"<second/>"  # the last one, as zipfile
    not_plain = {
        "comment": zip_of([("a.xml", "<a/>")], comment=b"made by hand"),
        "prepended": b"MZ" + b"\0" * 100 + plain,  # a self-extracting stub before the zip
        "cut": plain[:-1],
        "empty": b"PK\x05\x06" + b"\0" * 18,
    }
    for name, data in not_plain.items():
        assert entries(data) is None, name
        assert package_view(data) == zipfile_view(data), name
    zip64 = io.BytesIO()
    with zipfile.ZipFile(zip64, "w") as archive:
        with archive.open("big.xml", "w", force_zip64=True) as part:
            part.write(b"<big/>")
    assert assert_same(zip64.getvalue())


def test_damaged_directories_and_end_records_are_refused_as_zipfile_refuses_them():
    base = workbook_bytes(rows=20)
    start, end = directory_span(base)
    rng = random.Random(18)
    used = {True: 0, False: 0}
    for _ in range(1500):
        data = bytearray(base)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(start, len(data))  # the directory and the end record
            data[at] = rng.choice((0, 1, 0x08, 0x80, 0xFF, rng.randrange(256)))
        if rng.random() < 0.1:
            data = data[: rng.randrange(start, len(data))]
        used[assert_same(bytes(data))] += 1
    assert used[True] > 200 and used[False] > 200, used


def test_names_with_nul_or_bad_utf8_and_high_versions_are_left_to_zipfile():
    base = zip_of([("a.xml", "<a/>"), ("bb.xml", "<b/>")])
    start, _ = directory_span(base)
    name_at = start + 46
    cases = []
    nul = bytearray(base)
    nul[name_at + 1] = 0  # "a\0xml"
    cases.append(bytes(nul))
    bad_utf8 = bytearray(base)
    bad_utf8[start + 8:start + 10] = struct.pack("<H", 0x800)
    bad_utf8[name_at] = 0xFF
    cases.append(bytes(bad_utf8))
    version = bytearray(base)
    version[start + 6] = 64  # needs a newer zip version than zipfile reads
    cases.append(bytes(version))
    for data in cases:
        assert entries(data) is None
        assert package_view(data) == zipfile_view(data)
    assert zipfile_view(cases[0])[0] == "read" and zipfile_view(cases[1])[0] == "error"


def test_zip64_fields_and_records_are_left_to_zipfile():
    text = b"<x>" + b"y" * 500 + b"</x>"
    info = zipfile.ZipInfo("x.xml")
    info.extra = struct.pack("<HHQ", 0x6666, 8, len(text))
    data = bytearray(zip_of([(info, text)]))
    start, _ = directory_span(bytes(data))
    name_at = start + 46 + len("x.xml")
    data[name_at:name_at + 2] = struct.pack("<H", 0x0001)  # a zip64 extra field ...
    data[start + 24:start + 28] = b"\xff\xff\xff\xff"  # ... holding the real size
    assert entries(bytes(data)) is None
    kind, infos = zipfile_view(bytes(data))
    assert kind == "read" and infos[0][FIELDS.index("file_size")] == len(text)
    assert package_view(bytes(data)) == zipfile_view(bytes(data))
    # a directory whose last 20 bytes look like a zip64 locator (an entry's comment)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 1, 0, 2)
    commented = zipfile.ZipInfo("c.xml")
    commented.comment = locator
    spanned = zip_of([("a.xml", "<a/>"), (commented, "<c/>")])
    assert entries(spanned) is None
    assert zipfile_view(spanned)[0] == "error"  # "zipfiles that span multiple disks"
    assert package_view(spanned) == zipfile_view(spanned)


def test_a_start_found_in_the_directory_pass_is_the_full_local_header_checks():
    """The directory pass keeps a part's start only when its local header repeats the
    directory's name bytes; it is then what package's full check finds."""
    base = workbook_bytes(rows=20)
    rng = random.Random(19)
    kept = 0
    for trial in range(400):
        data = bytearray(base)
        for _ in range(rng.randint(0 if trial == 0 else 1, 3)):
            part = rng.choice(entries(base))
            at = part.header_offset + rng.randrange(30 + len(part.raw_name) + 2)
            data[at] = rng.choice((0, 0x08, 0x80, rng.randrange(256)))
        package = Package(bytes(data))
        for part in entries(bytes(data)) or []:
            if part.start != UNKNOWN_START:
                kept += 1
                assert part.start == package._find_start(part)
    assert kept > 2000, kept
