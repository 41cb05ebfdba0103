"""Everything dated uses the bureau of its day: forms, ingest, status, reports, ledger points.

The bureau (conftest CHANGED_*): 何新 4001 joined 规划股 on 1 May; 周一 1002 left on 1 July;
褚五 3002 moved 建管股 → 规划股 on 1 June; 建管股's leader in charge 孙副 L2 → 钱副 L1 on
1 July. Monthly forms are filled for April to July; every number is worked by hand below.
"""

from __future__ import annotations

import json
from decimal import Decimal as D

import openpyxl
import pytest
from changed_bureau import fill_month
from fill import fill_weekly
from helpers import (
    CHANGED_PEOPLE,
    CHANGED_SECTIONS,
    DUTY_CHANGES,
    PERSON_CHANGES,
    write_ledger,
    write_roster,
)
from helpers import (
    cli as run,
)

from workbook_engine.workspace import Workspace, init_workspace

PRAISE = [
    # 规划股 on 10 March: 郑规, 王三, 王三 (not 何新, not yet in post; not 褚五, then in 建管股)
    # and its leader 钱副: +5 each
    ("2026-03-10", "表扬", "县委县政府", "县政〔2026〕1号", "集体", "规划股", "创建"),
    # 褚五 on 20 May, then in 建管股: −3, and 建管股's leader then, 孙副: −3
    ("2026-05-20", "批评", "县级部门", "县住建〔2026〕2号", "个人", "3002", "迟报"),
    # 建管股 on 10 August: 陈建 only (褚五 moved), and its leader then, 钱副: −3
    ("2026-08-10", "批评", "县级部门", "县住建〔2026〕3号", "集体", "建管股", "安全"),
    # 何新 on 1 April, before joining: a data problem, no points for anyone (row 5)
    ("2026-04-01", "表扬", "县级部门", "县住建〔2026〕4号", "个人", "4001", "征文"),
]
ACTIVITIES = [("2026-08-01", "职工运动会", "县级部门", "1002", "周一")]  # after leaving: nothing

# Hand computation, four months of forms (April–July):
#          months             A      B   D   annual  rank  candidate
# L1       4 × 90             90.00  5   3   92.00   3     否
# L2       4 × 90             90.00  0   3   87.00   6     否
# 1001     4 × 90             90.00  0   0   90.00   4     否
# 1002     Apr–Jun 92, Jul 未在岗 92.00 0 0   92.00   —     年末不在岗 (left 1 July)
# 2001     4 × 90             90.00  5   0   95.00   1     是
# 2002     4 × 90             90.00  5   0   95.00   1     是
# 2003     4 × 90             90.00  5   0   95.00   —     不参加排名
# 3001     4 × 90             90.00  0   3   87.00   6     否
# 3002     4 × 90             90.00  0   3   87.00   6     否
# 4001     Apr 未在岗, May–Jul 88  88.00 0 0  88.00   5     否
# 8 ranked → k = floor(8 × 0.3) = 2; the 2nd score 95.00 is held by exactly 2 → both 是.
EXPECTED = {
    "L1": (4, "90.00", "5", "3", "92.00", 3, "否"),
    "L2": (4, "90.00", "0", "3", "87.00", 6, "否"),
    "1001": (4, "90.00", "0", "0", "90.00", 4, "否"),
    "1002": (3, "92.00", "0", "0", "92.00", None, "年末不在岗"),
    "2001": (4, "90.00", "5", "0", "95.00", 1, "是"),
    "2002": (4, "90.00", "5", "0", "95.00", 1, "是"),
    "2003": (4, "90.00", "5", "0", "95.00", None, "不参加排名"),
    "3001": (4, "90.00", "0", "3", "87.00", 6, "否"),
    "3002": (4, "90.00", "0", "3", "87.00", 6, "否"),
    "4001": (3, "88.00", "0", "0", "88.00", 5, "否"),
}


@pytest.fixture(scope="module")
def year_ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("over_time") / "ws"
    init_workspace(root, 2026)
    ws = Workspace(root.resolve())
    write_roster(ws.roster_path, CHANGED_PEOPLE, CHANGED_SECTIONS, PERSON_CHANGES, DUTY_CHANGES)
    write_ledger(ws.ledger_path, PRAISE, ACTIVITIES)
    editions = {month: fill_month(ws, month) for month in (4, 5, 6, 7)}
    report = json.loads(run(ws, "ingest", "--json").stdout)
    assert report["counts"] == {"accepted": 4 + 4 + 4 + 3}, report
    EDITIONS.update(editions)
    return ws


