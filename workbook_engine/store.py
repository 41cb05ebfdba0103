"""The embedded SQLite store: the only module that speaks SQL.

Schema changes are an ordered list of migrations; `PRAGMA user_version` says how many have
run. Opening a store brings it up to date; a store from a newer program is refused.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from workbook_engine.periods import Month

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
        reasons TEXT NOT NULL DEFAULT '{}'
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
    # 2: mail: every message sent (or tried) and every message fetched from the office mailbox.
    """
    CREATE TABLE mail_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        key TEXT NOT NULL,
        staff_id TEXT NOT NULL DEFAULT '',
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'failed')),
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX mail_log_key ON mail_log(action, key, outcome);
    CREATE TABLE mail_fetched (
        account TEXT NOT NULL,
        folder TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        message_id TEXT NOT NULL DEFAULT '',
        file_name TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (account, folder, uidvalidity, uid)
    );
    CREATE INDEX mail_fetched_message_id ON mail_fetched(message_id);
    """,
    # 3: what a sign-off froze: the bureau of each signed month (so later roster edits do not
    #    change it) and the files archived up to then (so `rebuild` can replay sign-offs).
    """
    ALTER TABLE signoffs ADD COLUMN state TEXT NOT NULL DEFAULT '';
    ALTER TABLE signoffs ADD COLUMN files_upto INTEGER NOT NULL DEFAULT 0;
    """,
    # 4: a rejected form's reasons carry the 工号 as a key beside the shown 「姓名（工号）」;
    #    rows stored before get it from the shown text once, here.
    """
    UPDATE files SET reasons = json_set(reasons, '$.staff_id',
        CASE WHEN instr(json_extract(reasons, '$.person'), '（') > 0
             THEN rtrim(substr(json_extract(reasons, '$.person'),
                               instr(json_extract(reasons, '$.person'), '（') + 1), '）')
             WHEN json_extract(reasons, '$.person') = '考核办' THEN ''
             ELSE json_extract(reasons, '$.person') END)
    WHERE json_valid(reasons) AND json_type(reasons, '$.person') = 'text'
      AND json_type(reasons, '$.staff_id') IS NULL;
    """,
    # 5: the leader's 评定等次 of a monthly row (SPEC §5), '' when left blank or when the row
    #    came from a form without the column (the grade then follows the score).
    """
    ALTER TABLE monthly_rows ADD COLUMN rated_grade TEXT NOT NULL DEFAULT '';
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _c_json_text(value) -> str:
    """What `_ENCODER.encode` does, as one call of the C encoder
    (the same encoder, made with the same arguments, as json's own one-shot path)."""
    return "".join(json.encoder.c_make_encoder(
        {}, _ENCODER.default, json.encoder.encode_basestring, None, _ENCODER.key_separator,
        _ENCODER.item_separator, False, False, True)(value, 0))


def _fast_json_works() -> bool:
    sample = {"键": [1, 2.5, -0.0, float("inf"), None, True, "周\"一\n", {"a": []}]}
    try:
        return _c_json_text(sample) == _ENCODER.encode(sample)
    except Exception:  # noqa: BLE001 - another Python's json: the plain way then
        return False


# json_text(value) == json.dumps(value, ensure_ascii=False), without json.dumps' layers of
# Python calls (a payload, a reason, a monthly row's items: several times a file)
json_text = _c_json_text if getattr(json.encoder, "c_make_encoder", None) is not None \
    and _fast_json_works() else _ENCODER.encode


class StoreError(Exception):
    """The store cannot be opened or is from a newer version of the program."""


class _Connection(sqlite3.Connection):
    """A connection that `with` closes at the end of the block (sqlite3's own does not)."""

    write_guard = None

    def __exit__(self, exc_type, exc, tb):
        try:
            return super().__exit__(exc_type, exc, tb)
        finally:
            self.close()


WAL, ROLLBACK = "wal", "delete"  # journal modes: local disk; network file system


