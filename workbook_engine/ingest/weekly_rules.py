"""Rules of a returned weekly form (SPEC §4.2): identity, grades, the review chain's signatures.

评定 given, signed 钱副 (the 分管领导), no 初评 for a 一般干部职工 → weekly.missing_initial
初评 signed by someone who is not the 股室长                     → weekly.wrong_signer
nothing written about the week                                 → weekly.empty
"""

from __future__ import annotations

import datetime as dt

from workbook_engine.forms import layout
from workbook_engine.ingest.checks import (
    Collector,
    check_person,
    check_signature,
    check_week,
    date_value,
    grade_value,
    identity,
    outside_values,
    resolve_staff_id,
    same_period,
    same_staff_id,
    shown,
    signature_with_title,
)
from workbook_engine.ingest.read import RawForm
from workbook_engine.memo import keep
from workbook_engine.periods import parse_week
from workbook_engine.policy import Policy
from workbook_engine.roster import Person, Roster
from workbook_engine.text import clean_name, clean_text, typed_text

LABELS = {
    "staff_id": "工号",
    "staff_name": "姓名",
    "section": "股室",
    "period": "考评周",
    "work_done": "本周工作完成情况",
    "next_plan": "下周工作计划",
    "self_grade": "自评等次",
    "chief_grade": "初评等次",
    "chief_comment": "初评意见",
    "chief_sign": "初评签名",
    "chief_date": "初评日期",
    "leader_grade": "评定等次",
    "leader_comment": "评定意见",
    "leader_sign": "评定签名",
    "leader_date": "评定日期",
}


# Where a field's issue points, per field and the place it was read from (the same few in
# every form). Only ever unpacked into a call (`**_where(...)`), so a kept dict never changes.
_PLACES_SIZE = 4096
_places: dict[tuple[str, str], dict] = {}


def _where(out: Collector, name: str) -> dict:
    key = (name, out.raw.refs.get(name, ""))
    found = _places.get(key)
    if found is None:
        found = keep(_places, key, {**out.at(name), "column": LABELS[name]}, _PLACES_SIZE)
    return found


def _identity(raw: RawForm, roster: Roster, policy: Policy, out: Collector):
    fields = raw.fields
    staff_id = identity(raw, "staff_id", fields.get("staff_id"))
    period = identity(raw, "period", fields.get("period"))
    if not staff_id and not period:
        out.error(
            "form.blank_template", "这是空白模板（没有工号和考评周），请使用系统为本人生成的预填表"
        )
        return None, None
    shown_id = clean_text(fields.get("staff_id"))
    if not raw.meta.get("staff_id"):
        staff_id = resolve_staff_id(staff_id, roster, out, **_where(out, "staff_id"))
    elif shown_id and shown_id != raw.meta["staff_id"] \
            and same_staff_id(shown_id, raw.meta["staff_id"]):
        out.warn(
            "form.id_leading_zeros",
            f"表内工号「{shown(shown_id)}」按表格标识识别为「{shown(raw.meta['staff_id'])}」"
            "（表格软件去掉了工号前面的 0）",
            **_where(out, "staff_id"),
        )
    if raw.meta.get("staff_id") and shown_id and not same_staff_id(shown_id, raw.meta["staff_id"]):
        out.error(
            "form.identity_mismatch",
            f"表内工号「{shown(shown_id)}」与表格标识「{shown(raw.meta['staff_id'])}」不一致，"
            "请不要修改预填的灰色单元格",
            **_where(out, "staff_id"),
        )
    week = check_week(period, policy, out, **_where(out, "period"))
    same_period(raw.meta.get("period", ""), fields.get("period"), parse_week, "考评周", out,
                **_where(out, "period"))
    if week is not None:
        roster = roster.for_period(week)  # validated against the bureau of its own week
    person = check_person(staff_id, roster, out, **_where(out, "staff_id"))
    shown_name = clean_name(fields.get("staff_name"))
    if person is not None and shown_name and shown_name != clean_name(person.name):
        out.error(
            "form.name_mismatch",
            f"姓名「{shown(shown_name)}」与花名册中工号 {person.staff_id} 的姓名「{person.name}」不一致",
            **_where(out, "staff_name"),
        )
    return person, week


