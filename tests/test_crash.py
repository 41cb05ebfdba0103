"""Crash safety and concurrency of `ingest`, run as the clerk runs it: a separate process.

A run killed by SIGKILL at any moment and re-run ends in the state of an uninterrupted run
on the same inbox: the same files under archive/ and rejected/, the same store content,
an empty inbox, nothing lost, nothing counted twice, no reader process left behind. Two
runs at once: one works, the other refuses. A report made while ingest runs sees a state
that some commit left, never a half-written batch. (scripts/crash_ingest.py tries more
kill points.)
"""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner
from crashkit import (
    MODES,
    Material,
    committed_summaries,
    crash_and_resume,
    figures,
    ingest_command,
    month_summary,
    sha256,
    summaries_during_ingest,
)

from workbook_engine import store
from workbook_engine.cli import main
from workbook_engine.ingest import inbox as inbox_module

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="uses /proc and SIGKILL")


@pytest.fixture(scope="module")
def material(tmp_path_factory) -> Material:
    """Five months of returned files (a few hundred, two store batches) and all the mess."""
    return Material(tmp_path_factory.mktemp("crash"))


def test_the_reference_run_covers_every_kind_of_file(material):
    store_files = material.reference["store"]["files"]
    outcomes = {row[2] for row in store_files}
    assert outcomes == {"accepted", "duplicate", "newer_version", "rejected", "mail"}
    assert len(material.inputs) > 250
    assert material.reference["inbox"] == set()
    assert material.reference["store"]["integrity"] == "ok"
    assert any(name.startswith("退回清单_") for name in material.reference["reports"])


def test_killed_runs_resume_to_the_state_of_an_uninterrupted_run(material):
    """Three copies of the inbox, each killed six times (timed, or aimed at a batch being
    archived, committed, or leaving the inbox), then run to the end."""
    tried = set()
    for seed in (1, 2, 3):
        workspace = material.copy(f"killed-{seed}")
        kills = crash_and_resume(workspace, random.Random(seed), rounds=6,
                                 seconds=material.seconds)
        where = [(k.mode, round(k.delay, 4), k.phase) for k in kills]
        assert [k for k in kills if k.orphans] == [], ("readers outlived the run", where)
        assert all(k.lock_free for k in kills), ("readers kept the workspace lock", where)
        result = figures(workspace, material.reference, material.inputs)
        assert result == {"lost": 0, "double_counted": 0, "mismatched": [],
                          "temp_files": []}, (seed, result, where)
        tried |= {k.mode for k in kills}
    assert tried == set(MODES)


