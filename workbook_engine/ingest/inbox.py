"""Ingest the inbox: every file ends accepted, duplicate, newer version, amendment or rejected.

Order of work for each file, so that a crash at any moment loses nothing and a re-run ends
in the same state: classify → copy to archive/ or rejected/ (fsync; the name depends only on
the content, so a re-run reuses the copy) → one store transaction → remove from inbox.
A file whose record is already in the store (the run died before the removal) is only
removed from the inbox on the re-run.

While the readers work, each result is prepared as it arrives (`Ready`: store lookups, JSON,
names). Versions of one form are recorded oldest-saved first (`order.py`), so in general the
recording (the copies, the store) waits until every file is read. But while the results
arrive in that very order (no version saved earlier arriving after a later one of its form,
no mail), each is recorded as it arrives, in one transaction committed at the end
(`_Ahead`); when the order breaks, all of that is undone and the run records as usual. A batch that records a rejection first notes its day
in .engine/returns-due, and the note goes only once that day's returns list is written, so
a run that dies before writing the list leaves it for the next run to write.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import math
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workbook_engine import store
from workbook_engine.filenames import safe_file_name
from workbook_engine.ingest.classify import Classified, classify, file_sha256
from workbook_engine.ingest.intake_log import sync_intake_log
from workbook_engine.ingest.mail import Mail, mail_complete, read_eml
from workbook_engine.ingest.names import fit, readable
from workbook_engine.ingest.order import (
    VersionKey,
    file_time,
    in_saved_order,
    mail_time,
    version_key,
)
from workbook_engine.ingest.returns import write_returns
from workbook_engine.ingest.validate import FormRecord
from workbook_engine.ingest.workers import ReaderPool
from workbook_engine.issues import WARNING, Issue, has_errors
from workbook_engine.periods import parse_month, parse_week
from workbook_engine.policy import Policy
from workbook_engine.roster import Roster
from workbook_engine.workspace import Workspace

ACCEPTED, NEWER, DUPLICATE, AMENDMENT = "accepted", "newer_version", "duplicate", "amendment"
REJECTED, SKIPPED, MAIL, RESUMED = "rejected", "skipped", "mail", "resumed"
WAITING = "waiting"
LABELS = {
    ACCEPTED: "已接收", NEWER: "新版本（替换旧版）", DUPLICATE: "重复（不重复计数）",
    AMENDMENT: "待修订（所属期间已签批）", REJECTED: "退回", SKIPPED: "跳过（Office 临时文件）",
    MAIL: "邮件（已拆出附件）", RESUMED: "上次已处理（补完移出）",
    WAITING: "等待（可能仍在复制中，下次运行时处理）",
}
INCOMPLETE_CODES = ("file.corrupt", "file.empty")  # what a file still being copied looks like


def count_line(counts: Counter) -> str:
    """`已接收 3 份，退回 1 份`: the outcomes of a run (or of a year of runs) in one line."""
    return "，".join(f"{LABELS[key]} {counts[key]} 份" for key in LABELS if counts[key])


REASON_SUFFIX = ".原因.txt"
BATCH = 256  # files recorded per store transaction
# `store.known` is read when the inbox holds at least one file for every KNOWN_RATIO stored:
# reading it costs ≈ 1.5 µs a stored file, the look-ups it saves ≈ 23 µs a new file
KNOWN_RATIO = 10
MAIL_FOLDER = "邮件"
YOUNG_PASSES = 1000  # `_older_collected_less`
RETURNS_DUE = "returns-due"  # in .engine/: days whose returns list is still to be written
Progress = Callable[[Iterable], Iterable]
_UNKNOWN = object()  # a file's stat not taken, or failed otherwise than by its absence


@dataclass
class Outcome:
    """Where one inbox file (or one attachment of a mail) ended."""

    file: str
    outcome: str
    form_key: str = ""
    stored_path: str = ""
    sender: str = ""
    issues: list[Issue] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"file": self.file, "outcome": self.outcome, "label": LABELS[self.outcome],
                "form_key": self.form_key, "stored_path": self.stored_path,
                "sender": self.sender, "issues": [i.to_dict() for i in self.issues]}


@dataclass
class IngestReport:
    outcomes: list[Outcome] = field(default_factory=list)
    returns_path: Path | None = None

    @property
    def counts(self) -> Counter:
        return Counter(o.outcome for o in self.outcomes)

    def to_dict(self) -> dict:
        return {"counts": dict(self.counts), "outcomes": [o.to_dict() for o in self.outcomes],
                "returns": str(self.returns_path) if self.returns_path else ""}


@dataclass
class Item:
    """One unit of work: an inbox file, or an attachment staged out of a mail."""

    source: Path
    original_path: str
    name: str
    sender: str = ""


@dataclass
class Ready:
    """What recording one file needs that does not depend on the order of recording, worked
    out as the file's result arrives from the readers, while the others are still read.

    The store lookups describe the store as it was before this run; they are used only while
    no file recorded earlier in the run has the same form or the same bytes (the workspace
    lock keeps every other writer out), else the store is asked again at recording time."""

    rel: str  # the file's path in inbox/ (an attachment: mail path/attachment name)
    name: str  # its name as the store keeps it (original_name)
    stored: str = ""  # its name in archive/ or rejected/ before `place` makes it unique
    done: dict | None = None  # store.processed_file: an earlier run recorded this very file
    reasons: str = ""  # the files row's reasons (JSON)
    payload: str | None = None  # the submission's payload (JSON); None without a record
    current: dict | None = None  # store.current_submission of its form
    copy: bool = False  # store.stored_copy: these bytes are stored already
    pending: bool = False  # store.pending_with_hash (looked up for a signed-off month only)


@dataclass
class Unit:
    """One step of a run: an inbox file ("file"), an attachment staged out of a mail
    ("attachment"), or the mail's own record after its attachments ("mail")."""

    path: Path
    found: Classified
    key: VersionKey
    kind: str = "file"
    rel: str = ""  # the mail's path in inbox/ (mail and attachment units)
    item: Item | None = None  # attachment units
    mail: Mail | None = None  # mail units
    staged: list[Path] = field(default_factory=list)  # mail units: the staged attachments
    ready: Ready | None = None  # file and attachment units: worked out as the result arrived
    # file units: the file's stat when its result arrived (None: gone; `_UNKNOWN`: it could not
    # be had), for its time and, when it is recorded right then (`_Ahead`), `_still_arriving`
    status: os.stat_result | object | None = _UNKNOWN

    @property
    def form_key(self) -> str | None:
        record = self.found.record if self.kind != "mail" else None
        return record.form_key if record is not None else None


