"""What a sign-off keeps of the bureau: a signed month's state as JSON, and back.

A signed-off month keeps its figures whatever happens to the roster later (a name corrected,
a change row added or removed): its people, their 股室 and reviewers are those it was signed
with.

    text = roster_to_json(roster.for_period(Month(2026, 3)))   # kept with the sign-off
    roster_from_json(text).assessed()                           # the people of March, as signed
"""

from __future__ import annotations

import datetime as dt
import json

from workbook_engine.roster import Person, Roster, Section

_PERSON_FIELDS = ("staff_id", "name", "section", "category", "start_date", "in_post",
                  "assessed", "ranked", "row")


def roster_to_json(roster: Roster) -> str:
    """The roster with each person's reviewers fixed (compact, stable key order)."""
    people = []
    for person in roster.people.values():
        values = [getattr(person, name) for name in _PERSON_FIELDS]
        values[4] = person.start_date.isoformat() if person.start_date else None
        people.append(values)
    raters = {p.staff_id: [_id(roster.initial_rater(p)), _id(roster.final_rater(p))]
              for p in roster.people.values() if p.in_post}
    data = {
        "people": people,
        "sections": [[s.name, s.chief_id, s.leader_id, s.row] for s in roster.sections.values()],
        "director_id": roster.director_id,
        "raters": raters,
        "file": roster.file,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def roster_from_json(text: str, history=None) -> Roster:
    """The kept roster; `history` (the live one) only answers which weeks someone was in post."""
    data = json.loads(text)
    people = {}
    for values in data["people"]:
        fields = dict(zip(_PERSON_FIELDS, values, strict=True))
        if fields["start_date"]:
            fields["start_date"] = dt.date.fromisoformat(fields["start_date"])
        people[fields["staff_id"]] = Person(**fields)
    sections = {name: Section(name, chief, leader, row)
                for name, chief, leader, row in data["sections"]}
    raters = {key: tuple(value) for key, value in data["raters"].items()}
    return Roster(people, sections, data["director_id"], data["file"], history=history,
                  raters=raters)


def _id(person: Person | None) -> str | None:
    return person.staff_id if person else None
