"""Reader shortcuts (label memo, empty rows skipped, table box by rows, week memo first) give
exactly the answers of the plain per-cell code they replace."""

from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_DOWN, Decimal, localcontext

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from workbook_engine import periods, text
from workbook_engine.ingest import checks, locate, margins, weekly_rules
from workbook_engine.ingest.checks import Collector
from workbook_engine.ingest.defined import NamedRange
from workbook_engine.ingest.margins import _filled
from workbook_engine.ingest.read import RawForm, Sheets, _box
from workbook_engine.periods import PeriodError, Week, parse_week
from workbook_engine.text import clean_name, clean_text

TEXTS = ["工号", " 工 号：", "姓名:", "本周工作\n完成情况", "Ａ００１", "　", "", "::", "签名：：",
         "x" * 300 + "：", "初评（选填）:", "ｋｇ：", 0, 0.0, 1001.0, False, True, None,
         float("nan"), dt.date(2026, 3, 2), dt.datetime(2026, 3, 2, 8, 30)]


def test_label_text_from_the_memo_is_the_label_worked_out_anew():
    locate._label_texts.clear()
    first = [locate.label_text(value) for value in TEXTS]
    again = [locate.label_text(value) for value in TEXTS]  # from the memo where kept
    plain = [clean_name(value).rstrip(":：") for value in TEXTS]
    assert first == again == plain
    assert "x" * 300 + "：" not in locate._label_texts  # long texts are not kept


def test_label_memo_stays_bounded(monkeypatch):
    monkeypatch.setattr(text, "_MEMO_SIZE", 8)  # the bound of the text memos it shares
    locate._label_texts.clear()
    for number in range(50):
        assert locate.label_text(f"栏{number}：") == f"栏{number}"
    assert len(locate._label_texts) <= 8


GRIDS = [
    [["", "", ""], ["标题", "", ""], ["", "", ""]],
    [[None, "", None], ["", 0, ""], ["", "", False], [0.0, "", ""], ["", "", float("nan")]],
    [["　", " ", ""], ["", "\n", ""], ["", "", ""], ["", dt.date(2026, 1, 5), "备注"]],
    [[], [""], ["", ""], ["x"]],
]


@pytest.mark.parametrize("grid", GRIDS)
def test_filled_cells_are_those_of_the_cell_by_cell_scan(grid):
    plain = [(r, c, value) for r, line in enumerate(grid) for c, value in enumerate(line)
             if value is not None and value != "" and clean_text(value)]
    assert repr(_filled(grid)) == repr(plain)


def _sheets() -> Sheets:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "工作日志"
    sheet.append(["工作日志"])
    sheet.append(["日期", "工作内容", "备注"])
    sheet.append([dt.date(2026, 3, 2), "巡查", None])
    sheet.append([None, "", "  "])
    sheet.append([dt.date(2026, 3, 4), 0, "x", "表外"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Sheets(CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())))


@pytest.mark.parametrize(("rows", "col", "width"), [
    (range(1, 5), 0, 3), (range(0, 8), 0, 3), (range(2, 6), 1, 5), (range(0, 3), 4, 2),
    (range(3, 3), 0, 3), (range(1, 4), -1, 3),
])
def test_table_box_is_the_cells_as_sheets_value_reads_them(rows, col, width):
    sheets = _sheets()
    plain = [[sheets.value("工作日志", r, c) for c in range(col, col + width)] for r in rows]
    assert repr(_box(sheets, "工作日志", rows, col, width)) == repr(plain)


def test_a_week_from_the_memo_is_the_week_parsed_anew():
    texts = ["2026-W10", "２０２６年第10周", " 2026w10 ", "2026-W01"]
    periods._parsed.clear()
    first = [parse_week(text) for text in texts]
    again = [parse_week(text) for text in texts]  # from the memo
    periods._parsed.clear()
    assert first == again == [parse_week(text) for text in texts]
    assert first[0] == Week(2026, 10)


