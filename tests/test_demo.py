"""The main job: `workbook-engine demo` runs a simulated year end to end, deterministically."""

from __future__ import annotations

import openpyxl
import pytest
from helpers import cli

SMALL = ("--people", "20", "--seed", "7")  # the smallest bureau the demo makes


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    """One run of the demo's year on the smallest bureau, shared by the tests below."""
    root = tmp_path_factory.mktemp("demo") / "演示"
    return root, cli(None, "demo", str(root), *SMALL)


def test_demo_runs_a_whole_year_and_says_where_the_summary_is(small_demo):
    root, result = small_demo
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


def test_demo_is_deterministic_for_a_seed(small_demo, tmp_path):
    """A second run with the same seed gives the same bytes: every month, quarter and the year
    (the returns list is left out: it prints when the files were received)."""
    first, _ = small_demo
    cli(None, "demo", str(tmp_path / "again"), *SMALL)
    names = sorted(p.name for p in (first / "reports").glob("*考核*.xlsx"))
    assert len(names) == 17
    for name in names:
        again = tmp_path / "again" / "reports" / name
        assert (first / "reports" / name).read_bytes() == again.read_bytes(), name


def test_demo_never_overwrites_a_folder_that_is_not_a_demo(tmp_path):
    (tmp_path / "考核").mkdir()
    (tmp_path / "考核" / "花名册.xlsx").write_bytes(b"office data")
    result = cli(None, "demo", str(tmp_path / "考核"), "--people", "20", code=1)
    assert result.exit_code == 1
    assert "不是演示工作区" in result.output
    assert (tmp_path / "考核" / "花名册.xlsx").read_bytes() == b"office data"
