"""The bonus/deduction ledger (加减分台账.xlsx) → frames of documents, activities and leave.

The office keeps the ledger in Excel (SPEC §4.4). `load_ledger` reads its three sheets through
the header constants of `ledger_template`, resolves people and sections against the roster,
and returns every row it cannot read as an `Issue`: it never raises on bad content and never
skips a row silently (only completely blank rows go unremarked).

    表扬批评:  日期     | 类别 | 发文机关   | 文号              | 范围 | 对象           | 事由
               2026/3/5 | 表扬 | 县委县政府 | 县委发〔2026〕8号 | 集体 | 办公室、规划股 |
    → documents: date 2026-03-05, points 5, staff_id "", sections ("办公室", "规划股")

    休假:  工号 | 姓名 | 应休年休假天数 | 已休年休假天数 | 事假天数
                | 周一 |                | ５天           | 五天
    → issue 「事假天数」填写了「五天」，不是数字…; the row is left out of `leave`
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from os import PathLike
from pathlib import Path

import pandas as pd

from workbook_engine.issues import Issue
from workbook_engine.ledger_template import (
    ACTIVITY_HEADERS,
    ACTIVITY_SHEET,
    COLLECTIVE,
    INDIVIDUAL,
    KINDS,
    LEAVE_HEADERS,
    LEAVE_SHEET,
    LEDGER_FILE,
    PRAISE_HEADERS,
    PRAISE_SHEET,
    SCOPES,
    TARGET_SEPARATORS,
)
from workbook_engine.policy import Policy
from workbook_engine.roster import LEADERSHIP_SECTION, Person, Roster
from workbook_engine.sheets import Row, Table, clean_staff_id, open_workbook, parse_date, read_table
from workbook_engine.text import clean_name, clean_text, parse_number, plain

DOCUMENT_COLUMNS = (
    "source_row", "date", "kind", "issuer", "points", "doc_no", "scope", "staff_id", "sections",
    "reason",
)  # fmt: skip
ACTIVITY_COLUMNS = ("source_row", "date", "name", "organizer", "staff_id")
LEAVE_COLUMNS = ("source_row", "staff_id", "entitled_days", "annual_taken", "private_days")

DATE, KIND, ISSUER, DOC_NO, SCOPE, TARGET, REASON = PRAISE_HEADERS
_, ACTIVITY_NAME, ORGANIZER, STAFF_ID, NAME = ACTIVITY_HEADERS
_, _, ENTITLED, ANNUAL_TAKEN, PRIVATE = LEAVE_HEADERS

_SEPARATOR = re.compile("[" + "".join(TARGET_SEPARATORS) + "]")
_ISSUER_MARKS = re.compile(r"[、,，;；/／·]")
_YEAR_BRACKETS = re.compile(r"[\[【〔(（［]\s*(\d{4})\s*[\]】〕)）］]")


@dataclass(frozen=True, eq=False)
class Ledger:
    """The ledger's readable rows, one frame per sheet, in ledger row order.

    Decimal columns hold `decimal.Decimal` (object dtype); `source_row` is the Excel row.
    """

    documents: pd.DataFrame  # DOCUMENT_COLUMNS
    activities: pd.DataFrame  # ACTIVITY_COLUMNS
    leave: pd.DataFrame  # LEAVE_COLUMNS
    file: str = LEDGER_FILE


def empty_ledger(file: str = LEDGER_FILE) -> Ledger:
    """A ledger without rows (e.g. when the file cannot be read)."""
    return Ledger(
        _frame([], DOCUMENT_COLUMNS), _frame([], ACTIVITY_COLUMNS), _frame([], LEAVE_COLUMNS), file
    )


def _frame(records: list[dict], columns: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=list(columns), dtype=object)
    return frame.astype({"source_row": "int64"})


# ---------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------


def load_ledger(path: str | PathLike, roster: Roster, policy: Policy) -> tuple[Ledger, list[Issue]]:
    """Read 加减分台账.xlsx; every problem comes back as an issue, all at once, sheet by sheet."""
    file = Path(path).name
    workbook, issues = open_workbook(path, "ledger")
    issues = [_renamed(issue) for issue in issues]
    if workbook is None:
        return empty_ledger(file), issues
    sheets = (
        (PRAISE_SHEET, PRAISE_HEADERS, DOCUMENT_COLUMNS, _DocumentReader),
        (ACTIVITY_SHEET, ACTIVITY_HEADERS, ACTIVITY_COLUMNS, _ActivityReader),
        (LEAVE_SHEET, LEAVE_HEADERS, LEAVE_COLUMNS, _LeaveReader),
    )
    tables = []
    with workbook:  # releases the file, so Excel can save it while we run
        for sheet, headers, _columns, _reader in sheets:
            table, found = read_table(workbook, file, sheet, headers, "ledger")
            tables.append(table)
            issues += found
    frames = []
    for table, (_sheet, _headers, columns, reader) in zip(tables, sheets):
        records, found = _read_rows(table, reader(roster, policy)) if table else ([], [])
        frames.append(_frame(records, columns))
        issues += found
    return Ledger(*frames, file=file), issues


def _renamed(issue: Issue) -> Issue:
    """The shared opener says `file_not_found`; the ledger's code is `file_missing`."""
    if issue.code == "ledger.file_not_found":
        return dataclasses.replace(issue, code="ledger.file_missing")
    return issue


