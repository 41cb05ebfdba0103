"""Rules of a returned monthly form (SPEC §4.3): headers, rows, scores, deductions, signature.

思想作风(20) = 九十五            → score.not_number (row, column named)
three items filled, one blank    → monthly.partial_row
all items blank                  → the person was not assessed that month (未考核)
履职扣分 2 without 扣分事由       → monthly.deduction_without_reason
"""

from __future__ import annotations

import re
from decimal import Decimal

from workbook_engine.forms import layout
from workbook_engine.ingest.checks import (
    Collector,
    blank_cell,
    check_month,
    check_person,
    date_value,
    identity,
    score_value,
    shown,
)
from workbook_engine.ingest.read import RawForm
from workbook_engine.policy import Policy, ScoreItem
from workbook_engine.roster import Roster
from workbook_engine.text import clean_name, clean_text, parse_number

_HEADER = re.compile(r"^(.*?)\s*(?:\(\s*([\d.]+)\s*分?\s*\))?$")
_MONTH_TEXT = re.compile(r"考核月份[:：]\s*(\S+)")


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


def _row_values(row, columns, items, deduction_col, reason_col, remark_col, policy, out, where):
    scores = {}
    blank = []
    for item in items:
        col = columns[item.name]
        value = row[col] if col < len(row) else None
        cell_where = {**where, "column": item.header}
        if blank_cell(value):
            blank.append(item.header)
            continue
        number = score_value(
            value, item.maximum, policy.score_places, item.header, out, **cell_where
        )
        scores[item.name] = number
    deduction = None
    raw_deduction = row[deduction_col] if deduction_col is not None else None
    if deduction_col is not None:
        deduction = score_value(
            raw_deduction,
            policy.max_deduction,
            policy.score_places,
            layout.DEDUCTION_HEADER,
            out,
            **where,
            column=layout.DEDUCTION_HEADER,
        )
    reason = clean_text(row[reason_col]) if reason_col is not None else ""
    remark = clean_text(row[remark_col]) if remark_col is not None else ""
    return scores, blank, deduction, clean_text(raw_deduction), reason, remark


def _check_rows(raw, headers, columns, items, edition, expected, policy, out):
    index = {h: i for i, h in enumerate(headers)}
    deduction_col = index.get(layout.DEDUCTION_HEADER)
    reason_col = index.get(layout.REASON_HEADER)
    remark_col = index.get(layout.REMARK_HEADER)
    rows, seen = [], {}
    for offset, row in enumerate(raw.table[1:], start=1):
        if all(clean_text(v) == "" for v in row):
            continue
        where = {"sheet": raw.table_sheet, "row": raw.table_row + offset}
        staff_id = clean_text(row[0])
        if not staff_id:
            out.error(
                "monthly.no_staff_id",
                "本行填写了内容，但「工号」为空（请不要修改或删除预填的灰色单元格）",
                **where,
                column="工号",
            )
            continue
        if staff_id in seen:
            out.error(
                "monthly.duplicate_row",
                f"工号「{shown(staff_id)}」重复（第 {seen[staff_id]} 行已有）",
                **where,
                column="工号",
            )
            continue
        seen[staff_id] = where["row"]
        if staff_id not in expected:
            out.error(
                "monthly.unexpected_person",
                f"工号「{shown(staff_id)}」（{shown(row[1])}）不应出现在本表中"
                + ("：此人不由本表评分人评定" if edition == layout.LEADER_EDITION else ""),
                **where,
                column="工号",
            )
            continue
        scores, blank, deduction, deduction_text, reason, remark = _row_values(
            row, columns, items, deduction_col, reason_col, remark_col, policy, out, where
        )
        assessed = bool(scores) or bool(deduction_text)
        if assessed and blank:
            out.error(
                "monthly.partial_row",
                "本行只填写了部分评分，缺：" + "、".join(blank) + "（本月未考核的人员请整行留空）",
                **where,
            )
        if deduction and deduction > 0 and not reason:
            out.error(
                "monthly.deduction_without_reason",
                "有履职扣分，但未填写扣分事由",
                **where,
                column=layout.REASON_HEADER,
            )
        rows.append(
            {
                "staff_id": staff_id,
                "sheet_row": where["row"],
                "assessed": assessed,
                "items": {k: f"{v:f}" for k, v in scores.items() if v is not None},
                "deduction": f"{deduction or Decimal(0):f}",
                "reason": reason,
                "remark": remark,
            }
        )
    for person_id, person in expected.items():
        if person_id not in seen:
            out.warn(
                "monthly.row_missing",
                f"表中缺少 {person.name}（{person_id}）的评分行，按本月未考核处理",
                sheet=raw.table_sheet,
            )
    return rows


def _signature(raw, edition, rater, out) -> dict:
    sign = raw.fields.get(layout.RATER_SIGN_NAME)
    where = {**out.at(layout.RATER_SIGN_NAME), "column": "评分人签名"}
    if clean_name(sign) == "":
        out.error("monthly.unsigned", "评分人未签名", **where)
    elif edition == layout.LEADER_EDITION and clean_name(sign) != clean_name(rater.name):
        out.error(
            "monthly.wrong_signer",
            f"签名「{shown(sign)}」不是本表评分人「{rater.name}」",
            **where,
        )
    date = date_value(
        raw.fields.get(layout.RATER_DATE_NAME), out, "签名日期", **out.at(layout.RATER_DATE_NAME)
    )
    return {"rater_sign": clean_name(sign), "rater_date": date}


def _month_text(raw: RawForm) -> str:
    period = raw.meta.get("period", "")
    if period:
        return period
    match = _MONTH_TEXT.search(clean_text(raw.fields.get("_subtitle")))
    return match.group(1) if match else ""


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
    rows = _check_rows(raw, headers, columns, items, edition, expected, policy, out)
    values = {
        "month": str(month),
        "edition": edition,
        "rater_id": rater.staff_id if rater else "",
        "rows": rows,
        **_signature(raw, edition, rater, out),
    }
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
