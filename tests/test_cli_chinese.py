"""Every message a clerk reads from the command line is Chinese (SPEC §7), hints work as typed."""

from __future__ import annotations

import datetime as dt

import click
from click.testing import CliRunner
from helpers import ENGLISH

from workbook_engine.cli import main
from workbook_engine.periods import Week, parse_week


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_command_explains_usage_mistakes_in_chinese(tmp_path, monkeypatch):
    # `demo` without a folder works in ./考核演示: here a folder that is not a demo, so the bare
    # call ends at once with its Chinese refusal (test_demo checks a whole demo's output)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "考核演示").mkdir()
    (tmp_path / "考核演示" / "花名册.xlsx").write_bytes(b"office data")
    walked = 0
    for path, command in _commands(main):
        for args in ([*path, "--no-such-option"], [*path], [*path, "--help"]):
            result = invoke("-w", str(tmp_path), *args)
            assert not ENGLISH.search(result.output), (args, result.output)
            assert "Traceback" not in result.output
        wrong = invoke(*path, "--no-such-option")
        assert wrong.exit_code == 2, (path, wrong.output)
        assert "错误：没有「--no-such-option」这个选项。" in wrong.output
        assert f"用法：workbook-engine {' '.join(path)}" in wrong.output
        required = [p for p in command.params if p.required]
        if required and not isinstance(command, click.Group):
            missing = invoke(*path)
            assert missing.exit_code == 2, (path, missing.output)
            assert "错误：缺少" in missing.output, missing.output
        walked += 1
    assert walked >= 14
    assert "不是演示工作区" in invoke("demo").output  # the bare call above was refused
    assert "显示本说明并退出" in invoke("--help").output
    missing_period = invoke("report", "month")
    assert "错误：缺少参数「期间」。" in missing_period.output
    assert "查看说明：workbook-engine report month --help" in missing_period.output
    assert "没有「reprot」这个命令" in invoke("reprot").output
    bad_scope = invoke("signoff", "week", "2026-W10", "--by", "王")
    assert bad_scope.exit_code == 2 and "「week」不在可选范围内" in bad_scope.output


def test_relative_weeks_count_from_today():
    today = dt.date(2026, 3, 5)  # Thursday of 2026-W10
    assert parse_week("本周", today) == Week(2026, 10)
    assert parse_week(" 上周 ", today) == Week(2026, 9)
    assert parse_week("下周", today) == Week(2026, 11)


def test_the_hint_after_init_works_as_typed(tmp_path):
    year = dt.date.today().year
    root = tmp_path / "ws"
    init = invoke("init", "--year", str(year), str(root))
    assert init.exit_code == 0, init.output
    hint = init.output.strip().splitlines()[-1]
    command = hint.split("workbook-engine ", 1)[1].split()
    result = invoke("-w", str(root), *command)
    assert result.exit_code == 0, result.output
    this_week = Week.from_date(dt.date.today())
    assert f"周考评表（{this_week.label}）" in result.output


def test_a_period_outside_the_workspace_year_is_refused(tmp_path):
    root = tmp_path / "ws"
    assert invoke("init", "--year", "2026", str(root)).exit_code == 0
    for args in (["report", "year", "2025"], ["report", "month", "2027-01"],
                 ["forms", "monthly", "--month", "2025-12"], ["status", "--week", "2025-W10"]):
        result = invoke("-w", str(root), *args)
        assert result.exit_code == 1, (args, result.output)
        assert "本工作区是 2026 年度的考核工作区" in result.output, result.output
    assert not list((root / "reports").glob("2025*"))
