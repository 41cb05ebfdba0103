"""The roster (花名册.xlsx): people, sections and who rates whom; loader and template writer.

The office keeps the roster in Excel (SPEC §4.1). `load_roster` reads it into a frozen
`Roster` and returns every problem it finds as an `Issue`, never raising on bad content:

    人员:  工号 | 姓名 | 股室   | 职务类别     | ...        股室:  股室   | 股室长工号 | 分管领导工号
           1002 | 李明 | 局领导 | 分管领导     |                   规划股 | 2101       | 1002
           2101 | 周强 | 规划股 | 股室长       |
           2102 | 吴敏 | 规划股 | 一般干部职工 |

    roster.initial_rater(吴敏) == 周强     roster.final_rater(吴敏) == 李明
    roster.final_rater(周强) == 李明       roster.final_rater(李明) == the 局长

`write_roster_template` writes the workbook a clerk fills in, with dropdowns and help.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from types import MappingProxyType

from workbook_engine.bureau_state import (
    DUTY_CHANGE_HEADERS,
    DUTY_CHANGES_SHEET,
    PERSON_CHANGE_HEADERS,
    PERSON_CHANGES_SHEET,
    History,
    check_changes,
)
from workbook_engine.issues import ERROR, WARNING, Issue, has_errors
from workbook_engine.office_templates import (
    TEMPLATE_ROWS,
    TemplateColumn,
    add_instructions_sheet,
    add_table_sheet,
    date_validation,
    list_validation,
    new_template,
    unique_validation,
)
from workbook_engine.roster_changes import (
    CHANGE_INSTRUCTIONS,
    duty_change_columns,
    person_change_columns,
    read_duty_changes,
    read_person_changes,
)
from workbook_engine.sheets import (  # noqa: F401 - re-exported for callers
    Row,
    Table,
    clean_staff_id,
    open_workbook,
    parse_date,
    read_table,
)
from workbook_engine.text import clean_name, clean_text

GENERAL_STAFF, SECTION_CHIEF, LEADER, DIRECTOR = "一般干部职工", "股室长", "分管领导", "局长"
CATEGORIES = (GENERAL_STAFF, SECTION_CHIEF, LEADER, DIRECTOR)
LEADERSHIP_SECTION = "局领导"
IN_POST, OFF_POST = "在岗", "离岗"
POST_STATES = (IN_POST, OFF_POST)
YES, NO = "是", "否"
YES_NO = (YES, NO)

PEOPLE_SHEET, SECTIONS_SHEET = "人员", "股室"
PEOPLE_HEADERS = (
    "工号",
    "姓名",
    "股室",
    "职务类别",
    "参加工作时间",
    "在岗状态",
    "参加考核",
    "参加排名",
)
SECTION_HEADERS = ("股室", "股室长工号", "分管领导工号")
EMAIL = "邮箱"  # optional column of 人员 (SPEC §4.1, read by mail/addresses.py)
ROSTER_FILE = "花名册.xlsx"

ID, NAME, SECTION, CATEGORY, START_DATE, POST, ASSESSED, RANKED = PEOPLE_HEADERS
SECTION_NAME, CHIEF_ID, LEADER_ID = SECTION_HEADERS


# ---------------------------------------------------------------------------------------
# The roster
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """One row of the 人员 sheet."""

    staff_id: str
    name: str
    section: str
    category: str
    start_date: dt.date | None
    in_post: bool
    assessed: bool
    ranked: bool
    row: int


@dataclass(frozen=True)
class Section:
    """One row of the 股室 sheet (`row` is None for a 局领导 section not listed there)."""

    name: str
    chief_id: str | None
    leader_id: str | None
    row: int | None


@dataclass(frozen=True)
class Roster:
    """People by 工号 and sections by name, both in workbook order, and the review chain."""

    people: Mapping[str, Person]
    sections: Mapping[str, Section]
    director_id: str | None
    file: str = ROSTER_FILE
    # the changes of the year (bureau_state.History); None for a roster without changes
    history: object = field(default=None, repr=False, compare=False)
    # 工号 → (初评人工号, 评定人工号) fixed for a period (a person's last day in post in it)
    raters: Mapping[str, tuple[str | None, str | None]] | None = field(
        default=None, repr=False, compare=False)
    _order: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "people", MappingProxyType(dict(self.people)))
        object.__setattr__(self, "sections", MappingProxyType(dict(self.sections)))
        order = {staff_id: n for n, staff_id in enumerate(self.people)}
        object.__setattr__(self, "_order", MappingProxyType(order))

    def __reduce__(self):
        """Picklable (a reader process started by spawn gets a copy); read-only again after.
        The year's changes and fixed raters go too: a reader checks each form against the
        bureau of its own period, as the parent would."""
        raters = dict(self.raters) if self.raters is not None else None
        return Roster, (dict(self.people), dict(self.sections), self.director_id, self.file,
                        self.history, raters)

    @classmethod
    def empty(cls, file: str = ROSTER_FILE) -> Roster:
        return cls(people={}, sections={}, director_id=None, file=file)

    def person(self, staff_id: object) -> Person | None:
        return self.people.get(clean_staff_id(staff_id))

    # The bureau over time (SPEC §4.1): every dated use asks one of these.

    def on(self, day: dt.date) -> Roster:
        """The bureau as it was on `day` (the roster itself when nothing changed)."""
        return self.history.state_on(day) if self.history else self

    def for_days(self, days: Sequence[dt.date]) -> Roster:
        """Everyone in post on any of `days`, with their 股室 and reviewers of the last one."""
        return self.history.state_for_days(days) if self.history else self

    def for_period(self, period) -> Roster:
        """The state of a week (its Thursday) or of a month, quarter or year (its working
        days; all its days when it has none)."""
        if hasattr(period, "thursday"):
            return self.on(period.thursday)
        return self.for_days(period.working_days() or period.days())

    def weeks_in_post(self, staff_id: str, weeks: Sequence) -> list:
        """The weeks (of `weeks`) whose Thursday finds the person in post and assessed."""
        if not self.history:
            return list(weeks)
        found = []
        for week in weeks:
            person = self.on(week.thursday).person(staff_id)
            if person is not None and person.in_post and person.assessed:
                found.append(week)
        return found

    def at_year_end(self, year: int) -> Roster:
        return self.on(dt.date(year, 12, 31))

    @property
    def changes(self) -> list:
        return list(self.history.changes) if self.history else []

    def find_by_name(self, name: object) -> list[Person]:
        wanted = clean_name(name)
        return [p for p in self.people.values() if wanted and p.name == wanted]

    def initial_rater(self, p: Person) -> Person | None:
        """The 股室长 who gives the weekly 初评; only 一般干部职工 have one."""
        if p.category != GENERAL_STAFF:
            return None
        if self.raters is not None and p.staff_id in self.raters:
            return self.person(self.raters[p.staff_id][0])
        section = self.sections.get(p.section)
        return self.person(section.chief_id) if section and section.chief_id else None

    def final_rater(self, p: Person) -> Person | None:
        """Who gives the 评定 and rates the monthly leader items."""
        if self.raters is not None and p.staff_id in self.raters:
            return self.person(self.raters[p.staff_id][1])
        if p.category in (GENERAL_STAFF, SECTION_CHIEF):
            section = self.sections.get(p.section)
            return self.person(section.leader_id) if section and section.leader_id else None
        if p.category == LEADER and self.director_id:
            return self.person(self.director_id)
        return None

    def needs_initial_rating(self, p: Person) -> bool:
        return p.category == GENERAL_STAFF

    def assessed(self) -> list[Person]:
        """People in post with 参加考核 = 是, in roster order."""
        return [p for p in self.people.values() if p.in_post and p.assessed]

    def rated_by(self, rater_id: object) -> list[Person]:
        rater_id = clean_staff_id(rater_id)
        return [p for p in self.assessed() if _staff_id(self.final_rater(p)) == rater_id]

    def final_raters(self) -> list[Person]:
        """The distinct final raters of the assessed people, in roster order."""
        raters = {r.staff_id: r for p in self.assessed() if (r := self.final_rater(p))}
        return sorted(raters.values(), key=lambda r: self._order[r.staff_id])

    def members(self, section: object) -> list[Person]:
        name = clean_name(section)
        return [p for p in self.assessed() if p.section == name]


def _staff_id(person: Person | None) -> str | None:
    return person.staff_id if person else None


# ---------------------------------------------------------------------------------------
# Loading the roster
# ---------------------------------------------------------------------------------------


def load_roster(path: str | PathLike, year: int | None = None) -> tuple[Roster, list[Issue]]:
    """Read 花名册.xlsx with its change sheets (dates checked against `year` when given);
    every problem comes back as an issue, all at once, sorted by place."""
    file = Path(path).name
    workbook, issues = open_workbook(path, "roster")
    if workbook is None:
        return Roster.empty(file), issues
    with workbook:  # releases the file, so Excel can save it while we run
        people_table, people_issues = read_table(
            workbook, file, PEOPLE_SHEET, PEOPLE_HEADERS, "roster"
        )
        section_table, section_issues = read_table(
            workbook, file, SECTIONS_SHEET, SECTION_HEADERS, "roster"
        )
        change_tables, change_issues = _change_tables(workbook, file)
    issues = people_issues + section_issues + change_issues
    if people_table is None or section_table is None:
        return Roster.empty(file), _sorted(issues)
    sections, found = _read_sections(section_table)
    issues += found
    people, found = _read_people(people_table)
    issues += found
    if not people:
        message = "「人员」表中没有人员，请从第 2 行起每人填写一行"
        issues.append(Issue("roster.empty", message, file, PEOPLE_SHEET, None))
    director_id, found = _find_director(people, file)
    issues += found
    if LEADERSHIP_SECTION not in sections:
        sections[LEADERSHIP_SECTION] = Section(LEADERSHIP_SECTION, None, None, None)
    roster = Roster(people, sections, director_id, file)
    issues += _check_sections(roster)
    issues += _check_people(roster)
    roster, found = _with_history(roster, change_tables, year)
    issues += found
    return roster, _sorted(issues)


def _change_tables(workbook, file: str) -> tuple[list, list[Issue]]:
    """The optional 人员变动 and 分工变动 tables (None for a sheet that is not there)."""
    tables, issues = [], []
    present = {clean_name(name) for name in workbook.sheet_names}
    for sheet, headers in ((PERSON_CHANGES_SHEET, PERSON_CHANGE_HEADERS),
                           (DUTY_CHANGES_SHEET, DUTY_CHANGE_HEADERS)):
        table, found = (read_table(workbook, file, sheet, headers, "roster")
                        if sheet in present else (None, []))
        tables.append(table)
        issues += found
    return tables, issues


def _with_history(roster: Roster, tables: list, year: int | None) -> tuple[Roster, list[Issue]]:
    """The roster carrying the changes that can be read; all change problems as issues."""
    person_table, duty_table = tables
    changes, issues = [], []
    for table, read in ((person_table, read_person_changes), (duty_table, read_duty_changes)):
        if table is not None:
            found_changes, found = read(table, roster, year)
            changes += found_changes
            issues += found
    if not changes:
        return roster, issues
    issues += check_changes(roster, changes, roster.file)
    if has_errors(issues):
        return roster, issues
    history = History(roster, changes)
    return dataclasses.replace(roster, history=history), issues


def _sorted(issues: list[Issue]) -> list[Issue]:
    """File-level issues first, then 人员, 股室, 人员变动, 分工变动, each by row (stable)."""
    rank = {"": 0, PEOPLE_SHEET: 1, SECTIONS_SHEET: 2, PERSON_CHANGES_SHEET: 3,
            DUTY_CHANGES_SHEET: 4}
    return sorted(issues, key=lambda i: (rank.get(i.sheet, 5), i.row or 0))


def _choice(row: Row, header: str, allowed: Sequence[str], default: str | None = None) -> str | None:
    """The cell as one of `allowed` (spaces ignored); blank gives `default`."""
    value = clean_name(row.raw(header))
    if value in allowed:
        return value
    listed = "、".join(allowed)
    if value == "" and default is not None:
        return default
    if value == "":
        row.issue("roster.blank_value", header, f"「{header}」不能为空，应填写：{listed}")
    else:
        row.issue("roster.bad_value", header, f"「{header}」填写了「{value}」，只能填写：{listed}")
    return None


def _read_sections(table: Table) -> tuple[dict[str, Section], list[Issue]]:
    sections: dict[str, Section] = {}
    issues: list[Issue] = []
    for row_number, cells in table.rows:
        row = Row(table, row_number, cells, issues)
        name = clean_name(row.raw(SECTION_NAME))
        if not name:
            row.issue("roster.blank_value", SECTION_NAME, "「股室」名称不能为空")
            continue
        if name in sections:
            earlier = sections[name].row
            message = f"股室「{name}」重复（第 {earlier} 行已填写）"
            row.issue("roster.duplicate_section", SECTION_NAME, message)
            continue
        chief_id = clean_staff_id(row.raw(CHIEF_ID)) or None
        leader_id = clean_staff_id(row.raw(LEADER_ID)) or None
        sections[name] = Section(name, chief_id, leader_id, row_number)
    return sections, issues


def _read_people(table: Table) -> tuple[dict[str, Person], list[Issue]]:
    people: dict[str, Person] = {}
    issues: list[Issue] = []
    for row_number, cells in table.rows:
        person = _read_person(Row(table, row_number, cells, issues), people)
        if person is not None:
            people[person.staff_id] = person
    return people, issues


def _read_person(row: Row, people: Mapping[str, Person]) -> Person | None:
    staff_id = clean_staff_id(row.raw(ID))
    name = clean_name(row.raw(NAME))
    if not staff_id:
        row.issue("roster.blank_id", ID, f"「工号」不能为空{f'（姓名：{name}）' if name else ''}")
    elif staff_id in people:
        message = f"工号「{staff_id}」重复（第 {people[staff_id].row} 行已使用）"
        row.issue("roster.duplicate_id", ID, message)
    if not name:
        row.issue("roster.blank_name", NAME, "「姓名」不能为空")
    category = _choice(row, CATEGORY, CATEGORIES)
    section = _person_section(row, category)
    start_date = _start_date(row)
    in_post = _choice(row, POST, POST_STATES) != OFF_POST
    assessed = _choice(row, ASSESSED, YES_NO, default=YES) != NO
    ranked = _choice(row, RANKED, YES_NO, default=YES) != NO
    if in_post and assessed and start_date is None and row.text(START_DATE) == "":
        message = "「参加工作时间」未填写，将无法计算应休年休假天数"
        row.issue("roster.blank_date", START_DATE, message, WARNING)
    if not staff_id or staff_id in people:
        return None
    return Person(
        staff_id=staff_id,
        name=name,
        section=section,
        category=category or clean_name(row.raw(CATEGORY)),
        start_date=start_date,
        in_post=in_post,
        assessed=assessed,
        ranked=ranked,
        row=row.number,
    )


def _person_section(row: Row, category: str | None) -> str:
    """The 股室; leaders in charge and the director may leave it blank (→ 局领导)."""
    section = clean_name(row.raw(SECTION))
    if section:
        return section
    if category in (LEADER, DIRECTOR):
        return LEADERSHIP_SECTION
    message = f"「股室」不能为空；局长和分管领导填「{LEADERSHIP_SECTION}」"
    row.issue("roster.blank_value", SECTION, message)
    return ""


def _start_date(row: Row) -> dt.date | None:
    raw = row.raw(START_DATE)
    if clean_text(raw) == "":
        return None
    start_date = parse_date(raw)
    if start_date is None:
        message = (
            f"「参加工作时间」填写了「{clean_text(raw)}」，不是有效的日期，请填写如 2005-07-01"
        )
        row.issue("roster.bad_date", START_DATE, message)
    return start_date


def _find_director(people: Mapping[str, Person], file: str) -> tuple[str | None, list[Issue]]:
    """The one 局长 in post; a second one is an error."""
    directors = [p for p in people.values() if p.category == DIRECTOR and p.in_post]
    issues = []
    for extra in directors[1:]:
        first = directors[0]
        message = f"只能有一位在岗的局长（第 {first.row} 行已有局长「{first.name}」）"
        issues.append(
            Issue("roster.multiple_directors", message, file, PEOPLE_SHEET, extra.row, CATEGORY)
        )
    return (directors[0].staff_id if directors else None), issues


# ---------------------------------------------------------------------------------------
# Checking the review chain
# ---------------------------------------------------------------------------------------


def _check_sections(roster: Roster) -> list[Issue]:
    """Each 股室 row names a chief and a leader in charge of the right 职务类别."""
    issues: list[Issue] = []
    for section in roster.sections.values():
        if section.row is None:
            continue
        issues += _check_rater(roster, section, CHIEF_ID, section.chief_id, SECTION_CHIEF)
        leader_category = (DIRECTOR if section.name == LEADERSHIP_SECTION and
                           _category_of(roster, section.leader_id) == DIRECTOR else LEADER)
        issues += _check_rater(roster, section, LEADER_ID, section.leader_id, leader_category)
        if section.leader_id is None and section.name != LEADERSHIP_SECTION:
            message = f"股室「{section.name}」未填写分管领导工号，无法确定评定人"
            issues.append(_section_issue(roster, section, "roster.no_leader", LEADER_ID, message))
    return issues


def _category_of(roster: Roster, staff_id: str | None) -> str | None:
    person = roster.person(staff_id) if staff_id else None
    return person.category if person else None


def _check_rater(
    roster: Roster, section: Section, header: str, staff_id: str | None, category: str
) -> list[Issue]:
    if staff_id is None:
        return []
    rater = roster.person(staff_id)
    if rater is None:
        message = f"{header}「{staff_id}」在「人员」表中不存在"
        return [_section_issue(roster, section, "roster.unknown_rater", header, message)]
    if rater.category not in CATEGORIES:
        return []  # its 职务类别 is already reported on the 人员 sheet
    if rater.category != category:
        message = f"{header}「{staff_id}」（{rater.name}）的职务类别是「{rater.category}」，应为「{category}」"
        return [_section_issue(roster, section, "roster.rater_category", header, message)]
    found = []
    if not rater.in_post:
        message = f"{category}「{rater.name}」（{staff_id}）在「人员」表中为离岗，无法评分"
        found.append(
            _section_issue(roster, section, "roster.rater_not_in_post", header, message, WARNING)
        )
    if category == SECTION_CHIEF and rater.section and rater.section != section.name:
        message = f"股室长「{rater.name}」（{staff_id}）在「人员」表中属于「{rater.section}」，不是「{section.name}」"
        found.append(
            _section_issue(roster, section, "roster.chief_section", header, message, WARNING)
        )
    return found


def _section_issue(
    roster: Roster, section: Section, code: str, header: str, message: str, severity: str = ERROR
) -> Issue:
    return Issue(code, message, roster.file, SECTIONS_SHEET, section.row, header, "", severity)


def _check_people(roster: Roster) -> list[Issue]:
    """Each person's 股室 exists, and every assessed person's reviewers can be determined."""
    issues: list[Issue] = []
    for person in roster.people.values():
        issues += _check_section_known(roster, person)
        if person.in_post and person.assessed and person.category in CATEGORIES:
            issues += _check_chain(roster, person)
    return issues


def _check_section_known(roster: Roster, person: Person) -> list[Issue]:
    if not person.section or person.section in roster.sections:
        return []
    if person.category in (LEADER, DIRECTOR):
        return []  # reported by _check_chain as a leadership member outside 局领导
    active = person.in_post and person.assessed
    message = f"股室「{person.section}」不在「股室」表中，请先在「股室」表中添加，或改正股室名称"
    severity = ERROR if active else WARNING
    return [_person_issue(roster, person, "roster.unknown_section", SECTION, message, severity)]


def _check_chain(roster: Roster, p: Person) -> list[Issue]:
    """Problems that leave an assessed person without a reviewer (or look like a slip)."""
    found: list[tuple[str, str, str, str]] = []  # (code, column, message, severity)
    section = roster.sections.get(p.section)
    if p.category in (GENERAL_STAFF, SECTION_CHIEF) and p.section == LEADERSHIP_SECTION:
        if section is None or section.leader_id is None:
            message = f"「{LEADERSHIP_SECTION}」只包括局长和分管领导；{p.category}请填写所在股室"
            found.append(("roster.no_leader", SECTION, message, ERROR))
    elif p.category == GENERAL_STAFF and section and section.chief_id is None:
        message = f"股室「{p.section}」未填写股室长工号，无法确定「{p.name}」的初评人"
        found.append(("roster.no_initial_rater", SECTION, message, ERROR))
    if p.category == SECTION_CHIEF and section and section.chief_id != p.staff_id:
        listed = f"填写的是「{section.chief_id}」" if section.chief_id else "未填写股室长工号"
        message = f"「{p.name}」的职务类别是股室长，但「股室」表中「{p.section}」{listed}"
        found.append(("roster.chief_not_listed", CATEGORY, message, WARNING))
    if p.category in (LEADER, DIRECTOR) and p.section != LEADERSHIP_SECTION:
        message = f"{p.category}应属于「{LEADERSHIP_SECTION}」，这里填写的是「{p.section}」"
        found.append(("roster.leader_section", SECTION, message, WARNING))
    if p.category == LEADER and roster.director_id is None:
        message = "分管领导由局长评定，但「人员」表中没有在岗的局长"
        found.append(("roster.no_director", CATEGORY, message, ERROR))
    if p.category == DIRECTOR:
        message = "局长没有评定人；如局长不参加量化考核，请将「参加考核」填为「否」"
        found.append(("roster.director_unrated", ASSESSED, message, WARNING))
    return [_person_issue(roster, p, *details) for details in found]


def _person_issue(
    roster: Roster, person: Person, code: str, header: str, message: str, severity: str = ERROR
) -> Issue:
    return Issue(code, message, roster.file, PEOPLE_SHEET, person.row, header, "", severity)


def write_roster_template(path: str | PathLike, sample: bool = True,
                          people: Sequence | None = None, sections: Sequence | None = None,
                          person_changes: Sequence = (), duty_changes: Sequence = (),
                          emails: Mapping[str, str] | None = None) -> None:
    """Write 花名册.xlsx for the office to fill in; with `sample`, a small example bureau;
    `people`/`sections` rows (in header order) replace the sample (the demo bureau),
    `person_changes`/`duty_changes` fill the change sheets, and `emails` (工号 → address)
    fill the optional 邮箱 column (always there, blank when not given)."""
    workbook = new_template(path)
    people_rows = people if people is not None else (_SAMPLE_PEOPLE if sample else ())
    section_rows = sections if sections is not None else (
        _SAMPLE_SECTIONS if sample else ((LEADERSHIP_SECTION, None, None),))
    columns = [*_people_columns(), TemplateColumn(
        EMAIL, 26, "text", "可不填；填写后可用 mail send 把表格发到此邮箱。")]  # SPEC §4.1, optional
    people_rows = [(*row, (emails or {}).get(str(row[0]), "")) for row in people_rows]
    add_table_sheet(workbook, PEOPLE_SHEET, columns, people_rows)
    add_table_sheet(workbook, SECTIONS_SHEET, _section_columns(), section_rows)
    add_table_sheet(workbook, PERSON_CHANGES_SHEET, person_change_columns(), person_changes)
    add_table_sheet(workbook, DUTY_CHANGES_SHEET, duty_change_columns(), duty_changes)
    add_instructions_sheet(workbook, "花名册填写说明", _ROSTER_INSTRUCTIONS + CHANGE_INSTRUCTIONS)
    workbook.close()


def _people_columns() -> list[TemplateColumn]:
    sections = f"='{SECTIONS_SHEET}'!$A$2:$A${TEMPLATE_ROWS + 1}"
    section_list = {**list_validation(()), "source": sections, "error_type": "warning"}
    section_list["error_message"] = "这个股室不在「股室」表中；请先在「股室」表中添加"
    return [
        TemplateColumn(ID, 10, "text", "必填，每人唯一，如 1001 或 A001。", unique_validation(0)),
        TemplateColumn(NAME, 10, "text", "必填。允许同名，同名的人靠工号区分。"),
        TemplateColumn(
            SECTION, 14, "text",
            f"从下拉列表选择「股室」表中的股室；局长和分管领导填「{LEADERSHIP_SECTION}」。",
            section_list,
        ),
        TemplateColumn(
            CATEGORY, 14, "text", "从下拉列表选择：" + "、".join(CATEGORIES) + "。",
            list_validation(CATEGORIES),
        ),
        TemplateColumn(
            START_DATE, 14, "date", "日期，如 2005-07-01。用于计算应休年休假天数。",
            date_validation(),
        ),
        TemplateColumn(
            POST, 10, "text", "在岗 或 离岗。离岗人员不参加考核。", list_validation(POST_STATES)
        ),
        TemplateColumn(ASSESSED, 10, "text", "是 或 否，空白视为「是」。", list_validation(YES_NO)),
        TemplateColumn(
            RANKED, 10, "text", "是 或 否，空白视为「是」。填「否」的人照常考核，但不参加年度排名。",
            list_validation(YES_NO),
        ),
    ]  # fmt: skip


def _section_columns() -> list[TemplateColumn]:
    return [
        TemplateColumn(SECTION_NAME, 16, "text", "股室名称，每个股室一行，不能重复。", unique_validation(0)),
        TemplateColumn(CHIEF_ID, 12, "text", "该股室股室长的工号（「人员」表中职务类别为股室长）。"),
        TemplateColumn(LEADER_ID, 14, "text", "分管该股室的领导的工号（「人员」表中职务类别为分管领导）。"),
    ]  # fmt: skip


_SAMPLE_PEOPLE = (
    ("1001", "王建国", LEADERSHIP_SECTION, DIRECTOR, dt.date(1990, 7, 1), IN_POST, NO, NO),
    ("1002", "李明", LEADERSHIP_SECTION, LEADER, dt.date(1996, 8, 1), IN_POST, YES, YES),
    ("1003", "赵红", LEADERSHIP_SECTION, LEADER, dt.date(1999, 9, 1), IN_POST, YES, YES),
    ("2001", "陈静", "办公室", SECTION_CHIEF, dt.date(2006, 7, 1), IN_POST, YES, YES),
    ("2002", "刘洋", "办公室", GENERAL_STAFF, dt.date(2012, 8, 1), IN_POST, YES, YES),
    ("2003", "张伟", "办公室", GENERAL_STAFF, dt.date(2018, 7, 1), IN_POST, YES, NO),
    ("2101", "周强", "规划股", SECTION_CHIEF, dt.date(2004, 7, 1), IN_POST, YES, YES),
    ("2102", "吴敏", "规划股", GENERAL_STAFF, dt.date(2010, 9, 1), IN_POST, YES, YES),
    ("2103", "郑磊", "规划股", GENERAL_STAFF, dt.date(2016, 7, 1), IN_POST, YES, YES),
    ("2104", "孙丽", "规划股", GENERAL_STAFF, dt.date(2008, 3, 1), OFF_POST, NO, NO),
    ("2201", "黄涛", "建管股", SECTION_CHIEF, dt.date(2002, 7, 1), IN_POST, YES, YES),
    ("2202", "林芳", "建管股", GENERAL_STAFF, dt.date(2014, 7, 1), IN_POST, YES, YES),
    ("2203", "张伟", "建管股", GENERAL_STAFF, dt.date(2023, 7, 1), IN_POST, YES, YES),
)

_SAMPLE_SECTIONS = (
    ("办公室", "2001", "1002"),
    ("规划股", "2101", "1002"),
    ("建管股", "2201", "1003"),
    (LEADERSHIP_SECTION, None, None),
)

_ROSTER_INSTRUCTIONS = (
    ("用途", "本表是量化考核的花名册，由考核办维护。周考评表、月考评表和汇总表都按本表生成。"),
    (
        "表头",
        "「人员」和「股室」两个工作表的第 1 行是表头，请不要修改表头文字。"
        "列的先后顺序可以调整，也可以在右侧增加备注等其他列。示例行请直接覆盖或删除。",
    ),
    ("工号", "每人一个，必填，不能重复。建议用文本，如 1001 或 A001。"),
    ("姓名", "必填。允许两人同名，同名的人靠工号区分。"),
    (
        "股室",
        "填写「股室」表中已有的股室名称。局长和分管领导填「局领导」"
        "（「股室」表中的「局领导」一行可以保留，也可以删除）。",
    ),
    ("职务类别", "只能填写：一般干部职工、股室长、分管领导、局长。在岗的局长只能有一位。"),
    (
        "参加工作时间",
        "填写日期，如 2005-07-01（也可写成 2005/7/1、2005年7月1日）。"
        "用于计算应休年休假天数；暂时不清楚可以空着，但会收到提示。",
    ),
    ("在岗状态", "只能填写：在岗、离岗。离岗人员不参加考核。"),
    ("参加考核", "只能填写：是、否；空白视为「是」。局长一般不参加量化考核，请填「否」。"),
    (
        "参加排名",
        "只能填写：是、否；空白视为「是」。填「否」的人照常考核，但不参加年度排名和优秀预备人选。",
    ),
    (
        "邮箱",
        "可不填。填写本人的电子邮箱（如 zhangsan@example.gov.cn）后，可用 mail send 把表格"
        "发到此邮箱、用 mail remind 提醒；不用邮件收发的单位可以留空或删除这一列。",
    ),
    (
        "「股室」表",
        "每个股室一行。「股室长工号」填该股室股室长的工号（其职务类别须为股室长）；"
        "「分管领导工号」填分管该股室的领导的工号（其职务类别须为分管领导），必填。",
    ),
    (
        "考评关系",
        "一般干部职工：股室长初评，分管领导评定；股室长：分管领导评定；"
        "分管领导：局长评定。月考评表的领导评分由同一位评定人打分。",
    ),
    (
        "检查",
        "保存后，考核程序会一次列出所有问题（哪个工作表、第几行、哪一列、错在哪里），改正后再运行即可。",
    ),
)
