"""The embedded SQLite store: the only module that speaks SQL.

Schema changes are an ordered list of migrations; `PRAGMA user_version` says how many have
run. Opening a store brings it up to date; a store from a newer program is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

MIGRATIONS: tuple[str, ...] = (
    # 1: files seen in the inbox, the forms they carried, the weekly and monthly values,
    #    the change log and the append-only sign-off log.
    """
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        original_name TEXT NOT NULL,
        original_path TEXT NOT NULL,
        stored_path TEXT NOT NULL DEFAULT '',
        size INTEGER NOT NULL,
        sender TEXT NOT NULL DEFAULT '',
        container_id INTEGER REFERENCES files(id),
        received_at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        reasons TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX files_sha256 ON files(sha256);
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files(id),
        form_key TEXT NOT NULL,
        form_kind TEXT NOT NULL,
        edition TEXT NOT NULL DEFAULT '',
        subject_id TEXT NOT NULL DEFAULT '',
        period TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('current', 'superseded', 'pending')),
        supersedes_id INTEGER REFERENCES submissions(id),
        received_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX submissions_one_current ON submissions(form_key)
        WHERE state = 'current';
    CREATE INDEX submissions_period ON submissions(form_kind, period);
    CREATE TABLE weekly_forms (
        submission_id INTEGER PRIMARY KEY REFERENCES submissions(id),
        staff_id TEXT NOT NULL,
        week TEXT NOT NULL,
        month TEXT NOT NULL,
        self_grade TEXT NOT NULL DEFAULT '',
        chief_grade TEXT NOT NULL DEFAULT '',
        leader_grade TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX weekly_forms_month ON weekly_forms(month, staff_id);
    CREATE TABLE monthly_rows (
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        edition TEXT NOT NULL,
        month TEXT NOT NULL,
        staff_id TEXT NOT NULL,
        sheet_row INTEGER NOT NULL,
        assessed INTEGER NOT NULL,
        items TEXT NOT NULL,
        deduction TEXT NOT NULL DEFAULT '0',
        reason TEXT NOT NULL DEFAULT '',
        remark TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (submission_id, staff_id)
    );
    CREATE INDEX monthly_rows_month ON monthly_rows(month, edition);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE signoffs (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        scope TEXT NOT NULL,
        period TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('signoff', 'reopen')),
        by_name TEXT NOT NULL,
        fingerprint TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        report_path TEXT NOT NULL DEFAULT ''
    );
    CREATE TRIGGER signoffs_append_only_update BEFORE UPDATE ON signoffs
        BEGIN SELECT RAISE(ABORT, 'signoffs is append-only'); END;
    CREATE TRIGGER signoffs_append_only_delete BEFORE DELETE ON signoffs
        BEGIN SELECT RAISE(ABORT, 'signoffs is append-only'); END;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """The store cannot be opened or is from a newer version of the program."""


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the store and bring its schema up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"数据库文件 {path} 无法打开：{exc}") from exc
    migrate(conn)
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> None:
    """Run the migrations this store has not had yet, each in its own transaction."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"数据库版本（{current}）比本程序支持的版本（{SCHEMA_VERSION}）新，请升级 workbook-engine"
        )
    for version in range(current, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> Iterable[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer.strip()
            buffer = ""
    if buffer.strip():
        yield buffer.strip()


def weekly_grades(
    conn: sqlite3.Connection, weeks: Iterable[str]
) -> dict[tuple[str, str], tuple[str, str]]:
    """Current weekly forms of the given weeks: (staff_id, week) → (chief_grade, leader_grade)."""
    week_list = list(weeks)
    if not week_list:
        return {}
    marks = ",".join("?" * len(week_list))
    rows = conn.execute(
        f"""SELECT w.staff_id, w.week, w.chief_grade, w.leader_grade
            FROM weekly_forms w JOIN submissions s ON s.id = w.submission_id
            WHERE s.state = 'current' AND w.week IN ({marks})""",
        week_list,
    )
    return {(staff_id, week): (chief, leader) for staff_id, week, chief, leader in rows}
