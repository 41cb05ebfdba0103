"""The reader pool: a file that kills, hangs or bloats its reader is refused; the run goes on."""

from __future__ import annotations

import json
import multiprocessing
import os
import time

import pytest
from click.testing import CliRunner
from fill import fill_weekly

from workbook_engine.cli import main
from workbook_engine.ingest import workers
from workbook_engine.ingest.isolate import START_METHOD_VAR
from workbook_engine.ingest.isolate import start_method as chosen_method

REAL_READ = workers.read_form


@pytest.fixture(params=["fork", "spawn"])
def start_method(request, monkeypatch):
    """Both ways readers start: fork (Linux) and spawn (the office's Windows PC, macOS)."""
    if request.param not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{request.param} is not available on this platform")
    monkeypatch.setenv(START_METHOD_VAR, request.param)
    return request.param


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
