"""The leader's monthly grade 评定等次 (SPEC §5) from the filled form to every report.

One month (March 2026) of the small bureau, filled the way the raters do: 钱副 in Excel
(openpyxl), 赵局 in LibreOffice saved as .ods, 孙副 in LibreOffice saved as .xls (typing
「不称职　」 with a full-width space). Items: leader 思想作风/工作量/完成情况/
工作效率 (80), office 出勤情况/公共职责 (20). Worked by hand:

    工号  leader          office  score  分数等次  评定等次 (备注)              等次
    L1    20+20+29+10=79  10+10   99.00  优秀      —                          优秀
    L2    18+19+28+9=74   10+9    93.00  称职      基本称职 (督办事项滞后)      基本称职
    1001  17+17+26+8=68   9+8     85.00  称职      —                          称职
    1002  18+18+27+9=72   9+9     90.00  称职      优秀 (三月防汛连续值守…)     优秀
    2001  16+16+24+8=64   8+8     80.00  称职      不称职 (no 备注)            称职 — not used
    2002  19+19+28+9=75   10+10   95.00  优秀      「优 秀」 = 优秀              优秀
    2003  20+20+30+10=80  10+10  100.00  优秀      称职 (试用期)               称职
    3001  19+19+28+9=75   10+10   95.00  优秀      —                          优秀
    3002  18+18+27+9=72   9+9     90.00  称职      不称职 (两次安全检查缺岗)    不称职 → 诫勉谈话

2001 at ingest: leader 64 + office 0..20 → 64.00～84.00 may be 不称职, so the file is taken
with a notice; at scoring 80.00 is 称职, so 不称职 is not used (a data problem says so).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import docx
import openpyxl
import pytest
from fill import fill_monthly
from helpers import convert_to_pdf
from intake_kit import (
    ODS,
    XLS,
    XLSX,
    bureau_with_forms,
    ingest,
    leader_path,
    libreoffice,
    office_path,
    outcome_of,
    run,
)

from workbook_engine.issues import Issue

MONTH = "2026-03"
LEADER = {
    "L1": [20, 20, 29, 10], "L2": [18, 19, 28, 9], "1001": [17, 17, 26, 8],
    "1002": [18, 18, 27, 9], "2001": [16, 16, 24, 8], "2002": [19, 19, 28, 9],
    "2003": [20, 20, 30, 10], "3001": [19, 19, 28, 9], "3002": [18, 18, 27, 9],
}
OFFICE = {"L1": [10, 10], "L2": [10, 9], "1001": [9, 8], "1002": [9, 9], "2001": [8, 8],
          "2002": [10, 10], "2003": [10, 10], "3001": [10, 10], "3002": [9, 9]}
FLOOD = "三月防汛连续值守\n５个夜班"  # 备注 as typed: a line break, full-width digits
RATED = {  # 工号 → {header: value} as each rater typed it
    "1002": {"评定等次": "优秀", "备注": FLOOD},
    "2001": {"评定等次": "不称职"},
    "2002": {"评定等次": "优 秀"},
    "2003": {"评定等次": "称职", "备注": "试用期"},
    "3002": {"评定等次": "不称职", "备注": "两次安全检查缺岗"},
}
HEADERS = ["工号", "姓名", "股室", "领导评分", "考核办评分", "履职扣分", "月度得分", "等次",
           "分数等次"]


def _people(rater):
    return {"L0": ["L1", "L2"], "L1": ["1001", "1002", "2001", "2002", "2003"],
            "L2": ["3001", "3002"]}[rater]


def _leader(ws, rater, sign, target, rated=RATED):
    return fill_monthly(leader_path(ws, rater), target, {p: LEADER[p] for p in _people(rater)},
                        sign=sign, date=dt.date(2026, 3, 31),
                        cells={p: rated[p] for p in _people(rater) if p in rated})


def _uno_fill(path, rows: dict, sign: str, extra=()) -> list[dict]:
    """LibreOffice edits typing each row's scores (E..H), 评定等次 (L) and 备注 (M)."""
    book = openpyxl.load_workbook(path)
    sheet = book["月考评表"]
    ids = {sheet.cell(r, 1).value: r for r in range(5, sheet.max_row + 1) if sheet.cell(r, 1).value}
    (_, sign_ref), = list(book.defined_names["rater_sign"].destinations)
    (_, date_ref), = list(book.defined_names["rater_date"].destinations)
    edits = [{"op": "set", "sheet": "月考评表", "cell": sign_ref.replace("$", ""), "value": sign},
             {"op": "set", "sheet": "月考评表", "cell": date_ref.replace("$", ""),
              "value": "2026-03-31"}]
    for staff_id, (items, grade, remark) in rows.items():
        row = ids[staff_id]
        edits += [{"op": "set", "sheet": "月考评表", "cell": f"{col}{row}", "value": v}
                  for col, v in zip("EFGH", items, strict=True)]
        edits += [{"op": "set", "sheet": "月考评表", "cell": f"{col}{row}", "value": v}
                  for col, v in (("L", grade), ("M", remark)) if v]
    return [*extra, *edits]


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """The month ingested and reported once; the files LibreOffice made on the way."""
    root = tmp_path_factory.mktemp("grade")
    ws = bureau_with_forms(root / "ws", weeks=(), months=(MONTH,))
    src = root / "src"
    _leader(ws, "L1", "钱副", ws.inbox / "钱副.xlsx")
    fill_monthly(office_path(ws), ws.inbox / "考核办.xlsx", OFFICE, sign="考核办小李",
                 date=dt.date(2026, 3, 31))
    old_layout = [{"op": "delete_cols", "sheet": "月考评表", "col": 12}]  # 评定等次 (L) gone
    libreoffice([
        {"src": leader_path(ws, "L0"), "dst": ws.inbox / "赵局.ods", "filter": ODS,
         "edits": _uno_fill(leader_path(ws, "L0"), {
             "L1": (LEADER["L1"], "", ""), "L2": (LEADER["L2"], "基本称职", "督办事项滞后")},
             "赵局")},
        {"src": leader_path(ws, "L2"), "dst": ws.inbox / "孙副.xls", "filter": XLS,
         "edits": _uno_fill(leader_path(ws, "L2"), {
             "3001": (LEADER["3001"], "", ""),
             "3002": (LEADER["3002"], "不称职\u3000", "两次安全检查缺岗")}, "孙副")},
        {"src": leader_path(ws, "L2"), "dst": src / "孙副_良好.xls", "filter": XLS,
         "edits": _uno_fill(leader_path(ws, "L2"), {
             "3001": (LEADER["3001"], "", ""), "3002": (LEADER["3002"], "良好", "")}, "孙副")},
        {"src": leader_path(ws, "L1"), "dst": src / "钱副_旧表.xlsx", "filter": XLSX,
         "edits": [*old_layout, *(e for e in _uno_fill(leader_path(ws, "L1"), {
             p: (LEADER[p], "", "") for p in _people("L1")}, "钱副")
             if not e.get("cell", "").startswith(("L", "M")))]},
    ], root / "lo")
    first = ingest(ws)
    run(ws, "report", "month", MONTH)
    report = ws.reports / f"{MONTH}_月度考核汇总.xlsx"
    kept = root / "first_report.xlsx"
    shutil.copy(report, kept)
    return {"ws": ws, "src": src, "first": first, "report": kept, "root": root}


