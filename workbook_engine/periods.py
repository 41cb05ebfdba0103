"""Assessment periods (ISO week, month, quarter, year), lenient parsing and Chinese working days.

parse_period("２０２６年第10周") == Week(2026, 10)      str(Week(2026, 10)) == "2026-W10"
Week(2026, 10).month == Month(2026, 3)                 Month(2026, 3).label == "2026年3月"
is_working_day(date(2026, 2, 14)) is True              # a Saturday make-up working day (调休)
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

import chinese_calendar

from .memo import keep
from .text import clean_text

MIN_YEAR = 2000
MAX_YEAR = 2100

_FORMATS = (
    "可写作 2026-W10 或 2026年第10周（周）、2026-03 或 2026年3月（月）、"
    "2026-Q1 或 2026年第一季度（季度）、2026 或 2026年（年度）"
)
_CN_NUMERALS = "〇一二三四五六七八九"
_CN_ORDINALS = ("一", "二", "三", "四")


class PeriodError(ValueError):
    """A period text that cannot be understood."""

    def __init__(self, text: str, reason: str):
        self.text = text
        self.reason = reason
        where = f"无法识别的周期「{text}」" if text else "未填写周期"
        super().__init__(f"{where}：{reason}")


# --------------------------------------------------------------------------- working days


# The office's holiday schedule (节假日安排.xlsx, SPEC §4.5): year → {day: working?}. The rows
# of a year replace the packaged calendar for that year. Set by `use_schedule` when a
# command opens its workspace (one workspace per process).
_SCHEDULE: dict[int, dict[dt.date, bool]] = {}


def use_schedule(days: dict[dt.date, bool]) -> None:
    """Use these entered days for their years from now on (replacing any earlier schedule)."""
    _SCHEDULE.clear()
    for day, working in days.items():
        _SCHEDULE.setdefault(day.year, {})[day] = working
    _is_working_day.cache_clear()


def schedule_in_use() -> dict[dt.date, bool]:
    """The entered days `use_schedule` set (a copy): what a reader process started by spawn
    must use too, to count working days as the process that started it does."""
    return {day: working for days in _SCHEDULE.values() for day, working in days.items()}


def package_covers(year: int) -> bool:
    """True when the packaged holiday calendar (chinese_calendar) knows the year."""
    return _package_covers(year)


@functools.cache
def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def calendar_covers(year: int) -> bool:
    """True when the office's schedule or the packaged calendar knows the year."""
    return year in _SCHEDULE or _package_covers(year)