def _read_rows(table: Table, read: Callable[[Row], dict | None]) -> tuple[list[dict], list[Issue]]:
    records: list[dict] = []
    issues: list[Issue] = []
    for number, cells in table.rows:
        row = Row(table, number, cells, prefix="ledger.")
        record = read(row)
        issues += row.issues
        if record is not None:
            records.append(record)
    return records, issues


# ---------------------------------------------------------------------------------------
# The three sheets
# ---------------------------------------------------------------------------------------


class _DocumentReader:
    """表扬批评: one official document about one person or one or more sections."""

    def __init__(self, roster: Roster, policy: Policy):
        self.roster, self.policy = roster, policy
        self.seen: dict[tuple[str, str, str], int] = {}  # (文号, scope, target) → first row

    def __call__(self, row: Row) -> dict | None:
        day = _date(row, self.policy.year)
        kind = _choice(row, KIND, KINDS)
        issuer = _issuer(row, ISSUER, self.policy.issuers)
        doc_no = _doc_no(row)
        scope = _choice(row, SCOPE, SCOPES)
        staff_id, sections = _target(row, self.roster, scope)
        if not row.ok:
            return None
        if scope == INDIVIDUAL and not _in_post_then(row, self.roster, staff_id, day, TARGET):
            return None
        self._check_repeat(row, doc_no, scope, [staff_id] if scope == INDIVIDUAL else sections)
        return {
            "source_row": row.number, "date": day, "kind": kind, "issuer": issuer,
            "points": self.policy.issuer_points_of(issuer), "doc_no": doc_no, "scope": scope,
            "staff_id": staff_id, "sections": sections, "reason": row.text(REASON),
        }  # fmt: skip

    def _check_repeat(self, row: Row, doc_no: str, scope: str, targets: Sequence[str]) -> None:
        """The same 文号 for the same 对象 twice is a warning (scoring counts it once)."""
        repeated = [
            (t, self.seen[(doc_no, scope, t)]) for t in targets if (doc_no, scope, t) in self.seen
        ]
        for target in targets:
            self.seen.setdefault((doc_no, scope, target), row.number)
        if repeated:
            shown = "、".join(f"「{self._label(t)}」（第 {n} 行）" for t, n in repeated)
            message = (
                f"文号「{doc_no}」对{shown}已经登记过；同一文件对同一人只计一次分，"
                "请确认是否重复登记"
            )
            row.warn("duplicate_document", DOC_NO, message)

    def _label(self, target: str) -> str:
        person = self.roster.person(target)
        return f"{person.name}（{person.staff_id}）" if person else target


class _ActivityReader:
    """活动: one participant of one county-or-higher activity a row."""

    def __init__(self, roster: Roster, policy: Policy):
        self.roster, self.policy = roster, policy
        self.seen: dict[tuple[dt.date, str, str], int] = {}  # (日期, 活动名称, 工号) → first row

    def __call__(self, row: Row) -> dict | None:
        day = _date(row, self.policy.year)
        name = _required(row, ACTIVITY_NAME, "「活动名称」不能为空")
        hint = "只有县级及以上单位组织的活动才计分"
        organizer = _issuer(row, ORGANIZER, self.policy.issuers, hint)
        person = _person(row, self.roster)
        if not row.ok or person is None:
            return None
        if not _in_post_then(row, self.roster, person.staff_id, day, _person_column(row)):
            return None
        key = (day, clean_name(name), person.staff_id)
        if key in self.seen:
            message = (
                f"「{person.name}」（{person.staff_id}）参加 {day.isoformat()}「{name}」"
                f"已在第 {self.seen[key]} 行登记过，本行不再计分"
            )
            row.warn("duplicate_participant", _person_column(row), message)
            return None
        self.seen[key] = row.number
        return {
            "source_row": row.number, "date": day, "name": name, "organizer": organizer,
            "staff_id": person.staff_id,
        }  # fmt: skip