def _copy(source: Path, target: Path | str) -> bool:
    """Give the file its archive name: a hard link (no data copied) where the file system
    allows, else a copy through a temporary name. An existing target holds the same bytes
    (`place` checked), so it is kept as it is. `_make_durable` flushes before the commit.
    True when the target was made here (it did not exist)."""
    try:  # the common case in one system call: the folder is there, the name is free
        os.link(source, target)
        return True
    except FileExistsError:
        return False
    except OSError:
        pass
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return False
    try:
        os.link(source, target)
        return True
    except OSError:
        pass
    temp = target.with_name(f".tmp-{target.name}")
    with source.open("rb") as reader, temp.open("wb") as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)
    os.replace(temp, target)
    return True


def _make_durable(paths: list[Path | str]) -> None:
    """Flush the copies and their folders, so that a commit never points at a lost copy.

    On Linux one sync() waits for all of them (it gives fsync's guarantee for every file);
    elsewhere each file and folder is fsync'd.
    """
    if not paths:
        return
    if sys.platform == "linux":
        os.sync()
        return
    for path in paths:  # pragma: no cover - other platforms
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())


def place(folder: Path, name: str, sha256: str) -> Path:
    """A target path that depends only on name and content: the same file lands on itself."""
    return folder / _place_name(str(folder), stored_name(name), sha256)


def stored_name(name: str) -> str:
    """A file's name in archive/ or rejected/, before `place` makes it unique."""
    return fit(safe_file_name(readable(name)))


def _place_name(folder: str, name: str, sha256: str) -> str:
    """`place` on plain strings: `name` (a `stored_name`) or, when a file with other bytes
    holds it, that name with the start of `sha256`."""
    target = os.path.join(folder, name)
    if not os.path.exists(target) or file_sha256(Path(target)) == sha256:
        return name
    stem, suffix = os.path.splitext(name)
    return f"{stem}__{sha256[:10]}{suffix}"


def _period_folder(record: FormRecord) -> str:
    return record.period


def _frozen(conn, record: FormRecord, known: dict[tuple[str, str], bool]) -> bool:
    """Whether the form's month is signed off; `known` keeps the answers of this run (a
    sign-off or reopen waits for the workspace lock this run holds)."""
    key = (record.form_kind, record.period)
    if key not in known:
        month = parse_week(record.period).month if record.form_kind == "weekly" \
            else parse_month(record.period)
        known[key] = store.month_frozen(conn, month)
    return known[key]


def changes(old: dict, new: dict) -> dict:
    """What a newer version changed: field → [old, new]; monthly rows by 工号."""
    if "rows" in new:
        old_rows = {row["staff_id"]: row for row in old.get("rows", [])}
        diff = {}
        for row in new["rows"]:
            before = old_rows.get(row["staff_id"], {})
            for key in ("items", "deduction", "reason", "assessed"):
                if before.get(key) != row.get(key):
                    diff[f"{row['staff_id']}.{key}"] = [before.get(key), row.get(key)]
        return diff
    return {key: [old.get(key), value] for key, value in new.items() if old.get(key) != value}


