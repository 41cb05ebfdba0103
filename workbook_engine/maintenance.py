"""Rebuild the store from archive/ alone, and back the store up while the tool may run.

    rebuild → a fresh store made by ingesting a copy of every archived form in the order ingest
              recorded them (archive/收件记录.jsonl, so the same versions count); forms the
              log does not name (an older workspace) first, in saved order; the differences
              from the current store are listed; with `replace` the rebuilt store takes its
              place (the old one is kept).
    backup  → a consistent copy of the store (SQLite online backup API).

The archive is the record of truth: everything the scores are made from can be made again
from it. The sign-off log is archived too (archive/签批记录.jsonl): the files that had arrived
before each sign-off or reopen are ingested, the sign-off is applied, then the next files —
so forms that waited as amendments wait again, and the frozen months keep their bureau.
Each form is validated against the bureau of its own period, as on the day it arrived.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from workbook_engine import signoff_log, store
from workbook_engine.ingest.classify import file_sha256
from workbook_engine.ingest.inbox import MAIL_FOLDER, ingest
from workbook_engine.ingest.intake_log import log_path, recorded_order, sync_intake_log
from workbook_engine.workspace import ENGINE_DIR, Workspace

REBUILD_FOLDER = "rebuild"


@dataclass
class RebuildResult:
    files: int
    rebuilt_store: Path
    only_current: list[str] = field(default_factory=list)
    only_rebuilt: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    replaced_backup: Path | None = None
    signoffs_restored: int = 0
    signoffs_differ: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not (self.only_current or self.only_rebuilt or self.changed
                    or self.signoffs_differ)


def _archived_forms(workspace: Workspace) -> tuple[list[Path], set[Path]]:
    """Every archived workbook (mails are left out: their attachments are archived too) in
    the order ingest recorded them, and which of them the intake log names. Files it does
    not name come first, oldest saved first (each rebuild run then orders them by saved time)."""
    archive = workspace.archive
    files = [p for p in archive.rglob("*") if p.is_file()
             and p.relative_to(archive).parts[0] != MAIL_FOLDER
             and p not in (signoff_log.log_path(archive), log_path(archive))
             and not p.name.startswith(".tmp-")]
    position = {path: n for n, path in enumerate(recorded_order(archive))}

    def rel(path: Path) -> str:
        return path.relative_to(workspace.root).as_posix()

    logged = sorted((p for p in files if rel(p) in position), key=lambda p: position[rel(p)])
    unlogged = sorted((p for p in files if rel(p) not in position),
                      key=lambda p: (p.stat().st_mtime_ns, p.as_posix()))
    return unlogged + logged, set(logged)


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _scratch_workspace(workspace: Workspace, folder: Path) -> Workspace:
    """A workspace beside the real one with the same policy, roster and ledger."""
    if folder.exists():
        shutil.rmtree(folder)
    for sub in ("inbox", "outbox", "archive", "rejected", "reports", ENGINE_DIR):
        (folder / sub).mkdir(parents=True)
    for path in (workspace.policy_path, workspace.roster_path, workspace.ledger_path,
                 workspace.holidays_path):
        if path.is_file():
            shutil.copy2(path, folder / path.name)
    return Workspace(folder)


def rebuild(workspace: Workspace, replace: bool = False) -> RebuildResult:
    """Make a fresh store from archive/ and compare it with the current one."""
    with workspace.lock("导入或重建"):
        scratch = _scratch_workspace(workspace, workspace.engine_dir / REBUILD_FOLDER)
        _bring_log_up_to_date(workspace)
        files, logged = _archived_forms(workspace)
        events = signoff_log.read(workspace.archive)
        number = 0
        for batch, event in _batches(files, events):
            for ordered in (False, True):  # files the log does not name, then those it does
                group = [path for path in batch if (path in logged) == ordered]
                for path in group:
                    # one folder per file keeps its name and fixes the order (path order)
                    _link_or_copy(path, scratch.inbox / f"{number:07d}" / path.name)
                    number += 1
                if group:
                    ingest(scratch, ordered=ordered)
            if event is not None:
                _apply_event(scratch, event)
        with scratch.connect() as conn:
            rebuilt = store.current_forms(conn)
            rebuilt_signoffs = _signoff_keys(conn)
        with workspace.connect() as conn:
            current = store.current_forms(conn)
            current_signoffs = _signoff_keys(conn)
        result = RebuildResult(
            files=len(files), rebuilt_store=scratch.store_path,
            only_current=sorted(set(current) - set(rebuilt)),
            only_rebuilt=sorted(set(rebuilt) - set(current)),
            changed=sorted(k for k in set(current) & set(rebuilt) if current[k] != rebuilt[k]),
            signoffs_restored=sum(1 for e in events if e["action"] == "signoff"),
            signoffs_differ=[] if rebuilt_signoffs == current_signoffs else
            [f"签批记录：当前 {len(current_signoffs)} 条，重建 {len(rebuilt_signoffs)} 条"],
        )
        if replace:
            result.replaced_backup = _replace_store(workspace, scratch)
    return result


def _bring_log_up_to_date(workspace: Workspace) -> None:
    """The intake log as the store has it, where the store can still be read (a workspace
    whose last ingest ran before the log existed); otherwise the log is taken as it is."""
    if not workspace.store_path.is_file():
        return
    try:
        with workspace.connect() as conn:
            sync_intake_log(conn, workspace.archive)
    except (sqlite3.Error, store.StoreError, OSError):
        pass  # a damaged store or a read-only archive: rebuild from what the archive holds


def _batches(files: list[Path], events: list[dict]):
    """(files, event) pairs: the files processed before each logged sign-off or reopen, then
    the event; last the files after every event (with None)."""
    position = {digest: n for n, event in enumerate(events) for digest in event["files"]}
    batches: list[list[Path]] = [[] for _ in range(len(events) + 1)]
    for path in files:
        batches[position.get(file_sha256(path), len(events))].append(path)
    return list(zip(batches, [*events, None], strict=True))


def _apply_event(scratch: Workspace, event: dict) -> None:
    from workbook_engine.reports.signoff import apply_reopen

    with scratch.connect() as conn, store.Transaction(conn):
        if event["action"] == "reopen":
            apply_reopen(conn, event["scope"], event["period"], event["by_name"],
                         event["reason"], event["at"])
            return
        store.append_signoff(conn, at=event["at"], scope=event["scope"],
                             period=event["period"], action="signoff", by_name=event["by_name"],
                             fingerprint=event["fingerprint"], reason=event["reason"],
                             report_path=event["report_path"], state=event["state"],
                             files_upto=store.last_file_id(conn))


def _signoff_keys(conn) -> list[tuple[str, str, str]]:
    return [(e["scope"], e["period"], e["action"]) for e in store.signoff_log(conn)]


def _replace_store(workspace: Workspace, scratch: Workspace) -> Path:
    """Keep the old store as a backup, then put the rebuilt one in its place."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    kept = workspace.engine_dir / f"store-before-rebuild-{stamp}.sqlite3"
    with workspace.connect() as conn:
        store.backup_to(conn, kept)
    with scratch.connect() as rebuilt, workspace.connect() as conn:
        rebuilt.backup(conn)
    return kept


def backup(workspace: Workspace, destination: Path) -> Path:
    """Write a consistent copy of the store to `destination`: a file name with an extension,
    or a folder (made if needed) that gets a dated copy."""
    destination = destination.expanduser()
    if destination.is_dir() or not destination.suffix:  # a folder: name the copy in it
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        destination = destination / f"考核数据备份-{stamp}.sqlite3"
    with workspace.connect() as conn:
        store.backup_to(conn, destination)
    return destination
