"""The main job: `workbook-engine demo` runs a simulated year end to end, deterministically."""

from __future__ import annotations

import openpyxl
from click.testing import CliRunner

from workbook_engine.cli import main


def demo(*args):
    result = CliRunner().invoke(main, ["demo", *args])
    assert "Traceback" not in result.output, result.output
    return result


def test_demo_runs_a_whole_year_and_says_where_the_summary_is(tmp_path):
    root = tmp_path / "演示"
    result = demo(str(root), "--people", "20", "--seed", "7")
    assert result.exit_code == 0, result.output
    summary = root / "reports" / "2026_年度考核汇总.xlsx"
    assert f"年度汇总表：{summary.resolve()}" in result.output
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


def test_demo_is_deterministic_for_a_seed(tmp_path):
    assert demo(str(tmp_path / "a"), "--people", "20", "--seed", "3").exit_code == 0
    assert demo(str(tmp_path / "b"), "--people", "20", "--seed", "3").exit_code == 0
    first = (tmp_path / "a" / "reports" / "2026_年度考核汇总.xlsx").read_bytes()
    second = (tmp_path / "b" / "reports" / "2026_年度考核汇总.xlsx").read_bytes()
    assert first == second


def test_demo_never_overwrites_a_folder_that_is_not_a_demo(tmp_path):
    (tmp_path / "考核").mkdir()
    (tmp_path / "考核" / "花名册.xlsx").write_bytes(b"office data")
    result = demo(str(tmp_path / "考核"), "--people", "20")
    assert result.exit_code == 1
    assert "不是演示工作区" in result.output
    assert (tmp_path / "考核" / "花名册.xlsx").read_bytes() == b"office data"
