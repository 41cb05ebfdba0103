"""The ledger loader: frames of documents, activities and leave, and every bad row as an issue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from helpers import flat, write_ledger, write_roster

from workbook_engine.issues import has_errors
from workbook_engine.ledger import (
    ACTIVITY_COLUMNS,
    DOCUMENT_COLUMNS,
    LEAVE_COLUMNS,
    empty_ledger,
    load_ledger,
)
from workbook_engine.ledger_template import (
    ACTIVITY_SHEET,
    LEAVE_SHEET,
    PRAISE_SHEET,
    write_ledger_template,
)
from workbook_engine.policy import default_policy
from workbook_engine.roster import load_roster, write_roster_template

POLICY = default_policy(2026)
D = Decimal


@pytest.fixture
def roster(tmp_path):
    """conftest's bureau: 1002 周一 (办公室), 2002 and 2003 both 王三, 3002 褚五, L1 钱副."""
    path = tmp_path / "花名册.xlsx"
    write_roster(path)
    roster, issues = load_roster(path)
    assert issues == []
    return roster


def records(frame):
    return frame.to_dict("records")


# --- a good ledger ------------------------------------------------------------------------

GOOD_PRAISE = [
    [dt.date(2026, 3, 5), "表扬", "省委省政府", "川委发〔2026〕1号", "个人", 1002, "抗洪抢险"],
    ["2026/3/6", "批评", "州委州政府", "州委发[2026]2号", "个人", "周 一", "督办事项逾期"],
    ["2026年4月1日", " 表扬 ", "省级部门", "省建发〔2026〕3号", "集体", "办公室、规划股", None],
    [46121, "表扬", "县委县政府", "县委发〔2026〕4号", "集体", "建管股,办公室 ， 规划股", ""],
    [None, None, None, None, None, None, None],  # row 6: blank, skipped without an issue
    ["2026-05-01", "批评", "州级部门", "州住建发〔2026〕5号", "个人", "L1", "安全检查不力"],
    ["２０２６-０６-０１", "表扬", "县级部门", "县住建发（2026）6号", "个人", "褚五", "信访"],
    [dt.datetime(2026, 7, 1, 9, 30), "表扬", "县 级部门", " 县住建发 〔2026〕7号 ", "集体",
     "办公室 规划股", "  文明  创建 "],
]  # fmt: skip
GOOD_ACTIVITIES = [
    ["2026-03-12", "全县义务植树活动", "县委县政府", 1002, "周一"],
    ["2026-03-12", "全县义务植树活动", "县委县政府", None, "褚五"],
    [dt.date(2026, 5, 4), "青年志愿服务", "州级部门", "2002", None],
    ["2026/10/1", "国庆 升旗仪式", "省委省政府", "２００３", " 王 三 "],
]
GOOD_LEAVE = [
    [1002, "周一", None, 3, 1],
    [None, "褚五", 10, "５天", " 2.5 "],
    ["2002", "王三", "5", None, None],
    ["L1", None, 15, 0.5, "0"],
]