def test_an_interrupted_copy_is_completed_not_left_behind(bureau, monkeypatch):
    """Where hard links fail (another drive), copies go through `.tmp-` names; one left by
    a killed run is overwritten and renamed by the re-run, never left in archive/."""
    from fill import fill_weekly
    from test_ingest import weekly_form

    fill_weekly(weekly_form(bureau, "1002", "周一", "办公室"), bureau.inbox / "周一.xlsx",
                chief=("称职", "李办"), leader=("优秀", "钱副"))
    original = sha256(bureau.inbox / "周一.xlsx")
    folder = bureau.archive / "2026-W10"
    folder.mkdir(parents=True)
    (folder / ".tmp-周一.xlsx").write_bytes(b"PK\x03\x04 half a copy")

    def no_links(*_args):
        raise OSError("hard links not supported")

    monkeypatch.setattr(inbox_module.os, "link", no_links)
    result = CliRunner().invoke(main, ["-w", str(bureau.root), "ingest", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"] == {"accepted": 1}
    assert [p.name for p in folder.iterdir()] == ["周一.xlsx"]
    assert sha256(folder / "周一.xlsx") == original


def test_a_run_that_dies_before_the_returns_list_leaves_it_to_the_next(bureau, monkeypatch):
    """Rejections committed, then the run dies: the next run (inbox now empty) writes the
    returns list, and clears what the dead run had staged."""
    import datetime as dt

    (bureau.inbox / "说明.xlsx").write_text("这不是表格", encoding="utf-8")

    def killed(*_args):
        raise KeyboardInterrupt  # stands for the kill: nothing after this point runs

    monkeypatch.setattr(inbox_module, "write_returns", killed)
    with pytest.raises(KeyboardInterrupt):
        inbox_module.ingest(bureau)
    monkeypatch.undo()
    listed = bureau.reports / f"退回清单_{dt.date.today().isoformat()}.xlsx"
    assert not listed.exists() and (bureau.rejected / "说明.xlsx").is_file()
    staged = bureau.engine_dir / "staging" / "0123456789abcdef-附件.xlsx"
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_bytes(b"an attachment staged by a run killed after its commit")
    report = inbox_module.ingest(bureau)
    assert report.outcomes == [] and report.returns_path == listed and listed.is_file()
    assert not staged.parent.exists() or not any(staged.parent.iterdir())
    assert not (bureau.engine_dir / inbox_module.RETURNS_DUE).exists()
    assert inbox_module.ingest(bureau).returns_path is None


def test_two_runs_at_once_one_works_the_other_refuses(material):
    refused = 0
    for runs in (2, 3):
        workspace = material.copy(f"together-{runs}")
        started = [subprocess.Popen(ingest_command(workspace), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for _ in range(runs)]
        done = [(*p.communicate(timeout=120), p.returncode) for p in started]
        done = [(code, out, err) for out, err, code in done]
        assert {code for code, _out, _err in done} <= {0, 1} and any(
            code == 0 for code, _out, _err in done), done
        for code, out, err in done:
            assert "Traceback" not in err
            if code == 1:
                assert "另一个导入（ingest）正在运行" in err and "请等它结束后再运行" in err, err
                refused += 1
            else:
                json.loads(out)
        with sqlite3.connect(workspace.store_path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        result = figures(workspace, material.reference, material.inputs)
        assert result == {"lost": 0, "double_counted": 0, "mismatched": [], "temp_files": []}
    assert refused  # the runs did overlap


def test_a_report_made_while_ingest_runs_shows_a_committed_state(material):
    """`report month` in a loop while ingest runs: each 月度汇总 is one that a commit left."""
    month = "2026-03"  # its editions arrive in one batch; a corrected one in a later batch
    replay = material.copy("states")
    states = committed_summaries(replay, month)
    assert len(states) == 3  # nothing yet, the first editions, the corrected edition
    workspace = material.copy("reading")
    seen = summaries_during_ingest(workspace, month, material.root / "reading-ingest.out")
    assert len(seen) > 1 and all(summary in states for summary in seen)
    assert seen[-1] == month_summary(replay, month)


def test_a_month_report_reads_the_store_in_one_snapshot(material, monkeypatch):
    workspace = material.copy("snapshot")
    inbox_module.ingest(workspace)
    outside = []
    for name in ("monthly_rows_of", "weekly_rows_of", "current_hashes", "monthly_forms_of"):
        real = getattr(store, name)

        def watched(conn, *args, _real=real, _name=name):
            if not conn.in_transaction:
                outside.append(_name)
            return _real(conn, *args)

        monkeypatch.setattr(store, name, watched)
    month_summary(workspace, "2026-03")
    assert outside == []


def test_store_snapshot_does_not_see_a_commit_made_meanwhile(tmp_path):
    path = tmp_path / "s.sqlite3"
    writer, reader = store.connect(path), store.connect(path)
    try:
        count = "SELECT count(*) FROM events"
        with store.Snapshot(reader):
            before = reader.execute(count).fetchone()[0]
            with store.Transaction(writer):
                store.log_event(writer, "2026-03-01T00:00:00", "test", "", {})
            assert reader.execute(count).fetchone()[0] == before
        assert reader.execute(count).fetchone()[0] == before + 1
    finally:
        writer.close()
        reader.close()
