"""The next year: `init DIR --year 2027 --from OLD_DIR` (SPEC §7) and the history of results.

    OLD_DIR (2026)                          DIR (2027)
    花名册.xlsx  人员/股室 + changes    →    人员/股室 as at 31 December 2026, change sheets
                                            empty; people who left stay, as 离岗
    policy.toml  year = 2026            →    the same policy, year = 2027
    reports/已签批/2026_年度考核汇总…   →    历年结果.xlsx: 2026's 年度得分, 等次, 排名 per person
    历年结果.xlsx (2025 and before)     →      … plus every year the old workspace carried
                                            节假日安排.xlsx empty (the office enters 2027)

The year report's `历年结果` sheet shows what 历年结果.xlsx holds.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import openpyxl

from workbook_engine.issues import WARNING, InputError, Issue, has_errors
from workbook_engine.office_templates import (
    TemplateColumn,
    add_instructions_sheet,
    add_table_sheet,
    new_template,
)
from workbook_engine.policy import parse_policy
from workbook_engine.roster import write_roster_template
from workbook_engine.sheets import clean_staff_id, open_workbook, read_table
from workbook_engine.text import clean_name, clean_text

HISTORY_FILE = "历年结果.xlsx"
HISTORY_SHEET = "历年结果"
HISTORY_HEADERS = ("年度", "工号", "姓名", "股室", "年度得分", "等次", "排名", "依据")
_YEAR_LINE = re.compile(r"^(\s*year\s*=\s*)(\d{4})", re.MULTILINE)


def next_policy_text(old_text: str, year: int) -> str:
    """The old policy.toml with its `year` changed (comments and settings kept)."""
    text, count = _YEAR_LINE.subn(lambda m: f"{m.group(1)}{year}", old_text, count=1)
    if count != 1:
        raise InputError([Issue("policy.missing_key", "旧工作区的 policy.toml 中找不到 year 设置项",
                                "policy.toml")])
    parse_policy(text)  # InputError with every problem when the old policy is not valid
    return text


def year_end_roster_rows(roster, year: int) -> tuple[list[tuple], list[tuple]]:
    """人员 and 股室 rows of the bureau on 31 December (people who left kept, 离岗)."""
    end = roster.at_year_end(year)
    people = [(p.staff_id, p.name, p.section, p.category, p.start_date,
               "在岗" if p.in_post else "离岗", "是" if p.assessed else "否",
               "是" if p.ranked else "否") for p in end.people.values()]
    sections = [(s.name, s.chief_id, s.leader_id) for s in end.sections.values()
                if s.row is not None or s.chief_id or s.leader_id]
    return people, sections


def write_next_roster(path: Path, roster, year: int) -> None:
    people, sections = year_end_roster_rows(roster, year)
    write_roster_template(path, people=people, sections=sections)


# ---------------------------------------------------------------------------------------
# History of results
# ---------------------------------------------------------------------------------------


def load_history(path: Path) -> tuple[list[dict], list[Issue]]:
    """The rows of 历年结果.xlsx (none when the workspace has no history)."""
    if not path.is_file():
        return [], []
    workbook, issues = open_workbook(path, "history")
    if workbook is None:
        return [], issues
    with workbook:
        table, found = read_table(workbook, path.name, HISTORY_SHEET, HISTORY_HEADERS, "history")
    issues += found
    if table is None:
        return [], issues
    rows = []
    for _number, cells in table.rows:
        values = {h: table.value(cells, h) for h in HISTORY_HEADERS}
        year = clean_text(values["年度"]).removesuffix("年").removesuffix(".0")
        rows.append({"year": year, "staff_id": clean_staff_id(values["工号"]),
                     "name": clean_name(values["姓名"]), "section": clean_name(values["股室"]),
                     "score": _decimal(values["年度得分"]), "grade": clean_name(values["等次"]),
                     "rank": _int(values["排名"]), "source": clean_text(values["依据"])})
    return rows, issues


def _decimal(value) -> Decimal | None:
    text = clean_text(value)
    if not text:
        return None
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except ArithmeticError:
        return None


def _int(value) -> int | None:
    number = _decimal(value)
    return int(number) if number is not None else None


def year_report_rows(report: Path, year: int) -> list[dict]:
    """The 年度汇总 sheet of a year report as history rows."""
    sheet = openpyxl.load_workbook(report, read_only=True, data_only=True)["年度汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    headers = [clean_name(h) for h in rows[0]]
    column = {h: headers.index(h) for h in ("工号", "姓名", "股室", "年度得分", "等次", "排名")}
    found = []
    for row in rows[1:]:
        if not row or not clean_text(row[column["工号"]]):
            continue
        found.append({"year": str(year), "staff_id": clean_staff_id(row[column["工号"]]),
                      "name": clean_name(row[column["姓名"]]),
                      "section": clean_name(row[column["股室"]]),
                      "score": _decimal(row[column["年度得分"]]),
                      "grade": clean_name(row[column["等次"]]), "rank": _int(row[column["排名"]]),
                      "source": report.name})
    return found


def write_history(path: Path, rows: list[dict]) -> None:
    workbook = new_template(path)
    columns = [TemplateColumn(h, w, "text" if h not in ("年度得分", "排名") else "number", help_text)
               for h, w, help_text in (
                   ("年度", 8, "考核年度"), ("工号", 10, "工号"), ("姓名", 10, "姓名"),
                   ("股室", 12, "当年年末所在股室"), ("年度得分", 10, "当年年度得分"),
                   ("等次", 10, "当年年度等次"), ("排名", 8, "当年排名；未参加排名的为空"),
                   ("依据", 30, "取自哪份年度汇总表"))]
    ordered = sorted(rows, key=lambda r: (r["year"], r["staff_id"]))
    values = [(r["year"], r["staff_id"], r["name"], r["section"],
               float(r["score"]) if r["score"] is not None else None, r["grade"], r["rank"],
               r["source"]) for r in ordered]
    add_table_sheet(workbook, HISTORY_SHEET, columns, values)
    add_instructions_sheet(workbook, "历年结果说明", (
        ("用途", "历年年度考核结果，由 workbook-engine init --from 从上一年度的工作区带入，"
                 "年度汇总表的「历年结果」工作表据此列出每人往年的年度得分、等次和排名，"
                 "作为推荐干部人选的参考。"),
        ("修改", "一般不需要修改；如需补充更早年份的结果，可按相同格式增加行。"),
    ))
    workbook.close()


def carried_history(old, year: int) -> tuple[list[dict], list[Issue]]:
    """The old workspace's history plus its year (signed report, else its latest)."""
    from workbook_engine.periods import Year
    from workbook_engine.reports.annual import write_year_report, year_report_path
    from workbook_engine.reports.signoff import signed_report

    rows, issues = load_history(old.root / HISTORY_FILE)
    report = signed_report(old, "year", str(year))
    if report is None or not report.is_file():
        report = year_report_path(old, Year(year))
        message = (f"旧工作区 {year} 年度汇总尚未签批，历年结果取自最近一次生成的年度汇总表"
                   f"（{report.name}）；签批后可重新运行本命令更新 {HISTORY_FILE}")
        if not report.is_file():
            write_year_report(old, Year(year))
            message = (f"旧工作区 {year} 年度汇总尚未签批，也没有生成过；已按现有数据生成"
                       f"（{report.name}），历年结果取自该表")
        issues.append(Issue("history.unsigned", message, report.name, severity=WARNING))
    rows = [r for r in rows if r["year"] != str(year)] + year_report_rows(report, year)
    return rows, issues