def test_a_good_ledger(tmp_path, roster):
    path = write_ledger(tmp_path / "加减分台账.xlsx", GOOD_PRAISE, GOOD_ACTIVITIES, GOOD_LEAVE)
    ledger, issues = load_ledger(path, roster, POLICY)
    assert issues == []
    assert ledger.file == "加减分台账.xlsx"
    assert records(ledger.documents) == [
        {"source_row": 2, "date": dt.date(2026, 3, 5), "kind": "表扬", "issuer": "省委省政府",
         "points": D(12), "doc_no": "川委发〔2026〕1号", "scope": "个人", "staff_id": "1002",
         "sections": (), "reason": "抗洪抢险"},
        {"source_row": 3, "date": dt.date(2026, 3, 6), "kind": "批评", "issuer": "州委州政府",
         "points": D(8), "doc_no": "州委发〔2026〕2号", "scope": "个人", "staff_id": "1002",
         "sections": (), "reason": "督办事项逾期"},
        {"source_row": 4, "date": dt.date(2026, 4, 1), "kind": "表扬", "issuer": "省级部门",
         "points": D(8), "doc_no": "省建发〔2026〕3号", "scope": "集体", "staff_id": "",
         "sections": ("办公室", "规划股"), "reason": ""},
        {"source_row": 5, "date": dt.date(2026, 4, 9), "kind": "表扬", "issuer": "县委县政府",
         "points": D(5), "doc_no": "县委发〔2026〕4号", "scope": "集体", "staff_id": "",
         "sections": ("建管股", "办公室", "规划股"), "reason": ""},
        {"source_row": 7, "date": dt.date(2026, 5, 1), "kind": "批评", "issuer": "州级部门",
         "points": D(5), "doc_no": "州住建发〔2026〕5号", "scope": "个人", "staff_id": "L1",
         "sections": (), "reason": "安全检查不力"},
        {"source_row": 8, "date": dt.date(2026, 6, 1), "kind": "表扬", "issuer": "县级部门",
         "points": D(3), "doc_no": "县住建发〔2026〕6号", "scope": "个人", "staff_id": "3002",
         "sections": (), "reason": "信访"},
        {"source_row": 9, "date": dt.date(2026, 7, 1), "kind": "表扬", "issuer": "县级部门",
         "points": D(3), "doc_no": "县住建发〔2026〕7号", "scope": "集体", "staff_id": "",
         "sections": ("办公室", "规划股"), "reason": "文明 创建"},
    ]  # fmt: skip
    assert records(ledger.activities) == [
        {"source_row": 2, "date": dt.date(2026, 3, 12), "name": "全县义务植树活动",
         "organizer": "县委县政府", "staff_id": "1002"},
        {"source_row": 3, "date": dt.date(2026, 3, 12), "name": "全县义务植树活动",
         "organizer": "县委县政府", "staff_id": "3002"},
        {"source_row": 4, "date": dt.date(2026, 5, 4), "name": "青年志愿服务",
         "organizer": "州级部门", "staff_id": "2002"},
        {"source_row": 5, "date": dt.date(2026, 10, 1), "name": "国庆 升旗仪式",
         "organizer": "省委省政府", "staff_id": "2003"},
    ]  # fmt: skip
    assert records(ledger.leave) == [
        {"source_row": 2, "staff_id": "1002", "entitled_days": None, "annual_taken": D(3),
         "private_days": D(1)},
        {"source_row": 3, "staff_id": "3002", "entitled_days": D(10), "annual_taken": D(5),
         "private_days": D("2.5")},
        {"source_row": 4, "staff_id": "2002", "entitled_days": D(5), "annual_taken": D(0),
         "private_days": D(0)},
        {"source_row": 5, "staff_id": "L1", "entitled_days": D(15), "annual_taken": D("0.5"),
         "private_days": D(0)},
    ]  # fmt: skip


def test_frames_hold_decimals_and_dates_not_floats(tmp_path, roster):
    path = write_ledger(tmp_path / "加减分台账.xlsx", GOOD_PRAISE, GOOD_ACTIVITIES, GOOD_LEAVE)
    ledger, _ = load_ledger(path, roster, POLICY)
    assert list(ledger.documents.columns) == list(DOCUMENT_COLUMNS)
    assert list(ledger.activities.columns) == list(ACTIVITY_COLUMNS)
    assert list(ledger.leave.columns) == list(LEAVE_COLUMNS)
    for frame in (ledger.documents, ledger.activities, ledger.leave):
        assert str(frame["source_row"].dtype) == "int64"
        assert {str(dtype) for column, dtype in frame.dtypes.items() if column != "source_row"} == {
            "object"
        }
    assert {type(v) for v in ledger.documents["points"]} == {Decimal}
    assert {type(v) for v in ledger.documents["date"]} == {dt.date}
    assert {type(v) for v in ledger.activities["date"]} == {dt.date}
    for column in ("annual_taken", "private_days"):
        assert {type(v) for v in ledger.leave[column]} == {Decimal}
    # a float cell brings no exponent: 3.0 reads as 3, 0.5 as 0.5
    assert [str(v) for v in ledger.leave["annual_taken"]] == ["3", "5", "0", "0.5"]


