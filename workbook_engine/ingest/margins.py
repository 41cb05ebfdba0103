"""What was typed on a form sheet outside the areas the form defines.

The form's own texts (title, labels, prefilled cells, notes) and its fields are known; any
other filled cell is returned, so the rules can place it or refuse the file naming it:

    weekly_outside(grid, fields)  → [Outside("周考评表", "J5", "周六加班")]

Sheets that copy a form sheet (`周考评表 (2)`) are found by `copied_sheets`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbook_engine.forms import layout
from workbook_engine.forms.layout import column_letter
from workbook_engine.ingest.defined import NamedRange
from workbook_engine.ingest.locate import (
    ROW_TEXT_CHARS,
    WEEKLY_LABELS,
    Cells,
    grid_cells,
    label_text,
    row_cells,
)
from workbook_engine.memo import keep
from workbook_engine.text import clean_text

Grid = list[list[object]]
PREFILL_LABELS = ("职务类别", "初评人", "评定人", "工作日")  # the cell right of each is prefilled
WEEKLY_LABEL_SET = {label for label, _ in WEEKLY_LABELS.values()} | set(PREFILL_LABELS)
_WEEKLY_TEXT = re.compile(  # matched on clean_text, so full-width brackets are ASCII
    r"(周考评表$|^考评周期|^\(选填\)$|^\(免初评\)$|^填表说明|(初评|评定)\(.*\)$)"
)
_MONTHLY_TEXT = re.compile(r"(月考评表|^考核月份|^说明)")
_LOG_TEXT = re.compile(r"^工作日志")
MAX_REPORTED = 20  # a sheet full of stray cells: the first ones are enough to act on


@dataclass(frozen=True)
class Outside:
    """A filled cell outside every area of the form."""

    sheet: str
    cell: str
    value: object


def _outside(sheet: str, row: int, col: int, value: object) -> Outside:
    return Outside(sheet, f"{column_letter(col)}{row + 1}", value)


def _filled(grid: Grid) -> list[tuple[int, int, object]]:
    """(row, col, value) of every cell with something typed (blank cells skipped unread)."""
    return [(r, c, line[c]) for r, line in enumerate(grid) for c, _, _ in row_cells(line)]


# Per row of the 周考评表 sheet (its filled cells, as `row_cells` gives them): the columns made
# known by a prefill label left of them, and the filled columns that are neither a label nor
# the form's own text. Template rows repeat in every form. Bounded; short rows only.
_WEEKLY_ROWS_SIZE = 4096
_weekly_rows: dict[Cells, tuple[tuple[int, ...], tuple[int, ...]]] = {}
_NO_CELLS: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())


def _weekly_row(line: Cells) -> tuple[tuple[int, ...], tuple[int, ...]]:
    found = _weekly_rows.get(line)
    if found is None:
        prefilled = tuple(c + 1 for c, _, label in line if label in PREFILL_LABELS)
        others = tuple(c for c, text, label in line
                       if label not in WEEKLY_LABEL_SET and not _WEEKLY_TEXT.search(text))
        found = (prefilled, others)
        if sum(len(text) for _, text, _ in line) <= ROW_TEXT_CHARS:
            keep(_weekly_rows, line, found, _WEEKLY_ROWS_SIZE)
    return found


def weekly_outside(grid: Grid, fields: dict[str, NamedRange],
                   cells: list[Cells] | None = None) -> list[Outside]:
    """Filled cells of the 周考评表 sheet that are neither a field nor the form's own text
    (`cells`: the grid's `grid_cells`, when already worked out)."""
    cells = grid_cells(grid) if cells is None else cells
    known = {target.first for target in fields.values()}
    rows = [_weekly_row(line) if line else _NO_CELLS for line in cells]
    for r, (prefilled, _) in enumerate(rows):
        for c in prefilled:
            known.add((r, c))
    found = []
    for r, (_, others) in enumerate(rows):
        for c in others:
            if (r, c) not in known:
                found.append(_outside(layout.WEEKLY_SHEET, r, c, grid[r][c]))
    return found[:MAX_REPORTED]


def table_outside(grid: Grid, sheet: str, header: int, col: int, width: int, last: int,
                  template: re.Pattern, known: set[tuple[int, int]] = frozenset(),
                  cells: list[Cells] | None = None) -> list[Outside]:
    """Filled cells of a table's sheet outside the table (header..last, col..col+width) that
    are neither the form's own text above the table nor in `known`."""
    cells = grid_cells(grid) if cells is None else cells
    found = []
    for r, line in enumerate(cells):
        for c, text, _ in line:
            if (r, c) in known:
                continue
            if header <= r <= last and col <= c < col + width:
                continue
            if r < header and template.search(text):
                continue
            found.append(_outside(sheet, r, c, grid[r][c]))
    return found[:MAX_REPORTED]


def log_outside(grid: Grid, header: int, col: int, last: int,
                cells: list[Cells] | None = None) -> list[Outside]:
    return table_outside(grid, layout.WORKLOG_SHEET, header, col, len(layout.WORKLOG_HEADERS),
                         last, _LOG_TEXT, cells=cells)


def monthly_outside(grid: Grid, header: int, col: int, width: int, last: int,
                    sign_row: int | None, sign: NamedRange | None,
                    date: NamedRange | None, cells: list[Cells] | None = None) -> list[Outside]:
    known: set[tuple[int, int]] = {t.first for t in (sign, date) if t is not None}
    if sign_row is not None:
        for c, value in enumerate(grid[sign_row]):
            text = clean_text(value)
            if text.endswith(":") and ("签名" in text or "日期" in text):
                known.add((sign_row, c))
    return table_outside(grid, layout.MONTHLY_SHEET, header, col, width, last, _MONTHLY_TEXT,
                         known, cells)


FORM_SHEETS = (layout.WEEKLY_SHEET, layout.WORKLOG_SHEET, layout.MONTHLY_SHEET)


def copied_from(sheet: str, grid_of) -> str:
    """The form sheet that `sheet` is a copy of ('' when none): by its name (`周考评表 (2)`,
    `周考评表2`) or by the form's labels found on it."""
    name = label_text(sheet)
    for form_sheet in FORM_SHEETS:
        if name.startswith(form_sheet) and name != form_sheet:
            return form_sheet
    grid = grid_of(sheet)
    texts = {label_text(v) for line in grid[:60] for v in line[:30]}
    if "本周工作完成情况" in texts and "工号" in texts:
        return layout.WEEKLY_SHEET
    if {"工号", "姓名", "股室"} <= texts and any("签名" in t for t in texts):
        return layout.MONTHLY_SHEET
    if set(layout.WORKLOG_HEADERS) <= texts:
        return layout.WORKLOG_SHEET
    return ""
