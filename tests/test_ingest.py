"""Ingest end to end: forms generated, filled by another program, dropped in the inbox, ingested."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from fill import fill_monthly, fill_weekly
from helpers import cli

WEEK_FORM = "outbox/2026-W10/{section}/2026-W10_周考评表_{sid}_{name}.xlsx"


def ingest(ws) -> dict:
    result = cli(ws, "ingest", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def weekly_form(ws, sid, name, section, week="2026-W10") -> Path:
    path = ws.root / WEEK_FORM.replace("2026-W10", week).format(section=section, sid=sid, name=name)
    if not path.exists():
        assert cli(ws, "forms", "weekly", "--week", week).exit_code == 0
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def all_hashes(folder: Path) -> set[str]:
    return {sha(p) for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".txt")}


@pytest.fixture
def filled(bureau):
    """Four valid weekly forms of 2026-W10 in the inbox."""
    inbox = bureau.inbox
    fill_weekly(weekly_form(bureau, "1002", "周一", "办公室"), inbox / "周一.xlsx",
                chief=("称职", "李办"), leader=("优秀", "钱副"), log=["起草通知", "整理档案"])
    fill_weekly(weekly_form(bureau, "1001", "李办", "办公室"), inbox / "sub" / "李办.xlsx",
                leader=("称职", "钱副"))
    fill_weekly(weekly_form(bureau, "2002", "王三", "规划股"), inbox / "王三.xlsx",
                chief=("称职", "郑规"))
    fill_weekly(weekly_form(bureau, "L2", "孙副", "局领导"), inbox / "孙副.xlsx",
                leader=("优秀", "赵局"))
    return bureau


def test_valid_forms_are_accepted_archived_and_stored(filled):
    before = all_hashes(filled.inbox)
    report = ingest(filled)
    assert report["counts"] == {"accepted": 4}
    assert not any(p.is_file() for p in filled.inbox.rglob("*"))
    assert before <= all_hashes(filled.archive / "2026-W10")
    status = cli(filled, "status", "--week", "2026-W10")
    assert status.exit_code == 0
    lines = {line.split()[0]: line.split() for line in status.output.splitlines() if line[:1].isalnum()}
    assert lines["1002"][3] == "已完成" and lines["1001"][3] == "已完成"
    assert lines["2002"][3] == "待评定（钱副）" and lines["L2"][3] == "已完成"
    assert lines["3002"][3] == "未交"


def test_the_heap_frozen_for_the_run_is_unfrozen_after_it(filled, monkeypatch):
    """ingest leaves what existed before the run out of the garbage collector's passes while
    it runs, and gives it back afterwards — also when the run fails."""
    import gc

    from workbook_engine.ingest import inbox

    seen = []
    real = inbox.Ingest._one
    thresholds = gc.get_threshold()

    def one(self, *args, **kwargs):
        seen.append((gc.get_freeze_count(), gc.get_threshold()))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(inbox.Ingest, "_one", one)
    assert inbox.ingest(filled).counts == {"accepted": 4}
    assert len(seen) == 4 and min(count for count, _ in seen) > 0
    # recorded as the results came: the middle generation examined less often meanwhile
    assert {middle for _, (_, middle, *_) in seen} == {max(thresholds[1], inbox.YOUNG_PASSES)}
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(inbox, "sync_intake_log", broken)
    with pytest.raises(OSError):
        inbox.ingest(filled)
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds


def test_monthly_summary_uses_the_stored_weekly_forms(filled):
    ingest(filled)
    assert cli(filled, "forms", "monthly", "--month", "2026-03").exit_code == 0
    workbook = openpyxl.load_workbook(filled.outbox / "2026-03" / "2026-03_月考评表_领导评分_L1_钱副.xlsx")
    (sheet, ref), = list(workbook.defined_names["scores"].destinations)
    rows = {r[0].value: r[3].value for r in workbook[sheet][ref.replace("$", "")][1:]}
    assert rows["1002"] == "优秀1 未交3"
    assert rows["2002"] == "待评定1 未交3"
    assert rows["2001"] == "未交4"


def test_same_file_twice_is_a_duplicate_not_counted_twice(filled):
    copy = filled.root / "copy.xlsx"
    shutil.copy(filled.inbox / "周一.xlsx", copy)
    ingest(filled)
    shutil.copy(copy, filled.inbox / "周一(1).xlsx")
    report = ingest(filled)
    assert report["counts"] == {"duplicate": 1}
    assert sha(copy) in all_hashes(filled.archive)


def test_corrected_resend_supersedes_and_logs_the_change(filled):
    ingest(filled)
    form = weekly_form(filled, "2002", "王三", "规划股")
    fill_weekly(form, filled.inbox / "王三-改.xlsx", chief=("称职", "郑规"), leader=("优秀", "钱副"))
    report = ingest(filled)
    assert report["counts"] == {"newer_version": 1}
    with filled.connect() as conn:
        states = conn.execute("SELECT state FROM submissions WHERE form_key='weekly:2026-W10:2002'"
                              " ORDER BY id").fetchall()
        event = conn.execute("SELECT detail FROM events WHERE kind='superseded'").fetchone()
    assert [s for (s,) in states] == ["superseded", "current"]
    detail = json.loads(event[0])
    assert detail["changes"]["leader_grade"] == ["", "优秀"]
    assert {p.name for p in (filled.archive / "2026-W10").iterdir()} >= {"王三.xlsx", "王三-改.xlsx"}


def test_rejected_file_moves_with_its_reason_and_returns_list(bureau):
    form = weekly_form(bureau, "1002", "周一", "办公室")
    fill_weekly(form, bureau.inbox / "周一.xlsx", leader=("优秀", "钱副"))  # no 初评
    original = sha(bureau.inbox / "周一.xlsx")
    report = ingest(bureau)
    assert report["counts"] == {"rejected": 1}
    [outcome] = report["outcomes"]
    assert [i["code"] for i in outcome["issues"]] == ["weekly.missing_initial"]
    assert sha(bureau.rejected / "周一.xlsx") == original
    reason = (bureau.rejected / "周一.xlsx.原因.txt").read_text(encoding="utf-8")
    assert "缺少股室长（李办）的初评" in reason and "单元格 B17" in reason
    returns = bureau.reports / f"退回清单_{dt.date.today().isoformat()}.xlsx"
    sheet = openpyxl.load_workbook(returns)["退回清单"]
    row = [c.value for c in sheet[3]]
    assert row[1] == "周一.xlsx" and row[3] == "周一（1002）" and row[4] == "2026-W10"
    assert "缺少股室长" in row[5]


def test_monthly_editions_are_stored_with_rows(bureau):
    assert cli(bureau, "forms", "monthly", "--month", "2026-03").exit_code == 0
    folder = bureau.outbox / "2026-03"
    fill_monthly(folder / "2026-03_月考评表_领导评分_L2_孙副.xlsx", bureau.inbox / "孙副.xlsx",
                 {"3001": ([18, 19, 28.5, 9], None, None),
                  "3002": (["１８", "19分", " 27 ", 8], 2, "迟报材料")}, sign="孙副")
    fill_monthly(folder / "2026-03_月考评表_考核办评分.xlsx", bureau.inbox / "考核办.xlsx",
                 {"3001": [10, 9.5], "3002": [9, 10]}, sign="办公室张")
    report = ingest(bureau)
    assert report["counts"] == {"accepted": 2}, report
    with bureau.connect() as conn:
        rows = conn.execute("SELECT edition, staff_id, assessed, items, deduction, reason"
                            " FROM monthly_rows ORDER BY edition, staff_id").fetchall()
    assert rows[0][:3] == ("leader", "3001", 1)
    assert json.loads(rows[0][3]) == {"思想作风": "18", "工作量": "19", "完成情况": "28.5", "工作效率": "9"}
    assert json.loads(rows[1][3]) == {"思想作风": "18", "工作量": "19", "完成情况": "27", "工作效率": "8"}
    assert rows[1][4:] == ("2", "迟报材料")
    office = [r for r in rows if r[0] == "office"]
    assert [(r[1], r[2]) for r in office if r[2]] == [("3001", 1), ("3002", 1)]
    assert sum(1 for r in office if not r[2]) == 7  # everybody else: 未考核 this month


def test_mail_with_two_attachments_one_bad_one_with_a_path_name(bureau):
    good = fill_weekly(weekly_form(bureau, "1002", "周一", "办公室"), bureau.root / "g.xlsx",
                       chief=("称职", "李办"), leader=("称职", "钱副"))
    bad = fill_weekly(weekly_form(bureau, "2002", "王三", "规划股"), bureau.root / "b.xlsx",
                      chief=("优秀", "钱副"))  # wrong signer for the 初评
    message = EmailMessage()
    message["From"] = "王三 <wangsan@example.com>"
    message["To"] = "khb@example.com"
    message["Subject"] = "周考评表"
    message.set_content("请查收")
    xlsx = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    message.add_attachment(good.read_bytes(), *xlsx, filename="周一周考评表.xlsx")
    message.add_attachment(bad.read_bytes(), *xlsx, filename="../../王三.xlsx")
    (bureau.inbox / "来信.eml").write_bytes(message.as_bytes())
    report = ingest(bureau)
    assert report["counts"] == {"accepted": 1, "rejected": 1, "mail": 1}, report
    assert (bureau.rejected / "王三.xlsx").is_file()
    assert not (bureau.root.parent / "王三.xlsx").exists()
    assert (bureau.archive / "邮件" / "来信.eml").is_file()
    with bureau.connect() as conn:
        senders = conn.execute("SELECT original_path, sender, container_id FROM files"
                               " WHERE outcome != 'mail' ORDER BY id").fetchall()
    assert all(s[1] == "王三 <wangsan@example.com>" and s[2] is not None for s in senders)


def test_rerun_after_interrupted_move_completes_without_double_counting(filled):
    """The store commit happened but the inbox file was not removed (killed in between)."""
    keep = filled.root / "keep.xlsx"
    shutil.copy(filled.inbox / "周一.xlsx", keep)
    ingest(filled)
    shutil.copy(keep, filled.inbox / "周一.xlsx")  # as if the unlink never happened
    report = ingest(filled)
    assert report["counts"] == {"resumed": 1}
    with filled.connect() as conn:
        assert conn.execute("SELECT count(*) FROM files").fetchone()[0] == 4


def test_lock_files_are_left_alone(bureau):
    (bureau.inbox / "~$周一.xlsx").write_bytes(b"\x00" * 165)
    report = ingest(bureau)
    assert report["counts"] == {"skipped": 1}
    assert (bureau.inbox / "~$周一.xlsx").is_file()


def test_the_inbox_listing(tmp_path):
    """Every file at any depth in path order, with its size and time as listed; a folder
    linked in is not entered (as pathlib's rglob), a link to a file counts, no inbox/ at all
    is an empty listing."""
    from workbook_engine.ingest.inbox import inbox_files

    inbox = tmp_path / "inbox"
    (inbox / "b" / "c").mkdir(parents=True)
    (inbox / "b" / "c" / "3.xlsx").write_bytes(b"333")
    (inbox / "b" / "2.xlsx").write_bytes(b"22")
    (inbox / "a.xlsx").write_bytes(b"1")
    (inbox / ".~lock.a.xlsx#").write_bytes(b"")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.xlsx").write_bytes(b"x")
    (inbox / "linked").symlink_to(outside, target_is_directory=True)
    (inbox / "link.xlsx").symlink_to(inbox / "a.xlsx")
    (inbox / "dangling.xlsx").symlink_to(tmp_path / "nothing.xlsx")
    files, listed = inbox_files(inbox)
    assert files == [str(Path(p)) for p in files]  # each is its Path's text
    names = [Path(p).relative_to(inbox).as_posix() for p in files]
    assert names == [".~lock.a.xlsx#", "a.xlsx", "b/2.xlsx", "b/c/3.xlsx", "link.xlsx"]
    assert names == sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*")
                           if p.is_file())
    assert [listed[p][0] for p in files] == [0, 1, 2, 3, 1]
    assert listed[str(inbox / "b" / "2.xlsx")][1] == (inbox / "b" / "2.xlsx").stat().st_mtime_ns
    assert inbox_files(tmp_path / "no-inbox") == ([], {})