# --- a ledger full of mistakes ----------------------------------------------------------

BAD_PRAISE = [
    ["2025-12-30", "表扬", "县级部门", "县发〔2025〕9号", "个人", 1002, ""],  # 2
    ["2026-02-30", "表彰", "县级部门", "县发〔2026〕1号", "个人", 1002, ""],  # 3
    [None, "批评", "市委", None, "个人", 1002, "无文号"],  # 4
    ["2026-03-01", "表扬", "县级部门", "县发〔2026〕2号", "单位", "不看了", ""],  # 5
    ["2026-03-01", "表扬", "县级部门", "县发〔2026〕3号", "个人", "王三", ""],  # 6
    ["2026-03-01", "表扬", "县级部门", "县发〔2026〕4号", "个人", "张飞", ""],  # 7
    ["2026-03-01", "表扬", "县级部门", "县发〔2026〕5号", "集体", "办公室、规化股、局领导", ""],  # 8
    ["2026-03-01", "表扬", "县级部门", "县发〔2026〕6号", "个人", 9999, ""],  # 9
    ["2026-03-01", "表扬", "县级部门", "县发〔2026〕7号", "个人", "规划股", ""],  # 10
    ["2026-03-02", "表扬", "县级部门", "县发〔2026〕8号", "个人", 1002, "第一次登记"],  # 11
    ["2026-03-02", "表扬", "县级部门", "县发[2026]8号", "个人", "周一", "重复登记"],  # 12
    ["2026-03-03", "批评", "县级部门", "县发〔2026〕9号", "集体", None, ""],  # 13
    ["2026-03-03", "批评", "县级部门", "县发〔2026〕10号", "集体", "周一", ""],  # 14
]  # fmt: skip
BAD_ACTIVITIES = [
    ["2026-03-12", None, "乡镇", 1002, "周一"],  # 2
    ["2026-03-12", "植树", "县委县政府", 1002, "褚五"],  # 3
    ["2026-03-12", "植树", "县委县政府", None, None],  # 4
    ["2026-03-12", "植树", "县委县政府", None, "王三"],  # 5
    ["2026-03-12", "植树", "县委县政府", 8888, "周一"],  # 6
    ["2026-03-12", "植树", "县委县政府", 1002, "周一"],  # 7
    ["2026/3/12", " 植 树", "县委县政府", None, "周一"],  # 8
    ["2027-01-01", "植树", "县委县政府", 3002, None],  # 9
]
BAD_LEAVE = [
    [1002, "周一", None, "五天", None],  # 2
    [3002, None, -1, 0, "abc"],  # 3
    ["1002", None, 5, 1, 1],  # 4
    [None, "无名", 5, 0, 0],  # 5
    [3001, "陈建", None, 2, None],  # 6
]


