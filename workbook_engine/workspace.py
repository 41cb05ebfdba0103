"""The workspace folder of one bureau: its paths, `init`, and loading its policy and roster.

DIR/花名册.xlsx  加减分台账.xlsx  policy.toml  inbox/ outbox/ archive/ rejected/ reports/
DIR/.engine/store.sqlite3   (the embedded store)
"""

from __future__ import annotations

import functools
import os
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbook_engine import holidays, periods, store
from workbook_engine.issues import InputError, Issue, has_errors
from workbook_engine.ledger_template import LEDGER_FILE, write_ledger_template
from workbook_engine.lock import workspace_lock
from workbook_engine.netfs import on_network_fs
from workbook_engine.policy import (
    DEFAULT_UNIT_NAME,
    Policy,
    load_policy,
    parse_policy,
    seed_policy_text,
)
from workbook_engine.roster import ROSTER_FILE, Roster, load_roster, write_roster_template

HOLIDAY_FILE = holidays.HOLIDAY_FILE
POLICY_FILE = "policy.toml"
FOLDERS = ("inbox", "outbox", "archive", "rejected", "reports")
ENGINE_DIR = ".engine"
STORE_FILE = "store.sqlite3"
LOCK_FILE = "workspace.lock"  # held by every command that changes the workspace
ENV_VAR = "WORKBOOK_ENGINE_WORKSPACE"


@functools.lru_cache(maxsize=32)
def _journal_of(root: Path) -> str:
    return store.ROLLBACK if on_network_fs(root) else store.WAL


class WorkspaceError(Exception):
    """The folder is not a workspace, or cannot be made one."""


@dataclass
class Inputs:
    """What every command that reads the office's files starts from."""

    policy: Policy
    roster: Roster
    problems: list[Issue] = field(default_factory=list)  # the roster's warnings


@dataclass(frozen=True)
class Workspace:
    """Paths of one workspace; loading is explicit so commands pay only for what they use."""

    root: Path

    @property
    def roster_path(self) -> Path:
        return self.root / ROSTER_FILE

    @property
    def ledger_path(self) -> Path:
        return self.root / LEDGER_FILE

    @property
    def holidays_path(self) -> Path:
        return self.root / HOLIDAY_FILE

    @property
    def policy_path(self) -> Path:
        return self.root / POLICY_FILE

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def outbox(self) -> Path:
        return self.root / "outbox"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def rejected(self) -> Path:
        return self.root / "rejected"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def engine_dir(self) -> Path:
        return self.root / ENGINE_DIR

    @property
    def store_path(self) -> Path:
        return self.engine_dir / STORE_FILE

    @property
    def lock_path(self) -> Path:
        return self.engine_dir / LOCK_FILE

    def lock(self, what: str):
        """The exclusive workspace lock for `what` (ingest, sign-off, rebuild); WorkspaceBusy."""
        return workspace_lock(self.lock_path, what)

    def policy(self) -> Policy:
        """The workspace's policy; InputError with every problem when it is wrong."""
        return load_policy(self.policy_path)

    def roster(self, year: int | None = None) -> tuple[Roster, list[Issue]]:
        """The roster with its changes of the year (the policy's year unless given)."""
        return load_roster(self.roster_path, year if year is not None else self.policy().year)

    def inputs(self) -> Inputs:
        """Policy and roster, as every command starts: InputError when the roster has errors;
        its warnings ride along as `problems`."""
        policy = self.policy()
        roster, issues = load_roster(self.roster_path, policy.year)
        if has_errors(issues):
            raise InputError(issues)
        return Inputs(policy, roster, [issue for issue in issues if not issue.is_error])

    @property
    def journal(self) -> str:
        """store.ROLLBACK on a network file system (a shared folder), else store.WAL."""
        return _journal_of(self.root)

    def connect(self) -> sqlite3.Connection:
        """The store. On a network file system: the rollback journal, every write transaction
        holds the workspace lock, and opening takes the lock when it writes (set-up, upgrade)."""
        if self.journal == store.WAL:
            return store.connect(self.store_path)
        if store.needs_setup(self.store_path, store.ROLLBACK):
            with self.lock("导入或写入数据库"):
                return store.connect(self.store_path, store.ROLLBACK, self._write_lock)
        return store.connect(self.store_path, store.ROLLBACK, self._write_lock)

    def _write_lock(self):
        """Every write transaction on a network file system holds the workspace lock (taken
        here unless this process already holds it; WorkspaceBusy when another one does)."""
        return self.lock("导入或写入数据库")

    def use_holidays(self) -> list[Issue]:
        """Read 节假日安排.xlsx and make its days the working-day calendar of this process;
        its problems come back (nothing is used while it has errors)."""
        schedule, issues = holidays.load_schedule(self.holidays_path, self.policy().year)
        if not has_errors(issues):
            periods.use_schedule(dict(schedule.days))
        return issues

    def check_period(self, period) -> None:
        """WorkspaceError when a week, month, quarter or year lies outside this workspace's
        assessment year (a week belongs to the year of its Thursday's month)."""
        year = self.policy().year
        month = getattr(period, "month", None)
        period_year = month.year if hasattr(month, "year") else period.year
        if period_year != year:
            raise WorkspaceError(
                f"本工作区是 {year} 年度的考核工作区（policy.toml 中 year = {year}），"
                f"{period} 属于 {period_year} 年度，不在本工作区内。"
                f"{period_year} 年度的考核请另建工作区：workbook-engine init 文件夹 --year {period_year}")


