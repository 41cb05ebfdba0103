"""Read a returned workbook into a `RawForm`: the _meta identity, named fields and the table.

Values come from python-calamine (xlsx, xlsm, xls, ods); defined names come from the
workbook's own `xl/workbook.xml`, parsed with defusedxml. When a program dropped the names
(.xls, .ods, a form rebuilt by hand) the addresses of `forms.layout` stand in for them.
Nothing is evaluated: a formula's cached result is read as a plain value, never trusted for
totals, and macros are never run.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from python_calamine import CalamineWorkbook

from workbook_engine.forms import layout
from workbook_engine.forms.layout import cell_position, column_letter
from workbook_engine.issues import Issue
from workbook_engine.text import clean_text

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REF = re.compile(
    r"^(?:'((?:[^']|'')+)'|([^!']+))!\$?([A-Z]{1,3})\$?([1-9]\d*)"
    r"(?::\$?([A-Z]{1,3})\$?([1-9]\d*))?$"
)
Grid = list[list[object]]
MAX_GRID_CELLS = 2_000_000  # far beyond any form; a larger used range is refused unloaded
READ_FAILED = (
    "文件已损坏，无法读取其中的表格内容。请在 Excel 或 WPS 中打开后重新保存为 .xlsx 再发送"
)


@dataclass(frozen=True)
class NamedRange:
    """Where a defined name points: a sheet and a 0-based (row, col) box."""

    sheet: str
    first: tuple[int, int]
    last: tuple[int, int]

    def ref(self) -> str:
        return f"{column_letter(self.first[1])}{self.first[0] + 1}"


@dataclass
class RawForm:
    """What the file says, before any checking against roster or policy."""

    file: str
    file_kind: str
    form: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    fields: dict[str, object] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    table: Grid = field(default_factory=list)
    table_sheet: str = ""
    table_row: int = 0  # 1-based row of the table's header
    table_col: int = 0  # 0-based first column
    issues: list[Issue] = field(default_factory=list)

    def problem(self, code: str, message: str, **where) -> None:
        self.issues.append(Issue(code=code, message=message, file=self.file, **where))


def parse_ref(text: str) -> NamedRange | None:
    """`'周考评表'!$B$3` or `'月考评表'!$A$4:$L$12` → NamedRange; None for anything else."""
    match = _REF.match(text.strip().lstrip("="))
    if not match:
        return None
    sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
    first = cell_position(match.group(3) + match.group(4))
    last = first
    if match.group(5):
        last = cell_position(match.group(5) + match.group(6))
    return NamedRange(sheet, first, last)


def defined_names(source: Path | bytes) -> dict[str, NamedRange]:
    """Workbook-scope defined names of an xlsx/xlsm, read safely from xl/workbook.xml."""
    with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
        data = archive.read("xl/workbook.xml")
    root = ElementTree.fromstring(data, forbid_dtd=True)
    names: dict[str, NamedRange] = {}
    for node in root.iter(f"{_MAIN_NS}definedName"):
        if node.get("localSheetId") is not None or not node.text:
            continue
        target = parse_ref(node.text)
        if target is not None:
            names[node.get("name", "")] = target
    return names


class GridTooLarge(Exception):
    """A sheet's used range is too large to be a form (e.g. a stray cell at XFD1048576)."""

    def __init__(self, sheet: str, height: int, width: int):
        super().__init__(sheet)
        self.sheet, self.height, self.width = sheet, height, width


class Sheets:
    """Lazily loaded value grids of a workbook's sheets."""

    def __init__(self, workbook: CalamineWorkbook):
        self.workbook = workbook
        self.names = list(workbook.sheet_names)
        self._grids: dict[str, Grid] = {}

    def grid(self, sheet: str) -> Grid:
        if sheet not in self._grids:
            data = self.workbook.get_sheet_by_name(sheet)
            if data.height * data.width > MAX_GRID_CELLS:
                raise GridTooLarge(sheet, data.height, data.width)
            self._grids[sheet] = data.to_python(skip_empty_area=False)
        return self._grids[sheet]

    def value(self, sheet: str, row: int, col: int) -> object:
        grid = self.grid(sheet)
        if row < len(grid) and col < len(grid[row]):
            value = grid[row][col]
            return None if value == "" else value
        return None

    def box(self, target: NamedRange) -> Grid:
        """The values a name covers. Rows and columns past the sheet's used range are blank
        and left out (keeping the first one), so a name over a whole sheet stays cheap."""
        grid = self.grid(target.sheet)
        width = max((len(row) for row in grid), default=0)
        last_row = min(target.last[0], max(len(grid) - 1, target.first[0]))
        last_col = min(target.last[1], max(width - 1, target.first[1]))
        return [
            [self.value(target.sheet, r, c) for c in range(target.first[1], last_col + 1)]
            for r in range(target.first[0], last_row + 1)
        ]


