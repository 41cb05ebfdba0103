"""Which of several versions of one form counts: the one ordering rule of ingest and rebuild.

    in_saved_order(units, form_key_of, key_of) → the same units, the versions of each form
        reordered among their own places, saved first → saved last (the last one counts)
    version_key(saved_at, file_time, place)   → what they are ordered by

The rule: versions that arrive in one run (inbox files and the attachments of every mail in
it, .eml dropped in or fetched by IMAP, alike) are recorded in the order they were saved —
the workbook's own last-saved time (`saved.py`), else the file's own time (an inbox file's
modified time; an attachment's: the Date of its mail, else the mail file's time), then its place in the run (inbox path,
then the attachment's place in its mail). A version that arrives in a later run supersedes
(it was sent later). What was recorded, in that order, is kept in archive/收件记录.jsonl
(`intake_log.py`), and `rebuild` replays that order, so it ends with the versions ingest
picked — also when a version sent later had been saved earlier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import TypeVar

Unit = TypeVar("Unit")
VersionKey = tuple[str, str, int]


def utc_text(value: dt.datetime) -> str:
    """A time as ISO UTC to the second (a time without a zone is taken as this PC's)."""
    return value.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def file_time(mtime: float | None) -> str:
    """A file's modified time as ISO UTC; '' when unknown."""
    if mtime is None:
        return ""
    try:
        return utc_text(dt.datetime.fromtimestamp(mtime, dt.timezone.utc))
    except (OverflowError, OSError, ValueError):
        return ""


def mail_time(date_header: str) -> str:
    """A mail's Date (as `Mail.sent` keeps it, or raw) as ISO UTC; '' when it does not parse."""
    if not date_header:
        return ""
    for parse in (dt.datetime.fromisoformat, parsedate_to_datetime):
        try:
            return utc_text(parse(date_header))
        except (TypeError, ValueError, IndexError, OverflowError, OSError):
            continue
    return ""


def version_key(saved_at: str, own_time: str, place: int) -> VersionKey:
    """Saved time (the workbook's, else the file's), then the file's time, then the place."""
    return (saved_at or own_time, own_time, place)


def in_saved_order(units: list[Unit], form_key_of: Callable[[Unit], str | None],
                   key_of: Callable[[Unit], VersionKey]) -> list[Unit]:
    """The same units, with the versions of each form reordered among their own places so
    that the one saved last is recorded last (and so counts); other units keep their place."""
    places: dict[str, list[int]] = {}
    for index, unit in enumerate(units):
        key = form_key_of(unit)
        if key is not None:
            places.setdefault(key, []).append(index)
    ordered = list(units)
    for indexes in places.values():
        if len(indexes) > 1:
            versions = sorted((units[i] for i in indexes), key=key_of)
            for index, unit in zip(indexes, versions):
                ordered[index] = unit
    return ordered
