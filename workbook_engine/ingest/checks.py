"""Field checks shared by the weekly and monthly rules: period, person, grade, date, signature."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, getcontext

from workbook_engine.ingest.read import RawForm
from workbook_engine.issues import WARNING, Issue
from workbook_engine.memo import keep
from workbook_engine.periods import Month, PeriodError, Week, parse_month, parse_week
from workbook_engine.policy import Policy
from workbook_engine.roster import Person, Roster
from workbook_engine.sheets import parse_date
from workbook_engine.text import clean_name, clean_text, parse_number, typed_text

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


def same_period(meta: str, shown_value: object, parse, label: str, out: Collector,
                **where) -> None:
    """The visible period must be the one in _meta: a form of one period, edited to read as
    another, is refused (it would otherwise become a version of the old period)."""
    text = clean_text(shown_value)
    if not meta or not text:
        return
    try:
        hidden = parse(meta)
    except PeriodError:
        return  # the hidden period itself is refused (form.bad_period)
    try:
        visible = parse(text)
        wanted = f"请使用系统为 {shown(text)} 生成的表格"
    except PeriodError:  # not a period at all: not echoed as one
        visible = text
        wanted = f"请不要修改{label}；其他期间请使用系统为该期间生成的表格"
    if visible != hidden:
        out.error(
            "form.period_mismatch",
            f"表内{label}「{shown(text)}」与表格标识中的{label}「{shown(meta)}」不一致："
            f"这份表是 {shown(meta)} 的，不能改作其他期间使用。{wanted}",
            **where,
        )


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


TITLES = ("副局长", "局长", "副主任", "主任", "副股长", "股长", "副科长", "科长", "书记", "组长",
          "同志")  # what people write after their name when they sign
_BRACKETS = re.compile(r"[()（）\[\]【】]")


def signature_matches(value: object, expected: Person | None) -> bool:
    return expected is not None and clean_name(value) == clean_name(expected.name)


def signature_with_title(value: object, expected: Person | None) -> str:
    """The title after the expected name (`周强股长` → `股长`), '' when it is not that."""
    if expected is None:
        return ""
    text, name = _BRACKETS.sub("", clean_name(value)), clean_name(expected.name)
    if text.startswith(name) and text[len(name):] in TITLES:
        return text[len(name):]
    return ""


def check_signature(value: object, expected: Person | None, out: Collector, **where) -> bool:
    """True when the signature is the expected reviewer: the roster name, or that name with a
    title after it (accepted with a notice)."""
    if signature_matches(value, expected):
        return True
    title = signature_with_title(value, expected)
    if title:
        out.warn(
            "form.signature_title",
            f"签名「{shown(value)}」含职务称呼「{title}」，已按「{expected.name}」识别",
            **where,
        )
        return True
    return False


def resolve_staff_id(text: str, roster: Roster, out: Collector, **where) -> str:
    """A 工号 as in the roster; one whose leading zeros a spreadsheet dropped (`12` for
    `0012`) is matched when exactly one roster 工号 fits, with a notice."""
    if not text or roster.person(text) is not None or not text.isdigit():
        return text
    fits = [sid for sid in roster.people if sid.isdigit() and sid != text
            and sid.lstrip("0") == text.lstrip("0")]
    if len(fits) != 1:
        return text
    person = roster.person(fits[0])
    out.warn(
        "form.id_leading_zeros",
        f"工号「{shown(text)}」在花名册中没有，已按「{fits[0]}」（{person.name}）识别"
        "（表格软件去掉了工号前面的 0；以后请把工号单元格设为文本）",
        **where,
    )
    return fits[0]


def same_staff_id(shown_id: str, meta_id: str) -> bool:
    """The visible 工号 is the _meta one, allowing leading zeros a spreadsheet dropped."""
    return shown_id == meta_id or (
        shown_id.isdigit() and meta_id.isdigit() and shown_id.lstrip("0") == meta_id.lstrip("0")
    )


# Scores typed as numbers repeat from row to row and form to form (18.0, 27.0): the score
# of an accepted float, kept per its exact text (repr keeps -0.0 apart from 0.0), the bounds
# and the decimal context that quantize/normalize use. Refused values are never kept.
_SCORES_SIZE = 4096
_scores: dict[tuple, Decimal] = {}


def score_value(
    value: object, maximum: Decimal, places: int, label: str, out: Collector, **where
) -> Decimal | None:
    """A score in [0, maximum] with at most `places` decimals; None when blank or wrong."""
    if type(value) is float:
        context = getcontext()
        key = (repr(value), maximum, places, context.prec, context.rounding)
        found = _scores.get(key)
        if found is None:
            found = _score_value(value, maximum, places, label, out, **where)
            if found is not None:
                keep(_scores, key, found, _SCORES_SIZE)
        return found
    return _score_value(value, maximum, places, label, out, **where)


def _score_value(
    value: object, maximum: Decimal, places: int, label: str, out: Collector, **where
) -> Decimal | None:
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


def _looks_like_data(value: object, roster: Roster, policy: Policy) -> bool:
    """A number, a date, a grade, a 工号 or a period: something a field would hold."""
    if isinstance(value, (int, float, Decimal, dt.date)) and not isinstance(value, bool):
        return True
    text = clean_text(value)
    if parse_number(text) is not None or parse_date(text) is not None:
        return True
    if clean_name(text) in policy.grade_names or roster.person(text) is not None:
        return True
    for parse in (parse_week, parse_month):
        try:
            parse(text)
            return True
        except PeriodError:
            continue
    return False


def outside_values(raw: RawForm, roster: Roster, policy: Policy, out: Collector) -> list[dict]:
    """Values typed outside the form's areas: data refuses the file naming the cell; a note
    is kept (returned, to store with the form) with a notice that quotes it."""
    notes = []
    for cell in raw.outside:
        where = {"sheet": cell.sheet, "cell": cell.cell}
        if _looks_like_data(cell.value, roster, policy):
            out.error(
                "form.value_outside",
                f"单元格 {cell.cell} 填写了「{shown(cell.value)}」，不在表格的任何填写栏内，"
                "无法确定它属于哪一栏。请填写在对应的白色单元格中后重新发送",
                **where,
            )
            continue
        text = typed_text(cell.value)
        notes.append({"sheet": cell.sheet, "cell": cell.cell, "text": text})
        out.warn(
            "form.margin_note",
            f"表格填写区域外的文字「{text if len(text) <= 200 else text[:199] + '…'}」"
            "已作为备注保留，未计入任何栏目",
            **where,
        )
    return notes
