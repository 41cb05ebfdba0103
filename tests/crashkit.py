"""Crash and concurrency harness for `ingest`: a few hundred returned files, a canonical dump
of a workspace's end state, and SIGKILL of a running `ingest` at chosen moments.

Used by tests/test_crash.py and tests/test_crash_faults.py (short runs) and
scripts/crash_ingest.py (many kill points).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

from workbook_engine.forms.monthly import build_monthly_form
from workbook_engine.forms.outbox import monthly_plan, weekly_plan
from workbook_engine.forms.weekly import build_weekly_form
from workbook_engine.periods import parse_month
from workbook_engine.workspace import Workspace, init_workspace

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
MONTHS = ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07")


def make_workspace(root: Path) -> Workspace:
    """A 2026 workspace with the sample roster `init` writes (11 people assessed)."""
    init_workspace(root, 2026)
    return Workspace(root.resolve())


def _weekly_values(form, grade: str = "称职") -> dict:
    values = {"work_done": "完成本周工作", "leader_grade": grade,
              "leader_sign": form.identity.final_rater_name}
    if form.identity.chief_name:
        values.update(chief_grade="称职", chief_sign=form.identity.chief_name)
    return values


def _rater_name(workspace: Workspace, form) -> str:
    if form.edition == "office":
        return "考核办"
    roster, _ = workspace.roster()
    return roster.person(form.rater_id).name


def make_inbox(workspace: Workspace, folder: Path, months: int = 5) -> list[Path]:
    """Returned files laid out as a clerk's inbox would be, under `folder`:

    every weekly form of the first `months` months and each month's monthly editions; exact
    duplicates (same bytes, other names); a re-saved copy (same content, other bytes);
    corrected resends (a weekly form; a monthly edition, by mail); a name clash with other
    content; rejects (no 初评, not a workbook, truncated, a mail without a workbook); a saved
    mail with a good, a bad and a duplicate attachment.
    """
    folder.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    weekly: list[tuple[Path, object]] = []
    for month_text in MONTHS[:months]:
        month = parse_month(month_text)
        for week in month.weeks():
            if (folder / str(week)).exists():
                continue  # a week spanning two months was made with the first
            for target, form, _person in weekly_plan(workspace, week):
                path = folder / str(week) / target.name
                path.parent.mkdir(parents=True, exist_ok=True)
                build_weekly_form(path, dataclasses.replace(form, values=_weekly_values(form)))
                made.append(path)
                weekly.append((path, form))
        for target, form in monthly_plan(workspace, month):
            four = len(form.items) == 4
            rows = tuple(dataclasses.replace(r, items=(18, 18, 27, 9) if four else (9, 9))
                         for r in form.rows)
            path = folder / f"月考评表{month_text}" / target.name
            path.parent.mkdir(parents=True, exist_ok=True)
            build_monthly_form(path, dataclasses.replace(
                form, rows=rows, rater_sign=_rater_name(workspace, form)))
            made.append(path)
    again = folder / "重发"
    again.mkdir()
    for path, _form in weekly[::37]:  # exact duplicates, under other names
        made.append(Path(shutil.copyfile(path, again / f"再发-{path.name}")))
    path, form = weekly[5]  # re-saved: same content, other bytes
    build_weekly_form(again / f"另存-{path.name}", dataclasses.replace(
        form, values=_weekly_values(form)))
    made.append(again / f"另存-{path.name}")
    path, form = weekly[7]  # corrected resend: supersedes
    build_weekly_form(again / f"改-{path.name}", dataclasses.replace(
        form, values=_weekly_values(form, "优秀")))
    made.append(again / f"改-{path.name}")
    target, form = monthly_plan(workspace, parse_month(MONTHS[2]))[0]  # corrected edition
    rows = tuple(dataclasses.replace(r, items=(19, 18, 27, 9) if len(form.items) == 4
                                     else (9, 9), deduction=1 if n == 0 else None,
                                     reason="迟报材料" if n == 0 else "")
                 for n, r in enumerate(form.rows))
    corrected = folder.parent / "corrected.xlsx"
    build_monthly_form(corrected, dataclasses.replace(
        form, rows=rows, rater_sign=_rater_name(workspace, form)))
    resend = EmailMessage()  # in a mail of its own: the month changes in a later commit
    resend["From"] = f"{_rater_name(workspace, form)} <rater@example.com>"
    resend["Subject"] = "月考评表（更正）"
    resend.set_content("更正后的月考评表")
    resend.add_attachment(corrected.read_bytes(), *XLSX, filename=f"改-{target.name}")
    made.append(folder / "重发.eml")  # sorts after the monthly editions, before 重发/
    made[-1].write_bytes(resend.as_bytes())
    path, form = weekly[9]  # same name as a stored form, other content: a second name
    clash = folder / "zz同名" / path.name
    clash.parent.mkdir()
    build_weekly_form(clash, dataclasses.replace(form, values=_weekly_values(form, "优秀")))
    made.append(clash)
    bad = folder / "退回"
    bad.mkdir()
    path, form = next((p, f) for p, f in weekly if f.identity.chief_name)
    values = {k: v for k, v in _weekly_values(form).items() if not k.startswith("chief")}
    build_weekly_form(bad / f"无初评-{path.name}", dataclasses.replace(form, values=values))
    (bad / "说明.xlsx").write_text("这不是表格", encoding="utf-8")
    (bad / f"截断-{path.name}").write_bytes(weekly[3][0].read_bytes()[:3000])
    made += [bad / f"无初评-{path.name}", bad / "说明.xlsx", bad / f"截断-{path.name}"]
    made.append(_mail(folder, weekly, workspace))
    plain = EmailMessage()  # a mail without a workbook: rejected with its reason
    plain["From"] = "李明 <liming@example.com>"
    plain["Subject"] = "周考评表"
    plain.set_content("表格忘了附上")
    made.append(folder / "2026-W03.eml")
    made[-1].write_bytes(plain.as_bytes())
    return made


def _mail(folder: Path, weekly: list, workspace: Workspace) -> Path:
    """A saved mail sorted into the middle of the inbox, with three attachments."""
    path, form = weekly[len(weekly) // 2]
    good = folder.parent / "mail-good.xlsx"
    build_weekly_form(good, dataclasses.replace(form, values=_weekly_values(form, "基本称职")))
    other, other_form = next((p, f) for p, f in weekly if f.identity.chief_name)
    values = _weekly_values(other_form)
    values["chief_sign"] = "不是股长"
    broken = folder.parent / "mail-bad.xlsx"
    build_weekly_form(broken, dataclasses.replace(other_form, values=values))
    message = EmailMessage()
    message["From"] = "王三 <wangsan@example.com>"
    message["To"] = "khb@example.com"
    message["Subject"] = "周考评表"
    message.set_content("请查收")
    message.add_attachment(good.read_bytes(), *XLSX, filename=f"改-{path.name}")
    message.add_attachment(broken.read_bytes(), *XLSX, filename=other.name)
    message.add_attachment(weekly[1][0].read_bytes(), *XLSX, filename="重复附件.xlsx")
    week = path.parent.name
    target = folder / f"{week}.eml"  # sorts just before that week's folder
    target.write_bytes(message.as_bytes())
    return target


SETTLED = 1_700_000_000


def fill_inbox(workspace: Workspace, source: Path) -> list[Path]:
    """Copy every file under `source` into the workspace's inbox (same relative paths)."""
    copied = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        target = workspace.inbox / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        copied.append(Path(shutil.copyfile(path, target)))
        os.utime(target, (SETTLED, SETTLED))  # long in the inbox: nothing still arriving
    return copied


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> set[tuple[str, str]]:
    """(relative path, sha256) of every file under a folder."""
    return {(p.relative_to(folder).as_posix(), sha256(p)) for p in folder.rglob("*") if p.is_file()}


