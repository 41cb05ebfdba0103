"""Scoring rules, each against values worked out by hand from SPEC §5 (not by the code)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pandas as pd
import pytest
from helpers import write_roster
from hypothesis import given
from hypothesis import strategies as st

from workbook_engine.policy import default_policy
from workbook_engine.roster import load_roster
from workbook_engine.scoring import ranking
from workbook_engine.scoring.annual import annual_scores
from workbook_engine.scoring.leave import full_years, leave_points
from workbook_engine.scoring.monthly import monthly_scores, talk_list
from workbook_engine.scoring.points import document_points

POLICY = default_policy(2026)
ROW_COLUMNS = ["edition", "month", "staff_id", "assessed", "items", "deduction", "reason",
               "sheet_row", "rater_id", "file"]
LEADER_NAMES = ("思想作风", "工作量", "完成情况", "工作效率")
OFFICE_NAMES = ("出勤情况", "公共职责")


@pytest.fixture(scope="module")
def roster(tmp_path_factory):
    path = tmp_path_factory.mktemp("roster") / "花名册.xlsx"
    write_roster(path)
    loaded, issues = load_roster(path)
    assert not [i for i in issues if i.is_error]
    return loaded


def leader_row(staff_id, items, deduction="0", reason="", month="2026-03", row=5):
    return ("leader", month, staff_id, bool(items), dict(zip(LEADER_NAMES, map(str, items))),
            str(deduction), reason, row, "L1", "领导.xlsx")


def office_row(staff_id, items, month="2026-03", row=5):
    return ("office", month, staff_id, bool(items), dict(zip(OFFICE_NAMES, map(str, items))),
            "0", "", row, "", "考核办.xlsx")


def rows(*entries):
    return pd.DataFrame(list(entries), columns=ROW_COLUMNS)


def by_id(frame):
    return {r["staff_id"]: r for r in frame.to_dict("records")}


# --- monthly -----------------------------------------------------------------------------

def test_monthly_score_is_leader_plus_office_minus_deduction(roster):
    frame, problems = monthly_scores(rows(
        leader_row("1002", [18, 19, "28.5", 9], deduction=2, reason="迟报材料"),
        office_row("1002", [10, "9.5"]),
        leader_row("2002", [20, 20, 30, 10]), office_row("2002", [10, 10]),
        leader_row("2003", [14, 14, 20, 6]), office_row("2003", [8, 7]),
    ), roster, POLICY, "2026-03")
    lines = by_id(frame)
    # 18 + 19 + 28.5 + 9 = 74.5; 10 + 9.5 = 19.5; 74.5 + 19.5 − 2 = 92.00
    assert (lines["1002"]["leader_score"], lines["1002"]["office_score"]) == (D("74.5"), D("19.5"))
    assert (lines["1002"]["score"], lines["1002"]["grade"]) == (D("92.00"), "称职")
    assert lines["1002"]["reason"] == "迟报材料"
    assert (lines["2002"]["score"], lines["2002"]["grade"]) == (D("100.00"), "优秀")
    # 54 + 15 = 69 → 不称职, on the 诫勉谈话 list
    assert (lines["2003"]["score"], lines["2003"]["grade"]) == (D("69.00"), "不称职")
    assert list(talk_list(frame, POLICY)["staff_id"]) == ["2003"]


def test_blank_rows_are_not_assessed_and_one_sided_rows_are_incomplete(roster):
    frame, problems = monthly_scores(rows(
        leader_row("1002", []), office_row("1002", []),
        leader_row("2002", [18, 18, 27, 9]), office_row("2002", []),
    ), roster, POLICY, "2026-03")
    lines = by_id(frame)
    assert lines["1002"]["status"] == "未考核" and lines["1002"]["score"] is None
    assert lines["2002"]["status"] == "不完整" and lines["2002"]["score"] is None
    assert lines["3002"]["status"] == "未交"
    codes = [(p.code, p.message.split("）")[0]) for p in problems]
    assert ("score.incomplete", "王三（2002") in codes


# --- documents ----------------------------------------------------------------------------

def document(row, kind, scope, target, doc_no, issuer="县委县政府", reason=""):
    points = POLICY.issuer_points[issuer]
    staff_id, sections = (target, ()) if scope == "个人" else ("", tuple(target))
    return {"source_row": row, "date": dt.date(2026, 5, 1), "kind": kind, "issuer": issuer,
            "points": points, "doc_no": doc_no, "scope": scope, "staff_id": staff_id,
            "sections": sections, "reason": reason}


def points_by_person(frame):
    totals = {}
    for r in frame.to_dict("records"):
        key = (r["staff_id"], r["direction"])
        totals[key] = totals.get(key, D(0)) + r["points"]
    return totals


def test_collective_commendation_of_two_sections_under_one_leader_counts_leader_once(roster):
    documents = pd.DataFrame([document(2, "表扬", "集体", ["办公室", "规划股"], "县政〔2026〕1号")])
    totals = points_by_person(document_points(documents, roster, "台账.xlsx"))
    # assessed members: 办公室 1001, 1002 (1003 离岗); 规划股 2001, 2002, 2003 (2004 不参加考核)
    assert totals == {(sid, "加分"): D(5) for sid in ("1001", "1002", "2001", "2002", "2003", "L1")}


def test_individual_criticism_reaches_the_person_and_their_leader(roster):
    documents = pd.DataFrame([
        document(2, "批评", "个人", "1002", "州通〔2026〕7号", issuer="州委州政府"),
        document(3, "批评", "个人", "L2", "县通〔2026〕9号", issuer="县级部门"),
    ])
    frame = document_points(documents, roster, "台账.xlsx")
    assert points_by_person(frame) == {("1002", "扣分"): D(8), ("L1", "扣分"): D(8),
                                       ("L2", "扣分"): D(3)}
    assert "文号 州通〔2026〕7号" in frame.iloc[0]["source"] and "第 2 行" in frame.iloc[0]["source"]


def test_one_document_counts_once_per_person(roster):
    documents = pd.DataFrame([
        document(2, "表扬", "个人", "3002", "省政〔2026〕2号", issuer="省委省政府"),
        document(3, "表扬", "集体", ["建管股"], "省政〔2026〕2号", issuer="省委省政府"),
    ])
    totals = points_by_person(document_points(documents, roster, "台账.xlsx"))
    assert totals[("3002", "加分")] == D(12)
    assert totals[("3001", "加分")] == D(12) and totals[("L2", "加分")] == D(12)


# --- leave --------------------------------------------------------------------------------

@pytest.mark.parametrize("start, years, days", [
    (dt.date(2026, 1, 1), 0, 0), (dt.date(2026, 12, 31), 0, 0), (dt.date(2025, 12, 31), 1, 5),
    (dt.date(2017, 1, 1), 9, 5), (dt.date(2016, 12, 31), 10, 10), (dt.date(2007, 6, 1), 19, 10),
    (dt.date(2006, 12, 31), 20, 15), (dt.date(1990, 7, 1), 36, 15), (dt.date(2027, 1, 1), 0, 0),
])
def test_entitlement_on_31_december(start, years, days):
    assert full_years(start, 2026) == years
    assert POLICY.entitlement_days(years) == days


def leave_row(row, staff_id, entitled, annual, private):
    return {"source_row": row, "staff_id": staff_id,
            "entitled_days": None if entitled is None else D(entitled),
            "annual_taken": D(annual), "private_days": D(private)}


def test_unused_and_excess_leave(roster):
    leave = pd.DataFrame([
        leave_row(2, "1002", None, 3, 0),   # 2016-07-01 → 10 years → 10 days; 3 taken → +7
        leave_row(3, "2002", None, 5, 4),   # 2020-07-01 → 6 years → 5 days; 9 taken → −4
        leave_row(4, "3002", "5", 5, 0),    # exactly used → nothing
        leave_row(5, "2003", None, "0.5", 0),  # 2025-07-01 → 1 year → 5 days; +4.5
    ])
    frame, problems = leave_points(leave, roster, POLICY, "台账.xlsx")
    assert points_by_person(frame) == {("1002", "加分"): D(7), ("2002", "扣分"): D(4),
                                       ("2003", "加分"): D("4.5")}
    missing = sorted(p.message.split("）")[0] for p in problems if p.code == "leave.not_listed")
    assert missing == ["孙副（L2", "李办（1001", "郑规（2001", "钱副（L1", "陈建（3001"]


# --- annual -------------------------------------------------------------------------------

def monthly_frame(scores: dict[str, list]):
    lines = []
    for staff_id, values in scores.items():
        for index, value in enumerate(values, start=1):
            lines.append({"staff_id": staff_id, "month": f"2026-{index:02d}", "status": "已考核",
                          "score": D(value)})
    return pd.DataFrame(lines)


def point(staff_id, direction, points):
    return {"staff_id": staff_id, "direction": direction, "category": "表扬",
            "points": D(points), "source": "x", "detail": ""}


def test_annual_cap_reached_and_exceeded_deductions_uncapped(roster):
    monthly = monthly_frame({"1002": ["90", "91"], "2002": ["90", "90"], "3002": ["80", "81"]})
    points = pd.DataFrame([point("1002", "加分", 12), point("1002", "加分", 12),
                           point("1002", "加分", 8), point("2002", "加分", 30),
                           point("3002", "扣分", 12), point("3002", "扣分", 12),
                           point("3002", "扣分", 12), point("3002", "加分", 5)])
    frame, _ = annual_scores(monthly, points, roster, POLICY)
    lines = by_id(frame)
    # 1002: A = 90.50, B = 32 → 30 counted: 120.50
    assert (lines["1002"]["mean"], lines["1002"]["bonus_total"], lines["1002"]["bonus_counted"],
            lines["1002"]["score"]) == (D("90.50"), D(32), D(30), D("120.50"))
    # 2002: B exactly 30 → 120.00
    assert lines["2002"]["score"] == D("120.00")
    # 3002: A = 80.50, B 5, D 36 (no cap) → 49.50 不称职, coefficient 0
    assert (lines["3002"]["score"], lines["3002"]["grade"]) == (D("49.50"), "不称职")
    assert lines["3002"]["coefficient"] == D("0.0000")
    assert lines["1002"]["coefficient"] == D("1.2050")


def test_mid_year_joiner_mean_over_assessed_months_only(roster):
    monthly = monthly_frame({"2003": ["96", "94", "95.5"]})
    frame, problems = annual_scores(monthly, pd.DataFrame(columns=["staff_id", "direction",
                                                                   "points"]), roster, POLICY)
    line = by_id(frame)["2003"]
    assert (line["months"], line["mean"], line["score"]) == (3, D("95.17"), D("95.17"))
    assert by_id(frame)["1002"]["score"] is None
    assert any(p.code == "annual.no_months" and "1002" in p.message for p in problems)


@pytest.mark.parametrize("months, score, grade", [
    (["94.99", "95.00"], "95.00", "优秀"),   # mean 94.995 rounds half-up to 95.00
    (["95", "95"], "95.00", "优秀"),
    (["79.99", "79.99"], "79.99", "基本称职"),
    (["70", "70"], "70.00", "基本称职"),
    (["69.99", "70.00"], "70.00", "基本称职"),  # 69.995 → 70.00
    (["69.99", "69.99"], "69.99", "不称职"),
])
def test_boundary_scores(roster, months, score, grade):
    frame, _ = annual_scores(monthly_frame({"1002": months}),
                             pd.DataFrame(columns=["staff_id", "direction", "points"]),
                             roster, POLICY)
    line = by_id(frame)["1002"]
    assert (line["score"], line["grade"]) == (D(score), grade)


def test_ranking_excludes_not_ranked_people(roster):
    # 2003 has 参加排名 = 否
    monthly = monthly_frame({"1002": ["90"], "2002": ["95"], "2003": ["99"], "3002": ["95"]})
    frame, _ = annual_scores(monthly, pd.DataFrame(columns=["staff_id", "direction", "points"]),
                             roster, POLICY)
    lines = by_id(frame)
    assert (lines["2002"]["rank"], lines["3002"]["rank"], lines["1002"]["rank"]) == (1, 1, 3)
    assert lines["2003"]["rank"] is None and lines["2003"]["candidate"] == "不参加排名"
    # N = 3 ranked → k = floor(0.9) = 0: nobody is a candidate
    assert {lines[s]["candidate"] for s in ("1002", "2002", "3002")} == {"否"}


# --- ranking, candidates, pool --------------------------------------------------------------

def test_competition_ranks():
    assert ranking.competition_ranks([D(98), D(96), D(96), D(90)]) == [1, 2, 2, 4]
    assert ranking.competition_ranks([D(90), D(98), D(90)]) == [2, 1, 2]


def test_candidates_ties_at_the_cut():
    # N = 10 → k = 3; 99 and 97 in; the two 95s compete for 1 place → both 并列待定
    scores = [D(x) for x in (99, 97, 95, 95, 90, 89, 88, 87, 86, 85)]
    assert ranking.candidates(scores, D("0.30")) == ["是", "是", "并列待定", "并列待定"] + ["否"] * 6
    # the tie fits: 99, 95, 95 → all three 是
    scores = [D(x) for x in (99, 95, 95, 90, 89, 88, 87, 86, 85, 84)]
    assert ranking.candidates(scores, D("0.30")) == ["是", "是", "是"] + ["否"] * 7
    # k = 0 for a tiny unit
    assert ranking.candidates([D(99), D(98), D(97)], D("0.30")) == ["否", "否", "否"]


def test_pool_allocation_to_the_cent():
    # 10000 × 0.95/2.75 = 3454.5454…, × 0.90/2.75 = 3272.7272… ; floors 3454.54 + 2 × 3272.72
    # = 9999.98; the 2 cents go to the largest remainders (0.0072…, twice) → 3272.73 each
    assert ranking.allocate(D("10000.00"), [D("0.95"), D("0.90"), D("0.90")]) == [
        D("3454.54"), D("3272.73"), D("3272.73")]
    assert ranking.allocate(D("100.00"), [D(1), D(1), D(1)]) == [D("33.34"), D("33.33"), D("33.33")]
    assert ranking.allocate(D("100.00"), [D(0), D(0)]) == [D("0.00"), D("0.00")]


@given(st.lists(st.decimals(min_value=0, max_value=2, places=4), min_size=1, max_size=60),
       st.decimals(min_value=D("0.01"), max_value=D("10000000"), places=2))
def test_amounts_always_sum_to_the_pool(coefficients, pool):
    amounts = ranking.allocate(pool, coefficients)
    if sum(coefficients) > 0:
        assert sum(amounts) == pool
        assert all(a >= 0 for a in amounts)


@given(st.lists(st.decimals(min_value=0, max_value=130, places=2), min_size=1, max_size=80))
def test_ranking_is_a_non_increasing_order_of_scores(scores):
    ranks = ranking.competition_ranks(scores)
    pairs = sorted(zip(ranks, scores, strict=True))
    assert all(a[1] >= b[1] for a, b in zip(pairs, pairs[1:]))
    assert min(ranks) == 1


@given(st.lists(st.tuples(st.sampled_from(["加分", "扣分"]), st.integers(0, 40)), max_size=12))
def test_bonus_counted_never_exceeds_the_cap(entries):
    roster_like = _ROSTER_FOR_PROPERTY
    points = pd.DataFrame([point("1002", d, p) for d, p in entries],
                          columns=["staff_id", "direction", "category", "points", "source", "detail"])
    frame, _ = annual_scores(monthly_frame({"1002": ["90"]}), points, roster_like, POLICY)
    line = by_id(frame)["1002"]
    assert line["bonus_counted"] <= POLICY.bonus_cap
    assert line["bonus_counted"] == min(line["bonus_total"], POLICY.bonus_cap)


def _load_roster_once():
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    write_roster(folder / "花名册.xlsx")
    return load_roster(folder / "花名册.xlsx")[0]


_ROSTER_FOR_PROPERTY = _load_roster_once()
