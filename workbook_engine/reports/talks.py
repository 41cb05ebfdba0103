"""诫勉谈话 in the reports: the list with the talk as recorded, the notice handed to the person.

    month list:  3002 褚五 建管股 65.00 不称职 | 赵局 | 2026-06-03 | 指出迟报问题…  (recorded)
                 3002 褚五 建管股 65.00 不称职 | 未记录谈话 | |                     (not yet)
    notice:      one printed page per person: 诫勉谈话通知, the month's score and grade, the
                 reason recorded on the form, blanks for the time and place of the talk.
"""

from __future__ import annotations

import pandas as pd

from workbook_engine.ledger_records import Records
from workbook_engine.reports.book import Column, ReportBook
from workbook_engine.scoring.frames import records
from workbook_engine.style import NOTICE_MARGINS, setup_page

NOT_RECORDED = "未记录谈话"
TALK_COLUMNS = [
    Column("工号", "text", 9), Column("姓名", "text", 9), Column("股室", "text", 11),
    Column("考核月份", "text", 9), Column("月度得分", "number", 9), Column("等次", "grade", 8),
    Column("扣分事由", "text", 20), Column("谈话人", "text", 11), Column("谈话日期", "text", 11),
    Column("谈话要点", "text", 30), Column("整改承诺", "text", 24),
    Column("等次说明", "text", 24),  # when the leader's 评定等次 differs from the score's
]


def talk_rows(talk, talk_records: Records) -> list[list]:
    """One row per 不称职 person-month with each recorded talk, or 「未记录谈话」.
    `talk`: the talk list (a frame of monthly lines, or the Lines themselves)."""
    rows = []
    people = records(talk) if isinstance(talk, pd.DataFrame) else (t._asdict() for t in talk)
    for r in people:
        head = [r["staff_id"], r["name"], r["section"], r["month"], r["score"], r["grade"],
                r["reason"]]
        held = talk_records.talks_of(r["staff_id"], r["month"])
        note = r.get("grade_note") or ""
        for t in held:
            rows.append(head + [t["talker"], t["date"].isoformat() if t["date"] else "",
                                t["points"], t["promise"], note])
        if not held:
            rows.append(head + [NOT_RECORDED, "", "", "", note])
    return rows or [["无"] + [None] * (len(TALK_COLUMNS) - 1)]


def write_talk_notices(book: ReportBook, talk, month_label: str) -> None:
    """Sheet 谈话通知: one A4 page per person on the talk list (a page 「无」 when nobody)."""
    sheet = book.workbook.add_worksheet("谈话通知")
    fmt = book.fmt
    sheet.set_column(0, 3, 16)  # four columns within the A4 portrait width
    row, breaks = 0, []
    people = records(talk)
    for r in people:
        if row:
            breaks.append(row)
        sheet.merge_range(row, 0, row, 3, "诫勉谈话通知", fmt["notice_title"])
        sheet.set_row(row, 50)
        reason = f"领导评分表记录的扣分事由：{r['reason']}。" if r["reason"] else ""
        grade = f"等次为{r['grade']}"
        if r.get("score_grade") and r["score_grade"] != r["grade"]:
            grade = f"分数等次为{r['score_grade']}，经领导评定，等次为{r['grade']}"
        body = (f"{r['name']}同志（{r['section']}）：\n"
                f"    根据干部职工量化考核办法，你{month_label}月度考核得分 {r['score']:.2f} 分，"
                f"{grade}。{reason}按照规定，由考核领导小组组长或副组长对你进行诫勉谈话。\n"
                "    请于______年____月____日____时到____________________参加谈话。")
        sheet.merge_range(row + 1, 0, row + 1, 3, body, fmt["body"])
        sheet.set_row(row + 1, 110)
        for offset, text in ((3, "谈话人（组长或副组长）：______________"),
                             (4, "谈话对象签字：______________"),
                             (6, f"{book.unit}干部职工量化考核领导小组"),
                             (7, "______年____月____日")):
            sheet.merge_range(row + offset, 1, row + offset, 3, text, fmt["subtitle"])
            sheet.set_row(row + offset, 28)
        row += 10
    if not people:
        sheet.merge_range(0, 0, 0, 3, f"{month_label}诫勉谈话通知", fmt["notice_title"])
        sheet.merge_range(1, 0, 1, 3, "无（本月没有月度考核等次为不称职的人员）", fmt["body"])
        row = 3
    sheet.set_h_pagebreaks(breaks)  # one person a page; not fitted, so the breaks hold
    setup_page(sheet, landscape=False, margins=NOTICE_MARGINS, fit_width=False, centred=True)
    sheet.print_area(0, 0, max(row - 1, 1), 3)
