"""Word drafts the office edits and signs (SPEC §6): 月小结, 季度小结, 全年总结 (.docx).

    reports/2026-05_月小结.docx    reports/2026-Q2_季度小结.docx    reports/2026_全年总结.docx

公文 look: A4, GB/T 9704 margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm), title in
方正小标宋 (黑体 where it is not installed), body 仿宋 三号 (16 pt), page numbers in the footer.
Every figure comes from the very computation the workbook is written from (the `Figures` of
month_figures, quarter_figures, year_figures, computed once by reports/write.py); what is said about a person is only what the forms and the ledger hold: scores,
grades, the recorded reasons, the monthly 备注 and the weekly 评定意见 quoted as typed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from copy import deepcopy
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.run import Run

from workbook_engine import store
from workbook_engine.forms.layout import LEADER_EDITION
from workbook_engine.ledger_records import Records, load_records
from workbook_engine.periods import Month, Quarter, Year
from workbook_engine.reports.monthly import Figures
from workbook_engine.reports.talks import NOT_RECORDED
from workbook_engine.scoring.frames import records
from workbook_engine.scoring.monthly import RATED_NOT_USED, SCORED, lines_frame
from workbook_engine.scoring.ranking import TIED, YES
from workbook_engine.workspace import Workspace

TITLE_FONTS = ("方正小标宋简体", "方正小标宋_GBK", "黑体", "SimHei")
BODY_FONTS = ("仿宋_GB2312", "仿宋", "FangSong")
HEADING_FONTS = ("黑体", "SimHei")
BODY_SIZE, TITLE_SIZE = Pt(16), Pt(22)  # 三号, 二号


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text a .docx can hold: control characters typed into a form (an XML 1.0 file cannot
    carry them) are dropped; everything else stays as typed."""
    return _NOT_IN_XML.sub("", text)


def installed_font(candidates: tuple[str, ...]) -> str:
    """The first candidate this machine has (fc-list), else the first: the office's PC
    running Word usually has them all."""
    if shutil.which("fc-list"):
        found = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True,
                               text=True).stdout
        families = {name.strip() for line in found.splitlines() for name in line.split(",")}
        for name in candidates:
            if name in families:
                return name
    return candidates[0]


_RUN_PROPERTIES: dict[tuple, object] = {}  # (font, size, bold) → a run's <w:rPr> made once


def _font(run, name: str, size=BODY_SIZE, bold: bool = False) -> None:
    """The run's font (Latin and East Asian), size and weight. A draft has thousands of
    runs: python-docx makes the first run's properties of each kind, the later ones get a
    copy of them (the same XML, without python-docx's search per property)."""
    _run_font(run._r, name, size, bold)


def _run_font(r, name: str, size, bold: bool) -> None:
    key = (name, size, bold)
    made = _RUN_PROPERTIES.get(key)
    if made is not None and r.rPr is None:
        r.insert(0, deepcopy(made))
        return
    font = Run(r, None).font
    font.name = name
    font.size = size
    font.bold = bold
    r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    if made is None:
        _RUN_PROPERTIES[key] = deepcopy(r.rPr)


class Draft:
    """One .docx being written in the 公文 look."""

    def __init__(self, title: str):
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        self.body_font = installed_font(BODY_FONTS)
        normal = self.doc.styles["Normal"]
        normal.font.name, normal.font.size = self.body_font, BODY_SIZE
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), self.body_font)
        self._page_numbers(section)
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(paragraph.add_run(xml_safe(title)), installed_font(TITLE_FONTS), TITLE_SIZE)

    def _page_numbers(self, section) -> None:
        """「— 1 —」 centred in the footer: a PAGE field between dashes."""
        paragraph = section.footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(paragraph.add_run("— "), self.body_font, Pt(14))
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        run = paragraph.add_run("1")
        _font(run, self.body_font, Pt(14))
        field.append(run._element)
        paragraph._p.append(field)
        _font(paragraph.add_run(" —"), self.body_font, Pt(14))

    def heading(self, text: str) -> None:
        paragraph = self.doc.add_paragraph()
        _font(paragraph.add_run(xml_safe(text)), installed_font(HEADING_FONTS))

    def para(self, text: str) -> None:
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(32)
        _font(paragraph.add_run(xml_safe(text)), self.body_font)

    def table(self, headers: list[str], rows: list[list]) -> None:
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, headers):
            _font(cell.paragraphs[0].add_run(xml_safe(text)), self.body_font, Pt(12), bold=True)
        blank = None  # an empty row as python-docx adds it, copied for the next rows
        for values in rows:
            if blank is None:
                row = table.add_row()._tr
                blank = deepcopy(row)
            else:
                row = deepcopy(blank)
                table._tbl.append(row)
            for tc, value in zip(row.tc_lst, values):
                r = tc.p_lst[0].add_r()  # Paragraph.add_run, as python-docx does it
                text = xml_safe(_text(value))
                if text:
                    r.text = text
                _run_font(r, self.body_font, Pt(12), False)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(0)  # room below the table

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.core_properties.author = "workbook_engine"
        self.doc.save(str(path))
        return path


