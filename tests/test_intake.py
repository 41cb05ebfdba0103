"""Faithful intake (SPEC §8, issue 11): what people typed is what is stored, or the file is
refused naming the cell. Forms are generated, filled with openpyxl, then edited and saved by
LibreOffice (.xls, .ods, .fods) through its UNO bridge the way a person does."""

from __future__ import annotations

import datetime as dt

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
@pytest.mark.parametrize("label", ["weekly.xls", "weekly.ods", "weekly_no_names.ods"])
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
