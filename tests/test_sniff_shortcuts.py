"""sniff's shortcuts give the verdicts of the full checks: the XML head judged from its ASCII
start, the part verdict kept by compressed bytes, the file suffix without pathlib."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

from test_package import workbook_bytes

from workbook_engine.ingest import sniff
from workbook_engine.ingest.package import Package
from workbook_engine.ingest.sniff import (
    XML_HEAD_BYTES,
    _decode_xml_head,
    _plain_head_unsafe,
    _suffix,
    _xml_head_unsafe,
    sniff_bytes,
)
from workbook_engine.policy import IngestLimits

LIMITS = IngestLimits(20 << 20, 200 << 20, 1000, 30, 1 << 30)
DECLARATION = '<?xml version="1.0" encoding="{}" standalone="yes"?>'
PIECES = (
    DECLARATION.format("UTF-8"), DECLARATION.format("GB2312"), DECLARATION.format("utf-16"),
    "<?xml version='1.0' encoding = 'latin-1'?>", "<?xml version=\"1.0\"?>", "<?pi data?>",
    "<!-- a comment -->", "<!DOCTYPE x [<!ENTITY e 'e'>]>", "<!doctype x>", "< !ENTITY",
    "\r\n", " ", "\t", "\x1c", "\x0b", "\u3000", "\xa0", "<sst xmlns=\"urn:x\">", "<_a>",
    "<:b>", "<1>", "<", "<?", "?>", "!", "张三", "<si><t>王五！</t></si>", "&amp;", "<x:y/>",
    "\ufeff", "Ω", "",
)


def full_verdict(head: bytes) -> bool:
    return _xml_head_unsafe(_decode_xml_head(head), complete=len(head) < XML_HEAD_BYTES)


def heads(rng: random.Random):
    """Made-up heads, real part heads and both damaged, in several encodings."""
    data = workbook_bytes(rows=30)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        real = [archive.read(info)[:XML_HEAD_BYTES] for info in archive.infolist()]
    yield from real
    for _ in range(3000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 7)))
        for head in (text.encode("utf-8"), text.encode("utf-16-le", "replace")):
            yield head
            if head:
                broken = bytearray(head)
                broken[rng.randrange(len(broken))] = rng.choice((0x21, 0x3C, 0x80, 0, 0xFF))
                yield bytes(broken)
    for head in real:
        for _ in range(20):
            broken = bytearray(head)
            for _ in range(rng.randint(1, 3)):
                broken[rng.randrange(min(len(broken), 300))] = rng.randrange(256)
            yield bytes(broken)


def test_a_head_judged_from_its_ascii_start_gets_the_full_checks_verdict():
    decided = {True: 0, False: 0}
    for head in heads(random.Random(21)):
        verdict = _plain_head_unsafe(head)
        if verdict is not None:
            assert verdict == full_verdict(head), head[:120]
            decided[verdict] += 1
    assert decided[False] > 500 and decided[True] > 20, decided


def test_heads_the_shortcut_leaves_to_the_full_check():
    for head in (b'<?xml version="1.0"?><!DOCTYPE x><x/>', b"<\0x\0", "\ufeff<x/>".encode(),
                 b'<?xml version="1.0"?>\n', b"<x>!</x>", "<?xml?>\u3000<x/>".encode(), b""):
        assert _plain_head_unsafe(head) is None, head
    head = '<?xml version="1.0" encoding="UTF-8"?>\r\n<sst>张三'.encode()
    assert _plain_head_unsafe(head) is False
    assert _plain_head_unsafe(b'<?xml version="1.0" encoding="GBK"?><x>') is True


def test_a_part_seen_before_keeps_its_verdict_only_for_the_same_compressed_bytes():
    safe = workbook_bytes(rows=3)
    with zipfile.ZipFile(io.BytesIO(safe)) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    doctype = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "b">]><workbook/>'
    assert len(doctype) < len(parts["xl/workbook.xml"])
    unsafe_parts = dict(parts, **{"xl/workbook.xml": doctype.ljust(
        len(parts["xl/workbook.xml"]), b" ")})  # the same size: only the bytes tell
    unsafe = io.BytesIO()
    with zipfile.ZipFile(unsafe, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in unsafe_parts.items():
            archive.writestr(name, part)
    for data in (safe, unsafe.getvalue(), safe, unsafe.getvalue()):
        verdict = sniff_bytes(bytes(bytearray(data)), "表.xlsx", LIMITS)
        expected = "file.unsafe_xml" if data is not safe else None
        assert (verdict.issues[0].code if verdict.issues else None) == expected
    assert sniff._verdicts  # the shortcut was taken


def test_the_suffix_is_pathlibs():
    names = ["表.xlsx", "a.b.XLS", "noext", ".hidden", "..", ".", "", "a.", "x.xlsx.",
             "a\\b.xlsx", "名 单 .et", "~$x.xlsx", "a/b.xlsb", "a..b", ".x.y"]
    for name in names:
        assert _suffix(name) == Path(name).suffix, name


def test_a_kept_verdict_is_not_given_to_other_compressed_bytes_of_the_same_sizes_and_crc():
    data = workbook_bytes(rows=3)
    package = Package(data)
    info = next(i for i in package.infolist() if i.filename == "docProps/app.xml")
    assert info.compress_type == zipfile.ZIP_DEFLATED or info.file_size < 1500
    start = package.data_start(info)
    changed = bytearray(data)
    changed[start + info.compress_size // 2] ^= 0x55  # same sizes and declared CRC
    changed = bytes(changed)
    for _ in range(2):  # the good file's verdicts kept first, then the changed file judged
        assert sniff_bytes(bytes(bytearray(data)), "表.xlsx", LIMITS).ok
        verdict = sniff_bytes(changed, "表.xlsx", LIMITS)
        assert not verdict.ok and verdict.issues[0].code == "file.corrupt"
