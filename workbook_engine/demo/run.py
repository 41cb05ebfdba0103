"""`workbook-engine demo`: a simulated bureau year run through the real cycle.

For every month: weekly forms generated (forms step) and returned filled, ingest; monthly
editions generated with the weekly summaries and returned scored, ingest; the month report;
the quarter report at quarter ends; at the end the year report with a bonus pool. The inbox
gets the usual mess (resends, a correction, .xls, e-mails, broken files). Same seed, same
year.
"""

from __future__ import annotations

import dataclasses
import os
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl

from workbook_engine.demo import mess, staff
from workbook_engine.demo.bureau import Bureau, ledger_rows, make_bureau
from workbook_engine.forms.layout import LEADER_EDITION
from workbook_engine.forms.monthly import build_monthly_form
from workbook_engine.forms.outbox import monthly_plan, weekly_plan
from workbook_engine.forms.prepared import PreparedWeeklyForms
from workbook_engine.ingest.inbox import ingest
from workbook_engine.issues import ActionRefused
from workbook_engine.ledger_template import write_ledger_template
from workbook_engine.periods import Month, Year
from workbook_engine.reports.annual import write_year_report, year_figures
from workbook_engine.reports.monthly import write_month_report
from workbook_engine.reports.quarterly import write_quarter_report
from workbook_engine.roster import write_roster_template
from workbook_engine.scoring.frames import records
from workbook_engine.scoring.leave import full_years
from workbook_engine.workspace import Workspace, init_workspace

MARKER = "demo.txt"
UNIT = "示例县住房和城乡建设局"
POOL = Decimal("300000.00")
Progress = Callable[[Iterable], Iterable]


@dataclass
class DemoResult:
    root: Path
    year_report: Path
    counts: Counter = field(default_factory=Counter)
    grades: dict = field(default_factory=dict)
    candidates: list = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _prepare(root: Path) -> None:
    """A fresh folder; an earlier demo there is replaced, anything else is left alone."""
    if root.exists() and any(root.iterdir()):
        if not (root / ".engine" / MARKER).is_file():
            raise ActionRefused(f"文件夹「{root}」已存在且不是演示工作区，为避免覆盖，请换一个文件夹")
        shutil.rmtree(root)


def _write_office_files(workspace: Workspace, bureau: Bureau, seed: int) -> None:
    policy = workspace.policy()

    def entitlement(start) -> int:
        return policy.entitlement_days(full_years(start, policy.year))

    people = [(m.staff_id, m.name, m.section, m.category, m.start, "在岗" if m.in_post else "离岗",
               "是" if m.assessed else "否", "是" if m.ranked else "否") for m in bureau.members]
    sections = [(name, chief, leader) for name, chief, leader in bureau.sections]
    workspace.roster_path.unlink()
    write_roster_template(workspace.roster_path, people=people, sections=sections,
                          person_changes=bureau.person_changes,
                          duty_changes=bureau.duty_changes)
    workspace.ledger_path.unlink()
    write_ledger_template(workspace.ledger_path, policy.issuers,
                          rows=ledger_rows(bureau, seed, entitlement))


