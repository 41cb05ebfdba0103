"""stored.for_calamine: the workbook handed to calamine with its small XML parts stored
(inflated once) reads exactly as the file itself, for real forms, for other writers' files
and for damaged ones; anything unusual is handed over as it is."""

from __future__ import annotations

import dataclasses
import io
import random
import struct
import zipfile
import zlib

import pytest
from python_calamine import CalamineWorkbook
from test_package import workbook_bytes

import workbook_engine.ingest.read as read_module
from workbook_engine.forms.monthly import build_monthly_form
from workbook_engine.forms.outbox import monthly_plan, weekly_plan
from workbook_engine.forms.weekly import build_weekly_form
from workbook_engine.ingest import stored
from workbook_engine.ingest.read import read_form
from workbook_engine.ingest.stored import for_calamine
from workbook_engine.periods import parse_month, parse_week


def calamine_view(data: bytes) -> tuple:
    """Everything calamine gives for a workbook: sheets, cells, merged cells; or the kind
    of error it raises (a panic included)."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for name in book.sheet_names:
            try:
                sheet = book.get_sheet_by_name(name)
                sheets.append((name, sheet.to_python(skip_empty_area=False),
                               sheet.merged_cell_ranges, sheet.start, sheet.end))
            except BaseException as error:  # noqa: BLE001 - what is compared
                sheets.append((name, "error", type(error).__name__))
        return "read", [(m.name, m.typ, m.visible) for m in book.sheets_metadata], sheets
    except BaseException as error:  # noqa: BLE001 - what is compared
        return "error", type(error).__name__


def zip_parts(data: bytes) -> list[tuple[str, int, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(i.filename, i.compress_type, archive.read(i)) for i in archive.infolist()]


def real_forms(workspace) -> list[bytes]:
    """A filled weekly form and a filled monthly form, as the program writes them."""
    folder = workspace.root / "made"
    folder.mkdir()
    target, form, _person = weekly_plan(workspace, parse_week("2026-W03"))[0]
    weekly = folder / target.name
    build_weekly_form(weekly, dataclasses.replace(form, values={
        "work_done": "完成本周工作", "leader_grade": "称职",
        "leader_sign": form.identity.final_rater_name}))
    target, form = monthly_plan(workspace, parse_month("2026-02"))[0]
    monthly = folder / target.name
    rows = tuple(dataclasses.replace(r, items=(18, 18, 27, 9) if len(form.items) == 4
                                     else (9, 9)) for r in form.rows)
    build_monthly_form(monthly, dataclasses.replace(form, rows=rows))
    return [weekly.read_bytes(), monthly.read_bytes()]


def test_real_forms_read_the_same_from_the_stored_copy(workspace):
    for data in [*real_forms(workspace), workbook_bytes(rows=40)]:
        copy = for_calamine(data)
        assert copy is not data  # the program's own forms are rewritten ...
        assert calamine_view(copy) == calamine_view(data)  # ... and read the same
        before, after = zip_parts(data), zip_parts(copy)
        assert [(n, b) for n, _, b in after] == [(n, b) for n, _, b in before]
        for (name, method, _), (_, was, _) in zip(after, before):
            xml = name.endswith((".xml", ".rels")) and (
                name.startswith("xl/") and not name.startswith("xl/theme/")
                or name == "_rels/.rels")
            assert method == (zipfile.ZIP_STORED if xml else was), name
        assert zipfile.ZipFile(io.BytesIO(copy)).testzip() is None
        again = bytes(data)  # the same parts again: from the memo, the same bytes
        assert for_calamine(again) == copy


def test_read_form_gives_the_same_answer_with_and_without_the_stored_copy(workspace,
                                                                          monkeypatch):
    forms = real_forms(workspace)
    fast = [dataclasses.asdict(read_form(bytes(d), "xlsx", "表.xlsx")) for d in forms]
    monkeypatch.setattr(read_module, "for_calamine", lambda data: data)
    plain = [dataclasses.asdict(read_form(bytes(d), "xlsx", "表.xlsx")) for d in forms]
    assert fast == plain
    assert all(not f["issues"] for f in fast) and fast[0]["fields"]


def _zip(entries, comment=b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in entries:
            archive.writestr(info[0], info[1])
        archive.comment = comment
    return buffer.getvalue()


def _record_at(data: bytes, index: int) -> int:
    size, offset = struct.unpack_from("<LL", data, len(data) - 22 + 12)
    position = offset
    for _ in range(index):
        lengths = struct.unpack_from("<HHH", data, position + 28)
        position += 46 + sum(lengths)
    return position


def _records(data: bytes) -> list[bytes]:
    count = struct.unpack_from("<H", data, len(data) - 22 + 10)[0]
    return [data[_record_at(data, i):_record_at(data, i + 1)] for i in range(count)]


def test_unusual_layouts_are_handed_over_as_they_are():
    data = workbook_bytes(rows=40)
    end = len(data) - 22
    two_disks = bytearray(data)
    two_disks[end + 4] = 1
    fewer = bytearray(data)
    struct.pack_into("<HH", fewer, end + 8, 3, 3)
    records = _records(data)
    directory = struct.unpack_from("<L", data, end + 16)[0]
    swapped = data[:directory] + b"".join([records[0], records[2], records[1], *records[3:]]) \
        + data[end:]  # the directory's order is not the parts' order
    assert zipfile.ZipFile(io.BytesIO(swapped)).testzip() is None  # a good zip
    unusual = {
        "not a zip": b"\xd0\xcf\x11\xe0" + data[4:],
        "comment": _zip([("xl/a.xml", "<a/>")], comment=b"x"),
        "bytes before": b"stub" + data,
        "two disks": bytes(two_disks),
        "entry count": bytes(fewer),
        "out of order": swapped,
        "cut short": data[:-100],
    }
    for label, bad in unusual.items():
        assert for_calamine(bad) is bad, label


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it writes a data descriptor after each part."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, chunk):
        self.buffer += chunk
        return len(chunk)


def test_parts_with_data_descriptors_or_bytes_between_them_read_the_same():
    data = workbook_bytes(rows=40)
    stream = _Unseekable()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(stream, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info), zipfile.ZIP_DEFLATED)
    described = bytes(stream.buffer)  # as LibreOffice writes parts: a descriptor after each
    assert all(i.flag_bits & 0x08 for i in zipfile.ZipFile(io.BytesIO(described)).infolist())
    end = len(data) - 22
    flagged = bytearray(data)  # the flag alone, no descriptor
    flagged[_record_at(data, 1) + 8] |= 0x08
    flagged[struct.unpack_from("<L", data, _record_at(data, 1) + 42)[0] + 6] |= 0x08
    gap = bytearray(b"PK\x03\x04" + b"\0" * 26) + data  # a stub local header first: every
    for i in range(len(_records(data))):  # offset moves
        struct.pack_into("<L", gap, _record_at(data, i) + 30 + 42,
                         struct.unpack_from("<L", data, _record_at(data, i) + 42)[0] + 30)
    struct.pack_into("<L", gap, len(gap) - 22 + 16, struct.unpack_from("<L", data, end + 16)[0] + 30)
    for label, odd in (("descriptors", described), ("flag", bytes(flagged)), ("gap", bytes(gap))):
        assert zipfile.ZipFile(io.BytesIO(odd)).testzip() is None, label
        copy = for_calamine(odd)
        assert copy is not odd, label
        assert calamine_view(copy) == calamine_view(odd), label
        assert [(n, b) for n, _, b in zip_parts(copy)] == [(n, b) for n, _, b in zip_parts(odd)]


def _with_part(data: bytes, name: str, change) -> bytes:
    """`data` with the compressed bytes, or the directory fields, of one part changed."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        index = [i.filename for i in archive.infolist()].index(name)
        info = archive.infolist()[index]
    record = _record_at(data, index)
    local = info.header_offset
    start = local + 30 + sum(struct.unpack_from("<HH", data, local + 26))
    change(out, record, start, info)
    return bytes(out)