def _review(raw, out, policy, prefix: str, expected: Person | None, role: str) -> dict:
    grade = grade_value(
        raw.fields.get(f"{prefix}_grade"),
        policy,
        out,
        LABELS[f"{prefix}_grade"],
        **_where(out, f"{prefix}_grade"),
    )
    sign = raw.fields.get(f"{prefix}_sign")
    signed = clean_name(sign)
    if grade and signed == "":
        out.error(
            "weekly.unsigned",
            f"{LABELS[prefix + '_grade']}已填写，但{role}未签名",
            **_where(out, f"{prefix}_sign"),
        )
    elif signed and not check_signature(sign, expected, out, **_where(out, f"{prefix}_sign")):
        who = f"应为{role}「{expected.name}」" if expected else f"本表不需要{role}签名"
        out.error(
            "weekly.wrong_signer",
            f"签名「{shown(sign)}」不是预期的评分人（{who}）",
            **_where(out, f"{prefix}_sign"),
        )
    if signed and clean_text(raw.fields.get(f"{prefix}_grade")) == "":
        out.error(
            "weekly.grade_missing",
            f"{role}已签名，但未选择{LABELS[prefix + '_grade']}",
            **_where(out, f"{prefix}_grade"),
        )
    name = clean_name(expected.name) if expected is not None else ""
    return {
        f"{prefix}_grade": grade,
        f"{prefix}_comment": typed_text(raw.fields.get(f"{prefix}_comment")),
        # signed with a title after the name: the name; an exact name is the name already
        f"{prefix}_sign": name if expected is not None and signed != name
        and signature_with_title(sign, expected) else signed,
        f"{prefix}_date": date_value(
            raw.fields.get(f"{prefix}_date"),
            out,
            LABELS[f"{prefix}_date"],
            **_where(out, f"{prefix}_date"),
        ),
    }


def _work_log(raw: RawForm, out: Collector) -> list[list[str]]:
    rows = raw.table[1:] if raw.table and clean_text(raw.table[0][0]) == "日期" else raw.table
    log = []
    for offset, row in enumerate(rows, start=1):
        day, content, note = (list(row) + [None, None, None])[:3]
        if clean_text(content) == "" and clean_text(note) == "":
            # a date cell (always read as a date) is never the warning's case: skip its checks
            if type(day) is not dt.date and clean_text(day) \
                    and not date_value(day, Collector(raw), "日期"):
                out.warn("weekly.log_without_content",
                         f"「日期」栏填写了「{shown(day)}」，但这一行没有工作内容，未计入工作日志",
                         sheet=raw.table_sheet, row=raw.table_row + offset, column="日期")
            continue
        day = date_value(day, out, "日期", sheet=raw.table_sheet, row=raw.table_row + offset)
        log.append([day, typed_text(content), typed_text(note)])
    return log


def check(raw: RawForm, roster: Roster, policy: Policy) -> tuple[dict | None, list]:
    """The record fields of a weekly form and its issues."""
    out = Collector(raw)
    person, week = _identity(raw, roster, policy, out)
    if person is None or week is None:
        return None, out.issues
    if week.sunday > dt.date.today():
        out.warn(
            "weekly.week_not_over",
            f"考评周 {week} 还没有结束（到 {week.sunday.month}月{week.sunday.day}日），"
            "表格已接收；本周如有补充，可在周末后重新发送（以最后保存的一份为准）",
            **_where(out, "period"),
        )
    roster = roster.for_period(week)
    chief = roster.initial_rater(person) if roster.needs_initial_rating(person) else None
    final = roster.final_rater(person)
    values = {
        "staff_id": person.staff_id,
        "staff_name": person.name,
        "section": person.section,
        "week": str(week),
        "month": str(week.month),
        "work_done": typed_text(raw.fields.get("work_done")),
        "next_plan": typed_text(raw.fields.get("next_plan")),
        "self_grade": grade_value(
            raw.fields.get("self_grade"), policy, out, "自评等次", **_where(out, "self_grade")
        ),
    }
    chief_title = "股室长" if chief is not None else "初评人"
    values.update(_review(raw, out, policy, "chief", chief, chief_title))
    final_title = final.category if final is not None else "分管领导"
    values.update(_review(raw, out, policy, "leader", final, final_title))
    values["work_log"] = _work_log(raw, out)
    notes = outside_values(raw, roster, policy, out)
    if notes:
        values["margin_notes"] = notes
    if not values["work_done"] and not values["work_log"]:
        out.error("weekly.empty", "本周工作完成情况和工作日志都未填写", **_where(out, "work_done"))
    if values["leader_grade"] and chief is not None and not values["chief_grade"]:
        out.error(
            "weekly.missing_initial",
            f"已有{final_title}评定，但缺少股室长（{chief.name}）的初评",
            **_where(out, "chief_grade"),
        )
    record = {
        "form_kind": layout.WEEKLY_KIND,
        "edition": "",
        "subject_id": person.staff_id,
        "period": str(week),
        "payload": values,
    }
    return record, out.issues