class Simulation:
    """The year, month by month, with the simulated people and the office."""

    def __init__(self, workspace: Workspace, bureau: Bureau, seed: int):
        self.workspace = workspace
        self.bureau = bureau
        self.members = {m.staff_id: m for m in bureau.members}
        self.rng = random.Random(seed + 2)
        self.counts: Counter = Counter()
        self.notes: list[str] = []
        self.held: list[Path] = []  # corrected resends that arrive with the next batch
        self.held_bad = False  # the monthly edition with a score written in words was sent
        self.weekly_forms = PreparedWeeklyForms()  # blank and filled weekly forms, patched

    def _ingest(self) -> None:
        settled = time.time() - self.workspace.policy().limits.settle_seconds - 60
        for path in self.workspace.inbox.rglob("*"):  # simulated files arrived a while ago,
            if path.is_file():  # they are not still being copied
                os.utime(path, (settled, settled))
        report = ingest(self.workspace)
        self.counts.update(report.counts)

    def weekly_returns(self, month: Month) -> list[Path]:
        returned = []
        for week in month.weeks():
            for target, form, person in weekly_plan(self.workspace, week):
                target.parent.mkdir(parents=True, exist_ok=True)
                self.weekly_forms.write(target, form)  # the forms step: what goes out
                member = self.members[person.staff_id]
                if month.month < member.joins or self.rng.random() < 0.02:
                    continue  # not yet on the staff, or simply not handed in this week
                values, log = staff.weekly_values(member, form.identity, form.working_days,
                                                  self.rng, week.sunday)
                filled = dataclasses.replace(form, values=values, log=log)
                back = self.workspace.inbox / str(week) / target.name
                back.parent.mkdir(parents=True, exist_ok=True)
                self.weekly_forms.write(back, filled)
                returned.append(back)
        return returned

    def add_mess(self, month: Month, returned: list[Path]) -> None:
        inbox = self.workspace.inbox
        pick = sorted(self.rng.sample(range(len(returned)), 6))
        chosen = [returned[i] for i in pick]
        if month.month == 2:
            mess.send_twice(chosen[0])
            mess.send_twice(chosen[1])
        if month.month == 4:
            made = mess.as_xls(chosen[:3])
            if not made:
                self.notes.append("本机未安装 LibreOffice，演示中跳过了 .xls 文件")
        if month.month == 5:
            mess.as_mail(chosen[:2], inbox / "来自股室的邮件.eml", "王干事 <wang@example.gov.cn>")
        if month.month == 6:
            mess.truncated_copy(chosen[0], inbox / "周考评表(下载不完整).xlsx")
            mess.text_as_workbook(inbox / "周考评表说明.xlsx")
        if month.month in (3, 8):
            keep = self.workspace.engine_dir / "demo-resend" / chosen[0].name
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(chosen[0], keep)
            self.held.append(keep)

    def resend_corrections(self) -> None:
        """Last month's corrected resends: a changed grade, so a newer version supersedes."""
        for kept in self.held:
            target = self.workspace.inbox / "更正" / kept.name
            target.parent.mkdir(parents=True, exist_ok=True)
            _correct_weekly(kept, target)
            kept.unlink()
        self.held.clear()

    def monthly_returns(self, month: Month) -> None:
        policy = self.workspace.policy()
        leader_max = [item.maximum for item in policy.leader_items]
        office_max = [item.maximum for item in policy.office_items]
        for target, form in monthly_plan(self.workspace, month):
            target.parent.mkdir(parents=True, exist_ok=True)
            build_monthly_form(target, form)  # the forms step
            if form.edition == LEADER_EDITION:
                rows = tuple(staff.leader_row(r, self.members.get(r.staff_id), month.month,
                                              leader_max, self.rng) for r in form.rows)
                sign = self.members[form.rater_id].name
            else:
                rows = tuple(staff.office_row(r, self.members.get(r.staff_id), month.month,
                                              office_max, self.rng) for r in form.rows)
                sign = "考核办刘敏"
            filled = dataclasses.replace(form, rows=rows, rater_sign=sign,
                                         rater_date=month.last_day)
            back = self.workspace.inbox / str(month) / target.name
            back.parent.mkdir(parents=True, exist_ok=True)
            if month.month == 7 and form.edition == LEADER_EDITION and not self.held_bad:
                bad_rows = (dataclasses.replace(rows[0], items=("九十五",) + rows[0].items[1:]),
                            *rows[1:])
                build_monthly_form(back.with_name("(第一次)" + back.name),
                                   dataclasses.replace(filled, rows=bad_rows))
                self.held_bad = True
            build_monthly_form(back, filled)

    def month(self, month: Month) -> None:
        returned = self.weekly_returns(month)
        self.resend_corrections()
        self.add_mess(month, returned)
        self._ingest()
        self.monthly_returns(month)
        self._ingest()
        write_month_report(self.workspace, month)
        if month.month % 3 == 0:
            write_quarter_report(self.workspace, month.quarter)


def _change_texts(bureau: Bureau) -> list[str]:
    names = {m.staff_id: m.name for m in bureau.members}
    texts = []
    for day, staff_id, name, kind, old, new, old_cat, new_cat, _note in bureau.person_changes:
        what = {"调岗": f"从{old}调岗到{new}", "职务变动": f"由{old_cat}任{new_cat}"}.get(kind, kind)
        texts.append(f"{day.month}月{day.day}日 {name}（{staff_id}）{what}")
    for day, section, old_chief, new_chief, old_leader, new_leader in bureau.duty_changes:
        if new_chief:
            texts.append(f"{day.month}月{day.day}日 {section}股室长由{names[old_chief]}"
                         f"改为{names[new_chief]}")
        if new_leader:
            texts.append(f"{day.month}月{day.day}日 {section}分管领导由{names[old_leader]}"
                         f"改为{names[new_leader]}")
    return texts


def _correct_weekly(source: Path, target: Path) -> None:
    """Change the 评定 grade in a returned weekly form, as the leader's correction would."""
    workbook = openpyxl.load_workbook(source)
    (sheet, ref), = list(workbook.defined_names["leader_grade"].destinations)
    cell = workbook[sheet][ref.replace("$", "")]
    cell.value = "优秀" if cell.value != "优秀" else "称职"
    (sheet, ref), = list(workbook.defined_names["leader_comment"].destinations)
    workbook[sheet][ref.replace("$", "")].value = "更正：等次调整"
    workbook.save(target)


def run_demo(root: Path, people: int = 60, seed: int = 2026, year: int = 2026,
             progress: Progress = lambda xs: xs) -> DemoResult:
    """Build and run the simulated year in `root`; returns where the year summary is."""
    started = time.perf_counter()
    root = root.expanduser().resolve()
    _prepare(root)
    init_workspace(root, year, UNIT, sample=False)
    (root / ".engine" / MARKER).write_text("演示工作区：再次运行 demo 会重建本文件夹。\n",
                                           encoding="utf-8")
    workspace = Workspace(root)
    bureau = make_bureau(year, people, seed)
    _write_office_files(workspace, bureau, seed)
    simulation = Simulation(workspace, bureau, seed)
    simulation.notes.append("年度中的变动（花名册「人员变动」「分工变动」）：" + "；".join(
        _change_texts(bureau)))
    for month in progress(list(Year(year).months())):
        simulation.month(month)
    # the year is computed once: its summary is taken before the report is written from it
    figures = year_figures(workspace, Year(year), POOL)
    annual = figures.result.annual
    grades = {g: int((annual["grade"] == g).sum()) for g in workspace.policy().grade_names}
    top = annual[annual["rank"].notna()].sort_values("rank").head(8)
    candidates = [(r["rank"], r["name"], r["section"], r["score"], r["candidate"])
                  for r in records(top)]
    output = write_year_report(workspace, Year(year), pool=POOL, figures=figures)
    return DemoResult(root, output.path, simulation.counts, grades, candidates,
                      time.perf_counter() - started, simulation.notes)
