"""Rebuild from the archive alone gives the same scores; backup copies a consistent store."""

from __future__ import annotations

import sqlite3

from fill import fill_monthly, fill_weekly
from helpers import cli

from workbook_engine.store import current_forms


def _season(ws):
    """Two months of editions and a week of forms, one corrected resend, one duplicate."""
    for month in ("2026-03", "2026-04"):
        cli(ws, "forms", "monthly", "--month", month)
        folder = ws.outbox / month
        fill_monthly(folder / f"{month}_月考评表_领导评分_L2_孙副.xlsx", ws.inbox / month / "L2.xlsx",
                     {"3001": ([18, 19, 28, 9], None, None), "3002": ([17, 18, 27, 8], 1, "迟报")},
                     sign="孙副")
        fill_monthly(folder / f"{month}_月考评表_考核办评分.xlsx", ws.inbox / month / "office.xlsx",
                     {"3001": [10, 9], "3002": [9, 9]}, sign="考核办")
    cli(ws, "forms", "weekly", "--week", "2026-W10")
    form = ws.outbox / "2026-W10" / "办公室" / "2026-W10_周考评表_1002_周一.xlsx"
    fill_weekly(form, ws.inbox / "周一.xlsx", chief=("称职", "李办"), leader=("称职", "钱副"))
    cli(ws, "ingest")
    fill_weekly(form, ws.inbox / "周一-更正.xlsx", chief=("称职", "李办"), leader=("优秀", "钱副"))
    cli(ws, "ingest")
    (ws.inbox / "again.xlsx").write_bytes((ws.archive / "2026-03" / "L2.xlsx").read_bytes())
    cli(ws, "ingest")


def test_rebuild_from_archive_gives_identical_scores(bureau):
    _season(bureau)
    cli(bureau, "report", "year", "2026")
    report = bureau.reports / "2026_年度考核汇总.xlsx"
    before = report.read_bytes()
    with bureau.connect() as conn:
        forms = current_forms(conn)
    assert forms["weekly:2026-W10:1002"]  # the corrected version is the current one
    result = cli(bureau, "rebuild")
    assert "与当前数据库一致" in result.output
    result = cli(bureau, "rebuild", "--replace")
    assert "已替换当前数据库" in result.output
    with bureau.connect() as conn:
        assert current_forms(conn) == forms
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    cli(bureau, "report", "year", "2026")
    assert report.read_bytes() == before
    assert all(p.is_file() for p in bureau.archive.rglob("*.xlsx"))


def test_rebuild_reports_a_difference(bureau):
    _season(bureau)
    (bureau.archive / "2026-04" / "office.xlsx").unlink()  # someone deleted an archived file
    result = cli(bureau, "rebuild")
    assert "只在当前数据库中：monthly:office:2026-04" in result.output


def test_backup_is_a_consistent_copy(bureau, tmp_path):
    _season(bureau)
    result = cli(bureau, "backup", str(tmp_path / "备份") + "/")
    target = next((tmp_path / "备份").glob("*.sqlite3"))
    assert str(target) in result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with bureau.connect() as conn:
        assert current_forms(copy) == current_forms(conn)
    copy.close()
