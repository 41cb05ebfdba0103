"""Helpers of the faithful-intake tests: a bureau workspace copied per test, LibreOffice edits
through its UNO bridge (tests/lo_uno.py under the system Python), the stored values."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import UNO_PYTHON, office_jobs, soffice, write_roster

from workbook_engine.cli import main
from workbook_engine.workspace import Workspace, init_workspace

XLS, ODS, XLSX, FODS = "MS Excel 97", "calc8", "Calc Office Open XML", "OpenDocument Spreadsheet Flat XML"


def run(ws: Workspace, *args: str):
    result = CliRunner().invoke(main, ["-w", str(ws.root), *args])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def ingest(ws: Workspace) -> dict:
    result = run(ws, "ingest", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def bureau_with_forms(root: Path, weeks=("2026-W10", "2026-W11"), months=("2026-03",)) -> Workspace:
    init_workspace(root, 2026)
    ws = Workspace(root.resolve())
    write_roster(ws.roster_path)
    for week in weeks:
        assert run(ws, "forms", "weekly", "--week", week).exit_code == 0
    for month in months:
        assert run(ws, "forms", "monthly", "--month", month).exit_code == 0
    return ws


def copy_workspace(ws: Workspace, root: Path) -> Workspace:
    shutil.copytree(ws.root, root)
    return Workspace(root.resolve())


def weekly_path(ws: Workspace, sid: str, name: str, section: str, week: str = "2026-W10") -> Path:
    return ws.outbox / week / section / f"{week}_周考评表_{sid}_{name}.xlsx"


def leader_path(ws: Workspace, rater: str, month: str = "2026-03") -> Path:
    (found,) = (ws.outbox / month).glob(f"{month}_月考评表_领导评分_{rater}_*.xlsx")
    return found


def office_path(ws: Workspace, month: str = "2026-03") -> Path:
    return ws.outbox / month / f"{month}_月考评表_考核办评分.xlsx"


def libreoffice(jobs: list[dict], folder: Path) -> None:
    """Open, edit and save each job's workbook in LibreOffice (see tests/lo_uno.py)."""
    soffice()
    if not Path(UNO_PYTHON).exists():
        pytest.skip("no system Python with the LibreOffice UNO bridge")
    for job in jobs:
        Path(job["dst"]).parent.mkdir(parents=True, exist_ok=True)
    done = office_jobs(jobs, folder)
    missing = [j["dst"] for j in jobs if not Path(j["dst"]).is_file()]
    assert done.returncode == 0 and not missing, (done.stdout, done.stderr, missing)


def weekly_row(ws: Workspace, staff_id: str, week: str) -> dict | None:
    """The current weekly form's payload of a person and week."""
    with ws.connect() as conn:
        row = conn.execute(
            "SELECT payload FROM submissions WHERE state = 'current' AND form_key = ?",
            (f"weekly:{week}:{staff_id}",)).fetchone()
    return json.loads(row[0]) if row else None


def monthly_rows(ws: Workspace, key: str) -> dict[str, dict]:
    """Stored rows of the current monthly form `key` (e.g. monthly:office:2026-03) by 工号."""
    with ws.connect() as conn:
        rows = conn.execute(
            "SELECT m.staff_id, m.assessed, m.items, m.deduction, m.reason, m.remark"
            " FROM monthly_rows m JOIN submissions s ON s.id = m.submission_id"
            " WHERE s.state = 'current' AND s.form_key = ?", (key,)).fetchall()
    return {r[0]: {"assessed": r[1], "items": json.loads(r[2]), "deduction": r[3],
                   "reason": r[4], "remark": r[5]} for r in rows}


def outcome_of(report: dict, name: str) -> dict:
    (found,) = [o for o in report["outcomes"] if o["file"] == name]
    return found


def codes(outcome: dict) -> list[str]:
    return [i["code"] for i in outcome["issues"]]