def test_every_bad_row_is_reported_at_once_and_left_out(tmp_path, roster):
    path = write_ledger(tmp_path / "加减分台账.xlsx", BAD_PRAISE, BAD_ACTIVITIES, BAD_LEAVE)
    ledger, issues = load_ledger(path, roster, POLICY)
    assert flat(issues) == [
        ("表扬批评", 2, "日期", "ledger.outside_year"),
        ("表扬批评", 3, "日期", "ledger.bad_date"),
        ("表扬批评", 3, "类别", "ledger.bad_value"),
        ("表扬批评", 4, "日期", "ledger.missing_value"),
        ("表扬批评", 4, "发文机关", "ledger.bad_value"),
        ("表扬批评", 4, "文号", "ledger.missing_value"),
        ("表扬批评", 5, "范围", "ledger.bad_value"),
        ("表扬批评", 6, "对象", "ledger.ambiguous_name"),
        ("表扬批评", 7, "对象", "ledger.unknown_person"),
        ("表扬批评", 8, "对象", "ledger.unknown_section"),
        ("表扬批评", 9, "对象", "ledger.unknown_person"),
        ("表扬批评", 10, "对象", "ledger.unknown_person"),
        ("表扬批评", 12, "文号", "ledger.duplicate_document"),
        ("表扬批评", 13, "对象", "ledger.missing_value"),
        ("表扬批评", 14, "对象", "ledger.unknown_section"),
        ("活动", 2, "活动名称", "ledger.missing_value"),
        ("活动", 2, "组织单位", "ledger.bad_value"),
        ("活动", 3, "姓名", "ledger.person_mismatch"),
        ("活动", 4, "工号", "ledger.missing_value"),
        ("活动", 5, "姓名", "ledger.ambiguous_name"),
        ("活动", 6, "工号", "ledger.unknown_person"),
        ("活动", 8, "姓名", "ledger.duplicate_participant"),
        ("活动", 9, "日期", "ledger.outside_year"),
        ("休假", 2, "已休年休假天数", "ledger.not_a_number"),
        ("休假", 3, "应休年休假天数", "ledger.negative"),
        ("休假", 3, "事假天数", "ledger.not_a_number"),
        ("休假", 4, "工号", "ledger.duplicate_person"),
        ("休假", 5, "姓名", "ledger.unknown_person"),
    ]
    warnings = [i.code for i in issues if not i.is_error]
    assert warnings == ["ledger.duplicate_document", "ledger.duplicate_participant"]
    assert {i.file for i in issues} == {"加减分台账.xlsx"}
    # the rows with errors are left out; a repeated document stays (scoring counts it once)
    assert list(ledger.documents["source_row"]) == [11, 12]
    assert list(ledger.documents["doc_no"]) == ["县发〔2026〕8号", "县发〔2026〕8号"]
    assert list(ledger.activities["source_row"]) == [7]
    assert list(ledger.leave["source_row"]) == [6]


def test_messages_say_what_is_wrong_in_chinese(tmp_path, roster):
    path = write_ledger(tmp_path / "加减分台账.xlsx", BAD_PRAISE, BAD_ACTIVITIES, BAD_LEAVE)
    _, issues = load_ledger(path, roster, POLICY)
    text = {(i.sheet, i.row, i.column): str(i) for i in issues}
    assert text[("表扬批评", 2, "日期")] == (
        "加减分台账.xlsx，工作表「表扬批评」，第 2 行，「日期」列："
        "日期不在考核年度 2026 年内（填写的是 2025-12-30）"
    )
    assert "2026-02-30" in text[("表扬批评", 3, "日期")]
    assert (
        "省委省政府、州委州政府、省级部门、县委县政府、州级部门、县级部门"
        in text[("表扬批评", 4, "发文机关")]
    )
    assert "「市委」" in text[("表扬批评", 4, "发文机关")]
    assert "正式文件" in text[("表扬批评", 4, "文号")]
    assert text[("表扬批评", 6, "对象")].endswith(
        "花名册中有 2 人叫「王三」（工号 2002、2003），请改填工号"
    )
    unknown_sections = text[("表扬批评", 8, "对象")]
    assert "「规化股」、「局领导」" in unknown_sections and "「办公室」" not in unknown_sections
    assert "办公室、规划股、建管股" in unknown_sections
    assert "「范围」改为「集体」" in text[("表扬批评", 10, "对象")]
    assert "「范围」改为「个人」" in text[("表扬批评", 14, "对象")]
    assert text[("表扬批评", 12, "文号")].startswith(
        "加减分台账.xlsx，工作表「表扬批评」，第 12 行，「文号」列：提示："
        "文号「县发〔2026〕8号」对「周一（1002）」（第 11 行）已经登记过"
    )
    assert "「褚五」" in text[("活动", 3, "姓名")] and "「周一」" in text[("活动", 3, "姓名")]
    assert "（花名册中「周一」的工号是 1002）" in text[("活动", 6, "工号")]
    assert "第 7 行" in text[("活动", 8, "姓名")] and "不再计分" in text[("活动", 8, "姓名")]
    assert "「五天」，不是数字" in text[("休假", 2, "已休年休假天数")]
    assert "第 2 行" in text[("休假", 4, "工号")]