class _LeaveReader:
    """休假: one person a row, with their leave days of the year."""

    def __init__(self, roster: Roster, policy: Policy):
        self.roster = roster
        self.seen: dict[str, int] = {}  # 工号 → first row

    def __call__(self, row: Row) -> dict | None:
        person = _person(row, self.roster)
        if person is not None and person.staff_id in self.seen:
            message = (
                f"「{person.name}」（{person.staff_id}）已在第 {self.seen[person.staff_id]} 行"
                "登记过休假，每人只能登记一行，请合并成一行"
            )
            row.issue("duplicate_person", _person_column(row), message)
        elif person is not None:
            self.seen[person.staff_id] = row.number
        entitled = _days(row, ENTITLED, blank=None)
        annual_taken = _days(row, ANNUAL_TAKEN, blank=Decimal(0))
        private_days = _days(row, PRIVATE, blank=Decimal(0))
        if not row.ok or person is None:
            return None
        return {
            "source_row": row.number, "staff_id": person.staff_id, "entitled_days": entitled,
            "annual_taken": annual_taken, "private_days": private_days,
        }  # fmt: skip


# ---------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------


def _date(row: Row, year: int) -> dt.date | None:
    """A required date inside the assessment year."""
    raw = row.raw(DATE)
    text = clean_text(raw)
    if not text:
        row.issue("missing_value", DATE, f"「{DATE}」不能为空，请填写如 {year}-03-15")
        return None
    day = parse_date(raw)
    if day is None:
        message = f"「{DATE}」填写了「{text}」，不是有效的日期，请填写如 {year}-03-15"
        row.issue("bad_date", DATE, message)
    elif day.year != year:
        message = f"日期不在考核年度 {year} 年内（填写的是 {day.isoformat()}）"
        row.issue("outside_year", DATE, message)
    return day


def _choice(row: Row, header: str, allowed: Sequence[str], hint: str = "") -> str | None:
    """The cell as one of `allowed` (spaces ignored); the message lists them."""
    value = clean_name(row.raw(header))
    if value in allowed:
        return value
    listed = "、".join(allowed)
    hint = f"（{hint}）" if hint else ""
    if value:
        message = f"「{header}」填写了「{value}」，只能填写：{listed}{hint}"
        row.issue("bad_value", header, message)
    else:
        row.issue("missing_value", header, f"「{header}」不能为空，应填写：{listed}{hint}")
    return None


def _issuer_key(text: object) -> str:
    """`县委、县政府`, `县委 县政府`, `县委,县政府` and `县委县政府` are one body."""
    return _ISSUER_MARKS.sub("", clean_name(text))


def _issuer(row: Row, header: str, allowed: Sequence[str], hint: str = "") -> str | None:
    """A 发文机关/组织单位 in any of its usual spellings, as the policy names it."""
    key = _issuer_key(row.raw(header))
    spelled = {_issuer_key(name): name for name in allowed}
    if key and key in spelled:
        return spelled[key]
    return _choice(row, header, allowed, hint)


def _required(row: Row, header: str, message: str) -> str:
    value = row.text(header)
    if not value:
        row.issue("missing_value", header, message)
    return value


def _doc_no(row: Row) -> str:
    """The 文号 without spaces, its year bracket written 〔2026〕 whatever bracket was typed."""
    message = "「文号」不能为空：只有正式文件的表扬、批评才计分"
    return _YEAR_BRACKETS.sub(r"〔\1〕", clean_name(_required(row, DOC_NO, message)))


def _days(row: Row, header: str, blank: Decimal | None) -> Decimal | None:
    """A number of days ≥ 0; `blank` when the cell is empty."""
    raw = row.raw(header)
    text = clean_text(raw)
    if not text:
        return blank
    number = parse_number(raw)
    if number is None:
        message = f"「{header}」填写了「{text}」，不是数字；请填写阿拉伯数字，如 5 或 2.5"
        row.issue("not_a_number", header, message)
        return None
    if number < 0:
        row.issue("negative", header, f"「{header}」不能为负数（现为 {text}）")
        return None
    return plain(number)




# ---------------------------------------------------------------------------------------
# People and sections
# ---------------------------------------------------------------------------------------


def _target(row: Row, roster: Roster, scope: str | None) -> tuple[str, tuple[str, ...]]:
    """对象: (工号, ()) for 个人, ("", 股室 names) for 集体; blanks when it cannot be read."""
    raw = row.raw(TARGET)
    if not clean_text(raw):
        message = "「对象」不能为空：个人填工号或姓名，集体填股室名称"
        row.issue("missing_value", TARGET, message)
        return "", ()
    if scope == INDIVIDUAL:
        person = _individual(row, roster, raw)
        return (person.staff_id if person else ""), ()
    if scope == COLLECTIVE:
        return "", _collective(row, roster, clean_text(raw))
    return "", ()  # the 范围 is already reported


