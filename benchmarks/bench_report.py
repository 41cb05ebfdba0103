"""Benchmark: the annual report for a year of N people (default 5,000).

    python benchmarks/bench_report.py [--people 5000] [--low-share 0.03]
    python benchmarks/bench_report.py --compare-to 4c76ed4 [--rounds 2] [--cli] [--phases]

Set-up (not timed): a workspace with N people, twelve months of leader and office editions
stored as the ingest stores them, and a ledger. Timed: `report year` (scoring + workbook),
against a naive baseline in the same run: per-person pandas filtering of the monthly rows and
an openpyxl workbook written cell by cell.

Stored scores are 75–100 % of each item's maximum; a `--low-share` of the rows score 40–55 %
(不称职 months, listed on the talk sheet). `--low-share 1` is the worst case: every person
不称职 every month (the 诫勉谈话 sheet gets a row for each of the 60,000 person-months).

`--compare-to REV` (a git revision of this repository, or a folder holding a
`workbook_engine` package): an A/B of the report itself instead. The same stored year is
reported by REV's code and by this tree's, alternating, each run a fresh process
(`write_year_report` after the imports the CLI has): CPU time (process_time), wall time and
the report's memory (peak RSS minus RSS after the imports), and the sha256 of each output.
`--cli` also times `workbook-engine report year` (the whole command, with its Word draft;
CPU and peak RSS of the process). `--phases`: where this tree's report spends CPU and memory.
REV must read the store this tree writes (no migration since REV).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
from common import ROOT, big_workspace, children_cpu, code_of, load, peak_mb

from workbook_engine import store
from workbook_engine.ingest.validate import FormRecord
from workbook_engine.periods import Year
from workbook_engine.reports.annual import write_year_report

LEADER = {"思想作风": 20, "工作量": 20, "完成情况": 30, "工作效率": 10}  # item → its maximum
OFFICE = {"出勤情况": 10, "公共职责": 10}
LOW_SHARE = 0.03  # about 3 % of a month's rows score 不称职 (they go on the talk list)


def _items(names: dict[str, int], rng: random.Random, low: bool) -> dict[str, str]:
    """Scores as a rater gives them: 75–100 % of each item's maximum, 40–55 % for a low row."""
    share = (0.40, 0.55) if low else (0.75, 1.0)
    return {n: str(round(top * rng.uniform(*share))) for n, top in names.items()}


def fill_store(workspace, roster, year: int, low_share: float = LOW_SHARE) -> int:
    rng = random.Random(7)
    count = 0
    with workspace.connect() as conn, store.Transaction(conn):
        for month in Year(year).months():
            editions = [("leader", rater.staff_id, roster.rated_by(rater.staff_id))
                        for rater in roster.final_raters()]
            editions.append(("office", "", roster.assessed()))
            for edition, rater, people in editions:
                names = LEADER if edition == "leader" else OFFICE
                rows = [{"staff_id": p.staff_id, "sheet_row": 5 + i, "assessed": True,
                         "items": _items(names, rng, low=rng.random() < low_share),
                         "deduction": "0", "reason": "", "remark": ""}
                        for i, p in enumerate(people)]
                payload = {"month": str(month), "edition": edition, "rater_id": rater,
                           "rows": rows, "rater_sign": "x", "rater_date": ""}
                record = FormRecord("monthly", edition, rater, str(month), payload)
                file_id = store.insert_file(
                    conn, sha256=f"{count:064d}", original_name=f"{count}.xlsx",
                    original_path=f"{count}.xlsx", stored_path="", size=1, sender="",
                    container_id=None, received_at="2026-12-31T00:00:00", outcome="accepted")
                store.insert_submission(conn, file_id=file_id, record=record, state="current",
                                        received_at="2026-12-31T00:00:00")
                count += 1
    return count


def naive(workspace, roster, target: Path) -> float:
    """A script writer's version: pandas filtering per person, openpyxl cell by cell."""
    start = time.perf_counter()
    with workspace.connect() as conn:
        frame = pd.read_sql_query("SELECT staff_id, month, edition, items FROM monthly_rows", conn)
    frame["total"] = frame["items"].map(lambda text: sum(float(v) for v in
                                                         json.loads(text).values()))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["工号", "姓名", "月均分"])
    for person in roster.assessed():
        mine = frame[frame["staff_id"] == person.staff_id]
        months = mine.groupby("month")["total"].sum()
        sheet.append([person.staff_id, person.name, round(months.mean(), 2)])
    workbook.save(target)
    return time.perf_counter() - start


