"""The roster over time: change sheets read with care, and the bureau's state on any day."""

from __future__ import annotations

import datetime as dt
import pickle

import openpyxl
from helpers import (
    CHANGED_PEOPLE,
    CHANGED_SECTIONS,
    DUTY_CHANGES,
    PEOPLE,
    PERSON_CHANGES,
    SECTIONS,
    write_roster,
)

from workbook_engine.issues import has_errors
from workbook_engine.periods import Month, Quarter, Week
from workbook_engine.roster import load_roster, write_roster_template

D = dt.date


def flat(issues):
    return [(i.sheet, i.row, i.column) for i in issues if i.is_error]


def load(tmp_path, people=CHANGED_PEOPLE, sections=CHANGED_SECTIONS, person=PERSON_CHANGES,
         duty=DUTY_CHANGES):
    path = tmp_path / "花名册.xlsx"
    write_roster(path, people, sections, person, duty)
    return load_roster(path, 2026)


def test_state_on_a_day_undoes_the_later_changes(tmp_path):
    roster, issues = load(tmp_path)
    assert not has_errors(issues), issues
    april, may, june, july = (roster.on(D(2026, m, 15)) for m in (4, 5, 6, 7))
    # the joiner: not in post before 1 May, in post from that day
    assert not april.person("4001").in_post and may.person("4001").in_post
    assert not roster.on(D(2026, 4, 30)).person("4001").in_post
    assert roster.on(D(2026, 5, 1)).person("4001").in_post
    # the leaver: in post until 30 June
    assert june.person("1002").in_post and not july.person("1002").in_post
    # the transfer: 建管股 (chief 陈建) until 31 May, then 规划股 (chief 郑规)
    assert may.person("3002").section == "建管股"
    assert may.initial_rater(may.person("3002")).name == "陈建"
    assert june.person("3002").section == "规划股"
    assert june.initial_rater(june.person("3002")).name == "郑规"
    # the leader in charge of 建管股: 孙副 until 30 June, then 钱副
    assert june.final_rater(june.person("3001")).name == "孙副"
    assert july.final_rater(july.person("3001")).name == "钱副"
    assert [p.staff_id for p in april.members("规划股")] == ["2001", "2002", "2003"]
    assert [p.staff_id for p in july.members("规划股")] == ["2001", "2002", "2003", "3002",
                                                            "4001"]
    # a day before every change is the start of the year; the roster itself is the end
    assert roster.on(D(2026, 12, 31)).people == roster.people


def test_a_period_lists_everyone_in_post_on_any_working_day_as_on_their_last(tmp_path):
    roster, _ = load(tmp_path)
    july = roster.for_period(Month(2026, 7))
    assert "1002" not in [p.staff_id for p in july.assessed()]  # left on 1 July
    june = roster.for_period(Month(2026, 6))
    assert "1002" in [p.staff_id for p in june.assessed()]
    q2 = roster.for_period(Quarter(2026, 2))
    # 褚五 moved in June: the quarter lists them under 规划股, rated by 钱副 via 郑规
    chu = q2.person("3002")
    assert chu.section == "规划股" and q2.initial_rater(chu).name == "郑规"
    assert "4001" in [p.staff_id for p in q2.assessed()]
    q1 = roster.for_period(Quarter(2026, 1))
    assert "4001" not in [p.staff_id for p in q1.assessed()]
    # a week is the state of its Thursday: 2026-W18 (27 April–3 May) has Thursday 30 April
    assert not roster.for_period(Week(2026, 18)).person("4001").in_post
    assert roster.for_period(Week(2026, 19)).person("4001").in_post


def test_a_copied_roster_keeps_the_year_and_the_raters_of_each_period(tmp_path):
    """The copy a reader process started by spawn gets (pickled) checks forms against the
    bureau of their own period, as the roster it was copied from does."""
    roster, _ = load(tmp_path)
    copy = pickle.loads(pickle.dumps(roster))
    assert copy == roster and copy.changes == roster.changes
    for period in (Week(2026, 10), Week(2026, 18), Week(2026, 19), Month(2026, 6),
                   Month(2026, 7), Quarter(2026, 2)):
        then, copied = roster.for_period(period), pickle.loads(pickle.dumps(roster.for_period(
            period)))
        assert copy.for_period(period) == then == copied
        for person in then.people.values():
            expected = (then.initial_rater(person), then.final_rater(person))
            assert (copied.initial_rater(person), copied.final_rater(person)) == expected
    assert copy.for_period(Week(2026, 10)).person("1002").in_post  # left on 1 July
    assert copy.for_period(Quarter(2026, 2)).person("3002").section == "规划股"


def test_leader_row_naming_the_director_is_accepted(tmp_path):
    sections = [*SECTIONS, ("局领导", None, "L0")]
    path = tmp_path / "花名册.xlsx"
    write_roster(path, PEOPLE, sections)
    roster, issues = load_roster(path, 2026)
    assert not has_errors(issues), issues
    assert roster.final_rater(roster.person("L1")).name == "赵局"
    # the 局长 named for an ordinary 股室 is still an error
    write_roster(path, PEOPLE, [("办公室", 1001, "L0"), *SECTIONS[1:]])
    _, issues = load_roster(path, 2026)
    assert ("股室", 2, "分管领导工号") in flat(issues)


