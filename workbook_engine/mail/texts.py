"""The Chinese texts of the messages the office sends (forms, reminders, refusals)."""

from __future__ import annotations

import datetime as dt

from workbook_engine.periods import Month, Week, is_working_day

_WEEKDAYS = "一二三四五六日"
FOOTER = "\n\n{unit} 考核办\n（本邮件由考核程序自动发送。表格请作为附件回复本邮件。）"


def due_date(last_day: dt.date, working_days_after: int) -> dt.date:
    """The n-th working day after `last_day` (0: the last working day up to it)."""
    day = last_day
    if working_days_after == 0:
        while not is_working_day(day):
            day -= dt.timedelta(days=1)
        return day
    counted = 0
    while counted < working_days_after:
        day += dt.timedelta(days=1)
        counted += is_working_day(day)
    return day


def shown_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（星期{_WEEKDAYS[day.weekday()]}）"


def weekly_form(name: str, week: Week, file_name: str, chief: str, final: str, due: dt.date,
                unit: str) -> tuple[str, str]:
    subject = f"请填写{week.label}的周考评表（{name}）"
    review = (f"表中的初评由股室长{chief}填写，评定由{final}填写。" if chief
              else f"表中的评定由{final}填写。" if final else "")
    body = (f"{name}同志：\n\n"
            f"附件是您{week.label}的《周考评表》：{file_name}。\n\n"
            "请用 Excel 或 WPS 打开，在白色单元格中填写本周工作完成情况、下周工作计划和"
            f"工作日志（每个工作日一行），可选填自评等次。{review}\n"
            f"请于 {shown_date(due)} 前保存并作为附件回复本邮件。\n\n"
            "请不要修改表格中已填好的姓名、工号和考评周，也不要另存为其他格式。")
    return subject, body + FOOTER.format(unit=unit)


def monthly_form(name: str, month: Month, file_name: str, people: int, items: str,
                 due: dt.date, unit: str) -> tuple[str, str]:
    subject = f"请填写{month.label}月考评表（领导评分，{name}）"
    body = (f"{name}同志：\n\n"
            f"附件是{month.label}的《月考评表》（领导评分）：{file_name}，表中列有由您评分的"
            f" {people} 人。\n\n"
            f"请为每人填写 {items}；有履职扣分的请同时写明扣分事由；填写完毕在「评分人签名」处签名、"
            f"填写日期。\n请于 {shown_date(due)} 前保存并作为附件回复本邮件。")
    return subject, body + FOOTER.format(unit=unit)


def missing_form(name: str, what: str, due: dt.date | None, unit: str,
                 attached: bool) -> tuple[str, str]:
    subject = f"提醒：{what}尚未收到（{name}）"
    when = f"请于 {shown_date(due)} 前交回" if due else "请尽快交回"
    again = "附件是该表格，" if attached else ""
    body = (f"{name}同志：\n\n考核办尚未收到您的{what}。{again}{when}。\n"
            "如已发送，请忽略本邮件；如发送后被退回，请按退回原因修改后重新发送。")
    return subject, body + FOOTER.format(unit=unit)


def waiting_review(name: str, lines: list[str], attached: int, unit: str) -> tuple[str, str]:
    subject = f"提醒：有 {len(lines)} 份周考评表等待您评分（{name}）"
    listed = "\n".join(f"  {n}. {line}" for n, line in enumerate(lines, 1))
    again = (f"附件是这 {attached} 份表格，请在对应栏目中填写等次、意见并签名，保存后作为附件回复本邮件。"
             if attached else "请尽快完成评分。")
    body = f"{name}同志：\n\n以下周考评表等待您评分：\n{listed}\n\n{again}"
    return subject, body + FOOTER.format(unit=unit)


def returned(files: list[dict], unit: str) -> tuple[str, str]:
    names = "、".join(f"「{entry['name'].rsplit('/', 1)[-1]}」" for entry in files[:3])
    more = f"等 {len(files)} 个文件" if len(files) > 3 else ""
    subject = f"退回：{names}{more}未被接收，请修改后重新发送"
    parts = []
    for n, entry in enumerate(files, 1):
        reasons = "\n".join(f"     {line}" for line in entry["reasons"].splitlines())
        parts.append(f"{n}. 文件「{entry['name']}」（收到时间 {entry['received_at']}）\n{reasons}")
    body = ("您好：\n\n您发来的以下文件未被接收，原因如下：\n\n" + "\n\n".join(parts)
            + "\n\n请按上述原因修改后，作为附件重新发送。")
    return subject, body + FOOTER.format(unit=unit)