def store_dump(workspace: Workspace) -> dict:
    """The store's content without ids and timestamps, in a canonical order."""
    conn = sqlite3.connect(workspace.store_path)
    try:
        def rows(sql: str) -> list:
            return sorted(tuple(r) for r in conn.execute(sql))

        form = "(SELECT form_key || ' ' || content_hash FROM submissions s WHERE s.id = {})"
        return {
            "integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
            "files": rows(
                "SELECT f.sha256, f.original_path, f.outcome, f.stored_path, f.original_name,"
                " f.size, f.sender, f.reasons, c.original_path FROM files f"
                " LEFT JOIN files c ON c.id = f.container_id"),
            "submissions": rows(
                "SELECT s.form_key, s.content_hash, s.state, s.form_kind, s.edition,"
                " s.subject_id, s.period, s.payload, f.sha256, f.original_path, "
                + form.format("s.supersedes_id") +
                " FROM submissions s JOIN files f ON f.id = s.file_id"),
            "weekly_forms": rows(
                f"SELECT {form.format('w.submission_id')}, w.staff_id, w.week, w.month,"
                " w.self_grade, w.chief_grade, w.leader_grade FROM weekly_forms w"),
            "monthly_rows": rows(
                f"SELECT {form.format('r.submission_id')}, r.edition, r.month, r.staff_id,"
                " r.sheet_row, r.assessed, r.items, r.deduction, r.reason, r.remark"
                " FROM monthly_rows r"),
            "events": rows("SELECT kind, subject, detail FROM events"),
            "signoffs": rows("SELECT scope, period, action, by_name FROM signoffs"),
        }
    finally:
        conn.close()


