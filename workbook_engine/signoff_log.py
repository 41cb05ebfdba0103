"""The sign-off log kept as a file in archive/, so that `rebuild` can restore sign-offs.

    archive/签批记录.jsonl   one JSON object a line, oldest first:
      {"at": "2026-04-03T10:00:00", "scope": "month", "period": "2026-03", "action": "signoff",
       "by_name": "王局长", "fingerprint": "…", "reason": "", "report_path": "reports/已签批/…",
       "state": "{…the bureau of each month it froze…}",
       "files": ["<sha256>", …]}     ← the files processed since the previous entry

The store is the record of the sign-offs; the file is rewritten from it (through a temporary
name) after every sign-off and reopen. `files` lets `rebuild` ingest what had arrived before
each sign-off, apply it, then go on: forms that came later wait as amendments again.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from workbook_engine import store

LOG_NAME = "签批记录.jsonl"
_FIELDS = ("at", "scope", "period", "action", "by_name", "fingerprint", "reason", "report_path",
           "state")


def log_path(archive: Path) -> Path:
    return archive / LOG_NAME


def export(conn, archive: Path) -> Path:
    """Write the whole log from the store into archive/ (atomically)."""
    lines, previous = [], 0
    for entry in store.signoff_log(conn):
        upto = entry["files_upto"] or previous
        record = {key: entry[key] for key in _FIELDS}
        record["files"] = store.file_hashes_between(conn, previous, upto)
        previous = max(previous, upto)
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    target = log_path(archive)
    archive.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=archive, prefix=".tmp-", suffix=".jsonl")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("".join(line + "\n" for line in lines))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return target


def read(archive: Path) -> list[dict]:
    """The archived log entries, oldest first (none when there is no log)."""
    path = log_path(archive)
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