def _sheet(path, name):
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    return [str(h) for h in rows[0]], rows[1:]


def _stored(ws, rater):
    with ws.connect() as conn:
        rows = conn.execute(
            "SELECT m.staff_id, m.rated_grade, m.remark FROM monthly_rows m"
            " JOIN submissions s ON s.id = m.submission_id"
            " WHERE s.state = 'current' AND s.form_key = ?",
            (f"monthly:leader:{MONTH}:{rater}",)).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_every_format_is_read_and_the_rated_grade_stored(month):
    ws, first = month["ws"], month["first"]
    assert first["counts"] == {"accepted": 4}, first
    assert _stored(ws, "L1") == {"1001": ("", ""), "1002": ("优秀", FLOOD),
                                 "2001": ("不称职", ""), "2002": ("优秀", ""),
                                 "2003": ("称职", "试用期")}
    assert _stored(ws, "L2") == {"3001": ("", ""), "3002": ("不称职", "两次安全检查缺岗")}
    assert _stored(ws, "L0") == {"L1": ("", ""), "L2": ("基本称职", "督办事项滞后")}  # .ods
    # without 备注, a grade the score may still give is taken with a notice: 2001 不称职
    # (64.00～84.00) and 2002 优秀 (75.00～95.00); scoring decides (see below)
    notices = outcome_of(first, "钱副.xlsx")["issues"]
    assert [(i["code"], i["row"], i["column"], i["severity"]) for i in notices] == [
        ("monthly.rated_grade_unexplained", 7, "备注", "warning"),
        ("monthly.rated_grade_unexplained", 8, "备注", "warning")]