class Ingest:
    """One ingest run over a workspace (holding its lock).

    Files are recorded in batches: every copy of a batch is written and flushed, then one
    store transaction records them all, then the batch leaves the inbox.
    """

    def __init__(self, workspace: Workspace, roster: Roster, policy: Policy, conn):
        self.workspace = workspace
        self.roster = roster
        self.policy = policy
        self.conn = conn
        self.report = IngestReport()
        self.written: list[Path | str] = []
        self.leaving: list[Path] = []
        self.listed: dict[str, tuple[int, int]] = {}  # (size, mtime_ns) when the run began
        self.frozen: dict[tuple[str, str], bool] = {}  # a period's month signed off, this run
        self.touched: set[str] = set()  # forms and contents recorded in this run (`Ready`)
        self.folders: dict[str, tuple[str, str]] = {}  # `_folder`
        self.made: list[Path | str] | None = None  # files made in archive/, rejected/ (`_Ahead`)
        self.inbox_prefix = os.path.join(str(workspace.inbox), "")  # `_inbox_path`
        # what the store held when the run began (`store.known`), read at once when the
        # inbox is large beside the store: then a new file's `Ready` needs no look-up
        self.known: store.Known | None = None
        self.times: dict[int, str] = {}  # `_own_time`
        self.clock: tuple[int, str] = (-1, "")  # `Ingest._now`

    def _inbox_path(self, path: Path) -> str:
        """An inbox file's path in inbox/, with /, as the store and the returns list show it."""
        text = str(path)
        if text.startswith(self.inbox_prefix):  # every listed file: no Path made for it
            return readable(text[len(self.inbox_prefix):].replace(os.sep, "/"))
        return readable(path.relative_to(self.workspace.inbox).as_posix())

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.workspace.root).as_posix()

    def _folder(self, period: str) -> tuple[str, str]:
        """archive/<period>: its path, and as the store writes it (relative, with /)."""
        folder = self.folders.get(period)
        if folder is None:
            path = self.workspace.archive / period
            folder = self.folders[period] = (str(path), self._relative(path))
        return folder

    def record(self, units: list[Unit], ordered: bool = False) -> None:
        """Record the units `units` made, in batches. Mails were opened as they came, so that
        their attachments take their place among the run's versions (`order.py`); unless
        `ordered` (rebuild replays a recorded order), the versions of each form go in saved
        order."""
        if not ordered:
            units = in_saved_order(units, lambda u: u.form_key, lambda u: u.key)
        batch: list[Unit] = []
        for unit in _mails_after_attachments(units):
            if batch and (unit.kind == "file") != (batch[-1].kind == "file") or (
                    batch and unit.rel != batch[-1].rel):
                self._flush(batch)  # a mail's records go in a batch of their own
                batch = []
            batch.append(unit)
            if len(batch) >= BATCH:
                self._flush(batch)
                batch = []
        self._flush(batch)

    def units(self, classified: Iterable[tuple[Path, Classified]],
              ahead: _Ahead | None = None) -> list[Unit]:
        """The run's units in inbox order, each file's order-free work (`Ready`) done as its
        result arrives: pass the readers' results as they come. `ahead` records each file
        as it comes, while it can."""
        units: list[Unit] = []
        for path, found in classified:
            if found.is_mail and ahead is not None:
                ahead.stop(units)  # its attachments take places by their saved time
            if found.is_mail and self._opens(path, found):
                units.extend(self._open_mail(path, found, len(units)))
                continue
            status = _status(path)
            unit = Unit(path, found, version_key(found.saved_at, self._own_time(status),
                                                 len(units)), status=status)
            if not found.skip and not found.is_mail:
                unit.ready = self._prepare_file(path, found)
            units.append(unit)
            if ahead is not None:
                ahead.take(unit, units)
        return units

    def _prepare_file(self, path: Path, found: Classified) -> Ready:
        rel = self._inbox_path(path)
        return self._prepare(rel, fit(readable(path.name)), found, True)

    def _prepare(self, rel: str, name: str, found: Classified, inbox_file: bool) -> Ready:
        """The order-free part of recording one file (`Ready`)."""
        ready = Ready(rel, name, stored_name(name), reasons=_reasons(found))
        known = self.known
        stored = known is None or found.sha256 in known.hashes  # else no row has these bytes
        if inbox_file and stored:
            ready.done = store.processed_file(self.conn, found.sha256, rel)
        record = found.record
        if record is not None:
            ready.payload = _json(record.payload)
            if known is None or record.form_key in known.current_forms:
                ready.current = store.current_submission(self.conn, record.form_key)
            ready.copy = stored and store.stored_copy(self.conn, found.sha256) is not None
            if not ready.copy and _frozen(self.conn, record, self.frozen):
                ready.pending = store.pending_with_hash(self.conn, record.form_key,
                                                        record.content_hash)
        return ready

    def _opens(self, path: Path, found: Classified) -> bool:
        """A mail to open in this run: not waiting, not recorded by an earlier run."""
        if found.skip or self._still_arriving(path, found):
            return False
        rel = self._inbox_path(path)
        done = store.processed_file(self.conn, found.sha256, rel)
        return not (done and (self.workspace.root / done["stored_path"]).exists())

    def _flush(self, batch: list[Unit]) -> None:
        if batch:
            self._batch(batch)

    def _batch(self, batch: list[Unit]) -> None:
        self.written, self.leaving = [], []
        first = len(self.report.outcomes)
        with store.Transaction(self.conn):
            for unit in batch:
                if unit.kind == "attachment":
                    self._finish(unit.item, unit.found, unit.ready)
                elif unit.kind == "mail":
                    self._record_mail(unit)
                else:
                    self._one(unit.path, unit.found, unit.ready)
            self._seal(first)
        self._leave()

    def _seal(self, first: int) -> None:
        """Before a commit: note the day's returns list as due when an outcome from `first`
        on goes on it, and flush the copies written (`_make_durable`)."""
        if _returned(self.report.outcomes[first:]):
            self.written.append(_note_returns_due(self.workspace, dt.date.today()))
        _make_durable(self.written)

    def _leave(self) -> None:
        """After a commit: the recorded files leave the inbox."""
        for source in self.leaving:
            source.unlink(missing_ok=True)

    def _one(self, path: Path, found: Classified, ready: Ready | None = None,
             status: os.stat_result | object | None = _UNKNOWN) -> None:
        """Record one inbox file; `status`: its stat taken just before (`Unit.status`), else
        it is taken here."""
        rel = ready.rel if ready is not None else self._inbox_path(path)
        if found.skip:
            self.report.outcomes.append(Outcome(rel, SKIPPED))
            return
        waits = self._still_arriving(path, found, status)
        if waits:
            self.report.outcomes.append(Outcome(rel, WAITING, issues=[Issue(
                code="file.still_arriving", severity=WARNING, file=rel, message=waits)]))
            return
        done = ready.done if self._fresh(ready, found) else \
            store.processed_file(self.conn, found.sha256, rel)
        if done and (self.workspace.root / done["stored_path"]).exists():
            if done["outcome"] == REJECTED and found.record is not None:
                self._finish(Item(path, rel, fit(readable(path.name))), found, ready)  # now valid
                return
            self.leaving.append(path)
            outcome = REJECTED if done["outcome"] == REJECTED else RESUMED
            self.report.outcomes.append(Outcome(rel, outcome, stored_path=done["stored_path"],
                                                issues=found.issues))
            return
        if found.is_mail:  # opened by `units`, or it changed since: the next run takes it
            self.report.outcomes.append(Outcome(rel, WAITING, issues=[Issue(
                code="file.still_arriving", severity=WARNING, file=rel,
                message="文件在读取过程中发生了变化（可能仍在复制中），本次不处理，下次运行时再读取")]))
            return
        name = ready.name if ready is not None else fit(readable(path.name))
        self._finish(Item(path, rel, name), found, ready)

    def _own_time(self, status: os.stat_result | object | None) -> str:
        """`file_time` of a file's stat ('' without one), kept a second at a time: the
        files of a run share a few seconds. A time within 1 ms of the next second is worked
        out itself (`fromtimestamp` rounds to the microsecond)."""
        if not isinstance(status, os.stat_result):
            return ""
        mtime = status.st_mtime
        second = math.floor(mtime)
        if mtime - second >= 0.999:
            return file_time(mtime)
        text = self.times.get(second)
        if text is None:
            text = self.times[second] = file_time(second)
        return text

    def _fresh(self, ready: Ready | None, found: Classified) -> bool:
        """Whether `ready`'s store lookups still hold: nothing of the same form or with the
        same bytes was recorded earlier in this run."""
        if ready is None or found.sha256 in self.touched:
            return False
        return found.record is None or found.record.form_key not in self.touched

    def _still_arriving(self, path: Path, found: Classified,
                        now: os.stat_result | object | None = _UNKNOWN) -> str:
        """Why a file waits for the next run ('' when it does not): it changed while this run
        read it, or it changed within `settle_seconds` and cannot be read whole yet. `now`:
        the file's stat taken after its result came (None: it was gone), else taken here."""
        if now is _UNKNOWN:
            try:
                now = path.stat()
            except FileNotFoundError:
                now = None
        if now is None:
            return ""  # taken away: the copy below reports it
        listed = self.listed.get(str(path))
        if listed is not None and listed != (now.st_size, now.st_mtime_ns):
            return "文件在读取过程中发生了变化（可能仍在复制中），本次不处理，下次运行时再读取"
        settle = self.policy.limits.settle_seconds
        if time.time() - now.st_mtime >= settle:
            return ""
        incomplete = any(i.code in INCOMPLETE_CODES for i in found.issues) or (
            found.is_mail and not mail_complete(path))
        if incomplete:
            return (f"文件在 {settle} 秒内刚被修改，内容还不完整（可能仍在复制中），"
                    "本次不处理，下次运行时再读取")
        return ""

    def _open_mail(self, path: Path, found: Classified, place: int) -> list[Unit]:
        """The mail's attachments staged and classified (units to record, each keyed by its
        saved time, else the mail's Date), then the unit that records the mail itself."""
        rel = self._inbox_path(path)
        mail = read_eml(path, self.policy.limits, path.name)
        staging = self.workspace.engine_dir / "staging"
        staging.mkdir(parents=True, exist_ok=True)
        sent = mail_time(mail.sent) or _file_time(path)  # no Date: the mail file's own time
        units, staged_files = [], []
        for attachment in mail.attachments:
            original = f"{rel}/{attachment.name}"
            staged = staging / f"{found.sha256[:16]}-{place}-{fit(attachment.name)}"
            staged.write_bytes(attachment.data)
            staged_files.append(staged)
            inner = classify(staged, attachment.name, self.roster, self.policy)
            done = store.processed_file(self.conn, inner.sha256, original)
            again = done is not None and done["outcome"] == REJECTED and inner.record is not None
            if again or done is None or not (self.workspace.root / done["stored_path"]).exists():
                item = Item(staged, original, fit(attachment.name), mail.sender)
                units.append(Unit(staged, inner, version_key(inner.saved_at, sent,
                                                             place + len(units)),
                                  "attachment", rel, item,
                                  ready=self._prepare(original, item.name, inner, False)))
        units.append(Unit(path, found, version_key("", "", place + len(units)), "mail", rel,
                          mail=mail, staged=staged_files))
        return units

    def _record_mail(self, unit: Unit) -> None:
        """The mail's own record, after its attachments: archived, or rejected when it
        carried no spreadsheet and has problems."""
        path, rel, found, mail = unit.path, unit.rel, unit.found, unit.mail
        issues = list(mail.issues)
        outcome = REJECTED if has_errors(issues) and not mail.attachments else MAIL
        folder = self.workspace.rejected if outcome == REJECTED \
            else self.workspace.archive / MAIL_FOLDER
        target = place(folder, path.name, found.sha256)
        self._keep(path, target)
        if outcome == REJECTED:
            self._write_reason(target, issues)
        reasons = json.dumps({"issues": [i.to_dict() for i in issues]}, ensure_ascii=False)
        self.touched.add(found.sha256)
        mail_id = store.insert_file(
            self.conn, sha256=found.sha256, original_name=readable(path.name), original_path=rel,
            stored_path=self._relative(target), size=found.size, sender=mail.sender,
            container_id=None, received_at=self._now(), outcome=outcome, reasons=reasons)
        store.adopt_attachments(self.conn, mail_id, rel)
        self.leaving.extend(unit.staged)
        self.report.outcomes.append(Outcome(rel, outcome, stored_path=self._relative(target),
                                            sender=mail.sender, issues=issues))

    def _put(self, source: Path, folder: str, name: str, sha256: str) -> str:
        """`_place_name` and `_keep` in one: the file's name in `folder`. In the common case
        (the folder is there, the name free) one link both finds the name free and makes
        the copy; anything else goes the long way."""
        target = os.path.join(folder, name)
        try:
            os.link(source, target)
        except OSError:
            name = _place_name(folder, name, sha256)
            self._keep(source, os.path.join(folder, name))
            return name
        self._kept(source, target, new=True)
        return name

    def _now(self) -> str:
        """This PC's time to the second (`received_at`), as `datetime.now().isoformat(
        timespec="seconds")` gives it, worked out once a second."""
        second = int(time.time())
        if second != self.clock[0]:
            self.clock = (second, dt.datetime.fromtimestamp(second).isoformat(
                timespec="seconds"))
        return self.clock[1]

    def _keep(self, source: Path, target: Path | str) -> None:
        """Copy a file to archive/ or rejected/ and mark it to leave the inbox after commit."""
        self._kept(source, target, _copy(source, target))

    def _kept(self, source: Path, target: Path | str, new: bool) -> None:
        """Note a copy in place (`new`: made by this run) and its source to leave the inbox
        after commit."""
        if new and self.made is not None:
            self.made.append(target)
        self.written.append(target)
        self.leaving.append(source)

    def _write_reason(self, target: Path, issues: list[Issue]) -> None:
        """`<name>.原因.txt` beside the refused file; never over a file that is not ours (an
        input may carry that very name): then a name with the reason's hash is used."""
        lines = [f"文件「{target.name}」未被接收，原因如下：", ""]
        lines += [f"{n}. {issue}" for n, issue in enumerate(issues, 1)]
        lines += ["", "请按上述原因修改后重新发送。"]
        data = ("\n".join(lines) + "\n").encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()[:10]
        for name in (target.name + REASON_SUFFIX, f"{target.name}__{digest}{REASON_SUFFIX}"):
            reason = target.with_name(name)
            if reason.exists():
                if reason.read_bytes() == data:  # written by an earlier, interrupted run
                    self.written.append(reason)
                    return
                continue
            temp = reason.with_name(f".tmp-{reason.name}")  # a kill mid-write leaves only this
            temp.write_bytes(data)
            os.replace(temp, reason)  # `reason` did not exist: nothing of anyone's is replaced
            if self.made is not None:
                self.made.append(reason)
            self.written.append(reason)
            return

    def _decide(self, record: FormRecord, sha256: str,
                ready: Ready | None) -> tuple[str, dict | None]:
        if ready is not None:  # fresh (`_fresh`): the lookups made as the result arrived
            current, copy = ready.current, ready.copy
        else:
            current = store.current_submission(self.conn, record.form_key)
            copy = store.stored_copy(self.conn, sha256) is not None
        if copy:
            return DUPLICATE, current
        if _frozen(self.conn, record, self.frozen):
            if ready.pending if ready is not None else \
                    store.pending_with_hash(self.conn, record.form_key, record.content_hash):
                return DUPLICATE, current
            return AMENDMENT, current
        if current is not None and current["content_hash"] == record.content_hash:
            return DUPLICATE, current
        return (NEWER if current is not None else ACCEPTED), current

    def _finish(self, item: Item, found: Classified, ready: Ready | None = None) -> None:
        record = found.record
        if record is None:
            self._reject(item, found, ready)
            return
        outcome, current = self._decide(record, found.sha256,
                                        ready if self._fresh(ready, found) else None)
        self.touched.update((found.sha256, record.form_key))
        folder = self._folder(_period_folder(record))
        name = self._put(item.source, folder[0], ready.stored if ready is not None else
                         stored_name(item.name), found.sha256)
        now = self._now()
        stored = f"{folder[1]}/{name}"
        file_id = store.insert_file(
            self.conn, sha256=found.sha256, original_name=item.name,
            original_path=item.original_path, stored_path=stored,
            size=found.size, sender=item.sender, container_id=None, received_at=now,
            outcome=outcome, reasons=ready.reasons if ready is not None else _reasons(found))
        if outcome != DUPLICATE:
            state = "pending" if outcome == AMENDMENT else "current"
            store.insert_submission(self.conn, file_id=file_id, record=record, state=state,
                                    received_at=now, current=current,
                                    payload_text=ready.payload if ready is not None else None)
        if outcome == NEWER:
            store.log_event(self.conn, now, "superseded", record.form_key, {
                "old_file": current["file"], "new_file": item.name,
                "changes": changes(current["payload"], record.payload)})
        self.report.outcomes.append(Outcome(item.original_path, outcome, record.form_key,
                                            stored, item.sender, found.issues))

    def _reject(self, item: Item, found: Classified, ready: Ready | None = None) -> None:
        self.touched.add(found.sha256)
        target = place(self.workspace.rejected, item.name, found.sha256)
        self._keep(item.source, target)
        self._write_reason(target, found.issues)
        store.insert_file(
            self.conn, sha256=found.sha256, original_name=item.name,
            original_path=item.original_path, stored_path=self._relative(target),
            size=found.size, sender=item.sender, container_id=None, received_at=self._now(),
            outcome=REJECTED, reasons=ready.reasons if ready is not None else _reasons(found))
        self.report.outcomes.append(Outcome(item.original_path, REJECTED, "",
                                            self._relative(target), item.sender, found.issues))


