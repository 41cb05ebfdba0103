"""Helpers shared by the tests (imported as `from helpers import …`; fixtures live in
conftest.py): the CLI runner, a hand-checked roster, LibreOffice, workbook bytes, flat issues."""

from __future__ import annotations

import atexit
import io
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from workbook_engine.cli import main
from workbook_engine.ledger_template import (
    ACTIVITY_HEADERS,
    ACTIVITY_SHEET,
    LEAVE_HEADERS,
    LEAVE_SHEET,
    PRAISE_HEADERS,
    PRAISE_SHEET,
)
from workbook_engine.policy import IngestLimits

MB = 1024 * 1024
LIMITS = IngestLimits(
    max_file_bytes=20 * MB,
    max_unzipped_bytes=200 * MB,
    max_zip_entries=5000,
    parse_seconds=30,
    parse_memory_bytes=512 * MB,
)
# English that click would print where a clerk must read Chinese (SPEC §7)
ENGLISH = re.compile(r"Usage:|Error:|Missing (argument|option)|Show this message|No such|"
                     r"Options:|Commands:|Try '|Got unexpected|Invalid value|is not|\[OPTIONS\]")
SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def cli(workspace, *args: str, code: int | None = 0, env: dict | None = None):
    """Run `workbook-engine -w WORKSPACE ARGS…` in process (no -w when `workspace` is None):
    never a traceback; the exit code is `code` unless that is None."""
    prefix = [] if workspace is None else ["-w", str(workspace.root)]
    result = CliRunner().invoke(main, [*prefix, *args], env=env)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if code is not None:
        assert result.exit_code == code, result.output
    return result


def flat(issues):
    """Issues as (sheet, row, column, code): what a test compares."""
    return [(i.sheet, i.row, i.column, i.code) for i in issues]


