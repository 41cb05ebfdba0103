"""The month report: 月度汇总, the printable 公示, the 诫勉谈话 list and who has not handed in.

    reports/2026-03_月度考核汇总.xlsx
      封面 | 月度汇总 | 公示 | 诫勉谈话 | 谈话通知 | 未交情况 | 数据问题

The talk list shows each talk recorded in the ledger's 诫勉谈话 sheet, else 「未记录谈话」.
month_figures computes the month once, from one store snapshot; the workbook (and, through
reports/write.py, the Word draft) is written from those Figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbook_engine import store
from workbook_engine.forms import layout
from workbook_engine.issues import WARNING, Issue
from workbook_engine.ledger_records import load_records
from workbook_engine.periods import Month, working_days
from workbook_engine.reports.book import UNSIGNED, Column, ReportBook, SignOff, Table
from workbook_engine.reports.fingerprint import fingerprint
from workbook_engine.reports.status import due_editions
from workbook_engine.reports.talks import TALK_COLUMNS, talk_rows, write_talk_notices
from workbook_engine.scoring.compute import MonthResult, compute_month
from workbook_engine.scoring.frames import records
from workbook_engine.scoring.monthly import RATED_NOT_USED, SCORED
from workbook_engine.style import PAGE_NUMBERS
from workbook_engine.workspace import Workspace

SUMMARY_COLUMNS = [
    Column("工号", "text", 10), Column("姓名", "text", 10), Column("股室", "text", 12),
    Column("领导评分", "number", 10), Column("考核办评分", "number", 10),
    Column(layout.DEDUCTION_HEADER, "number", 9), Column(layout.MONTH_SCORE_HEADER, "number", 10),
    Column("等次", "grade", 9), Column("分数等次", "grade", 9), Column("状态", "text", 8),
    Column(layout.REASON_HEADER, "text", 22), Column("等次说明", "text", 26),
    Column("领导评分来源", "text", 26),
    Column("考核办评分来源", "text", 26),
]


@dataclass
class ReportOutput:
    path: Path
    fingerprint: str
    problems: list[Issue]


@dataclass
class Figures:
    """A period's figures, computed once from one store snapshot: the report workbook and the
    Word draft (reports/drafts.py) are both written from them."""

    inputs: object  # workspace.Inputs: policy and roster
    result: object  # MonthResult, QuarterResult or YearResult
    fingerprint: str
    talk_records: object = None  # ledger_records.Records (month and year)
    record_issues: list = field(default_factory=list)
    missing: list = field(default_factory=list)  # month: the forms not handed in
    notes: object = None  # what the caller's `also` read in the same snapshot


# `also(conn, inputs, result)`: more store reads in the figures' snapshot (the draft's quotes)
Also = Callable[[object, object, object], object] | None


def month_report_path(workspace: Workspace, month: Month) -> Path:
    return workspace.reports / f"{month}_月度考核汇总.xlsx"


def _summary_rows(result: MonthResult) -> list[list]:
    return [[r["staff_id"], r["name"], r["section"], r["leader_score"], r["office_score"],
             r["deduction"], r["score"], r["grade"], r["score_grade"], r["status"], r["reason"],
             r["grade_note"], r["leader_source"], r["office_source"]]
            for r in records(result.scores)]


def _rated_stat(scores) -> str:
    """How many grades the leaders set apart from the score, and how many were not used."""
    scored = scores[scores["status"] == SCORED]
    changed = int((scored["grade"] != scored["score_grade"]).sum())
    refused = sum(1 for note in scored["grade_note"] if note.startswith(RATED_NOT_USED))
    text = f"与分数等次不同 {changed} 人（按评定）"
    return text + (f"，未采用 {refused} 人（备注无理由，按分数等次）" if refused else "") \
        + "；见月度汇总「等次说明」"


def _publicity_dates(month: Month, days: int) -> tuple[str, str]:
    following = month.next()
    open_days = working_days(following.first_day, following.last_day)
    start = open_days[0] if open_days else following.first_day
    later = working_days(start, following.next().last_day)[:days]
    end = later[-1] if later else start
    return (f"{start.year}年{start.month}月{start.day}日", f"{end.year}年{end.month}月{end.day}日")


PUBLICITY_ONE_PAGE = 80  # up to this many names the 公示 is printed on one page
PUBLICITY_COLUMN = 40  # names per column block; two blocks side by side beyond that
_BLOCK = (("序号", 6), ("姓名", 12), ("股室", 16), ("等次", 10))


def _write_publicity(book: ReportBook, result: MonthResult, days: int) -> None:
    """A page to post on the notice board: title, dates, names and grades, where to object.

    Up to 40 names in one column block, up to 80 in two blocks side by side on one page;
    beyond that the blocks continue on further pages under the repeated header row."""
    sheet = book.workbook.add_worksheet("公示")
    fmt = book.fmt
    scored = [r for r in records(result.scores) if r["status"] == SCORED]
    blocks = 2 if PUBLICITY_COLUMN < len(scored) <= PUBLICITY_ONE_PAGE else 1
    per_block = -(-len(scored) // blocks) if scored else 0
    width = len(_BLOCK) * blocks
    for block in range(blocks):
        for col, (_, size) in enumerate(_BLOCK):
            sheet.set_column(block * len(_BLOCK) + col, block * len(_BLOCK) + col,
                             size * (1.5 if blocks == 1 else 1))
    title = f"{book.unit}\n{result.month.label}干部职工月度考核等次公示"
    sheet.merge_range(0, 0, 0, width - 1, title, fmt["notice_title"])
    sheet.set_row(0, 60)
    start, end = _publicity_dates(result.month, days)
    intro = (f"    根据干部职工量化考核办法，现将{result.month.label}月度考核等次予以公示。"
             f"公示时间：{start}至{end}（{days}个工作日）。")
    sheet.merge_range(1, 0, 1, width - 1, intro, fmt["body"])
    sheet.set_row(1, 48)
    for block in range(blocks):
        for col, (text, _) in enumerate(_BLOCK):
            sheet.write_string(2, block * len(_BLOCK) + col, text, fmt["head"])
    for n, r in enumerate(scored):
        row, base = 3 + n % per_block, (n // per_block) * len(_BLOCK)
        sheet.set_row(row, 18)
        sheet.write_number(row, base, n + 1, fmt["body_cell"])
        sheet.write_string(row, base + 1, r["name"], fmt["body_cell"])
        sheet.write_string(row, base + 2, r["section"], fmt["body_cell"])
        sheet.write_string(row, base + 3, r["grade"], fmt["body_cell"])
    if not scored:
        sheet.merge_range(3, 0, 3, width - 1, "本月无人计分", fmt["body_cell"])
    last = 3 + max(per_block, 1) - 1
    notice = ("    公示期间，如对公示结果有异议，请以书面形式向局考核办反映（请署真实姓名），"
              "考核办将及时调查核实并予以答复。")
    sheet.merge_range(last + 2, 0, last + 2, width - 1, notice, fmt["body"])
    sheet.set_row(last + 2, 48)
    sheet.merge_range(last + 4, width - 2, last + 4, width - 1, f"{book.unit}考核办",
                      fmt["subtitle"])
    sheet.merge_range(last + 5, width - 2, last + 5, width - 1, start, fmt["subtitle"])
    book.print_setup(sheet, landscape=False, repeat=(2, 2), title="", footer=PAGE_NUMBERS)
    if len(scored) <= PUBLICITY_ONE_PAGE:
        sheet.fit_to_pages(1, 1)
    sheet.print_area(0, 0, last + 5, width - 1)


def _missing_rows(result: MonthResult, conn, inputs) -> list[list]:
    roster = result.roster or inputs.roster  # the bureau of the month
    got = set(zip(result.weekly["staff_id"], result.weekly["week"], strict=True))
    rows = []
    for person in roster.assessed():
        weeks = [str(w) for w in roster.weeks_in_post(person.staff_id, result.month.weeks())]
        missing = [w for w in weeks if (person.staff_id, w) not in got]
        if missing:
            rows.append(["周考评表", f"{person.name}（{person.staff_id}）", person.section,
                         "、".join(missing)])
    for due in due_editions(conn, roster, result.month):
        if due.form is None:
            rows.append([f"月考评表（{due.label}）", due.who, due.section, str(result.month)])
    return rows


def month_figures(workspace: Workspace, month: Month, also: Also = None) -> Figures:
    """The month computed from one consistent state of the store."""
    inputs = workspace.inputs()
    with workspace.connect() as conn, store.Snapshot(conn):  # one consistent state
        result = compute_month(workspace, month, conn, inputs)
        print_ = fingerprint(conn, [str(month)], [workspace.policy_path, workspace.roster_path,
                                                  workspace.ledger_path])
        missing = _missing_rows(result, conn, inputs)
        notes = also(conn, inputs, result) if also else None
    talk_records, record_issues = load_records(workspace.ledger_path, inputs.roster,
                                               inputs.policy)
    return Figures(inputs, result, print_, talk_records, record_issues, missing, notes)


def write_month_report(workspace: Workspace, month: Month, signoff: SignOff = UNSIGNED,
                       target: Path | None = None, figures: Figures | None = None) -> ReportOutput:
    """Build the month report from the store (or from figures the caller computed); returns
    where it went and its fingerprint."""
    figures = figures or month_figures(workspace, month)
    inputs, result, print_ = figures.inputs, figures.result, figures.fingerprint
    talk_records, missing = figures.talk_records, figures.missing
    problems = list(result.problems) + figures.record_issues
    problems += [Issue(code="report.missing_forms", severity=WARNING,
                       message=f"{row[0]}未交：{row[1]} {row[3]}") for row in missing
                 if row[0] != "周考评表"]
    path = target or month_report_path(workspace, month)
    book = ReportBook(path, f"{month.label}干部职工月度考核汇总", inputs.policy.unit_name, print_)
    scores = result.scores
    stats = [
        ("考核人数", f"{len(scores)} 人"),
        ("已计分", f"{int((scores['status'] == SCORED).sum())} 人"),
        ("等次分布", "，".join(f"{g} {int((scores['grade'] == g).sum())} 人"
                             for g in inputs.policy.grade_names)),
        ("评定等次", _rated_stat(scores)),
        ("诫勉谈话", f"{len(result.talk)} 人（月度不称职，由考核领导小组组长或副组长谈话）"),
        ("未交表格", f"{len(missing)} 项"),
    ]
    book.cover(month.label, stats, problems, signoff)
    book.table(Table("月度汇总", f"{month.label}月度考核汇总", SUMMARY_COLUMNS, _summary_rows(result)))
    _write_publicity(book, result, inputs.policy.publicity_days)
    book.table(Table("诫勉谈话", f"{month.label}诫勉谈话名单", TALK_COLUMNS,
                     talk_rows(result.talk, talk_records)))
    write_talk_notices(book, result.talk, month.label)
    book.table(Table("未交情况", f"{month.label}表格未交情况", [
        Column("表格", "text", 22), Column("人员", "text", 20), Column("股室", "text", 12),
        Column("未交期间", "text", 50)], missing), grade_header=None)
    book.problems(problems)
    book.close()
    return ReportOutput(path, print_, problems)