class _Ahead:
    """Recording each inbox file as its result arrives, while the readers read the others,
    in one transaction committed when all are read — as long as the arrival order is the
    order `Ingest.record` would take: no version of a form arriving after one saved later
    (`in_saved_order`), no mail (its attachments take places by their saved time). When the
    order breaks, everything done so far is undone (rolled back, the copies and reason files
    made removed, the `Ready` lookups made again) and the run records as usual."""

    def __init__(self, run: Ingest, ordered: bool):
        self.run = run
        self.ordered = ordered  # the order is given (rebuild): only a mail stops it
        # Not with the rollback journal (a network file system): a long write transaction
        # there takes the exclusive lock once its changes outgrow the cache, and holds
        # reports out until it ends; there the run records after reading, batch by batch.
        self.on = run.workspace.journal == store.WAL
        self.transaction: store.Transaction | None = None
        self.last: dict[str, VersionKey] = {}  # each form's latest version recorded

    def take(self, unit: Unit, units: list[Unit]) -> None:
        """Record `unit` (the last of `units`) now, when it keeps the order."""
        if not self.on:
            return
        form_key = unit.form_key
        if form_key is not None and not self.ordered:
            last = self.last.get(form_key)
            if last is not None and unit.key < last:  # saved before one already recorded
                self.stop(units)
                return
            self.last[form_key] = unit.key
        run = self.run
        if self.transaction is None:
            run.written, run.leaving, run.made = [], [], []
            self.transaction = store.Transaction(run.conn)
            self.transaction.__enter__()
        try:
            run._one(unit.path, unit.found, unit.ready, unit.status)
        except BaseException:
            self.stop(units)
            raise

    def stop(self, units: list[Unit]) -> None:
        """Undo what was recorded ahead; `units` go to `Ingest.record` as usual."""
        if not self.on:
            return
        self.on = False
        if self.transaction is None:
            return
        run, transaction, self.transaction = self.run, self.transaction, None
        transaction.__exit__(RuntimeError, None, None)  # rolled back
        for made in reversed(run.made or []):
            try:
                os.unlink(made)
            except OSError:
                pass  # left as a re-run would find it: a copy of the same bytes
        run.made = None
        run.report.outcomes.clear()
        run.touched.clear()
        run.written, run.leaving = [], []
        for unit in units:  # their lookups saw the rows rolled back
            if unit.ready is not None and unit.kind == "file":
                unit.ready = run._prepare_file(unit.path, unit.found)

    def finish(self, units: list[Unit]) -> bool:
        """Commit what was recorded ahead: True when that is the whole run, recorded in the
        order `Ingest.record` takes (else it is undone, False)."""
        if not self.on or self.transaction is None:
            self.stop(units)
            return False
        order = units if self.ordered else in_saved_order(units, lambda u: u.form_key,
                                                           lambda u: u.key)
        if any(a is not b for a, b in zip(_mails_after_attachments(order), units)):
            self.stop(units)  # not reached: `take` stops at the first version out of order
            return False
        run, transaction, self.transaction = self.run, self.transaction, None
        try:
            run._seal(0)
        except BaseException:
            transaction.__exit__(RuntimeError, None, None)
            raise
        transaction.__exit__(None, None, None)  # committed
        run.made = None
        run._leave()
        return True


