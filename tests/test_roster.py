"""The roster loader, its review chain and issues, and the roster and ledger templates."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from helpers import flat

from workbook_engine.issues import has_errors
from workbook_engine.ledger_template import (
    ACTIVITY_HEADERS,
    ACTIVITY_SHEET,
    LEAVE_HEADERS,
    LEAVE_SHEET,
    PRAISE_HEADERS,
    PRAISE_SHEET,
    write_ledger_template,
)
from workbook_engine.roster import (
    CATEGORIES,
    PEOPLE_HEADERS,
    SECTION_HEADERS,
    load_roster,
    parse_date,
    write_roster_template,
)

ISSUERS = ("省委省政府", "州委州政府", "省级部门", "县委县政府", "州级部门", "县级部门")

# A small bureau as another program writes it: 工号 as numbers, dates as text in several
# spellings, an Excel serial number, blank flags (= 是).
PEOPLE = [
    [1001, "王建国", "局领导", "局长", "1990-07-01", "在岗", "否", "否"],  # row 2
    [1002, "李明", "局领导", "分管领导", "1996/8/1", "在岗", "", ""],  # row 3
    [1003, "赵红", "局领导", "分管领导", "1999.09.01", "在岗", "是", "是"],  # row 4
    [2001, "陈静", "办公室", "股室长", "2006年7月1日", "在岗", "是", "是"],  # row 5
    [2002, "刘洋", "办公室", "一般干部职工", "2012-08", "在岗", "是", "是"],  # row 6
    [2101, "周强", "规划股", "股室长", dt.date(2004, 7, 1), "在岗", "是", "是"],  # row 7
    [2102, "吴敏", "规划股", "一般干部职工", 40422, "在岗", None, "否"],  # row 8
    [2103, "孙丽", "规划股", "一般干部职工", "2008-03-01", "离岗", "否", "否"],  # row 9
]
SECTIONS = [
    ["办公室", 2001, 1002],  # row 2
    ["规划股", 2101, 1002],  # row 3
]


def write_roster(path: Path, people=PEOPLE, sections=SECTIONS, headers=PEOPLE_HEADERS) -> Path:
    """花名册.xlsx written by openpyxl, the way another program fills the contract."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "人员"
    sheet.append(list(headers))
    for row in people:
        sheet.append(list(row))
    chiefs = workbook.create_sheet("股室")
    chiefs.append(list(SECTION_HEADERS))
    for row in sections:
        chiefs.append(list(row))
    workbook.save(path)
    return path


def ids(people):
    return [p.staff_id for p in people]


# --- a good roster --------------------------------------------------------------------


def test_sample_template_loads_clean_with_the_review_chain(tmp_path):
    path = tmp_path / "花名册.xlsx"
    write_roster_template(path)
    roster, issues = load_roster(path)
    assert issues == []
    assert roster.file == "花名册.xlsx"
    assert roster.director_id == "1001"
    assert list(roster.sections) == ["办公室", "规划股", "建管股", "局领导"]
    staff = roster.person("2102")
    assert roster.needs_initial_rating(staff)
    assert roster.initial_rater(staff).staff_id == "2101"
    assert roster.final_rater(staff).staff_id == "1002"
    chief = roster.person("2201")
    assert not roster.needs_initial_rating(chief)
    assert roster.initial_rater(chief) is None
    assert roster.final_rater(chief).staff_id == "1003"
    assert roster.final_rater(roster.person("1003")).staff_id == "1001"
    assert roster.final_rater(roster.person("1001")) is None
    assert ids(roster.assessed()) == [
        "1002", "1003", "2001", "2002", "2003", "2101", "2102", "2103", "2201", "2202", "2203",
    ]  # fmt: skip
    assert ids(roster.rated_by("1002")) == ["2001", "2002", "2003", "2101", "2102", "2103"]
    assert ids(roster.rated_by(1003)) == ["2201", "2202", "2203"]
    assert ids(roster.rated_by("1001")) == ["1002", "1003"]
    assert ids(roster.final_raters()) == ["1001", "1002", "1003"]
    assert ids(roster.members("规划股")) == ["2101", "2102", "2103"]  # 2104 is 离岗
    assert roster.person("2003").ranked is False
    assert roster.person("2104").in_post is False
    assert roster.person("1002").start_date == dt.date(1996, 8, 1)