def test_relative_weeks_are_never_taken_from_the_memo():
    today = dt.date(2026, 3, 4)
    parse_week("2026-W10")
    assert parse_week("本周", today) == Week.from_date(today)
    assert parse_week("上周", today) == Week.from_date(today - dt.timedelta(days=7))
    assert parse_week("本周", today + dt.timedelta(days=7)) == Week.from_date(
        today + dt.timedelta(days=7))
    for _ in range(2):  # an error is never kept
        with pytest.raises(PeriodError):
            parse_week("2026-W99")


SCORES = [18.0, 18.5, 27.0, 0.0, -0.0, 18.499999999, 18.505, 30.0, 30.01, 19.999999999999996,
          1e20, -1.0, float("nan"), float("inf"), 5e-324, 7.25, 0.125]


@pytest.mark.parametrize("maximum", [Decimal(20), Decimal("20.0"), Decimal(30), Decimal("0.5")])
def test_a_float_score_from_the_memo_is_the_score_checked_anew(maximum):
    raw = RawForm(file="月考评表.xlsx", file_kind="xlsx")
    checks._scores.clear()
    fresh = [checks._score_value(v, maximum, 2, "工作量(20)", Collector(raw)) for v in SCORES]
    first = [checks.score_value(v, maximum, 2, "工作量(20)", Collector(raw)) for v in SCORES]
    again = [checks.score_value(v, maximum, 2, "工作量(20)", Collector(raw)) for v in SCORES]
    assert repr(first) == repr(again) == repr(fresh)  # -0 stays -0, 18.50 stays as it was
    out = Collector(raw)
    for _ in range(2):  # a refused score is refused every time, with its issue
        assert checks.score_value(99.0, maximum, 2, "工作量(20)", out, row=5) is None
    assert [issue.code for issue in out.issues] == ["score.out_of_range"] * 2
    with localcontext() as context:  # another rounding: not answered from the memo
        context.rounding = ROUND_DOWN
        assert repr(checks.score_value(18.499999999, maximum, 2, "x", Collector(raw))) == repr(
            checks._score_value(18.499999999, maximum, 2, "x", Collector(raw)))


ROWS = [
    [1, "x", ""], [1.0, "x", ""], [True, "x", ""], [False, "", 0], [0, "", 0.0], [-0.0, "", ""],
    ["", dt.date(2026, 3, 2), "工号："], ["", dt.datetime(2026, 3, 2), "工号："],
    ["", dt.datetime(2026, 3, 2, 8, 30), "　签名：　"], [float("nan"), "", "::"],
    [None, "", "Ａ００１"], ["x" * 3000, "姓名"], ["", "", ""], [], [Decimal("1.0"), "x"],
    [Decimal("1"), "x"],
]


def test_row_cells_from_the_memo_are_the_cells_worked_out_anew():
    locate._rows.clear()
    plain = [tuple((c, clean_text(v), locate.label_text(v)) for c, v in enumerate(row)
                   if clean_text(v)) for row in ROWS]
    first = [locate.row_cells(row) for row in ROWS]
    again = [locate.row_cells(list(row)) for row in ROWS]  # equal rows: from the memo if kept
    assert first == again == plain
    assert again[0] != again[2] and again[2][0][1] == "是"  # 1 and True are equal, not the same
    assert again[14][0][1] == "1.0" and again[15][0][1] == "1"  # Decimal is never kept
    assert not any(("x" * 3000, "姓名") == key[0] for key in locate._rows)  # long: not kept


def test_row_memo_stays_bounded(monkeypatch):
    monkeypatch.setattr(locate, "_ROWS_SIZE", 8)
    locate._rows.clear()
    for number in range(50):
        assert locate.row_cells(["", f"栏{number}：", ""]) == ((1, f"栏{number}:", f"栏{number}"),)
    assert len(locate._rows) <= 8


def test_work_log_rows_without_content_warn_only_for_a_date_that_cannot_be_read():
    raw = RawForm(file="周考评表.xlsx", file_kind="xlsx", table_sheet="工作日志", table_row=2)
    raw.table = [["日期", "工作内容", "备注"], [dt.date(2026, 3, 2), None, None],
                 ["2026-03-03", "", "  "], ["三月四日", None, ""], [dt.datetime(2026, 3, 5), "", None],
                 [dt.date(2026, 3, 6), "巡查", None], ["", "", ""]]
    out = Collector(raw)
    log = weekly_rules._work_log(raw, out)
    assert log == [["2026-03-06", "巡查", ""]]
    assert [(i.code, i.row, i.column) for i in out.issues] == [
        ("weekly.log_without_content", 5, "日期")]
    assert "三月四日" in out.issues[0].message


