"""Fill generated forms the way another program does: by their defined names, with openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def _cell(workbook, name: str):
    (sheet, ref), = list(workbook.defined_names[name].destinations)
    return workbook[sheet][ref.replace("$", "")]


def _range(workbook, name: str):
    (sheet, ref), = list(workbook.defined_names[name].destinations)
    return workbook[sheet][ref.replace("$", "")]


def fill_weekly(form: Path, target: Path, *, work_done="完成本周工作", next_plan="继续推进",
                self_grade=None, chief=None, leader=None, log=None, extra=None) -> Path:
    """Fill a weekly form; chief/leader are (grade, sign) pairs; log is a list of contents."""
    workbook = openpyxl.load_workbook(form)
    values = {"work_done": work_done, "next_plan": next_plan, "self_grade": self_grade}
    if chief:
        values.update(chief_grade=chief[0], chief_sign=chief[1], chief_comment="同意")
    if leader:
        values.update(leader_grade=leader[0], leader_sign=leader[1], leader_comment="同意")
    values.update(extra or {})
    for name, value in values.items():
        if value is not None:
            _cell(workbook, name).value = value
    rows = _range(workbook, "work_log")
    for row, content in zip(rows[1:], log or [], strict=False):
        row[1].value = content
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    return target


def fill_monthly(form: Path, target: Path, scores: dict, sign: str | None, date=None,
                 cells: dict | None = None) -> Path:
    """Fill a monthly edition; scores maps 工号 → list of item values, or with
    (items, deduction, reason) for a leader edition. Missing 工号 stay blank (未考核).
    cells maps 工号 → {header: value} for any other column (评定等次, 备注)."""
    workbook = openpyxl.load_workbook(form)
    rows = _range(workbook, "scores")
    headers = [c.value for c in rows[0]]
    first_item = next(i for i, h in enumerate(headers) if h and "(" in str(h))
    for row in rows[1:]:
        entry = scores.get(row[0].value)
        if entry is None:
            continue
        items, deduction, reason = (entry if isinstance(entry, tuple) else (entry, None, None))
        for offset, value in enumerate(items):
            row[first_item + offset].value = value
        if deduction is not None:
            row[headers.index("履职扣分")].value = deduction
        if reason is not None:
            row[headers.index("扣分事由")].value = reason
        for header, value in (cells or {}).get(row[0].value, {}).items():
            row[headers.index(header)].value = value
    if sign is not None:
        _cell(workbook, "rater_sign").value = sign
    if date is not None:
        _cell(workbook, "rater_date").value = date
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    return target
