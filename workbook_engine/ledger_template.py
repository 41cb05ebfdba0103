"""The bonus/deduction ledger template (加减分台账.xlsx) a clerk fills in (SPEC §4.4).

The header tuples below are the contract: the ledger loader reads through the same names.

    write_ledger_template("加减分台账.xlsx", issuers=policy.issuers)
    → sheets 表扬批评, 活动, 休假 (headers in row 1, dropdowns, input help) and 填写说明
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from os import PathLike

import xlsxwriter

from workbook_engine.office_templates import (
    TemplateColumn,
    add_instructions_sheet,
    add_table_sheet,
    date_validation,
    list_validation,
    new_template,
)

LEDGER_FILE = "加减分台账.xlsx"
PRAISE_SHEET, ACTIVITY_SHEET, LEAVE_SHEET = "表扬批评", "活动", "休假"
PRAISE_HEADERS = ("日期", "类别", "发文机关", "文号", "范围", "对象", "事由")
ACTIVITY_HEADERS = ("日期", "活动名称", "组织单位", "工号", "姓名")
LEAVE_HEADERS = ("工号", "姓名", "应休年休假天数", "已休年休假天数", "事假天数")
TALK_SHEET, REMEDY_SHEET = "诫勉谈话", "整改台账"  # optional sheets (SPEC §4.4)
TALK_HEADERS = ("日期", "工号", "姓名", "考核月份", "谈话人", "谈话要点", "整改承诺")
REMEDY_HEADERS = ("季度", "股室", "问题", "整改措施", "责任人", "完成时限", "完成情况")
REMEDY_STATES = ("未完成", "进行中", "已完成")
PRAISE, CRITICISM = "表扬", "批评"
KINDS = (PRAISE, CRITICISM)
INDIVIDUAL, COLLECTIVE = "个人", "集体"
SCOPES = (INDIVIDUAL, COLLECTIVE)
TARGET_SEPARATORS = ("、", ",", "，", ";", "；")  # spaces too, where every word is a 股室
OPTIONS_SHEET = "_选项"  # hidden; holds a dropdown list too long to write inline


def write_ledger_template(
    path: str | PathLike, issuers: Sequence[str], sample: bool = False,
    rows: tuple[Sequence, Sequence, Sequence] | None = None,
) -> None:
    """Write 加减分台账.xlsx; `issuers` are the 发文机关/组织单位 values from the policy;
    `rows` (表扬批评, 活动, 休假 rows in header order) fill it (the demo bureau)."""
    workbook = new_template(path)
    issuer_check = _issuer_validation(issuers)
    praise_rows = _sample_praise(issuers) if sample else ()
    activity_rows = _sample_activities(issuers) if sample else ()
    leave_rows = _SAMPLE_LEAVE if sample else ()
    if rows is not None:
        praise_rows, activity_rows, leave_rows = rows
    add_table_sheet(workbook, PRAISE_SHEET, _praise_columns(issuers, issuer_check), praise_rows)
    add_table_sheet(
        workbook, ACTIVITY_SHEET, _activity_columns(issuers, issuer_check), activity_rows
    )
    add_table_sheet(workbook, LEAVE_SHEET, _leave_columns(), leave_rows)
    add_table_sheet(workbook, TALK_SHEET, _talk_columns())
    add_table_sheet(workbook, REMEDY_SHEET, _remedy_columns())
    add_instructions_sheet(workbook, "加减分台账填写说明", _instructions(issuers))
    if issuer_check and OPTIONS_SHEET in str(issuer_check["source"]):
        _add_options_sheet(workbook, issuers)
    workbook.close()


def _issuer_validation(issuers: Sequence[str]) -> dict | None:
    """A dropdown of the issuers; inline when short, else from a hidden sheet."""
    if not issuers:
        return None
    check = list_validation(issuers)
    if len(",".join(issuers)) > 250 or any("," in issuer for issuer in issuers):
        check["source"] = f"='{OPTIONS_SHEET}'!$A$1:$A${len(issuers)}"
        check["error_message"] = "只能从下拉列表中选择"
    return check


def _add_options_sheet(workbook: xlsxwriter.Workbook, issuers: Sequence[str]) -> None:
    """The hidden sheet a long dropdown list is read from (added last: never the active one)."""
    options = workbook.add_worksheet(OPTIONS_SHEET)
    for row, issuer in enumerate(issuers):
        options.write_string(row, 0, issuer)
    options.hide()


def _date_column(what: str) -> TemplateColumn:
    return TemplateColumn("日期", 12, "date", f"{what}日期，如 2026-03-15。", date_validation())


def _issuer_help(issuers: Sequence[str], what: str) -> str:
    listed = "、".join(issuers)
    return f"{what}，从下拉列表选择：{listed}。" if issuers else f"{what}。"


def _praise_columns(issuers: Sequence[str], issuer_check: dict | None) -> list[TemplateColumn]:
    target_help = "个人：填工号或不重名的姓名；集体：填一个或多个股室名称，用「、」或「,」分隔。"
    return [
        _date_column("发文"),
        TemplateColumn("类别", 8, "text", "表扬 或 批评。", list_validation(KINDS)),
        TemplateColumn("发文机关", 14, "text", _issuer_help(issuers, "发文机关"), issuer_check),
        TemplateColumn("文号", 22, "text", "必填，如 县政发〔2026〕12号。没有文号的不计分。"),
        TemplateColumn("范围", 8, "text", "个人 或 集体。", list_validation(SCOPES)),
        TemplateColumn("对象", 24, "text", target_help),
        TemplateColumn("事由", 40, "text", "表扬或批评的事由，简要填写。"),
    ]


def _activity_columns(issuers: Sequence[str], issuer_check: dict | None) -> list[TemplateColumn]:
    return [
        _date_column("活动"),
        TemplateColumn("活动名称", 30, "text", "活动名称。每位参加人员填写一行。"),
        TemplateColumn("组织单位", 14, "text", _issuer_help(issuers, "组织单位（县级及以上）"), issuer_check),
        TemplateColumn("工号", 10, "text", "参加人员的工号（与花名册一致）。"),
        TemplateColumn("姓名", 10, "text", "参加人员的姓名，用于核对工号。"),
    ]  # fmt: skip


def _days_validation() -> dict[str, object]:
    return {
        "validate": "decimal",
        "criteria": ">=",
        "value": 0,
        "error_title": "天数有误",
        "error_message": "请填写不小于 0 的天数，如 5 或 2.5",
    }


def _leave_columns() -> list[TemplateColumn]:
    entitled_help = (
        "可空着：按花名册的参加工作时间计算（满 1 年不满 10 年 5 天，"
        "满 10 年不满 20 年 10 天，满 20 年 15 天）。"
    )
    return [
        TemplateColumn("工号", 10, "text", "工号（与花名册一致）。每位参加考核的人员一行。"),
        TemplateColumn("姓名", 10, "text", "姓名，用于核对工号。"),
        TemplateColumn("应休年休假天数", 16, "number", entitled_help, _days_validation()),
        TemplateColumn("已休年休假天数", 16, "number", "本年度已休年休假天数，可填 0.5 天。", _days_validation()),
        TemplateColumn("事假天数", 10, "number", "本年度事假天数，可填 0.5 天。", _days_validation()),
    ]  # fmt: skip


def _talk_columns() -> list[TemplateColumn]:
    return [
        _date_column("谈话"),
        TemplateColumn("工号", 10, "text", "谈话对象的工号（与花名册一致）。"),
        TemplateColumn("姓名", 10, "text", "谈话对象的姓名，用于核对工号。"),
        TemplateColumn("考核月份", 10, "text", "评为不称职的月份，如 2026-05。"),
        TemplateColumn("谈话人", 12, "text", "考核领导小组组长或副组长的姓名（花名册「局领导」中的人员）。"),
        TemplateColumn("谈话要点", 40, "text", "谈话的主要内容，如实简要填写。"),
        TemplateColumn("整改承诺", 40, "text", "谈话对象的整改承诺。"),
    ]  # fmt: skip


def _remedy_columns() -> list[TemplateColumn]:
    return [
        TemplateColumn("季度", 10, "text", "问题所属季度，如 2026-Q1。"),
        TemplateColumn("股室", 12, "text", "涉及的股室（与花名册一致）；全局性的问题填「全局」。"),
        TemplateColumn("问题", 36, "text", "本季度干部职工存在的问题。"),
        TemplateColumn("整改措施", 36, "text", "领导小组确定的整改措施。"),
        TemplateColumn("责任人", 10, "text", "负责整改的人员姓名。"),
        TemplateColumn("完成时限", 12, "date", "如 2026-06-30。", date_validation()),
        TemplateColumn("完成情况", 10, "text", "未完成、进行中 或 已完成。", list_validation(REMEDY_STATES)),
    ]  # fmt: skip


def _pick(issuers: Sequence[str], preferred: str, fallback: int) -> str:
    if preferred in issuers:
        return preferred
    return issuers[fallback % len(issuers)] if issuers else ""


def _sample_praise(issuers: Sequence[str]) -> list[tuple]:
    return [
        (dt.date(2026, 3, 15), PRAISE, _pick(issuers, "县委县政府", 0), "县委发〔2026〕8号",
         INDIVIDUAL, "2002", "安全生产工作成绩突出"),
        (dt.date(2026, 4, 20), PRAISE, _pick(issuers, "州级部门", 1), "州建发〔2026〕15号",
         COLLECTIVE, "规划股、建管股", "城乡建设项目推进有力"),
        (dt.date(2026, 5, 10), CRITICISM, _pick(issuers, "县级部门", 2), "县督办〔2026〕3号",
         INDIVIDUAL, "吴敏", "督办事项逾期未办结"),
    ]  # fmt: skip


def _sample_activities(issuers: Sequence[str]) -> list[tuple]:
    organiser = _pick(issuers, "县委县政府", 0)
    return [
        (dt.date(2026, 3, 12), "全县义务植树活动", organiser, "2002", "刘洋"),
        (dt.date(2026, 3, 12), "全县义务植树活动", organiser, "2102", "吴敏"),
    ]


_SAMPLE_LEAVE = (
    ("2002", "刘洋", None, 3, 1),
    ("2102", "吴敏", 10, 2, 0),
    ("2103", "郑磊", None, 5, 4.5),
)


def _instructions(issuers: Sequence[str]) -> list[tuple[str, str]]:
    listed = "、".join(issuers) or "考核方案中规定的单位"
    return [
        ("用途", "本表登记年度加分和扣分的依据，由考核办维护，年度汇总时据此计算加分、扣分。"),
        (
            "表头",
            "「表扬批评」「活动」「休假」三个工作表的第 1 行是表头，请不要修改表头文字；"
            "列的顺序可以调整，也可以在右侧增加备注列。每一行都会被读取，读不懂的行会列为问题，不会悄悄跳过。",
        ),
        ("日期", "填写日期，如 2026-03-15。"),
        ("类别", "只能填写：表扬、批评。"),
        ("发文机关", f"只能填写：{listed}。"),
        ("文号", "必填。只有正式文件的表扬、批评才计分，没有文号的行会列为问题。"),
        ("范围", "只能填写：个人、集体。"),
        (
            "对象",
            "范围为「个人」时填工号，或不重名的姓名（有同名的请填工号）；"
            "范围为「集体」时填一个或多个股室名称，用「、」或「,」分隔，如「规划股、建管股」。",
        ),
        ("同一文件", "同一份文件对同一个人只计一次，即使文件点名了他所在的多个股室。"),
        ("诫勉谈话", "（可选）月度评为不称职的人员谈话后登记一行：谈话日期、对象、考核月份、"
                    "谈话人（组长或副组长）、谈话要点、整改承诺。月度汇总表据此显示谈话情况。"),
        ("整改台账", "（可选）每季度整理的问题和整改措施，完成情况填 未完成、进行中 或 已完成。"
                    "季度小结据此列出整改措施和仍未完成的措施。"),
        ("活动", f"每位参加人员填写一行；组织单位只能填写：{listed}（县级及以上）。"),
        (
            "休假",
            "每位参加考核的人员都应有一行，没有登记的人会列为数据问题。"
            "「应休年休假天数」可空着，程序按花名册的参加工作时间计算"
            "（截至当年 12 月 31 日：不满 1 年 0 天，满 1 年不满 10 年 5 天，"
            "满 10 年不满 20 年 10 天，满 20 年及以上 15 天）。天数可填 0.5。",
        ),
    ]