def test_parts_that_do_not_inflate_exactly_leave_the_file_as_it_is():
    data = workbook_bytes(rows=40)
    name = "xl/worksheets/sheet1.xml"

    def broken(out, record, start, info):
        out[start + 40:start + 48] = b"\xff" * 8

    def other_crc(out, record, start, info):
        struct.pack_into("<L", out, record + 16, info.CRC ^ 1)

    def larger(out, record, start, info):
        struct.pack_into("<L", out, record + 24, info.file_size + 1)

    def smaller(out, record, start, info):
        struct.pack_into("<L", out, record + 24, info.file_size - 1)

    for change in (broken, other_crc, larger, smaller):
        bad = _with_part(data, name, change)
        assert for_calamine(bad) is bad, change.__name__
    # after its deflate stream ends, bytes still inside the part
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [(i.filename, archive.read(i)) for i in archive.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for part_name, content in parts:
            if part_name == name:
                packer = zlib.compressobj(6, zlib.DEFLATED, -15)
                stream = packer.compress(content) + packer.flush() + b"tail"
                info = zipfile.ZipInfo(part_name)
                info.compress_type = zipfile.ZIP_STORED
                archive.writestr(info, stream)
            else:
                archive.writestr(part_name, content)
    trailing = bytearray(buffer.getvalue())
    index = [n for n, _ in parts].index(name)
    record = _record_at(trailing, index)
    local = struct.unpack_from("<L", trailing, record + 42)[0]
    struct.pack_into("<H", trailing, record + 10, 8)  # declared deflated, with its real
    struct.pack_into("<H", trailing, local + 8, 8)  # size and CRC
    struct.pack_into("<L", trailing, record + 16, zlib.crc32(dict(parts)[name]))
    struct.pack_into("<L", trailing, record + 24, len(dict(parts)[name]))
    trailing = bytes(trailing)
    assert zipfile.ZipFile(io.BytesIO(trailing)).read(name) == dict(parts)[name]
    assert for_calamine(trailing) is trailing


def test_a_part_with_an_extra_field_is_left_deflated_and_read_the_same():
    extra = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
    extra.extra = struct.pack("<HHL", 0x5455, 4, 12345)  # an extended timestamp
    extra.compress_type = zipfile.ZIP_DEFLATED
    data = workbook_bytes(rows=40)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [(i, archive.read(i)) for i in archive.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in parts:
            archive.writestr(extra if info.filename == extra.filename else info.filename,
                             content)
    data = buffer.getvalue()
    copy = for_calamine(data)
    methods = {n: m for n, m, _ in zip_parts(copy)}
    assert methods[extra.filename] == zipfile.ZIP_DEFLATED
    assert methods["xl/workbook.xml"] == zipfile.ZIP_STORED
    assert calamine_view(copy) == calamine_view(data)


def test_a_kept_part_is_used_only_for_the_very_same_compressed_bytes(monkeypatch):
    data = workbook_bytes(rows=40)
    copy = for_calamine(data)
    assert stored._inflated  # the parts are kept
    # every kept part changed: same key, other compressed bytes, other content
    for key, (compressed, content) in list(stored._inflated.items()):
        stored._inflated[key] = (compressed[:-1] + bytes([compressed[-1] ^ 1]),
                                 content.replace(b"<", b"(") if content else b"x")
    assert for_calamine(bytes(data)) == copy  # worked out anew, not taken from the memo
    monkeypatch.setattr(stored, "_KEPT_PARTS", 2)
    stored._inflated.clear()
    for_calamine(bytes(data))
    assert len(stored._inflated) <= 2


def _damaged(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4))):
        where = rng.choice(("anywhere", "directory", "end"))
        if where == "directory":
            at = rng.randrange(struct.unpack_from("<L", data, len(data) - 6)[0], len(data))
        elif where == "end":
            at = rng.randrange(len(data) - 22, len(data))
        else:
            at = rng.randrange(len(data))
        out[at] = rng.randrange(256)
    return bytes(out)


