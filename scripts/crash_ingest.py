"""Kill `ingest` with SIGKILL at many moments and check that re-runs end where an
uninterrupted run ends; inject file-system faults (a full disk, a read-only or denied folder,
a file taken away) and check the message and the re-run; then run several at once, and
reports while it runs.

    python scripts/crash_ingest.py [--copies 12] [--rounds 8] [--months 7] [--seed 1]

Each copy of the inbox (a few hundred returned files: forms, duplicates, corrected
resends, rejects, mails) is killed `--rounds` times — at a random moment, or aimed at a
batch being archived, committed or leaving the inbox — each time re-run on what the kill
left, then run to the end, and compared with a run that was never interrupted: files under
archive/ and rejected/ (path and sha256), the store's content, the inbox, the returns list.
Prints the kill points tried and where they landed, files, lost, double counted, reader
processes left behind, and the concurrency results. Exit code 1 when anything differs.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import crashkit as ck  # noqa: E402


class Bench:
    def __init__(self, root: Path, months: int):
        self.root = root
        self.template = ck.make_workspace(root / "template")
        self.source = root / "returned"
        ck.make_inbox(self.template, self.source, months=months)
        self.inputs = {ck.sha256(p) for p in self.source.rglob("*") if p.is_file()}
        reference = self.copy("reference")
        self.seconds = ck.timed_run(reference)
        self.reference = ck.end_state(reference)

    def copy(self, name: str) -> ck.Workspace:
        shutil.copytree(self.template.root, self.root / name)
        workspace = ck.Workspace((self.root / name).resolve())
        ck.fill_inbox(workspace, self.source)
        return workspace


def crashes(bench: Bench, copies: int, rounds: int, seed: int) -> bool:
    modes, phases, totals = Counter(), Counter(), Counter()
    ok = True
    for copy in range(copies):
        workspace = bench.copy(f"killed-{copy}")
        kills = ck.crash_and_resume(workspace, random.Random(seed * 1000 + copy), rounds,
                                    bench.seconds)
        result = ck.figures(workspace, bench.reference, bench.inputs)
        modes.update(k.mode for k in kills)
        phases.update(k.phase for k in kills)
        found = Counter({"orphans": sum(len(k.orphans) for k in kills),
                         "lock kept": sum(not k.lock_free for k in kills),
                         "lost": result["lost"], "double counted": result["double_counted"],
                         "temp files": len(result["temp_files"])})
        totals.update(found)
        if result["mismatched"] or any(found.values()):
            ok = False
            print(f"  copy {copy}: {result} {dict(found)}  kills: "
                  f"{[(k.mode, round(k.delay, 4), k.phase) for k in kills]}")
        else:
            shutil.rmtree(workspace.root)
    print(f"kill points tried: {sum(modes.values())} ({copies} copies × {rounds} kills, "
          f"each then run to the end)")
    print("  aimed:  " + ", ".join(f"{mode} {n}" for mode, n in sorted(modes.items())))
    print("  landed: " + ", ".join(f"{phase} {n}" for phase, n in phases.most_common()))
    print(f"files per inbox: {len(bench.inputs)}; an uninterrupted run: {bench.seconds:.2f} s")
    print(f"lost {totals['lost']}, double counted {totals['double counted']}, "
          f"reader processes left {totals['orphans']}, lock kept after a kill "
          f"{totals['lock kept']}, temp files left {totals['temp files']}, "
          f"copies differing from the uninterrupted run {0 if ok else 'SOME (above)'}")
    return ok


def faults(bench: Bench, rounds: int, seed: int) -> bool:
    """File-system faults (full disk, read-only folder, denied, a file taken away) at random
    moments in every folder; each run told (exit 1, the folder named), each re-run complete."""
    rng = random.Random(seed)
    ok, tried, told, complete = True, Counter(), 0, 0
    plan = [(kind, folder) for kind in ck.FAULT_KINDS
            for folder in (("archive",) if kind == "vanish" else ck.FAULT_FOLDERS)]
    for attempt in range(rounds):
        kind, folder = plan[attempt % len(plan)]
        after = rng.randrange(0, 60)
        workspace = bench.copy(f"fault-{attempt}")
        fault = ck.fault_and_resume(workspace, bench.source, kind, folder, after)
        result = ck.figures(workspace, bench.reference, bench.inputs)
        same = fault.rerun_code == 0 and result == {"lost": 0, "double_counted": 0,
                                                    "mismatched": [], "temp_files": []}
        tried[f"{kind}@{folder}"] += 1
        told += fault.told
        complete += same
        if not (fault.told and same):
            ok = False
            print(f"  fault {kind} in {folder} after {after} writes: exit {fault.exit_code},"
                  f" {fault.message[:200]!r}; re-run {fault.rerun_code}, {result}")
        else:
            shutil.rmtree(workspace.root)
    print(f"file-system faults: {rounds} runs ({', '.join(sorted(tried))}); told with a "
          f"message and exit 1: {told}; re-run equal to an uninterrupted run: {complete}")
    return ok


def together(bench: Bench, rounds: int) -> bool:
    ok, outcomes = True, Counter()
    for attempt in range(rounds):
        runs = 2 + attempt % 2
        workspace = bench.copy(f"together-{attempt}")
        started = [subprocess.Popen(ck.ingest_command(workspace), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True) for _ in range(runs)]
        for process in started:
            _out, err = process.communicate(timeout=300)
            refused = process.returncode == 1 and "另一个导入（ingest）正在运行" in err
            outcomes["worked" if process.returncode == 0 else
                     "refused (另一个导入…正在运行)" if refused else "FAILED"] += 1
            ok &= process.returncode == 0 or refused
        with sqlite3.connect(workspace.store_path) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        result = ck.figures(workspace, bench.reference, bench.inputs)
        same = integrity == "ok" and result == {"lost": 0, "double_counted": 0,
                                                "mismatched": [], "temp_files": []}
        ok &= same
        if not same:
            print(f"  round {attempt}: integrity {integrity}, {result}")
    print(f"runs started together: {rounds} rounds of 2 or 3 — "
          + ", ".join(f"{k} {v}" for k, v in outcomes.items())
          + f"; integrity_check ok and equal to one run: {'yes' if ok else 'NO'}")
    return ok


def reports(bench: Bench, rounds: int) -> bool:
    month = "2026-03"
    states = ck.committed_summaries(bench.copy("states"), month)
    made = mixed = 0
    seen_states = set()
    for attempt in range(rounds):
        workspace = bench.copy(f"reading-{attempt}")
        seen = ck.summaries_during_ingest(workspace, month, bench.root / "reading.out")
        made += len(seen)
        mixed += sum(summary not in states for summary in seen)
        seen_states |= set(seen) & states
    print(f"reports made while ingest ran: {made}; each 月度汇总 one a commit left: "
          f"{'yes' if not mixed else f'NO ({mixed})'} ({len(seen_states)} of {len(states)}"
          " committed states seen)")
    return not mixed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=8, help="kills per copy")
    parser.add_argument("--months", type=int, default=7, help="months of forms in the inbox")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", type=int, default=34,
                        help="runs with a file-system fault injected")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="crash-ingest-"))
    start = time.monotonic()
    try:
        bench = Bench(root, args.months)
        ok = crashes(bench, args.copies, args.rounds, args.seed)
        ok &= faults(bench, args.faults, args.seed)
        ok &= together(bench, 6)
        ok &= reports(bench, 3)
        print(f"{'OK' if ok else 'FAILED'} in {time.monotonic() - start:.0f} s")
        return 0 if ok else 1
    finally:
        if args.keep or not locals().get("ok", False):
            print(f"workspaces kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
