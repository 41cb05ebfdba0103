"""Rules of a returned monthly form (SPEC §4.3): headers, rows, scores, deductions, signature.

思想作风(20) = 九十五            → score.not_number (row, column named)
three items filled, one blank    → monthly.partial_row
all items blank                  → the person was not assessed that month (未考核)
履职扣分 2 without 扣分事由       → monthly.deduction_without_reason
评定等次 = 「优　秀」             → read as 优秀 (spaces and full-width forms normalised)
评定等次 = 良好                    → form.bad_grade (row, column named)
评定等次 不称职, 备注 blank, while the leader items alone already make at least 称职
                                  → monthly.rated_grade_without_remark (the band is certain
                                    whatever the office scores; otherwise scoring decides)

The rows are checked by ROW_CHECKS, an ordered list of small named checks (each returns False
when the row cannot be kept); `check_rows` runs them and `missing_rows` notes who has no row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from workbook_engine.forms import layout
from workbook_engine.ingest.checks import (
    Collector,
    blank_cell,
    check_month,
    check_person,
    check_signature,
    date_value,
    grade_value,
    identity,
    outside_values,
    resolve_staff_id,
    same_period,
    score_value,
    shown,
    signature_with_title,
)
from workbook_engine.ingest.read import RawForm
from workbook_engine.periods import parse_month
from workbook_engine.policy import Policy, ScoreItem
from workbook_engine.roster import Person, Roster
from workbook_engine.text import clean_name, clean_text, parse_number, typed_text

_HEADER = re.compile(r"^(.*?)\s*(?:\(\s*([\d.]+)\s*分?\s*\))?$")
_MONTH_TEXT = re.compile(r"考核月份[:：]\s*(\S+)")
_RATER_TEXT = re.compile(r"评分人[:：]\s*([^\s(（]+)")  # `评分人：钱副（分管领导）`


def _edition(raw: RawForm, headers: list[str]) -> str:
    edition = raw.meta.get("edition", "")
    if edition in (layout.LEADER_EDITION, layout.OFFICE_EDITION):
        return edition
    return (
        layout.LEADER_EDITION if layout.WEEKLY_SUMMARY_HEADER in headers else layout.OFFICE_EDITION
    )


def _item_columns(
    headers: list[str], items: tuple[ScoreItem, ...], out: Collector, where: dict
) -> dict[str, int] | None:
    """Column index of each policy item, matched by name; the maximum must agree."""
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        name, maximum = _HEADER.match(header).groups()
        item = next((i for i in items if clean_name(i.name) == clean_name(name)), None)
        if item is None:
            continue
        if maximum and parse_number(maximum) != item.maximum:
            out.error(
                "monthly.item_max_mismatch",
                f"「{shown(header)}」的满分与考核政策不一致（应为 {item.header}），请使用本月新生成的表格",
                **where,
                column=shown(header),
            )
        found[item.name] = index
    missing = [item.header for item in items if item.name not in found]
    if missing:
        out.error("monthly.item_missing", "缺少评分列：" + "、".join(missing), **where)
        return None
    return found


def _rater(raw, roster, policy, edition, rows_ids, out):
    """The final rater of a leader edition: _meta, else the one rater of every listed person."""
    rater_id = raw.meta.get("rater_id", "")
    if not rater_id:
        raters = {
            getattr(roster.final_rater(p), "staff_id", None)
            for p in (roster.person(i) for i in rows_ids)
            if p is not None
        }
        if len(raters) != 1 or None in raters:
            out.error(
                "form.unidentified",
                "无法确定本表的评分人（表格标识缺失，且表中人员不属于同一位评定人）",
            )
            return None
        rater_id = raters.pop()
    return check_person(rater_id, roster, out, role="评分人", assessed=False)


@dataclass
class Table:
    """What every row check reads: where the columns are and who is expected in the table."""

    raw: RawForm
    policy: Policy
    edition: str
    items: tuple[ScoreItem, ...]
    item_columns: dict[str, int]  # item name → column index
    expected: dict[str, Person]
    deduction_col: int | None = None
    reason_col: int | None = None
    remark_col: int | None = None
    rated_grade_col: int | None = None  # 评定等次: absent on forms made before it existed
    seen: dict[str, int] = field(default_factory=dict)  # 工号 → sheet row where it first came
    roster: Roster | None = None  # to match a 工号 whose leading zeros were dropped


@dataclass
class Row:
    """One filled row of the table and what the checks read from it so far."""

    cells: list
    where: dict  # sheet and 1-based sheet row, for every issue of the row
    staff_id: str = ""
    scores: dict[str, Decimal | None] = field(default_factory=dict)
    blank: list[str] = field(default_factory=list)
    deduction: Decimal | None = None
    deduction_text: str = ""
    rated_grade: str = ""

    def cell(self, col: int | None) -> object:
        return self.cells[col] if col is not None and col < len(self.cells) else None

    @property
    def assessed(self) -> bool:
        return bool(self.scores) or bool(self.deduction_text)


# Row checks, in order. Each reads a row, may record issues, and returns False when the
# row cannot be kept (the later checks do not run for it).


def staff_id_present(row: Row, table: Table, out: Collector) -> bool:
    row.staff_id = clean_text(row.cell(0))
    if row.staff_id and table.roster is not None:
        row.staff_id = resolve_staff_id(row.staff_id, table.roster, out, **row.where,
                                        column=layout.STAFF_ID_HEADER)
    if row.staff_id:
        return True
    out.error("monthly.no_staff_id",
              "本行填写了内容，但「工号」为空（请不要修改或删除预填的灰色单元格）",
              **row.where, column=layout.STAFF_ID_HEADER)
    return False


def staff_id_once(row: Row, table: Table, out: Collector) -> bool:
    if row.staff_id in table.seen:
        out.error("monthly.duplicate_row",
                  f"工号「{shown(row.staff_id)}」重复（第 {table.seen[row.staff_id]} 行已有）",
                  **row.where, column=layout.STAFF_ID_HEADER)
        return False
    table.seen[row.staff_id] = row.where["row"]
    return True


def person_expected(row: Row, table: Table, out: Collector) -> bool:
    if row.staff_id in table.expected:
        return True
    out.error("monthly.unexpected_person",
              f"工号「{shown(row.staff_id)}」（{shown(row.cell(1))}）不应出现在本表中"
              + ("：此人不由本表评分人评定" if table.edition == layout.LEADER_EDITION else ""),
              **row.where, column=layout.STAFF_ID_HEADER)
    return False


def item_scores(row: Row, table: Table, out: Collector) -> bool:
    """Each item's score within 0..maximum with the policy's places; blank items noted."""
    for item in table.items:
        value = row.cell(table.item_columns[item.name])
        # a number (not NaN) is never blank: the common case, without blank_cell's steps
        if not (type(value) is float and value == value) and blank_cell(value):
            row.blank.append(item.header)
            continue
        row.scores[item.name] = score_value(value, item.maximum, table.policy.score_places,
                                            item.header, out, **row.where, column=item.header)
    return True


def deduction_value(row: Row, table: Table, out: Collector) -> bool:
    if table.deduction_col is None:
        return True
    value = row.cell(table.deduction_col)
    row.deduction_text = clean_text(value)
    row.deduction = score_value(value, table.policy.max_deduction, table.policy.score_places,
                                layout.DEDUCTION_HEADER, out, **row.where,
                                column=layout.DEDUCTION_HEADER)
    return True


def rated_grade_value(row: Row, table: Table, out: Collector) -> bool:
    """评定等次: blank, or one of the policy's grades (spaces and full-width forms ignored)."""
    if table.rated_grade_col is None:
        return True
    row.rated_grade = grade_value(row.cell(table.rated_grade_col), table.policy, out,
                                  layout.RATED_GRADE_HEADER, **row.where,
                                  column=layout.RATED_GRADE_HEADER)
    return True


