"""sniff: the real type of a file from its bytes; dangerous and unusable files refused cheaply."""

from __future__ import annotations

import io
import random
import re
import resource
import struct
import time
import zipfile
from pathlib import Path

import olefile
import openpyxl
import pytest
from helpers import LIMITS, as_xlsm, office_convert, rezip

from workbook_engine.ingest.sniff import CORRUPT_MESSAGE, ENCRYPTED_MESSAGE, sniff, sniff_bytes
from workbook_engine.policy import IngestLimits

MB = 1024 * 1024
CHINESE = re.compile(r"[\u4e00-\u9fff]")
SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


# --- building inputs -----------------------------------------------------------------------


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "周考评"
    sheet.append(["工号", "姓名", "得分"])
    sheet.append(["1001", "张三", 95])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            compression = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, body, compression)
    return out.getvalue()


def ods_bytes() -> bytes:
    """A minimal OpenDocument spreadsheet, built by hand (LibreOffice's is tested below)."""
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' office:version="1.2"><office:body><office:spreadsheet/></office:body>'
        b"</office:document-content>"
    )
    manifest = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        b'<manifest:file-entry manifest:full-path="/" manifest:media-type="'
        + ODS_MIMETYPE
        + b'"/></manifest:manifest>'
    )
    return zip_of(
        {"mimetype": ODS_MIMETYPE, "content.xml": content, "META-INF/manifest.xml": manifest}
    )


def docx_like_bytes() -> bytes:
    types = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    document = b'<?xml version="1.0"?><w:document xmlns:w="urn:w"/>'
    return zip_of({"[Content_Types].xml": types, "word/document.xml": document})


def encrypted_xlsx_bytes() -> bytes:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    out = io.BytesIO()
    ooxml.OOXMLFile(io.BytesIO(xlsx_bytes())).encrypt("1234", out)
    return out.getvalue()


def with_workbook_xml(prolog: str) -> bytes:
    """The test xlsx with `prolog` put before the root element of xl/workbook.xml."""
    source = xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    body = workbook[workbook.index("<workbook") :]
    return rezip(source, {"xl/workbook.xml": (prolog + body).encode()})


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>\n"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
)