def rezip(data: bytes, replace: dict[str, bytes] | None = None, drop: tuple = ()) -> bytes:
    """The zip `data` with parts replaced or added (in `replace`) and parts dropped."""
    replace = dict(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            body = replace.pop(info.filename, None)
            target.writestr(info, source.read(info) if body is None else body, zipfile.ZIP_DEFLATED)
        for name, body in replace.items():
            target.writestr(name, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def as_xlsm(data: bytes) -> bytes:
    """The workbook declared macro-enabled, with a (dummy) VBA project part."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    assert SHEET_MAIN in types
    types = types.replace(SHEET_MAIN, MACRO_MAIN).replace(
        "<Default ",
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ',
        1,
    )
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    return rezip(data, {"[Content_Types].xml": types.encode(), "xl/vbaProject.bin": vba})


def named_cell(workbook: openpyxl.Workbook, name: str):
    """The single cell a workbook-scope defined name points at."""
    (sheet, ref), = list(workbook.defined_names[name].destinations)
    return workbook[sheet][ref.replace("$", "")]


def named_range(workbook: openpyxl.Workbook, name: str):
    """Rows of cells a workbook-scope defined name covers."""
    (sheet, ref), = list(workbook.defined_names[name].destinations)
    return workbook[sheet][ref.replace("$", "")]


def soffice() -> str | None:
    """The LibreOffice binary; required on CI, optional on a developer's machine."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None and os.environ.get("CI"):
        pytest.fail("CI 需要 LibreOffice（libreoffice-calc-nogui），但未找到 soffice")
    if found is None:
        pytest.skip("LibreOffice not installed on this machine")
    return found


UNO_PYTHON = "/usr/bin/python3"  # the system Python with LibreOffice's `uno` (python3-uno)
_OFFICE: dict = {}  # this process's running office: proc, pipe, profile
_PIPES = itertools.count()


def stop_office() -> None:
    """End the office `office_pipe` started (its whole process group) and drop its profile."""
    proc = _OFFICE.pop("proc", None)
    if proc is not None and proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=20)
    if "profile" in _OFFICE:
        shutil.rmtree(_OFFICE.pop("profile"), ignore_errors=True)


atexit.register(stop_office)


def office_pipe() -> str:
    """The UNO pipe of one headless office per test process (pytest-xdist worker), started on
    first use and again if it has ended; conftest's pytest_sessionfinish ends it. Starting
    soffice costs ~2 s CPU, about 20 conversions a run used to start one each."""
    proc = _OFFICE.get("proc")
    if proc is None or proc.poll() is not None:
        stop_office()
        binary = soffice()
        profile = tempfile.mkdtemp(prefix="wbe-lo-")
        pipe = f"wbe-office-{os.getpid()}-{next(_PIPES)}"
        _OFFICE.update(profile=profile, pipe=pipe, proc=subprocess.Popen(
            [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
             "--nologo", "--norestore", f"--accept=pipe,name={pipe};urp;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    return _OFFICE["pipe"]


def office_jobs(jobs: list[dict], folder: Path, timeout: int = 300):
    """Run tests/lo_uno.py's `jobs` (open, edit, store, close each file) in the shared office;
    the finished process (returncode, stdout, stderr)."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = Path(tempfile.mkstemp(suffix=".json", prefix="lo-jobs-", dir=folder)[1])
    spec.write_text(json.dumps([{**j, "src": str(j["src"]), "dst": str(j["dst"])} for j in jobs],
                               ensure_ascii=False), encoding="utf-8")
    script = Path(__file__).with_name("lo_uno.py")
    def run():
        return subprocess.run([UNO_PYTHON, str(script), str(spec), "--pipe", office_pipe()],
                              capture_output=True, text=True, timeout=timeout)

    try:
        done = run()
        if done.returncode < 0:
            # The client (or the office under it) died from a signal: every job stores with
            # Overwrite, so run them all again in a fresh office.
            stop_office()
            done = run()
        return done
    finally:
        spec.unlink()


def office_convert(paths: list[Path], target: str, outdir: Path, timeout: int = 300):
    """Save each file as OUTDIR/STEM.TARGET (pdf, xls, ods, xlsx) with the filter
    `soffice --convert-to TARGET` takes, in the shared office when the system Python has `uno`,
    else by `soffice --convert-to`; the finished process. The caller checks the files."""
    binary = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    if Path(UNO_PYTHON).exists():
        return office_jobs([{"src": p, "dst": outdir / f"{p.stem}.{target}", "target": target}
                            for p in paths], outdir, timeout)
    profile = outdir / "lo-profile"
    return subprocess.run([binary, f"-env:UserInstallation=file://{profile}", "--headless",
                           "--convert-to", target, "--outdir", str(outdir), *map(str, paths)],
                          capture_output=True, text=True, timeout=timeout)


def convert_to_pdf(paths: list[Path], outdir: Path) -> list[Path]:
    """Convert workbooks (and Word documents) to PDF with LibreOffice; fail when any fails."""
    done = office_convert(paths, "pdf", outdir)
    pdfs = [outdir / (p.stem + ".pdf") for p in paths]
    missing = [p.name for p in pdfs if not p.is_file() or p.stat().st_size == 0]
    assert done.returncode == 0 and not missing, (done.stdout, done.stderr, missing)
    return pdfs


# A roster as another program would write it: numbers for 工号, text dates, blank flags.
PEOPLE = [
    ("L0", "赵局", "局领导", "局长", "1990-07-01", "在岗", "否", "否"),
    ("L1", "钱副", "局领导", "分管领导", "1995-08-01", "在岗", "", ""),
    ("L2", "孙副", "局领导", "分管领导", "1998/9/1", "在岗", "是", "是"),
    (1001, "李办", "办公室", "股室长", "2005-07-01", "在岗", "是", "是"),
    (1002, "周一", "办公室", "一般干部职工", "2016-07-01", "在岗", "是", "是"),
    (1003, "吴二", "办公室", "一般干部职工", "2018-07-01", "离岗", "是", "是"),
    (2001, "郑规", "规划股", "股室长", "2008-03-01", "在岗", "是", "是"),
    (2002, "王三", "规划股", "一般干部职工", "2020-07-01", "在岗", "是", "是"),
    (2003, "王三", "规划股", "一般干部职工", "2025-07-01", "在岗", "是", "否"),
    (2004, "冯四", "规划股", "一般干部职工", "2010-07-01", "在岗", "否", "否"),
    (3001, "陈建", "建管股", "股室长", "2001-07-01", "在岗", "是", "是"),
    (3002, "褚五", "建管股", "一般干部职工", "2019-07-01", "在岗", "是", "是"),
]
SECTIONS = [("办公室", 1001, "L1"), ("规划股", 2001, "L1"), ("建管股", 3001, "L2")]
PEOPLE_HEADER = ["工号", "姓名", "股室", "职务类别", "参加工作时间", "在岗状态", "参加考核", "参加排名"]


PERSON_CHANGE_HEADER = ["日期", "工号", "姓名", "变动", "原股室", "新股室", "原职务类别",
                        "新职务类别", "说明"]
DUTY_CHANGE_HEADER = ["日期", "股室", "原股室长工号", "新股室长工号", "原分管领导工号",
                      "新分管领导工号"]


def write_roster(path: Path, people=PEOPLE, sections=SECTIONS, person_changes=None,
                 duty_changes=None, people_header=PEOPLE_HEADER) -> None:
    """Write 花名册.xlsx with openpyxl, the way another program fills the contract;
    change rows (lists in header order) go to 人员变动/分工变动 when given."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "人员"
    sheet.append(list(people_header))
    for row in people:
        sheet.append(list(row))
    chiefs = workbook.create_sheet("股室")
    chiefs.append(["股室", "股室长工号", "分管领导工号"])
    for row in sections:
        chiefs.append(list(row))
    for title, header, rows in (("人员变动", PERSON_CHANGE_HEADER, person_changes),
                                ("分工变动", DUTY_CHANGE_HEADER, duty_changes)):
        if rows is not None:
            sheet = workbook.create_sheet(title)
            sheet.append(header)
            for row in rows:
                sheet.append(list(row))
    workbook.save(path)


def write_ledger(path: Path, praise=(), activities=(), leave=(), headers=None) -> Path:
    """加减分台账.xlsx written by openpyxl, the way a clerk or another program fills it."""
    headers = {
        PRAISE_SHEET: PRAISE_HEADERS,
        ACTIVITY_SHEET: ACTIVITY_HEADERS,
        LEAVE_SHEET: LEAVE_HEADERS,
        **(headers or {}),
    }
    rows = {PRAISE_SHEET: praise, ACTIVITY_SHEET: activities, LEAVE_SHEET: leave}
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for sheet_name, sheet_headers in headers.items():
        if sheet_headers is None:
            continue
        sheet = workbook.create_sheet(sheet_name)
        sheet.append(list(sheet_headers))
        for row in rows[sheet_name]:
            sheet.append(list(row))
    workbook.save(path)
    return path


# The same bureau at the end of a year with changes (SPEC §4.1 「The roster over time」):
# 何新 (4001) joined 规划股 on 1 May; 周一 (1002) left on 1 July; 褚五 (3002) moved from
# 建管股 to 规划股 on 1 June; 建管股's leader in charge changed from 孙副 to 钱副 on 1 July.
CHANGED_PEOPLE = [
    *(row for row in PEOPLE if row[0] not in (1002, 3002)),
    (1002, "周一", "办公室", "一般干部职工", "2016-07-01", "离岗", "是", "是"),
    (3002, "褚五", "规划股", "一般干部职工", "2019-07-01", "在岗", "是", "是"),
    (4001, "何新", "规划股", "一般干部职工", "2024-07-01", "在岗", "是", "是"),
]
CHANGED_SECTIONS = [("办公室", 1001, "L1"), ("规划股", 2001, "L1"), ("建管股", 3001, "L1")]
PERSON_CHANGES = [
    ("2026-07-01", 1002, "周一", "调出", None, None, None, None, "调县自然资源局"),  # row 2
    ("2026-05-01", 4001, "何新", "调入", None, None, None, None, "新招录"),  # row 3
    ("2026-06-01", 3002, "褚五", "调岗", "建管股", "规划股", None, None, None),  # row 4
]
DUTY_CHANGES = [("2026-07-01", "建管股", None, None, "L2", "L1")]  # row 2
