"""The year report: 年度汇总, every point with its source, candidates, charts, data problems.

    reports/2026_年度考核汇总.xlsx
      封面 | 年度汇总 | 加减分明细 | 月度得分 | 优秀预备人选 | 诫勉谈话 | 统计图表 | 数据问题

year_figures computes the year once; the workbook and the Word draft are written from it.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from workbook_engine import store
from workbook_engine.ledger_records import load_records
from workbook_engine.periods import Year
from workbook_engine.reports.book import UNSIGNED, Column, ReportBook, SignOff, Table
from workbook_engine.reports.fingerprint import fingerprint
from workbook_engine.reports.history import history_table
from workbook_engine.reports.monthly import Also, Figures, ReportOutput
from workbook_engine.reports.talks import TALK_COLUMNS, talk_rows
from workbook_engine.results_history import HISTORY_FILE, load_history
from workbook_engine.scoring.compute import YearResult, compute_year
from workbook_engine.scoring.frames import records
from workbook_engine.scoring.monthly import SCORED
from workbook_engine.scoring.ranking import TIED, YES
from workbook_engine.workspace import Workspace

YEAR_COLUMNS = [
    Column("工号", "text", 9), Column("姓名", "text", 9), Column("股室", "text", 11),
    Column("考核月数", "int", 7), Column("月均分", "number", 9), Column("加分合计", "number", 9),
    Column("加分计入", "number", 9), Column("扣分合计", "number", 9),
    Column("年度得分", "number", 9), Column("等次", "grade", 9), Column("排名", "int", 6),
    Column("优秀预备人选", "text", 11), Column("奖金系数", "coef", 9),
]


def year_report_path(workspace: Workspace, year: Year) -> Path:
    return workspace.reports / f"{year}_年度考核汇总.xlsx"


def _year_rows(result: YearResult, with_pool: bool) -> list[list]:
    rows = []
    for r in records(result.annual):
        row = [r["staff_id"], r["name"], r["section"], r["months"], r["mean"], r["bonus_total"],
               r["bonus_counted"], r["deduction_total"], r["score"], r["grade"], r["rank"],
               r["candidate"], r["coefficient"]]
        if with_pool:
            row.append(r["amount"])
        rows.append(row)
    return rows


def _detail_rows(result: YearResult, names: dict[str, str]) -> list[list]:
    rows = [[p["staff_id"], names.get(p["staff_id"], ""), p["direction"], p["category"],
             p["points"], p["source"], p["detail"]] for p in records(result.points)]
    for line in result.monthly_lines:
        if line.status == SCORED and line.deduction:
            rows.append([line.staff_id, line.name, "履职扣分", f"{line.month} 履职扣分",
                         line.deduction, line.leader_source, f"已计入当月得分；事由：{line.reason}"])
    return rows


def _monthly_rows(result: YearResult) -> list[list]:
    """One row per person in the year summary's order, under their 股室 at the year's end
    (a month outside their time in post shows 未在岗)."""
    column = {str(m): 3 + n for n, m in enumerate(result.year.months())}
    table: dict[str, list] = {
        r["staff_id"]: [r["staff_id"], r["name"], r["section"]] + [""] * len(column)
        for r in records(result.annual)}
    for line in result.monthly_lines:
        row = table.get(line.staff_id)
        if row is None:
            row = table[line.staff_id] = [line.staff_id, line.name, line.section]
            row += [""] * len(column)
        row[column[line.month]] = line.score if line.status == SCORED else line.status
    return list(table.values())


def _write_candidates(book: ReportBook, result: YearResult) -> None:
    sheet = book.workbook.add_worksheet("优秀预备人选")
    fmt = book.fmt
    widths = (8, 10, 10, 12, 10)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    ranked = [r for r in records(result.annual) if r["rank"] is not None]
    ranked.sort(key=lambda r: (r["rank"], r["staff_id"]))
    row = 0
    blocks = ((YES, "一、优秀预备人选（按年度得分排名前 30%）"),
              (TIED, "二、并列待定（与末位同分、名额不足，由考核领导小组研究确定）"))
    for value, title in blocks:
        chosen = [r for r in ranked if r["candidate"] == value]
        sheet.merge_range(row, 0, row, 4, title, fmt["label"])
        row += 1
        for col, text in enumerate(("排名", "工号", "姓名", "股室", "年度得分")):
            sheet.write_string(row, col, text, fmt["head"])
        row += 1
        for r in chosen:
            sheet.write_number(row, 0, r["rank"], fmt["int"])
            sheet.write_string(row, 1, r["staff_id"], fmt["text"])
            sheet.write_string(row, 2, r["name"], fmt["text"])
            sheet.write_string(row, 3, r["section"], fmt["text"])
            sheet.write_number(row, 4, float(r["score"]), fmt["number"])
            row += 1
        if not chosen:
            sheet.merge_range(row, 0, row, 4, "（无）", fmt["text"])
            row += 1
        row += 1
    book.print_setup(sheet, landscape=False, repeat=None, title=f"{result.year.label}优秀预备人选")


def _write_charts(book: ReportBook, result: YearResult, grade_names) -> None:
    sheet = book.workbook.add_worksheet("统计图表")
    fmt = book.fmt
    annual = result.annual
    sheet.write_string(0, 0, "等次", fmt["head"])
    sheet.write_string(0, 1, "人数", fmt["head"])
    for n, grade in enumerate(grade_names, start=1):
        sheet.write_string(n, 0, grade, fmt["text"])
        sheet.write_number(n, 1, int((annual["grade"] == grade).sum()), fmt["int"])
    chart = book.workbook.add_chart({"type": "column"})
    chart.add_series({"name": "人数", "categories": ["统计图表", 1, 0, len(grade_names), 0],
                      "values": ["统计图表", 1, 1, len(grade_names), 1],
                      "data_labels": {"value": True}})
    chart.set_title({"name": f"{result.year.year} 年度考核等次分布"})
    chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True}})
    chart.set_legend({"none": True})
    sheet.insert_chart(0, 3, chart, {"x_scale": 1.2, "y_scale": 1.1})
    start = len(grade_names) + 3
    sheet.write_string(start, 0, "股室", fmt["head"])
    sheet.write_string(start, 1, "平均年度得分", fmt["head"])
    sections = []
    for section, group in annual.groupby("section", sort=False):
        scores = [s for s in group["score"] if s is not None]
        if scores:
            sections.append((section, sum(scores, Decimal(0)) / len(scores)))
    for n, (section, average) in enumerate(sections, start=1):
        sheet.write_string(start + n, 0, section, fmt["text"])
        sheet.write_number(start + n, 1, float(round(average, 2)), fmt["number"])
    if sections:
        bar = book.workbook.add_chart({"type": "bar"})
        bar.add_series({"name": "平均年度得分",
                        "categories": ["统计图表", start + 1, 0, start + len(sections), 0],
                        "values": ["统计图表", start + 1, 1, start + len(sections), 1],
                        "data_labels": {"value": True, "num_format": "0.00"}})
        bar.set_title({"name": f"{result.year.year} 年度各股室平均年度得分"})
        bar.set_x_axis({"min": 0})  # a bar chart's value axis is its x axis
        bar.set_legend({"none": True})
        sheet.insert_chart(17, 3, bar, {"x_scale": 1.2, "y_scale": 1.1})
    sheet.set_column(0, 1, 14)
    book.print_setup(sheet, landscape=False, repeat=None, title=f"{result.year.label}统计图表")


@contextmanager
def _collector_paused():
    """Python's cycle collector off meanwhile: the year of a large bureau makes hundreds of
    thousands of objects that live until the report is written, and every collection walks
    them all again (about a tenth of the report's time; what it would free is freed after)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def year_figures(workspace: Workspace, year: Year, pool: Decimal | None = None,
                 also: Also = None) -> Figures:
    """The year computed from one consistent state of the store (with the bonus when a pool
    is given)."""
    with _collector_paused():
        return _year_figures(workspace, year, pool, also)


