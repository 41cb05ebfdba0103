"""A whole year through the CLI: forms generated, filled by another program, ingested, scored,
reported, signed off. Every expected number below is worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal as D

import openpyxl
import pytest
from click.testing import CliRunner
from fill import fill_monthly, fill_weekly
from helpers import cli, convert_to_pdf, write_ledger

from workbook_engine.cli import main

# Monthly items: leader [思想作风, 工作量, 完成情况, 工作效率], office [出勤情况, 公共职责].
USUAL = {
    "L1": ([20, 20, 29, 10], [10, 10]),  # 79 + 20 = 99 every month
    "L2": ([18, 19, 28, 9], [10, 9]),    # 74 + 19 = 93
    "1001": ([17, 17, 26, 8], [9, 8]),   # 68 + 17 = 85
    "1002": ([18, 18, 27, 9], [9, 9]),   # 72 + 18 = 90 (March: −2 → 88)
    "2001": ([16, 16, 24, 8], [8, 8]),   # 64 + 16 = 80
    "2002": ([19, 19, 28, 9], [10, 10]),  # 75 + 20 = 95
    "2003": ([20, 20, 30, 10], [10, 10]),  # 80 + 20 = 100, only July to December
    "3001": ([19, 19, 28, 9], [10, 10]),  # 95
    "3002": ([18, 18, 27, 9], [9, 9]),   # 90 (May: 50 + 15 = 65 不称职)
}
RATERS = {"L0": ("赵局", ["L1", "L2"]), "L1": ("钱副", ["1001", "1002", "2001", "2002", "2003"]),
          "L2": ("孙副", ["3001", "3002"])}

PRAISE = [
    ("2026-04-10", "表扬", "省委省政府", "省政〔2026〕1号", "个人", "1002", "抢险"),
    ("2026-05-10", "表扬", "州委州政府", "州政〔2026〕2号", "集体", "办公室、规划股", "创建"),
    ("2026-06-10", "表扬", "县委县政府", "县政〔2026〕3号", "个人", "周一", "信访"),
    ("2026-07-10", "表扬", "省级部门", "省住建〔2026〕4号", "个人", 1002, "质量"),
    ("2026-08-10", "批评", "县级部门", "县住建〔2026〕5号", "个人", "3002", "迟报"),
    ("2026-09-10", "批评", "州级部门", "州住建〔2026〕6号", "个人", "L1", "督查"),
    ("2026-10-10", "批评", "县委县政府", "县通〔2026〕7号", "集体", "建管股", "安全"),
]
ACTIVITIES = [("2026-03-01", "义务植树", "县委县政府", "2002", "王三"),
              ("2026-03-01", "义务植树", "县委县政府", "3001", "陈建"),
              ("2026-11-01", "职工运动会", "州级部门", "2002", "")]
LEAVE = [("1002", "周一", None, 6, 0), ("2002", "", None, 5, 3), ("3002", "褚五", None, 5, 0),
         ("2001", "郑规", 12, 2, 0), ("2003", "", None, 0, 0)]

# Hand computation (SPEC §5).
#            A (mean)                          B                         D       annual
# 1002  (11×90 + 88)/12 = 89.83   12+8+5+8 + leave 10−6=4 → 37 → 30      0   89.83+30      = 119.83
# 2002   95.00                    8 + 1 + 1 = 10                 leave 8−5=3   95+10−3       = 102.00
# 2003  100.00 (6 months)         8 + leave 5 = 13                       0   113.00 (not ranked)
# 1001   85.00                    8                                      0    93.00
# 2001   80.00                    8 + leave 12−2 = 10 → 18               0    98.00
# 3001   95.00                    1                            5 (集体)      91.00
# 3002  (11×90 + 65)/12 = 87.92   0                            3 + 5 = 8     79.92
# L1     99.00                    8 (集体表扬, once)            5 (个人)     102.00
# L2     93.00                    0                  3 (3002 连带) + 5 (集体)  85.00
EXPECTED = {
    "1002": (12, "89.83", "37", "30", "0", "119.83", "优秀", 1, "是"),
    "2002": (12, "95.00", "10", "10", "3", "102.00", "优秀", 2, "并列待定"),
    "L1": (12, "99.00", "8", "8", "5", "102.00", "优秀", 2, "并列待定"),
    "2001": (12, "80.00", "18", "18", "0", "98.00", "优秀", 4, "否"),
    "1001": (12, "85.00", "8", "8", "0", "93.00", "称职", 5, "否"),
    "3001": (12, "95.00", "1", "1", "5", "91.00", "称职", 6, "否"),
    "L2": (12, "93.00", "0", "0", "8", "85.00", "称职", 7, "否"),
    "3002": (12, "87.92", "0", "0", "8", "79.92", "基本称职", 8, "否"),
    "2003": (6, "100.00", "13", "13", "0", "113.00", "优秀", None, "不参加排名"),
}
# 8 ranked (2003 has 参加排名 = 否): k = floor(8 × 30%) = 2; the 2nd score is 102.00, held by
# two people with one above them: 3 > 2 places → both 并列待定.


def month_scores(month: int, staff_id: str):
    """(leader items, office items, deduction, reason) of one person in one month, or None."""
    if staff_id == "2003" and month <= 6:
        return None
    leader, office = USUAL[staff_id]
    if staff_id == "1002" and month == 3:
        return leader, office, 2, "迟报材料"
    if staff_id == "3002" and month == 5:
        return [12, 12, 20, 6], [8, 7], None, None
    return leader, office, None, None


def fill_year(ws):
    for month in range(1, 13):
        period = f"2026-{month:02d}"
        cli(ws, "forms", "monthly", "--month", period)
        folder = ws.outbox / period
        office = {}
        for rater, (name, people) in RATERS.items():
            scores = {}
            for staff_id in people:
                entry = month_scores(month, staff_id)
                if entry is not None:
                    scores[staff_id] = (entry[0], entry[2], entry[3])
                    office[staff_id] = entry[1]
            fill_monthly(folder / f"{period}_月考评表_领导评分_{rater}_{name}.xlsx",
                         ws.inbox / period / f"{rater}.xlsx", scores, sign=name,
                         date=dt.date(2026, month, 28))
        fill_monthly(folder / f"{period}_月考评表_考核办评分.xlsx",
                     ws.inbox / period / "考核办.xlsx", office, sign="考核办小李")


@pytest.fixture(scope="module")
def year_ws(tmp_path_factory):
    from helpers import write_roster

    from workbook_engine.workspace import Workspace, init_workspace

    root = tmp_path_factory.mktemp("year") / "ws"
    init_workspace(root, 2026)
    ws = Workspace(root.resolve())
    write_roster(ws.roster_path)
    write_ledger(ws.ledger_path, PRAISE, ACTIVITIES, LEAVE)
    fill_year(ws)
    report = json.loads(cli(ws, "ingest", "--json").stdout)
    assert report["counts"] == {"accepted": 48}, report
    return ws


def sheet_rows(path, name):
    sheet = openpyxl.load_workbook(path)[name]
    rows = list(sheet.iter_rows(values_only=True))
    return [str(h) for h in rows[0]], rows[1:]


def test_year_summary_equals_the_hand_computation(year_ws):
    cli(year_ws, "report", "year", "2026", "--bonus-pool", "100000")
    headers, rows = sheet_rows(year_ws.reports / "2026_年度考核汇总.xlsx", "年度汇总")
    assert headers == ["工号", "姓名", "股室", "考核月数", "月均分", "加分合计", "加分计入",
                       "扣分合计", "年度得分", "等次", "排名", "优秀预备人选", "奖金系数", "奖金金额"]
    got = {r[0]: r for r in rows}
    assert list(got) == ["L1", "L2", "1001", "1002", "2001", "2002", "2003", "3001", "3002"]
    for staff_id, (months, mean, bonus, counted, minus, score, grade, rank, pick) in EXPECTED.items():
        row = got[staff_id]
        numbers = [D(str(v)).quantize(D("0.01")) for v in row[4:9]]
        assert (row[3], *numbers, row[9], row[10], row[11]) == (
            months, D(mean), D(bonus), D(counted), D(minus), D(score), grade, rank, pick), staff_id
    # 奖金系数 = score / 100 (4 places); the sum of coefficients is 8.8375 and
    # 1002 gets 100000 × 1.1983 / 8.8375 = 13559.26… → 13559.26 (floor, remainder 0.0049…).
    assert D(str(got["1002"][12])).quantize(D("0.0001")) == D("1.1983")
    amounts = [D(str(r[13])).quantize(D("0.01")) for r in rows]
    assert sum(amounts) == D("100000.00")
    assert amounts[3] == D("13559.26")


def test_detail_sheet_lists_every_point_with_its_source(year_ws):
    cli(year_ws, "report", "year", "2026")
    headers, rows = sheet_rows(year_ws.reports / "2026_年度考核汇总.xlsx", "加减分明细")
    assert headers[:7] == ["工号", "姓名", "加分/扣分", "类别", "分值", "来源", "说明"]
    lines = [(r[0], r[2], D(str(r[4]))) for r in rows]
    # L2 is co-responsible for 3002's individual criticism (县级部门 3) and for 建管股 (县委县政府 5)
    assert ("L2", "扣分", D(3)) in lines and ("L2", "扣分", D(5)) in lines
    sources = [r[5] for r in rows if r[0] == "L2"]
    assert any("县住建〔2026〕5号" in s and "第 6 行" in s for s in sources)
    # the March 履职扣分 of 1002 is listed with the form file and row it came from
    deductions = [r for r in rows if r[2] == "履职扣分"]
    assert [(r[0], D(str(r[4]))) for r in deductions] == [("1002", D(2))]
    assert "2026-03" in deductions[0][3] and "L1.xlsx 第" in deductions[0][5]


def test_year_report_flags_people_missing_from_leave_sheet(year_ws):
    cli(year_ws, "report", "year", "2026")
    workbook = openpyxl.load_workbook(year_ws.reports / "2026_年度考核汇总.xlsx")
    assert workbook.sheetnames[0] == "封面"
    cover = [c for row in workbook["封面"].iter_rows(values_only=True) for c in row if c]
    assert any(str(c).startswith("注意：本报表有") for c in cover)
    problems = [r[3] for r in workbook["数据问题"].iter_rows(min_row=2, values_only=True)]
    missing = sorted(p for p in problems if "不在休假表中" in p)
    assert len(missing) == 4 and all(any(sid in p for p in missing)
                                     for sid in ("1001", "3001", "L1", "L2"))
    chart_sheet = workbook["统计图表"]
    assert len(chart_sheet._charts) == 2


def test_month_report_talk_list_and_publicity(year_ws):
    cli(year_ws, "report", "month", "2026-05")
    path = year_ws.reports / "2026-05_月度考核汇总.xlsx"
    headers, rows = sheet_rows(path, "月度汇总")
    assert headers[:8] == ["工号", "姓名", "股室", "领导评分", "考核办评分", "履职扣分", "月度得分", "等次"]
    got = {r[0]: r for r in rows}
    assert (got["3002"][3], got["3002"][4], got["3002"][6], got["3002"][7]) == (50, 15, 65, "不称职")
    status = headers.index("状态")
    assert got["2003"][status] == "未考核" and got["2003"][6] is None
    _, talk = sheet_rows(path, "诫勉谈话")
    assert [r[0] for r in talk] == ["3002"]
    notice = [c for row in openpyxl.load_workbook(path)["公示"].iter_rows(values_only=True)
              for c in row if c]
    # June 2026: 1 June is a Monday; 5 working days → 1 to 5 June
    assert any("2026年6月1日至2026年6月5日" in str(c) for c in notice)


def test_quarter_report_records_problems(year_ws):
    cli(year_ws, "report", "quarter", "2026-Q1")
    headers, rows = sheet_rows(year_ws.reports / "2026-Q1_季度考核小结.xlsx", "季度汇总")
    got = {r[0]: r for r in rows}
    # 1002: 90, 90, 88 → (90 + 90 + 88) / 3 = 89.33
    assert [got["1002"][3], got["1002"][5], got["1002"][7]] == [90, 90, 88]
    assert D(str(got["1002"][9])).quantize(D("0.01")) == D("89.33")
    assert "2026-03 履职扣分 2（迟报材料）" in got["1002"][10]
    assert got["2003"][4] == "未考核" and got["2003"][9] is None


def test_reports_are_reproducible_and_hold_no_formulas(year_ws, tmp_path):
    cli(year_ws, "report", "year", "2026")
    path = year_ws.reports / "2026_年度考核汇总.xlsx"
    first = path.read_bytes()
    cli(year_ws, "report", "year", "2026")
    assert path.read_bytes() == first
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row), sheet.title
        assert sheet.page_setup.paperSize == 9
    assert workbook["年度汇总"].print_title_rows == "$1:$1"
    assert workbook["年度汇总"].freeze_panes == "A2"


@pytest.mark.libreoffice
def test_every_report_converts_in_libreoffice(year_ws, tmp_path):
    cli(year_ws, "report", "month", "2026-05")
    cli(year_ws, "report", "quarter", "2026-Q2")
    cli(year_ws, "report", "year", "2026", "--bonus-pool", "100000")
    reports = [year_ws.reports / name for name in (
        "2026-05_月度考核汇总.xlsx", "2026-Q2_季度考核小结.xlsx", "2026_年度考核汇总.xlsx")]
    pdfs = convert_to_pdf(reports, tmp_path / "pdf")
    assert all(p.stat().st_size > 5000 for p in pdfs)


def test_signoff_freezes_then_reopen_applies_the_amendment(year_ws, tmp_path):
    ws = year_ws
    cli(ws, "report", "month", "2026-06")
    signed = cli(ws, "signoff", "month", "2026-06", "--by", "王局长")
    assert "已签批 2026-06" in signed.output
    kept = ws.reports / "已签批" / "2026-06_月度考核汇总_签批.xlsx"
    cover = [c for row in openpyxl.load_workbook(kept)["封面"].iter_rows(values_only=True)
             for c in row if c]
    assert "王局长" in cover
    frozen_bytes = kept.read_bytes()
    # A corrected L2 edition for June arrives late: it waits as an amendment.
    cli(ws, "forms", "monthly", "--month", "2026-06")
    fill_monthly(ws.outbox / "2026-06" / "2026-06_月考评表_领导评分_L2_孙副.xlsx",
                 ws.inbox / "late.xlsx", {"3001": ([20, 20, 30, 10], None, None),
                                          "3002": ([18, 18, 27, 9], None, None)}, sign="孙副")
    report = json.loads(cli(ws, "ingest", "--json").stdout)
    assert report["counts"] == {"amendment": 1}
    status = cli(ws, "status", "--month", "2026-06")
    assert "待处理的修订" in status.output
    cli(ws, "report", "quarter", "2026-Q2")
    problems = [r[3] for r in openpyxl.load_workbook(ws.reports / "2026-Q2_季度考核小结.xlsx")[
        "数据问题"].iter_rows(min_row=2, values_only=True)]
    assert any("待修订：monthly:leader:2026-06:L2" in p for p in problems)
    again = cli(ws, "report", "month", "2026-06")
    assert "已签批" in again.output
    assert (ws.reports / "2026-06_月度考核汇总.xlsx").read_bytes() == frozen_bytes
    twice = CliRunner().invoke(main, ["-w", str(ws.root), "signoff", "month", "2026-06",
                                      "--by", "王局长"])
    assert twice.exit_code == 1 and "已于" in twice.output
    opened = cli(ws, "reopen", "2026-06", "--reason", "孙副更正评分", "--by", "考核办小李")
    assert "已生效 1 份" in opened.output
    cli(ws, "report", "month", "2026-06")
    _, rows = sheet_rows(ws.reports / "2026-06_月度考核汇总.xlsx", "月度汇总")
    got = {r[0]: r for r in rows}
    assert got["3001"][6] == 100  # 80 + 20 after the amendment (was 95)
    cli(ws, "signoff", "month", "2026-06", "--by", "王局长")
    with ws.connect() as conn:
        log = conn.execute("SELECT action, by_name, reason FROM signoffs WHERE period='2026-06'"
                           " ORDER BY id").fetchall()
    assert log == [("signoff", "王局长", ""), ("reopen", "考核办小李", "孙副更正评分"),
                   ("signoff", "王局长", "")]
    shutil.rmtree(ws.inbox, ignore_errors=True)
    ws.inbox.mkdir()


def test_year_signoff_with_problems_needs_accept(year_ws):
    refused = CliRunner().invoke(main, ["-w", str(year_ws.root), "signoff", "year", "2026",
                                        "--by", "王局长"])
    assert refused.exit_code == 1 and "--accept-problems" in refused.output
    cli(year_ws, "signoff", "year", "2026", "--by", "王局长", "--accept-problems")


def test_weekly_forms_are_not_needed_for_scores_but_feed_the_status(year_ws):
    path = year_ws.root / "outbox" / "2026-W50" / "办公室" / "2026-W50_周考评表_1002_周一.xlsx"
    cli(year_ws, "forms", "weekly", "--week", "2026-W50")
    fill_weekly(path, year_ws.inbox / "w.xlsx", chief=("称职", "李办"), leader=("称职", "钱副"))
    result = json.loads(cli(year_ws, "ingest", "--json").stdout)
    # the year was signed off in the test before (module order), so it waits as an amendment
    assert set(result["counts"]) <= {"accepted", "amendment"}


@pytest.mark.libreoffice
def test_pdf_of_the_publicity_month(year_ws):
    result = cli(year_ws, "report", "month", "2026-05", "--pdf")
    pdf = year_ws.reports / "2026-05_月度考核汇总.pdf"
    assert f"PDF：{pdf}" in result.output and pdf.read_bytes().startswith(b"%PDF")


def test_pdf_without_libreoffice_says_so(year_ws, monkeypatch):
    monkeypatch.setattr("workbook_engine.reports.pdf.shutil.which", lambda name: None)
    result = cli(year_ws, "report", "month", "2026-05", "--pdf")
    assert "未生成 PDF：本机未安装 LibreOffice" in result.output


def test_the_year_report_lets_the_lines_go_and_the_draft_needs_only_the_talk_lines(year_ws):
    """Figures kept for the Word draft (as `report year` keeps them) lose the year's monthly
    lines once the report's tables are made: asking for them then is an error, never an
    empty year; the draft is written from the talk lines, which stay."""
    from docx import Document

    from workbook_engine.periods import Year
    from workbook_engine.reports.annual import write_year_report, year_figures
    from workbook_engine.reports.drafts import write_year_draft

    figures = year_figures(year_ws, Year(2026))
    lines = list(figures.result.monthly_lines)
    lowest = year_ws.policy().lowest_grade
    assert figures.result.talk_lines == [line for line in lines if line.grade == lowest]
    assert figures.result.talk_lines  # the hand-worked year has a 不称职 month
    write_year_report(year_ws, Year(2026), figures=figures)
    with pytest.raises(RuntimeError, match="released"):
        figures.result.monthly_lines  # noqa: B018
    with pytest.raises(RuntimeError, match="released"):
        figures.result.monthly  # noqa: B018
    draft = write_year_draft(year_ws, Year(2026), figures)
    talk = lines[[line.grade for line in lines].index(lowest)]
    assert any(talk.name in p.text and talk.month in p.text
               for p in Document(str(draft)).paragraphs)
