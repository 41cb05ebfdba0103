"""Faithful intake (SPEC §8, issue 11): what people typed is what is stored, or the file is
refused naming the cell. Forms are generated, filled with openpyxl, then edited and saved by
LibreOffice (.xls, .ods, .fods) through its UNO bridge the way a person does."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest
from fill import fill_monthly, fill_weekly
from intake_kit import (
    FODS,
    ODS,
    XLS,
    XLSX,
    bureau_with_forms,
    codes,
    copy_workspace,
    ingest,
    leader_path,
    libreoffice,
    monthly_rows,
    office_path,
    outcome_of,
    weekly_path,
    weekly_row,
)

from workbook_engine.ingest.read import read_form

TYPED = "①起草通知；②整理档案（共３０卷）\n③办公室改造１２０㎡"
LOG = ["起草通知（第１号）", "整理档案", "会议记录", "走访企业", "汇总报表"]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return bureau_with_forms(tmp_path_factory.mktemp("intake") / "ws")


@pytest.fixture
def ws(base, tmp_path):
    return copy_workspace(base, tmp_path / "ws")


def zhou_yi(base, target, **extra):
    return fill_weekly(weekly_path(base, "1002", "周一", "办公室"), target, work_done=TYPED,
                       chief=("称职", "李办"), leader=("优秀", "钱副"), log=LOG, **extra)


OFFICE_SCORES = {"L1": [9, 10], "L2": [10, 10], "1001": [8, 9.5], "1002": [9, 9],
                 "2001": [10, 8], "2002": [7, 8], "2003": [9, 10], "3001": [6, 7],
                 "3002": [10, 10]}


@pytest.fixture(scope="module")
def office_files(base, tmp_path_factory):
    """Files made by LibreOffice in one session: {label: path}."""
    folder = tmp_path_factory.mktemp("office")
    src = folder / "src"
    weekly = zhou_yi(base, src / "周一.xlsx")
    office = fill_monthly(office_path(base), src / "考核办.xlsx", OFFICE_SCORES, sign="办公室张",
                          date=dt.date(2026, 3, 31))
    moved = [{"op": "insert_rows", "sheet": "周考评表", "row": 1},
             {"op": "insert_rows", "sheet": "周考评表", "row": 8, "count": 2}]
    jobs = {
        "weekly.xls": (weekly, XLS, moved),
        "weekly_moved.xlsx": (weekly, XLSX, moved),  # calamine reads it stored (stored.py)
        "weekly.ods": (weekly, ODS, moved),
        "weekly_no_names.ods": (weekly, ODS, [*moved, {"op": "drop_names"}]),
        "weekly.fods": (weekly, FODS, []),
        "weekly_copy.xlsx": (weekly, XLSX, [{"op": "copy_sheet", "sheet": "周考评表",
                                             "name": "周考评表 (2)"}]),
        # a blank row inside the table, after the fifth person
        "office_blank_row.ods": (office, ODS, [{"op": "insert_rows", "sheet": "月考评表",
                                                "row": 10}]),
        "office_blank_row.xls": (office, XLS, [{"op": "insert_rows", "sheet": "月考评表",
                                                "row": 10}]),
    }
    made = {label: folder / "out" / label for label in jobs}
    libreoffice([{"src": src_, "dst": made[label], "filter": flt, "edits": edits}
                 for label, (src_, flt, edits) in jobs.items()], folder)
    return made


def put(ws, path, name):
    target = ws.inbox / name
    target.write_bytes(path.read_bytes())
    return target


# --- 1. fields found by the names saved in every format, checked against their labels -----


@pytest.mark.libreoffice
@pytest.mark.parametrize("label", ["weekly.xls", "weekly_moved.xlsx", "weekly.ods",
                                   "weekly_no_names.ods"])
def test_rows_inserted_above_and_inside_move_the_fields(ws, office_files, label):
    put(ws, office_files[label], label)
    report = ingest(ws)
    assert outcome_of(report, label)["outcome"] == "accepted", report
    stored = weekly_row(ws, "1002", "2026-W10")
    assert stored["chief_grade"] == "称职" and stored["leader_grade"] == "优秀"
    assert stored["chief_sign"] == "李办" and stored["leader_sign"] == "钱副"
    assert stored["work_done"] == TYPED  # as typed: ①, full-width digits, ㎡, the line break
    assert stored["next_plan"] == "继续推进"
    assert [row[1] for row in stored["work_log"]] == LOG
    status = ws.root  # status reads the store: the form is done, not 待初评
    from intake_kit import run
    lines = run(ws, "status", "--week", "2026-W10").output.splitlines()
    (line,) = [x for x in lines if x.startswith("1002")]
    assert "已完成" in line and str(status)


@pytest.mark.libreoffice
@pytest.mark.parametrize("label", ["office_blank_row.ods", "office_blank_row.xls"])
def test_a_blank_row_inside_the_monthly_table_is_not_its_end(ws, office_files, label):
    put(ws, office_files[label], label)
    report = ingest(ws)
    assert outcome_of(report, label)["outcome"] == "accepted", report
    rows = monthly_rows(ws, "monthly:office:2026-03")
    assert set(rows) == set(OFFICE_SCORES)
    assert rows["3002"]["items"] == {"出勤情况": "10", "公共职责": "10"}
    assert rows["1001"]["items"] == {"出勤情况": "8", "公共职责": "9.5"}
    assert all(r["assessed"] == 1 for r in rows.values())


@pytest.mark.libreoffice
def test_a_flat_ods_is_refused_asking_for_xlsx(ws, office_files):
    put(ws, office_files["weekly.fods"], "周一.fods")
    outcome = outcome_of(ingest(ws), "周一.fods")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["file.flat_ods"]
    assert "请另存为 .xlsx 后再发送" in outcome["issues"][0]["message"]


@pytest.mark.libreoffice
def test_a_second_copy_of_the_form_sheet_is_refused_naming_it(ws, office_files):
    put(ws, office_files["weekly_copy.xlsx"], "周一.xlsx")
    outcome = outcome_of(ingest(ws), "周一.xlsx")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["form.sheet_copy"]
    assert outcome["issues"][0]["sheet"] == "周考评表 (2)"
    assert weekly_row(ws, "1002", "2026-W10") is None


# --- 2. nothing typed is ignored -----------------------------------------------------------


def test_a_row_typed_under_the_monthly_table_is_read(ws, tmp_path):
    """3002's row deleted (openpyxl leaves the names where they were), then typed again
    under the table: stored. A row for someone this rater does not rate: refused by row."""
    office = fill_monthly(office_path(ws), tmp_path / "o.xlsx", OFFICE_SCORES, sign="办公室张")
    book = openpyxl.load_workbook(office)
    sheet = book["月考评表"]
    rows = {sheet.cell(r, 1).value: r for r in range(1, sheet.max_row + 1)}
    sheet.delete_rows(rows["3002"])
    last = rows["3001"]  # 3001 was the row above 3002; it stays where it was
    for col, value in enumerate(["3002", "褚五", "建管股", 10, 9], start=1):
        sheet.cell(last + 1, col).value = value
    book.save(ws.inbox / "考核办.xlsx")
    report = ingest(ws)
    assert outcome_of(report, "考核办.xlsx")["outcome"] == "accepted", report
    stored = monthly_rows(ws, "monthly:office:2026-03")
    assert stored["3002"]["items"] == {"出勤情况": "10", "公共职责": "9"}
    assert set(stored) == set(OFFICE_SCORES)


def test_a_row_for_someone_else_under_a_leader_table_is_refused_by_row(ws, tmp_path):
    form = fill_monthly(leader_path(ws, "L2"), tmp_path / "s.xlsx",
                        {"3001": [18, 19, 28, 9], "3002": [17, 18, 27, 8]}, sign="孙副")
    book = openpyxl.load_workbook(form)
    sheet = book["月考评表"]
    last = max(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "3002")
    for col, value in enumerate(["2002", "王三", "规划股", "", 18, 18, 27, 8], start=1):
        sheet.cell(last + 1, col).value = value
    book.save(ws.inbox / "孙副.xlsx")
    outcome = outcome_of(ingest(ws), "孙副.xlsx")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["monthly.unexpected_person"]
    assert outcome["issues"][0]["row"] == last + 1


def test_a_saturday_line_under_the_work_log_is_stored(ws, tmp_path):
    form = zhou_yi(ws, tmp_path / "z.xlsx")
    book = openpyxl.load_workbook(form)
    log = book["工作日志"]
    row = log.max_row + 1
    log.cell(row, 1).value = dt.datetime(2026, 3, 7)
    log.cell(row, 2).value = "周六加班：防汛检查"
    book.save(ws.inbox / "周一.xlsx")
    assert outcome_of(ingest(ws), "周一.xlsx")["outcome"] == "accepted"
    stored = weekly_row(ws, "1002", "2026-W10")
    assert stored["work_log"][-1] == ["2026-03-07", "周六加班：防汛检查", ""]
    assert len(stored["work_log"]) == 6


def test_a_score_typed_beside_the_form_refuses_naming_the_cell(ws, tmp_path):
    form = zhou_yi(ws, tmp_path / "z.xlsx")
    book = openpyxl.load_workbook(form)
    book["周考评表"]["J17"] = "优秀"
    book.save(ws.inbox / "周一.xlsx")
    outcome = outcome_of(ingest(ws), "周一.xlsx")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["form.value_outside"]
    assert outcome["issues"][0]["cell"] == "J17" and "「优秀」" in outcome["issues"][0]["message"]


def test_a_margin_note_is_kept_with_a_notice_quoting_it(ws, tmp_path):
    form = zhou_yi(ws, tmp_path / "z.xlsx")
    book = openpyxl.load_workbook(form)
    book["周考评表"]["J5"] = "本周另有下乡两天，见附件"
    book.save(ws.inbox / "周一.xlsx")
    outcome = outcome_of(ingest(ws), "周一.xlsx")
    assert outcome["outcome"] == "accepted"
    assert codes(outcome) == ["form.margin_note"]
    assert "「本周另有下乡两天，见附件」" in outcome["issues"][0]["message"]
    stored = weekly_row(ws, "1002", "2026-W10")
    assert stored["margin_notes"] == [{"sheet": "周考评表", "cell": "J5",
                                       "text": "本周另有下乡两天，见附件"}]


# --- 3. identity ---------------------------------------------------------------------------


def test_last_weeks_form_edited_to_this_week_is_refused_and_the_old_week_kept(ws, tmp_path):
    zhou_yi(ws, ws.inbox / "周一W10.xlsx")
    ingest(ws)
    before = weekly_row(ws, "1002", "2026-W10")
    reused = zhou_yi(ws, tmp_path / "z.xlsx", extra={"period": "2026-W11"})
    book = openpyxl.load_workbook(reused)
    book["周考评表"]["B5"] = "第11周的工作"
    book.save(ws.inbox / "周一W11.xlsx")
    outcome = outcome_of(ingest(ws), "周一W11.xlsx")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["form.period_mismatch"]
    issue = outcome["issues"][0]
    assert issue["cell"] == "H3"
    assert "「2026-W11」" in issue["message"] and "「2026-W10」" in issue["message"]
    assert weekly_row(ws, "1002", "2026-W10") == before
    assert weekly_row(ws, "1002", "2026-W11") is None


def test_a_week_cell_overwritten_with_no_period_is_refused_without_echoing_it_as_one(ws, tmp_path):
    reused = zhou_yi(ws, tmp_path / "z.xlsx")
    book = openpyxl.load_workbook(reused)
    book["周考评表"]["H3"] = "A"
    book.save(ws.inbox / "周一.xlsx")
    outcome = outcome_of(ingest(ws), "周一.xlsx")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["form.period_mismatch"]
    message = outcome["issues"][0]["message"]
    assert "「A」" in message and "「2026-W10」" in message
    assert message.endswith("请不要修改考评周；其他期间请使用系统为该期间生成的表格")
    assert weekly_row(ws, "1002", "2026-W10") is None


def test_marchs_leader_edition_edited_to_april_is_refused(ws, tmp_path):
    march = {"1001": [18, 19, 28, 9], "1002": [17, 18, 27, 8], "2001": [20, 20, 30, 10],
             "2002": [16, 15, 22, 7], "2003": [15, 15, 20, 5]}
    fill_monthly(leader_path(ws, "L1"), ws.inbox / "钱副3月.xlsx", march, sign="钱副")
    ingest(ws)
    april = fill_monthly(leader_path(ws, "L1"), tmp_path / "a.xlsx",
                         {k: [5, 5, 10, 5] for k in march}, sign="钱副")
    book = openpyxl.load_workbook(april)
    cell = book["月考评表"]["A2"]
    cell.value = cell.value.replace("2026年3月", "2026年4月")
    book.save(ws.inbox / "钱副4月.xlsx")
    outcome = outcome_of(ingest(ws), "钱副4月.xlsx")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["form.period_mismatch"]
    assert "「2026年4月」" in outcome["issues"][0]["message"]
    stored = monthly_rows(ws, "monthly:leader:2026-03:L1")
    assert stored["2001"]["items"] == {"思想作风": "20", "工作量": "20", "完成情况": "30",
                                       "工作效率": "10"}


# --- 4. versions in one run: the one saved last counts -------------------------------------


def with_saved_time(path, when: str):
    """The workbook with docProps/core.xml saying it was last saved at `when` (as Excel does)."""
    import re
    import zipfile

    data = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            data[info.filename] = archive.read(info)
    core = data["docProps/core.xml"].decode()
    core = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(<)", rf"\g<1>{when}\2", core)
    data["docProps/core.xml"] = core.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in data.items():
            archive.writestr(name, part)
    return path


def test_two_versions_in_one_run_the_one_saved_last_counts(ws, tmp_path):
    """「吴敏周考评表.xlsx」 is the older draft; 「吴敏周考评表 (1).xlsx」 was saved later
    (its name sorts first)."""
    import os

    draft = zhou_yi(ws, ws.inbox / "周一周考评表.xlsx", extra={"leader_grade": "称职"})
    final = zhou_yi(ws, ws.inbox / "周一周考评表 (1).xlsx")
    with_saved_time(draft, "2026-03-09T01:00:00Z")
    with_saved_time(final, "2026-03-09T02:30:00Z")
    os.utime(draft, (2_000_000_000, 2_000_000_000))  # the file times say the opposite:
    os.utime(final, (1_900_000_000, 1_900_000_000))  # the workbook's own time decides
    report = ingest(ws)
    assert outcome_of(report, "周一周考评表.xlsx")["outcome"] == "accepted"
    assert outcome_of(report, "周一周考评表 (1).xlsx")["outcome"] == "newer_version"
    assert weekly_row(ws, "1002", "2026-W10")["leader_grade"] == "优秀"
    with ws.connect() as conn:
        states = conn.execute(
            "SELECT f.original_name, s.state FROM submissions s JOIN files f ON f.id = s.file_id"
            " ORDER BY s.id").fetchall()
    assert states == [("周一周考评表.xlsx", "superseded"), ("周一周考评表 (1).xlsx", "current")]


def test_without_a_saved_time_the_file_time_decides(ws, tmp_path):
    import os
    import zipfile

    def strip_core(path):
        with zipfile.ZipFile(path) as archive:
            parts = {i.filename: archive.read(i) for i in archive.infolist()}
        parts.pop("docProps/core.xml")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, part in parts.items():
                archive.writestr(name, part)

    older = zhou_yi(ws, ws.inbox / "a.xlsx")  # name first, file saved later: it counts
    newer = zhou_yi(ws, ws.inbox / "b.xlsx", extra={"leader_grade": "称职"})
    strip_core(older)
    strip_core(newer)
    os.utime(older, (1_900_000_500, 1_900_000_500))
    os.utime(newer, (1_900_000_000, 1_900_000_000))
    ingest(ws)
    assert weekly_row(ws, "1002", "2026-W10")["leader_grade"] == "优秀"


# --- 5. formulas without a saved result ----------------------------------------------------


def _office_with_formulas(ws, target, formulas: dict[str, list]):
    """An office edition filled by a script: formulas written, no result saved (openpyxl)."""
    form = fill_monthly(office_path(ws), target, OFFICE_SCORES, sign="办公室张")
    book = openpyxl.load_workbook(form)
    sheet = book["月考评表"]
    headers = [c.value for c in sheet[4]]
    first = headers.index("出勤情况(10)") + 1
    rows = {sheet.cell(r, 1).value: r for r in range(5, sheet.max_row + 1)}
    letter = openpyxl.utils.get_column_letter(first)
    for staff_id, entry in formulas.items():
        for offset, value in enumerate(entry):
            if isinstance(value, str):
                value = value.replace("{1002}", f"{letter}{rows['1002']}")
            sheet.cell(rows[staff_id], first + offset).value = value
    book.save(target)
    return target, f"{letter}{rows['1002']}"


def test_plain_arithmetic_without_a_saved_result_is_worked_out(ws):
    _office_with_formulas(ws, ws.inbox / "考核办.xlsx", {
        "1002": ["=4+5", "=SUM(4,2.5)*2-3.5"],
        "2002": ["=(10-2)/2", "={1002}+1"],  # 1002's 出勤情况, itself a formula (9)
    })
    report = ingest(ws)
    assert outcome_of(report, "考核办.xlsx")["outcome"] == "accepted", report
    rows = monthly_rows(ws, "monthly:office:2026-03")
    assert rows["1002"]["items"] == {"出勤情况": "9", "公共职责": "9.5"}
    assert rows["2002"]["items"] == {"出勤情况": "4", "公共职责": "10"}


def test_a_formula_that_is_not_plain_arithmetic_is_refused_naming_the_cell(ws):
    _, cell = _office_with_formulas(ws, ws.inbox / "考核办.xlsx", {
        "1002": ["=AVERAGE(8,9)", 9],
    })
    outcome = outcome_of(ingest(ws), "考核办.xlsx")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["form.formula_unsaved"]
    issue = outcome["issues"][0]
    assert issue["cell"] == cell
    assert "请在 Excel 或 WPS 中打开并保存后再发送" in issue["message"]


# --- 7. lenient where unambiguous, with a notice -------------------------------------------


@pytest.fixture
def zeros(tmp_path):
    """A bureau where 褚五 has the 工号 0012."""
    from helpers import PEOPLE, SECTIONS, write_roster

    from workbook_engine.workspace import Workspace, init_workspace

    init_workspace(tmp_path / "z", 2026)
    ws = Workspace((tmp_path / "z").resolve())
    people = [("0012", *row[1:]) if row[0] == 3002 else row for row in PEOPLE]
    write_roster(ws.roster_path, people, SECTIONS)
    from intake_kit import run

    assert run(ws, "forms", "weekly", "--week", "2026-W10").exit_code == 0
    assert run(ws, "forms", "monthly", "--month", "2026-03").exit_code == 0
    return ws


def test_a_staff_id_that_lost_its_leading_zeros_is_matched_with_a_notice(zeros, tmp_path):
    form = fill_monthly(leader_path(zeros, "L2"), tmp_path / "s.xlsx",
                        {"3001": [18, 19, 28, 9], "0012": [17, 18, 27, 8]}, sign="孙副")
    book = openpyxl.load_workbook(form)
    sheet = book["月考评表"]
    (row,) = [r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "0012"]
    sheet.cell(row, 1).value = 12  # what Excel makes of 0012 typed again
    book.save(zeros.inbox / "孙副.xlsx")
    outcome = outcome_of(ingest(zeros), "孙副.xlsx")
    assert outcome["outcome"] == "accepted"
    assert codes(outcome) == ["form.id_leading_zeros"]
    assert outcome["issues"][0]["row"] == row and "「0012」" in outcome["issues"][0]["message"]
    stored = monthly_rows(zeros, "monthly:leader:2026-03:L2")
    assert stored["0012"]["items"] == {"思想作风": "17", "工作量": "18", "完成情况": "27",
                                       "工作效率": "8"}
    (returns,) = zeros.reports.glob("退回清单_*.xlsx")  # the notice is on the returns list too
    rows = list(openpyxl.load_workbook(returns)["提示"].iter_rows(min_row=3, values_only=True))
    assert [(r[1], "「0012」" in r[5]) for r in rows] == [("孙副.xlsx", True)]


def test_a_signature_with_a_title_is_matched_with_a_notice(zeros, tmp_path):
    form = weekly_path(zeros, "0012", "褚五", "建管股")
    fill_weekly(form, zeros.inbox / "褚五.xlsx", chief=("称职", "陈建股长"),
                leader=("优秀", "孙副 同志"))
    outcome = outcome_of(ingest(zeros), "褚五.xlsx")
    assert outcome["outcome"] == "accepted"
    assert codes(outcome) == ["form.signature_title", "form.signature_title"]
    assert "「陈建股长」" in outcome["issues"][0]["message"]
    stored = weekly_row(zeros, "0012", "2026-W10")
    assert (stored["chief_sign"], stored["leader_sign"]) == ("陈建", "孙副")
    assert (stored["chief_grade"], stored["leader_grade"]) == ("称职", "优秀")


def test_a_signature_of_someone_else_with_a_title_is_still_refused(zeros, tmp_path):
    form = weekly_path(zeros, "0012", "褚五", "建管股")
    fill_weekly(form, zeros.inbox / "褚五.xlsx", chief=("称职", "李办股长"))
    outcome = outcome_of(ingest(zeros), "褚五.xlsx")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["weekly.wrong_signer"]


# --- 10. every warning on screen; 12. a week not over, attachments without extension -------


def test_plain_ingest_prints_every_files_notices_grouped(ws, tmp_path):
    from intake_kit import run

    fill_monthly(office_path(ws), ws.inbox / "考核办.xlsx",
                 {k: v for k, v in OFFICE_SCORES.items() if k != "3002"}, sign="办公室张")
    book = openpyxl.load_workbook(ws.inbox / "考核办.xlsx")
    sheet = book["月考评表"]
    (row,) = [r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "3002"]
    sheet.delete_rows(row)  # the row deleted: a warning, the form is accepted
    book.save(ws.inbox / "考核办.xlsx")
    zhou_yi(ws, ws.inbox / "周一.xlsx", extra={"leader_sign": "钱副局长"})
    output = run(ws, "ingest").output
    assert "提示  考核办.xlsx（已接收）" in output
    assert "表中缺少 褚五（3002）的评分行，按本月未考核处理" in output
    assert "提示  周一.xlsx（已接收）" in output
    assert "签名「钱副局长」含职务称呼「局长」，已按「钱副」识别" in output


def test_a_form_for_a_week_not_over_is_accepted_with_a_notice(tmp_path):
    from intake_kit import run

    from workbook_engine.periods import Week

    week = Week.from_date(dt.date.today())
    ws = bureau_with_forms(tmp_path / "now", weeks=(str(week),), months=())
    if week.month.year != ws.policy().year:  # pragma: no cover - a week across New Year
        pytest.skip("this week belongs to another assessment year")
    fill_weekly(weekly_path(ws, "1002", "周一", "办公室", str(week)), ws.inbox / "周一.xlsx",
                chief=("称职", "李办"))
    outcome = outcome_of(ingest(ws), "周一.xlsx")
    assert outcome["outcome"] == "accepted"
    assert codes(outcome) == ["weekly.week_not_over"]
    assert weekly_row(ws, "1002", str(week))["chief_grade"] == "称职"
    assert run(ws, "status", "--week", str(week)).exit_code == 0


def test_files_without_an_extension_are_recognised_by_their_bytes(ws, tmp_path):
    from email.message import EmailMessage

    form = zhou_yi(ws, tmp_path / "z.xlsx")
    (ws.inbox / "周一周考评表").write_bytes(form.read_bytes())
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "wang@example.cn", "kh@example.cn", "周考评表"
    mail.set_content("见附件")
    other = fill_weekly(weekly_path(ws, "2002", "王三", "规划股"), tmp_path / "w.xlsx",
                        chief=("称职", "郑规"))
    mail.add_attachment(other.read_bytes(), maintype="application", subtype="octet-stream",
                        filename="王三周考评表")
    (ws.inbox / "来信.eml").write_bytes(bytes(mail))
    report = ingest(ws)
    assert outcome_of(report, "周一周考评表")["outcome"] == "accepted"
    assert outcome_of(report, "来信.eml/王三周考评表.xlsx")["outcome"] == "accepted"
    assert weekly_row(ws, "2002", "2026-W10")["chief_grade"] == "称职"
    assert weekly_row(ws, "1002", "2026-W10")["work_done"] == TYPED


# --- 8. re-checks; a file still being copied waits ------------------------------------------


def test_a_rejected_file_copied_back_after_the_roster_was_fixed_is_checked_again(ws, tmp_path):
    from helpers import PEOPLE, SECTIONS, write_roster

    form = zhou_yi(ws, tmp_path / "z.xlsx")
    people = [row for row in PEOPLE if row[0] != 1002]
    write_roster(ws.roster_path, people, SECTIONS)  # 周一 missing from the roster
    (ws.inbox / "周一.xlsx").write_bytes(form.read_bytes())
    first = outcome_of(ingest(ws), "周一.xlsx")
    assert first["outcome"] == "rejected" and codes(first) == ["person.unknown"]
    write_roster(ws.roster_path, PEOPLE, SECTIONS)  # fixed
    (ws.inbox / "周一.xlsx").write_bytes(form.read_bytes())  # the very bytes, the same name
    again = outcome_of(ingest(ws), "周一.xlsx")
    assert again["outcome"] == "accepted"
    assert weekly_row(ws, "1002", "2026-W10")["leader_grade"] == "优秀"
    assert not (ws.inbox / "周一.xlsx").exists()


def test_a_file_still_being_copied_waits_for_the_next_run(ws, tmp_path):
    import os

    data = zhou_yi(ws, tmp_path / "z.xlsx").read_bytes()
    target = ws.inbox / "周一.xlsx"
    target.write_bytes(data[: len(data) // 2])  # half of it has arrived, just now
    outcome = outcome_of(ingest(ws), "周一.xlsx")
    assert outcome["outcome"] == "waiting"
    assert "可能仍在复制中" in outcome["issues"][0]["message"]
    assert target.read_bytes() == data[: len(data) // 2]  # left in the inbox, not returned
    assert not any(ws.rejected.iterdir())
    target.write_bytes(data)  # the copy finished
    assert outcome_of(ingest(ws), "周一.xlsx")["outcome"] == "accepted"
    # a broken file that has been there for a while is refused as before
    (ws.inbox / "坏.xlsx").write_bytes(data[:100])
    os.utime(ws.inbox / "坏.xlsx", (1_700_000_000, 1_700_000_000))
    assert outcome_of(ingest(ws), "坏.xlsx")["outcome"] == "rejected"


def _touching_read(source, kind, name):
    """The spreadsheet parser, in a reader process; for a file named 变-… it first gives
    the inbox file a new modified time, as a copy still under way would."""
    if name.startswith("变-"):
        for path in Path.cwd().glob(f"inbox/{name}"):
            os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    return read_form(source, kind, name)


@pytest.mark.parametrize("share", [False, True], ids=["recorded-as-read", "recorded-after"])
def test_a_file_changed_while_the_run_read_it_waits(ws, tmp_path, monkeypatch, share):
    """A file whose size or time changed between the listing and its result is left for the
    next run, whether the run records each file as its result comes (it compares the stat
    taken then) or records after reading all (on a share: it asks again then)."""
    from workbook_engine import workspace as workspace_module
    from workbook_engine.ingest import workers

    monkeypatch.setattr(workspace_module, "on_network_fs", lambda root: share)
    workspace_module._journal_of.cache_clear()
    monkeypatch.setattr(workers, "read_form", _touching_read)
    monkeypatch.chdir(ws.root)
    data = zhou_yi(ws, tmp_path / "z.xlsx").read_bytes()
    for name in ("a.xlsx", "变-周一.xlsx"):
        (ws.inbox / name).write_bytes(data)
        os.utime(ws.inbox / name, (1_700_000_000, 1_700_000_000))
    try:
        report = ingest(ws)
    finally:
        workspace_module._journal_of.cache_clear()
    assert outcome_of(report, "a.xlsx")["outcome"] == "accepted"
    changed = outcome_of(report, "变-周一.xlsx")
    assert changed["outcome"] == "waiting"
    assert "读取过程中发生了变化" in changed["issues"][0]["message"]
    assert (ws.inbox / "变-周一.xlsx").read_bytes() == data
    monkeypatch.setattr(workers, "read_form", read_form)
    assert outcome_of(ingest(ws), "变-周一.xlsx")["outcome"] == "duplicate"


def test_a_mail_still_being_copied_waits(ws, tmp_path):
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "zhou@example.cn", "kh@example.cn", "周考评表"
    mail.set_content("见附件")
    form = zhou_yi(ws, tmp_path / "z.xlsx")
    mail.add_attachment(form.read_bytes(), maintype="application",
                        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        filename="周一.xlsx")
    data = bytes(mail)
    (ws.inbox / "来信.eml").write_bytes(data[: len(data) * 2 // 3])
    assert outcome_of(ingest(ws), "来信.eml")["outcome"] == "waiting"
    (ws.inbox / "来信.eml").write_bytes(data)
    assert outcome_of(ingest(ws), "来信.eml/周一.xlsx")["outcome"] == "accepted"


def test_a_leader_edition_relabelled_for_another_rater_is_refused(ws, tmp_path):
    form = fill_monthly(leader_path(ws, "L1"), tmp_path / "q.xlsx", {"1001": [18, 19, 28, 9]},
                        sign="钱副")
    book = openpyxl.load_workbook(form)
    cell = book["月考评表"]["A2"]
    cell.value = cell.value.replace("评分人：钱副", "评分人：孙副")
    book.save(ws.inbox / "钱副.xlsx")
    outcome = outcome_of(ingest(ws), "钱副.xlsx")
    assert outcome["outcome"] == "rejected"
    assert codes(outcome) == ["form.identity_mismatch"]
    assert "「孙副」" in outcome["issues"][0]["message"]
