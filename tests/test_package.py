"""package: one parsed zip per file; a part's head is what zipfile gives, bytes and errors alike."""

from __future__ import annotations

import io
import random
import re
import time
import zipfile
from functools import partial

import openpyxl
import pytest

from workbook_engine.ingest.defined import defined_names
from workbook_engine.ingest.formulas import unsaved_formulas
from workbook_engine.ingest.package import Package, open_package
from workbook_engine.ingest.saved import saved_at

LIMITS = (200, 4096, 1 << 20)


def workbook_bytes(rows: int = 300) -> bytes:
    """A workbook with parts above and below 4 KB, compressed and not."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "周考评表"
    for row in range(rows):
        sheet.append([f"S{row:05d}", f"职工{row}", row * 1.5, "完成本周工作" * (row % 7)])
    workbook.create_sheet("工作日志").append(["日期", "工作内容", "备注"])
    workbook.defined_names["staff_id"] = openpyxl.workbook.defined_name.DefinedName(
        "staff_id", attr_text="'周考评表'!$A$1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, \
            zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():  # the small parts stored, the rest deflated
            method = zipfile.ZIP_STORED if info.file_size < 1500 else zipfile.ZIP_DEFLATED
            target.writestr(info.filename, source.read(info), method)
    return out.getvalue()


def outcome(read) -> tuple[str, object]:
    try:
        return "read", read()
    except Exception as error:  # noqa: BLE001 - the kind of error is what is compared
        return "error", type(error)


def zipfile_head(data: bytes, index: int, limit: int) -> tuple[str, object]:
    def read():
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            with archive.open(archive.infolist()[index]) as part:
                return part.read(limit)
    return outcome(read)


def damaged(data: bytes, rng: random.Random) -> bytes:
    """Random bytes changed (in the local headers and deflate streams too), sometimes cut."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    if rng.random() < 0.2:
        out = out[: rng.randrange(len(out))]
    return bytes(out)


def test_heads_are_zipfiles_bytes_and_errors_for_whole_and_damaged_files():
    base = workbook_bytes()
    rng = random.Random(15)
    compared = {"read": 0, "error": 0}
    for trial in range(150):
        data = base if trial == 0 else damaged(base, rng)
        try:
            package = Package(data)
        except Exception:  # noqa: BLE001 - zipfile refuses the directory: nothing to compare
            continue
        for index, info in enumerate(package.infolist()):
            for limit in LIMITS:
                for _ in range(2):  # the second read may come from the memo of heads
                    mine = outcome(partial(package.head, info, limit))
                    assert mine == zipfile_head(data, index, limit), (trial, info.filename)
                    compared[mine[0]] += 1
    assert compared["read"] > 1000 and compared["error"] > 50, compared


def test_whole_parts_are_zipfiles_bytes_and_errors_for_whole_and_damaged_files():
    base = workbook_bytes()
    rng = random.Random(16)
    compared = {"read": 0, "error": 0}
    for trial in range(150):
        data = base if trial == 0 else damaged(base, rng)
        try:
            names = [info.filename for info in Package(data).infolist()]
        except Exception:  # noqa: BLE001 - zipfile refuses the directory: nothing to compare
            continue
        for name in names:
            mine = outcome(partial(Package(data).read, name))
            theirs = outcome(partial(zipfile.ZipFile(io.BytesIO(data)).read, name))
            assert mine == theirs, (trial, name)
            compared[mine[0]] += 1
    assert compared["read"] > 300 and compared["error"] > 20, compared


def test_head_reads_no_more_than_asked_and_big_parts_whole():
    data = workbook_bytes(rows=2000)
    package = open_package(data)
    sheet = package.getinfo("xl/worksheets/sheet1.xml")
    assert sheet.file_size > 1 << 16 and sheet.compress_type == zipfile.ZIP_DEFLATED
    assert package.head(sheet, 4096) == package.read("xl/worksheets/sheet1.xml")[:4096]
    assert package.head(sheet, 1 << 30) == package.read("xl/worksheets/sheet1.xml")


def test_one_package_per_bytes_object_and_parts_read_once():
    data = workbook_bytes(rows=5)
    package = open_package(data)
    assert open_package(data) is package
    assert open_package(bytes(bytearray(data))) is not package  # equal bytes, another file
    assert package.read("xl/workbook.xml") is package.read("xl/workbook.xml")
    assert package.xml("xl/workbook.xml") is package.xml("xl/workbook.xml")
    with pytest.raises(KeyError):
        package.read("xl/nothing.xml")


def test_defined_names_of_a_repeated_workbook_part_are_a_fresh_dict_each_time():
    data = workbook_bytes(rows=5)
    first = defined_names(data, "xlsx")
    first["staff_id"] = None
    second = defined_names(bytes(bytearray(data)), "xlsx")
    assert second["staff_id"].sheet == "周考评表" and second["staff_id"].first == (0, 0)