def _returned(outcomes: list[Outcome]) -> bool:
    """True when any of these goes on the returns list (a rejection, a mail with problems,
    a file kept with a notice)."""
    listed = (REJECTED, MAIL, ACCEPTED, NEWER, AMENDMENT, DUPLICATE)
    return any(o.outcome == REJECTED or (o.outcome in listed and o.issues) for o in outcomes)


def _note_returns_due(workspace: Workspace, day: dt.date) -> Path:
    """Note, before the batch commits, that the day's returns list must be (re)written."""
    note = workspace.engine_dir / RETURNS_DUE
    if day.isoformat() not in _returns_due(workspace):
        with note.open("a", encoding="ascii") as handle:
            handle.write(day.isoformat() + "\n")
    return note


def _returns_due(workspace: Workspace) -> list[str]:
    """Days noted as due (a line cut short by a crash was noted by an uncommitted batch)."""
    try:
        lines = (workspace.engine_dir / RETURNS_DUE).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return []
    days = set()
    for line in lines:
        try:
            days.add(dt.date.fromisoformat(line).isoformat())
        except ValueError:
            continue
    return sorted(days)


def _write_due_returns(workspace: Workspace, conn) -> Path | None:
    """Write the returns list of every day noted as due, then drop the note."""
    written = None
    for day in _returns_due(workspace):
        written = write_returns(workspace, conn, dt.date.fromisoformat(day))
    (workspace.engine_dir / RETURNS_DUE).unlink(missing_ok=True)
    return written


