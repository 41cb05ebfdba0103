"""Filling the changed bureau's monthly forms (conftest CHANGED_*), shared by
test_bureau_over_time and test_frozen: every leader edition of a month and the office's form,
filled with the scores below and dropped into the inbox."""

from __future__ import annotations

import datetime as dt

import openpyxl
from fill import fill_monthly
from helpers import cli

NINETY = ([18, 18, 27, 9], [9, 9])  # 72 + 18 = 90
SCORES = {"1002": ([19, 18, 28, 9], [9, 9]),  # 74 + 18 = 92
          "4001": ([18, 17, 27, 8], [9, 9])}  # 70 + 18 = 88
NAMES = {"L0": "赵局", "L1": "钱副", "L2": "孙副"}


def rows_of(form):
    sheet = openpyxl.load_workbook(form)
    (name, ref), = list(sheet.defined_names["scores"].destinations)
    cells = sheet[name][ref.replace("$", "")]
    return [str(row[0].value) for row in cells[1:] if row[0].value]


def fill_month(ws, month: int) -> dict[str, list[str]]:
    """Generate and fill the month's editions; returns each leader edition's rows."""
    period = f"2026-{month:02d}"
    cli(ws, "forms", "monthly", "--month", period)
    folder = ws.outbox / period
    office, editions = {}, {}
    for form in sorted(folder.glob("*领导评分_*.xlsx")):
        rater = form.stem.split("_")[3]
        people = rows_of(form)
        editions[rater] = people
        scores = {}
        for staff_id in people:
            leader, office_items = SCORES.get(staff_id, NINETY)
            scores[staff_id] = (leader, None, None)
            office[staff_id] = office_items
        fill_monthly(form, ws.inbox / period / f"{rater}.xlsx", scores, sign=NAMES[rater],
                     date=dt.date(2026, month, 28))
    fill_monthly(folder / f"{period}_月考评表_考核办评分.xlsx", ws.inbox / period / "考核办.xlsx",
                 office, sign="考核办小李")
    return editions