def _year_figures(workspace: Workspace, year: Year, pool: Decimal | None,
                  also: Also) -> Figures:
    inputs = workspace.inputs()
    with workspace.connect() as conn, store.Snapshot(conn):  # one consistent state
        # the report and the draft cite a month's forms only for a 履职扣分
        result = compute_year(workspace, year, pool, conn, inputs, sources=False)
        months = [str(m) for m in year.months()]
        history_path = workspace.root / HISTORY_FILE
        print_ = fingerprint(conn, months, [workspace.policy_path, workspace.roster_path,
                                            workspace.ledger_path]
                             + ([history_path] if history_path.is_file() else []))
        notes = also(conn, inputs, result) if also else None
    talk_records, record_issues = load_records(workspace.ledger_path, inputs.roster,
                                               inputs.policy)
    return Figures(inputs, result, print_, talk_records, record_issues, notes=notes)


def write_year_report(workspace: Workspace, year: Year, pool: Decimal | None = None,
                      signoff: SignOff = UNSIGNED, target: Path | None = None,
                      figures: Figures | None = None) -> ReportOutput:
    """Build the year report (from figures the caller computed with the same pool, or from
    the store); with a pool the 奖金金额 column is added."""
    with _collector_paused():
        return _write_year_report(workspace, year, pool, signoff, target, figures)