@pytest.mark.parametrize("seed", range(4))
def test_damaged_files_read_the_same_with_and_without_the_stored_copy(seed):
    rng = random.Random(seed)
    data = workbook_bytes(rows=30)
    rewritten = 0
    for _ in range(60):
        bad = _damaged(data, rng)
        copy = for_calamine(bad)
        rewritten += copy is not bad
        assert calamine_view(copy) == calamine_view(bad)
    assert rewritten  # some damages (inside a part's header fields, say) still rewrite


def test_sniff_judges_the_same_heads_from_the_kept_parts(workspace, monkeypatch):
    from workbook_engine.ingest import sniff

    limits = workspace.policy().limits
    rng = random.Random(7)
    data = workbook_bytes(rows=30)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [(i.filename, archive.read(i)) for i in archive.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts:  # a DTD in a part calamine reads
            archive.writestr(name, b"<!DOCTYPE x [<!ENTITY a 'b'>]>" + content
                             if name == "xl/workbook.xml" else content)
    unsafe = buffer.getvalue()
    files = [*real_forms(workspace), data, unsafe]
    files += [_damaged(data, rng) for _ in range(150)]
    files += [_with_part(data, "xl/worksheets/sheet1.xml", change) for change in (
        lambda out, record, start, info: out.__setitem__(slice(start + 9, start + 12), b"\xff\xff\xff"),
        lambda out, record, start, info: struct.pack_into("<L", out, record + 16, info.CRC ^ 1))]

    def verdicts():
        stored._inflated.clear()
        sniff._verdicts.clear()
        sniff._judged.clear()
        return [sniff.sniff_bytes(bytes(f), "表.xlsx", limits) for f in files]

    fast = verdicts()
    monkeypatch.setattr(sniff, "kept_content", lambda package, info: None)
    assert verdicts() == fast
    assert {v.kind for v in fast} >= {"xlsx", ""}
    assert fast[3].issues[0].code == "file.unsafe_xml"  # the DTD, seen in a kept part


def test_forms_saved_by_libreoffice_read_the_same_from_the_stored_copy(workspace, tmp_path,
                                                                       monkeypatch):
    from helpers import office_convert

    sources = []
    for n, data in enumerate(real_forms(workspace)):
        path = tmp_path / "made" / f"form{n}.xlsx"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        sources.append(path)
    done = office_convert(sources, "xlsx", tmp_path / "saved", timeout=180)
    assert done.returncode == 0, done.stderr
    saved = [(tmp_path / "saved" / p.name).read_bytes() for p in sources]
    for data in saved:  # LibreOffice writes a data descriptor after each part
        assert for_calamine(data) is not data
        assert calamine_view(for_calamine(data)) == calamine_view(data)
    fast = [dataclasses.asdict(read_form(bytes(d), "xlsx", "表.xlsx")) for d in saved]
    monkeypatch.setattr(read_module, "for_calamine", lambda data: data)
    assert fast == [dataclasses.asdict(read_form(bytes(d), "xlsx", "表.xlsx")) for d in saved]
    assert fast[0]["fields"] and not [i for f in fast for i in f["issues"]]