# --- the file, its sheets and headers ------------------------------------------------------


def test_the_blank_template_loads_as_an_empty_ledger(tmp_path, roster):
    path = tmp_path / "加减分台账.xlsx"
    write_ledger_template(path, POLICY.issuers)
    ledger, issues = load_ledger(path, roster, POLICY)
    assert issues == []
    for frame, columns in [
        (ledger.documents, DOCUMENT_COLUMNS),
        (ledger.activities, ACTIVITY_COLUMNS),
        (ledger.leave, LEAVE_COLUMNS),
    ]:
        assert frame.empty and list(frame.columns) == list(columns)


def test_the_sample_template_loads_against_the_sample_roster(tmp_path):
    write_roster_template(tmp_path / "花名册.xlsx")
    roster, issues = load_roster(tmp_path / "花名册.xlsx")
    assert issues == []
    write_ledger_template(tmp_path / "加减分台账.xlsx", POLICY.issuers, sample=True)
    ledger, issues = load_ledger(tmp_path / "加减分台账.xlsx", roster, POLICY)
    assert issues == []
    assert list(ledger.documents["staff_id"]) == ["2002", "", "2102"]
    assert list(ledger.documents["sections"]) == [(), ("规划股", "建管股"), ()]
    assert list(ledger.activities["staff_id"]) == ["2002", "2102"]
    assert list(ledger.leave["entitled_days"]) == [None, D(10), None]


def test_a_hidden_options_sheet_is_ignored(tmp_path, roster):
    many = [f"第{n}个很长很长的发文机关名称" for n in range(30)]
    path = tmp_path / "加减分台账.xlsx"
    write_ledger_template(path, many)
    assert "_选项" in openpyxl.load_workbook(path).sheetnames
    ledger, issues = load_ledger(path, roster, POLICY)
    assert issues == [] and ledger.documents.empty


def test_a_missing_file(tmp_path, roster):
    ledger, issues = load_ledger(tmp_path / "加减分台账.xlsx", roster, POLICY)
    assert flat(issues) == [("", None, "", "ledger.file_missing")]
    assert issues[0].file == "加减分台账.xlsx" and "找不到文件" in issues[0].message
    assert ledger.documents.empty and ledger.activities.empty and ledger.leave.empty


def test_a_file_that_is_not_a_workbook(tmp_path, roster):
    path = tmp_path / "加减分台账.xlsx"
    path.write_text("这不是工作簿", encoding="utf-8")
    ledger, issues = load_ledger(path, roster, POLICY)
    assert flat(issues) == [("", None, "", "ledger.unreadable")]
    assert ledger.leave.empty


def test_a_missing_sheet_leaves_only_that_frame_empty(tmp_path, roster):
    path = write_ledger(
        tmp_path / "加减分台账.xlsx",
        GOOD_PRAISE,
        GOOD_ACTIVITIES,
        GOOD_LEAVE,
        headers={ACTIVITY_SHEET: None},
    )
    ledger, issues = load_ledger(path, roster, POLICY)
    assert flat(issues) == [("活动", None, "", "ledger.missing_sheet")]
    assert "找不到工作表「活动」" in issues[0].message
    assert ledger.activities.empty
    assert len(ledger.documents) == 7 and len(ledger.leave) == 4


def test_a_missing_header_leaves_only_that_frame_empty(tmp_path, roster):
    leave_headers = ("工号", "姓名", "应休年休假天数", "已休年休假天数", "事假")
    path = write_ledger(
        tmp_path / "加减分台账.xlsx",
        GOOD_PRAISE,
        GOOD_ACTIVITIES,
        GOOD_LEAVE,
        headers={LEAVE_SHEET: leave_headers},
    )
    ledger, issues = load_ledger(path, roster, POLICY)
    assert flat(issues) == [("休假", 1, "事假天数", "ledger.missing_header")]
    assert ledger.leave.empty and list(ledger.leave.columns) == list(LEAVE_COLUMNS)
    assert len(ledger.documents) == 7 and len(ledger.activities) == 4


