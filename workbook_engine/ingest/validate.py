"""Check a `RawForm` against roster and policy; produce a `FormRecord` and every problem.

    raw weekly form of 1002 for 2026-W10, 评定 by 钱副 without 初评
        → FormRecord(form_key="weekly:2026-W10:1002", ...) and
          [Issue("weekly.missing_initial", "已有分管领导评定，但缺少股室长初评", cell="B17")]

A record is produced only when there is no error; warnings travel with it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property

from workbook_engine.forms import layout
from workbook_engine.ingest import monthly_rules, weekly_rules
from workbook_engine.ingest.read import RawForm
from workbook_engine.issues import Issue, has_errors
from workbook_engine.policy import Policy
from workbook_engine.roster import Roster

# json.dumps(payload, ensure_ascii=False, sort_keys=True) without a new encoder each time
_PAYLOAD_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class FormRecord:
    """A valid form: its identity, period and the values to store (JSON-ready)."""

    form_kind: str
    edition: str
    subject_id: str
    period: str
    payload: dict = field(hash=False)

    @cached_property  # asked for many times per file while it is recorded
    def form_key(self) -> str:
        parts = [self.form_kind, self.edition, self.period, self.subject_id]
        return ":".join(part for part in parts if part)

    @cached_property  # worked out in the reader process; travels with the record
    def content_hash(self) -> str:
        text = _PAYLOAD_JSON.encode(self.payload)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def validate(raw: RawForm, roster: Roster, policy: Policy) -> tuple[FormRecord | None, list[Issue]]:
    """All problems of the form at once; a record only when none of them is an error."""
    issues = list(raw.issues)
    if has_errors(issues):
        return None, issues
    if raw.form == layout.WEEKLY_KIND:
        record, found = weekly_rules.check(raw, roster, policy)
    elif raw.form == layout.MONTHLY_KIND:
        record, found = monthly_rules.check(raw, roster, policy)
    else:
        return None, issues
    issues.extend(found)
    if has_errors(issues) or record is None:
        return None, issues
    return FormRecord(**record), issues
