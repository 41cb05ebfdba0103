"""Periods: ISO weeks, months, quarters, years, lenient parsing and Chinese working days.

Expected dates were worked out by hand from a printed calendar and the State Council's
2026 holiday notice (国办发明电〔2025〕7号).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbook_engine.periods import (
    Month,
    PeriodError,
    Quarter,
    Week,
    Year,
    calendar_covers,
    is_working_day,
    parse_month,
    parse_period,
    parse_quarter,
    parse_week,
    parse_year,
    weeks_in_year,
    working_days,
)

D = dt.date

# --------------------------------------------------------------------------- str and parsing


@pytest.mark.parametrize(
    ("period", "text"),
    [
        (Week(2026, 10), "2026-W10"),
        (Week(2026, 5), "2026-W05"),
        (Month(2026, 3), "2026-03"),
        (Month(2026, 12), "2026-12"),
        (Quarter(2026, 1), "2026-Q1"),
        (Year(2026), "2026"),
    ],
)
def test_str_and_parse_round_trip(period, text):
    assert str(period) == text
    assert parse_period(text) == period


@pytest.mark.parametrize(
    "text",
    [
        "2026-W10",
        "2026W10",
        "2026-w10",
        "2026年第10周",
        "２０２６－Ｗ１０",
        " 2026 - W 10 ",
        "2026年W10",
    ],
)
def test_lenient_week(text):
    assert parse_week(text) == Week(2026, 10)
    assert parse_period(text) == Week(2026, 10)


def test_single_digit_week():
    assert parse_week("2026-w5") == Week(2026, 5)
    assert parse_week("2026年第5周") == Week(2026, 5)


@pytest.mark.parametrize(
    "text",
    [
        "2026-03",
        "2026-3",
        "2026年3月",
        "2026年03月",
        "2026/03",
        "2026/3",
        "202603",
        "２０２６年３月",
    ],
)
def test_lenient_month(text):
    assert parse_month(text) == Month(2026, 3)
    assert parse_period(text) == Month(2026, 3)


@pytest.mark.parametrize(
    "text",
    [
        "2026-Q1",
        "2026Q1",
        "2026-q1",
        "2026年第一季度",
        "2026年第1季度",
        "2026年一季度",
        "２０２６－Ｑ１",
    ],
)
def test_lenient_quarter(text):
    assert parse_quarter(text) == Quarter(2026, 1)
    assert parse_period(text) == Quarter(2026, 1)


@pytest.mark.parametrize("text", ["2026", "2026年", "2026年度", " ２０２６ ", 2026])
def test_lenient_year(text):
    assert parse_year(text) == Year(2026)
    assert parse_period(text) == Year(2026)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-W00", "周次应在 1 到 53 之间"),
        ("2026-W54", "2026 年只有 53 周"),
        ("2027-W53", "2027 年只有 52 周"),
        ("2026-13", "月份应在 1 到 12 之间"),
        ("2026-00", "月份应在 1 到 12 之间"),
        ("2026-Q5", "季度应在 1 到 4 之间"),
        ("2026年第五季度", "季度应在 1 到 4 之间"),
        ("1999", "年份应在 2000 到 2100 之间"),
        ("2101-03", "年份应在 2000 到 2100 之间"),
        ("abc", "2026-W10"),
        ("2026-03-01", "2026-Q1"),
        ("第10周", "2026年3月"),
    ],
)
def test_invalid_text_names_the_text(text, reason):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    message = str(caught.value)
    assert f"「{text}」" in message
    assert reason in message
    assert caught.value.text == text


def test_w54_message_exactly():
    with pytest.raises(PeriodError, match="^无法识别的周期「2026-W54」：2026 年只有 53 周$"):
        parse_week("2026-W54")


def test_message_keeps_what_the_clerk_typed():
    with pytest.raises(PeriodError, match="「2026-w54」"):
        parse_week("2026-w54")


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_is_an_error(text):
    with pytest.raises(PeriodError, match="未填写周期"):
        parse_period(text)


def test_period_error_is_a_value_error():
    assert issubclass(PeriodError, ValueError)


@pytest.mark.parametrize(
    ("parser", "text", "hint"),
    [
        (parse_week, "2026-03", "2026-W10"),
        (parse_month, "2026-W10", "2026-03"),
        (parse_quarter, "2026", "2026-Q1"),
        (parse_year, "2026-Q1", "2026年"),
    ],
)
def test_specific_parser_rejects_other_kinds(parser, text, hint):
    with pytest.raises(PeriodError) as caught:
        parser(text)
    assert f"「{text}」" in str(caught.value)
    assert hint in str(caught.value)


def test_direct_construction_is_validated():
    with pytest.raises(PeriodError, match="「2027-W53」"):
        Week(2027, 53)
    with pytest.raises(PeriodError, match="「2026-13」"):
        Month(2026, 13)
    with pytest.raises(PeriodError, match="「2026-Q0」"):
        Quarter(2026, 0)
    with pytest.raises(PeriodError, match="「2101」"):
        Year(2101)


# --------------------------------------------------------------------------- weeks


def test_week_days():
    week = Week(2026, 10)
    assert week.monday == D(2026, 3, 2)
    assert week.thursday == D(2026, 3, 5)
    assert week.sunday == D(2026, 3, 8)
    assert week.days() == [D(2026, 3, d) for d in range(2, 9)]
    assert week.month == Month(2026, 3)
    assert week.label == "2026年第10周（3月2日—3月8日）"


def test_iso_week_53_of_2026():
    assert weeks_in_year(2026) == 53
    week = parse_week("2026-W53")
    assert week.monday == D(2026, 12, 28)
    assert week.sunday == D(2027, 1, 3)
    assert week.month == Month(2026, 12)
    assert week.label == "2026年第53周（12月28日—2027年1月3日）"
    assert week.next() == Week(2027, 1)
    assert Week(2027, 1).previous() == week
    assert weeks_in_year(2027) == 52


def test_week_one_of_2026_starts_in_2025():
    week = Week(2026, 1)
    assert week.monday == D(2025, 12, 29)
    assert week.thursday == D(2026, 1, 1)
    assert week.month == Month(2026, 1)
    assert week.label == "2026年第1周（2025年12月29日—1月4日）"
    assert Week.from_date(D(2025, 12, 31)) == week
    assert week.previous() == Week(2025, 52)


def test_week_53_of_2020():
    week = Week(2020, 53)
    assert week.monday == D(2020, 12, 28)
    assert week.month == Month(2020, 12)
    assert Week.from_date(D(2021, 1, 3)) == week


def test_week_one_of_2025():
    week = Week(2025, 1)
    assert week.monday == D(2024, 12, 30)
    assert week.thursday == D(2025, 1, 2)
    assert week.month == Month(2025, 1)


def test_weeks_order():
    assert Week(2025, 52) < Week(2026, 1) < Week(2026, 10) < Week(2026, 53)


# --------------------------------------------------------------------------- months, quarters, years


def test_month_weeks_march_2026():
    # Thursdays of March 2026: 5, 12, 19, 26. W14 (Mar 30 – Apr 5) has Thursday Apr 2.
    assert Month(2026, 3).weeks() == [Week(2026, n) for n in (10, 11, 12, 13)]
    assert Week(2026, 14).month == Month(2026, 4)


def test_month_weeks_across_year_ends():
    assert Month(2026, 1).weeks()[0] == Week(2026, 1)
    assert Month(2026, 12).weeks()[-1] == Week(2026, 53)
    assert Month(2025, 12).weeks()[-1] == Week(2025, 52)


def test_month_days_and_neighbours():
    feb = Month(2026, 2)
    assert feb.first_day == D(2026, 2, 1)
    assert feb.last_day == D(2026, 2, 28)
    assert Month(2024, 2).last_day == D(2024, 2, 29)
    assert Month(2026, 12).last_day == D(2026, 12, 31)
    assert feb.label == "2026年2月"
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2026, 1).previous() == Month(2025, 12)
    assert D(2026, 2, 14) in feb
    assert D(2026, 3, 1) not in feb


@pytest.mark.parametrize(
    ("quarter", "months", "label"),
    [
        (1, (1, 2, 3), "2026年第一季度"),
        (2, (4, 5, 6), "2026年第二季度"),
        (3, (7, 8, 9), "2026年第三季度"),
        (4, (10, 11, 12), "2026年第四季度"),
    ],
)
def test_quarter_months(quarter, months, label):
    q = Quarter(2026, quarter)
    assert q.months() == [Month(2026, m) for m in months]
    assert q.label == label
    assert all(month.quarter == q for month in q.months())
    assert parse_quarter(label) == q


def test_quarter_neighbours_and_days():
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert Quarter(2026, 2).first_day == D(2026, 4, 1)
    assert Quarter(2026, 2).last_day == D(2026, 6, 30)


def test_year():
    year = Year(2026)
    assert year.label == "2026年度"
    assert year.months() == [Month(2026, m) for m in range(1, 13)]
    assert year.quarters() == [Quarter(2026, q) for q in range(1, 5)]
    assert len(year.weeks()) == 53
    assert year.weeks()[0] == Week(2026, 1)
    assert len(Year(2027).weeks()) == 52


@pytest.mark.parametrize("year", [2020, 2025, 2026, 2027, 2032])
def test_month_weeks_partition_year_weeks(year):
    from_months = [week for month in Year(year).months() for week in month.weeks()]
    assert from_months == Year(year).weeks()


# --------------------------------------------------------------------------- working days


def test_make_up_and_holiday_days_2026():
    assert D(2026, 1, 4).weekday() == 6 and is_working_day(D(2026, 1, 4))
    assert D(2026, 2, 14).weekday() == 5 and is_working_day(D(2026, 2, 14))
    assert D(2026, 2, 28).weekday() == 5 and is_working_day(D(2026, 2, 28))
    assert not is_working_day(D(2026, 10, 1))
    assert not is_working_day(D(2026, 1, 1))
    assert is_working_day(dt.datetime(2026, 1, 4, 9, 30))


def test_new_year_week_2026():
    # 1–3 January off, Sunday 4 January worked.
    assert Week(2026, 1).working_days() == [
        D(2025, 12, 29),
        D(2025, 12, 30),
        D(2025, 12, 31),
        D(2026, 1, 4),
    ]


def test_spring_festival_2026():
    # 春节 2026: 15–23 February off; Saturdays 14 and 28 February worked.
    assert Week(2026, 7).working_days() == [D(2026, 2, d) for d in range(9, 15)]
    assert Week(2026, 8).working_days() == []
    assert Week(2026, 9).working_days() == [D(2026, 2, d) for d in range(24, 29)]


def test_national_day_week_2026():
    # 国庆 2026: 1–7 October off; Sunday 20 September and Saturday 10 October worked.
    assert Week(2026, 40).working_days() == [D(2026, 9, 28), D(2026, 9, 29), D(2026, 9, 30)]
    assert Week(2026, 41).working_days() == [D(2026, 10, d) for d in (8, 9, 10)]
    assert is_working_day(D(2026, 9, 20))


def test_working_days_range_inclusive():
    assert working_days(D(2026, 2, 13), D(2026, 2, 24)) == [
        D(2026, 2, 13),
        D(2026, 2, 14),
        D(2026, 2, 24),
    ]
    assert working_days(D(2026, 3, 2), D(2026, 3, 2)) == [D(2026, 3, 2)]
    assert working_days(D(2026, 3, 3), D(2026, 3, 2)) == []


def test_calendar_coverage_and_fallback():
    assert calendar_covers(2026)
    assert calendar_covers(2004)
    assert not calendar_covers(2027)
    assert not calendar_covers(2003)
    # Uncovered years fall back to Monday–Friday.
    assert is_working_day(D(2027, 1, 1))  # a Friday
    assert not is_working_day(D(2027, 1, 2))  # a Saturday
    assert Week(2026, 52).calendar_covered
    assert not Week(2026, 53).calendar_covered  # reaches 2027-01-03
    assert Week(2026, 53).working_days() == [D(2026, 12, d) for d in (28, 29, 30, 31)] + [
        D(2027, 1, 1)
    ]


def test_month_working_days_2026_02():
    # February 2026: 20 weekdays, minus 16–20 and 23 (6 holidays), plus Saturdays 14 and 28.
    assert len(Month(2026, 2).working_days()) == 16


# --------------------------------------------------------------------------- properties

dates = st.dates(min_value=D(2000, 1, 3), max_value=D(2100, 12, 26))
weeks = dates.map(Week.from_date)
months = st.builds(Month, st.integers(2000, 2100), st.integers(1, 12))
quarters = st.builds(Quarter, st.integers(2000, 2100), st.integers(1, 4))
years = st.builds(Year, st.integers(2000, 2100))
periods = st.one_of(weeks, months, quarters, years)


@given(dates)
def test_week_from_date_contains_date(day):
    week = Week.from_date(day)
    assert day in week.days()
    assert len(week.days()) == 7
    assert week.monday.weekday() == 0
    assert week in week.month.weeks()


@given(periods)
def test_parse_str_round_trip(period):
    assert parse_period(str(period)) == period


@given(st.one_of(months, quarters, years))
def test_parse_label_round_trip(period):
    assert parse_period(period.label) == period


@given(st.dates(min_value=D(2000, 1, 10), max_value=D(2100, 11, 30)))
def test_next_and_previous_are_inverse(day):
    week = Week.from_date(day)
    assert week.next().previous() == week
    assert week.next().monday - week.monday == dt.timedelta(days=7)
    month = Month(day.year, day.month)
    assert month.next().previous() == month


@given(st.integers(2001, 2099))
def test_months_partition_weeks_every_year(year):
    from_months = [week for month in Year(year).months() for week in month.weeks()]
    assert from_months == Year(year).weeks()