@functools.cache
def _is_working_day(day: dt.date) -> bool:
    entered = _SCHEDULE.get(day.year)
    if entered is not None:
        return entered.get(day, day.weekday() < 5)
    if _package_covers(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    """Official working day, make-up weekend days included; Monday–Friday for uncovered years."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return _is_working_day(day)


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """The working days from start to end, both included (empty when end is before start)."""
    return [day for day in _date_range(start, end) if is_working_day(day)]


def _date_range(start: dt.date, end: dt.date) -> list[dt.date]:
    if isinstance(start, dt.datetime):
        start = start.date()
    if isinstance(end, dt.datetime):
        end = end.date()
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def weeks_in_year(year: int) -> int:
    """52 or 53: the number of ISO weeks of the ISO year."""
    return dt.date(year, 12, 28).isocalendar()[1]


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(text, f"年份应在 {MIN_YEAR} 到 {MAX_YEAR} 之间")


def _md(day: dt.date, year: int) -> str:
    prefix = "" if day.year == year else f"{day.year}年"
    return f"{prefix}{day.month}月{day.day}日"


# --------------------------------------------------------------------------- periods


class _Span:
    """Shared behaviour of a period covering the days first_day..last_day."""

    first_day: dt.date
    last_day: dt.date

    def days(self) -> list[dt.date]:
        return _date_range(self.first_day, self.last_day)

    def working_days(self) -> list[dt.date]:
        return working_days(self.first_day, self.last_day)

    @property
    def calendar_covered(self) -> bool:
        """True when the holiday calendar knows every day (2026-W53 reaches into 2027)."""
        return all(calendar_covers(y) for y in range(self.first_day.year, self.last_day.year + 1))

    def __contains__(self, day: object) -> bool:
        if isinstance(day, dt.datetime):
            day = day.date()
        return isinstance(day, dt.date) and self.first_day <= day <= self.last_day


@dataclass(frozen=True, order=True)
class Week(_Span):
    """An ISO week, Monday to Sunday; it belongs to the month that holds its Thursday."""

    year: int
    week: int

    def __post_init__(self) -> None:
        _check_year(self.year, str(self))
        count = weeks_in_year(self.year)
        if self.week < 1:
            raise PeriodError(str(self), f"周次应在 1 到 {count} 之间")
        if self.week > count:
            raise PeriodError(str(self), f"{self.year} 年只有 {count} 周")

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @classmethod
    def from_date(cls, day: dt.date) -> Week:
        iso = day.isocalendar()
        return cls(iso[0], iso[1])

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @functools.cached_property  # asked for by every dated lookup (its month, its bureau)
    def thursday(self) -> dt.date:
        return self.monday + dt.timedelta(days=3)

    @functools.cached_property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    first_day = monday

    @property
    def last_day(self) -> dt.date:
        return self.sunday

    @functools.cached_property
    def month(self) -> Month:
        return Month(self.thursday.year, self.thursday.month)

    @property
    def label(self) -> str:
        span = f"{_md(self.monday, self.year)}—{_md(self.sunday, self.year)}"
        return f"{self.year}年第{self.week}周（{span}）"

    def next(self) -> Week:
        return Week.from_date(self.monday + dt.timedelta(days=7))

    def previous(self) -> Week:
        return Week.from_date(self.monday - dt.timedelta(days=7))


@dataclass(frozen=True, order=True)
class Month(_Span):
    """A calendar month, e.g. 2026-03."""

    year: int
    month: int

    def __post_init__(self) -> None:
        _check_year(self.year, str(self))
        if not 1 <= self.month <= 12:
            raise PeriodError(str(self), "月份应在 1 到 12 之间")

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return self.next_first_day() - dt.timedelta(days=1)

    def next_first_day(self) -> dt.date:
        if self.month == 12:
            return dt.date(self.year + 1, 1, 1)
        return dt.date(self.year, self.month + 1, 1)

    def weeks(self) -> list[Week]:
        """The weeks whose Thursday falls in this month, in order."""
        thursday = self.first_day + dt.timedelta(days=(3 - self.first_day.weekday()) % 7)
        weeks = []
        while thursday.month == self.month:
            weeks.append(Week.from_date(thursday))
            thursday += dt.timedelta(days=7)
        return weeks

    @property
    def quarter(self) -> Quarter:
        return Quarter(self.year, (self.month - 1) // 3 + 1)

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)


@dataclass(frozen=True, order=True)
class Quarter(_Span):
    """A calendar quarter, e.g. 2026-Q1."""

    year: int
    quarter: int

    def __post_init__(self) -> None:
        _check_year(self.year, str(self))
        if not 1 <= self.quarter <= 4:
            raise PeriodError(str(self), "季度应在 1 到 4 之间")

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    def months(self) -> list[Month]:
        return [Month(self.year, 3 * self.quarter - 2 + n) for n in range(3)]

    def weeks(self) -> list[Week]:
        return [week for month in self.months() for week in month.weeks()]

    @property
    def first_day(self) -> dt.date:
        return self.months()[0].first_day

    @property
    def last_day(self) -> dt.date:
        return self.months()[-1].last_day

    @property
    def label(self) -> str:
        return f"{self.year}年第{_CN_ORDINALS[self.quarter - 1]}季度"

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.quarter == 4 else Quarter(self.year, self.quarter + 1)
        )

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.quarter == 1 else Quarter(self.year, self.quarter - 1)
        )


@dataclass(frozen=True, order=True)
class Year(_Span):
    """An assessment year, e.g. 2026; its weeks are the ISO weeks of that ISO year."""

    year: int

    def __post_init__(self) -> None:
        _check_year(self.year, str(self))

    def __str__(self) -> str:
        return str(self.year)

    def months(self) -> list[Month]:
        return [Month(self.year, m) for m in range(1, 13)]

    def quarters(self) -> list[Quarter]:
        return [Quarter(self.year, q) for q in range(1, 5)]

    def weeks(self) -> list[Week]:
        return [Week(self.year, w) for w in range(1, weeks_in_year(self.year) + 1)]

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, 12, 31)

    @property
    def label(self) -> str:
        return f"{self.year}年度"

    def next(self) -> Year:
        return Year(self.year + 1)

    def previous(self) -> Year:
        return Year(self.year - 1)


Period = Week | Month | Quarter | Year

# --------------------------------------------------------------------------- parsing

_Y = r"([0-9]{4})"
_SEP = r"(?:年|[-/._])?"
_N = r"([0-9]{1,3})"
_PATTERNS: dict[type, list[re.Pattern]] = {
    Week: [
        re.compile(rf"^{_Y}{_SEP}W{_N}周?$"),
        re.compile(rf"^{_Y}(?:年第?|第|[-/._]第?){_N}周$"),
    ],
    Month: [
        re.compile(rf"^{_Y}[-/._]{_N}(?:月份?)?$"),
        re.compile(rf"^{_Y}年{_N}(?:月份?)?$"),
        re.compile(rf"^{_Y}([0-9]{{2}})$"),
    ],
    Quarter: [
        re.compile(rf"^{_Y}{_SEP}Q([0-9])(?:季度?)?$"),
        re.compile(rf"^{_Y}(?:年第?|第|[-/._]第?)?([0-9{_CN_NUMERALS}])季度?$"),
    ],
    Year: [re.compile(rf"^{_Y}(?:年度?)?$")],
}
_KIND_FORMATS = {
    Week: "应写作周，如 2026-W10、2026年第10周，或 本周、上周、下周",
    Month: "应写作月份，如 2026-03 或 2026年3月",
    Quarter: "应写作季度，如 2026-Q1 或 2026年第一季度",
    Year: "应写作年度，如 2026 或 2026年",
}
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−﹣"})


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(_DASHES).upper()


def _number(token: str) -> int:
    return _CN_NUMERALS.index(token) if token in _CN_NUMERALS else int(token)


def _match(kind: type, compact: str) -> tuple[int, ...] | None:
    for pattern in _PATTERNS[kind]:
        found = pattern.match(compact)
        if found:
            return tuple(_number(group) for group in found.groups())
    return None


def _build(kind: type, numbers: tuple[int, ...], text: str) -> Period:
    try:
        return kind(*numbers)
    except PeriodError as error:
        raise PeriodError(text, error.reason) from None


# Periods parsed before (the same texts come back in every form of a run): text and kinds
# → the period (immutable, so shared). Errors are not kept. Bounded.
_PARSED_SIZE = 4096
_parsed: dict[tuple[str, tuple[type, ...]], Period] = {}


def _parse(value: object, kinds: tuple[type, ...], hint: str) -> Period:
    text = clean_text(value)
    found = _parsed.get((text, kinds))
    if found is not None:
        return found
    compact = _normalise(text)
    if not compact:
        raise PeriodError("", hint)
    for kind in kinds:
        numbers = _match(kind, compact)
        if numbers is not None:
            period = _build(kind, numbers, text)
            return keep(_parsed, (text, kinds), period, _PARSED_SIZE)
    raise PeriodError(text, hint)


RELATIVE_WEEKS = {"本周": 0, "这周": 0, "上周": -1, "下周": 1}
_WEEK_ONLY = (Week,)


def parse_week(text: object, today: dt.date | None = None) -> Week:
    """A week from `2026-W10`, `2026w10`, `2026年第10周` (full-width and spaces allowed),
    or 本周/上周/下周 counted from `today`."""
    cleaned = clean_text(text)
    found = _parsed.get((cleaned, _WEEK_ONLY))  # kept only for a text that is no 本周/上周/下周
    if found is not None:
        return found
    shift = RELATIVE_WEEKS.get(_normalise(cleaned))
    if shift is not None:
        day = (today or dt.date.today()) + dt.timedelta(days=7 * shift)
        return Week.from_date(day)
    return _parse(text, _WEEK_ONLY, _KIND_FORMATS[Week])


def parse_month(text: object) -> Month:
    """A month from `2026-03`, `2026-3`, `2026/03`, `2026年3月`."""
    return _parse(text, (Month,), _KIND_FORMATS[Month])


def parse_quarter(text: object) -> Quarter:
    """A quarter from `2026-Q1`, `2026q1`, `2026年第一季度`, `2026年第1季度`."""
    return _parse(text, (Quarter,), _KIND_FORMATS[Quarter])


def parse_year(text: object) -> Year:
    """A year from `2026`, `2026年`, `2026年度`."""
    return _parse(text, (Year,), _KIND_FORMATS[Year])


def parse_period(text: object) -> Period:
    """Any of the four periods, recognised by its shape."""
    return _parse(text, (Week, Month, Quarter, Year), _FORMATS)