def _read_meta(sheets: Sheets) -> dict[str, str]:
    if layout.META_SHEET not in sheets.names:
        return {}
    meta = {}
    for row in sheets.grid(layout.META_SHEET):
        if len(row) >= 2 and clean_text(row[0]):
            meta[clean_text(row[0])] = clean_text(row[1])
    return meta


def _form_kind(meta: dict[str, str], sheets: Sheets) -> str:
    if meta.get("form") in (layout.WEEKLY_KIND, layout.MONTHLY_KIND):
        return meta["form"]
    if layout.WEEKLY_SHEET in sheets.names:
        return layout.WEEKLY_KIND
    if layout.MONTHLY_SHEET in sheets.names:
        return layout.MONTHLY_KIND
    return ""


def _named(names: dict[str, NamedRange], name: str, sheets: Sheets) -> NamedRange | None:
    target = names.get(name)
    if target is not None and target.sheet in sheets.names:
        return target
    return None


def _read_weekly(raw: RawForm, sheets: Sheets, names: dict[str, NamedRange]) -> None:
    if layout.WEEKLY_SHEET not in sheets.names:
        raw.problem("form.sheet_missing", f"缺少工作表「{layout.WEEKLY_SHEET}」")
        return
    for name, ref in layout.WEEKLY_CELLS.items():
        target = _named(names, name, sheets)
        if target is None:
            row, col = cell_position(ref)
            target = NamedRange(layout.WEEKLY_SHEET, (row, col), (row, col))
        raw.fields[name] = sheets.value(target.sheet, *target.first)
        raw.refs[name] = f"{target.sheet}!{target.ref()}"
    target = _named(names, layout.WORKLOG_NAME, sheets)
    if target is None and layout.WORKLOG_SHEET in sheets.names:
        header = layout.WORKLOG_HEADER_ROW - 1
        height = max(len(sheets.grid(layout.WORKLOG_SHEET)) - 1, header)
        target = NamedRange(layout.WORKLOG_SHEET, (header, 0), (height, 2))
    if target is not None:
        raw.table = sheets.box(target)
        raw.table_sheet, raw.table_row, raw.table_col = target.sheet, target.first[0] + 1, 0


def _find_header(grid: Grid) -> int | None:
    wanted = list(layout.MONTHLY_ID_HEADERS)
    for index, row in enumerate(grid):
        if [clean_text(v) for v in row[:3]] == wanted:
            return index
    return None


def _value_column(row: list[object], label_col: int) -> int | None:
    """The column of a label's value: the first filled cell right of it before the next label,
    else the blank cell just before that label (a merged label leaves a blank beside it),
    else the cell right of the label."""
    columns, stopped = [], False
    for col in range(label_col + 1, min(label_col + 4, len(row))):
        if clean_text(row[col]).endswith(":"):
            stopped = True
            break
        columns.append(col)
    filled = [col for col in columns if clean_text(row[col])]
    if filled:
        return filled[0]
    if columns:
        return columns[-1] if stopped else columns[0]
    return None


def _find_signature(sheets: Sheets, after_row: int) -> tuple[NamedRange | None, NamedRange | None]:
    """The cells right of the 签名 and 日期 labels below the table (names dropped)."""
    grid = sheets.grid(layout.MONTHLY_SHEET)
    found: dict[str, NamedRange] = {}
    for r in range(after_row + 1, len(grid)):
        for c, value in enumerate(grid[r]):
            text = clean_text(value)
            for label in ("签名", "日期"):
                if label in text and text.endswith(":") and label not in found:
                    col = _value_column(grid[r], c)
                    if col is not None:
                        found[label] = NamedRange(layout.MONTHLY_SHEET, (r, col), (r, col))
    return found.get("签名"), found.get("日期")