_json = store.json_text  # json.dumps(value, ensure_ascii=False)


def _reasons(found: Classified) -> str:
    return _json({"staff_id": found.staff_id, "person": found.person, "period": found.period,
                  "issues": [i.to_dict() for i in found.issues]})


class _Sized:
    """An iterator that knows its length, so a progress bar can show it while it runs."""

    def __init__(self, items: Iterable, length: int):
        self.items, self.length = items, length

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return self.length


def _file_time(path: Path) -> str:
    try:
        return file_time(path.stat().st_mtime)
    except OSError:
        return ""


def _status(path: Path) -> os.stat_result | object | None:
    """The file's stat; None when it is gone, `_UNKNOWN` when it cannot be had otherwise
    (then `_still_arriving` asks again, and says why)."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError:
        return _UNKNOWN


def _mails_after_attachments(units: list[Unit]) -> list[Unit]:
    """Each mail's own record right after the last of its attachments (the saved order may
    have moved one of them past it); everything else keeps its place."""
    left = Counter(u.rel for u in units if u.kind == "attachment")
    held: dict[str, Unit] = {}
    out: list[Unit] = []
    for unit in units:
        if unit.kind == "mail" and left[unit.rel]:
            held[unit.rel] = unit
            continue
        out.append(unit)
        if unit.kind == "attachment":
            left[unit.rel] -= 1
            if not left[unit.rel] and unit.rel in held:
                out.append(held.pop(unit.rel))
    return out


def inbox_files(inbox: Path) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """Every file under inbox/ at any depth, in a stable order (by path, as `as_posix` writes
    it), and each one's (size, mtime_ns) as listed. As pathlib's rglob: folders linked in are
    not entered, a folder that cannot be listed is passed over; in one pass (a file's kind
    from the listing, one stat each). Paths as text (`str` of the file's Path): the run makes
    each file's Path as its result comes, not all of them before the readers start."""
    found: list[tuple[str, str, tuple[int, int]]] = []
    _walk(str(inbox), found)
    found.sort(key=lambda item: item[0])
    return [path for _, path, _ in found], {path: stat for _, path, stat in found}


def _walk(folder: str, found: list) -> None:
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except (PermissionError, FileNotFoundError, NotADirectoryError):
        return  # passed over (no inbox/ at all: nothing to do)
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                _walk(entry.path, found)
                continue
            if not entry.is_file():  # a file, or a link to one
                continue
            stat = entry.stat()
        except OSError:  # gone, or a link to nothing
            continue
        path = entry.path
        found.append((path if os.sep == "/" else path.replace(os.sep, "/"), path,
                      (stat.st_size, stat.st_mtime_ns)))


def ingest(workspace: Workspace, progress: Progress = lambda xs: xs,
           ordered: bool = False) -> IngestReport:
    """Process every inbox file once; write the returns list when anything was rejected.
    `ordered`: take the files in path order as they are (rebuild replays a recorded order)."""
    inputs = workspace.inputs()
    policy, roster = inputs.policy, inputs.roster
    # What exists now (modules, roster, policy) stays out of the garbage collector's passes
    # during the run: the results piling up made it walk all of it again and again (and the
    # forked readers copied every page it touched). Collections still run; undone at the end.
    gc.freeze()
    try:
        return _ingest(workspace, roster, policy, progress, ordered)
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def _older_collected_less(pool: ReaderPool, files: int):
    """While the results come in, the collector's middle generation is examined once every
    YOUNG_PASSES young collections instead of every 10, and what is left at the end joins
    what `ingest` froze: the results piling up (alive to the end of the run) were walked
    there again and again (≈ 8 µs a form). Young collections still run; a cycle that
    outlived one is freed after the run. The readers are started first (they keep the usual
    thresholds)."""
    pool.start(files)
    before = gc.get_threshold()
    gc.set_threshold(before[0], max(before[1], YOUNG_PASSES), *before[2:])
    try:
        yield
    finally:
        gc.freeze()
        gc.set_threshold(*before)


def _ingest(workspace: Workspace, roster: Roster, policy: Policy, progress: Progress,
            ordered: bool) -> IngestReport:
    with workspace.lock("导入（ingest）"):
        conn = workspace.connect()
        try:
            # attachments staged by a run that died after its commit: already recorded
            shutil.rmtree(workspace.engine_dir / "staging", ignore_errors=True)
            sync_intake_log(conn, workspace.archive)  # a run that died after its last commit
            run = Ingest(workspace, roster, policy, conn)
            files, run.listed = inbox_files(workspace.inbox)
            ahead = _Ahead(run, ordered)
            try:
                with ReaderPool(roster, policy) as pool, _older_collected_less(pool, len(files)):
                    # read while the readers start (the first result needs it)
                    if len(files) * KNOWN_RATIO >= store.file_count(conn):
                        run.known = store.known(conn)
                    results = pool.classify([(path, readable(os.path.basename(path)))
                                             for path in files])
                    pairs = ((Path(files[index]), found) for index, found in results)
                    units = run.units(progress(_Sized(pairs, len(files))), ahead)
            except BaseException:
                ahead.stop([])
                raise
            if not ahead.finish(units):
                run.record(units, ordered)
            run.report.returns_path = _write_due_returns(workspace, conn)
            sync_intake_log(conn, workspace.archive)
        finally:
            conn.close()
    return run.report

