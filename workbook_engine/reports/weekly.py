"""The week's summary for the weekly 工作例会 (SPEC §6): reports/<week>_周汇总.xlsx, sheet 周汇总.

    工号 | 姓名 | 股室 | 本周工作 | 下周计划 | 自评等次 | 初评等次 | 初评意见 | 评定等次 | 评定意见 |
    工作日志天数 | 状态
    1002 | 周一 | 办公室 | 完成文件流转… | 继续推进… | 称职 | 称职 | 按时完成 | 称职 | 同意 | 5 | 已评定

Grades come from the store (as validated at ingest); the texts are read back from the archived
form, as typed (line breaks and full-width punctuation kept). Landscape A4, rows as tall as their
wrapped text, header repeated on every page.
"""

from __future__ import annotations

from pathlib import Path

from workbook_engine import store
from workbook_engine.ingest.read import read_form
from workbook_engine.periods import Week
from workbook_engine.reports.book import Column, ReportBook, Table
from workbook_engine.reports.fingerprint import fingerprint
from workbook_engine.reports.monthly import ReportOutput
from workbook_engine.reports.status import DONE, NOT_IN, WeekState, week_states
from workbook_engine.text import clean_text
from workbook_engine.workspace import Workspace

DONE_LABEL = "已评定"
WEEK_COLUMNS = [
    Column("工号", "text", 7), Column("姓名", "text", 7), Column("股室", "text", 8),
    Column("本周工作", "text", 34), Column("下周计划", "text", 26), Column("自评等次", "grade", 6),
    Column("初评等次", "grade", 6), Column("初评意见", "text", 14), Column("评定等次", "grade", 6),
    Column("评定意见", "text", 14), Column("工作日志天数", "int", 6), Column("状态", "text", 7),
]


def week_report_path(workspace: Workspace, week: Week) -> Path:
    return workspace.reports / f"{week}_周汇总.xlsx"


def _typed(value) -> str:
    """A text cell as typed: only the surrounding blanks go (inner line breaks stay)."""
    return "" if value is None else str(value).strip()


def _log_days(table) -> int:
    """Rows of the 工作日志 with something in 工作内容 (the header row excluded)."""
    return sum(1 for row in table[1:] if len(row) > 1 and clean_text(row[1]))


def _row(workspace: Workspace, state: WeekState) -> list:
    person, form = state.person, state.form
    label = DONE_LABEL if state.state == DONE else state.state
    if form is None:
        return [person.staff_id, person.name, person.section, "", "", "", "", "", "", "", None,
                label]
    path = workspace.root / form["stored_path"]
    raw = read_form(path, path.suffix.lstrip(".").lower(), form["file"])
    fields = raw.fields
    return [person.staff_id, person.name, person.section, _typed(fields.get("work_done")),
            _typed(fields.get("next_plan")), clean_text(fields.get("self_grade")),
            form["chief_grade"], _typed(fields.get("chief_comment")), form["leader_grade"],
            _typed(fields.get("leader_comment")), _log_days(raw.table), label]


def week_rows(workspace: Workspace, conn, roster, week: Week,
              only: set[str] | None = None) -> list[list]:
    """One row per assessed person (or per person of `only`); an empty text is a blank cell."""
    return [[None if value == "" else value for value in _row(workspace, state)]
            for state in week_states(conn, roster, week)
            if only is None or state.person.staff_id in only]


def write_week_report(workspace: Workspace, week: Week) -> ReportOutput:
    """Write reports/<week>_周汇总.xlsx from the stored and archived weekly forms."""
    inputs = workspace.inputs()
    with workspace.connect() as conn, store.Snapshot(conn):
        rows = week_rows(workspace, conn, inputs.roster, week)
        print_ = fingerprint(conn, [str(week.month)], [workspace.roster_path])
    path = week_report_path(workspace, week)
    book = ReportBook(path, f"{week.label}周考评汇总", inputs.policy.unit_name, print_)
    counts = {label: sum(1 for r in rows if r[-1] == label)
              for label in (DONE_LABEL, "待评定", "待初评", NOT_IN)}
    summary = "，".join(f"{label} {n} 人" for label, n in counts.items())
    book.table(Table("周汇总", f"{week.label}周考评汇总（{summary}）", WEEK_COLUMNS, rows))
    book.close()
    return ReportOutput(path, print_, [])