EDITIONS: dict[int, dict[str, list[str]]] = {}


def test_leader_editions_follow_the_bureau_of_their_month(year_ws):
    editions = {m: {r: sorted(p) for r, p in e.items()} for m, e in EDITIONS.items()}
    assert editions[4]["L1"] == ["1001", "1002", "2001", "2002", "2003"]
    assert editions[4]["L2"] == ["3001", "3002"]
    assert editions[5]["L1"] == ["1001", "1002", "2001", "2002", "2003", "4001"]  # joined
    # June: 褚五 moved on 1 June → 规划股 (钱副); 建管股 still 孙副's until 30 June
    assert editions[6]["L1"] == ["1001", "1002", "2001", "2002", "2003", "3002", "4001"]
    assert editions[6]["L2"] == ["3001"]
    # July: 周一 left; 建管股 is 钱副's, 孙副 rates nobody and gets no edition
    assert editions[7]["L1"] == ["1001", "2001", "2002", "2003", "3001", "3002", "4001"]
    assert set(editions[7]) == {"L0", "L1"}


def sheet(path, name):
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    return [str(h) for h in rows[0]], rows[1:]


def test_month_reports_list_the_people_in_post_then_under_their_section_then(year_ws):
    run(year_ws, "report", "month", "2026-06")
    _, rows = sheet(year_ws.reports / "2026-06_月度考核汇总.xlsx", "月度汇总")
    got = {r[0]: r for r in rows if r[0]}
    assert got["1002"][2] == "办公室" and D(str(got["1002"][6])) == D(92)  # still in post
    assert got["3002"][2] == "规划股"
    run(year_ws, "report", "month", "2026-04")
    _, rows = sheet(year_ws.reports / "2026-04_月度考核汇总.xlsx", "月度汇总")
    got = {r[0]: r for r in rows if r[0]}
    assert "4001" not in got and got["3002"][2] == "建管股"
    run(year_ws, "report", "month", "2026-07")
    _, rows = sheet(year_ws.reports / "2026-07_月度考核汇总.xlsx", "月度汇总")
    got = {r[0]: r for r in rows if r[0]}
    assert "1002" not in got and D(str(got["4001"][6])) == D(88)


def test_year_summary_leaver_joiner_transfer_and_leader_change_by_hand(year_ws):
    run(year_ws, "report", "year", "2026", "--bonus-pool", "10000")
    headers, rows = sheet(year_ws.reports / "2026_年度考核汇总.xlsx", "年度汇总")
    got = {r[0]: r for r in rows if r[0]}
    assert set(got) == set(EXPECTED)
    for staff_id, (months, mean, bonus, minus, score, rank, pick) in EXPECTED.items():
        row = got[staff_id]
        values = (row[3], D(str(row[4])).quantize(D("0.01")), D(str(row[5])), D(str(row[7])),
                  D(str(row[8])).quantize(D("0.01")), row[10], row[11])
        assert values == (months, D(mean), D(bonus), D(minus), D(score), rank, pick), staff_id
    # the leaver is not in the bonus pool: no coefficient, no amount; the rest share 10000
    assert got["1002"][12] is None and got["1002"][13] is None
    assert sum(D(str(r[13])) for r in got.values() if r[13] is not None) == D("10000.00")
    _, months = sheet(year_ws.reports / "2026_年度考核汇总.xlsx", "月度得分")
    by_id = {r[0]: r for r in months if r[0]}
    assert by_id["4001"][3:7] == ("未在岗",) * 4  # January–April: before joining
    assert by_id["1001"][3] == "未交"  # no January forms at all
    assert by_id["1002"][9] == "未在岗" and by_id["4001"][7] == 88
    problems = [r[3] for r in openpyxl.load_workbook(
        year_ws.reports / "2026_年度考核汇总.xlsx")["数据问题"].iter_rows(min_row=2, values_only=True)]
    assert not any("4001" in p and "未交齐" in p for p in problems)
    assert any("何新" in p and "不在岗" in p for p in problems)
    assert any("周一" in p and "不在岗" in p for p in problems)


