"""Benchmark: ingest N filled forms (default 5,000 weekly + monthly) end to end.

    python benchmarks/bench_ingest.py [--forms 5000] [--naive 500] [--rounds 3]
                                      [--start-method spawn]

`--start-method spawn` starts the reader processes as on Windows (and macOS) instead of by
fork, so the Windows path is measured on Linux too.

In one run, on the same files:
  (a) naive baseline — what a script writer would do: openpyxl load_workbook per file, the
      named cells into a pandas frame (on the first --naive files: it is slow; its rate is
      what the comparison uses);
  (b) read floor — python-calamine values plus the defined names from the zip, nothing else;
  (c) `ingest` end to end — sniff, read, validate, store, archive (fsync'd), remove from inbox;
  (d) re-ingest — all N already stored plus 10 new files: must track the 10, not N.
(b) and (c) run `--rounds` times, one after the other (each ingest into a fresh copy of the
same workspace): a second or so of work moves by 10–20 % from one run to the next on a shared
machine, so the figures below are the medians of the rounds, each round printed too.
Prints forms/s for each, (c)/(a), (b)/(c), the CPU time a form costs in (b) and in (c)
(readers included: on a shared machine CPU time moves less with the load than seconds do)
and peak memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import shutil
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
from common import big_workspace, load
from python_calamine import CalamineWorkbook

from workbook_engine.forms.monthly import build_monthly_form
from workbook_engine.forms.outbox import monthly_plan, weekly_plan
from workbook_engine.forms.prepared import PreparedWeeklyForms
from workbook_engine.ingest.inbox import ingest
from workbook_engine.ingest.isolate import START_METHOD_VAR, start_method
from workbook_engine.periods import Year
from workbook_engine.workspace import Workspace


def make_forms(workspace, count: int, folder: Path) -> list[Path]:
    """Filled weekly forms week after week, plus each month's editions, until `count`."""
    made: list[Path] = []
    weekly = PreparedWeeklyForms()
    for month in Year(2026).months():
        for target, form in monthly_plan(workspace, month):
            rows = tuple(dataclasses.replace(r, items=(18, 18, 27, 9) if len(form.items) == 4
                                             else (9, 9)) for r in form.rows)
            path = folder / str(month) / target.name
            path.parent.mkdir(parents=True, exist_ok=True)
            build_monthly_form(path, dataclasses.replace(form, rows=rows, rater_sign="考核办")
                               if form.edition == "office" else dataclasses.replace(
                                   form, rows=rows, rater_sign=_rater_name(workspace, form)))
            made.append(path)
        for week in month.weeks():
            for target, form, _person in weekly_plan(workspace, week):
                values = {"work_done": "完成本周工作", "leader_grade": "称职",
                          "leader_sign": form.identity.final_rater_name}
                if form.identity.chief_name:
                    values.update(chief_grade="称职", chief_sign=form.identity.chief_name)
                path = folder / str(week) / target.name
                path.parent.mkdir(parents=True, exist_ok=True)
                weekly.write(path, dataclasses.replace(form, values=values))
                made.append(path)
                if len(made) >= count:
                    return made
    return made


def _rater_name(workspace, form) -> str:
    roster, _ = workspace.roster()
    return roster.person(form.rater_id).name


def naive(paths: list[Path]) -> float:
    start = time.perf_counter()
    rows = []
    for path in paths:
        workbook = openpyxl.load_workbook(path)
        row = {}
        for name, target in workbook.defined_names.items():
            for sheet, ref in target.destinations:
                cells = workbook[sheet][ref.replace("$", "")]
                row[name] = cells.value if not isinstance(cells, tuple) else len(cells)
        rows.append(row)
    pd.DataFrame(rows)
    return time.perf_counter() - start


