"""Weekly and monthly forms: contracts (names, sheets, headers, _meta), prefill, fill-and-save."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from helpers import cli, convert_to_pdf, named_cell, named_range

from workbook_engine.forms.outbox import build_templates, weekly_summary
from workbook_engine.policy import default_policy

REPO = Path(__file__).resolve().parent.parent
WEEKLY_NAMES = {
    "staff_id", "staff_name", "section", "period", "work_done", "next_plan", "self_grade",
    "chief_grade", "chief_comment", "chief_sign", "chief_date",
    "leader_grade", "leader_comment", "leader_sign", "leader_date", "work_log",
}
GRADES = ["优秀", "称职", "基本称职", "不称职"]


def test_templates_are_current(tmp_path):
    """The committed templates are exactly what the code builds today."""
    built = build_templates(default_policy(2026), tmp_path)
    for path in built:
        committed = REPO / "templates" / path.name
        assert committed.is_file(), f"missing templates/{path.name}: run scripts/build_templates.py"
        assert committed.read_bytes() == path.read_bytes(), (
            f"templates/{path.name} is stale: run python scripts/build_templates.py")


def test_weekly_forms_one_per_assessed_person_in_section_folders(bureau):
    result = cli(bureau, "forms", "weekly", "--week", "2026-W10")
    assert result.exit_code == 0, result.output
    folder = bureau.outbox / "2026-W10"
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.xlsx"))
    assert files == [
        "办公室/2026-W10_周考评表_1001_李办.xlsx",
        "办公室/2026-W10_周考评表_1002_周一.xlsx",
        "局领导/2026-W10_周考评表_L1_钱副.xlsx",
        "局领导/2026-W10_周考评表_L2_孙副.xlsx",
        "建管股/2026-W10_周考评表_3001_陈建.xlsx",
        "建管股/2026-W10_周考评表_3002_褚五.xlsx",
        "规划股/2026-W10_周考评表_2001_郑规.xlsx",
        "规划股/2026-W10_周考评表_2002_王三.xlsx",
        "规划股/2026-W10_周考评表_2003_王三.xlsx",
    ]
    assert "已生成 9 份周考评表" in result.output
    assert "2026-W10/规划股/  3 份" in result.output


def test_weekly_form_contract_and_prefill(bureau):
    assert cli(bureau, "forms", "weekly", "--week", "2026-W10").exit_code == 0
    path = bureau.outbox / "2026-W10" / "办公室" / "2026-W10_周考评表_1002_周一.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert set(workbook.defined_names) == WEEKLY_NAMES
    assert workbook.sheetnames == ["周考评表", "工作日志", "_meta"]
    assert workbook["_meta"].sheet_state == "hidden"
    meta = {row[0]: row[1] for row in workbook["_meta"].iter_rows(values_only=True)}
    assert meta["form"] == "weekly" and meta["staff_id"] == "1002"
    assert meta["period"] == "2026-W10" and meta["template_version"] == "1"
    assert named_cell(workbook, "staff_id").value == "1002"
    assert named_cell(workbook, "staff_name").value == "周一"
    assert named_cell(workbook, "section").value == "办公室"
    assert named_cell(workbook, "period").value == "2026-W10"
    sheet = workbook["周考评表"]
    assert sheet["D4"].value == "李办" and sheet["F4"].value == "钱副"  # 初评人, 评定人
    log = named_range(workbook, "work_log")
    assert [c.value for c in log[0]] == ["日期", "工作内容", "备注"]
    # 2026-W10 is 2 to 8 March: five ordinary working days.
    assert [row[0].value.date() for row in log[1:]] == [dt.date(2026, 3, d) for d in range(2, 7)]


def test_weekly_form_of_a_chief_and_a_leader_have_no_initial_rater(bureau):
    assert cli(bureau, "forms", "weekly", "--week", "2026-W10").exit_code == 0
    chief = openpyxl.load_workbook(
        bureau.outbox / "2026-W10" / "办公室" / "2026-W10_周考评表_1001_李办.xlsx")["周考评表"]
    assert chief["D4"].value == "（免初评）" and chief["F4"].value == "钱副"
    leader = openpyxl.load_workbook(
        bureau.outbox / "2026-W10" / "局领导" / "2026-W10_周考评表_L2_孙副.xlsx")["周考评表"]
    assert leader["F4"].value == "赵局"
    assert leader["A20"].value.startswith("局长评定")


def test_make_up_working_day_appears_in_the_work_log(bureau):
    """2026-W07: Saturday 14 February 2026 is a make-up working day before Spring Festival."""
    assert cli(bureau, "forms", "weekly", "--week", "2026-W07").exit_code == 0
    path = bureau.outbox / "2026-W07" / "办公室" / "2026-W07_周考评表_1002_周一.xlsx"
    log = named_range(openpyxl.load_workbook(path), "work_log")
    assert [row[0].value.date() for row in log[1:]] == [dt.date(2026, 2, d) for d in range(9, 15)]


def test_holiday_week_has_an_empty_work_log(bureau):
    """2026-W08 (16 to 22 February) is all Spring Festival holiday: only the header row."""
    assert cli(bureau, "forms", "weekly", "--week", "2026-W08").exit_code == 0
    path = bureau.outbox / "2026-W08" / "办公室" / "2026-W08_周考评表_1002_周一.xlsx"
    log = named_range(openpyxl.load_workbook(path), "work_log")
    assert len(log) == 1 and log[0][0].value == "日期"


def test_weekly_form_filled_by_name_with_openpyxl_saves_and_reads_back(bureau, tmp_path):
    assert cli(bureau, "forms", "weekly", "--week", "2026-W10").exit_code == 0
    path = bureau.outbox / "2026-W10" / "办公室" / "2026-W10_周考评表_1002_周一.xlsx"
    workbook = openpyxl.load_workbook(path)
    values = {"work_done": "完成材料三份", "next_plan": "整理档案", "self_grade": "称职",
              "chief_grade": "优秀", "chief_sign": "李办", "chief_date": dt.date(2026, 3, 9),
              "leader_grade": "优秀", "leader_sign": "钱副", "leader_comment": "=1+1 不是公式"}
    for name, value in values.items():
        named_cell(workbook, name).value = value
    named_cell(workbook, "leader_comment").data_type = "s"
    log = named_range(workbook, "work_log")
    log[1][1].value = "起草通知"
    saved = tmp_path / "filled.xlsx"
    workbook.save(saved)
    again = openpyxl.load_workbook(saved)
    for name in ("work_done", "self_grade", "chief_grade", "leader_sign"):
        assert named_cell(again, name).value == values[name]
    assert named_range(again, "work_log")[1][1].value == "起草通知"


def test_input_cells_unlocked_labels_locked_and_no_password(bureau):
    assert cli(bureau, "forms", "weekly", "--week", "2026-W10").exit_code == 0
    path = bureau.outbox / "2026-W10" / "办公室" / "2026-W10_周考评表_1002_周一.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["周考评表"]
    assert sheet.protection.sheet and not sheet.protection.password
    for name in ("work_done", "chief_grade", "leader_sign", "self_grade"):
        assert named_cell(workbook, name).protection.locked is False, name
    for name in ("staff_id", "staff_name", "period"):
        assert named_cell(workbook, name).protection.locked is True, name
    dropdowns = {str(dv.sqref): dv.formula1 for dv in sheet.data_validations.dataValidation}
    assert dropdowns["B17"] == '"优秀,称职,基本称职,不称职"'
    assert sheet.page_setup.paperSize == 9


def test_monthly_editions_per_final_rater_and_office(bureau):
    result = cli(bureau, "forms", "monthly", "--month", "2026-03")
    assert result.exit_code == 0, result.output
    folder = bureau.outbox / "2026-03"
    assert sorted(p.name for p in folder.glob("*.xlsx")) == [
        "2026-03_月考评表_考核办评分.xlsx",
        "2026-03_月考评表_领导评分_L0_赵局.xlsx",
        "2026-03_月考评表_领导评分_L1_钱副.xlsx",
        "2026-03_月考评表_领导评分_L2_孙副.xlsx",
    ]
    assert "已生成 4 份月考评表" in result.output


def _table(workbook) -> list[list]:
    return [[c.value for c in row] for row in named_range(workbook, "scores")]


def test_leader_edition_contract(bureau):
    assert cli(bureau, "forms", "monthly", "--month", "2026-03").exit_code == 0
    workbook = openpyxl.load_workbook(
        bureau.outbox / "2026-03" / "2026-03_月考评表_领导评分_L1_钱副.xlsx")
    assert set(workbook.defined_names) == {"scores", "rater_sign", "rater_date"}
    assert workbook["_meta"].sheet_state == "hidden"
    meta = {row[0]: row[1] for row in workbook["_meta"].iter_rows(values_only=True)}
    assert (meta["form"], meta["edition"], meta["rater_id"], meta["period"]) == (
        "monthly", "leader", "L1", "2026-03")
    table = _table(workbook)
    assert table[0][:3] == ["工号", "姓名", "股室"]
    assert table[0][3:] == ["周考评情况", "思想作风(20)", "工作量(20)", "完成情况(30)",
                            "工作效率(10)", "履职扣分", "扣分事由", "合计", "评定等次", "备注"]
    # 评定等次 (column L): a dropdown of the policy's grades on every person's row, blank allowed
    grades = [dv for dv in workbook["月考评表"].data_validations.dataValidation
              if dv.type == "list"]
    assert [(str(dv.sqref), dv.formula1, dv.allow_blank) for dv in grades] == [
        ("L5:L9", '"优秀,称职,基本称职,不称职"', True)]
    assert workbook["月考评表"]["L5"].protection.locked is False
    assert [row[:3] for row in table[1:]] == [
        ["1001", "李办", "办公室"], ["1002", "周一", "办公室"], ["2001", "郑规", "规划股"],
        ["2002", "王三", "规划股"], ["2003", "王三", "规划股"]]
    # March 2026 holds weeks 10 to 13; nothing has been handed in yet.
    assert {row[3] for row in table[1:]} == {"未交4"}
    assert named_cell(workbook, "rater_sign").protection.locked is False


def test_office_edition_lists_every_assessed_person(bureau):
    assert cli(bureau, "forms", "monthly", "--month", "2026-03").exit_code == 0
    workbook = openpyxl.load_workbook(bureau.outbox / "2026-03" / "2026-03_月考评表_考核办评分.xlsx")
    table = _table(workbook)
    assert table[0] == ["工号", "姓名", "股室", "出勤情况(10)", "公共职责(10)", "合计", "备注"]
    assert [row[0] for row in table[1:]] == ["L1", "L2", "1001", "1002", "2001", "2002",
                                             "2003", "3001", "3002"]
    sheet = workbook["月考评表"]
    limits = {str(dv.sqref): (dv.formula1, dv.formula2)
              for dv in sheet.data_validations.dataValidation if dv.type == "decimal"}
    assert limits["D5:D13"] == ("0", "10") and limits["E5:E13"] == ("0", "10")


def test_monthly_form_filled_by_name_and_saved(bureau, tmp_path):
    assert cli(bureau, "forms", "monthly", "--month", "2026-03").exit_code == 0
    workbook = openpyxl.load_workbook(
        bureau.outbox / "2026-03" / "2026-03_月考评表_领导评分_L2_孙副.xlsx")
    rows = named_range(workbook, "scores")
    for cell, value in zip(rows[1][4:8], (18, 19, 28.5, 9), strict=True):
        cell.value = value
    named_cell(workbook, "rater_sign").value = "孙副"
    workbook.save(tmp_path / "filled.xlsx")
    again = openpyxl.load_workbook(tmp_path / "filled.xlsx")
    assert [c.value for c in named_range(again, "scores")[1][4:8]] == [18, 19, 28.5, 9]
    assert named_cell(again, "rater_sign").value == "孙副"


def test_weekly_summary_text():
    pair = ("称职", "优秀")
    assert weekly_summary([pair, pair, ("称职", "称职"), None], tuple(GRADES)) == "优秀2 称职1 未交1"
    assert weekly_summary([("称职", ""), None, None], tuple(GRADES)) == "待评定1 未交2"
    assert weekly_summary([], tuple(GRADES)) == ""


def test_generated_forms_are_reproducible(bureau):
    assert cli(bureau, "forms", "weekly", "--week", "2026-W10").exit_code == 0
    path = bureau.outbox / "2026-W10" / "办公室" / "2026-W10_周考评表_1002_周一.xlsx"
    first = path.read_bytes()
    assert cli(bureau, "forms", "weekly", "--week", "2026-W10").exit_code == 0
    assert path.read_bytes() == first
    assert zipfile.ZipFile(path).testzip() is None


@pytest.mark.libreoffice
def test_libreoffice_converts_every_generated_form(bureau, tmp_path):
    assert cli(bureau, "forms", "weekly", "--week", "2026-W10").exit_code == 0
    assert cli(bureau, "forms", "monthly", "--month", "2026-03").exit_code == 0
    files = sorted(bureau.outbox.rglob("*.xlsx"))
    files += build_templates(default_policy(2026), tmp_path / "templates")
    pdfs = convert_to_pdf(files, tmp_path / "pdf")
    assert len(pdfs) == 9 + 4 + 3
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