def _write_year_report(workspace: Workspace, year: Year, pool: Decimal | None,
                       signoff: SignOff, target: Path | None,
                       figures: Figures | None) -> ReportOutput:
    figures = figures or year_figures(workspace, year, pool)
    inputs, result, print_ = figures.inputs, figures.result, figures.fingerprint
    talk_records = figures.talk_records
    history, history_issues = load_history(workspace.root / HISTORY_FILE)
    problems = result.ledger_issues + figures.record_issues + result.problems + history_issues
    lines = LineTables(
        talks=talk_rows(result.talk_lines, talk_records),
        details=_detail_rows(result, dict(zip(result.annual["staff_id"],
                                              result.annual["name"]))),
        months=_monthly_rows(result))
    # the year's lines are in their tables now: not kept (the draft needs only the talk
    # lines, which stay)
    result.release_lines()
    earlier = history_table(history, list(result.annual["staff_id"]), year.label)
    path = target or year_report_path(workspace, year)
    book = ReportBook(path, f"{year.label}干部职工量化考核汇总", inputs.policy.unit_name, print_)
    _write_sheets(book, result, problems, pool, signoff, inputs.policy.grade_names, lines,
                  earlier)
    # the year's tables are not needed while the workbook is assembled (its peak)
    del result, figures, lines, earlier
    book.close()
    return ReportOutput(path, print_, problems)


@dataclass
class LineTables:
    """The rows of the tables made from the year's monthly lines (built before the sheets are
    written, so the lines can go first)."""

    talks: list[list]
    details: list[list]
    months: list[list]


def _write_sheets(book: ReportBook, result: YearResult, problems: list, pool: Decimal | None,
                  signoff: SignOff, grade_names: tuple[str, ...], lines: LineTables,
                  earlier: Table) -> None:
    year, annual = result.year, result.annual
    stats = [
        ("参加考核", f"{len(annual)} 人"),
        ("有年度得分", f"{int(annual['score'].notna().sum())} 人"),
        ("等次分布", "，".join(f"{g} {int((annual['grade'] == g).sum())} 人"
                             for g in grade_names)),
        ("优秀预备人选", f"{int((annual['candidate'] == YES).sum())} 人，"
                      f"并列待定 {int((annual['candidate'] == TIED).sum())} 人"),
    ]
    if pool is not None:
        stats.append(("奖金总额", f"{pool:,.2f} 元"))
    book.cover(year.label, stats, problems, signoff)
    columns = YEAR_COLUMNS + ([Column("奖金金额", "money", 12)] if pool is not None else [])
    book.table(Table("年度汇总", f"{year.label}干部职工量化考核汇总", columns,
                     _year_rows(result, pool is not None)))
    book.table(Table("加减分明细", f"{year.label}加减分明细", [
        Column("工号", "text", 9), Column("姓名", "text", 9), Column("加分/扣分", "text", 10),
        Column("类别", "text", 16), Column("分值", "number", 8), Column("来源", "text", 50),
        Column("说明", "text", 40)], lines.details), grade_header=None)
    month_columns = [Column("工号", "text", 9), Column("姓名", "text", 9), Column("股室", "text", 11)]
    month_columns += [Column(f"{m.month}月", "number", 8) for m in year.months()]
    book.table(Table("月度得分", f"{year.label}各月得分", month_columns, lines.months),
               grade_header=None)
    _write_candidates(book, result)
    book.table(Table("诫勉谈话", f"{year.label}月度不称职及诫勉谈话情况", TALK_COLUMNS,
                     lines.talks))
    _write_charts(book, result, grade_names)
    book.table(earlier, grade_header=None)  # 历年结果
    book.problems(problems)
