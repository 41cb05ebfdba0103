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
# A leader edition made before the 评定等次 column existed (still read: blank = by the score).
HEADERS = [*layout.MONTHLY_ID_HEADERS, layout.WEEKLY_SUMMARY_HEADER, *(i.header for i in ITEMS),
           layout.DEDUCTION_HEADER, layout.REASON_HEADER, layout.TOTAL_HEADER,
           layout.REMARK_HEADER]
# Today's leader edition: 评定等次 between 合计 and 备注.
GRADED = list(layout.monthly_columns(layout.LEADER_EDITION, tuple(i.header for i in ITEMS)).headers)
EXPECTED = {"1002": SimpleNamespace(name="周一"), "2002": SimpleNamespace(name="王三")}


def flat(issues):
    return [(i.row, i.column, i.code) for i in issues]


def line(staff_id, name="周一", scores=("18", "18", "27", "9"), deduction="", reason=""):
    return [staff_id, name, "办公室", "称职4次", *scores, deduction, reason, "", ""]


def graded(staff_id, grade, remark="", scores=("18", "18", "27", "9"), deduction=""):
    """A row of today's leader edition with 评定等次 and 备注."""
    return [staff_id, "周一", "办公室", "称职4次", *scores, deduction, "", "", grade, remark]


def table(*rows, headers=HEADERS) -> rules.Table:
    raw = RawForm(file="月.xlsx", file_kind="xlsx", table=[headers, *rows],
                  table_sheet=layout.MONTHLY_SHEET, table_row=4)
    index = {h: i for i, h in enumerate(headers)}
    return rules.Table(raw, POLICY, layout.LEADER_EDITION, ITEMS,
                       {item.name: index[item.header] for item in ITEMS}, dict(EXPECTED),
                       deduction_col=index[layout.DEDUCTION_HEADER],
                       reason_col=index[layout.REASON_HEADER],
                       remark_col=index[layout.REMARK_HEADER],
                       rated_grade_col=index.get(layout.RATED_GRADE_HEADER))


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
        "deduction_value", "rated_grade_value", "row_complete", "deduction_has_reason",
        "rated_grade_has_remark"]


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


def test_item_scores_of_numbers_as_read_from_a_sheet():
    """Floats (as calamine reads number cells): NaN is broken input, not blank; inf is no
    number; negative zero is zero; a text cell of spaces is blank."""
    ok, issues, row = check_one(rules.item_scores,
                                line("1002", scores=(float("nan"), float("inf"), -0.0, "  ")))
    assert ok is True
    assert issues == [(5, "思想作风(20)", "score.not_number"),
                      (5, "工作量(20)", "score.not_number")]
    assert row.blank == ["工作效率(10)"]
    assert (row.scores["完成情况"], row.scores["思想作风"]) == (0, None)


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


def test_rated_grade_value():
    def read(value):
        return check_one(rules.rated_grade_value, graded("1002", value), table(headers=GRADED))

    assert read("称职")[1:] == ([], read("称职")[2]) and read("称职")[2].rated_grade == "称职"
    assert read(" 基本　称职 ")[2].rated_grade == "基本称职"  # spaces, full-width space
    assert read(None)[2].rated_grade == ""
    ok, issues, row = read("良好")
    assert ok is True and issues == [(5, "评定等次", "form.bad_grade")] and row.rated_grade == ""
    out = Collector(table(headers=GRADED).raw)
    rules.rated_grade_value(rules.Row(graded("1002", "良好"), {"sheet": "月考评表", "row": 5}),
                            table(headers=GRADED), out)
    assert str(out.issues[0]) == ("月.xlsx，工作表「月考评表」，第 5 行，「评定等次」列："
                                  "「评定等次」填写的「良好」不是有效等次，应为：优秀、称职、基本称职、不称职")
    # a form without the column: nothing to read, nothing refused
    assert check_one(rules.rated_grade_value, line("1002"))[1] == []


def test_a_rated_grade_needs_scores_on_its_row():
    empty = check_one(rules.row_complete, graded("1002", "称职", scores=("", "", "", "")),
                      table(headers=GRADED),
                      prepared=[rules.item_scores, rules.deduction_value, rules.rated_grade_value])
    assert empty[:2] == (True, [(5, "评定等次", "monthly.grade_without_scores")])


def test_rated_grade_has_remark_when_the_leader_part_already_decides():
    steps = [rules.item_scores, rules.deduction_value, rules.rated_grade_value]

    def run(grade, remark="", scores=("18", "18", "27", "9"), deduction=""):
        return check_one(rules.rated_grade_has_remark,
                         graded("1002", grade, remark, scores, deduction),
                         table(headers=GRADED), prepared=steps)[1]

    # leader 72 (+ office 0..20) → 72.00～92.00: 基本称职 or 称职; 优秀/不称职 cannot be the band
    assert run("优秀") == [(5, "备注", "monthly.rated_grade_without_remark")]
    assert run("不称职") == [(5, "备注", "monthly.rated_grade_without_remark")]
    assert run("优秀", remark="抗洪抢险表现突出") == []
    assert run("称职") == [(5, "备注", "monthly.rated_grade_unexplained")]  # scoring decides
    # leader 40 − 履职扣分 2 → 38.00～58.00: only 不称职, so 不称职 is certain (nothing said)
    assert run("不称职", scores=("10", "10", "15", "5"), deduction="2") == []
    assert run("基本称职", scores=("10", "10", "15", "5"), deduction="2") == [
        (5, "备注", "monthly.rated_grade_without_remark")]
    out = Collector(table(headers=GRADED).raw)
    row = rules.Row(graded("1002", "优秀"), {"sheet": "月考评表", "row": 5})
    for step in (*steps, rules.rated_grade_has_remark):
        step(row, table(headers=GRADED), out)
    assert str(out.issues[0]) == (
        "月.xlsx，工作表「月考评表」，第 5 行，「备注」列：评定等次「优秀」与得分对应的等次不一致："
        "本行领导评分减履职扣分为 72.00 分，加上考核办评分后月度得分在 72.00～92.00 分之间，"
        "等次应为称职或基本称职。评定等次与得分等次不同的，须在「备注」中写明理由")


def test_check_rows_stores_the_rated_grade():
    the_table = table(graded("1002", "优 秀", remark="抢险"), graded("2002", ""), headers=GRADED)
    the_table.expected["2002"] = SimpleNamespace(name="王三")
    out = Collector(the_table.raw)
    kept = rules.check_rows(the_table, out)
    assert [(r["staff_id"], r.get("rated_grade"), r["remark"]) for r in kept] == [
        ("1002", "优秀", "抢险"), ("2002", None, "")]  # blank: no key, the hash of before
    assert out.issues == []