def end_state(workspace: Workspace) -> dict:
    """What must be equal after an interrupted-and-resumed run and an uninterrupted one."""
    log = workspace.archive / "收件记录.jsonl"  # the recorded order: the same lines, though
    # a resumed run may have recorded some files at another moment than an uninterrupted one
    return {
        "archive": {entry for entry in tree(workspace.archive) if entry[0] != log.name},
        "intake_log": sorted(log.read_text(encoding="utf-8").splitlines())
        if log.exists() else [],
        "rejected": tree(workspace.rejected),
        "inbox": tree(workspace.inbox),
        "store": store_dump(workspace),
        "staging": tree(workspace.engine_dir / "staging")
        if (workspace.engine_dir / "staging").exists() else set(),
        "reports": sorted(p.name for p in workspace.reports.iterdir()),
    }


def ingest_command(workspace: Workspace) -> list[str]:
    return [sys.executable, "-m", "workbook_engine", "-w", str(workspace.root), "ingest", "--json"]


def start_ingest(workspace: Workspace, output: Path) -> subprocess.Popen:
    """`ingest` in its own session, so that its reader processes can be found afterwards.

    Its output goes to a file, not a pipe: a reader process that outlived it would hold a
    pipe open and hang whoever waits for the end of the output."""
    with output.open("wb") as handle:
        return subprocess.Popen(ingest_command(workspace), stdout=handle,
                                stderr=subprocess.STDOUT, start_new_session=True)


