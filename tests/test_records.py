"""The ledger's 诫勉谈话 and 整改台账 sheets (SPEC §4.4) and what the reports make of them."""

from __future__ import annotations

import openpyxl
import test_year
from helpers import cli

from workbook_engine.ledger_records import load_records
from workbook_engine.ledger_template import REMEDY_SHEET, TALK_SHEET, write_ledger_template

year_ws = test_year.year_ws  # the hand-worked year: 3002 褚五 is 不称职 in May (65.00)

TALKS = [
    ["2026-06-03", "3002", "褚五", "2026-05", "赵局", "指出五月工作量不足、完成情况差", "六月按时完成"],
    ["2026-06-04", "3002", "褚五", "2026-05", "李四", "", ""],  # not of 局领导 → error
    ["2026-06-05", "9999", "", "2026-13", "", "", ""],  # unknown person, bad month, no talker
]
REMEDIES = [
    ["2026-Q2", "建管股", "月度考核不称职 1 人", "建立周计划督办", "陈建", "2026-07-31", "进行中"],
    ["2026-Q1", "全局", "周考评表迟交", "每周五提醒", "考核办", "", "已完成"],
    ["2026-Q2", "财务股", "问题", "措施", "", "", "做完了"],  # unknown 股室, bad 完成情况
]


def add_record_sheets(path, talks=TALKS, remedies=REMEDIES):
    workbook = openpyxl.load_workbook(path)
    for name, headers, rows in ((TALK_SHEET, ["日期", "工号", "姓名", "考核月份", "谈话人",
                                              "谈话要点", "整改承诺"], talks),
                                (REMEDY_SHEET, ["季度", "股室", "问题", "整改措施", "责任人",
                                                "完成时限", "完成情况"], remedies)):
        if name in workbook.sheetnames:
            del workbook[name]
        sheet = workbook.create_sheet(name)
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
    workbook.save(path)


def flat(issues):
    return sorted((i.sheet, i.row, i.column, i.code) for i in issues)


def test_template_has_the_record_sheets_with_dropdowns(tmp_path):
    path = tmp_path / "台账.xlsx"
    write_ledger_template(path, issuers=("县委县政府",))
    workbook = openpyxl.load_workbook(path)
    assert [c.value for c in workbook[TALK_SHEET][1]] == [
        "日期", "工号", "姓名", "考核月份", "谈话人", "谈话要点", "整改承诺"]
    remedy = workbook[REMEDY_SHEET]
    assert [c.value for c in remedy[1]][:7] == [
        "季度", "股室", "问题", "整改措施", "责任人", "完成时限", "完成情况"]
    lists = [v.formula1 for v in remedy.data_validations.dataValidation if v.type == "list"]
    assert '"未完成,进行中,已完成"' in lists


def test_records_are_read_with_row_errors(year_ws):
    add_record_sheets(year_ws.ledger_path)
    roster, _ = year_ws.roster()
    records, issues = load_records(year_ws.ledger_path, roster, year_ws.policy())
    assert records.talks_of("3002", "2026-05")[0]["talker"] == "赵局"
    assert len(records.talks) == 1
    assert list(records.remedies["state"]) == ["进行中", "已完成"]
    assert flat(issues) == sorted([
        ("整改台账", 4, "完成情况", "ledger.bad_value"),
        ("整改台账", 4, "股室", "ledger.unknown_section"),
        ("诫勉谈话", 3, "谈话人", "ledger.bad_talker"),
        ("诫勉谈话", 4, "考核月份", "ledger.bad_value"),
        ("诫勉谈话", 4, "工号", "ledger.unknown_person"),
        ("诫勉谈话", 4, "谈话人", "ledger.missing_value"),
    ])


def talk_sheet(path, name="诫勉谈话"):
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    return [str(h) for h in rows[0]], rows[1:]


def test_month_and_year_reports_show_the_talk_or_that_none_is_recorded(year_ws):
    add_record_sheets(year_ws.ledger_path, talks=[], remedies=[])
    cli(year_ws, "report", "month", "2026-05")
    month = year_ws.reports / "2026-05_月度考核汇总.xlsx"
    headers, rows = talk_sheet(month)
    assert headers[:3] == ["工号", "姓名", "股室"] and "谈话人" in headers
    assert [(r[0], r[3], r[5], r[7]) for r in rows] == [("3002", "2026-05", "不称职", "未记录谈话")]

    add_record_sheets(year_ws.ledger_path, talks=TALKS[:1], remedies=[])
    cli(year_ws, "report", "month", "2026-05")
    headers, rows = talk_sheet(month)
    got = dict(zip(headers, rows[0]))
    assert (got["谈话人"], got["谈话日期"], got["谈话要点"], got["整改承诺"]) == (
        "赵局", "2026-06-03", "指出五月工作量不足、完成情况差", "六月按时完成")
    assert got["月度得分"] == 65
    notice = [c for row in openpyxl.load_workbook(month)["谈话通知"].iter_rows(values_only=True)
              for c in row if c]
    assert "诫勉谈话通知" in notice
    assert any("褚五同志（建管股）" in str(c) and "65.00 分" in str(c) for c in notice)

    cli(year_ws, "report", "year", "2026")
    headers, rows = talk_sheet(year_ws.reports / "2026_年度考核汇总.xlsx")
    assert [(r[0], r[3], r[7]) for r in rows] == [("3002", "2026-05", "赵局")]

    cli(year_ws, "report", "month", "2026-04")  # nobody 不称职 in April
    _, rows = talk_sheet(year_ws.reports / "2026-04_月度考核汇总.xlsx")
    assert rows[0][0] == "无"
    notice = openpyxl.load_workbook(year_ws.reports / "2026-04_月度考核汇总.xlsx")["谈话通知"]
    assert "无" in str(notice["A2"].value)
