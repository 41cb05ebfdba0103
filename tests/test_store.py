"""The store's schema migrations and the keys it hands out."""

from __future__ import annotations

import json
import sqlite3

import pytest

from workbook_engine import store


def _version_one_store(path, people: list[str]) -> None:
    """A store as version 1 left it: rejected files' reasons carry only the shown person."""
    conn = sqlite3.connect(path)
    conn.executescript(store.MIGRATIONS[0])
    for n, person in enumerate(people):
        reasons = json.dumps({"person": person, "period": "2026-W10", "issues": []},
                             ensure_ascii=False)
        conn.execute("INSERT INTO files (sha256, original_name, original_path, size, received_at,"
                     " outcome, reasons) VALUES (?, ?, ?, 1, '2026-03-09T10:00:00', 'rejected', ?)",
                     (f"{n:064d}", f"{n}.xlsx", f"{n}.xlsx", reasons))
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def test_migration_two_gives_old_rejections_their_staff_id(tmp_path):
    path = tmp_path / "store.sqlite3"
    _version_one_store(path, ["张三（1001）", "A007", "考核办", ""])
    conn = store.connect(path)
    entries = store.rejected_for_periods(conn, ["2026-W10"])
    assert [e["staff_id"] for e in entries] == ["1001", "A007", "", ""]
    assert [e["reasons"]["person"] for e in entries] == ["张三（1001）", "A007", "考核办", ""]
    assert store.schema_version(conn) == store.SCHEMA_VERSION


def test_a_new_rejection_keeps_its_staff_id(tmp_path):
    conn = store.connect(tmp_path / "store.sqlite3")
    reasons = json.dumps({"staff_id": "1002", "person": "李四（1002）", "period": "2026-03"},
                         ensure_ascii=False)
    with store.Transaction(conn):
        store.insert_file(conn, sha256="a" * 64, original_name="x.xlsx", original_path="x.xlsx",
                          stored_path="rejected/x.xlsx", size=1, sender="", container_id=None,
                          received_at="2026-03-09T10:00:00", outcome="rejected", reasons=reasons)
    assert [e["staff_id"] for e in store.rejected_for_periods(conn, ["2026-03"])] == ["1002"]


def test_json_text_is_what_json_dumps_writes():
    """store.json_text (payloads, reasons, a monthly row's items, events) calls json's C
    encoder itself: the same text as json.dumps(…, ensure_ascii=False), the same errors."""
    values = [
        {"staff_id": "1002", "staff_name": "周一", "work_log": [{"date": "2026-03-02",
                                                                 "content": "起草通知\n「第1号」"}]},
        {"rows": [{"items": [18, 19.5, 0.1 + 0.2], "deduction": "0", "assessed": True}]},
        [None, False, -0.0, float("nan"), float("-inf"), 10**40, "\\\"\t\x00𠀀"], "周一", 3, None,
    ]
    for value in values:
        assert store.json_text(value) == json.dumps(value, ensure_ascii=False)
    looped: list = []
    looped.append(looped)
    for bad, error in ((looped, ValueError), ({"k": object()}, TypeError)):
        with pytest.raises(error):
            store.json_text(bad)
