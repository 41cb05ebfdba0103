"""Benchmark: weekly forms for N people (default 5,000) against a naive openpyxl baseline.

    python benchmarks/bench_forms.py [--people 5000] [--baseline 300]

Two baselines in the same run, on a sample of people (their rates are extrapolated; the
product's `forms weekly` runs on everybody):
  naive   — what a script writer would do: load the blank template with openpyxl, fill the
            identity cells by their defined names, save, once per person;
  builder — the form builder (xlsxwriter) run for each person, which the product runs once per
            form shape before patching each person's copy.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import openpyxl
from common import ROOT, big_workspace, load, peak_mb

from workbook_engine.forms.outbox import generate_weekly_forms, weekly_plan
from workbook_engine.forms.weekly import build_weekly_form
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


def builder(jobs: list, folder: Path) -> float:
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for target, form, _person in jobs:
        build_weekly_form(folder / target.name, form)
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
        print(f"weekly forms for {len(people)} people   ({load()})")
        start = time.perf_counter()
        result = generate_weekly_forms(workspace, week)
        product = time.perf_counter() - start
        rate = len(result.files) / product
        sample = people[: args.baseline]
        naive_rate = len(sample) / naive(ROOT / "templates" / "weekly_form.xlsx",
                                         folder / "naive", sample, str(week))
        jobs = weekly_plan(workspace, week)[: args.baseline]
        builder_rate = len(jobs) / builder(jobs, folder / "builder")
        print(f"  forms weekly (product):        {product:7.2f} s  {rate:6.0f} forms/s")
        for label, other in ((f"naive openpyxl ({len(sample)} sampled)", naive_rate),
                             (f"builder per form ({len(jobs)} sampled)", builder_rate)):
            print(f"  {label:30} {len(people) / other:7.1f} s  {other:6.0f} forms/s"
                  f"  (extrapolated)  product is {rate / other:.1f}×")
        print(f"  peak memory: {peak_mb():.0f} MB   targets: ≥ 50× naive, < 30 s   ({load()})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
