"""Click's own words in Chinese: usage lines, help sections, usage errors (SPEC §7).

Click looks its messages up through `gettext` in each of its modules; `install()` points
those lookups at the catalogue below, so every message click builds (a missing argument, an
unknown option or command, a bad value, the help page) reads in Chinese:

    Usage: workbook-engine report month [OPTIONS] PERIOD    → 用法：workbook-engine report month [选项] 期间
    Error: Missing argument 'PERIOD'.                       → 错误：缺少参数「期间」。
    -h, --help  Show this message and exit.                 → -h, --help  显示本说明并退出。

`ChineseGroup` and `ChineseCommand` add the Chinese metavars and print usage errors in the
tool's own shape (用法, 错误, where to find the help), exit code 2.
"""

from __future__ import annotations

import sys

import click
from click import core, decorators, exceptions, formatting, parser, termui, types, utils

CATALOGUE = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本说明并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（按当时情况）",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "查看说明：{command} {option}",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有「{name}」这个命令。",
    "No such option {name!r}.": "没有「{name}」这个选项。",
    "Option {name!r} does not take a value.": "选项「{name}」后面不需要填写值。",
    "Option {name!r} requires an argument.": "选项「{name}」后面需要填写一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项「{name}」后面需要填写 {nargs} 个值。",
    "Argument {name!r} takes {nargs} values.": "参数「{name}」需要 {nargs} 个值。",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "Did you mean {possibility}?": "您是不是要输入 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（您是不是要输入其中之一：{possibilities}？）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不正确：{message}",
    "Invalid value: {message}": "值不正确：{message}",
    "{value!r} is not {choice}.": "「{value}」不是 {choice}。",
    "{value!r} is not one of {choices}.": "「{value}」不在可选范围内：{choices}。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "「{value}」不是有效的数字。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "「{value}」不是有效的是/否值，可填写：{states}",
    "{value!r} does not match the format {format}.": "「{value}」不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "「{value}」不符合格式 {formats}。",
    "{name} {filename!r} does not exist.": "{name}「{filename}」不存在。",
    "{name} {filename!r} is a file.": "{name}「{filename}」是文件，应为文件夹。",
    "{name} {filename!r} is a directory.": "{name}「{filename}」是文件夹，应为文件。",
    "{name} {filename!r} is not readable.": "{name}「{filename}」无法读取。",
    "{name} {filename!r} is not writable.": "{name}「{filename}」无法写入。",
    "{name} {filename!r} is not executable.": "{name}「{filename}」无法执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件「{filename}」：{message}",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "unknown error": "未知错误",
    "Aborted!": "已取消。",
    "Value must be an iterable.": "值应为一组数据。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "{len_type} values are required, but {len_value} was given.":
        "需要 {len_type} 个值，给了 {len_value} 个。",
    "{len_type} values are required, but {len_value} were given.":
        "需要 {len_type} 个值，给了 {len_value} 个。",
    "Press any key to continue...": "按任意键继续……",
    "Do you want to continue?": "是否继续？",
    "Repeat for confirmation": "请再输入一次确认",
    "Error: The two entered values do not match.": "错误：两次输入的值不一致。",
    "Error: invalid input": "错误：输入不正确",
}

_MODULES = (core, decorators, exceptions, formatting, parser, termui, types, utils)


def gettext(message: str) -> str:
    return CATALOGUE.get(message, message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return gettext(singular if count == 1 else plural)


def install() -> None:
    """Make click's message lookups use the Chinese catalogue (this process only)."""
    for module in _MODULES:
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext


def _usage_error_text(exc: click.UsageError) -> str:
    """`缺少参数「期间」。` rather than click's `Missing argument '期间'.`"""
    if isinstance(exc, click.MissingParameter) and exc.param is not None and not exc.message:
        kind = "选项" if isinstance(exc.param, click.Option) else "参数"
        hint = exc.param.get_error_hint(exc.ctx).replace("'", "")
        return f"缺少{kind}「{hint}」。"
    return exc.format_message().replace("'", "")


def show_usage_error(exc: click.UsageError) -> None:
    """用法 line, 错误 line and where the help is; on stderr."""
    lines = []
    if exc.ctx is not None:
        lines.append(exc.ctx.get_usage())
    lines.append(f"错误：{_usage_error_text(exc)}")
    if exc.ctx is not None:
        lines.append(f"查看说明：{exc.ctx.command_path} --help")
    click.echo("\n".join(lines), err=True)


class ChineseFormatter(click.HelpFormatter):
    """Headings end in a full-width colon; the usage line starts 用法："""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


class ChineseCommand(click.Command):
    """A command whose usage line reads 用法：… [选项] …"""

    context_class = ChineseContext

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class ChineseGroup(click.Group):
    """A group whose commands and sub-groups are Chinese too, and which prints usage errors
    in Chinese itself (click's standalone handling is bypassed for that)."""

    context_class = ChineseContext
    command_class = ChineseCommand
    group_class = type  # sub-groups are ChineseGroup as well

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            show_usage_error(exc)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("已取消。", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)