def test_month_summary_shows_the_grade_as_rated_and_as_scored(month):
    headers, rows = _sheet(month["report"], "月度汇总")
    assert headers[:9] == HEADERS
    note = headers.index("等次说明")
    got = {r[0]: r for r in rows}
    expected = {  # 工号: (月度得分, 等次, 分数等次)
        "L1": (99, "优秀", "优秀"), "L2": (93, "基本称职", "称职"), "1001": (85, "称职", "称职"),
        "1002": (90, "优秀", "称职"), "2001": (80, "称职", "称职"), "2002": (95, "优秀", "优秀"),
        "2003": (100, "称职", "优秀"), "3001": (95, "优秀", "优秀"),
        "3002": (90, "不称职", "称职")}
    assert {k: (r[6], r[7], r[8]) for k, r in got.items()} == expected
    assert got["1002"][note] == f"领导评定为优秀（分数等次称职），理由：{FLOOD}"
    assert got["2001"][note] == ("评定等次未采用：评定为「不称职」，与分数等次不同且备注未写理由，"
                                 "按分数等次计")
    assert not got["1001"][note] and not got["2002"][note]  # 「优 秀」 read as 优秀: no note


def test_a_rated_grade_without_reason_is_a_named_data_problem(month):
    _, rows = _sheet(month["report"], "数据问题")
    (found,) = [r for r in rows if "评定等次" in str(r[3])]
    assert found[1] == "错误"
    assert found[2] == "钱副.xlsx，工作表「月考评表」，第 7 行，「评定等次」列"
    assert found[3] == ("郑规（2001）2026-03 的评定等次为「不称职」，与月度得分 80.00 分对应的分数等次"
                        "「称职」不一致，但「备注」未写明理由：评定等次未采用，本月等次按分数等次「称职」计。"
                        "请评分人在备注中写明理由后重新提交领导评分表")
    cover = [c for r in openpyxl.load_workbook(month["report"])["封面"].iter_rows(values_only=True)
             for c in r if c]
    # 等次 as rated: 优秀 L1 1002 2002 3001; 称职 1001 2001 2003; 基本称职 L2; 不称职 3002
    assert "优秀 4 人，称职 3 人，基本称职 1 人，不称职 1 人" in cover
    assert ("与分数等次不同 4 人（按评定），未采用 1 人（备注无理由，按分数等次）；"
            "见月度汇总「等次说明」") in cover


def test_publicity_and_talk_list_follow_the_rated_grade(month):
    book = openpyxl.load_workbook(month["report"])
    names = [r for r in book["公示"].iter_rows(min_row=4, values_only=True) if r[0]]
    shown = {r[1]: r[3] for r in names if isinstance(r[0], int)}
    assert shown["周一"] == "优秀" and shown["孙副"] == "基本称职" and shown["褚五"] == "不称职"
    assert shown["郑规"] == "称职" and shown["钱副"] == "优秀"
    headers, talk = _sheet(month["report"], "诫勉谈话")
    assert [(r[0], r[4], r[5]) for r in talk] == [("3002", 90, "不称职")]  # rated, not scored
    assert talk[0][headers.index("等次说明")] == "领导评定为不称职（分数等次称职），理由：两次安全检查缺岗"
    notice = " ".join(str(c) for r in book["谈话通知"].iter_rows(values_only=True) for c in r if c)
    assert "月度考核得分 90.00 分，分数等次为称职，经领导评定，等次为不称职。" in notice


