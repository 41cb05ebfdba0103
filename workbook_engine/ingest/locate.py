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

from collections.abc import Iterator

from workbook_engine.forms import layout
from workbook_engine.ingest.defined import NamedRange
from workbook_engine.text import clean_name, remember_text

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


def _left_label(grid, row: int, col: int) -> str:
    """The nearest filled cell left of (row, col), as a label."""
    line = grid[row] if row < len(grid) else []
    for c in range(min(col, len(line)) - 1, -1, -1):
        text = label_text(line[c])
        if text:
            return text
    return ""


def _row_start(grid, row: int) -> str:
    line = grid[row] if row < len(grid) else []
    return next((label_text(v) for v in line if label_text(v)), "")


def _labels(grid) -> Iterator[tuple[int, int, str]]:
    for r, line in enumerate(grid[:SEARCH_ROWS]):
        for c, value in enumerate(line):
            text = label_text(value)
            if text:
                yield r, c, text


def name_fits(grid, target: NamedRange, label: str, row_label: str = "") -> bool:
    """True when the label beside a named cell is the field's label."""
    row, col = target.first
    if _left_label(grid, row, col) != label:
        return False
    return not row_label or _row_start(grid, row) == row_label


def find_by_label(grid, sheet: str, label: str, row_label: str = "") -> NamedRange | None:
    """The cell right of the one label cell (in the row that starts with row_label)."""
    found = [
        (r, c) for r, c, text in _labels(grid)
        if text == label and (not row_label or _row_start(grid, r) == row_label)
    ]
    if len(found) != 1:
        return None
    r, c = found[0]
    return NamedRange(sheet, (r, c + 1), (r, c + 1))


def weekly_fields(grid, names: dict[str, NamedRange]) -> tuple[dict[str, NamedRange], list[str]]:
    """Every weekly field's cell on the 周考评表 sheet, and the labels not found."""
    fields: dict[str, NamedRange] = {}
    missing = []
    for name, (label, row_label) in WEEKLY_LABELS.items():
        target = names.get(name)
        if target is not None and target.sheet == layout.WEEKLY_SHEET \
                and name_fits(grid, target, label, row_label):
            fields[name] = target
            continue
        found = find_by_label(grid, layout.WEEKLY_SHEET, label, row_label)
        if found is None:
            missing.append(f"{row_label[:2]}{label}" if row_label else label)  # 初评签名
        else:
            fields[name] = found
    return fields, missing