def cpu_seconds() -> tuple[float, float]:
    """CPU time used so far by this process and by its finished children (the readers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def floor(paths: list[Path]) -> float:
    start = time.perf_counter()
    for path in paths:
        with zipfile.ZipFile(path) as archive:
            archive.read("xl/workbook.xml")
        workbook = CalamineWorkbook.from_path(str(path))
        for name in workbook.sheet_names:
            workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--forms", type=int, default=5000)
    parser.add_argument("--people", type=int, default=120)
    parser.add_argument("--naive", type=int, default=500, help="files in the naive sample")
    parser.add_argument("--rounds", type=int, default=3, help="floor and ingest, alternating")
    parser.add_argument("--start-method", choices=("fork", "spawn"),
                        help="how reader processes start (default: fork on Linux)")
    args = parser.parse_args()
    if args.start_method:
        os.environ[START_METHOD_VAR] = args.start_method
    folder = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        workspace = big_workspace(folder / "ws", args.people)
        source = folder / "forms"
        paths = make_forms(workspace, args.forms + 10, source)
        extra, paths = paths[args.forms:], paths[: args.forms]
        count = len(paths)
        print(f"{count} filled forms ({args.people} people; weekly forms and monthly editions;"
              f" readers started by {start_method()})   ({load()})")
        sample = paths[: args.naive]
        naive_seconds = naive(sample) * count / len(sample)
        pristine = folder / "pristine"
        shutil.copytree(workspace.root, pristine)
        rounds = []
        for number in range(1, max(1, args.rounds) + 1):
            floor_cpu = time.process_time()
            floor_seconds = floor(paths)
            floor_cpu = time.process_time() - floor_cpu
            shutil.rmtree(workspace.root)
            shutil.copytree(pristine, workspace.root)
            workspace = Workspace(workspace.root)
            for path in paths:
                target = workspace.inbox / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            os.sync()  # the inbox files are on disk before the clock starts, as in real use
            start, (own_cpu, readers_cpu) = time.perf_counter(), cpu_seconds()
            report = ingest(workspace)
            product = time.perf_counter() - start
            own_cpu, readers_cpu = (now - before for now, before in zip(
                cpu_seconds(), (own_cpu, readers_cpu)))
            assert report.counts["accepted"] == count, report.counts
            rounds.append((floor_seconds, floor_cpu, product, own_cpu, readers_cpu))
            print(f"  round {number}: floor {floor_seconds:.2f} s, ingest {product:.2f} s,"
                  f" ingest/floor {product / floor_seconds:.2f}×   ({load()})")
        floor_seconds, floor_cpu, product, own_cpu, readers_cpu = (
            statistics.median(r[i] for r in rounds) for i in range(5))
        for path in extra:
            target = workspace.inbox / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        start = time.perf_counter()
        again = ingest(workspace)
        reingest = time.perf_counter() - start
        rates = {k: count / v for k, v in (("naive", naive_seconds), ("floor", floor_seconds),
                                            ("ingest", product))}
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"  (a) naive openpyxl + pandas : {naive_seconds:7.2f} s  {rates['naive']:7.0f} forms/s"
              f"  (extrapolated from {len(sample)} files)")
        print(f"  (b) read floor (calamine)   : {floor_seconds:7.2f} s  {rates['floor']:7.0f} forms/s"
              f"  (CPU {floor_cpu * 1000 / count:.2f} ms a form, one process)")
        print(f"  (c) ingest end to end       : {product:7.2f} s  {rates['ingest']:7.0f} forms/s"
              f"  (CPU {(own_cpu + readers_cpu) * 1000 / count:.2f} ms a form: main "
              f"{own_cpu * 1000 / count:.2f}, readers {readers_cpu * 1000 / count:.2f})")
        print(f"  (c)/(a) = {rates['ingest'] / rates['naive']:.1f}×   "
              f"(b)/(c) = {rates['floor'] / rates['ingest']:.2f}×   CPU (c)/(b) = "
              f"{(own_cpu + readers_cpu) / floor_cpu:.2f}×   (medians of {len(rounds)} rounds;"
              f" (b)/(c) a round: {', '.join(f'{r[2] / r[0]:.2f}' for r in rounds)})")
        print(f"  (d) re-ingest, {count} stored + {len(extra)} new: {reingest:.2f} s "
              f"({dict(again.counts)})")
        print(f"  peak memory: main {peak:.0f} MB, largest reader process {children:.0f} MB")
        print("  targets: ≥ 1000 forms/s, ≥ 20× naive, within 1.5× of the floor, re-ingest < 1 s"
              f"   ({load()})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