def needs_setup(path: Path, journal: str = WAL) -> bool:
    """True when opening the store writes to it: it is missing, its schema is older than this
    program's, or its journal mode is not `journal`. Read from the file header, no lock taken."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return True
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return True
    wal = header[18] == 2 and header[19] == 2
    version = int.from_bytes(header[60:64], "big")
    return version < SCHEMA_VERSION or wal != (journal == WAL)


def connect(path: Path, journal: str = WAL, write_guard=None) -> sqlite3.Connection:
    """Open (creating if needed) the store and bring its schema up to date.

    `journal` is WAL on a local disk and the rollback journal on a network file system (WAL
    needs shared memory a network file system does not give). `write_guard`, when given,
    gives a context manager every write transaction is held in (the workspace lock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, factory=_Connection)
        conn.write_guard = write_guard
        conn.execute(f"PRAGMA journal_mode={'WAL' if journal == WAL else 'DELETE'}")
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
            if schema_version(conn) > version:  # another process opening it ran this one
                conn.execute("COMMIT")
                continue
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


class Transaction:
    """`with Transaction(conn):` one IMMEDIATE transaction, rolled back on any error."""

    BEGIN = "BEGIN IMMEDIATE"

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        guard = getattr(self.conn, "write_guard", None)
        self.guarded = None
        if guard is not None and self.BEGIN != "BEGIN":  # a write: held under the guard
            self.guarded = guard()
            self.guarded.__enter__()
        try:
            self.conn.execute(self.BEGIN)
        except BaseException:
            self._release(*sys.exc_info())
            raise
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self._release(exc_type, exc, tb)

    def _release(self, exc_type, exc, tb) -> None:
        if self.guarded is not None:
            guarded, self.guarded = self.guarded, None
            guarded.__exit__(exc_type, exc, tb)


def processed_file(conn: sqlite3.Connection, sha256: str, original_path: str) -> dict | None:
    """The record of this very inbox file when a previous run stored it but did not finish."""
    row = conn.execute(
        "SELECT id, outcome, stored_path FROM files WHERE sha256 = ? AND original_path = ?"
        " ORDER BY id DESC LIMIT 1", (sha256, original_path)).fetchone()
    return None if row is None else {"id": row[0], "outcome": row[1], "stored_path": row[2]}


_ARCHIVED_FORMS = ("FROM files WHERE outcome IN ('accepted', 'newer_version', 'duplicate',"
                   " 'amendment') AND stored_path LIKE 'archive/%'")


def archived_form_count(conn: sqlite3.Connection) -> int:
    """How many form files were recorded into archive/ (mails not counted)."""
    return conn.execute(f"SELECT count(*) {_ARCHIVED_FORMS}").fetchone()[0]


def archived_forms(conn: sqlite3.Connection, offset: int = 0,
                   limit: int = -1) -> list[tuple[str, str]]:
    """(sha256, stored_path) of the form files recorded into archive/, in recording order."""
    rows = conn.execute(f"SELECT sha256, stored_path {_ARCHIVED_FORMS} ORDER BY id"
                        " LIMIT ? OFFSET ?", (limit, offset))
    return [(row[0], row[1]) for row in rows]


def stored_copy(conn: sqlite3.Connection, sha256: str) -> dict | None:
    """An earlier file with the same bytes whose form is in the store (not a rejected one)."""
    row = conn.execute(
        "SELECT id, original_name, stored_path FROM files WHERE sha256 = ?"
        " AND outcome IN ('accepted', 'newer_version', 'amendment') ORDER BY id LIMIT 1",
        (sha256,)).fetchone()
    return None if row is None else {"id": row[0], "name": row[1], "stored_path": row[2]}


def file_count(conn: sqlite3.Connection) -> int:
    """About how many files rows there are (the largest id: no table scan)."""
    return conn.execute("SELECT coalesce(max(id), 0) FROM files").fetchone()[0]