def _read_monthly(raw: RawForm, sheets: Sheets, names: dict[str, NamedRange]) -> None:
    if layout.MONTHLY_SHEET not in sheets.names:
        raw.problem("form.sheet_missing", f"缺少工作表「{layout.MONTHLY_SHEET}」")
        return
    target = _named(names, layout.SCORES_NAME, sheets)
    if target is None:
        grid = sheets.grid(layout.MONTHLY_SHEET)
        header = _find_header(grid)
        if header is None:
            raw.problem(
                "form.header_missing",
                "找不到表头（工号 | 姓名 | 股室）",
                sheet=layout.MONTHLY_SHEET,
            )
            return
        end = header
        while end + 1 < len(grid) and clean_text(grid[end + 1][0]):
            end += 1
        width = max(len(grid[header]) - 1, 0)
        target = NamedRange(layout.MONTHLY_SHEET, (header, 0), (end, width))
    raw.table = sheets.box(target)
    raw.table_sheet, raw.table_row, raw.table_col = target.sheet, target.first[0] + 1, 0
    above = sheets.grid(layout.MONTHLY_SHEET)[: target.first[0]]
    raw.fields["_subtitle"] = " ".join(clean_text(v) for row in above for v in row if v)
    sign = _named(names, layout.RATER_SIGN_NAME, sheets)
    date = _named(names, layout.RATER_DATE_NAME, sheets)
    if sign is None or date is None:
        found_sign, found_date = _find_signature(sheets, target.last[0])
        sign, date = sign or found_sign, date or found_date
    for name, where in ((layout.RATER_SIGN_NAME, sign), (layout.RATER_DATE_NAME, date)):
        raw.fields[name] = sheets.value(where.sheet, *where.first) if where else None
        raw.refs[name] = f"{where.sheet}!{where.ref()}" if where else ""


def read_form(source: Path | bytes, file_kind: str, display_name: str) -> RawForm:
    """Read one workbook (a path, or its bytes already in memory); problems become issues
    on the RawForm, never exceptions."""
    raw = RawForm(file=display_name, file_kind=file_kind)
    try:
        if isinstance(source, bytes):
            sheets = Sheets(CalamineWorkbook.from_filelike(io.BytesIO(source)))
        else:
            with Path(source).open("rb") as handle:  # by content, not by the extension
                sheets = Sheets(CalamineWorkbook.from_filelike(handle))
        names = defined_names(source) if file_kind in ("xlsx", "xlsm") else {}
        raw.meta = _read_meta(sheets)
        raw.form = _form_kind(raw.meta, sheets)
        if raw.form == layout.WEEKLY_KIND:
            _read_weekly(raw, sheets, names)
        elif raw.form == layout.MONTHLY_KIND:
            _read_monthly(raw, sheets, names)
        else:
            raw.problem(
                "form.unknown",
                "不是考评表：工作簿中没有「周考评表」或「月考评表」工作表，"
                "也没有表格标识（_meta）。请使用系统生成的表格填写",
            )
    except DefusedXmlException:
        raw.problem(
            "file.unsafe_xml",
            "文件包含不安全的 XML 内容（实体或文档类型定义），可能是恶意文件，已拒收",
        )
    except GridTooLarge as exc:
        raw.problem(
            "file.too_complex",
            f"工作表「{exc.sheet}」的使用范围大得异常（{exc.height} 行 × "
            f"{exc.width} 列），不是正常的考评表，可能是恶意文件，已拒收；如是正常表格，"
            "请删去多余的内容后「另存为」Excel 工作簿（.xlsx）再发送",
            sheet=exc.sheet,
        )
    except MemoryError:
        raise  # the child reading the file dies; the parent refuses the file (isolate.py)
    except Exception:  # noqa: BLE001 - calamine, zipfile and zlib raise many kinds for broken files
        raw.problem("file.corrupt", READ_FAILED)
    except BaseException as exc:  # a panic in calamine (e.g. a date cell holding -inf) arrives
        if type(exc).__name__ != "PanicException":  # as pyo3's PanicException, no Exception
            raise
        raw.problem("file.corrupt", READ_FAILED)
    return raw
