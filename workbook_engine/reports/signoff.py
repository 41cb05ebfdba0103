"""Sign-off and reopening of a period, logged append-only in the store.

    signoff month 2026-03 --by 王局长  → the report is made, signed (审定 王局长, 日期) and kept
                                        in reports/已签批/; the month is frozen: later forms for it
                                        wait as amendments, and `report` gives the kept bytes
    reopen 2026-03 --reason … --by …   → logged; waiting amendments become current
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal

from workbook_engine import signoff_log, store
from workbook_engine.frozen import roster_to_json
from workbook_engine.issues import ActionRefused, Issue
from workbook_engine.periods import parse_month
from workbook_engine.reports.book import SignOff
from workbook_engine.reports.monthly import ReportOutput
from workbook_engine.reports.write import SCOPES
from workbook_engine.workspace import Workspace

SIGNED_FOLDER = "已签批"
SCOPE_LABELS = {"month": "月度", "quarter": "季度", "year": "年度"}


class SignOffError(ActionRefused):
    """A sign-off or reopen that cannot be done as asked (message in Chinese)."""


def _months(scope: str, period) -> list[str]:
    if scope == "month":
        return [str(period)]
    return [str(m) for m in period.months()]


def sign_off(workspace: Workspace, scope: str, period_text: str, by: str,
             accept_problems: bool = False, pool: Decimal | None = None,
             today: dt.date | None = None) -> tuple[ReportOutput, list[Issue]]:
    """Sign the period off: make the signed report, keep it, log it, freeze the period."""
    spec = SCOPES[scope]
    period = spec.parse(period_text)
    workspace.check_period(period)
    by = by.strip()
    if not by:
        raise SignOffError("请用 --by 写明签批人姓名")
    today = today or dt.date.today()
    with workspace.lock("导入或签批"):
        with workspace.connect() as conn:
            if store.signed_off(conn, scope, str(period)):
                last = store.signoff_log(conn, scope, str(period))[-1]
                raise SignOffError(f"{period} 已于 {last['at'][:10]} 由 {last['by_name']} 签批。"
                                   f"如需修改，请先运行 workbook-engine reopen {period} --reason 原因 --by 姓名")
        folder = workspace.reports / SIGNED_FOLDER
        target = folder / f"{spec.path(workspace, period).stem}_签批.xlsx"
        signoff = SignOff(approved=by, date=today.isoformat())
        kwargs = {"pool": pool} if scope == "year" else {}
        output = spec.write(workspace, period, signoff=signoff, target=target, **kwargs)
        if scope == "year" and output.problems and not accept_problems:
            target.unlink(missing_ok=True)
            raise SignOffError(f"{period} 年度报表还有 {len(output.problems)} 项数据问题未解决"
                               "（见报表「数据问题」工作表）。核实后如确需签批，请加 --accept-problems")
        shutil.copyfile(target, spec.path(workspace, period))
        with workspace.connect() as conn:
            with store.Transaction(conn):
                store.append_signoff(conn, at=dt.datetime.now().isoformat(timespec="seconds"),
                                     scope=scope, period=str(period), action="signoff",
                                     by_name=by, fingerprint=output.fingerprint,
                                     report_path=target.relative_to(workspace.root).as_posix(),
                                     state=_frozen_state(workspace, conn, _months(scope, period)),
                                     files_upto=store.last_file_id(conn))
            signoff_log.export(conn, workspace.archive)
    return output, output.problems


def _frozen_state(workspace: Workspace, conn, months: list[str]) -> str:
    """The bureau of each month of the period, as it is signed (kept from an earlier sign-off
    of a month already frozen)."""
    roster = workspace.inputs().roster
    kept = store.frozen_states(conn, months)
    states = {month: kept.get(month) or roster_to_json(roster.for_period(parse_month(month)))
              for month in months}
    return json.dumps(states, ensure_ascii=False, sort_keys=True)


def _scope_of(period_text: str) -> tuple[str, object]:
    for scope in ("month", "quarter", "year"):
        try:
            return scope, SCOPES[scope].parse(period_text)
        except ValueError:
            continue
    raise SignOffError(f"无法识别的期间「{period_text}」：应为 2026-03、2026-Q1 或 2026")


def reopen(workspace: Workspace, period_text: str, reason: str, by: str) -> int:
    """Reopen a signed-off period; returns how many waiting amendments became current."""
    scope, period = _scope_of(period_text)
    if not reason.strip() or not by.strip():
        raise SignOffError("重新开启需要写明原因（--reason）和操作人（--by）")
    with workspace.lock("导入或签批"):
        with workspace.connect() as conn:
            with store.Transaction(conn):
                if not store.signed_off(conn, scope, str(period)):
                    raise SignOffError(f"{period} 尚未签批，无需重新开启")
                now = dt.datetime.now().isoformat(timespec="seconds")
                promoted = apply_reopen(conn, scope, str(period), by.strip(), reason.strip(),
                                        now)
            signoff_log.export(conn, workspace.archive)
    return promoted


def apply_reopen(conn, scope: str, period: str, by: str, reason: str, at: str) -> int:
    """Log the reopen and make the waiting amendments current (inside a transaction)."""
    store.append_signoff(conn, at=at, scope=scope, period=period, action="reopen",
                         by_name=by, reason=reason, files_upto=store.last_file_id(conn))
    promoted = 0
    for submission_id in store.pending_in(conn, _months(scope, _parse(scope, period))):
        if not _still_frozen(conn, submission_id):
            store.promote_pending(conn, submission_id)
            promoted += 1
    store.log_event(conn, at, "reopen", period,
                    {"by": by, "reason": reason, "promoted": promoted})
    return promoted


def _parse(scope: str, period: str):
    return SCOPES[scope].parse(period)


def _still_frozen(conn, submission_id: int) -> bool:
    """An amendment stays waiting while an enclosing period is still signed off."""
    return store.month_frozen(conn, parse_month(store.submission_month(conn, submission_id)))