def row_complete(row: Row, table: Table, out: Collector) -> bool:
    """A row is filled whole or left blank (未考核); a half-filled row is refused."""
    if row.assessed and row.blank:
        out.error("monthly.partial_row",
                  "本行只填写了部分评分，缺：" + "、".join(row.blank) + "（本月未考核的人员请整行留空）",
                  **row.where)
    elif row.rated_grade and not row.assessed:
        out.error("monthly.grade_without_scores",
                  f"填写了评定等次「{row.rated_grade}」，但本行未填写评分"
                  "（本月未考核的人员请整行留空）",
                  **row.where, column=layout.RATED_GRADE_HEADER)
    return True


def _grades_within(low: Decimal, high: Decimal, policy: Policy) -> list[str]:
    """The grades a monthly score between `low` and `high` can take (best first)."""
    names = list(policy.grade_names)
    best, worst = names.index(policy.grade_of(high)), names.index(policy.grade_of(low))
    return names[best: worst + 1]


def rated_grade_has_remark(row: Row, table: Table, out: Collector) -> bool:
    """A 评定等次 other than the score's grade needs a reason in 备注 (SPEC §5). The office
    items are on the other edition, so the month score is only known at scoring time; here
    the leader's part bounds it: when no office score could give the rated grade, the row is
    refused now; when it might differ, a notice says what happens without a reason."""
    if not row.rated_grade or row.blank or not row.scores or None in row.scores.values() \
            or typed_text(row.cell(table.remark_col)):
        return True
    policy = table.policy
    leader = sum(row.scores.values(), Decimal(0)) - (row.deduction or Decimal(0))
    office_max = sum((item.maximum for item in policy.office_items), Decimal(0))
    low, high = policy.round_score(leader), policy.round_score(leader + office_max)
    possible = _grades_within(low, high, policy)
    span = f"{low:.2f}" if low == high else f"{low:.2f}～{high:.2f}"
    if row.rated_grade not in possible:
        out.error(
            "monthly.rated_grade_without_remark",
            f"评定等次「{row.rated_grade}」与得分对应的等次不一致：本行领导评分减履职扣分为 "
            f"{leader:.2f} 分，加上考核办评分后月度得分在 {span} 分之间，等次应为"
            + "或".join(possible) + "。评定等次与得分等次不同的，须在「备注」中写明理由",
            **row.where, column=layout.REMARK_HEADER)
    elif possible != [row.rated_grade]:
        out.warn(
            "monthly.rated_grade_unexplained",
            f"填写了评定等次「{row.rated_grade}」但「备注」为空：如与最终得分对应的等次不一致，"
            "该评定等次不予采用、按得分等次计，并在月度汇总的数据问题中列出",
            **row.where, column=layout.REMARK_HEADER)
    return True


