"""Generate the prefilled forms of a week or a month into `outbox/`, one file per recipient.

outbox/2026-W10/办公室/2026-W10_周考评表_A001_张三.xlsx
outbox/2026-03/2026-03_月考评表_领导评分_L01_王五.xlsx
outbox/2026-03/2026-03_月考评表_考核办评分.xlsx
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workbook_engine import store
from workbook_engine.filenames import safe_part
from workbook_engine.forms import layout
from workbook_engine.forms.monthly import MonthlyForm, MonthlyRow, ScoreColumn, build_monthly_form
from workbook_engine.forms.prepared import PreparedWeeklyForms
from workbook_engine.forms.weekly import WeeklyForm, WeeklyIdentity, build_weekly_form
from workbook_engine.periods import Month, Week
from workbook_engine.policy import Policy, ScoreItem
from workbook_engine.roster import Person, Roster
from workbook_engine.workspace import Workspace

Progress = Callable[[Iterable], Iterable]


@dataclass
class FormsResult:
    """Files written, counted by the folder they went to."""

    folder: Path
    files: list[Path] = field(default_factory=list)
    by_folder: Counter = field(default_factory=Counter)

    def add(self, path: Path) -> None:
        self.files.append(path)
        self.by_folder[str(path.parent.relative_to(self.folder.parent))] += 1


def _no_progress(items: Iterable) -> Iterable:
    return items


def weekly_identity(roster: Roster, person: Person) -> WeeklyIdentity:
    """Who fills, who gives the 初评 and who the 评定 for one person."""
    chief = roster.initial_rater(person) if roster.needs_initial_rating(person) else None
    final = roster.final_rater(person)
    return WeeklyIdentity(
        staff_id=person.staff_id,
        staff_name=person.name,
        section=person.section,
        category=person.category,
        chief_name=chief.name if chief else "",
        final_rater_name=final.name if final else "",
        final_rater_title=final.category if final else "分管领导",
    )


def weekly_plan(workspace: Workspace, week: Week) -> list[tuple[Path, WeeklyForm, Person]]:
    """Target path, form and person of every weekly form of the week (nothing written)."""
    inputs = workspace.inputs()
    policy, roster = inputs.policy, inputs.roster.for_period(week)  # the bureau on its Thursday
    folder = workspace.outbox / str(week)
    days = tuple(week.working_days())
    plan = []
    for person in roster.assessed():
        form = WeeklyForm(
            unit=policy.unit_name, year=policy.year, grades=policy.grade_names,
            identity=weekly_identity(roster, person), period=str(week),
            period_label=week.label, working_days=days,
        )
        target = folder / safe_part(person.section) / (
            f"{week}_周考评表_{safe_part(person.staff_id)}_{safe_part(person.name)}.xlsx"
        )
        plan.append((target, form, person))
    return plan


class _Written:
    """Targets as they are written (each shape built once, the copies patched), with a length."""

    def __init__(self, jobs: list[tuple[Path, WeeklyForm]]):
        self.jobs = jobs

    def __len__(self) -> int:
        return len(self.jobs)

    def __iter__(self):
        forms = PreparedWeeklyForms()
        folders: set[Path] = set()
        for target, form in self.jobs:
            if target.parent not in folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                folders.add(target.parent)
            forms.write(target, form)
            yield target


def generate_weekly_forms(workspace: Workspace, week: Week,
                          progress: Progress = _no_progress) -> FormsResult:
    """One prefilled weekly form per assessed, in-post person."""
    result = FormsResult(folder=workspace.outbox / str(week))
    jobs = [(target, form) for target, form, _person in weekly_plan(workspace, week)]
    for target in progress(_Written(jobs)):
        result.add(target)
    return result


def weekly_summary(grades: list[tuple[str, str] | None], grade_names: tuple[str, ...]) -> str:
    """`优秀2 称职1 未交1` from each week's (初评, 评定) pair, None for a week not handed in."""
    counts: Counter = Counter()
    for pair in grades:
        if pair is None:
            counts[layout.NOT_SUBMITTED] += 1
        elif pair[1]:
            counts[pair[1]] += 1
        else:
            counts[layout.AWAITING_FINAL] += 1
    order = (*grade_names, layout.AWAITING_FINAL, layout.NOT_SUBMITTED)
    return " ".join(f"{name}{counts[name]}" for name in order if counts[name])


