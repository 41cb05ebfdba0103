"""How the simulated people fill their forms: work text, weekly grades, monthly scores.

Filled forms are written through the same form builders as the blank ones, with values in
the input cells, exactly what a person typing into the prefilled form returns.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from workbook_engine.demo.bureau import Member
from workbook_engine.forms.monthly import MonthlyRow
from workbook_engine.forms.weekly import WeeklyIdentity

WORK = {
    "办公室": ("起草局务会议纪要", "整理年度档案", "办理来文来电", "筹备专题会议", "编发工作简报"),
    "规划股": ("审核建设工程规划许可", "开展规划批后管理巡查", "修编村庄规划", "审查设计方案"),
    "建管股": ("办理施工许可", "检查在建项目农民工工资支付", "开展建筑市场执法检查"),
    "质安股": ("开展工地安全生产检查", "督促隐患整改", "组织质量监督抽检", "处理质量投诉"),
    "房管股": ("办理房屋登记", "排查老旧小区安全", "调处物业纠纷", "审核保障房申请"),
    "村镇股": ("核查农村危房改造", "指导乡镇建设", "验收农房改造项目"),
    "城建股": ("推进市政道路项目", "督导污水管网建设", "开展城市体检"),
    "财务股": ("编制月度财务报表", "审核项目资金拨付", "办理费用报销"),
    "局领导": ("主持召开专题会议", "督导重点项目", "带队开展安全检查", "研究部署阶段工作"),
}
COMMENTS = ("工作扎实，按时完成", "完成较好，继续保持", "主动作为，成效明显", "请加快进度")


def _grade(score: float) -> str:
    return "优秀" if score >= 95 else "称职" if score >= 80 else "基本称职" if score >= 70 else "不称职"


def weekly_values(member: Member, identity: WeeklyIdentity, days: tuple[dt.date, ...],
                  rng: random.Random, sunday: dt.date) -> tuple[dict, tuple[str, ...]]:
    """The input cells of one weekly form, as staff, chief and leader fill them."""
    tasks = WORK.get(member.section, WORK["办公室"])
    weekly_score = member.level + rng.uniform(-4, 4)
    grade = _grade(weekly_score)
    values = {
        "work_done": "；".join(rng.sample(tasks, min(2, len(tasks)))) + "。",
        "next_plan": f"继续{rng.choice(tasks)}。",
        "self_grade": "称职" if grade != "优秀" else "优秀",
        "leader_grade": grade,
        "leader_sign": identity.final_rater_name,
        "leader_comment": rng.choice(COMMENTS),
        "leader_date": sunday + dt.timedelta(days=2),
    }
    if identity.chief_name:
        values.update(chief_grade=grade, chief_sign=identity.chief_name,
                      chief_comment=rng.choice(COMMENTS), chief_date=sunday + dt.timedelta(days=1))
    log = tuple(rng.choice(tasks) for _ in days)
    return values, log


def split(total: float, maxima: list[Decimal], rng: random.Random) -> list[Decimal]:
    """Item scores near `total` % of each maximum, to half points, never above the maximum."""
    scores = []
    for maximum in maxima:
        share = max(0.0, min(1.0, total / 100 + rng.uniform(-0.03, 0.03)))
        value = Decimal(round(float(maximum) * share * 2) / 2).quantize(Decimal("0.1"))
        scores.append(min(value, maximum).normalize())
    return scores


def monthly_level(member: Member, month: int, rng: random.Random) -> float:
    """The person's score this month; the weak performer has one 不称职 month (June)."""
    if member.level < 80 and month == 6:
        return 66.0
    return member.level + rng.uniform(-3, 3)


def leader_row(row: MonthlyRow, member: Member | None, month: int, leader_max: list[Decimal],
               rng: random.Random) -> MonthlyRow:
    if member is None or month < member.joins:
        return row
    level = monthly_level(member, month, rng)
    deduction, reason = None, ""
    if rng.random() < 0.03:
        deduction, reason = rng.choice(((1, "迟报信息"), (2, "会议缺席未请假"), (3, "督查整改不到位")))
    items = split(level, leader_max, rng)
    rated, remark = _rated(member, month)
    return MonthlyRow(row.staff_id, row.staff_name, row.section, row.weekly_summary,
                      items=tuple(items), deduction=deduction, reason=reason,
                      rated_grade=rated, remark=remark)


def _rated(member: Member, month: int) -> tuple[str, str]:
    """The leader's own 评定等次 with its reason in 备注: in July a few steady people who
    stood out in the flood season are rated 优秀 whatever their score (no draw from the rng,
    so every other simulated value stays as it was)."""
    if month == 7 and 91.0 <= member.level < 91.5:
        return "优秀", "七月防汛抢险连续值守，表现突出"
    return "", ""


def office_row(row: MonthlyRow, member: Member | None, month: int, office_max: list[Decimal],
               rng: random.Random) -> MonthlyRow:
    if member is None or month < member.joins:
        return row
    items = split(monthly_level(member, month, random.Random(rng.random())), office_max, rng)
    return MonthlyRow(row.staff_id, row.staff_name, row.section, items=tuple(items))
