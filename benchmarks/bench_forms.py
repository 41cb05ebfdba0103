"""Benchmark: weekly forms for N people (default 5,000) against a naive openpyxl baseline.

    python benchmarks/bench_forms.py [--people 5000] [--baseline 300]

The baseline is what a script writer would do: load the blank template with openpyxl, fill the
identity cells by their defined names, save, once per person. It runs on a sample of people
and its rate is extrapolated; the product's `forms weekly` runs on everybody.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import openpyxl
from common import ROOT, big_workspace, peak_mb

from workbook_engine.forms.outbox import generate_weekly_forms
from workbook_engine.periods import parse_week


def naive(template: Path, folder: Path, people: list, week: str) -> float:
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for person in people:
        workbook = openpyxl.load_workbook(template)
        for name, value in (("staff_id", person.staff_id), ("staff_name", person.name),
                            ("section", person.section), ("period", week)):
            (sheet, ref), = list(workbook.defined_names[name].destinations)
            workbook[sheet][ref.replace("$", "")].value = value
        workbook.save(folder / f"{person.staff_id}.xlsx")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--baseline", type=int, default=300, help="people in the naive sample")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-forms-"))
    try:
        workspace = big_workspace(folder / "ws", args.people)
        roster, _ = workspace.roster()
        people = roster.assessed()
        week = parse_week("2026-W10")
        start = time.perf_counter()
        result = generate_weekly_forms(workspace, week)
        product = time.perf_counter() - start
        sample = people[: args.baseline]
        baseline = naive(ROOT / "templates" / "weekly_form.xlsx", folder / "naive", sample,
                         str(week))
        naive_rate = len(sample) / baseline
        print(f"weekly forms for {len(people)} people")
        print(f"  forms weekly (product): {product:8.2f} s  {len(result.files) / product:8.0f} forms/s")
        print(f"  naive openpyxl ({len(sample)} sampled): {baseline:6.2f} s  {naive_rate:8.0f} forms/s"
              f"  → {len(people) / naive_rate:.1f} s for everybody (extrapolated)")
        print(f"  speed-up: {len(result.files) / product / naive_rate:.1f}×   "
              f"peak memory: {peak_mb():.0f} MB   target: < 30 s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
