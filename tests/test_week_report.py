"""`report week W` (SPEC §6 周汇总): texts as typed, grades, log days and state per person."""

from __future__ import annotations

import re
import subprocess

import openpyxl
from click.testing import CliRunner
from fill import fill_weekly
from helpers import convert_to_pdf, write_roster

from workbook_engine.cli import main
from workbook_engine.workspace import Workspace, init_workspace

WEEK = "2026-W10"
WORK = "①完成文件流转 12 件\n②整理档案，共 120㎡（含“旧卷”）"


def run(ws, *args):
    result = CliRunner().invoke(main, ["-w", str(ws.root), *args])
    assert result.exit_code == 0, result.output
    return result


def form(ws, sid, name, section):
    return ws.outbox / WEEK / section / f"{WEEK}_周考评表_{sid}_{name}.xlsx"


def test_week_summary_lists_everyone_with_texts_as_typed(tmp_path):
    init_workspace(tmp_path / "ws", 2026)
    ws = Workspace((tmp_path / "ws").resolve())
    write_roster(ws.roster_path)
    run(ws, "forms", "weekly", "--week", WEEK)
    fill_weekly(form(ws, "1002", "周一", "办公室"), ws.inbox / "a.xlsx", work_done=WORK,
                next_plan="继续推进", self_grade="称职", chief=("称职", "李办"),
                leader=("优秀", "钱副"), log=["收文", "发文", "归档"],
                extra={"chief_comment": "按时完成", "leader_comment": "表现突出，继续保持"})
    fill_weekly(form(ws, "2002", "王三", "规划股"), ws.inbox / "b.xlsx", chief=("基本称职", "郑规"))
    fill_weekly(form(ws, "3002", "褚五", "建管股"), ws.inbox / "c.xlsx")
    run(ws, "ingest")
    result = run(ws, "report", "week", WEEK)
    path = ws.reports / f"{WEEK}_周汇总.xlsx"
    assert f"报表：{path}" in result.output
    sheet = openpyxl.load_workbook(path)["周汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["工号", "姓名", "股室", "本周工作", "下周计划", "自评等次", "初评等次",
                             "初评意见", "评定等次", "评定意见", "工作日志天数", "状态"]
    got = {r[0]: r for r in rows[1:]}
    assert got["1002"][3:] == (WORK, "继续推进", "称职", "称职", "按时完成", "优秀",
                               "表现突出，继续保持", 3, "已评定")
    assert got["2002"][6] == "基本称职" and got["2002"][8] is None and got["2002"][11] == "待评定"
    assert got["3002"][3] == "完成本周工作" and got["3002"][11] == "待初评"
    assert got["1001"][3] is None and got["1001"][11] == "未交"
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    assert sheet.row_dimensions[2 + [r[0] for r in rows[1:]].index("1002")].height >= 28

    (pdf,) = convert_to_pdf([path], tmp_path / "pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "②整理档案，共120㎡（含“旧卷”）" in flat and "表现突出，继续保持" in flat
