"""Reading the office's own workbooks (roster, ledger): tables by header, dates, 工号.

    table, issues = read_table(workbook, "花名册.xlsx", "人员", PEOPLE_HEADERS, "roster")
    parse_date("2005年7月1日") == date(2005, 7, 1)      clean_staff_id(1001.0) == "1001"
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import MappingProxyType

from python_calamine import CalamineWorkbook

from workbook_engine.issues import ERROR, WARNING, Issue
from workbook_engine.text import clean_name, clean_text


def clean_staff_id(value: object) -> str:
    """A 工号 as text: `1001.0` → `1001`, `Ａ００１ ` → `A001`, no spaces at all."""
    return clean_name(value)


# ---------------------------------------------------------------------------------------
# Reading sheets (shared with the ledger loader)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A sheet whose row 1 holds the headers; `rows` are (Excel row number, cells)."""

    file: str
    sheet: str
    columns: Mapping[str, int]
    rows: Sequence[tuple[int, Sequence[object]]]

    def value(self, cells: Sequence[object], header: str) -> object:
        index = self.columns.get(header)
        return cells[index] if index is not None and index < len(cells) else None


def open_workbook(path: str | PathLike, prefix: str) -> tuple[CalamineWorkbook | None, list[Issue]]:
    """Open an xlsx/xls/xlsm file; a missing or unreadable file becomes an issue."""
    path = Path(path)
    file = path.name
    if not path.is_file():
        message = f"找不到文件「{path}」，请确认文件名和所在文件夹"
        return None, [Issue(f"{prefix}.file_not_found", message, file=file)]
    try:
        return CalamineWorkbook.from_path(str(path)), []
    except BaseException as exc:  # noqa: BLE001 - a Rust panic is a BaseException
        if not _is_read_failure(exc):
            raise
        message = "无法读取此文件：它不是有效的 Excel 工作簿，或已损坏、加密；请用 Excel 或 WPS 打开后另存为 .xlsx 再试"
        return None, [Issue(f"{prefix}.unreadable", message, file=file)]


def _is_read_failure(exc: BaseException) -> bool:
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def read_table(
    workbook: CalamineWorkbook, file: str, sheet: str, headers: Sequence[str], prefix: str
) -> tuple[Table | None, list[Issue]]:
    """The sheet's rows under its row-1 headers; None with issues when a sheet or header is missing."""
    actual = next((name for name in workbook.sheet_names if clean_name(name) == sheet), None)
    if actual is None:
        listed = "、".join(f"「{name}」" for name in workbook.sheet_names) or "无"
        message = f"找不到工作表「{sheet}」（文件中的工作表：{listed}）"
        return None, [Issue(f"{prefix}.missing_sheet", message, file=file, sheet=sheet)]
    try:
        grid = workbook.get_sheet_by_name(actual).to_python(skip_empty_area=False)
    except BaseException as exc:  # noqa: BLE001 - see open_workbook
        if not _is_read_failure(exc):
            raise
        message = "无法读取此工作表，文件可能已损坏；请用 Excel 或 WPS 打开后另存为 .xlsx 再试"
        return None, [Issue(f"{prefix}.unreadable", message, file=file, sheet=sheet)]
    columns, issues = _header_columns(grid, file, sheet, headers, prefix)
    if any(issue.is_error for issue in issues):
        return None, issues
    rows = [(n, cells) for n, cells in enumerate(grid[1:], start=2)]
    rows = [(n, cells) for n, cells in rows if not _blank(cells, columns.values())]
    return Table(file, sheet, MappingProxyType(columns), rows), issues