def test_points_reach_the_sections_and_leaders_of_the_document_date(year_ws):
    run(year_ws, "report", "year", "2026")
    _, rows = sheet(year_ws.reports / "2026_年度考核汇总.xlsx", "加减分明细")
    lines = sorted((r[0], r[2], int(r[4]), r[5][:15]) for r in rows if r[0] and r[2] != "履职扣分")
    assert lines == sorted([
        ("2001", "加分", 5, "文号 县政〔2026〕1号（县"), ("2002", "加分", 5, "文号 县政〔2026〕1号（县"),
        ("2003", "加分", 5, "文号 县政〔2026〕1号（县"), ("L1", "加分", 5, "文号 县政〔2026〕1号（县"),
        ("3002", "扣分", 3, "文号 县住建〔2026〕2号（"), ("L2", "扣分", 3, "文号 县住建〔2026〕2号（"),
        ("3001", "扣分", 3, "文号 县住建〔2026〕3号（"), ("L1", "扣分", 3, "文号 县住建〔2026〕3号（"),
    ])


def test_weekly_forms_and_their_validation_follow_the_week(year_ws, tmp_path):
    ws = year_ws
    run(ws, "forms", "weekly", "--week", "2026-W18")  # Thursday 30 April: 何新 not yet
    assert not list((ws.outbox / "2026-W18").rglob("*4001*"))
    run(ws, "forms", "weekly", "--week", "2026-W19")
    assert list((ws.outbox / "2026-W19" / "规划股").glob("*4001*"))
    run(ws, "forms", "weekly", "--week", "2026-W22")  # Thursday 28 May: 褚五 in 建管股
    before = next((ws.outbox / "2026-W22" / "建管股").glob("*3002*"))
    run(ws, "forms", "weekly", "--week", "2026-W23")  # Thursday 4 June: 褚五 in 规划股
    after = next((ws.outbox / "2026-W23" / "规划股").glob("*3002*"))
    book = openpyxl.load_workbook(after)
    printed = " ".join(str(c.value) for row in book.worksheets[0].iter_rows() for c in row if c.value)
    assert "郑规" in printed and "钱副" in printed
    # a form from before the transfer validates against the old chief and leader
    fill_weekly(before, ws.inbox / "w" / "before.xlsx", chief=("称职", "陈建"),
                leader=("称职", "孙副"), log=["巡查"])
    # after it, the old chief is the wrong signer
    fill_weekly(after, ws.inbox / "w" / "after.xlsx", chief=("称职", "陈建"), log=["巡查"])
    report = json.loads(run(ws, "ingest", "--json").stdout)
    outcomes = {o["file"].split("/")[-1]: o for o in report["outcomes"]}
    assert outcomes["before.xlsx"]["outcome"] == "accepted", outcomes["before.xlsx"]
    assert outcomes["after.xlsx"]["outcome"] == "rejected"
    assert "郑规" in json.dumps(outcomes["after.xlsx"], ensure_ascii=False)
    status = run(ws, "status", "--week", "2026-W22").output
    assert "褚五" in status and "建管股" in status
    status = run(ws, "status", "--week", "2026-W18").output
    assert "何新" not in status


def test_policy_keys_let_a_leaver_be_ranked_a_candidate_and_paid(year_ws):
    import dataclasses

    from workbook_engine.periods import Year
    from workbook_engine.scoring.compute import compute_year
    from workbook_engine.workspace import Inputs

    inputs = year_ws.inputs()
    policy = dataclasses.replace(inputs.policy, leavers_ranked=True, leavers_candidates=True,
                                 leavers_in_bonus_pool=True)
    annual = compute_year(year_ws, Year(2026), D("10000"), inputs=Inputs(policy, inputs.roster)
                          ).annual
    row = annual[annual["staff_id"] == "1002"].iloc[0]
    # 9 ranked now: 95, 95, 92 (L1), 92 (周一), 90, 88, 87 ×3 → 周一 shares rank 3 with 钱副;
    # k = floor(9 × 0.3) = 2 places, both taken by the two 95s
    assert (row["rank"], row["candidate"], row["coefficient"]) == (3, "否", D("0.9200"))
    assert row["amount"] is not None


def test_leaver_keys_in_policy_toml_are_checked():
    from workbook_engine.issues import InputError
    from workbook_engine.policy import parse_policy, seed_policy_text

    text = seed_policy_text(2026, "某局").replace("leavers_ranked = false",
                                                  'leavers_ranked = "是"')
    with pytest.raises(InputError) as caught:
        parse_policy(text)
    assert [i.key for i in caught.value.issues] == ["annual.leavers_ranked"]
    assert parse_policy(seed_policy_text(2026, "某局").replace(
        "leavers_in_bonus_pool = false", "leavers_in_bonus_pool = true")).leavers_in_bonus_pool