def test_reordered_columns_and_extra_columns(tmp_path, roster):
    headers = ("备注", "事由", "对象", "范围", "文号", "发文机关", "类别", "日期")
    row = ["随便", "事由", "办公室", "集体", "县发〔2026〕1号", "县级部门", "表扬", "2026-03-01"]
    path = write_ledger(
        tmp_path / "加减分台账.xlsx", [row, ["只写了备注"]], headers={PRAISE_SHEET: headers}
    )
    ledger, issues = load_ledger(path, roster, POLICY)
    assert issues == []  # a row with text only outside the contract columns counts as blank
    assert records(ledger.documents)[0]["sections"] == ("办公室",)


def test_empty_ledger():
    ledger = empty_ledger()
    assert ledger.file == "加减分台账.xlsx"
    assert list(ledger.documents.columns) == list(DOCUMENT_COLUMNS)
    assert ledger.activities.empty and ledger.leave.empty


def test_a_bad_ledger_has_errors(tmp_path, roster):
    path = write_ledger(tmp_path / "加减分台账.xlsx", leave=[[1002, None, None, "五天", None]])
    _, issues = load_ledger(path, roster, POLICY)
    assert has_errors(issues)


def test_usual_spellings_of_the_issuer_and_separators_of_the_targets(tmp_path, roster):
    """SPEC §4.4: 县委、县政府 / 县委 县政府 / 县委县政府 are one body; 对象 lists may be
    separated by 、 , ， ; ； or spaces."""
    praise = [
        ["2026-03-02", "表扬", "县委、县政府", "县委发〔2026〕11号", "集体", "办公室；规划股", ""],
        ["2026-03-03", "表扬", "县委 县政府", "县委发〔2026〕12号", "集体", "办公室;建管股", ""],
        ["2026-03-04", "批评", "州委,州政府", "州委发〔2026〕13号", "集体", "规划股 建管股", ""],
        ["2026-03-05", "表扬", "省委、省政府", "川委发〔2026〕14号", "个人", "1002", ""],
    ]
    activities = [["2026-03-12", "植树", "县委、县政府", 1002, "周一"]]
    ledger, issues = load_ledger(write_ledger(tmp_path / "台账.xlsx", praise, activities),
                                 roster, POLICY)
    assert issues == []
    found = [(d["issuer"], d["points"], d["sections"]) for d in records(ledger.documents)]
    assert found == [
        ("县委县政府", D(5), ("办公室", "规划股")),
        ("县委县政府", D(5), ("办公室", "建管股")),
        ("州委州政府", D(8), ("规划股", "建管股")),
        ("省委省政府", D(12), ()),
    ]
    assert [a["organizer"] for a in records(ledger.activities)] == ["县委县政府"]


def test_a_criticism_naming_someone_not_in_post_counts_for_nobody(tmp_path, roster):
    """吴二 (1003) is 离岗: a criticism naming him is a data problem naming its row, and it
    takes points from no one — neither from him nor from 办公室's leader (issue 11)."""
    praise = [["2026-03-05", "批评", "县级部门", "县住建〔2026〕9号", "个人", "1003", "迟报"],
              ["2026-03-06", "批评", "县级部门", "县住建〔2026〕10号", "个人", "1002", "迟报"]]
    ledger, issues = load_ledger(write_ledger(tmp_path / "台账.xlsx", praise), roster, POLICY)
    assert [(i.sheet, i.row, i.code) for i in issues] == [
        (PRAISE_SHEET, 2, "ledger.not_in_post")]
    assert "「吴二」（1003）在 2026-03-05 不在岗" in issues[0].message
    assert [(d["staff_id"], d["kind"]) for d in records(ledger.documents)] == [("1002", "批评")]