class Known(NamedTuple):
    """What the store holds, in two sets read at once: every file's sha256 (`processed_file`
    and `stored_copy` find nothing for bytes not among them) and every form with a current
    submission (`current_submission` finds nothing for any other form)."""

    hashes: frozenset[str]
    current_forms: frozenset[str]


def known(conn: sqlite3.Connection) -> Known:
    """`Known` of the store as it is now (both read from indexes only)."""
    hashes = frozenset(row[0] for row in conn.execute("SELECT sha256 FROM files"))
    forms = frozenset(row[0] for row in conn.execute(
        "SELECT form_key FROM submissions WHERE state = 'current'"))
    return Known(hashes, forms)


def insert_file(conn: sqlite3.Connection, *, sha256: str, original_name: str,
                original_path: str, stored_path: str, size: int, sender: str,
                container_id: int | None, received_at: str, outcome: str,
                reasons: str = "{}") -> int:
    cursor = conn.execute(
        "INSERT INTO files (sha256, original_name, original_path, stored_path, size, sender,"
        " container_id, received_at, outcome, reasons) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (sha256, original_name, original_path, stored_path, size, sender, container_id,
         received_at, outcome, reasons))
    return cursor.lastrowid


def current_submission(conn: sqlite3.Connection, form_key: str) -> dict | None:
    row = conn.execute(
        "SELECT s.id, s.content_hash, s.payload, f.original_name FROM submissions s"
        " JOIN files f ON f.id = s.file_id WHERE s.form_key = ? AND s.state = 'current'",
        (form_key,)).fetchone()
    if row is None:
        return None
    return {"id": row[0], "content_hash": row[1], "payload": json.loads(row[2]), "file": row[3]}


def pending_with_hash(conn: sqlite3.Connection, form_key: str, content_hash: str) -> bool:
    """True when an amendment with exactly this content is already waiting."""
    row = conn.execute(
        "SELECT 1 FROM submissions WHERE form_key = ? AND state = 'pending' AND content_hash = ?",
        (form_key, content_hash)).fetchone()
    return row is not None


_LOOK_UP = object()


def insert_submission(conn: sqlite3.Connection, *, file_id: int, record, state: str,
                      received_at: str, current=_LOOK_UP, payload_text: str | None = None) -> int:
    """Store a validated form; `record` is an ingest FormRecord (duck-typed). `current`: the
    form's current submission as `current_submission` gave it in this transaction, when the
    caller has it already (else it is looked up); `payload_text`: the payload as JSON, when
    the caller made it already."""
    payload = record.payload
    supersedes = None
    if state == "current":
        if current is _LOOK_UP:
            current = current_submission(conn, record.form_key)
        if current is not None:
            supersedes = current["id"]
            conn.execute("UPDATE submissions SET state = 'superseded' WHERE id = ?",
                         (supersedes,))
    cursor = conn.execute(
        "INSERT INTO submissions (file_id, form_key, form_kind, edition, subject_id, period,"
        " content_hash, payload, state, supersedes_id, received_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (file_id, record.form_key, record.form_kind, record.edition, record.subject_id,
         record.period, record.content_hash,
         json_text(payload) if payload_text is None else payload_text, state,
         supersedes, received_at))
    submission_id = cursor.lastrowid
    if record.form_kind == "weekly":
        conn.execute(
            "INSERT INTO weekly_forms (submission_id, staff_id, week, month, self_grade,"
            " chief_grade, leader_grade) VALUES (?,?,?,?,?,?,?)",
            (submission_id, payload["staff_id"], payload["week"], payload["month"],
             payload["self_grade"], payload["chief_grade"], payload["leader_grade"]))
    else:
        conn.executemany(
            "INSERT INTO monthly_rows (submission_id, edition, month, staff_id, sheet_row,"
            " assessed, items, deduction, reason, remark, rated_grade)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(submission_id, payload["edition"], payload["month"], row["staff_id"],
              row["sheet_row"], int(row["assessed"]), json_text(row["items"]),
              row["deduction"], row["reason"], row["remark"], row.get("rated_grade", ""))
             for row in payload["rows"]])
    return submission_id