def test_roster_written_by_another_program(tmp_path):
    roster, issues = load_roster(write_roster(tmp_path / "花名册.xlsx"))
    assert issues == []
    assert list(roster.people) == ["1001", "1002", "1003", "2001", "2002", "2101", "2102", "2103"]
    dates = [p.start_date for p in roster.people.values()]
    assert dates == [
        dt.date(1990, 7, 1), dt.date(1996, 8, 1), dt.date(1999, 9, 1), dt.date(2006, 7, 1),
        dt.date(2012, 8, 1), dt.date(2004, 7, 1), dt.date(2010, 9, 1), dt.date(2008, 3, 1),
    ]  # fmt: skip
    wu = roster.person(2102)
    assert (wu.assessed, wu.ranked, wu.row) == (True, False, 8)
    assert roster.person("1002").ranked is True  # blank 参加排名 = 是
    assert ids(roster.final_raters()) == ["1001", "1002"]
    assert ids(roster.rated_by("1002")) == ["2001", "2002", "2101", "2102"]


def test_reordered_and_extra_columns_full_width_ids_and_blank_rows(tmp_path):
    path = tmp_path / "花名册.xlsx"
    frame = pd.DataFrame(
        {
            "备注": ["", "", "", "借调"],
            " 姓名 ": ["王建国", "李 明", "陈静", "刘洋"],
            "工号": ["Ａ００１", " A002", "B001", 1001.0],
            "职务类别": ["局长", "分管领导", "股室长", "一般干部职工"],
            "股室": ["局领导", "", "办公室", "办公室"],
            "参加工作时间": ["1990-07", "20000701", dt.datetime(2006, 7, 1, 8, 30), "2012.8.1"],
            "在岗状态": ["在岗", "在 岗", "在岗", "在岗"],
            "参加考核": ["否", "是", "是", "是"],
            "参加排名": ["否", "是", "是", "否"],
        }
    )
    blank = pd.DataFrame([{column: None for column in frame.columns}])
    frame = pd.concat([frame.iloc[:2], blank, frame.iloc[2:]], ignore_index=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="人员", index=False)
        pd.DataFrame(
            {"分管领导工号": ["A002"], "股室": ["办公室"], "股室长工号": ["B001"]}
        ).to_excel(writer, sheet_name="股室", index=False)
    roster, issues = load_roster(path)
    assert issues == []
    assert list(roster.people) == ["A001", "A002", "B001", "1001"]
    li = roster.person("A002")
    assert (li.name, li.section, li.start_date, li.row) == (
        "李明",
        "局领导",
        dt.date(2000, 7, 1),
        3,
    )
    assert roster.person("1001").row == 6  # row 4 is blank and skipped
    assert roster.person("1001").ranked is False
    assert roster.final_rater(roster.person("1001")).staff_id == "A002"
    assert roster.final_rater(li).staff_id == "A001"


def test_two_people_share_a_name(tmp_path):
    people = PEOPLE + [[2104, " 刘 洋", "规划股", "一般干部职工", "2020-07-01", "在岗", "是", "是"]]
    roster, issues = load_roster(write_roster(tmp_path / "花名册.xlsx", people))
    assert issues == []
    assert ids(roster.find_by_name("刘洋")) == ["2002", "2104"]
    assert ids(roster.find_by_name("刘  洋 ")) == ["2002", "2104"]
    assert ids(roster.find_by_name("吴敏")) == ["2102"]
    assert roster.find_by_name("无此人") == []
    assert roster.find_by_name("") == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (dt.date(2005, 7, 1), dt.date(2005, 7, 1)),
        (dt.datetime(2005, 7, 1, 9, 0), dt.date(2005, 7, 1)),
        (38534, dt.date(2005, 7, 1)),
        (38534.0, dt.date(2005, 7, 1)),
        ("38534", dt.date(2005, 7, 1)),
        ("2005-07-01", dt.date(2005, 7, 1)),
        ("2005/7/1", dt.date(2005, 7, 1)),
        ("2005.07.01", dt.date(2005, 7, 1)),
        ("2005年7月1日", dt.date(2005, 7, 1)),
        ("２００５年７月１日", dt.date(2005, 7, 1)),
        ("2005-07", dt.date(2005, 7, 1)),
        ("2005年7月", dt.date(2005, 7, 1)),
        ("20050701", dt.date(2005, 7, 1)),
        (20050701, dt.date(2005, 7, 1)),
        ("2005-07-01 00:00:00", dt.date(2005, 7, 1)),
        ("2005-13-01", None),
        ("2005-02-30", None),
        ("2005", None),
        ("七月", None),
        ("", None),
        (None, None),
        (True, None),
        (-3, None),
        ("1850-01-01", None),
    ],
)
def test_parse_date(typed, expected):
    assert parse_date(typed) == expected