def deduction_has_reason(row: Row, table: Table, out: Collector) -> bool:
    if row.deduction and row.deduction > 0 and not clean_text(row.cell(table.reason_col)):
        out.error("monthly.deduction_without_reason", "有履职扣分，但未填写扣分事由",
                  **row.where, column=layout.REASON_HEADER)
    return True


ROW_CHECKS: tuple[Callable[[Row, Table, Collector], bool], ...] = (
    staff_id_present,
    staff_id_once,
    person_expected,
    item_scores,
    deduction_value,
    rated_grade_value,
    row_complete,
    deduction_has_reason,
    rated_grade_has_remark,
)


def _stored(row: Row, table: Table) -> dict:
    """A kept row's values. 评定等次 only when filled, so a form without a rating keeps the
    content hash it had before the column existed (`rebuild` compares stores by it)."""
    stored = {
        "staff_id": row.staff_id,
        "sheet_row": row.where["row"],
        "assessed": row.assessed,
        "items": {k: f"{v:f}" for k, v in row.scores.items() if v is not None},
        "deduction": f"{row.deduction or Decimal(0):f}",
        "reason": typed_text(row.cell(table.reason_col)),
        "remark": typed_text(row.cell(table.remark_col)),
    }
    if row.rated_grade:
        stored["rated_grade"] = row.rated_grade
    return stored


def missing_rows(table: Table, out: Collector) -> None:
    """Every expected person without a row: a notice, counted as not assessed."""
    for person_id, person in table.expected.items():
        if person_id not in table.seen:
            out.warn("monthly.row_missing",
                     f"表中缺少 {person.name}（{person_id}）的评分行，按本月未考核处理",
                     sheet=table.raw.table_sheet)


def check_rows(table: Table, out: Collector) -> list[dict]:
    """Run the row checks on every filled row; the rows that pass all of them are kept."""
    raw, rows = table.raw, []
    for offset, cells in enumerate(raw.table[1:], start=1):
        if all(clean_text(v) == "" for v in cells):
            continue
        row = Row(cells, {"sheet": raw.table_sheet, "row": raw.table_row + offset})
        if all(check(row, table, out) for check in ROW_CHECKS):
            rows.append(_stored(row, table))
    missing_rows(table, out)
    return rows


