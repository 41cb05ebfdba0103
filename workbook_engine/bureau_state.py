"""The bureau's state on any day: the roster as it is now with the later changes undone.

SPEC §4.1 「The roster over time」. `人员`/`股室` describe the bureau now; `人员变动` and
`分工变动` list what changed during the year. The state on a day undoes every change dated
after it (新 back to 原):

    人员: 2102 吴敏 建管股          人员变动: 2026-06-01 2102 调岗 原股室 规划股 新股室 建管股
    state_on(2026-05-29): 吴敏 in 规划股        state_on(2026-06-01): 吴敏 in 建管股

    人员: 3001 何新 在岗            人员变动: 2026-05-01 3001 调入
    state_on(2026-04-30): 何新 not in post      state_on(2026-05-01): 何新 in post

`state_for_days` is the state of a period (a month, a quarter, the year): everyone in post on
any of its working days, each with the 股室, 职务类别 and reviewers of the last such day.
`check_changes` replays the changes from the start of the year and reports every change that
does not fit what the person or 股室 was then. Pure functions: no file access.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from workbook_engine.issues import Issue

JOIN, EXIT, LEAVE, RETURN, TRANSFER, ROLE = "调入", "调出", "离岗", "返岗", "调岗", "职务变动"
PERSON_CHANGE_KINDS = (JOIN, EXIT, LEAVE, RETURN, TRANSFER, ROLE)
PERSON_CHANGES_SHEET, DUTY_CHANGES_SHEET = "人员变动", "分工变动"
PERSON_CHANGE_HEADERS = ("日期", "工号", "姓名", "变动", "原股室", "新股室", "原职务类别",
                         "新职务类别", "说明")
DUTY_CHANGE_HEADERS = ("日期", "股室", "原股室长工号", "新股室长工号", "原分管领导工号",
                       "新分管领导工号")
(DATE, STAFF_ID, NAME, KIND, OLD_SECTION, NEW_SECTION, OLD_CATEGORY, NEW_CATEGORY,
 NOTE) = PERSON_CHANGE_HEADERS
_, SECTION, OLD_CHIEF, NEW_CHIEF, OLD_LEADER, NEW_LEADER = DUTY_CHANGE_HEADERS


@dataclass(frozen=True)
class PersonChange:
    """One row of 人员变动 (None: the cell was blank, i.e. unchanged)."""

    day: dt.date
    staff_id: str
    kind: str
    old_section: str | None
    new_section: str | None
    old_category: str | None
    new_category: str | None
    row: int

    @property
    def moves_section(self) -> bool:
        return self.kind == TRANSFER or (self.kind == ROLE and bool(self.old_section)
                                         and bool(self.new_section))


@dataclass(frozen=True)
class DutyChange:
    """One row of 分工变动: a pair is None when both its cells were blank (unchanged);
    inside a filled pair "" means nobody."""

    day: dt.date
    section: str
    chief: tuple[str, str] | None  # (原, 新)
    leader: tuple[str, str] | None
    row: int


Change = PersonChange | DutyChange


def _order(change: Change) -> tuple:
    """Date order; on one day people change before duties (a new chief is appointed first)."""
    return (change.day, isinstance(change, DutyChange), change.row)


# ---------------------------------------------------------------------------------------
# Working state: plain dicts, undone and replayed
# ---------------------------------------------------------------------------------------


@dataclass
class _State:
    post: dict[str, bool]
    section: dict[str, str]
    category: dict[str, str]
    chief: dict[str, str | None]
    leader: dict[str, str | None]

    @classmethod
    def of(cls, roster) -> _State:
        people, sections = roster.people.values(), roster.sections.values()
        return cls({p.staff_id: p.in_post for p in people},
                   {p.staff_id: p.section for p in people},
                   {p.staff_id: p.category for p in people},
                   {s.name: s.chief_id for s in sections},
                   {s.name: s.leader_id for s in sections})

    def copy(self) -> _State:
        return _State(*(dict(getattr(self, f.name)) for f in dataclasses.fields(self)))


def _set_side(state: _State, change: Change, after: bool) -> None:
    """Put the state on one side of a change: before it (after=False) or after it."""
    side = 1 if after else 0
    if isinstance(change, DutyChange):
        if change.chief is not None:
            state.chief[change.section] = change.chief[side] or None
        if change.leader is not None:
            state.leader[change.section] = change.leader[side] or None
        return
    who = change.staff_id
    if change.kind in (JOIN, RETURN):
        state.post[who] = after
    elif change.kind in (EXIT, LEAVE):
        state.post[who] = not after
    if change.moves_section:
        state.section[who] = change.new_section if after else change.old_section
    category = change.new_category if after else change.old_category
    if change.kind == ROLE and category:
        state.category[who] = category


def _undo(state: _State, change: Change) -> None:
    _set_side(state, change, after=False)


def _apply(state: _State, change: Change) -> None:
    _set_side(state, change, after=True)


# ---------------------------------------------------------------------------------------
# The history: the current roster, its changes, and the state on any day
# ---------------------------------------------------------------------------------------


class History:
    """The roster now plus its changes; `state_on(day)` gives a Roster (cached by change)."""

    def __init__(self, current, changes: Sequence[Change]):
        self.current = current
        self.changes = sorted(changes, key=_order)
        self._days = [change.day for change in self.changes]
        self._cache: dict[int, object] = {}

    def __reduce__(self):
        """Picklable (with the roster a spawned reader gets); the states are made again."""
        return History, (self.current, self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def _applied(self, day: dt.date) -> int:
        """How many changes are in force on `day` (those dated on or before it)."""
        return bisect.bisect_right(self._days, day)

    def state_on(self, day: dt.date):
        """The bureau (a Roster) as it was on `day`."""
        if isinstance(day, dt.datetime):
            day = day.date()
        return self._state(self._applied(day))

    def _state(self, applied: int):
        if applied not in self._cache:
            state = _State.of(self.current)
            for change in reversed(self.changes[applied:]):
                _undo(state, change)
            self._cache[applied] = _roster_of(self.current, state, self)
        return self._cache[applied]

    def state_for_days(self, days: Iterable[dt.date]):
        """Everyone in post on any of `days`, with the 股室, 职务类别 and reviewers of the
        last such day; people never in post then are kept as not in post."""
        days = sorted(days)
        if not days:
            return self.current
        counts = list(dict.fromkeys(self._applied(day) for day in days))
        if len(counts) == 1:
            return self._state(counts[0])
        last = self._state(counts[-1])
        people, raters = dict(last.people), {}
        for applied in counts:
            roster = self._state(applied)
            for person in roster.people.values():
                if person.in_post:
                    people[person.staff_id] = person
                    raters[person.staff_id] = (_id(roster.initial_rater(person)),
                                               _id(roster.final_rater(person)))
        return dataclasses.replace(last, people=people, raters=raters)


def _id(person) -> str | None:
    return person.staff_id if person else None


def _roster_of(current, state: _State, history: History):
    people = {
        staff_id: dataclasses.replace(person, in_post=state.post[staff_id],
                                      section=state.section[staff_id],
                                      category=state.category[staff_id])
        for staff_id, person in current.people.items()
    }
    sections = {
        name: dataclasses.replace(section, chief_id=state.chief[name],
                                  leader_id=state.leader[name])
        for name, section in current.sections.items()
    }
    directors = [p.staff_id for p in people.values() if p.category == "局长" and p.in_post]
    director = current.director_id if current.director_id in directors else (
        directors[0] if directors else None)
    return dataclasses.replace(current, people=people, sections=sections, director_id=director,
                               history=history, raters=None)


# ---------------------------------------------------------------------------------------
# Checking the changes against what the person or 股室 was then
# ---------------------------------------------------------------------------------------


def check_changes(current, changes: Sequence[Change], file: str) -> list[Issue]:
    """Replay the changes from the start of the year; every change that does not fit is an
    error naming its sheet, row and column."""
    ordered = sorted(changes, key=_order)
    state = _State.of(current)
    for change in reversed(ordered):
        _undo(state, change)
    issues: list[Issue] = []
    last_setter: dict[tuple[str, str], Change] = {}
    for change in ordered:
        if isinstance(change, DutyChange):
            issues += _check_duty(current, state, change, file)
        else:
            issues += _check_person(current, state, change, file)
        _apply(state, change)
        for key in _attributes(change):
            last_setter[key] = change
    issues += _check_final(current, state, last_setter, file)
    return issues


def _attributes(change: Change) -> list[tuple[str, str]]:
    if isinstance(change, DutyChange):
        return [(change.section, name) for name, pair in
                (("chief", change.chief), ("leader", change.leader)) if pair is not None]
    keys = [(change.staff_id, "post")] if change.kind in (JOIN, EXIT, LEAVE, RETURN) else []
    if change.moves_section:
        keys.append((change.staff_id, "section"))
    if change.kind == ROLE and change.new_category:
        keys.append((change.staff_id, "category"))
    return keys


def _issue(file: str, sheet: str, change: Change, column: str, message: str) -> Issue:
    return Issue("roster.change_mismatch", message, file, sheet, change.row, column)


def _name(current, staff_id: str | None) -> str:
    person = current.people.get(staff_id or "")
    return f"「{person.name}」（{staff_id}）" if person else f"「{staff_id}」"


def _check_person(current, state: _State, change: PersonChange, file: str) -> list[Issue]:
    who, day = change.staff_id, change.day.isoformat()
    name = _name(current, who)
    found: list[tuple[str, str]] = []
    in_post = state.post[who]
    if change.kind == JOIN and in_post:
        found.append((KIND, f"{name}在 {day} 之前已经在岗，不能「调入」；"
                            "如是休假或借调后回来，请填「返岗」"))
    elif change.kind in (EXIT, LEAVE) and not in_post:
        found.append((KIND, f"{name}在 {day} 之前已不在岗，不能再「{change.kind}」"))
    elif change.kind == RETURN and in_post:
        found.append((KIND, f"{name}在 {day} 之前一直在岗，不能「返岗」"))
    if change.moves_section and change.old_section != state.section[who]:
        found.append((OLD_SECTION, f"原股室填写的是「{change.old_section}」，"
                                   f"但{name}在 {day} 之前属于「{state.section[who]}」"))
    if (change.kind == ROLE and change.old_category
            and change.old_category != state.category[who]):
        found.append((OLD_CATEGORY, f"原职务类别填写的是「{change.old_category}」，"
                                    f"但{name}在 {day} 之前是「{state.category[who]}」"))
    return [_issue(file, PERSON_CHANGES_SHEET, change, column, text) for column, text in found]


def _check_duty(current, state: _State, change: DutyChange, file: str) -> list[Issue]:
    day, section = change.day.isoformat(), change.section
    found: list[tuple[str, str]] = []
    for pair, then, old_col, new_col, role, wanted in (
        (change.chief, state.chief, OLD_CHIEF, NEW_CHIEF, "股室长", ("股室长",)),
        (change.leader, state.leader, OLD_LEADER, NEW_LEADER, "分管领导",
         ("分管领导", "局长") if section == "局领导" else ("分管领导",)),
    ):
        if pair is None:
            continue
        old, new = pair
        if (old or None) != then.get(section):
            was = _name(current, then.get(section)) if then.get(section) else "未填写"
            found.append((old_col, f"{old_col}填写的是「{old or '空白'}」，"
                                   f"但「{section}」在 {day} 之前的{role}是{was}"))
        category = state.category.get(new) if new else None
        if new and category not in wanted:
            found.append((new_col, f"{new_col}「{new}」{_name(current, new)}在 {day} "
                                   f"的职务类别是「{category}」，应为「{'或'.join(wanted)}」"))
    return [_issue(file, DUTY_CHANGES_SHEET, change, column, text) for column, text in found]


_FINAL_TEXT = {
    "post": (KIND, "在岗状态", lambda v: "在岗" if v else "离岗"),
    "section": (NEW_SECTION, "股室", str),
    "category": (NEW_CATEGORY, "职务类别", str),
    "chief": (NEW_CHIEF, "股室长工号", lambda v: v or "空白"),
    "leader": (NEW_LEADER, "分管领导工号", lambda v: v or "空白"),
}


def _check_final(current, state: _State, last_setter: Mapping, file: str) -> list[Issue]:
    """After the last change the state must be the roster as it is now."""
    now = _State.of(current)
    issues = []
    for (key, attribute), change in last_setter.items():
        after, wanted = getattr(state, attribute)[key], getattr(now, attribute)[key]
        if after == wanted:
            continue
        column, label, show = _FINAL_TEXT[attribute]
        sheet = DUTY_CHANGES_SHEET if isinstance(change, DutyChange) else PERSON_CHANGES_SHEET
        where = "「股室」表" if isinstance(change, DutyChange) else "「人员」表"
        subject = f"「{key}」" if isinstance(change, DutyChange) else _name(current, key)
        message = (f"按这一行变动后，{subject}的{label}应为「{show(after)}」，"
                   f"但{where}中现在是「{show(wanted)}」；请改正这一行或{where}")
        issues.append(_issue(file, sheet, change, column, message))
    return issues