WEEKLY_GRID = [
    ["某局干部职工周考评表", "", "", "", "", ""],
    ["考评周期：2026年第10周", "", "", "", "周六加班", ""],
    ["工号", "1001", "姓名", "张三", "考评周", "2026-W10"],
    ["职务类别", "一般干部职工", "初评人", "（免初评）", "工作日", "5 天"],
    ["自评等次", "", "（选填）", 18.0, "", "::"],
    ["初评等次", "称职", "签名：", "周强", "日期", dt.date(2026, 3, 6)],
    ["", "", "", "", "", ""],
    ["填表说明：…", "", "备注 ", "", "x", ""],
]


def _plain_weekly_outside(grid, fields):
    """margins.weekly_outside as it was: label and text of every cell, per cell."""
    filled = [(r, c, v, locate.label_text(v)) for r, line in enumerate(grid)
              for c, v in enumerate(line) if v is not None and v != "" and clean_text(v)]
    known = {target.first for target in fields.values()}
    known |= {(r, c + 1) for r, c, _, label in filled if label in margins.PREFILL_LABELS}
    return [margins._outside("周考评表", r, c, v) for r, c, v, label in filled
            if (r, c) not in known and label not in margins.WEEKLY_LABEL_SET
            and not margins._WEEKLY_TEXT.search(clean_text(v))]


def test_weekly_outside_from_the_row_memo_is_the_per_cell_answer():
    fields = {"staff_id": NamedRange("周考评表", (2, 1), (2, 1)),
              "chief_sign": NamedRange("周考评表", (5, 3), (5, 3))}
    margins._weekly_rows.clear()
    for grid in [WEEKLY_GRID, *GRIDS, WEEKLY_GRID]:  # the second time from the memos
        assert margins.weekly_outside(grid, fields) == _plain_weekly_outside(grid, fields)
    assert [o.cell for o in margins.weekly_outside(WEEKLY_GRID, fields)] == [
        "E2", "D3", "F3", "D5", "F5", "B6", "F6", "C8", "E8"]  # prefilled D4, B4, F4 known


def test_a_name_fits_as_the_labels_left_of_it_and_at_the_row_start_say():
    cells = locate.grid_cells(WEEKLY_GRID)
    labels = [[locate.label_text(v) for v in line] for line in WEEKLY_GRID]
    for row in range(-2, len(WEEKLY_GRID) + 2):
        line = labels[row] if row < len(labels) else []
        start = next((text for text in line if text), "")
        for col in range(-1, 8):
            left = next((line[c] for c in range(min(col, len(line)) - 1, -1, -1) if line[c]), "")
            for label, row_label in [("签名", "初评等次"), ("签名", ""), ("工号", ""), ("", ""),
                                     ("日期", "职务类别"), ("姓名", "")]:
                target = NamedRange("周考评表", (row, col), (row, col))
                plain = left == label and (not row_label or start == row_label)
                assert locate.name_fits(WEEKLY_GRID, target, label, row_label, cells) is plain


def test_a_readers_file_is_read_whole_as_read_bytes_with_its_size(tmp_path, monkeypatch):
    from workbook_engine.ingest import classify as classify_module

    for size in (0, 1, 4095, 70_000):
        path = tmp_path / f"f{size}.xlsx"
        path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
        assert classify_module._size_and_bytes(path, 70_000) == (size, path.read_bytes())
        assert classify_module._size_and_bytes(path, size - 1) == (size, None)
    # a file that grew after its size was taken is still read to its end
    path = tmp_path / "grown.xlsx"
    path.write_bytes(b"y" * 3_000_000)
    real_fstat = classify_module.os.fstat

    class Smaller:
        def __init__(self, result):
            self.st_size = 10

    monkeypatch.setattr(classify_module.os, "fstat", lambda fd: Smaller(real_fstat(fd)))
    assert classify_module._size_and_bytes(path, 100) == (10, b"y" * 3_000_000)