def write_all(folder: Path, files: dict[str, bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def verdicts(paths: list[Path], limits: IngestLimits = LIMITS) -> list[tuple]:
    result = []
    for path in paths:
        sniffed = sniff(path, limits)
        result.append((path.name, sniffed.kind, [issue.code for issue in sniffed.issues]))
        assert_clear_messages(path.name, sniffed)
    return result


def assert_clear_messages(name: str, sniffed) -> None:
    """Every refusal is in Chinese and names the file."""
    assert bool(sniffed.issues) != bool(sniffed.kind or sniffed.skip)
    for issue in sniffed.issues:
        assert issue.file == name
        assert str(issue).startswith(f"{name}：")
        assert CHINESE.search(issue.message), issue.message


# --- kinds ---------------------------------------------------------------------------------


def test_kinds_told_from_bytes_not_names(tmp_path: Path) -> None:
    xlsx = xlsx_bytes()
    paths = write_all(
        tmp_path,
        {
            "张三.xlsx": xlsx,
            "张三-改名.xls": xlsx,
            "宏.xlsm": as_xlsm(xlsx_bytes()),
            "表格.ods": ods_bytes(),
            "文本.xlsx": "这不是表格，只是一段文字。\n第二行\n".encode(),
            "名单.csv": "工号,姓名,得分\n1001,张三,95\n1002,李四,88\n".encode("gbk"),
            "名单.xlsx": "工号,姓名,得分\n1001,张三,95\n1002,李四,88\n".encode(),
            "扫描件.xlsx": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
            "截图.xlsx": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(32),
            "照片.xls": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32),
            "说明.xlsx": docx_like_bytes(),
            "截断.xlsx": xlsx[: len(xlsx) // 2],
            "加密.xlsx": encrypted_xlsx_bytes(),
            "坏的.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
            "打包.xlsx": zip_of({"张三.xlsx": xlsx}),
            "网页.xls": b"<html><head><meta charset='utf-8'></head><body><table></table></body></html>",
            "空.xlsx": b"",
            "WPS.et": xlsx,
            "WPS模板.ett": b"whatever",
            "二进制.xlsb": xlsx,
            "二进制改名.xlsx": zip_of(
                {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0"}
            ),
            "~$张三.xlsx": b"\x06zhangsan" + bytes(150),
            ".~lock.张三.xlsx#": b"zhangsan,host,/home/z,01.03.2026 10:00;",
        },
    )
    assert verdicts(paths) == [
        ("张三.xlsx", "xlsx", []),
        ("张三-改名.xls", "xlsx", []),
        ("宏.xlsm", "xlsm", []),
        ("表格.ods", "ods", []),
        ("文本.xlsx", "", ["file.not_workbook"]),
        ("名单.csv", "", ["file.not_workbook"]),
        ("名单.xlsx", "", ["file.not_workbook"]),
        ("扫描件.xlsx", "", ["file.not_workbook"]),
        ("截图.xlsx", "", ["file.not_workbook"]),
        ("照片.xls", "", ["file.not_workbook"]),
        ("说明.xlsx", "", ["file.not_workbook"]),
        ("截断.xlsx", "", ["file.corrupt"]),
        ("加密.xlsx", "", ["file.encrypted"]),
        ("坏的.xls", "", ["file.corrupt"]),
        ("打包.xlsx", "", ["file.not_workbook"]),
        ("网页.xls", "", ["file.not_workbook"]),
        ("空.xlsx", "", ["file.empty"]),
        ("WPS.et", "", ["file.wps_format"]),
        ("WPS模板.ett", "", ["file.wps_format"]),
        ("二进制.xlsb", "", ["file.unsupported_format"]),
        ("二进制改名.xlsx", "", ["file.unsupported_format"]),
        ("~$张三.xlsx", "", []),
        (".~lock.张三.xlsx#", "", []),
    ]
    messages = {path.name: [i.message for i in sniff(path, LIMITS).issues] for path in paths}
    assert messages["扫描件.xlsx"] == ["这是 PDF 文件，不是 Excel 工作簿"]
    assert messages["截图.xlsx"] == ["这是 PNG 图片，不是 Excel 工作簿"]
    assert messages["文本.xlsx"] == ["这是文本文件（可能是改了扩展名），不是 Excel 工作簿"]
    assert "CSV" in messages["名单.csv"][0] and "CSV" in messages["名单.xlsx"][0]
    assert "Word" in messages["说明.xlsx"][0]
    assert "网页" in messages["网页.xls"][0]
    assert messages["截断.xlsx"] == [CORRUPT_MESSAGE]
    assert messages["加密.xlsx"] == [ENCRYPTED_MESSAGE]
    assert messages["WPS.et"] == [
        "这是 WPS 专用格式（.et），请在 WPS 中「另存为」Excel 工作簿（.xlsx）后再发送"
    ]
    assert ".xlsx" in messages["二进制.xlsb"][0]


def test_lock_files_are_skipped(tmp_path: Path) -> None:
    paths = write_all(tmp_path, {"~$张三.xlsx": b"\x06zhangsan", ".~lock.a.ods#": b"x"})
    assert [sniff(path, LIMITS).skip for path in paths] == [True, True]
    assert sniff_bytes(b"\x06zs", "~$x.xlsx", LIMITS).skip


def test_macros_flagged(tmp_path: Path) -> None:
    only_vba = rezip(xlsx_bytes(), {"xl/vbaProject.bin": b"\0" * 16})
    only_type = rezip(as_xlsm(xlsx_bytes()), drop=("xl/vbaProject.bin",))
    found = [sniff_bytes(data, "表.xlsx", LIMITS) for data in (as_xlsm(xlsx_bytes()), only_vba, only_type)]
    assert [(s.kind, s.macros) for s in found] == [("xlsm", True)] * 3
    assert sniff_bytes(xlsx_bytes(), "表.xlsx", LIMITS).macros is False


def test_mail_recognised_by_name_or_headers(tmp_path: Path) -> None:
    mail = (
        b"Return-Path: <zs@example.cn>\r\nReceived: from mail.example.cn\r\n\tby mx;"
        b" Tue, 31 Mar 2026 17:05:00 +0800\r\nFrom: =?utf-8?b?5byg5LiJ?= <zs@example.cn>\r\n"
        b"Subject: test\r\nMIME-Version: 1.0\r\n\r\nbody\r\n"
    )
    paths = write_all(tmp_path, {"邮件.eml": mail, "邮件.txt": mail, "另存.xlsx": mail})
    assert verdicts(paths) == [
        ("邮件.eml", "eml", []),
        ("邮件.txt", "eml", []),
        ("另存.xlsx", "eml", []),
    ]
    assert (
        sniff_bytes(b"Subject: hi\nDate: Tue, 31 Mar 2026 17:05:00 +0800\n\nx", "a", LIMITS).kind
        == "eml"
    )
    assert sniff_bytes(b"Hello: world\nThis is not a mail\n", "a.txt", LIMITS).kind == ""


def test_display_name_used_in_issues(tmp_path: Path) -> None:
    path = tmp_path / "0a1b-张三.xlsx"
    path.write_bytes(b"%PDF-1.4")
    (issue,) = sniff(path, LIMITS, "张三.xlsx").issues
    assert issue.file == "张三.xlsx"
    (issue,) = sniff_bytes(b"%PDF-1.4", "张三.xlsx", LIMITS).issues
    assert issue.file == "张三.xlsx"


# --- sizes ---------------------------------------------------------------------------------


def test_too_large_gives_both_sizes(tmp_path: Path) -> None:
    small = IngestLimits(
        max_file_bytes=1 * MB,
        max_unzipped_bytes=10 * MB,
        max_zip_entries=100,
        parse_seconds=5,
        parse_memory_bytes=100 * MB,
    )
    path = tmp_path / "大表.xlsx"
    photo = random.Random(1).randbytes(3 * MB)  # incompressible, like a photo
    path.write_bytes(rezip(xlsx_bytes(), {"xl/media/image1.png": photo}))
    found = sniff(path, small)
    assert (found.kind, [i.code for i in found.issues]) == ("", ["file.too_large"])
    assert "3 MB" in found.issues[0].message and "1 MB" in found.issues[0].message
    assert_clear_messages("大表.xlsx", found)


def test_huge_file_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "巨大.xlsx"
    with path.open("wb") as handle:
        handle.write(b"PK\x03\x04")
        handle.truncate(8 * 1024 * MB)  # sparse: 8 GB that nobody may read
    started = time.perf_counter()
    found = sniff(path, LIMITS)
    assert time.perf_counter() - started < 0.5
    assert [i.code for i in found.issues] == ["file.too_large"]
    assert "8192 MB" in found.issues[0].message and "20 MB" in found.issues[0].message


def test_mail_may_be_larger_than_a_workbook() -> None:
    mail = b"From: a@b.cn\r\nSubject: x\r\n\r\n" + b"QUFB\r\n" * 4_000_000  # 24 MB
    assert sniff_bytes(mail, "大邮件.eml", LIMITS).kind == "eml"
    assert sniff_bytes(mail * 2, "大邮件.eml", LIMITS).issues[0].code == "file.too_large"


# --- bombs ---------------------------------------------------------------------------------


def streamed_zero_bomb(path: Path, megabytes: int) -> None:
    """A real xlsx plus one entry of `megabytes` MB of zeros, written without holding it."""
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes())) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
        with archive.open("xl/media/zeros.bin", "w", force_zip64=True) as entry:
            chunk = bytes(MB)
            for _ in range(megabytes):
                entry.write(chunk)


def declared_size_bomb() -> bytes:
    """A small xlsx whose central directory declares sheet1.xml to be 4 GB."""
    data = bytearray(xlsx_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<L", data, at + 24, 0xFFFFFFF0)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def many_entries(count: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes())) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for n in range(count):
            target.writestr(f"xl/media/n{n}.xml", b"")
    return out.getvalue()


def lying_entry_count(data: bytes, count: int) -> bytes:
    data = bytearray(data)
    at = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, at + 8, count, count)
    return bytes(data)


def test_bombs_refused_fast_and_small(tmp_path: Path) -> None:
    streamed_zero_bomb(tmp_path / "零.xlsx", 300)
    streamed_zero_bomb(tmp_path / "高压缩比.xlsx", 50)
    many = many_entries(6000)
    files = {
        "声明4GB.xlsx": declared_size_bomb(),
        "部件过多.xlsx": many,
        "部件数造假.xlsx": lying_entry_count(many, 10),
        "十亿笑.xlsx": with_workbook_xml(BILLION_LAUGHS),
        "外部实体.xlsx": with_workbook_xml(EXTERNAL_ENTITY),
        "注释填充.xlsx": with_workbook_xml(
            '<?xml version="1.0"?>\n<!--' + "x" * 5000 + "-->" + BILLION_LAUGHS[22:]
        ),
        "未闭合注释.xlsx": with_workbook_xml("<!--" + "x" * 5000 + "-->"),
        "UTF-7.xlsx": with_workbook_xml(
            '<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x+AD4-'
        ),
        "UTF-16.xlsx": rezip(
            xlsx_bytes(),
            {
                "xl/workbook.xml": (
                    EXTERNAL_ENTITY.replace("1.0", '1.0" encoding="UTF-16') + "<workbook/>"
                ).encode("utf-16")
            },
        ),
        "关系文件.xlsx": rezip(
            xlsx_bytes(), {"_rels/.rels": EXTERNAL_ENTITY.encode() + b"<Relationships/>"}
        ),
        "ods实体.ods": rezip(ods_bytes(), {"content.xml": BILLION_LAUGHS.encode() + b"<x/>"}),
    }
    paths = [tmp_path / "零.xlsx", tmp_path / "高压缩比.xlsx", *write_all(tmp_path, files)]
    timings = {}
    found = []
    for path in paths:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        sniffed = sniff(path, LIMITS)
        timings[path.name] = time.perf_counter() - started
        growth_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        assert timings[path.name] < 2, (path.name, timings[path.name])
        assert growth_mb < 300, (path.name, growth_mb)
        assert_clear_messages(path.name, sniffed)
        found.append((path.name, sniffed.kind, [i.code for i in sniffed.issues]))
    bomb, xml = ["file.zip_bomb"], ["file.unsafe_xml"]
    assert found == [
        ("零.xlsx", "", bomb),
        ("高压缩比.xlsx", "", bomb),
        ("声明4GB.xlsx", "", bomb),
        ("部件过多.xlsx", "", bomb),
        ("部件数造假.xlsx", "", bomb),
        ("十亿笑.xlsx", "", xml),
        ("外部实体.xlsx", "", xml),
        ("注释填充.xlsx", "", xml),
        ("未闭合注释.xlsx", "", xml),
        ("UTF-7.xlsx", "", xml),
        ("UTF-16.xlsx", "", xml),
        ("关系文件.xlsx", "", xml),
        ("ods实体.ods", "", xml),
    ]
    print({name: round(seconds, 4) for name, seconds in timings.items()})


def test_xml_checks_pass_ordinary_parts() -> None:
    harmless = with_workbook_xml(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<!-- ok -->'
    )
    assert sniff_bytes(harmless, "表.xlsx", LIMITS).kind == "xlsx"
    old_manifest = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE manifest:manifest PUBLIC'
        b' "-//OpenOffice.org//DTD Manifest 1.0//EN" "Manifest.dtd">\n'
        b'<manifest:manifest xmlns:manifest="http://openoffice.org/2001/manifest"/>'
    )
    assert (
        sniff_bytes(
            rezip(ods_bytes(), {"META-INF/manifest.xml": old_manifest}), "a.ods", LIMITS
        ).kind
        == "ods"
    )