def with_formula(data: bytes, formula: str) -> bytes:
    """The workbook with cell E2 of 周考评表 holding `formula` saved without a result."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook["周考评表"]["E2"] = formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_part_keys_are_equal_only_for_the_same_compressed_part():
    data = workbook_bytes(rows=5)
    key = open_package(data).part_key("xl/worksheets/sheet1.xml")
    again = open_package(bytes(bytearray(data))).part_key("xl/worksheets/sheet1.xml")
    other = open_package(with_formula(data, "=1+1")).part_key("xl/worksheets/sheet1.xml")
    assert key == again and key != other
    assert open_package(data).part_key("xl/workbook.xml") != key
    with pytest.raises(KeyError):
        open_package(data).part_key("xl/nothing.xml")


def test_unsaved_formulas_of_a_sheet_part_seen_before_come_from_the_memo_unchanged():
    """The check remembers each sheet part's answer; another file with the same part gets
    the same answer, a changed part its own, and changing an answer changes no memo."""
    data = workbook_bytes(rows=5)
    assert unsaved_formulas(data, "周考评表", "xlsx") == {}
    formula = with_formula(data, "=SUM(C1:C3)")
    found = unsaved_formulas(formula, "周考评表", "xlsx")
    assert found == {(1, 4): "SUM(C1:C3)"}
    found[(0, 0)] = "changed by the caller"
    for copy in (bytes(bytearray(formula)), bytes(bytearray(formula))):
        assert unsaved_formulas(copy, "周考评表", "xlsx") == {(1, 4): "SUM(C1:C3)"}
    assert unsaved_formulas(bytes(bytearray(data)), "周考评表", "xlsx") == {}
    assert unsaved_formulas(with_formula(data, "=C1*2"), "周考评表", "xlsx") == {
        (1, 4): "C1*2"}


def test_a_part_with_the_same_sizes_and_crc_but_other_bytes_is_not_given_the_kept_head():
    data = workbook_bytes()
    package = Package(data)
    infos = package.infolist()
    stored = next(i for i, info in enumerate(infos) if info.compress_type == zipfile.ZIP_STORED)
    info = infos[stored]
    start = package._data_start(info)
    changed = bytearray(data)
    changed[start + 10] ^= 0x20  # one byte of the part: same sizes and declared CRC
    changed = bytes(changed)
    for source in (data, changed, data, changed):  # each time after the other's head is kept
        again = Package(source)
        for limit in (5, 4096):
            assert outcome(partial(again.head, again.infolist()[stored], limit)) \
                == zipfile_head(source, stored, limit)
    assert zipfile_head(changed, stored, 5) != zipfile_head(data, stored, 5)  # CRC error


def test_declared_sizes_and_crcs_other_than_the_streams_give_zipfiles_bytes_and_errors():
    """A deflated part read whole in one call only when its stream ends at its declared
    size with its declared CRC; any other declaration gives what zipfile's steps give."""
    data = workbook_bytes(rows=40)
    infos = Package(data).infolist()
    compared = 0
    for index, info in enumerate(infos):
        if info.compress_type != zipfile.ZIP_DEFLATED:
            continue
        text = zipfile.ZipFile(io.BytesIO(data)).read(info.filename)
        for size, crc in ((info.file_size - 1, zipfile.crc32(text[:-1])),
                          (info.file_size + 1, info.CRC), (info.file_size, info.CRC ^ 1),
                          (info.file_size - 1, info.CRC)):
            changed = bytearray(data)
            for record in (info.header_offset + 14, _directory_record(data, index) + 16):
                changed[record:record + 4] = crc.to_bytes(4, "little")
                changed[record + 8:record + 12] = size.to_bytes(4, "little")
            changed = bytes(changed)
            for limit in (200, info.file_size, 4096, 1 << 20):
                again = Package(changed)
                assert outcome(partial(again.head, again.infolist()[index], limit)) \
                    == zipfile_head(changed, index, limit), (info.filename, size, limit)
                compared += 1
            assert outcome(partial(Package(changed).read, info.filename)) == outcome(
                partial(zipfile.ZipFile(io.BytesIO(changed)).read, info.filename))
    assert compared > 40, compared


def _directory_record(data: bytes, index: int) -> int:
    """Where the `index`-th central directory record starts."""
    position = int.from_bytes(data[-6:-2], "little")
    for _ in range(index):
        lengths = data[position + 28:position + 34]
        position += 46 + sum(int.from_bytes(lengths[i:i + 2], "little") for i in (0, 2, 4))
    return position


def with_modified(data: bytes, when: str) -> bytes:
    """The workbook with docProps/core.xml's dcterms:modified set to `when`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "docProps/core.xml":
                part = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)",
                              rb"\g<1>" + when.encode() + rb"\g<2>", part)
            target.writestr(info.filename, part, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_saved_times_of_a_repeated_properties_part_are_kept_only_when_zoned(monkeypatch):
    data = workbook_bytes(rows=3)
    zoned = with_modified(data, "2026-03-09T10:00:00Z")
    for copy in (zoned, bytes(bytearray(zoned))):
        assert saved_at(copy, "xlsx") == "2026-03-09T10:00:00+00:00"
    naive = with_modified(data, "2026-03-09T10:00:00")  # this PC's time: never kept
    answers = []
    for zone in ("Asia/Shanghai", "UTC", "Asia/Shanghai"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        answers.append(saved_at(bytes(bytearray(naive)), "xlsx"))
    monkeypatch.delenv("TZ")
    time.tzset()
    assert answers == ["2026-03-09T02:00:00+00:00", "2026-03-09T10:00:00+00:00",
                       "2026-03-09T02:00:00+00:00"]
    assert saved_at(with_modified(data, "not a time"), "xlsx") == ""
