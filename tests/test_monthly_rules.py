"""Each row check of a returned monthly form (ingest/monthly_rules.ROW_CHECKS) on its own,
its issues as flat (row, column, code) lists; then the whole list on one table."""

from __future__ import annotations

from types import SimpleNamespace

from workbook_engine.forms import layout
from workbook_engine.ingest import monthly_rules as rules
from workbook_engine.ingest.checks import Collector
from workbook_engine.ingest.read import RawForm
from workbook_engine.policy import default_policy

POLICY = default_policy()
ITEMS = POLICY.leader_items  # 思想作风(20) 工作量(20) 完成情况(30) 工作效率(10)
HEADERS = [*layout.MONTHLY_ID_HEADERS, layout.WEEKLY_SUMMARY_HEADER, *(i.header for i in ITEMS),
           layout.DEDUCTION_HEADER, layout.REASON_HEADER, layout.TOTAL_HEADER,
           layout.REMARK_HEADER]
EXPECTED = {"1002": SimpleNamespace(name="周一"), "2002": SimpleNamespace(name="王三")}


def flat(issues):
    return [(i.row, i.column, i.code) for i in issues]


def line(staff_id, name="周一", scores=("18", "18", "27", "9"), deduction="", reason=""):
    return [staff_id, name, "办公室", "称职4次", *scores, deduction, reason, "", ""]


def table(*rows) -> rules.Table:
    raw = RawForm(file="月.xlsx", file_kind="xlsx", table=[HEADERS, *rows],
                  table_sheet=layout.MONTHLY_SHEET, table_row=4)
    index = {h: i for i, h in enumerate(HEADERS)}
    return rules.Table(raw, POLICY, layout.LEADER_EDITION, ITEMS,
                       {item.name: index[item.header] for item in ITEMS}, dict(EXPECTED),
                       deduction_col=index[layout.DEDUCTION_HEADER],
                       reason_col=index[layout.REASON_HEADER],
                       remark_col=index[layout.REMARK_HEADER])


def check_one(check, cells, the_table=None, sheet_row=5, prepared=()):
    """Run one check on one row (after the checks it relies on); its result and issues."""
    the_table = the_table or table(cells)
    out = Collector(the_table.raw)
    row = rules.Row(cells, {"sheet": layout.MONTHLY_SHEET, "row": sheet_row})
    for earlier in prepared:
        earlier(row, the_table, Collector(the_table.raw))
    return check(row, the_table, out), flat(out.issues), row


def test_the_checks_run_in_this_order():
    assert [c.__name__ for c in rules.ROW_CHECKS] == [
        "staff_id_present", "staff_id_once", "person_expected", "item_scores",
        "deduction_value", "row_complete", "deduction_has_reason"]


def test_staff_id_present():
    assert check_one(rules.staff_id_present, line("1002"))[:2] == (True, [])
    assert check_one(rules.staff_id_present, line(" "))[:2] == (
        False, [(5, "工号", "monthly.no_staff_id")])


def test_staff_id_once():
    the_table = table()
    first = check_one(rules.staff_id_once, line("1002"), the_table, 5, [rules.staff_id_present])
    second = check_one(rules.staff_id_once, line("1002"), the_table, 6, [rules.staff_id_present])
    assert first[:2] == (True, [])
    assert second[:2] == (False, [(6, "工号", "monthly.duplicate_row")])


def test_person_expected():
    ok = check_one(rules.person_expected, line("2002"), prepared=[rules.staff_id_present])
    stranger = check_one(rules.person_expected, line("9999", "外人"), prepared=[rules.staff_id_present])
    assert ok[:2] == (True, [])
    assert stranger[:2] == (False, [(5, "工号", "monthly.unexpected_person")])


def test_item_scores():
    ok, issues, row = check_one(rules.item_scores, line("1002", scores=("18", "", "31", "九")))
    assert ok is True
    assert issues == [(5, "完成情况(30)", "score.out_of_range"),
                      (5, "工作效率(10)", "score.not_number")]
    assert row.blank == ["工作量(20)"]
    assert set(row.scores) == {"思想作风", "完成情况", "工作效率"}


def test_deduction_value():
    assert check_one(rules.deduction_value, line("1002", deduction="2"))[1] == []
    assert check_one(rules.deduction_value, line("1002", deduction="-1"))[1] == [
        (5, "履职扣分", "score.out_of_range")]


def test_row_complete():
    partial = check_one(rules.row_complete, line("1002", scores=("18", "", "", "")),
                  prepared=[rules.item_scores, rules.deduction_value])
    whole = check_one(rules.row_complete, line("1002"), prepared=[rules.item_scores])
    blank = check_one(rules.row_complete, line("1002", scores=("", "", "", "")),
                prepared=[rules.item_scores, rules.deduction_value])
    assert partial[:2] == (True, [(5, "", "monthly.partial_row")])
    assert whole[:2] == (True, [])
    assert blank[:2] == (True, []) and blank[2].assessed is False  # 未考核


def test_deduction_has_reason():
    without = check_one(rules.deduction_has_reason, line("1002", deduction="2"),
                  prepared=[rules.deduction_value])
    with_reason = check_one(rules.deduction_has_reason, line("1002", deduction="2", reason="迟到"),
                      prepared=[rules.deduction_value])
    assert without[:2] == (True, [(5, "扣分事由", "monthly.deduction_without_reason")])
    assert with_reason[:2] == (True, [])


def test_check_rows_keeps_the_rows_that_pass_and_notes_who_is_missing():
    the_table = table(line("1002", deduction="2", reason="迟到"), line("1002"),
                      ["", "", "", "", "", "", "", "", "", "", "", ""], line("8888", "外人"))
    out = Collector(the_table.raw)
    kept = rules.check_rows(the_table, out)
    assert [r["staff_id"] for r in kept] == ["1002"]
    assert kept[0]["deduction"] == "2" and kept[0]["reason"] == "迟到"
    assert flat(out.issues) == [(6, "工号", "monthly.duplicate_row"),
                                (8, "工号", "monthly.unexpected_person"),
                                (None, "", "monthly.row_missing")]
