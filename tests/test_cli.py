"""The command line as a clerk uses it: init, workspace selection, errors in Chinese."""

from __future__ import annotations

import subprocess
import sys

import click
import openpyxl
import pytest
from click.testing import CliRunner
from helpers import write_roster

from workbook_engine.cli import main
from workbook_engine.store import SCHEMA_VERSION, connect, schema_version


def invoke(*args, env=None):
    result = CliRunner().invoke(main, list(args), env=env)
    assert "Traceback" not in result.output
    return result


def test_init_creates_the_workspace(tmp_path):
    root = tmp_path / "考核2026"
    result = invoke("init", "--year", "2026", str(root))
    assert result.exit_code == 0, result.output
    for name in ("花名册.xlsx", "加减分台账.xlsx", "policy.toml"):
        assert (root / name).is_file()
        assert f"新建  {name}" in result.output
    for folder in ("inbox", "outbox", "archive", "rejected", "reports"):
        assert (root / folder).is_dir()
    assert "year = 2026" in (root / "policy.toml").read_text(encoding="utf-8")
    roster = openpyxl.load_workbook(root / "花名册.xlsx")
    assert [c.value for c in roster["人员"][1]][:8] == [
        "工号", "姓名", "股室", "职务类别", "参加工作时间", "在岗状态", "参加考核", "参加排名"]
    assert [c.value for c in roster["股室"][1]][:3] == ["股室", "股室长工号", "分管领导工号"]
    ledger = openpyxl.load_workbook(root / "加减分台账.xlsx")
    assert {"表扬批评", "活动", "休假"} <= set(ledger.sheetnames)
    with connect(root / ".engine" / "store.sqlite3") as conn:
        assert schema_version(conn) == SCHEMA_VERSION


def test_init_again_never_overwrites_the_offices_files(tmp_path):
    root = tmp_path / "ws"
    assert invoke("init", "--year", "2026", str(root)).exit_code == 0
    write_roster(root / "花名册.xlsx")
    roster_bytes = (root / "花名册.xlsx").read_bytes()
    policy = (root / "policy.toml").read_text(encoding="utf-8") + "\n# 考核办的修改\n"
    (root / "policy.toml").write_text(policy, encoding="utf-8")
    result = invoke("init", "--year", "2027", str(root))
    assert result.exit_code == 0, result.output
    assert "保留  花名册.xlsx（已存在，未改动）" in result.output
    assert (root / "花名册.xlsx").read_bytes() == roster_bytes
    assert (root / "policy.toml").read_text(encoding="utf-8") == policy


def test_workspace_from_option_env_and_current_folder(tmp_path, monkeypatch):
    root = tmp_path / "ws"
    assert invoke("init", "--year", "2026", str(root)).exit_code == 0
    assert invoke("-w", str(root), "forms", "monthly", "--month", "2026-03").exit_code == 0
    result = invoke("forms", "monthly", "--month", "2026-04",
                    env={"WORKBOOK_ENGINE_WORKSPACE": str(root)})
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(root)
    assert invoke("forms", "monthly", "--month", "2026-05").exit_code == 0
    assert {p.name for p in (root / "outbox").iterdir()} == {"2026-03", "2026-04", "2026-05"}


def test_sample_roster_runs_the_whole_forms_step(tmp_path):
    """The README's first command on the sample roster that init writes."""
    root = tmp_path / "ws"
    assert invoke("init", "--year", "2026", str(root)).exit_code == 0
    weekly = invoke("-w", str(root), "forms", "weekly", "--week", "2026-W10")
    assert weekly.exit_code == 0, weekly.output
    monthly = invoke("-w", str(root), "forms", "monthly", "--month", "2026-03")
    assert monthly.exit_code == 0, monthly.output
    assert len(list((root / "outbox" / "2026-W10").rglob("*.xlsx"))) > 5
    assert (root / "outbox" / "2026-03" / "2026-03_月考评表_考核办评分.xlsx").is_file()


def test_not_a_workspace_is_a_chinese_message(tmp_path):
    result = invoke("-w", str(tmp_path), "forms", "weekly", "--week", "2026-W10")
    assert result.exit_code == 1
    assert "不是考核工作区" in result.output and "workbook-engine init" in result.output


def test_bad_week_is_a_usage_error_naming_the_text(workspace):
    result = invoke("-w", str(workspace.root), "forms", "weekly", "--week", "2026-W54")
    assert result.exit_code == 2
    assert "2026-W54" in result.output


def test_roster_problems_are_all_listed(workspace):
    people = [
        (1001, "李办", "办公室", "股室长", "2005-07-01", "在岗", "是", "是"),
        (1001, "周一", "办公室", "一般干部职工", "2016-07-01", "在岗", "是", "是"),
        (1003, "吴二", "财务股", "科员", "2018-07-01", "在岗", "是", "是"),
    ]
    write_roster(workspace.roster_path, people=people, sections=[("办公室", 1001, "")])
    result = invoke("-w", str(workspace.root), "forms", "weekly", "--week", "2026-W10")
    assert result.exit_code == 1
    assert "以下问题需要先处理" in result.output
    assert "工作表「人员」" in result.output and "第 3 行" in result.output
    assert "财务股" in result.output and "科员" in result.output
    assert len([line for line in result.output.splitlines() if line[:2].rstrip(".").isdigit()]) >= 4


def test_bad_policy_names_the_key(workspace):
    text = workspace.policy_path.read_text(encoding="utf-8").replace(
        "bonus_cap = 30", "bonus_cap = -30")
    workspace.policy_path.write_text(text, encoding="utf-8")
    result = invoke("-w", str(workspace.root), "forms", "monthly", "--month", "2026-03")
    assert result.exit_code == 1
    assert "annual.bonus_cap" in result.output


def _commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


@pytest.mark.parametrize("path", [p for p, _ in _commands(main)], ids=" ".join)
def test_every_command_has_chinese_help(path):
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    command = dict(_commands(main))[path]
    assert command.help and any("\u4e00" <= ch <= "\u9fff" for ch in command.help)


def test_python_dash_m_runs():
    done = subprocess.run([sys.executable, "-m", "workbook_engine", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "forms" in done.stdout


def test_weeks_the_holiday_calendar_does_not_cover_are_flagged(tmp_path):
    root = tmp_path / "ws2027"
    assert invoke("init", "--year", "2027", str(root)).exit_code == 0
    result = invoke("-w", str(root), "forms", "weekly", "--week", "2027-W02")
    assert result.exit_code == 0
    assert "2027 年的放假安排尚未填写" in result.output and "节假日安排.xlsx" in result.output


def test_an_internal_error_is_logged_not_shown(workspace, monkeypatch):
    def broken(*args, **kwargs):
        raise BrokenPipeError("a pipe to a reader process")

    monkeypatch.setattr("workbook_engine.ingest.inbox.ingest", broken)
    result = invoke("-w", str(workspace.root), "ingest")
    assert result.exit_code == 3
    assert "内部错误：BrokenPipeError" in result.output
    log = (workspace.root / ".engine" / "error.log").read_text(encoding="utf-8")
    assert "a pipe to a reader process" in log