def test_change_rows_that_do_not_fit_are_refused_naming_sheet_row_and_column(tmp_path):
    person = [
        ("2026-07-01", 1002, "周一", "调出", None, None, None, None, None),  # 2 fine
        ("2026-05-01", 4001, "何新", "调入", None, None, None, None, None),  # 3 fine
        ("2026-06-01", 3002, "褚五", "调岗", "建管股", "规划股", None, None, None),  # 4 fine
        ("2026-03-01", 9999, "无名", "调入", None, None, None, None, None),  # 5 unknown 工号
        ("2026-08-01", 4001, "何新", "调入", None, None, None, None, None),  # 6 already in post
        ("2026-03-01", 2002, "王三", "调岗", "建管股", "办公室", None, None, None),  # 7 not now
        ("2025-12-01", 2002, "王三", "离岗", None, None, None, None, None),  # 8 outside year
        ("2026-03-01", 2002, "王三", "调岗", "规划股", "财务股", None, None, None),  # 9 unknown 股室
        ("2026-03-01", 2002, "王三", "升职", None, None, None, None, None),  # 10 bad 变动
        ("2026-03-01", 2002, "王五", "离岗", None, None, None, None, None),  # 11 name ≠ 工号
        ("2026-03-01", 2004, "冯四", "职务变动", None, None, "一般干部职工", "股室长", None),  # 12
        ("2026-03-01", 2002, "王三", "调岗", None, None, None, None, None),  # 13 no 股室
        ("三月", 2002, "王三", "离岗", None, None, None, None, None),  # 14 bad date
        ("2026-04-01", 2004, "冯四", "职务变动", None, None, "一般干部职工", "股室长", None),  # 15
    ]
    duty = [
        ("2026-07-01", "建管股", None, None, "L2", "L1"),  # 2 fine
        ("2026-08-01", "建管股", None, None, "L2", "L1"),  # 3 原 is 钱副 by then
        ("2026-08-01", "财务股", None, None, "L1", "L2"),  # 4 unknown 股室
        ("2026-08-01", "办公室", 1001, 1002, None, None),  # 5 新股室长 not a 股室长
        ("2026-08-01", "办公室", None, None, None, None),  # 6 nothing changed
        ("2026-08-01", "办公室", None, None, "L1", "X9"),  # 7 unknown 工号
    ]
    roster, issues = load(tmp_path, person=person, duty=duty)
    assert flat(issues) == [
        ("人员变动", 5, "工号"),
        ("人员变动", 6, "变动"),
        ("人员变动", 7, "新股室"),
        ("人员变动", 8, "日期"),
        ("人员变动", 9, "新股室"),
        ("人员变动", 10, "变动"),
        ("人员变动", 11, "姓名"),
        ("人员变动", 13, "原股室"),
        ("人员变动", 13, "新股室"),
        ("人员变动", 14, "日期"),
        ("人员变动", 15, "原职务类别"),
        ("人员变动", 15, "新职务类别"),
        ("分工变动", 3, "原分管领导工号"),
        ("分工变动", 4, "股室"),
        ("分工变动", 5, "新股室长工号"),
        ("分工变动", 5, "新股室长工号"),
        ("分工变动", 6, "新股室长工号"),
        ("分工变动", 7, "新分管领导工号"),
    ], [str(i) for i in issues if i.is_error]
    messages = {(i.sheet, i.row): i.message for i in issues}
    assert "已经在岗" in messages[("人员变动", 6)]
    assert "现在是「规划股」" in messages[("人员变动", 7)]
    issue15 = next(i for i in issues if (i.row, i.column) == (15, "原职务类别"))
    assert "之前是「股室长」" in issue15.message
    assert "钱副" in messages[("分工变动", 3)]


def test_a_change_whose_result_is_not_the_roster_now_is_refused(tmp_path):
    # 周一 left on 1 July, but 人员 still says 在岗
    people = [row if row[0] != 1002 else (*row[:5], "在岗", *row[6:]) for row in CHANGED_PEOPLE]
    _, issues = load(tmp_path, people=people)
    assert flat(issues) == [("人员变动", 2, "变动")]
    assert "现在是「在岗」" in issues[0].message


def test_template_has_the_change_sheets_with_dropdowns_and_an_example(tmp_path):
    path = tmp_path / "花名册.xlsx"
    write_roster_template(path)
    workbook = openpyxl.load_workbook(path)
    changes = workbook["人员变动"]
    assert [c.value for c in changes[1]] == ["日期", "工号", "姓名", "变动", "原股室", "新股室",
                                             "原职务类别", "新职务类别", "说明"]
    lists = [v.formula1 for v in changes.data_validations.dataValidation if v.type == "list"]
    assert any("调入" in f and "职务变动" in f for f in lists)
    assert [c.value for c in workbook["分工变动"][1]] == [
        "日期", "股室", "原股室长工号", "新股室长工号", "原分管领导工号", "新分管领导工号"]
    help_text = " ".join(str(c.value) for row in workbook["填写说明"].iter_rows() for c in row
                         if c.value)
    assert "调岗 | 规划股 | 建管股" in help_text
    roster, issues = load_roster(path, 2026)
    assert not has_errors(issues) and not roster.changes
