"""`report month|quarter|year`: the period's report, rebuilt while the period is open, the kept
signed bytes (reports/已签批/) once it is signed off, and its Word draft (drafts.py); the
period is computed once for both. Signing itself is in signoff.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from workbook_engine import store
from workbook_engine.periods import parse_month, parse_quarter, parse_year
from workbook_engine.reports.annual import write_year_report, year_figures, year_report_path
from workbook_engine.reports.drafts import draft_notes, write_draft
from workbook_engine.reports.monthly import (
    ReportOutput,
    month_figures,
    month_report_path,
    write_month_report,
)
from workbook_engine.reports.quarterly import (
    quarter_figures,
    quarter_report_path,
    write_quarter_report,
)
from workbook_engine.workspace import Workspace


@dataclass
class Scope:
    parse: Callable
    write: Callable
    path: Callable
    figures: Callable


SCOPES = {
    "month": Scope(parse_month, write_month_report, month_report_path, month_figures),
    "quarter": Scope(parse_quarter, write_quarter_report, quarter_report_path, quarter_figures),
    "year": Scope(parse_year, write_year_report, year_report_path, year_figures),
}


def signed_report(workspace: Workspace, scope: str, period: str) -> Path | None:
    """The kept signed report of a frozen period, or None when the period is open."""
    with workspace.connect() as conn:
        if not store.signed_off(conn, scope, period):
            return None
        last = store.signoff_log(conn, scope, period)[-1]
    return workspace.root / last["report_path"]


def write_report(workspace: Workspace, scope: str, period_text: str,
                 pool: Decimal | None = None) -> tuple[ReportOutput, bool, Path]:
    """The period's report (rebuilt while open, the kept signed bytes once frozen) and its
    Word draft, both from one computation of the period; (report, frozen, draft path)."""
    spec = SCOPES[scope]
    period = spec.parse(period_text)
    workspace.check_period(period)
    kwargs = {"pool": pool} if scope == "year" else {}
    figures = spec.figures(workspace, period, also=draft_notes(workspace, scope, period),
                           **kwargs)
    kept = signed_report(workspace, scope, str(period))
    target = spec.path(workspace, period)
    if kept is not None and kept.is_file():
        shutil.copyfile(kept, target)
        with workspace.connect() as conn:
            last = store.signoff_log(conn, scope, str(period))[-1]
        output, frozen = ReportOutput(target, last["fingerprint"], []), True
    else:
        output, frozen = spec.write(workspace, period, figures=figures, **kwargs), False
    return output, frozen, write_draft(workspace, scope, period, figures)
