"""Read a returned workbook into a `RawForm`: the _meta identity, named fields and the table.

Values come from python-calamine (xlsx, xlsm, xls, ods); defined names come from the bytes
of the file itself in every format (`defined.py`), and each is checked against the label
beside it; where names are missing the fields are found by their labels (`locate.py`),
never at a fixed address. Tables are read to their last filled row. A formula's cached
result is read as a plain value, never trusted for totals; a score formula saved without a
result (any format) is worked out when it is plain arithmetic, else refused naming the cell
(`formulas.py`); macros are never run.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from defusedxml.common import DefusedXmlException
from python_calamine import CalamineWorkbook

from workbook_engine.forms import layout
from workbook_engine.forms.layout import column_letter
from workbook_engine.ingest.defined import NamedRange, defined_names, parse_ref
from workbook_engine.ingest.formulas import (
    NotPlainArithmetic,
    cell_number,
    evaluate,
    unsaved_formulas,
)
from workbook_engine.ingest.locate import Cells, grid_cells, label_text, weekly_fields
from workbook_engine.ingest.margins import (
    FORM_SHEETS,
    Outside,
    copied_from,
    log_outside,
    monthly_outside,
    weekly_outside,
)
from workbook_engine.ingest.stored import for_calamine
from workbook_engine.issues import WARNING, Issue
from workbook_engine.memo import keep
from workbook_engine.text import clean_text

Grid = list[list[object]]
MAX_GRID_CELLS = 2_000_000  # far beyond any form; a larger used range is refused unloaded
READ_FAILED = (
    "文件已损坏，无法读取其中的表格内容。请在 Excel 或 WPS 中打开后重新保存为 .xlsx 再发送"
)
RESTRUCTURED = "表格结构被改动，请使用系统生成的表格重新填写"


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
    outside: list[Outside] = field(default_factory=list)  # typed outside the form's areas
    issues: list[Issue] = field(default_factory=list)

    def problem(self, code: str, message: str, **where) -> None:
        self.issues.append(Issue(code=code, message=message, file=self.file, **where))


__all__ = ["NamedRange", "RawForm", "parse_ref", "read_form"]


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
        self._cells: dict[str, list[Cells]] = {}

    def grid(self, sheet: str) -> Grid:
        if sheet not in self._grids:
            data = self.workbook.get_sheet_by_name(sheet)
            if data.height * data.width > MAX_GRID_CELLS:
                raise GridTooLarge(sheet, data.height, data.width)
            self._grids[sheet] = data.to_python(skip_empty_area=False)
        return self._grids[sheet]

    def cells(self, sheet: str) -> list[Cells]:
        """The filled cells of each row of a sheet (`locate.grid_cells`), worked out once."""
        if sheet not in self._cells:
            self._cells[sheet] = grid_cells(self.grid(sheet))
        return self._cells[sheet]

    def value(self, sheet: str, row: int, col: int) -> object:
        return _cell(self.grid(sheet), row, col)


def _cell(grid: Grid, row: int, col: int) -> object:
    """`Sheets.value` of a grid already in hand."""
    if row < len(grid) and col < len(grid[row]):
        value = grid[row][col]
        return None if value == "" else value
    return None


def _read_meta(sheets: Sheets) -> dict[str, str]:
    if layout.META_SHEET not in sheets.names:
        return {}
    meta = {}
    for row in sheets.grid(layout.META_SHEET):
        if len(row) >= 2:
            key = clean_text(row[0])
            if key:
                meta[key] = clean_text(row[1])
    return meta


def _form_kind(meta: dict[str, str], sheets: Sheets) -> str:
    if meta.get("form") in (layout.WEEKLY_KIND, layout.MONTHLY_KIND):
        return meta["form"]
    if layout.WEEKLY_SHEET in sheets.names:
        return layout.WEEKLY_KIND
    if layout.MONTHLY_SHEET in sheets.names:
        return layout.MONTHLY_KIND
    return ""


def _last_filled_row(grid: Grid, start: int = 0, cells: list[Cells] | None = None) -> int:
    """0-based index of the last row at or after `start` with anything typed; start - 1 if none
    (`cells`: the grid's `grid_cells`, when already worked out)."""
    if cells is None:
        cells = grid_cells(grid)
    for r in range(len(cells) - 1, start - 1, -1):
        if cells[r]:
            return r
    return start - 1


def _header_at(grid: Grid, row: int, col: int, headers: tuple[str, ...]) -> bool:
    line = grid[row] if 0 <= row < len(grid) else []
    cells = [label_text(v) for v in line[col:col + len(headers)]]
    return cells == [label_text(h) for h in headers]


def _find_header(grid: Grid, headers: tuple[str, ...],
                 cells: list[Cells]) -> tuple[int, int] | None:
    """(row, col) of the one row whose cells read `headers` left to right."""
    first = label_text(headers[0])  # a header's label is never empty: only filled cells
    for r, line in enumerate(cells):
        for c, _, label in line:
            if label == first and _header_at(grid, r, c, headers):
                return r, c
    return None


def _table_start(grid: Grid, names: dict[str, NamedRange], name: str, sheet: str,
                 headers: tuple[str, ...], cells: list[Cells]) -> tuple[int, int] | None:
    """The header cell of a table: its defined name when the header is there, else found."""
    target = names.get(name)
    if target is not None and target.sheet == sheet \
            and _header_at(grid, target.first[0], target.first[1], headers):
        return target.first
    return _find_header(grid, headers, cells)


def _box(sheets: Sheets, sheet: str, rows: range, first_col: int, width: int) -> Grid:
    """The cells rows × first_col..first_col+width, as `Sheets.value` gives each of them."""
    if first_col < 0:  # not a form's table: cell by cell, as `Sheets.value` indexes
        return [[sheets.value(sheet, r, c) for c in range(first_col, first_col + width)]
                for r in rows]
    grid = sheets.grid(sheet)
    box = []
    for r in rows:
        line = grid[r] if r < len(grid) else ()
        cells = line[first_col:first_col + width]
        cells = [None if value == "" else value for value in cells]
        cells.extend([None] * (width - len(cells)))
        box.append(cells)
    return box


# `周考评表!B3` of a field's cell: the same few places in every form. Bounded.
_PLACES_SIZE = 4096
_places: dict[tuple[str, tuple[int, int]], str] = {}


def _place(target: NamedRange) -> str:
    """Where a field was read, as the rules name it: `sheet!cell` of its first cell."""
    key = (target.sheet, target.first)
    found = _places.get(key)
    if found is None:
        found = keep(_places, key, f"{target.sheet}!{target.ref()}", _PLACES_SIZE)
    return found


def _read_weekly(raw: RawForm, sheets: Sheets, names: dict[str, NamedRange],
                 data: bytes = b"") -> None:
    if layout.WEEKLY_SHEET not in sheets.names:
        raw.problem("form.sheet_missing", f"缺少工作表「{layout.WEEKLY_SHEET}」")
        return
    grid, cells = sheets.grid(layout.WEEKLY_SHEET), sheets.cells(layout.WEEKLY_SHEET)
    found, missing = weekly_fields(grid, names, cells)
    if missing:  # a block whose label is gone: where its value is cannot be known
        raw.problem(
            "form.field_missing",
            "找不到「" + "」「".join(missing) + f"」栏，{RESTRUCTURED}",
            sheet=layout.WEEKLY_SHEET,
        )
    raw.outside.extend(weekly_outside(grid, found, cells))
    for name, target in found.items():  # every one on this sheet (weekly_fields)
        row, col = target.first
        raw.fields[name] = _cell(grid, row, col) if target.sheet == layout.WEEKLY_SHEET \
            else sheets.value(target.sheet, row, col)
        raw.refs[name] = _place(target)
    _read_work_log(raw, sheets, names)
    _weekly_formulas(raw, sheets, data)


def _read_work_log(raw: RawForm, sheets: Sheets, names: dict[str, NamedRange]) -> None:
    """The 工作日志 table: from its header to the sheet's last filled row."""
    if layout.WORKLOG_SHEET not in sheets.names:
        return
    grid, cells = sheets.grid(layout.WORKLOG_SHEET), sheets.cells(layout.WORKLOG_SHEET)
    start = _table_start(grid, names, layout.WORKLOG_NAME, layout.WORKLOG_SHEET,
                         layout.WORKLOG_HEADERS, cells)
    if start is None:
        if _last_filled_row(grid, 1, cells) >= 1:
            raw.problem(
                "form.header_missing",
                "找不到工作日志的表头（日期 | 工作内容 | 备注），" + RESTRUCTURED,
                sheet=layout.WORKLOG_SHEET,
            )
        return
    header, col = start
    last = max(_last_filled_row(grid, header, cells), header)
    raw.table = _box(sheets, layout.WORKLOG_SHEET, range(header, last + 1), col,
                     len(layout.WORKLOG_HEADERS))
    raw.table_sheet, raw.table_row, raw.table_col = layout.WORKLOG_SHEET, header + 1, col
    raw.outside.extend(log_outside(grid, header, col, last, cells))


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


def _signature_row(grid: Grid, after_row: int) -> int | None:
    """The row of the last 签名 label (`评分人签名：`) below the table."""
    for r in range(len(grid) - 1, after_row, -1):
        if any("签名" in clean_text(v) and clean_text(v).endswith(":") for v in grid[r]):
            return r
    return None


def _find_signature(grid: Grid, row: int | None) -> tuple[NamedRange | None, NamedRange | None]:
    """The cells right of the 签名 and 日期 labels of the signature row."""
    found: dict[str, NamedRange] = {}
    if row is None:
        return None, None
    for c, value in enumerate(grid[row]):
        text = clean_text(value)
        for label in ("签名", "日期"):
            if label in text and text.endswith(":") and label not in found:
                col = _value_column(grid[row], c)
                if col is not None:
                    found[label] = NamedRange(layout.MONTHLY_SHEET, (row, col), (row, col))
    return found.get("签名"), found.get("日期")


def _signature_name(grid: Grid, names: dict[str, NamedRange], name: str, label: str,
                    row: int | None) -> NamedRange | None:
    """A signature field's name when it sits on the signature row right of its label."""
    target = names.get(name)
    if target is None or target.sheet != layout.MONTHLY_SHEET or target.first[0] != row:
        return None
    line = grid[row]
    left = [label_text(v) for v in line[: target.first[1]] if label_text(v)]
    return target if left and label in left[-1] else None


UNSAVED_FORMULA = "请在 Excel 或 WPS 中打开并保存后再发送"


def _unsaved_message(text: str, tail: str) -> str:
    shown = f"这里是公式「={text[:60]}」" if text else "这里是公式"
    return f"{shown}，文件中没有保存它的计算结果，{tail}。{UNSAVED_FORMULA}"


def _refuse_unsaved(raw: RawForm, sheet: str, cells) -> None:
    for row, column in sorted(cells):
        raw.problem("form.formula_unsaved",
                    _unsaved_message(cells[(row, column)], "无法读取这里填写的内容"),
                    sheet=sheet, cell=f"{column_letter(column)}{row + 1}")


def _weekly_formulas(raw: RawForm, sheets: Sheets, data: bytes) -> None:
    """The weekly form has no formulas: one saved without its result (a file written by a
    program) would read as blank, so the file is refused naming the cell."""
    for sheet in (layout.WEEKLY_SHEET, layout.WORKLOG_SHEET):
        if sheet in sheets.names and data:
            _refuse_unsaved(raw, sheet, unsaved_formulas(data, sheet, raw.file_kind))


def _fill_formulas(raw: RawForm, sheets: Sheets, data: bytes, header: int, col: int,
                   sign_row: int | None) -> None:
    """Work out the table's formulas that have no saved result (plain arithmetic only);
    refuse the file naming each cell that cannot be worked out, and each such formula
    outside the table (its value cannot be read). 合计 is recomputed anyway."""
    if not raw.table or not data:
        return
    formulas = unsaved_formulas(data, layout.MONTHLY_SHEET, raw.file_kind)
    if not formulas:
        return
    heads = [clean_text(v) for v in raw.table[0]]
    total = next((col + c for c, h in enumerate(heads) if h == layout.TOTAL_HEADER), None)

    def value_at(row: int, column: int, depth: int) -> Decimal:
        if (row, column) in formulas:
            return evaluate(formulas[(row, column)], value_at, depth)
        return cell_number(sheets.value(layout.MONTHLY_SHEET, row, column))

    outside = {}
    for (row, column), text in sorted(formulas.items()):
        if column == total and header < row < (sign_row if sign_row is not None else row + 1):
            continue  # 合计 (also of the blank rows under the last filled one)
        r, c = row - header, column - col
        if r <= 0 or r >= len(raw.table) or not 0 <= c < len(heads):
            outside[(row, column)] = text
            continue
        try:
            raw.table[r][c] = evaluate(text, value_at).normalize()
        except (NotPlainArithmetic, RecursionError):
            raw.problem(
                "form.formula_unsaved",
                _unsaved_message(text, "且不是简单的加减乘除，无法计算"),
                sheet=layout.MONTHLY_SHEET, cell=f"{column_letter(column)}{row + 1}",
            )
    _refuse_unsaved(raw, layout.MONTHLY_SHEET, outside)


def _read_monthly(raw: RawForm, sheets: Sheets, names: dict[str, NamedRange],
                  data: bytes = b"") -> None:
    if layout.MONTHLY_SHEET not in sheets.names:
        raw.problem("form.sheet_missing", f"缺少工作表「{layout.MONTHLY_SHEET}」")
        return
    grid, cells = sheets.grid(layout.MONTHLY_SHEET), sheets.cells(layout.MONTHLY_SHEET)
    start = _table_start(grid, names, layout.SCORES_NAME, layout.MONTHLY_SHEET,
                         layout.MONTHLY_ID_HEADERS, cells)
    if start is None:
        raw.problem("form.header_missing", "找不到表头（工号 | 姓名 | 股室）",
                    sheet=layout.MONTHLY_SHEET)
        return
    header, col = start
    heads = grid[header]
    width = max((c for c in range(col, len(heads)) if clean_text(heads[c])), default=col) - col + 1
    sign_row = _signature_row(grid, header)
    last = _last_filled_row(grid[: sign_row] if sign_row is not None else grid, header,
                            cells[: sign_row] if sign_row is not None else cells)
    raw.table = _box(sheets, layout.MONTHLY_SHEET, range(header, max(last, header) + 1), col,
                     width)
    raw.table_sheet, raw.table_row, raw.table_col = layout.MONTHLY_SHEET, header + 1, col
    _fill_formulas(raw, sheets, data, header, col, sign_row)
    raw.fields["_subtitle"] = " ".join(clean_text(v) for row in grid[:header] for v in row if v)
    sign = _signature_name(grid, names, layout.RATER_SIGN_NAME, "签名", sign_row)
    date = _signature_name(grid, names, layout.RATER_DATE_NAME, "日期", sign_row)
    if sign is None or date is None:
        found_sign, found_date = _find_signature(grid, sign_row)
        sign, date = sign or found_sign, date or found_date
    if sign is None:
        raw.problem("form.field_missing", f"找不到表格下方的「评分人签名」栏，{RESTRUCTURED}",
                    sheet=layout.MONTHLY_SHEET)
    for name, where in ((layout.RATER_SIGN_NAME, sign), (layout.RATER_DATE_NAME, date)):
        raw.fields[name] = sheets.value(where.sheet, *where.first) if where else None
        raw.refs[name] = f"{where.sheet}!{where.ref()}" if where else ""
    raw.outside.extend(monthly_outside(grid, header, col, width, max(last, header), sign_row,
                                       sign, date, cells))


def _other_sheets(raw: RawForm, sheets: Sheets) -> None:
    """A second copy of a form sheet is refused naming it; any other filled sheet gets a
    notice (its content is not part of the form)."""
    for sheet in sheets.names:
        if sheet in FORM_SHEETS or sheet == layout.META_SHEET:
            continue
        copy_of = copied_from(sheet, sheets.grid)
        if copy_of:
            raw.problem(
                "form.sheet_copy",
                f"工作簿中有第二份「{copy_of}」（工作表「{sheet}」），无法确定以哪一份为准。"
                "请删除多余的工作表，只保留一份后重新发送",
                sheet=sheet,
            )
        elif any(clean_text(v) for line in sheets.grid(sheet) for v in line):
            raw.issues.append(Issue(
                code="form.extra_sheet", severity=WARNING, file=raw.file, sheet=sheet,
                message=f"工作表「{sheet}」不是考评表的一部分，其中的内容没有读取"))


def _names(data: bytes, file_kind: str) -> dict[str, NamedRange]:
    """The file's defined names; {} when they cannot be read (the labels stand in)."""
    try:
        return defined_names(data, file_kind)
    except DefusedXmlException:
        raise
    except Exception:  # noqa: BLE001 - a broken names part leaves the labels to find fields
        return {}


def read_form(source: Path | bytes, file_kind: str, display_name: str) -> RawForm:
    """Read one workbook (a path, or its bytes already in memory); problems become issues
    on the RawForm, never exceptions."""
    raw = RawForm(file=display_name, file_kind=file_kind)
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        readable = for_calamine(data) if file_kind in ("xlsx", "xlsm") else data
        sheets = Sheets(CalamineWorkbook.from_filelike(io.BytesIO(readable)))
        names = _names(data, file_kind)
        raw.meta = _read_meta(sheets)
        raw.form = _form_kind(raw.meta, sheets)
        if raw.form == layout.WEEKLY_KIND:
            _read_weekly(raw, sheets, names, data)
        elif raw.form == layout.MONTHLY_KIND:
            _read_monthly(raw, sheets, names, data)
        if raw.form:
            _other_sheets(raw, sheets)
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
