"""Bonus and deduction points from the ledger, each with its source (SPEC §5).

    individual commendation        → the person
    collective commendation        → every assessed member of each named 股室 + its 分管领导
    individual criticism           → the person + the person's 分管领导 (none above a 分管领导)
    collective criticism           → every assessed member of each named 股室 + its 分管领导
    one document (文号) counts at most once per person, however many of their 股室 it names
    activity (county level or above) → activity_points per participation
Every line carries `source` (文号 and ledger sheet+row) so a report can show where it came from.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from workbook_engine.ledger import ACTIVITY_SHEET, PRAISE_SHEET
from workbook_engine.roster import Person, Roster
from workbook_engine.scoring.frames import records

BONUS, DEDUCTION = "加分", "扣分"
PRAISE, CRITICISM = "表扬", "批评"
COLLECTIVE = "集体"
COLUMNS = ("staff_id", "direction", "category", "points", "source", "detail")


def _leader_of(roster: Roster, person: Person) -> Person | None:
    """The 分管领导 co-responsible for a person's criticism (none for leaders themselves)."""
    if person.category in ("分管领导", "局长"):
        return None
    return roster.final_rater(person)


def _targets(document: dict, roster: Roster) -> list[tuple[str, str]]:
    """(工号, why) for everyone a document reaches, before the once-per-person rule; the
    股室 members and leaders in charge are those of the document's date."""
    reached: list[tuple[str, str]] = []
    roster = roster.on(document["date"])
    if document["scope"] == COLLECTIVE:
        for name in document["sections"]:
            section = roster.sections.get(name)
            reached += [(p.staff_id, f"集体{document['kind']}：{name}") for p in roster.members(name)]
            if section is not None and section.leader_id:
                reached.append((section.leader_id, f"集体{document['kind']}：{name}（分管领导）"))
        return reached
    person = roster.person(document["staff_id"])
    if person is None or not person.in_post:
        return reached
    reached.append((person.staff_id, f"个人{document['kind']}"))
    if document["kind"] == CRITICISM:
        leader = _leader_of(roster, person)
        if leader is not None:
            reached.append((leader.staff_id, f"分管领导连带责任：{person.name}（{person.staff_id}）"))
    return reached


def document_points(documents: pd.DataFrame, roster: Roster, ledger_file: str) -> pd.DataFrame:
    """Points of commendations and criticisms, once per document and person."""
    lines, seen = [], set()
    for document in records(documents):
        direction = BONUS if document["kind"] == PRAISE else DEDUCTION
        source = (f"文号 {document['doc_no']}（{document['issuer']}；"
                  f"{ledger_file} {PRAISE_SHEET} 第 {document['source_row']} 行）")
        for staff_id, why in _targets(document, roster):
            key = (staff_id, document["kind"], document["doc_no"])
            if key in seen:
                continue
            seen.add(key)
            detail = f"{why}；{document['reason']}" if document["reason"] else why
            lines.append((staff_id, direction, document["kind"], document["points"], source,
                          detail))
    return pd.DataFrame(lines, columns=list(COLUMNS))


def activity_points(activities: pd.DataFrame, points_each: Decimal,
                    ledger_file: str) -> pd.DataFrame:
    """One line per participation in a qualifying activity."""
    lines = [
        (row["staff_id"], BONUS, "活动", points_each,
         f"{ledger_file} {ACTIVITY_SHEET} 第 {row['source_row']} 行",
         f"{row['name']}（{row['organizer']}，{row['date']}）")
        for row in records(activities)
    ]
    return pd.DataFrame(lines, columns=list(COLUMNS))