def _header_columns(
    grid: list[list[object]], file: str, sheet: str, headers: Sequence[str], prefix: str
) -> tuple[dict[str, int], list[Issue]]:
    columns: dict[str, int] = {}
    issues = []
    for index, cell in enumerate(grid[0] if grid else []):
        header = clean_name(cell)
        if header in headers and header in columns:
            message = f"表头「{header}」出现了两次，请删除或改名其中一列"
            issues.append(Issue(f"{prefix}.duplicate_header", message, file, sheet, 1, header))
        elif header in headers:
            columns[header] = index
    hint = _header_hint(grid, headers)
    for header in headers:
        if header not in columns:
            message = f"工作表「{sheet}」缺少表头「{header}」（表头须在第 1 行）{hint}"
            issues.append(Issue(f"{prefix}.missing_header", message, file, sheet, 1, header))
    return columns, issues


def _header_hint(grid: list[list[object]], headers: Sequence[str]) -> str:
    """Point at a header row that sits below row 1, e.g. under a title row."""
    for n, cells in enumerate(grid[1:10], start=2):
        if headers[0] in {clean_name(cell) for cell in cells}:
            return f"；第 {n} 行像是表头，请删除它上面的行"
    return ""


def _blank(cells: Sequence[object], indexes: Iterable[int]) -> bool:
    return all(i >= len(cells) or clean_text(cells[i]) == "" for i in indexes)


# ---------------------------------------------------------------------------------------
# Dates as people type them
# ---------------------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_DATE_TEXT = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{1,5}(\.\d*)?$")
_MIN_SERIAL = 10_000  # 1927-05-18; smaller numbers are more likely a year or a typo


def parse_date(value: object) -> dt.date | None:
    """A typed date: a real date, an Excel serial number, `2005-07-01`, `2005/7/1`, `2005.07.01`,
    `2005年7月1日`, `20050701`, or a month `2005-07` (its first day); None when not a date."""
    if isinstance(value, dt.datetime):
        return _in_range(value.date())
    if isinstance(value, dt.date):
        return _in_range(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_number(value)
    text = _TIME_SUFFIX.sub("", clean_text(value)).replace(" ", "")
    for old, new in (("年", "-"), ("月", "-"), ("日", ""), ("号", ""), ("/", "-"), (".", "-")):
        text = text.replace(old, new)
    text = text.rstrip("-")
    match = _DATE_TEXT.match(text) or _COMPACT_DATE.match(text)
    if match:
        year, month, day = (int(part or 1) for part in match.groups())
        return _valid_date(year, month, day)
    return _from_number(float(text)) if _SERIAL.match(text) else None


def _from_number(number: float) -> dt.date | None:
    if number != number:  # NaN
        return None
    if 10_000_000 <= number < 100_000_000 and float(number).is_integer():
        return parse_date(str(int(number)))
    if not _MIN_SERIAL <= number < 100_000:
        return None  # 2005 is a year, not serial 2005 (1905-06-27)
    return _in_range(_EXCEL_EPOCH + dt.timedelta(days=int(number)))


def _valid_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return _in_range(dt.date(year, month, day))
    except ValueError:
        return None


def _in_range(day: dt.date) -> dt.date | None:
    return day if MIN_DATE <= day <= MAX_DATE else None


class Row:
    """One data row of a table being read (roster, ledger): its cells by header, and the
    issues found in it, each placed at file, sheet, row and column; `prefix` begins each code."""

    def __init__(self, table: Table, number: int, cells: Sequence[object],
                 issues: list[Issue] | None = None, prefix: str = ""):
        self.table, self.number, self.cells, self.prefix = table, number, cells, prefix
        self.issues: list[Issue] = [] if issues is None else issues

    def raw(self, header: str) -> object:
        return self.table.value(self.cells, header)

    def text(self, header: str) -> str:
        return clean_text(self.raw(header))

    def issue(self, code: str, header: str, message: str, severity: str = ERROR) -> None:
        table = self.table
        self.issues.append(Issue(self.prefix + code, message, table.file, table.sheet,
                                 self.number, header, "", severity))

    def warn(self, code: str, header: str, message: str) -> None:
        self.issue(code, header, message, WARNING)

    @property
    def ok(self) -> bool:
        return not any(issue.is_error for issue in self.issues)