# One report in a fresh process, by the workbook_engine found first on sys.path (PYTHONPATH).
RUNNER = r"""
import hashlib, json, sys, time
from decimal import Decimal
from pathlib import Path
import pandas, python_calamine, xlsxwriter  # imported before the clock, as in the CLI
from workbook_engine.periods import Year
from workbook_engine.reports import annual
from workbook_engine.workspace import Workspace
workspace, target, phases = Workspace(Path(sys.argv[1])), Path(sys.argv[2]), sys.argv[3] == "1"
def status(key):  # this process's own figures (ru_maxrss counts the parent's at fork)
    with open("/proc/self/status") as lines:
        return next(int(l.split()[1]) for l in lines if l.startswith(key + ":")) / 1024
def peak():
    return status("VmHWM")
def rss():
    return status("VmRSS")
marks = []
if phases:  # CPU and memory at the report's phase boundaries (this tree's code)
    from workbook_engine.reports import book
    def mark(name):
        marks.append((name, time.process_time(), rss(), peak()))
    def wrap(owner, name, label):
        inner = getattr(owner, name)
        def wrapped(*args, **kwargs):
            out = inner(*args, **kwargs)
            mark(label)
            return out
        setattr(owner, name, wrapped)
    wrap(annual, "year_figures", "year computed (year_figures)")
    wrap(annual, "_write_sheets", "sheets written (cells, rows)")
    wrap(book.ReportBook, "close", "file assembled (XML, zip)")
before, cpu, wall = peak(), time.process_time(), time.perf_counter()
if phases:
    mark("start")
annual.write_year_report(workspace, Year(2026), pool=Decimal("5000000"), target=target)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"cpu": cpu, "wall": wall, "mb": peak() - before, "base": before,
                  "sha": hashlib.sha256(target.read_bytes()).hexdigest(),
                  "marks": [(n, t - marks[0][1], r - before, p - before) for n, t, r, p in marks]}))
"""


# `workbook-engine ARGS…` in a fresh process; its peak RSS printed last on stderr.
CLI_RUNNER = r"""
import atexit, runpy, sys
def peak():
    with open("/proc/self/status") as lines:
        kb = next(int(l.split()[1]) for l in lines if l.startswith("VmHWM:"))
    print(f"peak-rss-kb {kb}", file=sys.stderr)
atexit.register(peak)
sys.argv = ["workbook-engine", *sys.argv[1:]]
runpy.run_module("workbook_engine", run_name="__main__", alter_sys=True)
"""


def _run(code: Path, args: list[str]) -> tuple[str, str, float]:
    """A fresh Python process with `code` first on its path: its stdout, stderr and CPU."""
    before = children_cpu()
    done = subprocess.run([sys.executable, *args], capture_output=True, cwd=tempfile.gettempdir(),
                          env={**os.environ, "PYTHONPATH": str(code)})
    if done.returncode:
        raise SystemExit(f"run failed: {args[:3]} with {code}\n{done.stderr.decode()[-2000:]}")
    return done.stdout.decode(), done.stderr.decode(), children_cpu() - before


