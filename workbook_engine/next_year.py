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
from pathlib import Path

from workbook_engine import holidays
from workbook_engine.issues import WARNING, InputError, Issue, has_errors
from workbook_engine.periods import Year
from workbook_engine.policy import parse_policy
from workbook_engine.reports.annual import write_year_report, year_report_path
from workbook_engine.reports.write import signed_report
from workbook_engine.results_history import (
    HISTORY_FILE,
    load_history,
    write_history,
    year_report_rows,
)
from workbook_engine.roster import EMAIL, ID, PEOPLE_SHEET, write_roster_template
from workbook_engine.sheets import clean_staff_id, open_workbook, read_table
from workbook_engine.text import clean_text
from workbook_engine.workspace import (
    HOLIDAY_FILE,
    POLICY_FILE,
    ROSTER_FILE,
    WorkspaceError,
    init_workspace,
    open_workspace,
)

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


def write_next_roster(path: Path, roster, year: int, emails: dict[str, str]) -> None:
    people, sections = year_end_roster_rows(roster, year)
    write_roster_template(path, people=people, sections=sections, emails=emails)


def roster_emails(path: Path) -> dict[str, str]:
    """The optional 邮箱 column of the old roster, as typed (checked again when mail uses it)."""
    workbook, _ = open_workbook(path, "roster")
    if workbook is None:
        return {}
    with workbook:
        table, _ = read_table(workbook, path.name, PEOPLE_SHEET, (ID, EMAIL), "roster")
    if table is None:
        return {}
    return {clean_staff_id(table.value(cells, ID)): clean_text(table.value(cells, EMAIL))
            for _n, cells in table.rows if clean_text(table.value(cells, EMAIL))}


def carried_history(old, year: int) -> tuple[list[dict], list[Issue]]:
    """The old workspace's history plus its year (signed report, else its latest)."""

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
    emails = roster_emails(old.roster_path)
    policy_text = next_policy_text(old.policy_path.read_text(encoding="utf-8-sig"), year)
    history, warnings = carried_history(old, old_policy.year)
    prepared = {
        POLICY_FILE: lambda p: p.write_text(policy_text, encoding="utf-8"),
        ROSTER_FILE: lambda p: write_next_roster(p, roster, old_policy.year, emails),
        HOLIDAY_FILE: lambda p: holidays.write_schedule_template(p, year),
        HISTORY_FILE: lambda p: write_history(p, history),
    }
    result = init_workspace(root, year, old_policy.unit_name, sample=False, prepared=prepared)
    return result, warnings
