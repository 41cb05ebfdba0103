"""Field checks shared by the weekly and monthly rules: period, person, grade, date, signature."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from workbook_engine.ingest.read import RawForm
from workbook_engine.issues import WARNING, Issue
from workbook_engine.periods import Month, PeriodError, Week, parse_month, parse_week
from workbook_engine.policy import Policy
from workbook_engine.roster import Person, Roster, parse_date
from workbook_engine.text import clean_name, clean_text, parse_number

SHOWN_CHARS = 40  # a value quoted in a message is cut here: a cell may hold 32,767 characters


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """A cell value as a message quotes it: cleaned, cut short, NaN named."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    text = clean_text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def blank_cell(value: object) -> bool:
    """Nothing typed: None, '' or spaces. NaN is not blank: no spreadsheet program writes it,
    so a cell holding it is broken input, not an empty cell."""
    if isinstance(value, float) and math.isnan(value):
        return False
    return clean_text(value) == ""


def _number_text(number: Decimal) -> str:
    text = f"{number:f}"
    return text if len(text) <= 20 else text[:19] + "…"


class Collector:
    """Issues of one form, each placed on the file (and sheet/cell when known)."""

    def __init__(self, raw: RawForm):
        self.raw = raw
        self.issues: list[Issue] = []

    def error(self, code: str, message: str, **where) -> None:
        self.issues.append(Issue(code=code, message=message, file=self.raw.file, **where))

    def warn(self, code: str, message: str, **where) -> None:
        self.issues.append(
            Issue(code=code, message=message, file=self.raw.file, severity=WARNING, **where)
        )

    def at(self, name: str) -> dict:
        """Sheet and cell of a named field, for an issue's location."""
        ref = self.raw.refs.get(name, "")
        if "!" not in ref:
            return {}
        sheet, cell = ref.split("!", 1)
        return {"sheet": sheet, "cell": cell}


def identity(raw: RawForm, key: str, cell_value: object) -> str:
    """An identity value: the hidden _meta wins, the visible cell stands in for it."""
    return raw.meta.get(key) or clean_text(cell_value)


def _period_message(exc: PeriodError) -> str:
    return f"无法识别的周期「{shown(exc.text)}」：{exc.reason}" if exc.text else str(exc)


def check_week(text: str, policy: Policy, out: Collector, **where) -> Week | None:
    try:
        week = parse_week(text)
    except PeriodError as exc:
        out.error("form.bad_period", _period_message(exc), **where)
        return None
    if week.month.year != policy.year:
        out.error(
            "form.period_outside_year",
            f"考评周 {week}（属于 {week.month}）不在本工作区的考核年度 {policy.year} 年内",
            **where,
        )
        return None
    return week


def check_month(text: str, policy: Policy, out: Collector, **where) -> Month | None:
    try:
        month = parse_month(text)
    except PeriodError as exc:
        out.error("form.bad_period", _period_message(exc), **where)
        return None
    if month.year != policy.year:
        out.error(
            "form.period_outside_year",
            f"考核月份 {month} 不在本工作区的考核年度 {policy.year} 年内",
            **where,
        )
        return None
    return month


def check_person(
    staff_id: str,
    roster: Roster,
    out: Collector,
    role: str = "人员",
    assessed: bool = True,
    **where,
) -> Person | None:
    """The roster person for an id, or None with the reason (unknown, 离岗, and when
    `assessed` — the person a form is about, not a rater — 不参加考核)."""
    if not staff_id:
        out.error("form.no_identity", f"表中没有{role}工号", **where)
        return None
    person = roster.person(staff_id)
    if person is None:
        out.error("person.unknown", f"{role}工号「{shown(staff_id)}」不在花名册中", **where)
        return None
    if not person.in_post:
        out.error("person.not_in_post", f"{person.name}（{staff_id}）在本表所属期间不在岗（花名册为离岗，或见「人员变动」表）", **where)
        return None
    if assessed and not person.assessed:
        out.error(
            "person.not_assessed",
            f"{person.name}（{staff_id}）在花名册中为不参加考核，无需提交考评表",
            **where,
        )
        return None
    return person


def grade_value(value: object, policy: Policy, out: Collector, label: str, **where) -> str:
    """A grade from the policy's list, or '' when blank; anything else is an error."""
    text = clean_name(value)
    if not text:
        return ""
    if text in policy.grade_names:
        return text
    out.error(
        "form.bad_grade",
        f"「{label}」填写的「{shown(value)}」不是有效等次，应为：" + "、".join(policy.grade_names),
        **where,
    )
    return ""


def date_value(value: object, out: Collector, label: str, **where) -> str:
    """An ISO date or ''; a date we cannot read is reported but does not block the form."""
    if value is None or clean_text(value) == "":
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    day = parse_date(value)
    if day is None:
        out.warn("form.bad_date", f"「{label}」的日期「{shown(value)}」无法识别，已忽略", **where)
        return ""
    return day.isoformat()


def signature_matches(value: object, expected: Person | None) -> bool:
    return expected is not None and clean_name(value) == clean_name(expected.name)


def score_value(
    value: object, maximum: Decimal, places: int, label: str, out: Collector, **where
) -> Decimal | None:
    """A score in [0, maximum] with at most `places` decimals; None when blank or wrong."""
    if blank_cell(value):
        return None
    number = parse_number(value)
    if number is None:
        out.error(
            "score.not_number",
            f"「{label}」填写的「{shown(value)}」不是数字，请填写阿拉伯数字（如 18 或 18.5）",
            **where,
        )
        return None
    if isinstance(value, float):  # binary noise off (18.499999999); a huge one is out anyway
        if abs(number) < 10**15:  # quantize needs every digit within the context's 28
            number = number.quantize(Decimal(1).scaleb(-places - 4))
        number = number.normalize()
    if number < 0 or number > maximum:
        out.error(
            "score.out_of_range",
            f"「{label}」的分数 {_number_text(number)} 超出范围（0 至 {maximum:f}）",
            **where,
        )
        return None
    if -number.as_tuple().exponent > places:
        out.error(
            "score.too_many_decimals",
            f"「{label}」的分数 {_number_text(number)} 小数位过多（最多 {places} 位）",
            **where,
        )
        return None
    return number
