"""The `workbook-engine` command line: parse, call the library, print in Chinese, exit code.

Exit codes: 0 done; 1 the input has problems (listed); 2 a usage mistake; 3 internal error
(the traceback goes to .engine/error.log, never to the clerk's screen).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
import traceback
from pathlib import Path

import click

from workbook_engine import __version__, faults, store
from workbook_engine.cli_text import ChineseGroup, install
from workbook_engine.issues import ActionRefused, InputError, format_issues, has_errors
from workbook_engine.lock import WorkspaceBusy
from workbook_engine.periods import PeriodError, parse_month, parse_week
from workbook_engine.policy import DEFAULT_UNIT_NAME
from workbook_engine.workspace import (
    ENV_VAR,
    Workspace,
    WorkspaceError,
    init_workspace,
    open_workspace,
)

install()  # before the decorators below: click builds some help texts when they run

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


def _stdout_closed() -> bool:
    """True when our output went into a pipe that was closed (`| head`)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return True
    return False


def handle_errors(command):
    """Turn library exceptions into Chinese messages and exit codes; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            raise UserFacingError("以下问题需要先处理：\n" + format_issues(exc.issues)) from exc
        except (WorkspaceError, store.StoreError, WorkspaceBusy, ActionRefused) as exc:
            raise UserFacingError(str(exc)) from exc
        except PeriodError as exc:
            raise click.UsageError(str(exc)) from exc
        except click.ClickException:
            raise
        except BrokenPipeError as exc:
            if not _stdout_closed():
                _internal_error(exc)  # a pipe of our own broke, not the screen's
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - discard what is still buffered
            sys.exit(0)
        except Exception as exc:  # noqa: BLE001 - the last guard before the clerk's screen
            ctx = click.get_current_context(silent=True)
            root = ctx.obj.get("root") if ctx and isinstance(ctx.obj, dict) else None
            message = faults.describe(exc, Path(root) if root else None)
            if message is None:
                _internal_error(exc)
            raise UserFacingError(message) from exc

    return wrapper


def _internal_error(exc: BaseException) -> None:
    """Log the traceback in the workspace, tell the clerk where it is, exit 3."""
    ctx = click.get_current_context(silent=True)
    root = ctx.obj.get("root") if ctx and isinstance(ctx.obj, dict) else None
    log = _log_internal_error(root)
    where = f"，详细信息已记录在 {log}" if log else ""
    click.echo(f"内部错误：{type(exc).__name__}{where}。请把该文件发给技术支持。", err=True)
    sys.exit(3)


def _workspace(ctx: click.Context, calendar: bool = True) -> Workspace:
    """The command's workspace; with `calendar`, its holiday schedule (节假日安排.xlsx) is
    read and used for working days (its errors stop the command, like the roster's)."""
    root = ctx.obj["root"] or Path.cwd()
    workspace = open_workspace(root)
    ctx.obj["root"] = workspace.root
    if calendar:
        issues = workspace.use_holidays()
        if has_errors(issues):
            raise InputError(issues)
    return workspace


def _store_line(workspace: Workspace) -> str:
    """Where the store lives and how it is written (the journal mode)."""
    if workspace.journal == store.WAL:
        mode = "本地磁盘，WAL 模式"
    else:
        mode = "网络文件夹，回滚日志（DELETE）模式，写入时持有工作区锁"
    return f"数据库：{workspace.store_path}（{mode}）"


def _calendar_notice(workspace: Workspace, err: bool = True) -> None:
    """One line when neither the office's schedule nor the package knows the year."""
    from workbook_engine.holidays import missing_notice
    from workbook_engine.periods import calendar_covers

    year = workspace.policy().year
    if not calendar_covers(year):
        click.echo(missing_notice(year), err=err)


def _progress(items, label: str, threshold: int = PROGRESS_THRESHOLD):
    """A progress bar on stderr when the run is long enough to need one."""
    if not hasattr(items, "__len__"):
        items = list(items)
    if len(items) < threshold:
        yield from items
        return
    with click.progressbar(items, length=len(items), label=label, file=sys.stderr) as bar:
        yield from bar


@click.group("workbook-engine", cls=ChineseGroup, context_settings=CONTEXT)
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
@click.argument("directory", metavar="文件夹", type=click.Path(file_okay=False, path_type=Path))
@click.option("--year", type=int, default=None, show_default="今年；有 --from 时为旧年度的下一年",
              help="考核年度")
@click.option("--unit", default=DEFAULT_UNIT_NAME, show_default=True, help="单位名称（用于表头）")
@click.option("--no-sample", is_flag=True, help="花名册不写示例人员")
@click.option("--from", "old_dir", type=click.Path(file_okay=False, path_type=Path),
              help="上一年度的工作区：带入年末花名册、考核参数和历年结果")
@handle_errors
def init(directory: Path, year: int | None, unit: str, no_sample: bool,
         old_dir: Path | None) -> None:
    """创建考核工作区（已有的文件不会被覆盖）。"""
    if old_dir is not None:
        from workbook_engine.next_year import init_next_year

        result, warnings = init_next_year(directory, old_dir, year)
        year = open_workspace(result.root).policy().year
        for warning in warnings:
            click.echo(str(warning))
        click.echo(f"已从 {Path(old_dir).resolve()} 带入年末花名册（变动表已清空，离岗人员保留）、"
                   f"考核参数（年度改为 {year}）和历年结果（历年结果.xlsx）。")
    else:
        year = year or dt.date.today().year
        result = init_workspace(directory, year, unit, sample=not no_sample)
    click.echo(f"工作区：{result.root}")
    for name in result.created:
        click.echo(f"  新建  {name}")
    for name in result.kept:
        click.echo(f"  保留  {name}（已存在，未改动）")
    click.echo(_store_line(Workspace(result.root)))
    click.echo(
        "下一步：在 花名册.xlsx 中填写人员和股室，然后运行 workbook-engine forms weekly --week 本周"
    )
    workspace = open_workspace(result.root)
    issues = workspace.use_holidays()
    if issues:
        click.echo(format_issues(issues))
    _calendar_notice(workspace, err=False)


@main.group()
def forms() -> None:
    """生成预填的周考评表、月考评表（写入 outbox/）。"""


def _print_forms_result(result, what: str) -> None:
    click.echo(f"已生成 {len(result.files)} 份{what}：")
    for folder, count in sorted(result.by_folder.items()):
        click.echo(f"  {folder}/  {count} 份")


@forms.command("weekly")
@click.option("--week", required=True, help="考评周，如 2026-W10，或 本周、上周")
@click.pass_context
@handle_errors
def forms_weekly(ctx: click.Context, week: str) -> None:
    """为每位在岗参加考核的人员生成本周的周考评表。"""
    from workbook_engine.forms.outbox import generate_weekly_forms

    period = parse_week(week)
    workspace = _workspace(ctx)
    workspace.check_period(period)
    result = generate_weekly_forms(
        workspace, period, progress=lambda xs: _progress(xs, "生成周考评表")
    )
    _print_forms_result(result, f"周考评表（{period.label}）")
    _calendar_notice(workspace)


@forms.command("monthly")
@click.option("--month", required=True, help="考核月份，如 2026-03")
@click.pass_context
@handle_errors
def forms_monthly(ctx: click.Context, month: str) -> None:
    """生成月考评表：每位评定人一份领导评分表，考核办一份。"""
    from workbook_engine.forms.outbox import generate_monthly_forms

    period = parse_month(month)
    workspace = _workspace(ctx)
    workspace.check_period(period)
    result = generate_monthly_forms(
        workspace, period, progress=lambda xs: _progress(xs, "生成月考评表")
    )
    _print_forms_result(result, f"月考评表（{period.label}）")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出结果（供其他程序读取）")
@click.pass_context
@handle_errors
def ingest(ctx: click.Context, as_json: bool) -> None:
    """读取 inbox/ 中的回传表格和邮件：接收、去重、替换旧版或退回。"""
    from workbook_engine.ingest.inbox import LABELS, count_line
    from workbook_engine.ingest.inbox import ingest as run_ingest

    workspace = _workspace(ctx)
    progress = (lambda xs: xs) if as_json else (lambda xs: _progress(xs, "读取回传文件"))
    report = run_ingest(workspace, progress=progress)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    if not report.outcomes:
        click.echo("inbox/ 中没有待处理的文件。")
        return
    for outcome in report.outcomes:  # every file's problems and notices, grouped by file
        if not outcome.issues:
            continue
        refused = outcome.outcome == "rejected" or (
            outcome.outcome == "mail" and any(i.is_error for i in outcome.issues))
        click.echo(f"{'退回' if refused else '提示'}  {outcome.file}（{LABELS[outcome.outcome]}）")
        for issue in outcome.issues:
            click.echo(f"      - {issue}")
    click.echo("导入完成：" + count_line(report.counts))
    if report.returns_path:
        click.echo(f"退回清单：{report.returns_path}")


def _echo_table(table) -> None:
    click.echo(f"\n{table.title}")
    widths = [max([_width(h)] + [_width(r[i]) for r in table.rows])
              for i, h in enumerate(table.headers)]
    for values in (table.headers, *table.rows):
        click.echo("  ".join(_pad(str(v), w) for v, w in zip(values, widths, strict=True)))
    if table.summary:
        click.echo(table.summary)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


@main.command()
@click.option("--week", help="查看某一周，如 2026-W10，或 本周、上周")
@click.option("--month", help="查看某一月，如 2026-03")
@click.option("--xlsx", "as_xlsx", is_flag=True, help="同时写出 reports/ 下的状态工作簿")
@click.pass_context
@handle_errors
def status(ctx: click.Context, week: str | None, month: str | None, as_xlsx: bool) -> None:
    """查看谁交了什么、哪些表在等初评或评定、哪些被退回。"""
    from workbook_engine.reports.status import month_status, pending_status, week_status
    from workbook_engine.reports.tables import write_tables

    if week and month:
        raise click.UsageError("--week 和 --month 只能选一个")
    workspace = _workspace(ctx)
    _calendar_notice(workspace)
    inputs = workspace.inputs()
    policy, roster = inputs.policy, inputs.roster
    click.echo(_store_line(workspace))
    with workspace.connect() as conn:
        if week:
            period = parse_week(week)
            workspace.check_period(period)
            tables = [week_status(conn, roster, period)]
        elif month:
            period = parse_month(month)
            workspace.check_period(period)
            tables = month_status(conn, roster, policy, period)
        else:
            period, tables = "全部", []
        pending = pending_status(conn)
    if pending.rows:
        tables.append(pending)
    for table in tables:
        _echo_table(table)
    if not tables:
        click.echo("没有待处理的修订。用 --week 或 --month 查看某一期的收取情况。")
    if as_xlsx and tables:
        target = write_tables(workspace.reports / f"收取情况_{period}.xlsx", [("收取情况", tables)])
        click.echo(f"\n已写出：{target}")


def _pdf(path: Path) -> None:
    from workbook_engine.reports.pdf import PdfUnavailable, to_pdf

    try:
        pdf = to_pdf(path)
    except PdfUnavailable as exc:
        click.echo(f"未生成 PDF：{exc}", err=True)
        return
    click.echo(f"PDF：{pdf}")


def _report_done(output, frozen: bool, pdf: bool) -> None:
    if frozen:
        click.echo("该期间已签批，输出的是签批时保存的报表（内容不会再变）。")
    click.echo(f"报表：{output.path}")
    click.echo(f"输入指纹：{output.fingerprint}")
    if output.problems:
        click.echo(f"注意：有 {len(output.problems)} 项数据问题，见报表「数据问题」工作表。")
    if pdf:
        _pdf(output.path)


@main.group()
def report() -> None:
    """生成周汇总和月度、季度、年度汇总报表（写入 reports/）。"""


def _make_report(ctx, scope: str, period: str, pdf: bool, pool=None) -> None:
    from workbook_engine.reports.write import write_report

    workspace = _workspace(ctx)
    output, frozen, draft = write_report(workspace, scope, period, pool)
    _report_done(output, frozen, pdf)
    click.echo(f"文字稿（Word，供修改后签发）：{draft}")
    if pdf:
        _pdf(draft)


@report.command("week")
@click.argument("period", metavar="周")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF（用于周工作例会）")
@click.pass_context
@handle_errors
def report_week(ctx: click.Context, period: str, pdf: bool) -> None:
    """周汇总：每人本周工作、下周计划、初评和评定等次及意见，如 2026-W10 或 上周。"""
    from workbook_engine.reports.weekly import write_week_report

    week = parse_week(period)
    workspace = _workspace(ctx)
    workspace.check_period(week)
    _report_done(write_week_report(workspace, week), False, pdf)


@report.command("month")
@click.argument("period", metavar="期间")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF（用于公示）")
@click.pass_context
@handle_errors
def report_month(ctx: click.Context, period: str, pdf: bool) -> None:
    """月度汇总、公示、诫勉谈话名单、未交情况，如 2026-03。"""
    _make_report(ctx, "month", period, pdf)


@report.command("quarter")
@click.argument("period", metavar="期间")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF")
@click.pass_context
@handle_errors
def report_quarter(ctx: click.Context, period: str, pdf: bool) -> None:
    """季度小结：三个月的得分、季度平均分、存在问题、股室平均，如 2026-Q1。"""
    _make_report(ctx, "quarter", period, pdf)


def _pool(value: str | None):
    from decimal import Decimal

    from workbook_engine.text import parse_number

    if value is None:
        return None
    amount = parse_number(value)
    if amount is None or amount <= 0:
        raise click.UsageError(f"--bonus-pool 应为大于 0 的金额（元），而不是「{value}」")
    return amount.quantize(Decimal("0.01"))


@report.command("year")
@click.argument("period", metavar="期间")
@click.option("--bonus-pool", "pool", help="奖金总额（元），给出时计算每人奖金金额")
@click.option("--pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF")
@click.pass_context
@handle_errors
def report_year(ctx: click.Context, period: str, pool: str | None, pdf: bool) -> None:
    """年度汇总：年度得分、排名、优秀预备人选、奖金系数、加减分明细，如 2026。"""
    _make_report(ctx, "year", period, pdf, _pool(pool))


@main.command()
@click.argument("scope", metavar="month|quarter|year", type=click.Choice(["month", "quarter", "year"]))
@click.argument("period", metavar="期间")
@click.option("--by", "by", required=True, help="签批人姓名")
@click.option("--accept-problems", is_flag=True, help="年度报表有数据问题时仍然签批")
@click.option("--bonus-pool", "pool", help="（年度）奖金总额（元）")
@click.pass_context
@handle_errors
def signoff(ctx: click.Context, scope: str, period: str, by: str, accept_problems: bool,
            pool: str | None) -> None:
    """签批某一期报表：保存签批版本并冻结该期间（之后收到的表格作为待修订）。"""
    from workbook_engine.reports.signoff import SCOPE_LABELS, sign_off

    workspace = _workspace(ctx)
    output, problems = sign_off(workspace, scope, period, by, accept_problems, _pool(pool))
    click.echo(f"已签批 {period} {SCOPE_LABELS[scope]}报表（审定：{by.strip()}）。")
    click.echo(f"签批版本：{output.path}")
    click.echo(f"输入指纹：{output.fingerprint}")
    if problems:
        click.echo(f"注意：签批时仍有 {len(problems)} 项数据问题。")


@main.command()
@click.argument("period", metavar="期间")
@click.option("--reason", required=True, help="重新开启的原因")
@click.option("--by", "by", required=True, help="操作人姓名")
@click.pass_context
@handle_errors
def reopen(ctx: click.Context, period: str, reason: str, by: str) -> None:
    """重新开启已签批的期间（记录原因），待修订的表格随之生效。"""
    from workbook_engine.reports.signoff import reopen as reopen_period

    workspace = _workspace(ctx)
    promoted = reopen_period(workspace, period, reason, by)
    click.echo(f"已重新开启 {period}（原因：{reason.strip()}；操作人：{by.strip()}）。")
    click.echo(f"待修订的表格已生效 {promoted} 份。请重新生成报表并签批。")


@main.command()
@click.argument("directory", metavar="[文件夹]", required=False,
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--people", default=60, show_default=True, help="模拟单位的人数")
@click.option("--seed", default=2026, show_default=True, help="随机种子（相同种子结果相同）")
@handle_errors
def demo(directory: Path | None, people: int, seed: int) -> None:
    """演示：模拟一个单位的一整年（生成、填写、收取、计分、出具报表）。"""
    from workbook_engine.demo.run import run_demo
    from workbook_engine.ingest.inbox import count_line

    root = directory or Path("考核演示")
    click.echo(f"正在模拟 {people} 人的单位一整年（{root}）……", err=True)
    result = run_demo(root, people=people, seed=seed,
                      progress=lambda xs: _progress(xs, "逐月运行", threshold=1))
    click.echo(f"完成，用时 {result.seconds:.1f} 秒。")
    click.echo("收取文件：" + count_line(result.counts))
    click.echo("年度等次：" + "，".join(f"{g} {n} 人" for g, n in result.grades.items()))
    click.echo(f"排名前 {len(result.candidates)} 位：")
    click.echo(f"  {_pad('排名', 4)}  {_pad('姓名', 8)}{_pad('股室', 8)}{_pad('年度得分', 8)}  优秀预备人选")
    for rank, name, section, score, pick in result.candidates:
        click.echo(f"  {rank:>4}  {_pad(name, 8)}{_pad(section, 8)}{score:>8}  {pick}")
    for note in result.notes:
        click.echo(f"说明：{note}")
    click.echo(f"年度汇总表：{result.year_report}")


@main.command()
@click.option("--replace", is_flag=True, help="用重建结果替换当前数据库（旧数据库会先备份）")
@click.pass_context
@handle_errors
def rebuild(ctx: click.Context, replace: bool) -> None:
    """只用 archive/ 中归档的文件重建数据库，并列出与当前数据库的差异。"""
    from workbook_engine.maintenance import rebuild as run_rebuild

    workspace = _workspace(ctx)
    result = run_rebuild(workspace, replace=replace)
    click.echo(f"已从 archive/ 的 {result.files} 个文件重建数据库。")
    if result.signoffs_restored:
        click.echo(f"已按 archive/签批记录.jsonl 恢复 {result.signoffs_restored} 项签批。")
    if result.identical:
        click.echo("与当前数据库一致：计分所依据的表格完全相同。")
    else:
        click.echo("与当前数据库不同：")
        for key in result.only_current:
            click.echo(f"  只在当前数据库中：{key}")
        for key in result.only_rebuilt:
            click.echo(f"  只在重建结果中：{key}（可能是已签批期间的待修订表格）")
        for key in result.changed:
            click.echo(f"  内容不同：{key}")
        for text in result.signoffs_differ:
            click.echo(f"  {text}")
    if result.replaced_backup:
        click.echo(f"已替换当前数据库；原数据库备份在 {result.replaced_backup}")
    else:
        click.echo(f"重建结果：{result.rebuilt_store}（未替换当前数据库；需要时加 --replace）")


@main.command()
@click.argument("destination", metavar="目标", type=click.Path(path_type=Path))
@click.pass_context
@handle_errors
def backup(ctx: click.Context, destination: Path) -> None:
    """把数据库完整备份到指定文件或文件夹（运行中也可以备份）。"""
    from workbook_engine.maintenance import backup as run_backup

    workspace = _workspace(ctx, calendar=False)
    target = run_backup(workspace, destination)
    click.echo(f"已备份数据库到：{target}")


@main.group()
def mail() -> None:
    """用邮件发出表格、收取回传、催交和退回（邮箱设置见 mail.toml）。"""


def _mail_password():
    """The password from WORKBOOK_ENGINE_MAIL_PASSWORD, else asked for on a terminal."""
    from workbook_engine.mail.config import password

    def ask() -> str | None:
        if not sys.stdin.isatty():
            return None
        return click.prompt("邮箱密码（或客户端授权码）", hide_input=True, err=True)

    cache: list = []

    def get() -> str | None:
        if not cache:
            cache.append(password(ask))
        return cache[0]

    return get


def _mail_period(week: str | None, month: str | None):
    if bool(week) == bool(month):
        raise click.UsageError("请用 --week 或 --month 指定一期（二选一）")
    return parse_week(week) if week else parse_month(month)


def _print_send_report(report, what: str) -> None:
    for item in report.sent:
        click.echo(f"  已发送  {item.shown}  {item.subject}")
    for item, reason in report.failed:
        click.echo(f"  未发送  {item.shown}：{reason}")
    for note in report.notes:
        click.echo(f"说明：{note}")
    if report.no_address:
        click.echo(f"没有邮箱地址（未发送，请在花名册「人员」表的「邮箱」列填写）{len(report.no_address)} 人：")
        for entry in report.no_address:
            who = f"{entry.name}（{entry.staff_id}）" if entry.staff_id else entry.name
            click.echo(f"  {who}  {entry.what}")
    summary = f"{what}：本次发送 {len(report.sent)} 封"
    if report.already:
        summary += f"，此前已发送 {len(report.already)} 封（不重复发送）"
    if report.failed:
        summary += f"，发送失败 {len(report.failed)} 封"
    if report.not_tried:
        summary += f"，因故障未发送 {len(report.not_tried)} 封"
    click.echo(summary + "。")
    if report.fault is not None:
        raise UserFacingError(f"{report.fault}。已发送的 {len(report.sent)} 封已记录；"
                              f"未发送的 {len(report.not_tried)} 封在排除故障后重新运行本命令即可补发。")
    if report.failed:
        raise UserFacingError(f"有 {len(report.failed)} 封邮件未能发送（原因见上）。")


def _mail_period_run(ctx: click.Context, week: str | None, month: str | None, action,
                     what: str, again: bool):
    """`mail send` / `mail remind`: the period, the workspace, the sending with progress, the
    roster's warnings; (report, period)."""
    period = _mail_period(week, month)
    workspace = _workspace(ctx)
    workspace.check_period(period)
    report, warnings = action(workspace, period, _mail_password(),
                              lambda xs: _progress(xs, what, threshold=1), again)
    for issue in warnings:
        click.echo(str(issue), err=True)
    return report, period


@mail.command("send")
@click.option("--week", help="发送某一周的周考评表，如 2026-W10")
@click.option("--month", help="发送某一月的月考评表（领导评分），如 2026-03")
@click.option("--resend", is_flag=True, help="已经发送过的也重新发送")
@click.pass_context
@handle_errors
def mail_send(ctx: click.Context, week: str | None, month: str | None, resend: bool) -> None:
    """把本期生成的表格发给每位填表人或评分人（花名册「邮箱」列）。"""
    from workbook_engine.mail.actions import send_forms

    report, period = _mail_period_run(ctx, week, month, send_forms, "发送邮件", resend)
    _print_send_report(report, f"{period.label}表格")


@mail.command("remind")
@click.option("--week", help="催交某一周的周考评表，如 2026-W10")
@click.option("--month", help="催交某一月的月考评表（领导评分），如 2026-03")
@click.option("--force", is_flag=True, help="今天已经提醒过的也再提醒一次")
@click.pass_context
@handle_errors
def mail_remind(ctx: click.Context, week: str | None, month: str | None, force: bool) -> None:
    """只提醒未交表的人和有表格等待评分的评分人（每人每天最多一次）。"""
    from workbook_engine.mail.actions import send_reminders

    report, period = _mail_period_run(ctx, week, month, send_reminders, "发送提醒", force)
    if not (report.sent or report.already or report.failed or report.fault or report.no_address):
        click.echo("没有需要提醒的人：表格都已交齐、评完。")
    _print_send_report(report, f"{period.label}提醒")


@mail.command("returns")
@click.pass_context
@handle_errors
def mail_returns(ctx: click.Context) -> None:
    """把每个被退回文件的原因发回给发件人（每个文件只发一次）。"""
    from workbook_engine.mail.actions import send_returns

    workspace = _workspace(ctx)
    report = send_returns(workspace, _mail_password(),
                          lambda xs: _progress(xs, "发送退回原因", threshold=1))
    _print_send_report(report, "退回原因")


@mail.command("fetch")
@click.pass_context
@handle_errors
def mail_fetch(ctx: click.Context) -> None:
    """收取邮箱中的新邮件（存入 inbox/，每封只存一次），然后导入。"""
    from workbook_engine.mail.actions import fetch

    workspace = _workspace(ctx)
    report = fetch(workspace, _mail_password(), lambda xs: _progress(xs, "收取邮件", threshold=1))
    click.echo(f"收取邮件：新存入 inbox/ {len(report.saved)} 封"
               + (f"，补记上次已存入的 {len(report.recovered)} 封" if report.recovered else "")
               + (f"，重复的邮件 {report.same_message} 封（未再存）" if report.same_message else "")
               + (f"，以前已收取 {report.known} 封" if report.known else "") + "。")
    ctx.invoke(ingest, as_json=False)
    if report.fault is not None:
        raise UserFacingError(f"{report.fault}。已存入的 {len(report.saved)} 封已记录并已导入；"
                              f"未收取的 {report.not_fetched} 封在排除故障后重新运行本命令即可收取。")


def run() -> None:
    """Entry point that also keeps Windows consoles printing Chinese."""
    if os.name == "nt":  # pragma: no cover
        sys.stdout.reconfigure(encoding="utf-8")
    main()