def log_event(conn: sqlite3.Connection, at: str, kind: str, subject: str, detail: dict) -> None:
    conn.execute("INSERT INTO events (at, kind, subject, detail) VALUES (?,?,?,?)",
                 (at, kind, subject, json_text(detail)))


def signed_off(conn: sqlite3.Connection, scope: str, period: str) -> bool:
    """True when the latest sign-off log line of that period is a sign-off, not a reopen."""
    row = conn.execute(
        "SELECT action FROM signoffs WHERE scope = ? AND period = ? ORDER BY id DESC LIMIT 1",
        (scope, period)).fetchone()
    return row is not None and row[0] == "signoff"


def month_frozen(conn: sqlite3.Connection, month: Month) -> bool:
    """True while the month, its quarter or its year is signed off: a form of it waits."""
    scopes = (("month", str(month)), ("quarter", str(month.quarter)), ("year", str(month.year)))
    return any(signed_off(conn, scope, period) for scope, period in scopes)


def submission_month(conn: sqlite3.Connection, submission_id: int) -> str:
    """The month a submission counts in (a weekly form's month, a monthly form's period)."""
    row = conn.execute(
        "SELECT s.period, w.month FROM submissions s"
        " LEFT JOIN weekly_forms w ON w.submission_id = s.id WHERE s.id = ?",
        (submission_id,)).fetchone()
    return row[1] or row[0]


def adopt_attachments(conn: sqlite3.Connection, mail_id: int, mail_path: str) -> None:
    """Files staged out of the mail at `mail_path` (recorded under it) point at the mail."""
    pattern = mail_path.replace("%", "\\%").replace("_", "\\_") + "/%"
    conn.execute("UPDATE files SET container_id = ? WHERE container_id IS NULL"
                 " AND original_path LIKE ? ESCAPE '\\'", (mail_id, pattern))


def files_received_on(conn: sqlite3.Connection, day: str, outcome: str) -> list[dict]:
    """Files of one outcome received on a day (YYYY-MM-DD), oldest first."""
    rows = conn.execute(
        "SELECT f.original_path, f.stored_path, f.sender, f.reasons, f.received_at,"
        " c.original_name FROM files f LEFT JOIN files c ON c.id = f.container_id"
        " WHERE f.outcome = ? AND substr(f.received_at, 1, 10) = ? ORDER BY f.id",
        (outcome, day))
    keys = ("original_path", "stored_path", "sender", "reasons", "received_at", "container")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def weekly_forms_of(conn: sqlite3.Connection, week: str) -> dict[str, dict]:
    """Current weekly forms of one week by 工号: grades and the file they came from."""
    rows = conn.execute(
        "SELECT w.staff_id, w.chief_grade, w.leader_grade, f.original_name, s.received_at,"
        " f.stored_path FROM weekly_forms w JOIN submissions s ON s.id = w.submission_id"
        " JOIN files f ON f.id = s.file_id WHERE s.state = 'current' AND w.week = ?", (week,))
    return {r[0]: {"chief_grade": r[1], "leader_grade": r[2], "file": r[3], "received_at": r[4],
                   "stored_path": r[5]} for r in rows}


def monthly_forms_of(conn: sqlite3.Connection, month: str) -> dict[tuple[str, str], dict]:
    """Current monthly editions of a month: (edition, rater 工号) → file and time."""
    rows = conn.execute(
        "SELECT s.edition, s.subject_id, f.original_name, s.received_at FROM submissions s"
        " JOIN files f ON f.id = s.file_id WHERE s.state = 'current'"
        " AND s.form_kind = 'monthly' AND s.period = ?", (month,))
    return {(r[0], r[1]): {"file": r[2], "received_at": r[3]} for r in rows}