def run_ingest(workspace: Workspace, timeout: float = 120) -> dict:
    """An uninterrupted `ingest --json`; its report."""
    done = subprocess.run(ingest_command(workspace), capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0 and "Traceback" not in done.stderr, (done.stdout, done.stderr)
    return json.loads(done.stdout)


def session_processes(sid: int) -> list[int]:
    """Live (not zombie) processes of a session, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def orphans_after(process: subprocess.Popen, grace: float = 3.0) -> list[int]:
    """Processes of a killed ingest's session still alive after `grace` seconds (then killed)."""
    deadline = time.monotonic() + grace
    while True:
        left = session_processes(process.pid)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def lock_taken(workspace: Workspace, pid: int) -> bool:
    """True once the ingest with this pid holds the workspace lock (it writes its pid there)."""
    try:
        return (workspace.lock_path).read_text().strip() == str(pid)
    except OSError:
        return False


def inbox_left(workspace: Workspace) -> list[Path]:
    """Inbox files in the order ingest takes them."""
    return sorted((p for p in workspace.inbox.rglob("*") if p.is_file()),
                  key=lambda p: p.as_posix())


def _records(workspace: Workspace) -> tuple[set[tuple[str, str]], set[str]]:
    """(sha256, inbox-relative path) of the files the store holds, and their stored paths."""
    conn = sqlite3.connect(workspace.store_path)
    try:
        rows = conn.execute("SELECT sha256, original_path, stored_path FROM files").fetchall()
    finally:
        conn.close()
    return {(r[0], r[1]) for r in rows}, {r[2] for r in rows}


def phase_of(workspace: Workspace, exited: bool) -> str:
    """Where a kill landed, judged from the state it left behind."""
    if exited:
        return "finished"
    records, stored = _records(workspace)
    placed = {f"{folder.name}/{rel}" for folder in (workspace.archive, workspace.rejected)
              for rel, _ in tree(folder) if not rel.endswith(".原因.txt")}
    if placed - stored:
        return "archiving (batch not committed)"
    inbox = workspace.inbox
    if any((sha256(p), p.relative_to(inbox).as_posix()) in records
           for p in inbox_left(workspace)):
        return "committed, leaving the inbox"
    if not records:
        return "reading the first batch"
    return "reading a later batch (or after the last)"


@dataclasses.dataclass
class Kill:
    """One SIGKILL: how it was aimed, what it interrupted, which processes outlived it."""

    mode: str
    delay: float
    phase: str
    orphans: list[int]
    lock_free: bool  # free within a second of the kill, before its readers are reaped


def _mtime(path: Path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return 0


def _linked(path: Path) -> bool:
    """The first file of a batch has its archive link (the batch is being recorded)."""
    try:
        return os.stat(path).st_nlink > 1
    except FileNotFoundError:
        return True


def kill_during(workspace: Workspace, mode: str, delay: float) -> Kill:
    """Start `ingest` and SIGKILL it, aimed by `mode`:

    "timed": `delay` seconds after it took the workspace lock;
    "linking": `delay` seconds after the next inbox file got its archive link (a batch is
        being archived and recorded, not yet committed);
    "committing": `delay` seconds after the store's write-ahead log was first written (the
        first batch is committing);
    "leaving": `delay` seconds after the next inbox file left the inbox (its batch is
        committed; the rest of the batch is leaving the inbox).
    A run that finishes first is left alone. Asserts it printed no traceback.
    """
    left = inbox_left(workspace)
    first = left[0] if left else None
    wal = workspace.store_path.with_name(workspace.store_path.name + "-wal")
    written = _mtime(wal)
    output = workspace.root.parent / f"{workspace.root.name}-ingest.out"
    process = start_ingest(workspace, output)
    deadline = time.monotonic() + 60
    while not lock_taken(workspace, process.pid) and process.poll() is None:
        assert time.monotonic() < deadline, "ingest never took the lock"
        time.sleep(0.001)
    if mode == "linking":
        first = next((p for p in left if p.stat().st_nlink == 1), None)
    if mode == "linking" and first is not None:
        while not _linked(first) and process.poll() is None:
            time.sleep(0.0001)
    elif mode == "committing":
        while _mtime(wal) == written and process.poll() is None:
            time.sleep(0.0001)
    elif mode == "leaving" and first is not None:
        while first.exists() and process.poll() is None:
            time.sleep(0.0001)
    time.sleep(delay)
    exited = process.poll() is not None
    if not exited:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    lock_free = _lock_free(workspace)
    orphans = orphans_after(process)
    text = output.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text and "内部错误" not in text, text
    if exited:
        assert process.returncode == 0, text
    return Kill(mode, delay, phase_of(workspace, exited), orphans, lock_free)


def _lock_free(workspace: Workspace, within: float = 1.0) -> bool:
    """True when no process holds the workspace lock within `within` seconds of the kill
    (a reader being forked at the moment of the kill holds it until it has started)."""
    import fcntl

    deadline = time.monotonic() + within
    fd = os.open(workspace.lock_path, os.O_RDWR)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except OSError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.001)
    finally:
        os.close(fd)


MODES = ("timed", "linking", "committing", "leaving")


def crash_and_resume(workspace: Workspace, rng, rounds: int, seconds: float) -> list[Kill]:
    """Kill `ingest` `rounds` times, each run starting on what the previous kill left, then
    let a last run finish. `seconds`: how long an uninterrupted run works after taking the
    lock; timed kills fall in the part of that still to do."""
    total = len(inbox_left(workspace))
    kills = []
    for _ in range(rounds):
        mode = rng.choice(MODES)
        share = len(inbox_left(workspace)) / max(total, 1)
        delay = {"timed": rng.uniform(0, seconds * share + 0.02),
                 "linking": rng.uniform(0, 0.03), "committing": rng.uniform(0, 0.002),
                 "leaving": rng.uniform(0, 0.0015)}[mode]
        kills.append(kill_during(workspace, mode, delay))
    run_ingest(workspace)
    return kills


def timed_run(workspace: Workspace) -> float:
    """An uninterrupted run; seconds from taking the lock to its end."""
    output = workspace.root.parent / f"{workspace.root.name}-ingest.out"
    process = start_ingest(workspace, output)
    while not lock_taken(workspace, process.pid) and process.poll() is None:
        time.sleep(0.001)
    start = time.monotonic()
    process.wait()
    seconds = time.monotonic() - start
    text = output.read_text(encoding="utf-8", errors="replace")
    assert process.returncode == 0 and "Traceback" not in text, text
    return seconds


def figures(workspace: Workspace, reference: dict, inputs: set[str]) -> dict:
    """How a workspace's end state compares with an uninterrupted run's.

    lost: input files (by sha256) found neither under archive/ nor rejected/;
    double_counted: extra records of one inbox file, and current forms beyond the reference;
    mismatched: parts of the end state that differ; temp_files: `.tmp-*` left anywhere.
    """
    state = end_state(workspace)
    kept = {digest for _, digest in state["archive"] | state["rejected"]}
    conn = sqlite3.connect(workspace.store_path)
    try:
        repeated = conn.execute(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM files"
            " GROUP BY sha256, original_path)").fetchone()[0]
        current = conn.execute(
            "SELECT count(*) FROM submissions WHERE state = 'current'").fetchone()[0]
    finally:
        conn.close()
    expected = sum(1 for row in reference["store"]["submissions"] if row[2] == "current")
    return {
        "lost": len(inputs - kept),
        "double_counted": repeated + max(0, current - expected),
        "mismatched": sorted(key for key in state if state[key] != reference[key]),
        "temp_files": sorted(p.relative_to(workspace.root).as_posix()
                             for p in workspace.root.rglob(".tmp-*")),
    }


def month_summary(workspace: Workspace, month: str) -> tuple:
    """`report month` (in this process); its 月度汇总 sheet as rows of values."""
    import openpyxl
    from click.testing import CliRunner

    from workbook_engine.cli import main

    result = CliRunner().invoke(main, ["-w", str(workspace.root), "report", "month", month])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    workbook = openpyxl.load_workbook(workspace.reports / f"{month}_月度考核汇总.xlsx",
                                      read_only=True)
    try:
        return tuple(tuple(row) for row in workbook["月度汇总"].iter_rows(values_only=True))
    finally:
        workbook.close()


def committed_summaries(workspace: Workspace, month: str) -> set[tuple]:
    """Ingest in this process; the month's 月度汇总 before the first commit and after each."""
    from workbook_engine.ingest import inbox

    states = {month_summary(workspace, month)}
    batch = inbox.Ingest._batch

    def batch_then_report(self, files):
        batch(self, files)
        states.add(month_summary(workspace, month))

    inbox.Ingest._batch = batch_then_report
    try:
        inbox.ingest(workspace)
    finally:
        inbox.Ingest._batch = batch
    return states


def summaries_during_ingest(workspace: Workspace, month: str, output: Path) -> list[tuple]:
    """`report month` again and again while `ingest` runs in another process, then once
    after it; every 月度汇总 seen."""
    process = start_ingest(workspace, output)
    while not lock_taken(workspace, process.pid) and process.poll() is None:
        time.sleep(0.001)
    seen = []
    while process.poll() is None:
        seen.append(month_summary(workspace, month))
    assert process.wait() == 0, output.read_text(encoding="utf-8", errors="replace")
    seen.append(month_summary(workspace, month))
    return seen


# --- file-system faults ----------------------------------------------------------------------

FAULT_KINDS = ("enospc", "erofs", "eacces", "vanish")
FAULT_FOLDERS = ("inbox", "archive", "rejected", "reports", ".engine")


@dataclasses.dataclass
class Fault:
    kind: str
    folder: str
    after: int
    exit_code: int
    message: str  # what the faulted run printed on stderr
    told: bool  # exit 1, a Chinese message naming the folder, no traceback
    rerun_code: int = 0


def fault_command(workspace: Workspace, kind: str, folder: str, after: int) -> list[str]:
    shim = Path(__file__).with_name("faultshim.py")
    return [sys.executable, str(shim), kind, folder, str(after), "-w", str(workspace.root),
            "ingest", "--json"]


def _put_back(workspace: Workspace, source: Path) -> None:
    """Files a `vanish` fault took away go back where they were (the clerk puts them back)."""
    log = workspace.root.parent / f"{workspace.root.name}.vanished"
    taken = log.read_text(encoding="utf-8").split("\n") if log.exists() else []
    for line in filter(None, taken):
        relative = Path(line).resolve().relative_to(workspace.inbox.resolve())
        if (source / relative).is_file():  # (a mail's staged attachment has no source)
            target = workspace.inbox / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, target)
            os.utime(target, (SETTLED, SETTLED))
    log.unlink(missing_ok=True)


