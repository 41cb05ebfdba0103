"""The `workbook-engine` command line: parse, call the library, print in Chinese, exit code.

Exit codes: 0 done; 1 the input has problems (listed); 2 a usage mistake; 3 internal error
(the traceback goes to .engine/error.log, never to the clerk's screen).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import traceback
from pathlib import Path

import click

from workbook_engine import __version__
from workbook_engine.issues import InputError, format_issues
from workbook_engine.periods import PeriodError, parse_month, parse_week
from workbook_engine.store import StoreError
from workbook_engine.workspace import (
    DEFAULT_UNIT,
    ENV_VAR,
    Workspace,
    WorkspaceError,
    init_workspace,
    open_workspace,
)

PROGRESS_THRESHOLD = 20
CONTEXT = {"help_option_names": ["-h", "--help"]}


class UserFacingError(click.ClickException):
    """A problem the clerk can fix; printed as `错误：…` with exit code 1."""

    exit_code = 1

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", err=True)


def _log_internal_error(workspace_root: Path | None) -> Path | None:
    folder = (workspace_root / ".engine") if workspace_root else Path.cwd()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "error.log"
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {dt.datetime.now().isoformat()} {' '.join(sys.argv)}\n")
            handle.write(traceback.format_exc())
        return log
    except OSError:
        return None


def handle_errors(command):
    """Turn library exceptions into Chinese messages and exit codes; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            raise UserFacingError("以下问题需要先处理：\n" + format_issues(exc.issues)) from exc
        except (WorkspaceError, StoreError) as exc:
            raise UserFacingError(str(exc)) from exc
        except PeriodError as exc:
            raise click.UsageError(str(exc)) from exc
        except click.ClickException:
            raise
        except Exception as exc:  # noqa: BLE001 - the last guard before the clerk's screen
            ctx = click.get_current_context(silent=True)
            root = ctx.obj.get("root") if ctx and isinstance(ctx.obj, dict) else None
            log = _log_internal_error(root)
            where = f"，详细信息已记录在 {log}" if log else ""
            click.echo(f"内部错误：{type(exc).__name__}{where}。请把该文件发给技术支持。", err=True)
            sys.exit(3)

    return wrapper


def _workspace(ctx: click.Context) -> Workspace:
    root = ctx.obj["root"] or Path.cwd()
    workspace = open_workspace(root)
    ctx.obj["root"] = workspace.root
    return workspace


def _progress(items, label: str):
    """A progress bar on stderr when the run is long enough to need one."""
    items = list(items)
    if len(items) < PROGRESS_THRESHOLD:
        yield from items
        return
    with click.progressbar(items, label=label, file=sys.stderr) as bar:
        yield from bar


@click.group(context_settings=CONTEXT)
@click.option(
    "-w",
    "--workspace",
    "workspace",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=ENV_VAR,
    help=f"工作区文件夹（默认当前文件夹，或环境变量 {ENV_VAR}）",
)
@click.version_option(__version__, prog_name="workbook-engine", message="%(prog)s %(version)s")
@click.pass_context
def main(ctx: click.Context, workspace: Path | None) -> None:
    """干部职工量化考核：生成表格、收取回传、计分、出具汇总表。"""
    ctx.ensure_object(dict)
    ctx.obj["root"] = workspace


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--year", type=int, default=lambda: dt.date.today().year, show_default="今年", help="考核年度"
)
@click.option("--unit", default=DEFAULT_UNIT, show_default=True, help="单位名称（用于表头）")
@click.option("--no-sample", is_flag=True, help="花名册不写示例人员")
@handle_errors
def init(directory: Path, year: int, unit: str, no_sample: bool) -> None:
    """创建考核工作区（已有的文件不会被覆盖）。"""
    result = init_workspace(directory, year, unit, sample=not no_sample)
    click.echo(f"工作区：{result.root}")
    for name in result.created:
        click.echo(f"  新建  {name}")
    for name in result.kept:
        click.echo(f"  保留  {name}（已存在，未改动）")
    click.echo(
        "下一步：在 花名册.xlsx 中填写人员和股室，然后运行 workbook-engine forms weekly --week 本周"
    )


@main.group()
def forms() -> None:
    """生成预填的周考评表、月考评表（写入 outbox/）。"""


def _print_forms_result(result, what: str) -> None:
    click.echo(f"已生成 {len(result.files)} 份{what}：")
    for folder, count in sorted(result.by_folder.items()):
        click.echo(f"  {folder}/  {count} 份")


@forms.command("weekly")
@click.option("--week", required=True, help="考评周，如 2026-W10")
@click.pass_context
@handle_errors
def forms_weekly(ctx: click.Context, week: str) -> None:
    """为每位在岗参加考核的人员生成本周的周考评表。"""
    from workbook_engine.forms.outbox import generate_weekly_forms

    period = parse_week(week)
    workspace = _workspace(ctx)
    result = generate_weekly_forms(
        workspace, period, progress=lambda xs: _progress(xs, "生成周考评表")
    )
    _print_forms_result(result, f"周考评表（{period.label}）")


@forms.command("monthly")
@click.option("--month", required=True, help="考核月份，如 2026-03")
@click.pass_context
@handle_errors
def forms_monthly(ctx: click.Context, month: str) -> None:
    """生成月考评表：每位评定人一份领导评分表，考核办一份。"""
    from workbook_engine.forms.outbox import generate_monthly_forms

    period = parse_month(month)
    workspace = _workspace(ctx)
    result = generate_monthly_forms(
        workspace, period, progress=lambda xs: _progress(xs, "生成月考评表")
    )
    _print_forms_result(result, f"月考评表（{period.label}）")


def run() -> None:
    """Entry point that also keeps Windows consoles printing Chinese."""
    if os.name == "nt":  # pragma: no cover
        sys.stdout.reconfigure(encoding="utf-8")
    main()
