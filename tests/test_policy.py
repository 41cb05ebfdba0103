"""policy.toml: the seed's numbers, rounding and grades, leave entitlement, and every check."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from workbook_engine.issues import InputError
from workbook_engine.policy import (
    Grade,
    ScoreItem,
    default_policy,
    load_policy,
    parse_policy,
    seed_policy_text,
)

UNIT = "某某县住房和城乡建设局"
SEED = seed_policy_text(2026, UNIT)
D = Decimal


def edited(*replacements: tuple[str, str]) -> str:
    """The seed with each `old` text (which must occur exactly once) replaced by `new`."""
    text = SEED
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def problems(text: str) -> list[tuple[str, str]]:
    """The (key path, code) of every issue that parsing `text` reports."""
    with pytest.raises(InputError) as caught:
        parse_policy(text)
    return [(issue.key, issue.code) for issue in caught.value.issues]


def messages(text: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_policy(text)
    return [issue.message for issue in caught.value.issues]


# --- the seed -----------------------------------------------------------------------------


def test_seed_has_the_spec_numbers():
    policy = parse_policy(SEED)
    assert policy.year == 2026
    assert policy.unit_name == UNIT
    assert policy.grades == (
        Grade("优秀", D(95)),
        Grade("称职", D(80)),
        Grade("基本称职", D(70)),
        Grade("不称职", D(0)),
    )
    assert policy.grade_names == ("优秀", "称职", "基本称职", "不称职")
    assert policy.lowest_grade == "不称职"
    assert policy.full_mark == D(100)
    assert policy.leader_items == (
        ScoreItem("思想作风", D(20)),
        ScoreItem("工作量", D(20)),
        ScoreItem("完成情况", D(30)),
        ScoreItem("工作效率", D(10)),
    )
    assert policy.office_items == (ScoreItem("出勤情况", D(10)), ScoreItem("公共职责", D(10)))
    assert [item.name for item in policy.items] == [
        "思想作风",
        "工作量",
        "完成情况",
        "工作效率",
        "出勤情况",
        "公共职责",
    ]
    assert policy.max_deduction == D(100)
    assert policy.bonus_cap == D(30)
    assert policy.unused_leave_points == D(1)
    assert policy.excess_leave_points == D(1)
    assert policy.activity_points == D(1)
    assert policy.candidate_ratio == D("0.30")
    assert list(policy.issuer_points.items()) == [
        ("省委省政府", D(12)),
        ("州委州政府", D(8)),
        ("省级部门", D(8)),
        ("县委县政府", D(5)),
        ("州级部门", D(5)),
        ("县级部门", D(3)),
    ]
    assert policy.leave_entitlement == ((0, 0), (1, 5), (10, 10), (20, 15))
    assert policy.score_places == 2
    assert policy.coefficient_places == 4
    assert policy.coefficient_divisor == D(100)
    assert policy.limits.max_file_bytes == 20 * 1024 * 1024
    assert policy.limits.max_unzipped_bytes == 200 * 1024 * 1024
    assert policy.limits.max_zip_entries == 5000
    assert policy.limits.parse_seconds == 30
    assert policy.limits.parse_memory_bytes == 1024 * 1024 * 1024


def test_numbers_are_exact_decimals_not_floats():
    policy = parse_policy(SEED)
    assert type(policy.candidate_ratio) is Decimal
    assert str(policy.candidate_ratio) == "0.30"
    text = edited(('name = "工作量"\nmax = 20', 'name = "工作量"\nmax = 19.9'))
    text = text.replace('name = "工作效率"\nmax = 10', 'name = "工作效率"\nmax = 10.1')
    policy = parse_policy(text)
    assert policy.leader_items[1].maximum == D("19.9")
    assert policy.leader_items[1].header == "工作量(19.9)"


def test_seed_text_fills_placeholders():
    assert "{year}" not in SEED and "{unit_name}" not in SEED
    assert "year = 2026\n" in SEED
    assert f'unit_name = "{UNIT}"\n' in SEED
    assert "# 等次标准" in SEED  # commented in Chinese for the clerk


def test_seed_text_escapes_the_unit_name():
    policy = parse_policy(seed_policy_text(2030, 'A"县\\住建局'))
    assert (policy.year, policy.unit_name) == (2030, 'A"县\\住建局')


def test_default_policy_is_the_seed():
    assert default_policy() == parse_policy(SEED)
    assert default_policy(2027).year == 2027
    assert hash(default_policy()) == hash(parse_policy(SEED))


def test_score_item_header_drops_trailing_zeros():
    assert ScoreItem("思想作风", D("20")).header == "思想作风(20)"
    assert ScoreItem("思想作风", D("20.00")).header == "思想作风(20)"
    assert ScoreItem("工作量", D("12.50")).header == "工作量(12.5)"
    assert ScoreItem("工作量", D("1E+2")).header == "工作量(100)"


# --- rounding, grades, entitlement --------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "rounded", "grade"),
    [
        ("94.995", "95.00", "优秀"),
        ("95", "95.00", "优秀"),
        ("100", "100.00", "优秀"),
        ("94.994", "94.99", "称职"),
        ("80", "80.00", "称职"),
        ("79.995", "80.00", "称职"),
        ("79.99", "79.99", "基本称职"),
        ("70", "70.00", "基本称职"),
        ("69.995", "70.00", "基本称职"),
        ("69.994", "69.99", "不称职"),
        ("0", "0.00", "不称职"),
        ("-3.5", "-3.50", "不称职"),
    ],
)
def test_grade_is_taken_on_the_rounded_score(score, rounded, grade):
    policy = default_policy()
    assert str(policy.round_score(D(score))) == rounded
    assert policy.grade_of(D(score)) == grade


def test_round_score_accepts_int_str_and_float():
    policy = default_policy()
    assert policy.round_score(95) == D("95.00")
    assert policy.round_score(" 94.995 ") == D("95.00")
    assert policy.round_score(94.995) == D("95.00")  # the float as written, not its binary value
    assert policy.round_score(D("2.675")) == D("2.68")
    assert policy.round_coefficient(D("0.954449")) == D("0.9544")
    assert policy.round_coefficient(D("0.95445")) == D("0.9545")
    with pytest.raises(TypeError):
        policy.round_score(True)


@pytest.mark.parametrize(
    ("years", "days"),
    [(0, 0), (1, 5), (9, 5), (10, 10), (19, 10), (20, 15), (35, 15)],
)
def test_entitlement_by_full_years_of_service(years, days):
    assert default_policy().entitlement_days(years) == days


def test_issuer_points():
    policy = default_policy()
    assert policy.issuer_points_of("省委省政府") == D(12)
    assert policy.issuer_points_of("县级部门") == D(3)
    assert policy.issuer_points_of(" 州级 部门 ") == D(5)
    assert policy.issuer_points_of("乡镇政府") is None
    assert policy.issuers == (
        "省委省政府",
        "州委州政府",
        "省级部门",
        "县委县政府",
        "州级部门",
        "县级部门",
    )


# --- immutability -------------------------------------------------------------------------


def test_policy_is_immutable():
    policy = default_policy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.bonus_cap = D(100)
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.grades[0].minimum = D(90)
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.limits.max_file_bytes = 1
    with pytest.raises(TypeError):
        policy.issuer_points["乡镇政府"] = D(1)
    with pytest.raises(TypeError):
        policy.leader_items[0] = ScoreItem("x", D(1))


def test_replace_keeps_policy_immutable():
    policy = dataclasses.replace(default_policy(), issuer_points={"县级部门": D(2)}, bonus_cap=10)
    with pytest.raises(TypeError):
        policy.issuer_points["县级部门"] = D(3)
    assert policy.issuer_points_of("县级部门") == D(2)


# --- bad policies -------------------------------------------------------------------------

OFFICE_ITEMS = (
    '[[monthly.office_items]]\nname = "出勤情况"\nmax = 10\n\n'
    '[[monthly.office_items]]\nname = "公共职责"\nmax = 10\n'
)


@pytest.mark.parametrize(
    ("replacements", "expected"),
    [
        pytest.param(
            [("bonus_cap = 30", "bonus_capp = 30")],
            [
                ("annual.bonus_capp", "policy.unknown_key"),
                ("annual.bonus_cap", "policy.missing_key"),
            ],
            id="typo",
        ),
        pytest.param(
            [("[rounding]", "[extra]\nfoo = 1\n\n[rounding]")],
            [("extra", "policy.unknown_key")],
            id="unknown-section",
        ),
        pytest.param(
            [('name = "完成情况"\nmax = 30', 'name = "完成情况"\nmaxx = 30')],
            [
                ("monthly.leader_items[3].maxx", "policy.unknown_key"),
                ("monthly.leader_items[3].max", "policy.missing_key"),
            ],
            id="unknown-item-key",
        ),
        pytest.param(
            [("activity_points = 1\n", "")],
            [("annual.activity_points", "policy.missing_key")],
            id="missing-key",
        ),
        pytest.param(
            [("[rounding]", "[roundings]")],
            [("roundings", "policy.unknown_key"), ("rounding", "policy.missing_key")],
            id="missing-section",
        ),
        pytest.param(
            [("bonus_cap = 30", 'bonus_cap = "三十"')],
            [("annual.bonus_cap", "policy.wrong_type")],
            id="text-for-number",
        ),
        pytest.param(
            [("bonus_cap = 30", "bonus_cap = true")],
            [("annual.bonus_cap", "policy.wrong_type")],
            id="boolean-for-number",
        ),
        pytest.param(
            [("bonus_cap = 30", "bonus_cap = nan")],
            [("annual.bonus_cap", "policy.not_finite")],
            id="nan",
        ),
        pytest.param(
            [("year = 2026", 'year = "2026"')],
            [("year", "policy.wrong_type")],
            id="year-as-text",
        ),
        pytest.param(
            [(f'unit_name = "{UNIT}"', 'unit_name = "  "')],
            [("unit_name", "policy.empty_text")],
            id="blank-unit-name",
        ),
        pytest.param(
            [("bonus_cap = 30", "bonus_cap = -5")],
            [("annual.bonus_cap", "policy.negative")],
            id="negative-cap",
        ),
        pytest.param(
            [('"县级部门" = 3', '"县级部门" = -3')],
            [("annual.issuer_points.县级部门", "policy.negative")],
            id="negative-issuer-points",
        ),
        pytest.param(
            [("[annual.issuer_points]", "[annual.issuer_points]\n'州级部门 ' = 1")],
            [("annual.issuer_points.州级部门", "policy.duplicate_name")],
            id="duplicate-issuer",
        ),
        pytest.param(
            [("unused_leave_points = 1", "unused_leave_points = -1")],
            [("annual.unused_leave_points", "policy.negative")],
            id="negative-leave-points",
        ),
        pytest.param(
            [('name = "思想作风"\nmax = 20', 'name = "思想作风"\nmax = -20')],
            [("monthly.leader_items[1].max", "policy.not_positive")],
            id="negative-item-maximum",
        ),
        pytest.param(
            [("max_deduction = 100", "max_deduction = -1")],
            [("monthly.max_deduction", "policy.negative")],
            id="negative-max-deduction",
        ),
        pytest.param(
            [("minimum = 80", "minimum = 96")],
            [("grades[2].minimum", "policy.grade_order")],
            id="grades-not-descending",
        ),
        pytest.param(
            [("minimum = 80", "minimum = 95")],
            [("grades[2].minimum", "policy.grade_order")],
            id="grades-equal",
        ),
        pytest.param(
            [("minimum = 0", "minimum = 10")],
            [("grades[4].minimum", "policy.grade_end")],
            id="grades-not-ending-at-zero",
        ),
        pytest.param(
            [("minimum = 95", "minimum = 101")],
            [("grades[1].minimum", "policy.grade_above_full_mark")],
            id="grade-above-full-mark",
        ),
        pytest.param(
            [('name = "基本称职"', 'name = "称职"')],
            [("grades[3].name", "policy.duplicate_name")],
            id="duplicate-grade",
        ),
        pytest.param(
            [('name = "工作效率"\nmax = 10', 'name = "工作效率"\nmax = 20')],
            [("monthly.full_mark", "policy.items_sum")],
            id="items-do-not-sum-to-full-mark",
        ),
        pytest.param(
            [('name = "公共职责"', 'name = "思想作风"')],
            [("monthly.office_items[2].name", "policy.duplicate_name")],
            id="duplicate-item",
        ),
        pytest.param(
            [('name = "思想作风"', 'name = "思想作风（20）"')],
            [("monthly.leader_items[1].name", "policy.bad_name")],
            id="item-name-with-brackets",
        ),
        pytest.param(
            [('name = "工作量"', 'name = "备注"')],
            [("monthly.leader_items[2].name", "policy.reserved_name")],
            id="item-name-reserved",
        ),
        pytest.param(
            [(OFFICE_ITEMS, ""), ("max_deduction = 100", "max_deduction = 100\noffice_items = []")],
            [("monthly.office_items", "policy.empty_list")],
            id="empty-item-list",
        ),
        pytest.param(
            [("candidate_ratio = 0.30", "candidate_ratio = 0")],
            [("annual.candidate_ratio", "policy.out_of_range")],
            id="ratio-zero",
        ),
        pytest.param(
            [("candidate_ratio = 0.30", "candidate_ratio = 1.5")],
            [("annual.candidate_ratio", "policy.out_of_range")],
            id="ratio-above-one",
        ),
        pytest.param(
            [("min_years = 10", "min_years = 1")],
            [("annual.leave_entitlement[3].min_years", "policy.entitlement_order")],
            id="entitlement-not-ascending",
        ),
        pytest.param(
            [("min_years = 0", "min_years = 3")],
            [
                ("annual.leave_entitlement[1].min_years", "policy.entitlement_start"),
                ("annual.leave_entitlement[2].min_years", "policy.entitlement_order"),
            ],
            id="entitlement-not-starting-at-zero",
        ),
        pytest.param(
            [("\ndays = 5", "\ndays = 2.5")],
            [("annual.leave_entitlement[2].days", "policy.not_integer")],
            id="entitlement-days-not-integer",
        ),
        pytest.param(
            [("year = 2026", "year = 1999")],
            [("year", "policy.out_of_range")],
            id="year-too-early",
        ),
        pytest.param(
            [("year = 2026", "year = 2101")],
            [("year", "policy.out_of_range")],
            id="year-too-late",
        ),
        pytest.param(
            [("score_places = 2", "score_places = -1")],
            [("rounding.score_places", "policy.out_of_range")],
            id="places-negative",
        ),
        pytest.param(
            [("coefficient_places = 4", "coefficient_places = 7")],
            [("rounding.coefficient_places", "policy.out_of_range")],
            id="places-above-six",
        ),
        pytest.param(
            [("coefficient_divisor = 100", "coefficient_divisor = 0")],
            [("annual.coefficient_divisor", "policy.not_positive")],
            id="divisor-zero",
        ),
        pytest.param(
            [("max_file_mb = 20", "max_file_mb = 0")],
            [("ingest.max_file_mb", "policy.not_positive")],
            id="limit-zero",
        ),
        pytest.param(
            [("parse_seconds = 30", "parse_seconds = 1.5")],
            [("ingest.parse_seconds", "policy.not_integer")],
            id="limit-not-integer",
        ),
    ],
)
def test_bad_policy_names_the_key(replacements, expected):
    assert problems(edited(*replacements)) == expected


def test_messages_are_chinese_and_name_the_key():
    assert messages(edited(("bonus_cap = 30", "bonus_capp = 30"))) == [
        "未知的设置项 annual.bonus_capp（是否应为 annual.bonus_cap？）",
        "缺少设置项 annual.bonus_cap",
    ]
    assert messages(edited(("bonus_cap = 30", "bonus_cap = -5"))) == [
        "「annual.bonus_cap」不能为负数（现为 -5）"
    ]
    assert messages(edited(("bonus_cap = 30", 'bonus_cap = "三十"'))) == [
        '「annual.bonus_cap」应为数字，不加引号（现为文字 "三十"）'
    ]
    [items_sum] = messages(edited(('name = "工作效率"\nmax = 10', 'name = "工作效率"\nmax = 20')))
    assert items_sum == (
        "评分项满分合计为 110（领导评分项 90 + 考核办评分项 20），与月考评满分 100 不一致"
    )


def test_issue_carries_file_and_key():
    with pytest.raises(InputError) as caught:
        parse_policy(edited(("bonus_cap = 30", "bonus_cap = -5")), "my.toml")
    [issue] = caught.value.issues
    assert (issue.file, issue.key) == ("my.toml", "annual.bonus_cap")
    assert (
        str(caught.value)
        == "1. my.toml，设置项 annual.bonus_cap：「annual.bonus_cap」不能为负数（现为 -5）"
    )


def test_all_problems_of_a_file_are_reported_at_once():
    text = edited(
        ("year = 2026", "year = 1999"),
        ("bonus_cap = 30", "bonus_capp = 30"),
        ("excess_leave_points = 1", "excess_leave_points = -1"),
        ("minimum = 80", "minimum = 96"),
        ('name = "工作效率"\nmax = 10', 'name = "工作效率"\nmax = 15'),
        ("candidate_ratio = 0.30", "candidate_ratio = 30"),
        ("min_years = 20", "min_years = 5"),
        ("max_zip_entries = 5000", "max_zip_entries = 0"),
    )
    assert problems(text) == [
        ("year", "policy.out_of_range"),
        ("annual.bonus_capp", "policy.unknown_key"),
        ("annual.bonus_cap", "policy.missing_key"),
        ("annual.excess_leave_points", "policy.negative"),
        ("annual.candidate_ratio", "policy.out_of_range"),
        ("annual.leave_entitlement[4].min_years", "policy.entitlement_order"),
        ("ingest.max_zip_entries", "policy.not_positive"),
        ("grades[2].minimum", "policy.grade_order"),
        ("monthly.full_mark", "policy.items_sum"),
    ]


# --- TOML syntax --------------------------------------------------------------------------


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_syntax_error_gives_the_line():
    text = edited(("bonus_cap = 30", "bonus_cap = 三十"))
    with pytest.raises(InputError) as caught:
        parse_policy(text)
    [issue] = caught.value.issues
    assert (issue.code, issue.file, issue.row) == (
        "policy.syntax",
        "policy.toml",
        _line_of(text, "三十"),
    )
    assert "文字要用英文双引号" in issue.message


def test_syntax_error_points_at_full_width_punctuation():
    text = edited(("bonus_cap = 30", "bonus_cap ＝ 30"))
    with pytest.raises(InputError) as caught:
        parse_policy(text)
    [issue] = caught.value.issues
    assert issue.row == _line_of(text, "bonus_cap ＝")
    assert "全角" in issue.message


def test_syntax_error_at_end_of_file():
    text = SEED + 'note = "未闭合'
    with pytest.raises(InputError) as caught:
        parse_policy(text)
    [issue] = caught.value.issues
    assert (issue.code, issue.row) == ("policy.syntax", len(text.splitlines()))
    assert issue.message.startswith("格式错误（文件末尾）：引号没有配对")


def test_unclosed_quote_on_a_line():
    text = edited((f'unit_name = "{UNIT}"', f'unit_name = "{UNIT}'))
    with pytest.raises(InputError) as caught:
        parse_policy(text)
    [issue] = caught.value.issues
    assert issue.row == _line_of(text, "unit_name =")
    assert "引号没有配对" in issue.message


def test_key_given_twice_is_a_syntax_error():
    text = edited(("bonus_cap = 30", "bonus_cap = 30\nbonus_cap = 20"))
    assert problems(text) == [("", "policy.syntax")]


# --- files --------------------------------------------------------------------------------


def test_load_policy_reads_utf8_with_bom(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_bytes(SEED.replace("\n", "\r\n").encode("utf-8-sig"))
    assert load_policy(path) == parse_policy(SEED)


def test_load_policy_reads_plain_utf8(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(SEED, encoding="utf-8")
    assert load_policy(str(path)) == default_policy()


def test_load_policy_names_the_file_in_issues(tmp_path):
    path = tmp_path / "考核参数.toml"
    path.write_text(edited(("bonus_cap = 30", "bonus_cap = -5")), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_policy(path)
    assert [(i.file, i.key, i.code) for i in caught.value.issues] == [
        ("考核参数.toml", "annual.bonus_cap", "policy.negative")
    ]


def test_missing_policy_file(tmp_path):
    path = tmp_path / "policy.toml"
    with pytest.raises(InputError) as caught:
        load_policy(path)
    [issue] = caught.value.issues
    assert issue.code == "policy.file_missing"
    assert issue.message == f"找不到考核参数设置文件：{path}"


def test_policy_saved_in_gbk_is_rejected_with_advice(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_bytes("# 考核参数\nyear = 2026\n".encode("gbk"))
    with pytest.raises(InputError) as caught:
        load_policy(path)
    [issue] = caught.value.issues
    assert issue.code == "policy.encoding"
    assert "UTF-8" in issue.message