def fault_and_resume(workspace: Workspace, source: Path, kind: str, folder: str,
                     after: int) -> Fault:
    """Run ingest with the fault injected, then (fault fixed) run it again to the end."""
    done = subprocess.run(fault_command(workspace, kind, folder, after), capture_output=True,
                          text=True, timeout=300)
    named = "inbox" if kind == "vanish" else folder
    told = (done.returncode == 1 and "Traceback" not in done.stderr + done.stdout
            and "内部错误" not in done.stderr and f"「{named}」" in done.stderr)
    # a fault that came after the last write of the run lets it finish: nothing to tell
    finished = done.returncode == 0
    fault = Fault(kind, folder, after, done.returncode, done.stderr.strip(), told or finished)
    if kind == "vanish":
        _put_back(workspace, source)
    again = subprocess.run(ingest_command(workspace), capture_output=True, text=True,
                           timeout=300)
    fault.rerun_code = again.returncode
    return fault


class Material:
    """A workspace template, the inbox to drop into copies of it, and the reference result."""

    def __init__(self, root: Path, months: int = 5):
        self.root = root
        self.template = make_workspace(root / "template")
        self.source = root / "returned"
        make_inbox(self.template, self.source, months)
        self.inputs = {sha256(p) for p in self.source.rglob("*") if p.is_file()}
        reference = self.copy("reference")
        self.seconds = timed_run(reference)
        self.reference = end_state(reference)
        self.count = 0

    def copy(self, name: str) -> Workspace:
        """A copy of the template workspace with the inbox filled."""
        shutil.copytree(self.template.root, self.root / name)
        workspace = Workspace((self.root / name).resolve())
        fill_inbox(workspace, self.source)
        return workspace