@dataclass
class InitResult:
    """What `init` made and what it found already there and left alone."""

    root: Path
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def open_workspace(root: Path | str) -> Workspace:
    """The workspace at `root`; WorkspaceError when it has no policy.toml."""
    path = Path(root).expanduser().resolve()
    if not path.is_dir():
        raise WorkspaceError(f"工作区文件夹「{path}」不存在。请先运行：workbook-engine init {path}")
    if not (path / POLICY_FILE).is_file():
        raise WorkspaceError(
            f"「{path}」不是考核工作区（没有 {POLICY_FILE}）。"
            f"请在工作区文件夹中运行，或用 -w 指定工作区，或先运行：workbook-engine init {path}"
        )
    return Workspace(path)


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename into place."""
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
    os.close(handle)
    temp = Path(temp_name)
    try:
        write(temp)
        os.replace(temp, target)
    finally:
        if temp.exists():
            temp.unlink()


def init_workspace(
    root: Path | str, year: int, unit_name: str = DEFAULT_UNIT_NAME, sample: bool = True,
    prepared: dict[str, Callable[[Path], None]] | None = None,
) -> InitResult:
    """Create the workspace; an existing file of the office's is never overwritten.
    `prepared` makers replace the seed ones by file name (next year: `init --from`)."""
    path = Path(root).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise WorkspaceError(f"「{path}」已存在，但不是文件夹")
    path.mkdir(parents=True, exist_ok=True)
    result = InitResult(root=path)
    policy_text = seed_policy_text(year, unit_name)
    try:
        policy = parse_policy(policy_text)
    except InputError as exc:  # only a bad --year or --unit can make the seed invalid
        raise WorkspaceError(str(exc)) from exc
    makers: dict[str, Callable[[Path], None]] = {
        POLICY_FILE: lambda p: p.write_text(policy_text, encoding="utf-8"),
        ROSTER_FILE: lambda p: write_roster_template(p, sample=sample),
        LEDGER_FILE: lambda p: write_ledger_template(p, tuple(policy.issuer_points), sample=False),
        HOLIDAY_FILE: lambda p: holidays.write_schedule_template(p, year),
        **(prepared or {}),
    }
    for name, make in makers.items():
        target = path / name
        if target.exists():
            result.kept.append(name)
            continue
        _write_atomically(target, make)
        result.created.append(name)
    for folder in (*FOLDERS, ENGINE_DIR):
        target = path / folder
        (result.kept if target.is_dir() else result.created).append(folder + "/")
        target.mkdir(exist_ok=True)
    workspace = Workspace(path)
    existed = workspace.store_path.exists()
    workspace.connect().close()
    (result.kept if existed else result.created).append(f"{ENGINE_DIR}/{STORE_FILE}")
    return result
