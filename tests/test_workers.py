"""The reader pool: a file that kills, hangs or bloats its reader is refused; the run goes on."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time

import openpyxl
import pytest
from click.testing import CliRunner
from fill import fill_monthly, fill_weekly
from helpers import CHANGED_PEOPLE, CHANGED_SECTIONS, DUTY_CHANGES, PERSON_CHANGES, write_roster

from workbook_engine.cli import main
from workbook_engine.holidays import packaged_rows
from workbook_engine.ingest import workers
from workbook_engine.ingest.isolate import START_METHOD_VAR
from workbook_engine.ingest.isolate import start_method as chosen_method

REAL_READ = workers.read_form


@pytest.fixture(params=[("fork", ""), ("spawn", ""), ("spawn", "1")],
                ids=["fork", "spawn", "spawn-windows-wait"])
def start_method(request, monkeypatch):
    """Both ways readers start: fork (Linux) and spawn (the office's Windows PC, macOS); and
    spawn with the parent waiting as on Windows, where pipes are handles that select() does
    not take (`multiprocessing.connection.wait`, `Connection.send`/`recv`)."""
    method, portable = request.param
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available on this platform")
    monkeypatch.setenv(START_METHOD_VAR, method)
    monkeypatch.setenv(workers.PORTABLE_WAIT_VAR, portable)
    return method


def hostile_read(source, kind, name):
    """Stands in for the spreadsheet parser: misbehaves on the files named for it."""
    if name.startswith("abort"):
        os.abort()  # a native crash: no `except` can catch it
    if name.startswith("hang"):
        time.sleep(600)
    if name.startswith("bloat"):
        hoard = []
        while True:  # until the reader's memory cap stops it
            hoard.append(bytearray(64 * 1024 * 1024))
    return REAL_READ(source, kind, name)


def test_hostile_files_end_only_their_reader(bureau, monkeypatch, start_method):
    text = bureau.policy_path.read_text(encoding="utf-8")
    text = text.replace("parse_seconds = 30", "parse_seconds = 2")
    text = text.replace("parse_memory_mb = 1024", "parse_memory_mb = 256")
    bureau.policy_path.write_text(text, encoding="utf-8")
    CliRunner().invoke(main, ["-w", str(bureau.root), "forms", "weekly", "--week", "2026-W10"])
    form = bureau.outbox / "2026-W10" / "办公室" / "2026-W10_周考评表_1002_周一.xlsx"
    names = ["a-good.xlsx", "abort.xlsx", "b-good.xlsx", "hang.xlsx", "bloat.xlsx", "c-good.xlsx"]
    for index, name in enumerate(names):
        fill_weekly(form, bureau.inbox / name, work_done=f"第 {index} 份",
                    chief=("称职", "李办"), leader=("称职", "钱副"))
    monkeypatch.setattr(workers, "read_form", hostile_read)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["-w", str(bureau.root), "ingest", "--json"])
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    outcomes = {o["file"]: (o["outcome"], [i["code"] for i in o["issues"]])
                for o in json.loads(result.stdout)["outcomes"]}
    assert outcomes["abort.xlsx"] == ("rejected", ["file.too_complex"])
    assert outcomes["hang.xlsx"] == ("rejected", ["file.too_complex"])
    assert outcomes["bloat.xlsx"] == ("rejected", ["file.too_complex"])
    assert outcomes["a-good.xlsx"][0] == "accepted"
    assert {outcomes["b-good.xlsx"][0], outcomes["c-good.xlsx"][0]} <= {"newer_version"}
    reason = (bureau.rejected / "hang.xlsx.原因.txt").read_text(encoding="utf-8")
    assert "2 秒" in reason
    assert elapsed < 60  # far below the 600 s the hanging file would take; spawned readers
    # start slower than forked ones on a loaded machine
    assert chosen_method() == start_method


def test_the_start_method_follows_the_environment(monkeypatch):
    monkeypatch.setenv(START_METHOD_VAR, "spawn")
    assert chosen_method() == "spawn"
    monkeypatch.setenv(START_METHOD_VAR, "no-such-method")
    assert chosen_method() in ("fork", "spawn")


def _exit_at_once(*_args):
    os._exit(3)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_readers_that_cannot_start_end_the_run_with_an_error(bureau, monkeypatch, tmp_path):
    """No file is blamed for readers that die before they are ready: after a few tries the
    run stops with an internal error instead of refusing good files."""
    monkeypatch.setenv(START_METHOD_VAR, "fork")
    monkeypatch.setattr(workers, "_serve", _exit_at_once)
    inputs = bureau.inputs()
    path = tmp_path / "表.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(workers.ReaderStartError), \
            workers.ReaderPool(inputs.roster, inputs.policy, processes=1) as pool:
        list(pool.classify([(path, path.name)]))


# A script that starts an ingest with no `if __name__ == "__main__":` guard (spawned readers
# that re-ran it would each start an ingest of their own, and fail); its reader notes the
# modules the reader process has loaded by the time it reads a file.
INGEST_SCRIPT = """
import os, sys
from pathlib import Path
with open(os.environ["SCRIPT_RUNS"], "a", encoding="utf-8") as runs:
    runs.write("ran\\n")
import reader_probe
from workbook_engine.ingest import workers
from workbook_engine.ingest.inbox import ingest
from workbook_engine.workspace import Workspace
workers.read_form = reader_probe.read
print(dict(ingest(Workspace(Path(sys.argv[1]))).counts))
"""
READER_PROBE = """
import os, sys
from workbook_engine.ingest.read import read_form

def read(source, kind, name):
    with open(os.environ["READER_MODULES"], "w", encoding="utf-8") as out:
        out.write("\\n".join(sorted(sys.modules)))
    return read_form(source, kind, name)
"""
# What a reader must not need: the CLI, the writers and the data-frame libraries
NOT_IN_READERS = ("click", "pandas", "numpy", "openpyxl", "xlsxwriter", "docx",
                  "workbook_engine.cli", "workbook_engine.style", "workbook_engine.reports",
                  "workbook_engine.scoring", "workbook_engine.forms.weekly")


@pytest.mark.skipif("spawn" not in multiprocessing.get_all_start_methods(), reason="needs spawn")
def _script_with_one_form(bureau, tmp_path, probe: str):
    """周一's filled W10 form in the inbox, and a folder with an ingest script (no main guard)
    and the reader probe it loads; returns the folder."""
    CliRunner().invoke(main, ["-w", str(bureau.root), "forms", "weekly", "--week", "2026-W10"])
    form = bureau.outbox / "2026-W10" / "办公室" / "2026-W10_周考评表_1002_周一.xlsx"
    fill_weekly(form, bureau.inbox / "周一.xlsx", chief=("称职", "李办"), leader=("称职", "钱副"))
    folder = tmp_path / "script"
    folder.mkdir()
    (folder / "run_ingest.py").write_text(INGEST_SCRIPT, encoding="utf-8")
    (folder / "reader_probe.py").write_text(probe, encoding="utf-8")
    return folder


def test_a_spawned_reader_imports_only_what_reading_needs(bureau, tmp_path):
    """A spawned reader does not re-run the script that started the ingest (the CLI's, a
    benchmark's): it imports the reader's modules only — so it starts quickly and a script
    without a main guard works."""
    folder = _script_with_one_form(bureau, tmp_path, READER_PROBE)
    runs, modules = tmp_path / "runs.txt", tmp_path / "modules.txt"
    env = {**os.environ, START_METHOD_VAR: "spawn", "SCRIPT_RUNS": str(runs),
           "READER_MODULES": str(modules)}
    done = subprocess.run([sys.executable, str(folder / "run_ingest.py"), str(bureau.root)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'accepted': 1}"
    assert runs.read_text(encoding="utf-8") == "ran\n"  # the parent only
    loaded = set(modules.read_text(encoding="utf-8").split("\n"))
    assert "workbook_engine.ingest.workers" in loaded and "python_calamine" in loaded
    assert not [name for name in loaded
                if any(name == top or name.startswith(top + ".") for top in NOT_IN_READERS)]


def test_readers_check_forms_against_the_bureau_and_calendar_of_their_period(
        changing_bureau, start_method):
    """However readers start, a form is checked against the bureau of its own period (the
    year's change sheets) and the office's holiday schedule, as the command that started
    them sees it: 周一 left on 1 July, her March form stands; 何新 joined on Saturday
    31 January, a working day in this office's schedule only, so the January office edition
    made for him is his."""
    bureau = changing_bureau
    joined = [("2026-01-31", 4001, "何新", "调入", None, None, None, None, "新招录"),
              *(row for row in PERSON_CHANGES if row[1] != 4001)]
    write_roster(bureau.roster_path, CHANGED_PEOPLE, CHANGED_SECTIONS, joined, DUTY_CHANGES)
    workbook = openpyxl.Workbook()
    workbook.active.title = "节假日"
    workbook.active.append(["开始日期", "结束日期", "类别", "名称"])
    for start, end, kind, name in [*packaged_rows(2026), ("2026-01-31", None, "上班", "调休")]:
        workbook.active.append([start, end, kind, name])
    workbook.save(bureau.holidays_path)
    for args in (["forms", "weekly", "--week", "2026-W10"], ["forms", "monthly", "--month",
                                                             "2026-01"]):
        made = CliRunner().invoke(main, ["-w", str(bureau.root), *args])
        assert made.exit_code == 0, made.output
    fill_weekly(bureau.outbox / "2026-W10" / "办公室" / "2026-W10_周考评表_1002_周一.xlsx",
                bureau.inbox / "周一.xlsx", chief=("称职", "李办"), leader=("称职", "钱副"))
    fill_monthly(bureau.outbox / "2026-01" / "2026-01_月考评表_考核办评分.xlsx",
                 bureau.inbox / "考核办.xlsx", {"4001": [9, 10]}, sign="办公室张")
    result = CliRunner().invoke(main, ["-w", str(bureau.root), "ingest", "--json"])
    assert result.exit_code == 0, result.output
    outcomes = {o["file"]: (o["outcome"], [i["code"] for i in o["issues"]])
                for o in json.loads(result.stdout)["outcomes"]}
    assert outcomes == {"周一.xlsx": ("accepted", []), "考核办.xlsx": ("accepted", [])}
    with bureau.connect() as conn:
        assessed = conn.execute("SELECT staff_id FROM monthly_rows WHERE assessed = 1").fetchall()
    assert assessed == [("4001",)]


# A reader stuck in a file: it notes its pid, then reads for ten minutes
STUCK_PROBE = """
import os, time

def read(source, kind, name):
    with open(os.environ["READER_PID"], "w", encoding="utf-8") as out:
        out.write(str(os.getpid()))
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    """True while the process runs (a zombie waiting for its reaper has ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_reader_stuck_in_a_file_ends_with_the_command(bureau, tmp_path, start_method):
    """The command is killed while a reader is deep in a file: the reader ends too, at once,
    however it was started (nothing keeps reading for a run that is gone)."""
    folder = _script_with_one_form(bureau, tmp_path, STUCK_PROBE)
    pid_file = tmp_path / "reader.pid"
    env = {**os.environ, START_METHOD_VAR: start_method, "SCRIPT_RUNS": str(tmp_path / "runs"),
           "READER_PID": str(pid_file)}
    command = subprocess.Popen([sys.executable, str(folder / "run_ingest.py"),
                                str(bureau.root)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline and command.poll() is None
            time.sleep(0.05)
        reader = int(pid_file.read_text(encoding="utf-8"))
        assert _alive(reader)
    finally:
        command.kill()
        command.wait()
    deadline = time.monotonic() + 5
    while _alive(reader) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert not _alive(reader)
    finally:
        if _alive(reader):
            os.kill(reader, 9)


def test_a_readers_result_is_sent_as_conn_send_would_pickle_it(bureau, tmp_path):
    """_serve sends pickle.dumps of (index, Classified): the bytes conn.send would send."""
    import pickle
    from multiprocessing.reduction import ForkingPickler

    from workbook_engine.ingest.classify import classify
    from workbook_engine.ingest.read import read_form

    made = CliRunner().invoke(main, ["-w", str(bureau.root), "forms", "weekly", "--week",
                                     "2026-W10"])
    assert made.exit_code == 0, made.output
    fill_weekly(bureau.outbox / "2026-W10" / "办公室" / "2026-W10_周考评表_1002_周一.xlsx",
                tmp_path / "周一.xlsx", chief=("称职", "李办"), leader=("称职", "钱副"))
    fill_weekly(bureau.outbox / "2026-W10" / "办公室" / "2026-W10_周考评表_1002_周一.xlsx",
                tmp_path / "无初评.xlsx", leader=("称职", "钱副"))
    (tmp_path / "x.xlsx").write_bytes(b"not a workbook")
    roster, _ = bureau.roster()
    policy = bureau.policy()
    results = [classify(tmp_path / name, name, roster, policy, read=read_form)
               for name in ("周一.xlsx", "无初评.xlsx", "x.xlsx")]
    assert results[0].record is not None and results[1].issues and results[2].issues
    for index, result in enumerate(results):
        assert pickle.dumps((index, result)) == ForkingPickler.dumps((index, result)).tobytes()


@pytest.mark.parametrize("fds", [True, False], ids=["own-framing", "windows-connection"])
def test_the_parent_reads_and_writes_what_a_readers_connection_does(fds):
    """The parent frames tasks and takes results on the pipe itself (`_Worker.give`,
    `_Worker.received`) while the reader uses multiprocessing's Connection: tasks arrive
    whole; results come out whole and in order, several in one read or one spread over many
    reads (larger than the 64 KiB a read takes). Where pipes are not file descriptors
    (Windows) the parent uses the Connection itself, with the same answers."""
    parent, reader = multiprocessing.Pipe()
    worker = object.__new__(workers._Worker)  # its pipe without a reader process
    worker.conn, worker.fd, worker.unread = parent, parent.fileno() if fds else -1, b""
    worker.tasks, worker.started = workers.deque(), 0.0
    task = (7, "/收件箱/周一.xlsx", "周一.xlsx")
    assert worker.give(task) and reader.recv() == task and list(worker.tasks) == [task]
    sent = [workers.READY, (0, "小"), (1, "大" * 300_000), (2, {"行": list(range(5))})]
    sender = threading.Thread(target=lambda: [reader.send(m) for m in sent])
    sender.start()  # the large one fills the pipe: sent while the parent reads
    got: list = []
    while len(got) < len(sent):
        got.extend(worker.received())
    sender.join()
    assert got == sent and worker.unread == b""
    reader.close()
    with pytest.raises(EOFError):
        worker.received()
    parent.close()


def test_the_windows_way_of_waiting_is_taken_where_the_environment_asks(monkeypatch):
    """On Windows select() takes sockets only; the pool then waits with
    multiprocessing.connection.wait. The environment variable takes that way on Linux."""
    monkeypatch.delenv(workers.PORTABLE_WAIT_VAR, raising=False)
    assert workers._fd_pipes() == (sys.platform != "win32")
    monkeypatch.setenv(workers.PORTABLE_WAIT_VAR, "1")
    assert not workers._fd_pipes()
    monkeypatch.setattr(workers.sys, "platform", "win32")
    monkeypatch.delenv(workers.PORTABLE_WAIT_VAR)
    assert not workers._fd_pipes()
