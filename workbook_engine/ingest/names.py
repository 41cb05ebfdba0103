"""File names as they are stored: readable text, short enough for every file system.

    readable("\udcd6\udcdc一.xlsx")  → "周一.xlsx"   (GBK bytes from a zip made on Chinese Windows)
    fit("周" * 100 + ".xlsx")       → at most 200 bytes, extension kept, a hash keeps it unique
"""

from __future__ import annotations

import hashlib
import os

MAX_NAME_BYTES = 200  # leaves room for "__<hash>" and ".原因.txt" under the usual 255


def readable(text: str) -> str:
    """A name the store and the reports can hold: bytes that are not UTF-8 decoded as GB18030
    (what Chinese Windows writes), else with replacement characters."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = os.fsencode(text)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def fit(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """`name` cut to `limit` UTF-8 bytes, keeping the extension; a cut name gets a short hash
    of the full name so two long names that start alike stay apart."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, suffix = os.path.splitext(name)
    tag = "~" + hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:8]
    room = limit - len(suffix.encode("utf-8")) - len(tag)
    kept = stem.encode("utf-8")[: max(room, 1)].decode("utf-8", "ignore")
    return f"{kept}{tag}{suffix}"
