"""Find a form's fields: by the defined names saved in the file, each checked against the
label beside it, else by the label text. Never by a fixed address.

    weekly_fields(sheets, names)  → ({"staff_id": NamedRange(...), ...}, ["本周工作完成情况"])
                                     (the located fields, the labels that were not found)

A row inserted above the title or inside a block moves the names with it (every program
does that), so a name is trusted when the label beside it is the field's label. A file whose
names were dropped or point elsewhere (a form rebuilt by hand, a program that loses names)
is read by finding each label; the value is the cell right of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from workbook_engine.forms import layout
from workbook_engine.ingest.defined import NamedRange
from workbook_engine.memo import keep
from workbook_engine.text import clean_name, clean_text, remember_text

# field → (its label, the label that starts its row when the label alone is ambiguous)
WEEKLY_LABELS: dict[str, tuple[str, str]] = {
    "staff_id": ("工号", ""),
    "staff_name": ("姓名", ""),
    "section": ("股室", ""),
    "period": ("考评周", ""),
    "work_done": ("本周工作完成情况", ""),
    "next_plan": ("下周工作计划", ""),
    "self_grade": ("自评等次", ""),
    "chief_grade": ("初评等次", ""),
    "chief_sign": ("签名", "初评等次"),
    "chief_date": ("日期", "初评等次"),
    "chief_comment": ("初评意见", ""),
    "leader_grade": ("评定等次", ""),
    "leader_sign": ("签名", "评定等次"),
    "leader_date": ("日期", "评定等次"),
    "leader_comment": ("评定意见", ""),
}
SEARCH_ROWS = 200  # a form's labels sit in its first rows; rows inserted above stay far below


_label_texts: dict[str, str] = {}  # label_text's answers (short texts, as text.py's memos)


def label_text(value: object) -> str:
    """A label as compared: no spaces or line breaks, no trailing colon."""
    if type(value) is str:  # labels and typed texts repeat from cell to cell and file to file
        found = _label_texts.get(value)
        if found is None:
            found = clean_name(value).rstrip(":：")
            remember_text(_label_texts, value, found)
        return found
    return clean_name(value).rstrip(":：")


# A row's filled cells: (column, clean_text, label_text) of each cell whose clean_text is not
# empty, left to right. Rows repeat from form to form (the template's labels, a week's dates),
# so the answer is kept per row: its values and their exact types (1, 1.0 and True are equal
# but read differently) when every value is of a type whose equal values read the same, and
# its texts are short. Bounded.
Cells = tuple[tuple[int, str, str], ...]
_ROW_TYPES = frozenset({str, float, int, bool, dt.date, type(None)})  # dt.date: not datetime
ROW_TEXT_CHARS = 512  # a row kept in a memo: its texts in all (the memo stays a few MB)
_ROWS_SIZE = 4096
_rows: dict[tuple, Cells] = {}


def _row_cells(line) -> Cells:
    found = []
    for c, value in enumerate(line):
        text = clean_text(value)
        if text:
            found.append((c, text, label_text(value)))
    return tuple(found)


def _kept_row(line, key: tuple) -> Cells:
    """A row not in the memo: its cells, kept when the row may be (see above)."""
    found = _row_cells(line)
    if _ROW_TYPES.issuperset(key[1]) \
            and sum(len(value) for value in line if type(value) is str) <= ROW_TEXT_CHARS:
        keep(_rows, key, found, _ROWS_SIZE)
    return found


def row_cells(line) -> Cells:
    """(column, clean_text, label_text) of every filled cell of a row (clean_text not empty)."""
    if line.count("") == len(line):  # a row of empty cells (only "" equals ""): none filled
        return ()
    key = (tuple(line), tuple(map(type, line)))  # kept only for rows of _ROW_TYPES
    found = _rows.get(key)
    return _kept_row(line, key) if found is None else found


def grid_cells(grid) -> list[Cells]:
    """`row_cells` of every row of a grid (the same steps, without a call a row)."""
    cells = []
    for line in grid:
        if line.count("") == len(line):
            cells.append(())
            continue
        key = (tuple(line), tuple(map(type, line)))
        found = _rows.get(key)
        cells.append(_kept_row(line, key) if found is None else found)
    return cells


def _row_start(cells: list[Cells], row: int) -> str:
    return next((label for _, _, label in (cells[row] if row < len(cells) else ()) if label), "")


def _labels(cells: list[Cells]) -> Iterator[tuple[int, int, str]]:
    for r, line in enumerate(cells[:SEARCH_ROWS]):
        for c, _, label in line:
            if label:
                yield r, c, label


def _fits(cells: list[Cells], row: int, col: int, label: str, row_label: str) -> bool:
    """`name_fits` on a grid's cells: the nearest label left of (row, col) is `label`, and
    the row's first label is `row_label` when one is given."""
    line = cells[row] if row < len(cells) else ()
    left = ""  # the nearest filled cell left of (row, col), as a label
    for c, _, text in reversed(line):
        if c < col and text:
            left = text
            break
    if left != label:
        return False
    return not row_label or next((text for _, _, text in line if text), "") == row_label


def name_fits(grid, target: NamedRange, label: str, row_label: str = "",
              cells: list[Cells] | None = None) -> bool:
    """True when the label beside a named cell is the field's label (`cells`: the grid's
    `grid_cells`, when already worked out)."""
    cells = grid_cells(grid) if cells is None else cells
    return _fits(cells, target.first[0], target.first[1], label, row_label)


def find_by_label(grid, sheet: str, label: str, row_label: str = "",
                  cells: list[Cells] | None = None) -> NamedRange | None:
    """The cell right of the one label cell (in the row that starts with row_label)."""
    cells = grid_cells(grid) if cells is None else cells
    found = [
        (r, c) for r, c, text in _labels(cells)
        if text == label and (not row_label or _row_start(cells, r) == row_label)
    ]
    if len(found) != 1:
        return None
    r, c = found[0]
    return NamedRange(sheet, (r, c + 1), (r, c + 1))


def weekly_fields(grid, names: dict[str, NamedRange], cells: list[Cells] | None = None,
                  ) -> tuple[dict[str, NamedRange], list[str]]:
    """Every weekly field's cell on the 周考评表 sheet, and the labels not found."""
    cells = grid_cells(grid) if cells is None else cells
    fields: dict[str, NamedRange] = {}
    missing = []
    for name, (label, row_label) in WEEKLY_LABELS.items():
        target = names.get(name)
        if target is not None and target.sheet == layout.WEEKLY_SHEET \
                and _fits(cells, target.first[0], target.first[1], label, row_label):
            fields[name] = target
            continue
        found = find_by_label(grid, layout.WEEKLY_SHEET, label, row_label, cells)
        if found is None:
            missing.append(f"{row_label[:2]}{label}" if row_label else label)  # 初评签名
        else:
            fields[name] = found
    return fields, missing
