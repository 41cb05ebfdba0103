"""The input fingerprint of a report: a hash of the stored forms, roster, policy and ledger.

The same fingerprint means the report was made from the same data; it is printed on the
cover and kept in the sign-off log so a signed report can be verified later.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from workbook_engine import store


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def fingerprint(conn, months: list[str], files: list[Path]) -> str:
    """sha256 over the current forms of the months and the given office files."""
    material = {
        "forms": store.current_hashes(conn, months),
        "files": {path.name: _file_hash(path) for path in files},
    }
    text = json.dumps(material, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