# --- files made by LibreOffice -------------------------------------------------------------


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The test xlsx saved by LibreOffice as .xls (BIFF8) and .ods."""
    folder = tmp_path_factory.mktemp("lo")
    source = folder / "form.xlsx"
    source.write_bytes(xlsx_bytes())
    for target in ("xls", "ods"):
        assert office_convert([source], target, folder).returncode == 0
    return {target: (folder / f"form.{target}").read_bytes() for target in ("xls", "ods")}


def with_filepass(xls: bytes, folder: Path) -> bytes:
    """The .xls with its second BIFF record turned into FILEPASS (0x002F): "encrypted"."""
    path = folder / "filepass.xls"
    path.write_bytes(xls)
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        first_length = struct.unpack_from("<H", stream, 2)[0]
        struct.pack_into("<H", stream, 4 + first_length, 0x002F)
        ole.write_stream("Workbook", bytes(stream))
    return path.read_bytes()


@pytest.mark.libreoffice
def test_files_saved_by_libreoffice(converted: dict[str, bytes], tmp_path: Path) -> None:
    xls, ods = converted["xls"], converted["ods"]
    paths = write_all(
        tmp_path / "in",
        {
            "旧版.xls": xls,
            "旧版改名.xlsx": xls,
            "表格.ods": ods,
            "截断.xls": xls[: len(xls) // 2],
            "加密.xls": with_filepass(xls, tmp_path),
            "WPS.et": xls,
        },
    )
    assert verdicts(paths) == [
        ("旧版.xls", "xls", []),
        ("旧版改名.xlsx", "xls", []),
        ("表格.ods", "ods", []),
        ("截断.xls", "", ["file.corrupt"]),
        ("加密.xls", "", ["file.encrypted"]),
        ("WPS.et", "", ["file.wps_format"]),
    ]
