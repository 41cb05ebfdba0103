"""The holiday schedule 节假日安排.xlsx (SPEC §4.5): written by init, checked, and followed by
the weekly forms, the 工作日志, the 公示 dates and the notices of init/forms/status.

The 2027 dates below are test dates of our own (not the State Council's notice): a
Spring-Festival break Saturday 6 February – Sunday 14 February 2027 with Saturday 20
February worked, so week 2027-W06 (8–14 February) has no working day and week 2027-W07
(15–21 February) has six: Monday 15 to Saturday 20.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from click.testing import CliRunner

from workbook_engine import periods
from workbook_engine.cli import main
from workbook_engine.holidays import load_schedule, packaged_rows
from workbook_engine.workspace import Workspace, init_workspace

D = dt.date
TEST_2027 = [("2027-02-06", "2027-02-14", "放假", "春节（测试）"),
             ("2027-02-20", None, "上班", "春节（测试）")]


@pytest.fixture(autouse=True)
def _no_schedule_left_behind():
    yield
    periods.use_schedule({})


def invoke(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def write_schedule(path, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "节假日"
    sheet.append(["开始日期", "结束日期", "类别", "名称"])
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)


def log_days(form):
    (sheet, ref), = list(openpyxl.load_workbook(form).defined_names["work_log"].destinations)
    cells = openpyxl.load_workbook(form)[sheet][ref.replace("$", "")]
    return [row[0].value for row in cells[1:] if row[0].value]


def test_2027_without_a_schedule_says_so_in_one_line(tmp_path):
    root = tmp_path / "ws"
    result = invoke("init", "--year", "2027", str(root))
    assert result.exit_code == 0
    notice = [line for line in result.output.splitlines() if "放假安排尚未填写" in line]
    assert notice == ["提示：2027 年的放假安排尚未填写，工作日暂按星期一至星期五计算；"
                      "请把国务院办公厅公布的 2027 年节假日安排填入 节假日安排.xlsx 的「节假日」表。"]
    # init wrote the schedule empty, with instructions, no invented 2027 dates
    workbook = openpyxl.load_workbook(root / "节假日安排.xlsx")
    assert [c.value for c in workbook["节假日"][1]] == ["开始日期", "结束日期", "类别", "名称"]
    assert workbook["节假日"].max_row == 1
    help_text = " ".join(str(c.value) for row in workbook["填写说明"].iter_rows() for c in row
                         if c.value)
    assert "还没有 2027 年的安排" in help_text
    result = invoke("-w", str(root), "forms", "weekly", "--week", "2027-W07")
    assert "2027 年的放假安排尚未填写" in result.output
    assert invoke("-w", str(root), "status", "--week", "2027-W07").output.count("尚未填写") == 1
    form = next((root / "outbox" / "2027-W07").rglob("*.xlsx"))
    assert len(log_days(form)) == 5  # Monday to Friday until the office fills it in


def test_a_filled_2027_schedule_gives_the_spring_festival_weeks_its_working_days(tmp_path):
    root = tmp_path / "ws"
    invoke("init", "--year", "2027", str(root))
    write_schedule(root / "节假日安排.xlsx", TEST_2027)
    result = invoke("-w", str(root), "forms", "weekly", "--week", "2027-W07")
    assert result.exit_code == 0 and "尚未填写" not in result.output, result.output
    form = next((root / "outbox" / "2027-W07").rglob("*.xlsx"))
    got = [v.date() for v in log_days(form)]
    assert got == [D(2027, 2, n) for n in range(15, 21)]  # Monday 15 to the Saturday worked
    result = invoke("-w", str(root), "forms", "weekly", "--week", "2027-W06")
    form = next((root / "outbox" / "2027-W06").rglob("*.xlsx"))
    assert log_days(form) == []
    assert "尚未填写" not in invoke("-w", str(root), "status", "--week", "2027-W06").output


def test_publicity_dates_follow_the_schedule(tmp_path):
    # 公示 of January 2027 starts on the first working day of February (1 February, a Monday)
    # and lasts publicity_days working days: with the break of 6–14 February and the
    # Saturday 20 February worked, 5 working days are 1–5 February.
    root = tmp_path / "ws"
    invoke("init", "--year", "2027", str(root))
    write_schedule(root / "节假日安排.xlsx", TEST_2027)
    Workspace(root.resolve()).use_holidays()
    assert periods.working_days(D(2027, 2, 1), D(2027, 2, 21)) == [
        D(2027, 2, n) for n in (1, 2, 3, 4, 5, 15, 16, 17, 18, 19, 20)]


@pytest.mark.parametrize(("rows", "expected"), [
    ([("2027-02-17", None, "上班", "x")], [(2, "开始日期")]),          # a Wednesday
    ([("2026-12-31", "2027-01-02", "放假", "元旦")], [(2, "开始日期")]),  # outside the year
    ([("2027-10-01", "2027-10-07", "放假", "国庆"), ("2027-10-05", None, "放假", "x")],
     [(3, "开始日期")]),                                                 # overlap
    ([("2027-10-07", "2027-10-01", "放假", "国庆")], [(2, "结束日期")]),  # end before start
    ([("2027-10-01", None, "调休", "国庆")], [(2, "类别")]),
    ([("十月一日", None, "放假", "国庆")], [(2, "开始日期")]),
])
def test_schedule_rows_that_do_not_fit_are_refused(tmp_path, rows, expected):
    path = tmp_path / "节假日安排.xlsx"
    write_schedule(path, rows)
    schedule, issues = load_schedule(path, 2027)
    assert [(i.row, i.column) for i in issues] == expected
    assert all(i.sheet == "节假日" and i.is_error for i in issues)


def test_a_bad_schedule_stops_the_commands_that_need_working_days(tmp_path):
    root = tmp_path / "ws"
    invoke("init", "--year", "2027", str(root))
    write_schedule(root / "节假日安排.xlsx", [("2027-02-17", None, "上班", "x")])
    result = invoke("-w", str(root), "forms", "weekly", "--week", "2027-W07")
    assert result.exit_code == 1
    assert "节假日安排.xlsx，工作表「节假日」，第 2 行，「开始日期」列" in result.output
    assert "星期三" in result.output


def test_init_prefills_the_packaged_schedule_of_a_known_year(workspace):
    rows = packaged_rows(2026)
    assert (D(2026, 2, 15), D(2026, 2, 23), "放假", "春节") in rows
    assert (D(2026, 2, 14), None, "上班", "春节") in rows
    schedule, issues = load_schedule(workspace.holidays_path, 2026)
    assert not issues
    assert schedule.days[D(2026, 2, 14)] is True and schedule.days[D(2026, 2, 16)] is False
    init_workspace(workspace.root, 2026)  # an existing schedule is kept as it is