def rejected_for_periods(conn: sqlite3.Connection, periods: list[str]) -> list[dict]:
    """Rejected files whose form named one of these periods."""
    if not periods:
        return []
    marks = ",".join("?" * len(periods))
    rows = conn.execute(
        "SELECT original_path, sender, reasons, received_at FROM files WHERE outcome = 'rejected'"
        f" AND json_extract(reasons, '$.period') IN ({marks}) ORDER BY id", periods)
    entries = []
    for r in rows:
        reasons = json.loads(r[2])
        entries.append({"file": r[0], "sender": r[1], "reasons": reasons, "received_at": r[3],
                        "staff_id": reasons.get("staff_id", "")})
    return entries


def pending_amendments(conn: sqlite3.Connection) -> list[dict]:
    rows = conn.execute(
        "SELECT s.form_key, s.period, f.original_name, s.received_at FROM submissions s"
        " JOIN files f ON f.id = s.file_id WHERE s.state = 'pending' ORDER BY s.id")
    return [{"form_key": r[0], "period": r[1], "file": r[2], "received_at": r[3]} for r in rows]


class MonthlyRow(NamedTuple):
    """A stored row of a monthly edition (monthly_rows_of)."""

    edition: str
    month: str
    staff_id: str
    assessed: int  # 0 or 1
    items: str  # the item scores as stored: JSON of item name → score text
    deduction: str
    reason: str
    remark: str
    rated_grade: str
    sheet_row: int
    rater_id: str
    file: str  # the original name of the file it came from


_as_monthly_row = functools.partial(tuple.__new__, MonthlyRow)  # MonthlyRow._make, in C


def monthly_rows_of(conn: sqlite3.Connection, months: list[str]) -> list[MonthlyRow]:
    """Rows of the current monthly editions of these months, with the file they came from."""
    if not months:
        return []
    marks = ",".join("?" * len(months))
    rows = conn.execute(
        "SELECT r.edition, r.month, r.staff_id, r.assessed, r.items, r.deduction, r.reason,"
        " r.remark, r.rated_grade, r.sheet_row, s.subject_id, f.original_name FROM monthly_rows r"
        " JOIN submissions s ON s.id = r.submission_id JOIN files f ON f.id = s.file_id"
        f" WHERE s.state = 'current' AND r.month IN ({marks}) ORDER BY r.month, s.id, r.sheet_row",
        months)
    return list(map(_as_monthly_row, rows))


def weekly_rows_of(conn: sqlite3.Connection, months: list[str]) -> list[dict]:
    """Current weekly forms of these months (grades and file), for summaries and problems."""
    if not months:
        return []
    marks = ",".join("?" * len(months))
    rows = conn.execute(
        "SELECT w.staff_id, w.week, w.month, w.chief_grade, w.leader_grade, f.original_name"
        " FROM weekly_forms w JOIN submissions s ON s.id = w.submission_id"
        f" JOIN files f ON f.id = s.file_id WHERE s.state = 'current' AND w.month IN ({marks})"
        " ORDER BY w.week, w.staff_id", months)
    keys = ("staff_id", "week", "month", "chief_grade", "leader_grade", "file")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def current_hashes(conn: sqlite3.Connection, months: list[str]) -> list[tuple[str, str]]:
    """(form_key, content_hash) of the current forms of these months, sorted: a fingerprint."""
    if not months:
        return []
    marks = ",".join("?" * len(months))
    rows = conn.execute(
        "SELECT s.form_key, s.content_hash FROM submissions s"
        " LEFT JOIN weekly_forms w ON w.submission_id = s.id"
        f" WHERE s.state = 'current' AND (s.period IN ({marks}) OR w.month IN ({marks}))"
        " ORDER BY s.form_key", [*months, *months])
    return [(r[0], r[1]) for r in rows]


