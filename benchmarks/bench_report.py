"""Benchmark: the annual report for a year of N people (default 5,000).

    python benchmarks/bench_report.py [--people 5000] [--low-share 0.03]

Set-up (not timed): a workspace with N people, twelve months of leader and office editions
stored as the ingest stores them, and a ledger. Timed: `report year` (scoring + workbook),
against a naive baseline in the same run: per-person pandas filtering of the monthly rows and
an openpyxl workbook written cell by cell.

Stored scores are 75–100 % of each item's maximum; a `--low-share` of the rows score 40–55 %
(不称职 months, listed on the talk sheet). `--low-share 1` is the worst case: every person
不称职 every month (the 诫勉谈话 sheet gets a row for each of the 60,000 person-months).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
from common import big_workspace, load, peak_mb

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--naive-people", type=int, default=1000,
                        help="the naive baseline runs on a roster this size (it is slow)")
    parser.add_argument("--low-share", type=float, default=LOW_SHARE,
                        help="share of stored rows scored low (不称职)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
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