def compare(args, folder: Path) -> None:
    """Report the same stored year by REV's code and this tree's, alternating."""
    workspace = big_workspace(folder / "ws", args.people)
    roster, _ = workspace.roster()
    fill_store(workspace, roster, 2026, args.low_share)
    sides = {args.compare_to: code_of(args.compare_to, folder), "this tree": ROOT}
    print(f"annual report A/B, {len(roster.assessed())} people, low share {args.low_share}"
          f"   ({load()})")
    results: dict[str, list] = {name: [] for name in sides}
    for round_ in range(1, args.rounds + 1):
        for name, code in sides.items():
            phases = "1" if args.phases and code == ROOT else "0"
            out, _, _ = _run(code, ["-c", RUNNER, str(workspace.root), str(folder / "out.xlsx"),
                                    phases])
            run = json.loads(out)
            results[name].append(run)
            print(f"  round {round_} {name:>12}: {run['cpu']:5.2f} s CPU  {run['wall']:5.2f} s "
                  f"wall  {run['mb']:5.0f} MB (peak RSS {run['base'] + run['mb']:.0f} MB, "
                  f"{run['base']:.0f} after imports)  sha256 {run['sha'][:12]}   ({load()})")
            for label, cpu, now, top in run["marks"][1:]:
                print(f"      {label:30} at {cpu:5.2f} s CPU   RSS {now:5.0f} MB   "
                      f"peak {top:5.0f} MB")
            if args.cli:
                command = ["-w", str(workspace.root), "report", "year", "2026",
                           "--bonus-pool", "5000000"]
                _, err, cli_cpu = _run(code, ["-c", CLI_RUNNER, *command])
                usage = {"cpu": cli_cpu, "mb": int(err.split("peak-rss-kb ")[-1]) / 1024}
                made = workspace.root / "reports" / "2026_年度考核汇总.xlsx"
                digest = hashlib.sha256(made.read_bytes()).hexdigest()
                results[name][-1]["cli"] = usage
                print(f"  round {round_} {name:>12}: CLI report year {usage['cpu']:5.2f} s CPU  "
                      f"peak RSS {usage['mb']:5.0f} MB  sha256 {digest[:12]}")
    old, new = results[args.compare_to], results["this tree"]
    same = {run["sha"] for run in old + new}
    cpu = min(r["cpu"] for r in new) / min(r["cpu"] for r in old)
    memory = max(r["mb"] for r in new) / min(r["mb"] for r in old)
    print(f"  this tree / {args.compare_to}: CPU {cpu:.0%} (best against best), memory "
          f"{memory:.0%} (worst against best); outputs "
          f"{'the same bytes' if len(same) == 1 else 'DIFFER'}   ({load()})")
    if args.cli:
        cli = (min(r["cli"]["cpu"] for r in new) / min(r["cli"]["cpu"] for r in old),
               max(r["cli"]["mb"] for r in new) / min(r["cli"]["mb"] for r in old))
        print(f"  CLI report year: CPU {cli[0]:.0%}, peak RSS {cli[1]:.0%} (whole process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--naive-people", type=int, default=1000,
                        help="the naive baseline runs on a roster this size (it is slow)")
    parser.add_argument("--low-share", type=float, default=LOW_SHARE,
                        help="share of stored rows scored low (不称职)")
    parser.add_argument("--compare-to", metavar="REV",
                        help="A/B the report against this git revision (or package folder)")
    parser.add_argument("--rounds", type=int, default=2, help="A/B rounds (alternating)")
    parser.add_argument("--cli", action="store_true", help="A/B also `report year` (CLI)")
    parser.add_argument("--phases", action="store_true",
                        help="A/B: this tree's CPU and memory at each phase of the report")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        if args.compare_to:
            compare(args, folder)
            return
        workspace = big_workspace(folder / "ws", args.people)
        roster, _ = workspace.roster()
        forms = fill_store(workspace, roster, 2026, args.low_share)
        before = peak_mb()
        start = time.perf_counter()
        output = write_year_report(workspace, Year(2026), pool=Decimal("5000000"))
        product = time.perf_counter() - start
        after = peak_mb()
        small = big_workspace(folder / "small", args.naive_people)
        small_roster, _ = small.roster()
        fill_store(small, small_roster, 2026, args.low_share)
        baseline = naive(small, small_roster, folder / "naive.xlsx")
        rate_product = len(roster.assessed()) / product
        rate_naive = len(small_roster.assessed()) / baseline
        print(f"annual report for {len(roster.assessed())} people ({forms} stored monthly editions)"
              f"   ({load()})")
        print(f"  report year (product): {product:7.2f} s  {rate_product:8.0f} people/s  "
              f"→ {output.path.name}")
        print(f"  naive pandas+openpyxl ({len(small_roster.assessed())} people): {baseline:7.2f} s"
              f"  {rate_naive:8.0f} people/s")
        print(f"  speed-up: {rate_product / rate_naive:.1f}×   peak memory: {after:.0f} MB "
              f"(before the report {before:.0f} MB)   target: < 5 s and < 500 MB   ({load()})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
