"""The order in which ingest recorded the archived forms, kept in archive/ for `rebuild`.

    archive/收件记录.jsonl   one JSON object a line, in the order the files were recorded:
      {"sha256": "…", "stored_path": "archive/2026-W10/2026-W10_周考评表_1002_周一.xlsx"}

Which version of a form counts follows from the order its versions were recorded in
(`order.py`); `rebuild` replays this order, so it ends with the versions ingest picked. The
log is made from the store (form files recorded into archive/, by id) at the start and the
end of every ingest: lines are appended while the log agrees with the store, else it is
written anew through a temporary name (a line cut short by a crash, a log from elsewhere);
a temporary file left by a killed run goes at the next sync.
Its content depends only on the store, so a resumed run ends with the same log as an
uninterrupted one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from workbook_engine import store

LOG_NAME = "收件记录.jsonl"


def log_path(archive: Path) -> Path:
    return archive / LOG_NAME


def _line(sha256: str, stored_path: str) -> bytes:
    """json.dumps({"sha256": …, "stored_path": …}, ensure_ascii=False, sort_keys=True) and a
    newline, in UTF-8: each string quoted by json's own function, without an encoder a line."""
    return f'{{"sha256": {_quoted(sha256)}, "stored_path": {_quoted(stored_path)}}}\n'.encode()


_quoted = json.encoder.encode_basestring  # what json.dumps quotes with when not ensure_ascii


def _temp_path(archive: Path) -> Path:
    return archive / f".tmp-{LOG_NAME}"  # one name: a run killed while writing leaves only it


def _write_all(conn, target: Path) -> None:
    temp = _temp_path(target.parent)
    with temp.open("wb") as out:
        out.writelines(_line(*row) for row in store.archived_forms(conn))
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, target)


def sync_intake_log(conn, archive: Path) -> None:
    """Bring archive/收件记录.jsonl up to the store's recorded order."""
    try:
        _sync(conn, archive)
    except OSError as exc:
        if exc.filename:
            raise
        raise OSError(exc.errno, exc.strerror, str(log_path(archive))) from exc  # names it


def _sync(conn, archive: Path) -> None:
    total = store.archived_form_count(conn)
    target = log_path(archive)
    if _temp_path(archive).exists():
        _temp_path(archive).unlink()
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        data = b""
    if not data and not total:
        return
    lines = data.count(b"\n")
    last = data[data.rfind(b"\n", 0, len(data) - 1) + 1:] if data else b""
    agrees = data.endswith(b"\n") and lines <= total and (
        lines == 0 or _line(*store.archived_forms(conn, lines - 1, 1)[0]) == last)
    if agrees and lines == total:
        return
    archive.mkdir(parents=True, exist_ok=True)
    if not agrees:
        _write_all(conn, target)
        return
    with target.open("ab") as out:
        out.writelines(_line(*row) for row in store.archived_forms(conn, lines))
        out.flush()
        os.fsync(out.fileno())


def recorded_order(archive: Path) -> list[str]:
    """The archived paths (relative to the workspace) in the order they were recorded, each
    once; [] without a log (an older workspace: rebuild then orders by saved time)."""
    try:
        text = log_path(archive).read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return []
    seen: dict[str, None] = {}
    for line in text.splitlines():
        try:
            path = json.loads(line)["stored_path"]
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short
        if isinstance(path, str):
            seen.setdefault(path, None)
    return list(seen)
