"""Issue records: one bad fact found in a file, with where it is and a Chinese message.

Every stage returns its results together with a list of `Issue`s instead of raising on bad
data, so a user sees all the problems of a file at once. An issue knows its place:

    Issue(code="roster.duplicate_id", message="工号 A001 重复（第 3 行已有）",
          file="花名册.xlsx", sheet="人员", row=5, column="工号")
    str(issue) == "花名册.xlsx，工作表「人员」，第 5 行，「工号」列：工号 A001 重复（第 3 行已有）"
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One problem found in the input, located as precisely as the input allows."""

    code: str
    message: str
    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    cell: str = ""
    severity: str = ERROR
    key: str = ""  # a setting's path in a config file, e.g. annual.bonus_cap

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def location(self) -> str:
        """The place in Chinese, e.g. `花名册.xlsx，工作表「人员」，第 5 行，「工号」列`."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.cell:
            label = f"（{self.column}）" if self.column and self.row is None else ""
            parts.append(f"单元格 {self.cell}{label}")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column and (self.row is not None or not self.cell):
            parts.append(f"「{self.column}」列")
        if self.key:
            parts.append(f"设置项 {self.key}")
        return "，".join(parts)

    def __str__(self) -> str:
        where = self.location()
        prefix = "" if self.is_error else "提示："
        return f"{where}：{prefix}{self.message}" if where else f"{prefix}{self.message}"

    def to_dict(self) -> dict:
        return asdict(self)


def has_errors(issues: Iterable[Issue]) -> bool:
    """True when any of the issues is an error (not only a warning)."""
    return any(issue.is_error for issue in issues)


def format_issues(issues: Iterable[Issue]) -> str:
    """One issue a line, numbered, for the terminal and for reason files."""
    return "\n".join(f"{n}. {issue}" for n, issue in enumerate(issues, 1))


class InputError(Exception):
    """A file the user keeps (policy, roster) cannot be used; carries all its issues."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__(format_issues(self.issues))


class ActionRefused(Exception):
    """A command that cannot be carried out as asked; the message (Chinese) says why."""
