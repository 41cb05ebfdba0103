"""Benchmark: the demo year (README's first command) against its own forms step done naively.

    python benchmarks/bench_demo.py [--people 60] [--rounds 1]

In one run, alternately:
  (a) `demo` as shipped — weekly forms from prepared templates;
  (b) the same demo with every weekly form (sent and returned) written by the form builder,
      one xlsxwriter workbook per form, as the demo did before the templates.
Both simulate the same bureau with the same seed; the two year reports must be the same bytes.
Prints each run's seconds, the ratio and the load.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
import time
from pathlib import Path

from common import load

from workbook_engine.demo.run import run_demo
from workbook_engine.forms.prepared import PreparedWeeklyForms


def timed_demo(root: Path, people: int, built: bool) -> tuple[float, str, dict]:
    original = PreparedWeeklyForms.data
    if built:
        PreparedWeeklyForms.data = PreparedWeeklyForms._build  # every form built afresh
    try:
        start = time.perf_counter()
        result = run_demo(root, people=people)
        seconds = time.perf_counter() - start
    finally:
        PreparedWeeklyForms.data = original
    digest = hashlib.sha256(result.year_report.read_bytes()).hexdigest()
    return seconds, digest, dict(result.counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-demo-"))
    try:
        print(f"demo year, {args.people} people   ({load()})")
        for round_ in range(1, args.rounds + 1):
            shipped, shipped_hash, counts = timed_demo(folder / "a", args.people, built=False)
            print(f"  round {round_} (a) demo as shipped:        {shipped:7.1f} s   ({load()})")
            naive, naive_hash, _ = timed_demo(folder / "b", args.people, built=True)
            print(f"  round {round_} (b) forms built one by one: {naive:7.1f} s   ({load()})")
            same = "same" if shipped_hash == naive_hash else "DIFFERENT"
            print(f"  round {round_} (b)/(a) = {naive / shipped:.2f}×   year reports {same}   "
                  f"{counts}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