# --- problems --------------------------------------------------------------------------


def test_every_problem_is_reported_at_once(tmp_path):
    people = [row[:] for row in PEOPLE] + [
        [2002, "刘洋", "办公室", "一般干部职工", "2015-07-01", "在岗", "是", "是"],  # row 10
        [2201, "", "财务股", "科员", "2005-13-01", "休假", "不", "是"],  # row 11
        [None, "黄涛", "建管股", "股室长", "2001-07-01", "在岗", "是", "是"],  # row 12
        [None, None, None, None, None, None, None, None],  # row 13, blank: skipped
        [2301, "林芳", "建管股", "一般干部职工", None, "在岗", "是", "是"],  # row 14
        [1004, "钱多", "局领导", "局长", "1991-07-01", "在岗", "否", "否"],  # row 15
    ]
    sections = SECTIONS + [["建管股", 9999, None], ["办公室", 2001, 1003]]  # rows 4, 5
    roster, issues = load_roster(write_roster(tmp_path / "花名册.xlsx", people, sections))
    assert flat(issues) == [
        ("人员", 10, "工号", "roster.duplicate_id"),
        ("人员", 11, "姓名", "roster.blank_name"),
        ("人员", 11, "职务类别", "roster.bad_value"),
        ("人员", 11, "参加工作时间", "roster.bad_date"),
        ("人员", 11, "在岗状态", "roster.bad_value"),
        ("人员", 11, "参加考核", "roster.bad_value"),
        ("人员", 11, "股室", "roster.unknown_section"),
        ("人员", 12, "工号", "roster.blank_id"),
        ("人员", 14, "参加工作时间", "roster.blank_date"),
        ("人员", 15, "职务类别", "roster.multiple_directors"),
        ("股室", 4, "股室长工号", "roster.unknown_rater"),
        ("股室", 4, "分管领导工号", "roster.no_leader"),
        ("股室", 5, "股室", "roster.duplicate_section"),
    ]
    assert has_errors(issues)
    assert [i.severity for i in issues].count("warning") == 1
    assert issues[0].message == "工号「2002」重复（第 6 行已使用）"
    assert (
        str(issues[0])
        == "花名册.xlsx，工作表「人员」，第 10 行，「工号」列：工号「2002」重复（第 6 行已使用）"
    )
    assert (
        issues[2].message
        == "「职务类别」填写了「科员」，只能填写：一般干部职工、股室长、分管领导、局长"
    )
    assert issues[-1].message == "股室「办公室」重复（第 2 行已填写）"
    assert roster.person("2002").row == 6  # the first one is kept


def _change(rows, index, column, value):
    rows = [row[:] for row in rows]
    rows[index][PEOPLE_HEADERS.index(column) if isinstance(column, str) else column] = value
    return rows


def _without(rows, index):
    return [row[:] for n, row in enumerate(rows) if n != index]


GENERAL, CHIEF = "一般干部职工", "股室长"
EXTRA = [2104, "郑磊", "规划股", GENERAL, "2016-07-01", "在岗", "是", "是"]  # row 10