def check_old(old) -> None:
    """The old workspace's roster must be usable (its year-end state is carried)."""
    roster, issues = old.roster()
    if has_errors(issues):
        raise InputError(issues)


def init_next_year(root: Path, old_root: Path, year: int | None = None):
    """Create the next year's workspace from the old one; returns (InitResult, warnings)."""
    from workbook_engine.workspace import (
        HOLIDAY_FILE,
        POLICY_FILE,
        ROSTER_FILE,
        WorkspaceError,
        init_workspace,
        open_workspace,
    )

    old = open_workspace(old_root)
    if Path(root).expanduser().resolve() == old.root:
        raise WorkspaceError("新年度的工作区不能与旧工作区是同一个文件夹")
    old_policy = old.policy()
    year = year or old_policy.year + 1
    if year <= old_policy.year:
        raise WorkspaceError(f"新年度（{year}）应晚于旧工作区的年度（{old_policy.year}）")
    old.use_holidays()
    check_old(old)
    roster, _ = old.roster()
    policy_text = next_policy_text(old.policy_path.read_text(encoding="utf-8-sig"), year)
    history, warnings = carried_history(old, old_policy.year)
    from workbook_engine import holidays

    prepared = {
        POLICY_FILE: lambda p: p.write_text(policy_text, encoding="utf-8"),
        ROSTER_FILE: lambda p: write_next_roster(p, roster, old_policy.year),
        HOLIDAY_FILE: lambda p: holidays.write_schedule_template(p, year),
        HISTORY_FILE: lambda p: write_history(p, history),
    }
    result = init_workspace(root, year, old_policy.unit_name, sample=False, prepared=prepared)
    return result, warnings
