"""Benchmark: the annual report for a year of N people (default 5,000).

    python benchmarks/bench_report.py [--people 5000]

Set-up (not timed): a workspace with N people, twelve months of leader and office editions
stored as the ingest stores them, and a ledger. Timed: `report year` (scoring + workbook),
against a naive baseline in the same run: per-person pandas filtering of the monthly rows and
an openpyxl workbook written cell by cell.
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

LEADER = ("思想作风", "工作量", "完成情况", "工作效率")
OFFICE = ("出勤情况", "公共职责")


def fill_store(workspace, roster, year: int) -> int:
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
                         "items": {n: str(rng.choice((8, 9, 10))) for n in names},
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
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        workspace = big_workspace(folder / "ws", args.people)
        roster, _ = workspace.roster()
        forms = fill_store(workspace, roster, 2026)
        before = peak_mb()
        start = time.perf_counter()
        output = write_year_report(workspace, Year(2026), pool=Decimal("5000000"))
        product = time.perf_counter() - start
        after = peak_mb()
        small = big_workspace(folder / "small", args.naive_people)
        small_roster, _ = small.roster()
        fill_store(small, small_roster, 2026)
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