def _individual(row: Row, roster: Roster, raw: object) -> Person | None:
    person = roster.person(raw)
    if person is not None:
        return person
    name = clean_name(raw)
    unknown = f"「对象」填写的「{name}」不是花名册中的工号或姓名"
    if name in _sections(roster):
        unknown += "；它是股室名称，如果对象是股室，请将「范围」改为「集体」"
    return _person_by_name(row, roster, TARGET, name, unknown)


def _person(row: Row, roster: Roster) -> Person | None:
    """The person named by 工号 and/or 姓名: the 工号 wins, and both must agree."""
    staff_id = clean_staff_id(row.raw(STAFF_ID))
    name = clean_name(row.raw(NAME))
    if not staff_id and not name:
        message = "「工号」和「姓名」不能都为空，请填写工号（或不重名的姓名）"
        row.issue("missing_value", STAFF_ID, message)
        return None
    if not staff_id:
        unknown = f"「{name}」不在花名册中，请核对姓名或改填工号"
        return _person_by_name(row, roster, NAME, name, unknown)
    person = roster.person(staff_id)
    if person is None:
        hint = _id_hint(roster, name)
        row.issue("unknown_person", STAFF_ID, f"工号「{staff_id}」不在花名册中{hint}")
    elif name and name != person.name:
        message = f"工号「{staff_id}」在花名册中是「{person.name}」，与姓名「{name}」不一致，请核对"
        row.issue("person_mismatch", NAME, message)
        return None
    return person


def _in_post_then(row: Row, roster: Roster, staff_id: str, day: dt.date, header: str) -> bool:
    """A row about someone not in post on its date is a data problem and counts for nobody."""
    then = roster.on(day).person(staff_id)
    if then is not None and then.in_post:
        return True
    name = then.name if then else staff_id
    message = (f"「{name}」（{staff_id}）在 {day.isoformat()} 不在岗（花名册为离岗，或见「人员变动」表），"
               "本行不计分；请核对日期或对象")
    row.warn("not_in_post", header, message)
    return False


def _person_column(row: Row) -> str:
    return STAFF_ID if clean_staff_id(row.raw(STAFF_ID)) else NAME


def _id_hint(roster: Roster, name: str) -> str:
    ids = "、".join(p.staff_id for p in roster.find_by_name(name))
    return f"（花名册中「{name}」的工号是 {ids}）" if ids else ""


def _person_by_name(
    row: Row, roster: Roster, header: str, name: str, unknown: str
) -> Person | None:
    """The one person of that name; none or several is an error."""
    found = roster.find_by_name(name)
    if len(found) == 1:
        return found[0]
    if not found:
        row.issue("unknown_person", header, unknown)
        return None
    ids = "、".join(p.staff_id for p in found)
    message = f"花名册中有 {len(found)} 人叫「{name}」（工号 {ids}），请改填工号"
    row.issue("ambiguous_name", header, message)
    return None


def _sections(roster: Roster) -> list[str]:
    """The 股室 a collective document may name (局领导 is not one)."""
    return [name for name in roster.sections if name != LEADERSHIP_SECTION]


def _collective(row: Row, roster: Roster, text: str) -> tuple[str, ...]:
    """One or more 股室 names separated by 、 or , (spaces tolerated), each in the roster."""
    known = _sections(roster)
    names = _section_names(text, known)
    unknown = [name for name in names if name not in known]
    if unknown:
        shown = "、".join(f"「{name}」" for name in unknown)
        message = f"「对象」中的{shown}不是花名册「股室」表中的股室（可填写：{'、'.join(known)}）"
        if LEADERSHIP_SECTION in unknown:
            message += (
                f"；「{LEADERSHIP_SECTION}」不能作为集体对象，领导个人请将「范围」选为「个人」"
            )
        elif any(roster.person(name) or roster.find_by_name(name) for name in unknown):
            message += "；如果对象是个人，请将「范围」改为「个人」"
        row.issue("unknown_section", TARGET, message)
    if not names:
        row.issue("missing_value", TARGET, "「对象」没有填写股室名称")
    return tuple(names)


def _section_names(text: str, known: Sequence[str]) -> list[str]:
    """`办公室、规划股` → [办公室, 规划股]; `办公室 规划股` too, but `规 划股` → [规划股]."""
    names = []
    for part in _SEPARATOR.split(text):
        joined, words = clean_name(part), part.split()
        if joined not in known and len(words) > 1 and all(word in known for word in words):
            names += words
        elif joined:
            names.append(joined)
    return list(dict.fromkeys(names))
