"""Every name the tool writes is one Windows can hold (the office's PC, the shared folder)."""

from __future__ import annotations

import pytest

from workbook_engine.filenames import is_device, safe_file_name, safe_part
from workbook_engine.ingest.inbox import place


@pytest.mark.parametrize(("given", "expected"), [
    ("规划股", "规划股"),
    ("规划/建管股", "规划_建管股"),
    ('a<b>c:d"e|f?g*h\\i', "a_b_c_d_e_f_g_h_i"),
    ("张三.", "张三"),
    ("张三 . ", "张三"),
    ("tab\there", "tab_here"),
    ("CON", "_CON"),
    ("nul", "_nul"),
    ("COM1", "_COM1"),
    ("LPT9", "_LPT9"),
    ("COM10", "COM10"),
    ("CONSOLE", "CONSOLE"),
    ("", "_"),
    ("...", "_"),
])
def test_safe_part(given, expected):
    assert safe_part(given) == expected


@pytest.mark.parametrize(("given", "expected"), [
    ("周一.xlsx", "周一.xlsx"),
    ("CON.xlsx", "_CON.xlsx"),
    ("aux .xlsx", "_aux .xlsx"),
    ("周报:三月?.xlsx", "周报_三月_.xlsx"),
    ("周一.xlsx. ", "周一.xlsx"),
])
def test_safe_file_name(given, expected):
    assert safe_file_name(given) == expected
    assert not is_device(safe_file_name(given))


def test_an_archived_file_gets_a_name_windows_can_hold(tmp_path):
    """A file received on another system (a Linux share, a zip) is archived under a valid name."""
    assert place(tmp_path, "NUL.xlsx", "0" * 64).name == "_NUL.xlsx"
    assert place(tmp_path, "周一:第2版.xlsx", "0" * 64).name == "周一_第2版.xlsx"


def test_forms_for_awkward_roster_names_are_valid_on_windows(workspace, cli):
    """A 股室 with a slash and a person named like a device still get valid form names."""
    from helpers import write_roster

    people = [("L0", "赵局", "局领导", "局长", "1990-07-01", "在岗", "否", "否"),
              ("L1", "钱副", "局领导", "分管领导", "1995-08-01", "在岗", "否", "否"),
              (1001, "CON", "规划/建管股", "股室长", "2005-07-01", "在岗", "是", "是"),
              (1002, "周一.", "规划/建管股", "一般干部职工", "2016-07-01", "在岗", "是", "是")]
    write_roster(workspace.roster_path, people, [("规划/建管股", 1001, "L1")])
    cli(workspace, "forms", "weekly", "--week", "2026-W10")
    names = sorted(p.relative_to(workspace.outbox).as_posix()
                   for p in workspace.outbox.rglob("*.xlsx"))
    assert names == ["2026-W10/规划_建管股/2026-W10_周考评表_1001__CON.xlsx",
                     "2026-W10/规划_建管股/2026-W10_周考评表_1002_周一.xlsx"]
    for name in names:
        for part in name.split("/"):
            assert safe_part(part.removesuffix(".xlsx")) == part.removesuffix(".xlsx")
