"""Word drafts (SPEC §6): 月小结, 季度小结, 全年总结 — real figures, 公文 page, PDF via LibreOffice."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal

import test_year
from docx import Document
from docx.shared import Pt
from helpers import cli, convert_to_pdf
from lxml import etree
from test_records import TALKS, add_record_sheets

from workbook_engine.reports import annual, drafts, monthly, quarterly

year_ws = test_year.year_ws

REMEDIES = [
    ["2026-Q1", "全局", "周考评表迟交", "每周五提醒", "考核办", "2026-04-30", "进行中"],
    ["2026-Q1", "办公室", "材料迟报", "建立台账", "李办", "", "已完成"],
    ["2026-Q2", "建管股", "月度考核不称职 1 人", "建立周计划督办", "陈建", "2026-07-31", "未完成"],
]


def texts(path):
    return [p.text for p in Document(str(path)).paragraphs]


def cells(path, index=0):
    table = Document(str(path)).tables[index]
    return [[c.text for c in row.cells] for row in table.rows]


def test_drafts_hold_the_periods_figures(year_ws, tmp_path, monkeypatch):
    add_record_sheets(year_ws.ledger_path, talks=TALKS[:1], remedies=REMEDIES)
    computed = []  # each report and its draft are written from one computation of the period
    for module, name in ((monthly, "compute_month"), (quarterly, "compute_quarter"),
                         (annual, "compute_year")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _real=real, _name=name, **k: (
            computed.append(_name), _real(*a, **k))[1])
    for args in (("month", "2026-05"), ("quarter", "2026-Q2"), ("year", "2026")):
        assert "文字稿（Word，供修改后签发）" in cli(year_ws, "report", *args).output
    assert computed == ["compute_month", "compute_quarter", "compute_year"]
    assert not any(name.startswith("compute_") for name in vars(drafts))
    month = year_ws.reports / "2026-05_月小结.docx"
    quarter = year_ws.reports / "2026-Q2_季度小结.docx"
    year = year_ws.reports / "2026_全年总结.docx"

    document = Document(str(month))
    section = document.sections[0]
    measures = (section.page_width, section.page_height, section.top_margin,
                section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in measures] == [210, 297, 37, 35, 28, 26]  # A4, GB/T 9704
    assert document.styles["Normal"].font.size == Pt(16)
    assert 'instr="PAGE"' in section.footer.paragraphs[0]._p.xml
    lines = texts(month)
    assert lines[0] == "2026年5月干部职工量化考核月小结"
    # May: 9 assessed (吴二 离岗, 冯四 and 赵局 not assessed); 2003 not yet in post → 8 scored:
    # 优秀 L1 99, 2002 95, 3001 95; 称职 L2 93, 1002 90, 1001 85, 2001 80; 不称职 3002 65
    assert "本月参加考核 9 人，已计分 8 人，其中优秀 3 人，称职 4 人，基本称职 0 人，不称职 1 人。" in lines
    assert cells(month) == [["等次", "人数"], ["优秀", "3"], ["称职", "4"], ["基本称职", "0"],
                            ["不称职", "1"]]
    assert "褚五（建管股）月度得分 65.00 分，等次为不称职；诫勉谈话：2026-06-03 由赵局进行。" in lines

    lines = texts(quarter)
    assert lines[0] == "2026年第二季度干部职工量化考核季度小结"
    assert cells(quarter)[2] == ["2026年5月", "8", "3", "4", "0", "1"]
    assert cells(quarter, 1)[1:] == [["2026-Q2", "建管股", "月度考核不称职 1 人", "建立周计划督办",
                                      "陈建", "2026-07-31", "未完成"]]
    assert cells(quarter, 2)[1:] == [["2026-Q1", "全局", "周考评表迟交", "每周五提醒", "考核办",
                                      "2026-04-30", "进行中"]]
    assert any(t.startswith("五、通报") for t in lines)

    lines = texts(year)
    assert lines[0] == "2026年度干部职工量化考核全年总结"
    assert cells(year, 1)[1:] == [["1", "周一", "办公室", "119.83", "是"],
                                  ["2", "王三", "规划股", "102.00", "并列待定"],
                                  ["2", "钱副", "局领导", "102.00", "并列待定"]]

    pdfs = convert_to_pdf([month, quarter, year], tmp_path / "pdf")
    for pdf in pdfs:
        text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"],
                                                 capture_output=True, text=True).stdout)
        assert "干部职工量化考核" in text and "褚五（建管股）" in text


def test_remarks_and_weekly_comments_are_quoted_as_typed(tmp_path):
    from decimal import Decimal

    import pandas as pd

    from workbook_engine.forms.layout import LEADER_EDITION
    from workbook_engine.ledger_records import empty_records
    from workbook_engine.reports.drafts import Draft, _unfit_part

    talk = pd.DataFrame([{"staff_id": "3002", "name": "褚五", "section": "建管股",
                          "month": "2026-05", "score": Decimal("65.00"), "grade": "不称职",
                          "reason": ""}], dtype=object)
    draft = Draft("测试")
    _unfit_part(draft, talk, empty_records(), {(LEADER_EDITION, "3002"): "五月三次迟报\n材料"},
                {"3002": [("2026-W19", "工作不主动，需督促")]})
    lines = texts(draft.save(tmp_path / "t.docx"))
    assert lines[1:] == ["褚五（建管股）月度得分 65.00 分，等次为不称职；诫勉谈话：未记录谈话。",
                         "领导评分表备注：“五月三次迟报\n材料”",
                         "2026-W19 周考评评定意见：“工作不主动，需督促”"]


def test_copied_rows_and_fonts_are_the_xml_python_docx_writes(tmp_path):
    """Draft.table copies an empty row and each kind of run properties (a year's draft has
    thousands of cells); the document is the one python-docx's own calls make."""
    rows = [["1", "张三", Decimal("92.5"), None, "优秀"], ["2", " 前后空格 ", "制表\t符", "两\n行", ""],
            ["3", "控制\x01字符", 0, Decimal("-1.005"), "并列待定"]] * 3
    draft = drafts.Draft("测试")
    draft.table(["排名", "姓名", "年度得分", "空", "优秀预备人选"], rows)
    draft.heading("二、标题")
    draft.para("正文")

    plain = drafts.Draft("测试")  # the same through python-docx's API alone
    table = plain.doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["排名", "姓名", "年度得分", "空", "优秀预备人选"]):
        run = cell.paragraphs[0].add_run(text)
        run.font.name, run.font.size, run.font.bold = plain.body_font, Pt(12), True
        run._element.get_or_add_rPr().get_or_add_rFonts().set(drafts.qn("w:eastAsia"),
                                                              plain.body_font)
    for values in rows:
        for cell, value in zip(table.add_row().cells, values):
            run = cell.paragraphs[0].add_run(drafts.xml_safe(drafts._text(value)))
            run.font.name, run.font.size, run.font.bold = plain.body_font, Pt(12), False
            run._element.get_or_add_rPr().get_or_add_rFonts().set(drafts.qn("w:eastAsia"),
                                                                  plain.body_font)
    plain.doc.add_paragraph().paragraph_format.space_after = Pt(0)
    plain.heading("二、标题")
    plain.para("正文")
    assert etree.tostring(draft.doc.element) == etree.tostring(plain.doc.element)
    draft.save(tmp_path / "a.docx")
    assert cells(tmp_path / "a.docx")[1][:3] == ["1", "张三", "92.50"]