def test_quarter_year_and_drafts_use_the_rated_grade(month):
    ws = month["ws"]
    run(ws, "report", "quarter", "2026-Q1")
    headers, rows = _sheet(ws.reports / "2026-Q1_季度考核小结.xlsx", "季度汇总")
    got = {r[0]: dict(zip(headers, r)) for r in rows}
    assert [got[p]["3月等次"] for p in ("1002", "2001", "3002", "L2")] == [
        "优秀", "称职", "不称职", "基本称职"]
    assert "2026-03 不称职" in got["3002"]["存在问题"]
    draft = docx.Document(ws.reports / "2026-03_月小结.docx")
    text = "\n".join(p.text for p in draft.paragraphs)
    assert "本月领导评定等次与分数等次不同的 4 人，评定等次未采用的 1 人（备注未写理由），情况如下：" in text
    assert f"周一（办公室）月度得分 90.00 分，分数等次为称职，经领导评定等次为优秀，理由：“{FLOOD}”。" in text
    assert ("褚五（建管股）月度得分 90.00 分，分数等次为称职，经领导评定等次为不称职；"
            "诫勉谈话：未记录谈话。") in text
    assert ("郑规（规划股）月度得分 80.00 分，评定等次未采用：评定为「不称职」，与分数等次不同且"
            "备注未写理由，按分数等次计。") in text
    grades = {r.cells[0].text: r.cells[1].text for r in draft.tables[0].rows[1:]}
    assert grades == {"优秀": "4", "称职": "3", "基本称职": "1", "不称职": "1"}
    run(ws, "report", "year", "2026")
    headers, talk = _sheet(ws.reports / "2026_年度考核汇总.xlsx", "诫勉谈话")
    assert [(r[0], r[3], r[5]) for r in talk] == [("3002", "2026-03", "不称职")]
    headers, annual = _sheet(ws.reports / "2026_年度考核汇总.xlsx", "年度汇总")
    mean = {r[0]: r[headers.index("月均分")] for r in annual}
    assert mean["1002"] == 90 and mean["3002"] == 90 and mean["2003"] == 100  # scores only


def _refused(report, name):
    outcome = outcome_of(report, name)
    assert outcome["outcome"] == "rejected", outcome
    return [str(Issue(**i)) for i in outcome["issues"] if i["severity"] == "error"]


def test_unreadable_or_unexplained_grades_refuse_the_row(month, tmp_path):
    ws = month["ws"]
    shutil.copy(month["src"] / "孙副_良好.xls", ws.inbox / "孙副_良好.xls")
    _leader(ws, "L2", "孙副", ws.inbox / "孙副_无理由.xlsx",
            rated={"3001": {"评定等次": "不称职"}})
    report = ingest(ws)
    assert _refused(report, "孙副_良好.xls") == [
        "孙副_良好.xls，工作表「月考评表」，第 6 行，「评定等次」列："
        "「评定等次」填写的「良好」不是有效等次，应为：优秀、称职、基本称职、不称职"]
    # leader 75 + office 0..20 → 75.00～95.00: 不称职 cannot be the score's grade
    assert _refused(report, "孙副_无理由.xlsx") == [
        "孙副_无理由.xlsx，工作表「月考评表」，第 5 行，「备注」列：评定等次「不称职」与得分对应的等次不一致："
        "本行领导评分减履职扣分为 75.00 分，加上考核办评分后月度得分在 75.00～95.00 分之间，"
        "等次应为优秀或称职或基本称职。评定等次与得分等次不同的，须在「备注」中写明理由"]
    assert _stored(ws, "L2") == {"3001": ("", ""), "3002": ("不称职", "两次安全检查缺岗")}


def test_a_form_without_the_column_still_counts_by_the_score(month):
    ws = month["ws"]
    old = month["src"] / "钱副_旧表.xlsx"
    headers = [c.value for c in openpyxl.load_workbook(old)["月考评表"][4]]
    assert "评定等次" not in headers and headers[-1] == "备注"
    shutil.copy(old, ws.inbox / "钱副_旧表.xlsx")
    report = ingest(ws)
    assert outcome_of(report, "钱副_旧表.xlsx")["outcome"] == "newer_version", report
    assert set(_stored(ws, "L1").values()) == {("", "")}
    run(ws, "report", "month", MONTH)
    headers, rows = _sheet(ws.reports / f"{MONTH}_月度考核汇总.xlsx", "月度汇总")
    got = {r[0]: (r[6], r[7], r[8]) for r in rows}
    assert got["1002"] == (90, "称职", "称职") and got["2003"] == (100, "优秀", "优秀")
    assert got["3002"] == (90, "不称职", "称职")  # 孙副's form unchanged
    _, problems = _sheet(ws.reports / f"{MONTH}_月度考核汇总.xlsx", "数据问题")
    assert not [r for r in problems if "评定等次" in str(r[3])]


@pytest.mark.libreoffice
def test_the_printed_month_summary_shows_both_grades(month):
    (pdf,) = convert_to_pdf([month["report"]], month["root"] / "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "分数等次" in text and "等次说明" in text
    assert "评定等次未采用" in text and "两次安全检查缺岗" in text
    assert "基本称职" in text