def _text(value) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if hasattr(value, "quantize") else str(value)


def _grade_counts(frame, grades) -> str:
    return "，".join(f"{g} {int((frame['grade'] == g).sum())} 人" for g in grades)


def _grade_table(draft: Draft, frame, grades) -> None:
    draft.table(["等次", "人数"], [[g, int((frame["grade"] == g).sum())] for g in grades])


def _grade_text(r: dict, what: str = "等次") -> str:
    """`等次为不称职`, or with the score's grade when the leader rated the month otherwise."""
    if r.get("score_grade") and r["score_grade"] != r["grade"]:
        return f"分数等次为{r['score_grade']}，经领导评定{what}为{r['grade']}"
    return f"{what}为{r['grade']}"


def _rated_part(draft: Draft, scored, remarks: dict) -> None:
    """The months the leader rated apart from the score (备注 quoted as the reason), and the
    rated grades not used for want of a reason."""
    rows = records(scored)
    apart = sum(1 for r in rows if r["score_grade"] != r["grade"])
    unused = sum(1 for r in rows if r["grade_note"].startswith(RATED_NOT_USED))
    if apart or unused:
        draft.para(f"本月领导评定等次与分数等次不同的 {apart} 人"
                   + (f"，评定等次未采用的 {unused} 人（备注未写理由）" if unused else "")
                   + "，情况如下：")
    for r in rows:
        if r["score_grade"] != r["grade"]:
            remark = remarks.get((LEADER_EDITION, r["staff_id"]), "")
            draft.para(f"{r['name']}（{r['section']}）月度得分 {r['score']:.2f} 分，"
                       f"{_grade_text(r)}，理由：“{remark}”。")
        elif r["grade_note"].startswith(RATED_NOT_USED):
            draft.para(f"{r['name']}（{r['section']}）月度得分 {r['score']:.2f} 分，"
                       f"{r['grade_note']}。")


def _talk_text(talk_records: Records, staff_id: str, month: str) -> str:
    held = talk_records.talks_of(staff_id, month)
    if not held:
        return f"诫勉谈话：{NOT_RECORDED}"
    return "；".join(f"诫勉谈话：{t['date'].isoformat() if t['date'] else ''} 由{t['talker']}进行"
                    for t in held)


def _weekly_comments(workspace: Workspace, conn, roster, month: Month,
                     people: set[str]) -> dict[str, list]:
    """The weekly 评定意见 of these people in the month, as typed: 工号 → [(week, comment)].
    Only their archived forms are read."""
    from workbook_engine.reports.weekly import week_rows

    found: dict[str, list] = {staff_id: [] for staff_id in people}
    if not people:
        return found
    for week in month.weeks():
        for row in week_rows(workspace, conn, roster, week, only=people):
            if row[9]:
                found[row[0]].append((str(week), row[9]))
    return found


# --------------------------------------------------------------------------- month


def month_draft_path(workspace: Workspace, month: Month) -> Path:
    return workspace.reports / f"{month}_月小结.docx"


def month_notes(workspace: Workspace, month: Month):
    """What the month draft quotes, read in the figures' own snapshot (`also` of
    month_figures): the monthly 备注 and the talk list's weekly 评定意见."""
    def read(conn, inputs, result) -> tuple[dict, dict]:
        people = {r["staff_id"] for r in records(result.talk)}
        return (store.monthly_remarks(conn, str(month)),
                _weekly_comments(workspace, conn, inputs.roster, month, people))
    return read