def _columns(items: tuple[ScoreItem, ...]) -> tuple[ScoreColumn, ...]:
    return tuple(ScoreColumn(item.header, item.maximum) for item in items)


def monthly_plan(workspace: Workspace, month: Month) -> list[tuple[Path, MonthlyForm]]:
    """Target path and form of every monthly edition of the month (nothing written)."""
    inputs = workspace.inputs()
    policy, roster = inputs.policy, inputs.roster.for_period(month)  # in post on any working day
    weeks = [str(week) for week in month.weeks()]
    with workspace.connect() as conn:
        stored = store.weekly_grades(conn, weeks)
    folder = workspace.outbox / str(month)

    def row(person: Person) -> MonthlyRow:
        in_post = [str(w) for w in roster.weeks_in_post(person.staff_id, month.weeks())]
        summary = weekly_summary([stored.get((person.staff_id, w)) for w in in_post],
                                 policy.grade_names)
        return MonthlyRow(person.staff_id, person.name, person.section, summary)

    common = dict(unit=policy.unit_name, year=policy.year, max_deduction=policy.max_deduction,
                  grades=policy.grade_names, period=str(month), period_label=month.label)
    plan = []
    for rater in roster.final_raters():
        form = MonthlyForm(edition=layout.LEADER_EDITION, items=_columns(policy.leader_items),
                           rows=tuple(row(p) for p in roster.rated_by(rater.staff_id)),
                           rater_id=rater.staff_id, rater_label=f"{rater.name}（{rater.category}）",
                           **common)
        target = folder / (f"{month}_月考评表_领导评分_{safe_part(rater.staff_id)}_"
                           f"{safe_part(rater.name)}.xlsx")
        plan.append((target, form))
    office = MonthlyForm(edition=layout.OFFICE_EDITION, items=_columns(policy.office_items),
                         rows=tuple(MonthlyRow(p.staff_id, p.name, p.section)
                                    for p in roster.assessed()),
                         rater_label="考核办", **common)
    plan.append((folder / f"{month}_月考评表_考核办评分.xlsx", office))
    return plan


def generate_monthly_forms(workspace: Workspace, month: Month,
                           progress: Progress = _no_progress) -> FormsResult:
    """One leader edition per final rater and one office edition."""
    result = FormsResult(folder=workspace.outbox / str(month))
    result.folder.mkdir(parents=True, exist_ok=True)
    for target, form in progress(monthly_plan(workspace, month)):
        build_monthly_form(target, form)
        result.add(target)
    return result


def build_templates(policy: Policy, folder: Path) -> list[Path]:
    """The blank templates committed under templates/ (a test checks they are current)."""
    folder.mkdir(parents=True, exist_ok=True)
    weekly = folder / "weekly_form.xlsx"
    build_weekly_form(
        weekly, WeeklyForm(unit=policy.unit_name, year=policy.year, grades=policy.grade_names)
    )
    paths = [weekly]
    for edition, items, name in (
        (layout.LEADER_EDITION, policy.leader_items, "monthly_form.xlsx"),
        (layout.OFFICE_EDITION, policy.office_items, "monthly_form_office.xlsx"),
    ):
        target = folder / name
        build_monthly_form(
            target,
            MonthlyForm(
                unit=policy.unit_name,
                year=policy.year,
                edition=edition,
                items=_columns(items),
                max_deduction=policy.max_deduction,
                grades=policy.grade_names,
            ),
        )
        paths.append(target)
    return paths
