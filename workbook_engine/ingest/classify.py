"""Classify one file: sniff, read, validate. Pure (no store, no moves), so it can run in a worker.

classify(Path("inbox/张三.xlsx"), "张三.xlsx", roster, policy)
    → Classified(kind="xlsx", sha256="…", record=FormRecord(...), issues=[...])
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from workbook_engine.ingest.isolate import read_isolated
from workbook_engine.ingest.read import RawForm
from workbook_engine.ingest.saved import saved_at
from workbook_engine.ingest.sniff import EML, sniff, sniff_bytes
from workbook_engine.ingest.validate import FormRecord, validate
from workbook_engine.issues import WARNING, Issue
from workbook_engine.policy import Policy
from workbook_engine.roster import Roster
from workbook_engine.text import clean_text

_CHUNK = 1 << 20
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


@dataclass
class Classified:
    """What a file is and what it holds; `record` is set only for a valid form."""

    sha256: str
    size: int
    kind: str = ""
    skip: bool = False
    record: FormRecord | None = None
    issues: list[Issue] = field(default_factory=list)
    staff_id: str = ""  # the key of whom the form is about (or its rater); "" for the office
    person: str = ""  # the same, as the returns list prints it: 「姓名（工号）」 or 考核办
    period: str = ""
    saved_at: str = ""  # the workbook's own last-saved time (ISO UTC), '' when unknown

    @property
    def is_mail(self) -> bool:
        return self.kind == EML


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _size_and_bytes(path: Path, limit: int) -> tuple[int, bytes | None]:
    """A file's size, and its bytes (all of them, as `Path.read_bytes`) when the size is at
    most `limit`: one open, one fstat."""
    handle = os.open(path, os.O_RDONLY | _BINARY)
    try:
        size = os.fstat(handle).st_size
        if size > limit:
            return size, None
        chunks = [os.read(handle, size + 1)]  # one more: a file grown since is read whole
        while chunks[-1]:
            chunks.append(os.read(handle, max(size, _CHUNK)))
        return size, b"".join(chunks) if len(chunks) > 2 else chunks[0]
    finally:
        os.close(handle)


def _who_and_when(raw: RawForm, roster: Roster) -> tuple[str, str, str]:
    """Best-effort 工号, shown person and period of a form, for the returns list and counts."""
    staff_id = (
        raw.meta.get("staff_id")
        or raw.meta.get("rater_id")
        or clean_text(raw.fields.get("staff_id"))
    )
    person = roster.person(staff_id) if staff_id else None
    who = f"{person.name}（{staff_id}）" if person else staff_id
    if not who and raw.meta.get("edition") == "office":
        who = "考核办"
    return staff_id, who, raw.meta.get("period") or clean_text(raw.fields.get("period"))


def classify(path: Path, name: str, roster: Roster, policy: Policy, read=None) -> Classified:
    """Sniff, read and validate one file; every problem is an issue, never an exception.

    Inside a limited reader process (`read` given) the file is read into memory once and
    sniffed, hashed and parsed from there; otherwise the parse runs in a child process.
    """
    if read is not None:
        size, data = _size_and_bytes(path, policy.limits.max_file_bytes)
    else:
        size, data = path.stat().st_size, None
    if data is not None:
        sniffed = sniff_bytes(data, path.name, policy.limits, name)
    else:
        sniffed = sniff(path, policy.limits, name)
    if sniffed.skip:
        return Classified(sha256="", size=size, skip=True)
    digest = hashlib.sha256(data).hexdigest() if data is not None else file_sha256(path)
    result = Classified(sha256=digest, size=size, kind=sniffed.kind)
    if sniffed.issues or not sniffed.kind:
        result.issues = list(sniffed.issues)
        return result
    if sniffed.kind == EML:
        return result
    result.saved_at = saved_at(data if data is not None else path.read_bytes(), sniffed.kind)
    if read is None:
        raw = read_isolated(path, sniffed.kind, name, policy.limits)
    else:  # already inside a limited reader process
        raw = read(data, sniffed.kind, name)
    result.staff_id, result.person, result.period = _who_and_when(raw, roster)
    result.record, result.issues = validate(raw, roster, policy)
    if result.record is not None:
        result.record.content_hash  # noqa: B018 - worked out here, in parallel, not in the parent
    if sniffed.macros:
        result.issues.append(
            Issue(
                code="file.macros",
                severity=WARNING,
                file=name,
                message="文件包含宏，程序只读取数据，不会运行宏",
            )
        )
    return result