def write_month_draft(workspace: Workspace, month: Month, figures: Figures) -> Path:
    """From the month report's figures, computed with `month_notes`."""
    inputs_policy, result = figures.inputs.policy, figures.result
    talk_records = figures.talk_records
    remarks, comments = figures.notes
    scores = result.scores
    scored = scores[scores["status"] == SCORED]
    draft = Draft(f"{month.label}干部职工量化考核月小结")
    draft.para(f"根据干部职工量化考核工作方案，考核办对{month.label}干部职工量化考核情况小结如下。")
    draft.heading("一、基本情况")
    draft.para(f"本月参加考核 {len(scores)} 人，已计分 {len(scored)} 人，其中"
               f"{_grade_counts(scored, inputs_policy.grade_names)}。")
    _grade_table(draft, scored, inputs_policy.grade_names)
    _rated_part(draft, scored, remarks)
    draft.heading("二、月度不称职及诫勉谈话")
    _unfit_part(draft, result.talk, talk_records, remarks, comments)
    draft.heading("三、履职扣分")
    deducted = [r for r in records(scored) if r["deduction"]]
    for r in deducted:
        draft.para(f"{r['name']}（{r['section']}）履职扣分 {r['deduction']} 分，"
                   f"事由：{r['reason'] or '未填写'}。")
    if not deducted:
        draft.para("本月无履职扣分。")
    draft.heading("四、未计分情况")
    other = [r for r in records(scores) if r["status"] != SCORED]
    for r in other:
        draft.para(f"{r['name']}（{r['section']}）：{r['status']}。")
    if not other:
        draft.para("本月参加考核人员均已计分。")
    return draft.save(month_draft_path(workspace, month))


def _unfit_part(draft: Draft, talk, talk_records: Records, remarks: dict, comments: dict) -> None:
    people = records(talk)
    if not people:
        draft.para("本月无月度考核等次为不称职的人员。")
        return
    for r in people:
        draft.para(f"{r['name']}（{r['section']}）月度得分 {r['score']:.2f} 分，{_grade_text(r)}；"
                   f"{_talk_text(talk_records, r['staff_id'], r['month'])}。")
        remark = remarks.get((LEADER_EDITION, r["staff_id"]))
        if remark:
            draft.para(f"领导评分表备注：“{remark}”")
        if r["reason"]:
            draft.para(f"扣分事由：“{r['reason']}”")
        for week, comment in comments.get(r["staff_id"], []):
            draft.para(f"{week} 周考评评定意见：“{comment}”")


# --------------------------------------------------------------------------- quarter


def quarter_draft_path(workspace: Workspace, quarter: Quarter) -> Path:
    return workspace.reports / f"{quarter}_季度小结.docx"


def write_quarter_draft(workspace: Workspace, quarter: Quarter, figures: Figures) -> Path:
    """From the quarter report's figures; the ledger's records (talks, remedies) read here."""
    policy, roster, result = figures.inputs.policy, figures.inputs.roster, figures.result
    talk_records, _ = load_records(workspace.ledger_path, roster, policy)
    monthly, summary = result.monthly, result.summary
    draft = Draft(f"{quarter.label}干部职工量化考核季度小结")
    draft.para(f"根据干部职工量化考核工作方案，考核办结合{quarter.label}各月考评情况，小结如下。")
    draft.heading("一、基本情况")
    rows = []
    for month in quarter.months():
        lines = monthly[(monthly["month"] == str(month)) & (monthly["status"] == SCORED)]
        rows.append([month.label, len(lines)] + [int((lines["grade"] == g).sum())
                                                 for g in policy.grade_names])
    draft.table(["月份", "计分人数", *policy.grade_names], rows)
    draft.heading("二、本季度存在的问题")
    listed = [r for r in records(summary) if r["problems"]]
    for r in listed:
        draft.para(f"{r['name']}（{r['section']}）：{r['problems']}。")
    if not listed:
        draft.para("本季度考核记录中未发现问题。")
    unfit = monthly[monthly["grade"] == policy.lowest_grade]
    for r in records(unfit):
        draft.para(f"{r['name']}（{r['section']}）{r['month']} {_grade_text(r, '月度等次')}，"
                   f"{_talk_text(talk_records, r['staff_id'], r['month'])}。")
    remedies = talk_records.remedies
    draft.heading("三、整改方案")
    _remedy_table(draft, remedies[remedies["quarter"] == str(quarter)],
                  "整改台账尚未登记本季度的整改措施。")
    draft.heading("四、以前季度尚未完成的整改措施")
    earlier = remedies[(remedies["quarter"] < str(quarter)) & (remedies["state"] != "已完成")]
    _remedy_table(draft, earlier, "无。")
    draft.heading("五、通报（在干部职工大会上由领导小组通报）")
    draft.para(f"{quarter.label}参加考核 {len(summary)} 人。"
               + "；".join(f"{row[0]}计分 {row[1]} 人，" + "、".join(
                   f"{g} {n} 人" for g, n in zip(policy.grade_names, row[2:])) for row in rows)
               + "。")
    draft.para(f"本季度月度等次为不称职的共 {len(unfit)} 人次，记录有问题的人员 {len(listed)} 人；"
               f"整改措施 {int((remedies['quarter'] == str(quarter)).sum())} 项。")
    return draft.save(quarter_draft_path(workspace, quarter))


