"""The quarter report (季度小结): three months per person, the quarter mean, problems, sections.

    reports/2026-Q1_季度考核小结.xlsx
      封面 | 季度汇总 | 股室平均 | 数据问题

quarter_figures computes the quarter once; the workbook and the Word draft are written from it.
"""

from __future__ import annotations

from pathlib import Path

from workbook_engine import store
from workbook_engine.periods import Quarter
from workbook_engine.reports.book import UNSIGNED, Column, ReportBook, SignOff, Table
from workbook_engine.reports.fingerprint import fingerprint
from workbook_engine.reports.monthly import Also, Figures, ReportOutput
from workbook_engine.scoring.compute import compute_quarter
from workbook_engine.scoring.frames import records
from workbook_engine.workspace import Workspace


def quarter_report_path(workspace: Workspace, quarter: Quarter) -> Path:
    return workspace.reports / f"{quarter}_季度考核小结.xlsx"


def quarter_figures(workspace: Workspace, quarter: Quarter, also: Also = None) -> Figures:
    """The quarter computed from one consistent state of the store."""
    inputs = workspace.inputs()
    with workspace.connect() as conn, store.Snapshot(conn):  # one consistent state
        result = compute_quarter(workspace, quarter, conn, inputs)
        print_ = fingerprint(conn, [str(m) for m in quarter.months()],
                             [workspace.policy_path, workspace.roster_path])
        notes = also(conn, inputs, result) if also else None
    return Figures(inputs, result, print_, notes=notes)


def write_quarter_report(workspace: Workspace, quarter: Quarter, signoff: SignOff = UNSIGNED,
                         target: Path | None = None, figures: Figures | None = None
                         ) -> ReportOutput:
    figures = figures or quarter_figures(workspace, quarter)
    inputs, result, print_ = figures.inputs, figures.result, figures.fingerprint
    months = list(quarter.months())
    path = target or quarter_report_path(workspace, quarter)
    book = ReportBook(path, f"{quarter.label}干部职工考核小结", inputs.policy.unit_name, print_)
    summary = result.summary
    with_problems = int((summary["problems"] != "").sum()) if not summary.empty else 0
    book.cover(quarter.label, [
        ("考核人数", f"{len(summary)} 人"),
        ("有季度平均分", f"{int(summary['quarter_mean'].notna().sum()) if len(summary) else 0} 人"),
        ("记录有问题的人员", f"{with_problems} 人"),
    ], result.problems, signoff)
    columns = [Column("工号", "text", 9), Column("姓名", "text", 9), Column("股室", "text", 11)]
    for month in months:
        columns += [Column(f"{month.month}月得分", "number", 9),
                    Column(f"{month.month}月等次", "grade", 9)]
    columns += [Column("季度平均分", "number", 10), Column("存在问题", "text", 60)]
    rows = [[r["staff_id"], r["name"], r["section"], r["m1_score"], r["m1_grade"], r["m2_score"],
             r["m2_grade"], r["m3_score"], r["m3_grade"], r["quarter_mean"], r["problems"]]
            for r in records(summary)]
    book.table(Table("季度汇总", f"{quarter.label}考核汇总", columns, rows))
    section_rows = [[r["section"], r["people"], r["scored"], r["average"]]
                    for r in records(result.sections)]
    book.table(Table("股室平均", f"{quarter.label}各股室平均分", [
        Column("股室", "text", 14), Column("人数", "int", 8), Column("有平均分人数", "int", 12),
        Column("平均分", "number", 10)], section_rows, landscape=False), grade_header=None)
    book.problems(result.problems)
    book.close()
    return ReportOutput(path, print_, result.problems)
