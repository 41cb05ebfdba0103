"""The main job: `workbook-engine demo` runs a simulated year end to end, deterministically."""

from __future__ import annotations

from decimal import Decimal as D

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import ENGLISH, cli

from workbook_engine.cli import main

SMALL = ("--people", "20", "--seed", "7")  # the smallest bureau the demo makes


@pytest.fixture(scope="module")
def demo_year(tmp_path_factory):
    """One demo year on the smallest bureau the demo makes (20 people, seed 7), shared by
    the tests that read it and by the determinism test, which runs it once more."""
    root = tmp_path_factory.mktemp("demo") / "演示"
    return root, cli(None, "demo", str(root), *SMALL)


def test_demo_runs_a_whole_year_and_says_where_the_summary_is(demo_year):
    root, result = demo_year
    summary = root / "reports" / "2026_年度考核汇总.xlsx"
    assert f"年度汇总表：{summary.resolve()}" in result.output
    assert not ENGLISH.search(result.output), result.output  # a clerk reads it: Chinese
    # the mess: two forms sent twice, two corrected resends, one mail, three broken files
    line = next(x for x in result.output.splitlines() if x.startswith("收取文件："))
    assert "新版本（替换旧版） 2 份" in line and "重复（不重复计数） 2 份" in line
    assert "退回 3 份" in line and "邮件（已拆出附件） 1 份" in line
    workbook = openpyxl.load_workbook(summary)
    rows = list(workbook["年度汇总"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 18  # 20 people: the 局长 is not assessed and one is 离岗
    assert sum(1 for r in rows if r[3] == 8) == 1  # the mid-year joiner: May to December
    reports = sorted(p.name for p in (root / "reports").glob("*.xlsx"))
    assert len([r for r in reports if "月度考核汇总" in r]) == 12
    assert len([r for r in reports if "季度考核小结" in r]) == 4
    assert not any(p.is_file() for p in (root / "inbox").rglob("*"))


def test_demo_leader_rates_a_month_apart_from_the_score_with_a_reason(demo_year):
    """July: the 局长 rates 卢国庆 (1002, usual level 91.43) 优秀 with the flood-season reason
    in 备注; the July report shows 等次 as rated beside 分数等次, the 公示 the rated grade."""
    root, _ = demo_year
    book = openpyxl.load_workbook(root / "reports" / "2026-07_月度考核汇总.xlsx")
    rows = list(book["月度汇总"].iter_rows(values_only=True))
    head = rows[0]
    got = {r[0]: dict(zip(head, r)) for r in rows[1:]}
    assert got["1002"]["等次"] == "优秀"
    apart = {k: r for k, r in got.items() if r["等次"] != r["分数等次"]}
    assert apart and all(r["等次"] == "优秀" and r["等次说明"].endswith(
        "理由：七月防汛抢险连续值守，表现突出") for r in apart.values())
    posted = {r[1]: r[3] for r in book["公示"].iter_rows(min_row=4, values_only=True)
              if isinstance(r[0], int)}
    assert posted["卢国庆"] == "优秀"


def test_demo_is_deterministic_for_a_seed(demo_year, tmp_path):
    """A second run with the same seed gives the same bytes: every month, quarter and the year
    (the returns list is left out: it prints when the files were received)."""
    first, _ = demo_year
    cli(None, "demo", str(tmp_path / "again"), *SMALL)
    names = sorted(p.name for p in (first / "reports").glob("*考核*.xlsx"))
    assert len(names) == 17
    for name in names:
        again = tmp_path / "again" / "reports" / name
        assert (first / "reports" / name).read_bytes() == again.read_bytes(), name


def test_demo_year_follows_its_joiner_leaver_transfer_and_new_chief(demo_year):
    root, result = demo_year
    assert "年度中的变动" in result.output
    roster = openpyxl.load_workbook(root / "花名册.xlsx")
    changes = {r[3]: r for r in roster["人员变动"].iter_rows(min_row=2, values_only=True)}
    assert set(changes) == {"调入", "调岗", "调出", "离岗", "职务变动"}
    summary = openpyxl.load_workbook(root / "reports" / "2026_年度考核汇总.xlsx")
    rows = {r[0]: r for r in summary["年度汇总"].iter_rows(min_row=2, values_only=True)}
    months = {r[0]: r for r in summary["月度得分"].iter_rows(min_row=2, values_only=True)}
    joiner, mover, leaver = changes["调入"][1], changes["调岗"][1], changes["调出"][1]
    retired, promoted = changes["离岗"][1], changes["职务变动"][1]
    assert months[joiner][3:7] == ("未在岗",) * 4 and rows[joiner][3] == 8
    assert months[leaver][10:] == ("未在岗",) * 5 and rows[leaver][3] == 7
    assert rows[leaver][10] is None and rows[leaver][11] == "年末不在岗"
    assert rows[retired][3] == 9 and rows[retired][11] == "年末不在岗"
    assert rows[mover][2] == changes["调岗"][5] and rows[promoted][10] is not None
    # the month reports list the mover under the 股室 of their month
    may = openpyxl.load_workbook(root / "reports" / "2026-05_月度考核汇总.xlsx")["月度汇总"]
    june = openpyxl.load_workbook(root / "reports" / "2026-06_月度考核汇总.xlsx")["月度汇总"]
    assert {r[0]: r[2] for r in may.iter_rows(values_only=True)}[mover] == changes["调岗"][4]
    assert {r[0]: r[2] for r in june.iter_rows(values_only=True)}[mover] == changes["调岗"][5]


def test_demo_never_overwrites_a_folder_that_is_not_a_demo(tmp_path):
    (tmp_path / "考核").mkdir()
    (tmp_path / "考核" / "花名册.xlsx").write_bytes(b"office data")
    result = cli(None, "demo", str(tmp_path / "考核"), "--people", "20", code=1)
    assert result.exit_code == 1
    assert "不是演示工作区" in result.output
    assert (tmp_path / "考核" / "花名册.xlsx").read_bytes() == b"office data"


def test_next_year_from_the_demo_carries_roster_policy_and_results(demo_year, tmp_path):
    old, _ = demo_year  # signed off at the end of this test: keep it the module's last reader
    runner = CliRunner()
    # the old workspace carried an earlier year itself (made by hand here, as init --from does)
    from workbook_engine.results_history import write_history

    write_history(old / "历年结果.xlsx", [{
        "year": "2025", "staff_id": "1002", "name": "老数据", "section": "局领导",
        "score": D("93.50"), "grade": "称职", "rank": 4, "source": "2025_年度考核汇总.xlsx"}])
    new = tmp_path / "2027"
    result = runner.invoke(main, ["init", str(new), "--year", "2027", "--from", str(old)])
    assert result.exit_code == 0, result.output
    assert "尚未签批" in result.output  # the demo year was never signed: its latest report
    assert "2027 年的放假安排尚未填写" in result.output
    policy = (new / "policy.toml").read_text(encoding="utf-8")
    assert "year = 2027" in policy and "示例县住房和城乡建设局" in policy
    roster = openpyxl.load_workbook(new / "花名册.xlsx")
    assert roster["人员变动"].max_row == 1 and roster["分工变动"].max_row == 1
    people = {r[0]: r for r in roster["人员"].iter_rows(min_row=2, values_only=True)}
    old_people = {r[0]: r for r in openpyxl.load_workbook(old / "花名册.xlsx")["人员"].iter_rows(
        min_row=2, values_only=True)}
    assert people.keys() == old_people.keys()  # people who left stay, as 离岗
    left = [sid for sid, r in old_people.items() if r[5] == "离岗"]
    assert left and all(people[sid][5] == "离岗" for sid in left)
    # the 2027 year report shows 2026 in 历年结果, as the 2026 summary had it
    result = runner.invoke(main, ["-w", str(new), "report", "year", "2027"])
    assert result.exit_code == 0, result.output
    summary = {r[0]: r for r in openpyxl.load_workbook(old / "reports" / "2026_年度考核汇总.xlsx")[
        "年度汇总"].iter_rows(min_row=2, values_only=True) if r[0]}
    history = openpyxl.load_workbook(new / "reports" / "2027_年度考核汇总.xlsx")["历年结果"]
    rows = list(history.iter_rows(values_only=True))
    assert list(rows[0]) == ["工号", "姓名", "2025年度得分", "2025等次", "2025排名",
                             "2026年度得分", "2026等次", "2026排名"]
    got = {r[0]: r for r in rows[1:]}
    assert got.keys() == summary.keys()
    for staff_id, row in summary.items():
        assert got[staff_id][5:] == (row[8], row[9], row[10]), staff_id
    assert got["1002"][2:5] == (93.5, "称职", 4)
    # signed, the old year is taken from its signed report and no warning is given
    signed = runner.invoke(main, ["-w", str(old), "signoff", "year", "2026", "--by", "局长",
                                  "--accept-problems"])
    assert signed.exit_code == 0, signed.output
    result = runner.invoke(main, ["init", str(tmp_path / "2027b"), "--from", str(old)])
    assert result.exit_code == 0 and "尚未签批" not in result.output, result.output
    assert "year = 2027" in (tmp_path / "2027b" / "policy.toml").read_text(encoding="utf-8")
