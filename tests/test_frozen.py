"""Frozen means frozen: a signed month keeps its bureau and its bytes when the roster changes
later; the sign-off log is archived, so `rebuild` restores the sign-offs."""

from __future__ import annotations

import json

import openpyxl
from changed_bureau import fill_month
from fill import fill_monthly
from helpers import CHANGED_PEOPLE, CHANGED_SECTIONS, DUTY_CHANGES, PERSON_CHANGES, write_roster
from helpers import cli as run

from workbook_engine import store
from workbook_engine.signoff_log import LOG_NAME


def _march_signed(ws):
    fill_month(ws, 3)
    assert json.loads(run(ws, "ingest", "--json").stdout)["counts"] == {"accepted": 4}
    run(ws, "signoff", "month", "2026-03", "--by", "王局长")
    return (ws.reports / "2026-03_月度考核汇总.xlsx").read_bytes()


def _amend_march(ws):
    """A corrected 孙副 edition after the sign-off: it waits as an amendment."""
    form = ws.outbox / "2026-03" / "2026-03_月考评表_领导评分_L2_孙副.xlsx"
    fill_monthly(form, ws.inbox / "late" / "L2-更正.xlsx",
                 {"3001": ([20, 20, 30, 10], None, None), "3002": ([18, 18, 27, 9], None, None)},
                 sign="孙副")
    report = json.loads(run(ws, "ingest", "--json").stdout)
    assert report["counts"] == {"amendment": 1}, report


def test_signed_month_stays_byte_identical_and_rebuild_restores_the_signoff(changing_bureau):
    ws = changing_bureau
    signed = _march_signed(ws)
    _amend_march(ws)
    log = [json.loads(line) for line in (ws.archive / LOG_NAME).read_text("utf-8").splitlines()]
    assert [(e["scope"], e["period"], e["action"]) for e in log] == [
        ("month", "2026-03", "signoff")]
    assert len(log[0]["files"]) == 4 and "2026-03" in json.loads(log[0]["state"])
    # the roster changes: 王三 (2002) leaves on 15 April, recorded as the office does
    people = [row if row[0] != 2002 else (*row[:5], "离岗", *row[6:]) for row in CHANGED_PEOPLE]
    changes = [*PERSON_CHANGES, ("2026-04-15", 2002, "王三", "调出", None, None, None, None, None)]
    write_roster(ws.roster_path, people, CHANGED_SECTIONS, changes, DUTY_CHANGES)
    run(ws, "report", "month", "2026-03")
    assert (ws.reports / "2026-03_月度考核汇总.xlsx").read_bytes() == signed
    result = run(ws, "rebuild")
    assert "恢复 1 项签批" in result.output and "与当前数据库一致" in result.output, result.output
    run(ws, "rebuild", "--replace")
    with ws.connect() as conn:
        assert store.signed_off(conn, "month", "2026-03")
        assert len(store.pending_amendments(conn)) == 1  # the late edition waits again
    (ws.reports / "2026-03_月度考核汇总.xlsx").unlink()
    run(ws, "report", "month", "2026-03")
    assert (ws.reports / "2026-03_月度考核汇总.xlsx").read_bytes() == signed
    # reopening after the rebuild makes the late edition count, as before it
    run(ws, "reopen", "2026-03", "--reason", "孙副更正评分", "--by", "考核办")
    with ws.connect() as conn:
        assert not store.pending_amendments(conn)


def test_a_signed_month_keeps_its_people_when_the_roster_is_edited_without_a_change_row(
        changing_bureau):
    ws = changing_bureau
    _march_signed(ws)
    # the clerk marks 王三 (2002) 离岗 and forgets the 人员变动 row: for the roster now, 王三
    # was never in post this year; March, signed off, still counts them with their 90.00
    people = [row if row[0] != 2002 else (*row[:5], "离岗", *row[6:]) for row in CHANGED_PEOPLE]
    write_roster(ws.roster_path, people, CHANGED_SECTIONS, PERSON_CHANGES, DUTY_CHANGES)
    run(ws, "report", "quarter", "2026-Q1")
    sheet = openpyxl.load_workbook(ws.reports / "2026-Q1_季度考核小结.xlsx")["季度汇总"]
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True) if r[0]}
    assert rows["2002"][7] == 90 and rows["2002"][8] == "称职"
    # an open month made now follows the roster: 王三 is not in the April forms
    run(ws, "forms", "monthly", "--month", "2026-04")
    office = openpyxl.load_workbook(ws.outbox / "2026-04" / "2026-04_月考评表_考核办评分.xlsx")
    ids = [str(c.value) for c in office.worksheets[0]["A"] if c.value]
    assert "2002" not in ids and "2001" in ids


def test_scores_of_someone_the_roster_no_longer_lists_are_a_data_problem(changing_bureau):
    ws = changing_bureau
    fill_month(ws, 3)
    run(ws, "ingest")
    # 王三 (2002) set to 离岗 without a 人员变动 row, March not signed: the March scores are
    # not counted, and the report says so instead of dropping them silently
    people = [row if row[0] != 2002 else (*row[:5], "离岗", *row[6:]) for row in CHANGED_PEOPLE]
    write_roster(ws.roster_path, people, CHANGED_SECTIONS, PERSON_CHANGES, DUTY_CHANGES)
    run(ws, "report", "month", "2026-03")
    problems = [r[3] for r in openpyxl.load_workbook(ws.reports / "2026-03_月度考核汇总.xlsx")[
        "数据问题"].iter_rows(min_row=2, values_only=True)]
    assert sum("王三（2002） 2026-03 的评分" in p and "人员变动" in p for p in problems) == 1
