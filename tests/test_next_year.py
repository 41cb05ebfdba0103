"""init --from on a small workspace with changes: the roster as at 31 December, addresses kept."""

from __future__ import annotations

import openpyxl
from click.testing import CliRunner

from workbook_engine.cli import main


def test_init_from_carries_the_year_end_roster_with_its_addresses(changing_bureau, tmp_path):
    old = changing_bureau
    workbook = openpyxl.load_workbook(old.roster_path)
    sheet = workbook["人员"]
    sheet.cell(1, 9, "邮箱")
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, 9, f"u{sheet.cell(row, 1).value}@example.gov.cn")
    workbook.save(old.roster_path)
    new = tmp_path / "2027"
    result = CliRunner().invoke(main, ["init", str(new), "--from", str(old.root)])
    assert result.exit_code == 0, result.output
    assert "也没有生成过" in result.output  # no year report yet: made now, with a warning
    roster = openpyxl.load_workbook(new / "花名册.xlsx")
    headers = [c.value for c in roster["人员"][1]]
    assert headers[-1] == "邮箱"
    people = {str(r[0]): r for r in roster["人员"].iter_rows(min_row=2, values_only=True)}
    assert people["1002"][5] == "离岗" and people["4001"][5] == "在岗"
    assert people["3002"][2] == "规划股" and people["3002"][8] == "u3002@example.gov.cn"
    sections = {r[0]: r for r in roster["股室"].iter_rows(min_row=2, values_only=True)}
    assert sections["建管股"][2] == "L1"
    assert roster["人员变动"].max_row == 1
    assert "year = 2027" in (new / "policy.toml").read_text(encoding="utf-8")
    history = openpyxl.load_workbook(new / "历年结果.xlsx")["历年结果"]
    years = {r[0] for r in history.iter_rows(min_row=2, values_only=True)}
    assert years == {"2026"}
    again = CliRunner().invoke(main, ["init", str(tmp_path / "x"), "--from", str(new)])
    assert again.exit_code == 0, again.output  # 2028 from 2027: the 2026 history goes along
    years = {r[0] for r in openpyxl.load_workbook(tmp_path / "x" / "历年结果.xlsx")["历年结果"]
             .iter_rows(min_row=2, values_only=True)}
    assert years == {"2026", "2027"}
