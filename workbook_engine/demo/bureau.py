"""The simulated bureau: people, sections and a year's ledger, all from one seeded RNG.

    Bureau(seed=2026, people=60) → a 局长, 4 分管领导, 8 股室 each with a 股室长, the rest
    一般干部职工; realistic names (two people share one); one 离岗, one not ranked; each
    person has a "level" that drives their scores. The year changes the bureau (人员变动,
    分工变动): a joiner on 1 May, a transfer between 股室 on 1 June, a new 分管领导 for 办公室
    on 1 July, a leaver on 1 August, and on 1 October a 股室长 retires and a member of the
    股室 is promoted in their place.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "志强",
         "晓东", "海燕", "建国", "春梅", "德明", "丽娟", "子涵", "宇航", "思远", "雨欣", "浩然",
         "婷婷", "晓燕", "国庆", "俊杰", "红梅", "文博", "嘉怡", "立新", "永刚", "秀兰", "佳琪")
SECTIONS = ("办公室", "规划股", "建管股", "质安股", "房管股", "村镇股", "城建股", "财务股")
ISSUERS_BY_LEVEL = ("省委省政府", "州委州政府", "省级部门", "县委县政府", "州级部门", "县级部门")
DOC_PREFIX = {"省委省政府": "省政", "州委州政府": "州政", "省级部门": "省住建",
              "县委县政府": "县政", "州级部门": "州住建", "县级部门": "县住建"}
PRAISE_REASONS = ("防汛抢险表现突出", "安全生产检查成绩优异", "文明城市创建工作突出",
                  "农村危房改造成效显著", "信访维稳工作成绩突出", "项目建设推进有力")
CRITICISM_REASONS = ("督查发现整改不到位", "信息报送迟报漏报", "安全隐患排查不彻底",
                     "会议纪律通报")
ACTIVITIES = (("义务植树活动", "县委县政府"), ("全县职工运动会", "县委县政府"),
              ("州住建系统业务竞赛", "州级部门"), ("全省住建系统知识竞赛", "省级部门"),
              ("无偿献血活动", "县委县政府"), ("全州岗位练兵比武", "州委州政府"))


@dataclass
class Member:
    staff_id: str
    name: str
    section: str
    category: str
    start: dt.date
    in_post: bool = True
    assessed: bool = True
    ranked: bool = True
    level: float = 90.0  # the person's usual monthly score
    joins: int = 1  # first month assessed (mid-year joiner: later)


@dataclass
class Bureau:
    year: int
    members: list[Member] = field(default_factory=list)
    sections: list[tuple[str, str, str]] = field(default_factory=list)  # 股室, 股室长, 分管领导
    person_changes: list[tuple] = field(default_factory=list)  # 人员变动 rows
    duty_changes: list[tuple] = field(default_factory=list)  # 分工变动 rows

    def assessed(self) -> list[Member]:
        return [m for m in self.members if m.in_post and m.assessed]


def _names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in names:
            names.append(name)
    return names


def make_bureau(year: int, people: int, seed: int) -> Bureau:
    """A bureau of about `people` people (at least 20) in 8 股室 under 4 分管领导."""
    rng = random.Random(seed)
    people = max(people, 20)
    names = _names(rng, people)
    names[-1] = names[-2]  # two people share a name, as in any real office
    bureau = Bureau(year)

    def start_date() -> dt.date:
        return dt.date(rng.randint(1988, year - 1), rng.randint(1, 12), 1)

    def add(category: str, section: str, number: int) -> Member:
        member = Member(f"{number:04d}", names[len(bureau.members)], section, category,
                        start_date(), level=rng.uniform(80, 94))
        bureau.members.append(member)
        return member

    add("局长", "局领导", 1001).assessed = False
    leaders = [add("分管领导", "局领导", 1002 + i) for i in range(4)]
    staff_per_section = (people - 13) // len(SECTIONS)
    extra = (people - 13) % len(SECTIONS)
    for index, section in enumerate(SECTIONS):
        chief = add("股室长", section, 2000 + index * 100 + 1)
        bureau.sections.append((section, chief.staff_id, leaders[index // 2].staff_id))
        for k in range(staff_per_section + (1 if index < extra else 0)):
            add("一般干部职工", section, 2000 + index * 100 + 2 + k)
    staff = [m for m in bureau.members if m.category == "一般干部职工"]
    staff[0].in_post = False
    staff[2].ranked = False
    staff[3].level = 74.0  # a weak performer: 基本称职 months and one 不称职 month
    _changes(bureau, staff, leaders)
    return bureau


def _changes(bureau: Bureau, staff: list[Member], leaders: list[Member]) -> None:
    """The year's changes; `members` and `sections` end as the roster at the year's end."""
    year = bureau.year
    joiner, leaver, mover, promoted = staff[1], staff[4], staff[5], staff[6]
    joiner.joins, joiner.start = 5, dt.date(year, 4, 20)
    leaver.in_post = False
    old_section = mover.section
    mover.section = SECTIONS[(SECTIONS.index(old_section) + 1) % len(SECTIONS)]
    index = next(i for i, s in enumerate(bureau.sections) if s[0] == promoted.section)
    name, chief_id, leader_id = bureau.sections[index]
    chief = next(m for m in bureau.members if m.staff_id == chief_id)
    chief.in_post = False
    promoted.category = "股室长"
    bureau.sections[index] = (name, promoted.staff_id, leader_id)
    office, office_chief, office_leader = bureau.sections[0]
    bureau.sections[0] = (office, office_chief, leaders[1].staff_id)
    bureau.person_changes = [
        (dt.date(year, 5, 1), joiner.staff_id, joiner.name, "调入", None, None, None, None,
         "公开招录"),
        (dt.date(year, 6, 1), mover.staff_id, mover.name, "调岗", old_section, mover.section,
         None, None, "局党组会议决定"),
        (dt.date(year, 8, 1), leaver.staff_id, leaver.name, "调出", None, None, None, None,
         "调县自然资源局"),
        (dt.date(year, 10, 1), chief.staff_id, chief.name, "离岗", None, None, None, None,
         "退休"),
        (dt.date(year, 10, 1), promoted.staff_id, promoted.name, "职务变动", None, None,
         "一般干部职工", "股室长", "任" + name + "股长"),
    ]
    bureau.duty_changes = [
        (dt.date(year, 7, 1), office, None, None, office_leader, leaders[1].staff_id),
        (dt.date(year, 10, 1), name, chief_id, promoted.staff_id, None, None),
    ]


def ledger_rows(bureau: Bureau, seed: int, entitlement) -> tuple[list, list, list]:
    """表扬批评, 活动 and 休假 rows for the bureau's year (header order of the ledger).

    `entitlement(start_date) -> days` is the clerk's knowledge of the leave rule (the policy).
    """
    rng = random.Random(seed + 1)
    year = bureau.year
    assessed = bureau.assessed()
    praise = []
    for number, issuer in enumerate(ISSUERS_BY_LEVEL + ISSUERS_BY_LEVEL[3:], start=1):
        day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        doc = f"{DOC_PREFIX[issuer]}〔{year}〕{number + 10}号"
        if number in (4, 8):
            sections = "、".join(rng.sample(SECTIONS, 2))
            praise.append((day, "表扬", issuer, doc, "集体", sections, rng.choice(PRAISE_REASONS)))
        else:
            who = rng.choice(assessed)
            praise.append((day, "表扬", issuer, doc, "个人", who.staff_id,
                           rng.choice(PRAISE_REASONS)))
    changed = {row[1] for row in bureau.person_changes}
    star = [m for m in assessed if m.staff_id not in changed][5]  # in post all year
    for number, issuer in enumerate(("省委省政府", "州委州政府", "省级部门"), start=40):
        praise.append((dt.date(year, 3 + number - 40, 15), "表扬", issuer,
                       f"{DOC_PREFIX[issuer]}〔{year}〕{number}号", "个人", star.name,
                       "重点项目建设成绩突出"))  # 12 + 8 + 8 and more: over the cap
    for number, issuer in enumerate(("县级部门", "州级部门", "县委县政府"), start=60):
        who = rng.choice([m for m in assessed if m.category != "分管领导"])
        day = dt.date(year, rng.randint(2, 11), rng.randint(1, 28))
        praise.append((day, "批评", issuer, f"{DOC_PREFIX[issuer]}〔{year}〕{number}号", "个人",
                       who.staff_id, rng.choice(CRITICISM_REASONS)))
    praise.append((dt.date(year, 9, 9), "批评", "县委县政府", f"县通〔{year}〕88号", "集体",
                   rng.choice(SECTIONS), "安全生产专项督查通报"))
    activities = []
    for name, organizer in ACTIVITIES:
        day = dt.date(year, rng.randint(3, 11), rng.randint(1, 28))
        for member in rng.sample(assessed, 6):
            activities.append((day, name, organizer, member.staff_id, member.name))
    in_year = [m for m in bureau.members if m.assessed and (m.in_post or m.staff_id in changed)]
    leave = []
    for index, member in enumerate(in_year[:-2]):  # two missing from 休假: a data problem
        days = entitlement(member.start)
        taken = max(0, days - rng.choice((0, 0, 0, 1, 2, 3, 5)))
        private = rng.choice((0, 0, 0, 0, 1, 2, 3, 6))
        written = None if index % 3 else days  # the clerk leaves some blank: derived
        leave.append((member.staff_id, member.name, written, taken, private))
    return praise, activities, leave