def append_signoff(conn: sqlite3.Connection, *, at: str, scope: str, period: str, action: str,
                   by_name: str, fingerprint: str = "", reason: str = "",
                   report_path: str = "", state: str = "", files_upto: int = 0) -> None:
    conn.execute(
        "INSERT INTO signoffs (at, scope, period, action, by_name, fingerprint, reason,"
        " report_path, state, files_upto) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (at, scope, period, action, by_name, fingerprint, reason, report_path, state,
         files_upto))


_SIGNOFF_KEYS = ("at", "scope", "period", "action", "by_name", "fingerprint", "reason",
                 "report_path", "state", "files_upto")


def signoff_log(conn: sqlite3.Connection, scope: str | None = None,
                period: str | None = None) -> list[dict]:
    query = f"SELECT {', '.join(_SIGNOFF_KEYS)} FROM signoffs"
    args: list[str] = []
    if scope is not None:
        query += " WHERE scope = ? AND period = ?"
        args = [scope, period or ""]
    return [dict(zip(_SIGNOFF_KEYS, row)) for row in conn.execute(query + " ORDER BY id", args)]


def last_file_id(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COALESCE(MAX(id), 0) FROM files").fetchone()[0]


def file_hashes_between(conn: sqlite3.Connection, after: int, upto: int) -> list[str]:
    """sha256 of the files processed after file `after` up to file `upto`, in order."""
    rows = conn.execute("SELECT DISTINCT sha256 FROM files WHERE id > ? AND id <= ? ORDER BY id",
                        (after, upto))
    return [row[0] for row in rows]


def frozen_states(conn: sqlite3.Connection, months: list[str]) -> dict[str, str]:
    """month → the bureau (JSON) kept when a period holding it was signed off, for the months
    of `months` that a month, quarter or year sign-off still freezes."""
    last: dict[tuple[str, str], tuple[str, str]] = {}
    for scope, period, action, state in conn.execute(
            "SELECT scope, period, action, state FROM signoffs ORDER BY id"):
        last[(scope, period)] = (action, state)
    found: dict[str, str] = {}
    for action, state in last.values():
        if action == "signoff" and state:
            for month, text in json.loads(state).items():
                if month in months:
                    found.setdefault(month, text)
    return found


def pending_in(conn: sqlite3.Connection, periods: list[str]) -> list[int]:
    """Pending amendments (submission ids, oldest first) for forms of these periods."""
    if not periods:
        return []
    marks = ",".join("?" * len(periods))
    rows = conn.execute(
        "SELECT s.id FROM submissions s LEFT JOIN weekly_forms w ON w.submission_id = s.id"
        f" WHERE s.state = 'pending' AND (s.period IN ({marks}) OR w.month IN ({marks}))"
        " ORDER BY s.id", [*periods, *periods])
    return [r[0] for r in rows]


def promote_pending(conn: sqlite3.Connection, submission_id: int) -> None:
    """An amendment becomes the current version of its form (the old one is superseded)."""
    form_key = conn.execute("SELECT form_key FROM submissions WHERE id = ?",
                            (submission_id,)).fetchone()[0]
    current = current_submission(conn, form_key)
    if current is not None:
        conn.execute("UPDATE submissions SET state = 'superseded' WHERE id = ?", (current["id"],))
    conn.execute("UPDATE submissions SET state = 'current', supersedes_id = ? WHERE id = ?",
                 (current["id"] if current else None, submission_id))


def current_forms(conn: sqlite3.Connection) -> dict[str, str]:
    """form_key → content_hash of every current form: what the scores are made from."""
    rows = conn.execute("SELECT form_key, content_hash FROM submissions WHERE state = 'current'")
    return dict(rows.fetchall())


def backup_to(conn: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of the store through SQLite's online backup API."""
    target.parent.mkdir(parents=True, exist_ok=True)
    copy = sqlite3.connect(target)
    try:
        conn.backup(copy)
    finally:
        copy.close()


class Snapshot(Transaction):
    """`with Snapshot(conn):` every read in the block sees the same committed state.

    Each statement on its own sees the last committed state; a report that reads with
    several statements while `ingest` commits batches could mix two states. Inside one read
    transaction (WAL) it sees the state of its first read, whatever commits meanwhile.
    """

    BEGIN = "BEGIN"  # a read transaction: it sees the state of its first read


# --- mail ------------------------------------------------------------------------------------


def log_mail(conn: sqlite3.Connection, *, at: str, action: str, key: str, staff_id: str,
             recipient: str, subject: str, outcome: str, detail: dict) -> None:
    """One message sent (or tried and failed) by `mail send|remind|returns`."""
    conn.execute(
        "INSERT INTO mail_log (at, action, key, staff_id, recipient, subject, outcome, detail)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (at, action, key, staff_id, recipient, subject, outcome,
         json.dumps(detail, ensure_ascii=False)))


def mail_sent_keys(conn: sqlite3.Connection, action: str) -> set[str]:
    """Keys of the messages of one action that a server has accepted."""
    rows = conn.execute("SELECT DISTINCT key FROM mail_log WHERE action = ? AND outcome = 'sent'",
                        (action,))
    return {row[0] for row in rows}


def mail_log_of(conn: sqlite3.Connection, action: str | None = None) -> list[dict]:
    query = ("SELECT at, action, key, staff_id, recipient, subject, outcome, detail"
             " FROM mail_log")
    args: list[str] = []
    if action is not None:
        query += " WHERE action = ?"
        args.append(action)
    keys = ("at", "action", "key", "staff_id", "recipient", "subject", "outcome", "detail")
    result = []
    for row in conn.execute(query + " ORDER BY id", args):
        entry = dict(zip(keys, row, strict=True))
        entry["detail"] = json.loads(entry["detail"])
        result.append(entry)
    return result


def fetched_uids(conn: sqlite3.Connection, account: str, folder: str,
                 uidvalidity: int) -> set[int]:
    rows = conn.execute("SELECT uid FROM mail_fetched WHERE account = ? AND folder = ?"
                        " AND uidvalidity = ?", (account, folder, uidvalidity))
    return {row[0] for row in rows}


def fetched_message_ids(conn: sqlite3.Connection) -> set[str]:
    """Message-IDs of every message fetched so far (from any mailbox or folder)."""
    rows = conn.execute("SELECT message_id FROM mail_fetched WHERE message_id != ''")
    return {row[0] for row in rows}


def record_fetched(conn: sqlite3.Connection, *, account: str, folder: str, uidvalidity: int,
                   uid: int, message_id: str, file_name: str, at: str) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO mail_fetched (account, folder, uidvalidity, uid, message_id,"
        " file_name, at) VALUES (?,?,?,?,?,?,?)",
        (account, folder, uidvalidity, uid, message_id, file_name, at))


def file_ingested(conn: sqlite3.Connection, original_path: str) -> bool:
    """True when ingest recorded an inbox file of that path (relative to inbox/)."""
    row = conn.execute("SELECT 1 FROM files WHERE original_path = ? LIMIT 1",
                       (original_path,)).fetchone()
    return row is not None


def returnable_files(conn: sqlite3.Connection) -> list[dict]:
    """Rejected files and mails with problems, oldest first: what the returns list holds."""
    rows = conn.execute(
        "SELECT id, original_path, stored_path, sender, reasons, received_at, outcome"
        " FROM files WHERE outcome IN ('rejected', 'mail') ORDER BY id")
    keys = ("id", "original_path", "stored_path", "sender", "reasons", "received_at", "outcome")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def monthly_remarks(conn: sqlite3.Connection, month: str) -> dict[tuple[str, str], str]:
    """备注 of the current monthly editions of a month: (edition, 工号) → text, when filled."""
    rows = conn.execute(
        "SELECT r.edition, r.staff_id, r.remark FROM monthly_rows r"
        " JOIN submissions s ON s.id = r.submission_id"
        " WHERE s.state = 'current' AND r.month = ? AND r.remark != ''", (month,))
    return {(edition, staff_id): remark for edition, staff_id, remark in rows}