def _remedy_table(draft: Draft, remedies, empty: str) -> None:
    rows = [[r["quarter"], r["section"], r["problem"], r["measure"], r["owner"],
             r["deadline"].isoformat() if r["deadline"] else "", r["state"]]
            for r in records(remedies)]
    if rows:
        draft.table(["季度", "股室", "问题", "整改措施", "责任人", "完成时限", "完成情况"], rows)
    else:
        draft.para(empty)


# --------------------------------------------------------------------------- year


def year_draft_path(workspace: Workspace, year: Year) -> Path:
    return workspace.reports / f"{year}_全年总结.docx"


def write_year_draft(workspace: Workspace, year: Year, figures: Figures) -> Path:
    """From the year report's figures (the bonus, when computed, is not used here)."""
    policy, result, talk_records = figures.inputs.policy, figures.result, figures.talk_records
    annual, points = result.annual, result.points
    draft = Draft(f"{year.label}干部职工量化考核全年总结")
    draft.para(f"根据干部职工量化考核工作方案，考核办结合{year.label}月、季考评情况，总结如下。")
    draft.heading("一、基本情况")
    draft.para(f"全年参加考核 {len(annual)} 人，有年度得分 {int(annual['score'].notna().sum())} 人，"
               f"年度等次：{_grade_counts(annual, policy.grade_names)}。")
    _grade_table(draft, annual, policy.grade_names)
    draft.heading("二、优秀等次预备人选")
    ranked = sorted((r for r in records(annual) if r["candidate"] in (YES, TIED)),
                    key=lambda r: (r["rank"], r["staff_id"]))
    draft.table(["排名", "姓名", "股室", "年度得分", "优秀预备人选"],
                [[r["rank"], r["name"], r["section"], r["score"], r["candidate"]]
                 for r in ranked])
    draft.heading("三、加分和扣分")
    for label in ("加分", "扣分"):
        lines = points[points["direction"] == label] if len(points) else points
        draft.para(f"全年{label}记录 {len(lines)} 条。")
    draft.heading("四、月度不称职及诫勉谈话")
    unfit = lines_frame(result.talk_lines)  # the month lines graded the lowest grade
    for r in records(unfit):
        draft.para(f"{r['name']}（{r['section']}）{r['month']} 月度得分 {r['score']:.2f} 分，"
                   f"{_grade_text(r)}；{_talk_text(talk_records, r['staff_id'], r['month'])}。")
    if unfit.empty:
        draft.para("全年无月度考核等次为不称职的人员。")
    draft.heading("五、本年度存在的问题")
    remedies = talk_records.remedies
    open_ = remedies[remedies["state"] != "已完成"]
    draft.para(f"整改台账登记整改措施 {len(remedies)} 项，尚未完成 {len(open_)} 项；"
               f"年度报表数据问题 {len(result.problems) + len(result.ledger_issues)} 项。")
    _remedy_table(draft, open_, "没有未完成的整改措施。")
    return draft.save(year_draft_path(workspace, year))


def draft_notes(workspace: Workspace, scope: str, period):
    """The `also` to compute the scope's figures with, so that its draft can be written."""
    return month_notes(workspace, period) if scope == "month" else None


def write_draft(workspace: Workspace, scope: str, period, figures: Figures) -> Path:
    writer = {"month": write_month_draft, "quarter": write_quarter_draft,
              "year": write_year_draft}[scope]
    return writer(workspace, period, figures)