def _signature(raw, edition, rater, out) -> dict:
    sign = raw.fields.get(layout.RATER_SIGN_NAME)
    where = {**out.at(layout.RATER_SIGN_NAME), "column": "评分人签名"}
    if clean_name(sign) == "":
        out.error("monthly.unsigned", "评分人未签名", **where)
    elif edition == layout.LEADER_EDITION and not check_signature(sign, rater, out, **where):
        out.error(
            "monthly.wrong_signer",
            f"签名「{shown(sign)}」不是本表评分人「{rater.name}」",
            **where,
        )
    date = date_value(
        raw.fields.get(layout.RATER_DATE_NAME), out, "签名日期", **out.at(layout.RATER_DATE_NAME)
    )
    if edition == layout.LEADER_EDITION and signature_with_title(sign, rater):
        sign = rater.name
    return {"rater_sign": clean_name(sign), "rater_date": date}


def _shown_month(raw: RawForm) -> str:
    """The 考核月份 printed above the table (`考核月份：2026年3月`), '' when there is none."""
    match = _MONTH_TEXT.search(clean_text(raw.fields.get("_subtitle")))
    return match.group(1) if match else ""


def _month_text(raw: RawForm) -> str:
    return raw.meta.get("period", "") or _shown_month(raw)


def check(raw: RawForm, roster: Roster, policy: Policy) -> tuple[dict | None, list]:
    """The record fields of a monthly edition and its issues."""
    out = Collector(raw)
    if not raw.table:
        out.error("form.header_missing", "找不到评分表的表头（工号 | 姓名 | 股室）")
        return None, out.issues
    headers = [clean_text(h) for h in raw.table[0]]
    edition = _edition(raw, headers)
    items = policy.leader_items if edition == layout.LEADER_EDITION else policy.office_items
    table_where = {"sheet": raw.table_sheet, "row": raw.table_row}
    month = check_month(_month_text(raw), policy, out, sheet=raw.table_sheet)
    same_period(raw.meta.get("period", ""), _shown_month(raw), parse_month, "考核月份", out,
                sheet=raw.table_sheet, row=raw.table_row - 2 if raw.table_row > 2 else None)
    if month is not None:
        roster = roster.for_period(month)  # the people and raters of its own month
    columns = _item_columns(headers, items, out, table_where)
    ids = [clean_text(row[0]) for row in raw.table[1:] if clean_text(row[0])]
    rater = None
    if edition == layout.LEADER_EDITION:
        rater = _rater(raw, roster, policy, edition, ids, out)
        expected = {p.staff_id: p for p in roster.rated_by(rater.staff_id)} if rater else {}
    else:
        expected = {p.staff_id: p for p in roster.assessed()}
    if month is None or columns is None or (edition == layout.LEADER_EDITION and rater is None):
        return None, out.issues
    shown_rater = _RATER_TEXT.search(clean_text(raw.fields.get("_subtitle")))
    if rater is not None and shown_rater and clean_name(shown_rater.group(1)) != \
            clean_name(rater.name) and not signature_with_title(shown_rater.group(1), rater):
        out.error(
            "form.identity_mismatch",
            f"表头的评分人「{shown(shown_rater.group(1))}」与表格标识中的评分人"
            f"「{rater.name}」（{rater.staff_id}）不一致：这份表是 {rater.name} 的，"
            "不能改作他人的评分表。请使用系统为本人生成的表格",
            sheet=raw.table_sheet,
        )
    index = {h: i for i, h in enumerate(headers)}
    table = Table(raw, policy, edition, items, columns, expected,
                  deduction_col=index.get(layout.DEDUCTION_HEADER),
                  reason_col=index.get(layout.REASON_HEADER),
                  remark_col=index.get(layout.REMARK_HEADER),
                  rated_grade_col=(index.get(layout.RATED_GRADE_HEADER)
                                   if edition == layout.LEADER_EDITION else None),
                  roster=roster)
    rows = check_rows(table, out)
    values = {
        "month": str(month),
        "edition": edition,
        "rater_id": rater.staff_id if rater else "",
        "rows": rows,
        **_signature(raw, edition, rater, out),
    }
    notes = outside_values(raw, roster, policy, out)
    if notes:
        values["margin_notes"] = notes
    subject = rater.staff_id if rater else ""
    record = {
        "form_kind": layout.MONTHLY_KIND,
        "edition": edition,
        "subject_id": subject,
        "period": str(month),
        "payload": values,
    }
    return record, out.issues


__all__ = ["check", "identity"]