PROBLEMS = {
    # name: (people, sections, [(sheet, row, column, code, severity)], words in the message)
    "blank 工号": (
        _change(PEOPLE, 4, "工号", None), SECTIONS,
        [("人员", 6, "工号", "roster.blank_id", "error")], "「工号」不能为空（姓名：刘洋）",
    ),
    "blank 姓名": (
        _change(PEOPLE, 4, "姓名", " "), SECTIONS,
        [("人员", 6, "姓名", "roster.blank_name", "error")], "「姓名」不能为空",
    ),
    "blank 职务类别": (
        _change(PEOPLE, 4, "职务类别", None), SECTIONS,
        [("人员", 6, "职务类别", "roster.blank_value", "error")], "「职务类别」不能为空，应填写：一般干部职工、股室长、分管领导、局长",
    ),
    "bad 在岗状态": (
        _change(PEOPLE, 4, "在岗状态", "病假"), SECTIONS,
        [("人员", 6, "在岗状态", "roster.bad_value", "error")], "「在岗状态」填写了「病假」，只能填写：在岗、离岗",
    ),
    "bad 参加排名": (
        _change(PEOPLE, 4, "参加排名", "Y"), SECTIONS,
        [("人员", 6, "参加排名", "roster.bad_value", "error")], "只能填写：是、否",
    ),
    "blank 股室": (
        _change(PEOPLE, 4, "股室", None), SECTIONS,
        [("人员", 6, "股室", "roster.blank_value", "error")], "「股室」不能为空",
    ),
    "bad date": (
        _change(PEOPLE, 4, "参加工作时间", "2012年13月"), SECTIONS,
        [("人员", 6, "参加工作时间", "roster.bad_date", "error")], "「2012年13月」，不是有效的日期",
    ),
    "blank date": (
        _change(PEOPLE, 4, "参加工作时间", None), SECTIONS,
        [("人员", 6, "参加工作时间", "roster.blank_date", "warning")], "应休年休假天数",
    ),
    "unknown 股室": (
        _change(PEOPLE, 4, "股室", "办公 室 2"), SECTIONS,
        [("人员", 6, "股室", "roster.unknown_section", "error")], "股室「办公室2」不在「股室」表中",
    ),
    "unknown 股室 of someone not assessed": (
        _change(PEOPLE, 7, "股室", "撤销的股"), SECTIONS,
        [("人员", 9, "股室", "roster.unknown_section", "warning")], "股室「撤销的股」",
    ),
    "股室 without 分管领导": (
        PEOPLE, [["办公室", 2001, None], SECTIONS[1]],
        [("股室", 2, "分管领导工号", "roster.no_leader", "error")], "股室「办公室」未填写分管领导工号",
    ),
    "股室长工号 not in 人员": (
        PEOPLE, [["办公室", 2009, 1002], SECTIONS[1]],
        [("人员", 5, "职务类别", "roster.chief_not_listed", "warning"),
         ("股室", 2, "股室长工号", "roster.unknown_rater", "error")],
        "股室长工号「2009」在「人员」表中不存在",
    ),
    "分管领导工号 of a 股室长": (
        PEOPLE, [["办公室", 2001, 2101], SECTIONS[1]],
        [("股室", 2, "分管领导工号", "roster.rater_category", "error")],
        "分管领导工号「2101」（周强）的职务类别是「股室长」，应为「分管领导」",
    ),
    "股室长工号 of a 一般干部职工": (
        PEOPLE, [["办公室", 2002, 1002], SECTIONS[1]],
        [("人员", 5, "职务类别", "roster.chief_not_listed", "warning"),
         ("股室", 2, "股室长工号", "roster.rater_category", "error")],
        "的职务类别是股室长，但「股室」表中「办公室」填写的是「2002」",
    ),
    "一般干部职工 in a 股室 without 股室长": (
        _change(PEOPLE, 3, "职务类别", GENERAL), [["办公室", None, 1002], SECTIONS[1]],
        [("人员", 5, "股室", "roster.no_initial_rater", "error"),
         ("人员", 6, "股室", "roster.no_initial_rater", "error")],
        "股室「办公室」未填写股室长工号，无法确定「陈静」的初评人",
    ),
    "一般干部职工 in 局领导": (
        _change(PEOPLE, 4, "股室", "局领导"), SECTIONS,
        [("人员", 6, "股室", "roster.no_leader", "error")], "「局领导」只包括局长和分管领导",
    ),
    "分管领导 without a 局长": (
        _change(PEOPLE, 0, "在岗状态", "离岗"), SECTIONS,
        [("人员", 3, "职务类别", "roster.no_director", "error"),
         ("人员", 4, "职务类别", "roster.no_director", "error")],
        "分管领导由局长评定，但「人员」表中没有在岗的局长",
    ),
    "two 局长": (
        _change(PEOPLE, 2, "职务类别", "局长"), SECTIONS,
        [("人员", 4, "职务类别", "roster.multiple_directors", "error"),
         ("人员", 4, "参加考核", "roster.director_unrated", "warning")],
        "只能有一位在岗的局长（第 2 行已有局长「王建国」）",
    ),
    "assessed 局长": (
        _change(PEOPLE, 0, "参加考核", "是"), SECTIONS,
        [("人员", 2, "参加考核", "roster.director_unrated", "warning")], "请将「参加考核」填为「否」",
    ),
    "股室长 not listed as chief": (
        PEOPLE + [[2105, "郑磊", "规划股", CHIEF, "2016-07-01", "在岗", "是", "是"]], SECTIONS,
        [("人员", 10, "职务类别", "roster.chief_not_listed", "warning")], "「规划股」填写的是「2101」",
    ),
    "分管领导 outside 局领导": (
        _change(PEOPLE, 1, "股室", "办公室"), SECTIONS,
        [("人员", 3, "股室", "roster.leader_section", "warning")], "分管领导应属于「局领导」",
    ),
    "股室长 of another 股室": (
        PEOPLE, [["办公室", 2101, 1002], ["规划股", 2101, 1002]],
        [("人员", 5, "职务类别", "roster.chief_not_listed", "warning"),
         ("股室", 2, "股室长工号", "roster.chief_section", "warning")],
        "属于「规划股」，不是「办公室」",
    ),
    "rater 离岗": (
        _change(PEOPLE, 5, "在岗状态", "离岗"), SECTIONS,
        [("股室", 3, "股室长工号", "roster.rater_not_in_post", "warning")], "在「人员」表中为离岗",
    ),
    "no people": (
        [], [], [("人员", None, "", "roster.empty", "error")], "「人员」表中没有人员",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", PROBLEMS)
def test_each_kind_of_problem(tmp_path, name):
    people, sections, expected, words = PROBLEMS[name]
    _, issues = load_roster(write_roster(tmp_path / "花名册.xlsx", people, sections))
    assert [(i.sheet, i.row, i.column, i.code, i.severity) for i in issues] == expected
    assert any(words in i.message for i in issues), [i.message for i in issues]
    assert all(i.file == "花名册.xlsx" for i in issues)


def test_warnings_alone_do_not_block(tmp_path):
    people = _change(PEOPLE, 4, "参加工作时间", None)
    roster, issues = load_roster(write_roster(tmp_path / "花名册.xlsx", people))
    assert issues and not has_errors(issues)
    assert roster.person("2002").start_date is None


def test_no_director_is_fine_when_no_leader_is_assessed(tmp_path):
    people = _change(_change(PEOPLE, 0, "在岗状态", "离岗"), 1, "参加考核", "否")
    people = _change(people, 2, "参加考核", "否")
    roster, issues = load_roster(write_roster(tmp_path / "花名册.xlsx", people))
    assert issues == []
    assert roster.director_id is None


# --- unusable files --------------------------------------------------------------------


def test_missing_headers_are_all_reported(tmp_path):
    headers = [
        "工号",
        "名字",
        "股室",
        "职务类别",
        "参加工作日期",
        "在岗状态",
        "参加考核",
        "参加排名",
    ]
    path = write_roster(tmp_path / "花名册.xlsx", headers=headers)
    roster, issues = load_roster(path)
    assert flat(issues) == [
        ("人员", 1, "姓名", "roster.missing_header"),
        ("人员", 1, "参加工作时间", "roster.missing_header"),
    ]
    assert issues[0].message == "工作表「人员」缺少表头「姓名」（表头须在第 1 行）"
    assert roster.people == {} and roster.sections == {}


def test_header_below_a_title_row_gets_a_hint(tmp_path):
    path = write_roster(tmp_path / "花名册.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook["人员"].insert_rows(1)
    workbook["人员"]["A1"] = "2026年花名册"
    workbook.save(path)
    _, issues = load_roster(path)
    assert len(issues) == len(PEOPLE_HEADERS)
    assert issues[0].message.endswith("；第 2 行像是表头，请删除它上面的行")


def test_duplicate_header(tmp_path):
    headers = [*PEOPLE_HEADERS, "姓名"]
    path = write_roster(tmp_path / "花名册.xlsx", [row + ["x"] for row in PEOPLE], headers=headers)
    roster, issues = load_roster(path)
    assert flat(issues) == [("人员", 1, "姓名", "roster.duplicate_header")]
    assert roster.people == {}


def test_missing_sheet(tmp_path):
    path = tmp_path / "花名册.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Sheet1"
    workbook.create_sheet("股室").append(list(SECTION_HEADERS))
    workbook.save(path)
    roster, issues = load_roster(path)
    assert flat(issues) == [("人员", None, "", "roster.missing_sheet")]
    assert issues[0].message == "找不到工作表「人员」（文件中的工作表：「Sheet1」、「股室」）"
    assert roster.people == {}


def test_file_not_found(tmp_path):
    roster, issues = load_roster(tmp_path / "花名册.xlsx")
    assert [(i.code, i.file) for i in issues] == [("roster.file_not_found", "花名册.xlsx")]
    assert "找不到文件" in issues[0].message
    assert roster.people == {} and roster.director_id is None


@pytest.mark.parametrize("content", ["text", "zip", "folder"])
def test_not_a_workbook(tmp_path, content):
    path = tmp_path / "花名册.xlsx"
    if content == "text":
        path.write_text("工号,姓名\n1001,张三\n", encoding="utf-8")
    elif content == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "not a workbook")
    else:
        path.mkdir()
    roster, issues = load_roster(path)
    assert [i.code for i in issues] == [
        "roster.file_not_found" if content == "folder" else "roster.unreadable"
    ]
    assert roster.people == {}


# --- templates -------------------------------------------------------------------------


def _validations(sheet) -> dict[str, tuple]:
    """Column letter of each validation → (type, formula1, prompt title)."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        column = str(validation.sqref).split(":")[0].rstrip("0123456789")
        found[column] = (validation.type, validation.formula1, validation.promptTitle)
    return found


def test_roster_template_layout(tmp_path):
    path = tmp_path / "花名册.xlsx"
    write_roster_template(path, sample=False)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["人员", "股室", "人员变动", "分工变动", "填写说明"]
    people, sections = workbook["人员"], workbook["股室"]
    assert [c.value for c in people[1]] == [*PEOPLE_HEADERS, "邮箱"]  # 邮箱 optional (SPEC §4.1)
    assert [c.value for c in sections[1]] == list(SECTION_HEADERS)
    assert people.freeze_panes == "A2" and people.auto_filter.ref == "A1:I2"
    assert people.max_row == 1
    assert [c.value for c in sections[2]] == ["局领导", None, None]
    checks = _validations(people)
    assert checks["C"] == ("list", "'股室'!$A$2:$A$1001", "股室")
    assert checks["D"] == ("list", '"' + ",".join(CATEGORIES) + '"', "职务类别")
    assert checks["E"][0] == "date"
    assert checks["F"] == ("list", '"在岗,离岗"', "在岗状态")
    assert checks["G"] == ("list", '"是,否"', "参加考核")
    assert checks["H"] == ("list", '"是,否"', "参加排名")
    assert checks["I"] == (None, None, "邮箱")  # input help only (any value)
    assert set(checks) == set("ABCDEFGHI")
    assert all(v.prompt for v in people.data_validations.dataValidation)
    assert people.column_dimensions["E"].width > 12
    notes = workbook["填写说明"]
    topics = [notes.cell(row, 1).value for row in range(3, notes.max_row + 1)]
    assert topics[2:11] == [*PEOPLE_HEADERS, "邮箱"]


def test_roster_template_sample_cells_and_reproducible_bytes(tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_roster_template(first)
    write_roster_template(second)
    assert first.read_bytes() == second.read_bytes()
    people = openpyxl.load_workbook(first)["人员"]
    assert people["A2"].value == "1001" and people["A2"].number_format == "@"
    assert people["E2"].number_format == "yyyy-mm-dd"
    assert people["E2"].value == dt.datetime(1990, 7, 1)


def test_ledger_template(tmp_path):
    path = tmp_path / "加减分台账.xlsx"
    write_ledger_template(path, ISSUERS)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [PRAISE_SHEET, ACTIVITY_SHEET, LEAVE_SHEET, "诫勉谈话", "整改台账",
                                   "填写说明"]
    assert (PRAISE_SHEET, ACTIVITY_SHEET, LEAVE_SHEET) == ("表扬批评", "活动", "休假")
    assert PRAISE_HEADERS == ("日期", "类别", "发文机关", "文号", "范围", "对象", "事由")
    assert ACTIVITY_HEADERS == ("日期", "活动名称", "组织单位", "工号", "姓名")
    assert LEAVE_HEADERS == ("工号", "姓名", "应休年休假天数", "已休年休假天数", "事假天数")
    for name, headers in [
        (PRAISE_SHEET, PRAISE_HEADERS),
        (ACTIVITY_SHEET, ACTIVITY_HEADERS),
        (LEAVE_SHEET, LEAVE_HEADERS),
    ]:
        assert [c.value for c in workbook[name][1]] == list(headers)
        assert workbook[name].max_row == 1
        assert workbook[name].freeze_panes == "A2"
    issuers = '"' + ",".join(ISSUERS) + '"'
    praise = _validations(workbook[PRAISE_SHEET])
    assert praise["B"] == ("list", '"表扬,批评"', "类别")
    assert praise["C"] == ("list", issuers, "发文机关")
    assert praise["E"] == ("list", '"个人,集体"', "范围")
    assert praise["A"][0] == "date"
    assert _validations(workbook[ACTIVITY_SHEET])["C"] == ("list", issuers, "组织单位")
    leave = workbook[LEAVE_SHEET].data_validations.dataValidation
    days = [(str(v.sqref), v.type, v.operator, v.formula1) for v in leave if v.type]
    assert days == [
        ("C2:C1001", "decimal", "greaterThanOrEqual", "0"),
        ("D2:D1001", "decimal", "greaterThanOrEqual", "0"),
        ("E2:E1001", "decimal", "greaterThanOrEqual", "0"),
    ]
    assert workbook[PRAISE_SHEET].column_dimensions["A"].width >= 12
    notes = " ".join(str(c.value) for c in workbook["填写说明"]["B"] if c.value)
    assert "文号" in notes and "「、」或「,」" in notes and "参加工作时间" in notes


def test_ledger_template_sample_and_long_issuer_list(tmp_path):
    path = tmp_path / "加减分台账.xlsx"
    write_ledger_template(path, ISSUERS, sample=True)
    workbook = openpyxl.load_workbook(path)
    praise = workbook[PRAISE_SHEET]
    assert praise["A2"].value == dt.datetime(2026, 3, 15)
    assert praise["A2"].number_format == "yyyy-mm-dd"
    assert {praise.cell(row, 3).value for row in range(2, praise.max_row + 1)} <= set(ISSUERS)
    assert workbook[LEAVE_SHEET]["C2"].value is None  # derived from 参加工作时间
    again = tmp_path / "again.xlsx"
    write_ledger_template(again, ISSUERS, sample=True)
    assert again.read_bytes() == path.read_bytes()

    many = [f"第{n}个很长很长的发文机关名称" for n in range(30)]
    write_ledger_template(path, many)
    workbook = openpyxl.load_workbook(path)
    assert workbook["_选项"].sheet_state == "hidden"
    assert _validations(workbook[PRAISE_SHEET])["C"][1] == "'_选项'!$A$1:$A$30"


def test_the_roster_init_writes_has_the_optional_email_column(workspace):
    """`init` writes 邮箱 (SPEC §4.1, optional) as the last 人员 column; a clerk fills one
    address and mistypes another: the first is read, the second named by row and column."""
    from workbook_engine.mail.addresses import load_addresses

    book = openpyxl.load_workbook(workspace.roster_path)
    people = book["人员"]
    headers = [c.value for c in people[1]]
    assert headers == [*PEOPLE_HEADERS, "邮箱"]
    assert all(people.cell(row, 9).value is None for row in range(2, people.max_row + 1))
    ids = {str(people.cell(row, 1).value): row for row in range(2, people.max_row + 1)}
    people.cell(ids["2102"], 9).value = "wangsan@example.gov.cn"
    people.cell(ids["2103"], 9).value = "zhaosi163.com"
    book.save(workspace.roster_path)
    _, issues = load_roster(workspace.roster_path)
    assert issues == []
    addresses, issues = load_addresses(workspace.roster_path)
    assert addresses.by_id == {"2102": "wangsan@example.gov.cn"}
    assert [(i.row, i.column, i.code) for i in issues] == [(ids["2103"], "邮箱", "roster.bad_email")]
