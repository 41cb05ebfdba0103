"""A report workbook: cover with sign-off block and problems banner, table sheets, their print
settings (page setup itself: style.setup_page).

Every report goes through this module so they share one look and one set of safety rules:
xlsxwriter with `strings_to_formulas`/`strings_to_urls` off (text from submitted files stays
text), a fixed document timestamp (same inputs → same bytes), A4 with titles repeated on
each page, header row frozen, filters on, numbers with 2 decimals, grades coloured.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from workbook_engine.forms.zipparts import Part, deflated_bytes, zip_bytes
from workbook_engine.issues import Issue
from workbook_engine.reports.sheetrows import DirectRows
from workbook_engine.style import (
    REPORT_MARGINS,
    TITLE_FONT,
    fitted_height,
    lines_height,
    new_workbook,
    setup_page,
    wrap_room,
    wrapped_lines,
)

GRADE_COLOURS = {"优秀": "#C6EFCE", "称职": "#DDEBF7", "基本称职": "#FFEB9C", "不称职": "#FFC7CE"}
FOOTER = "&L制表：__________  审核：__________  审定：__________&R第 &P 页，共 &N 页"
SIGN_ROLES = ("制表", "审核", "审定", "日期")
NUMERIC = ("number", "money", "coef", "int")  # column kinds whose numbers are written as numbers


@dataclass(frozen=True)
class SignOff:
    """Names in the sign-off block; empty until the period is signed off."""

    prepared: str = ""
    reviewed: str = ""
    approved: str = ""
    date: str = ""

    def values(self) -> tuple[str, str, str, str]:
        return (self.prepared, self.reviewed, self.approved, self.date)


UNSIGNED = SignOff()


@dataclass
class Column:
    """A table column: header, kind (text/number/int/grade/money/coef) and width."""

    header: str
    kind: str = "text"
    width: float = 12


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    landscape: bool = True


class ReportBook:
    """One report file being written."""

    # a table's data rows go straight into the sheet's XML (sheetrows.py) where the installed
    # xlsxwriter allows it; False: through xlsxwriter's cell writers (the same bytes)
    direct_rows = True
    # the parts' XML goes through temporary files, then the archive is re-packed as the
    # in-memory mode writes it (_repack); False: xlsxwriter's in-memory mode (the same bytes).
    # Not on Windows: xlsxwriter writes those files in text mode there (\n becomes \r\n).
    through_files = os.linesep == "\n"

    def __init__(self, path: Path, title: str, unit: str, fingerprint: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.title = title
        self.unit = unit
        self.fingerprint = fingerprint
        self.workbook = new_workbook(str(path), in_memory=not self.through_files)
        add = self.workbook.add_format
        base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
        self.fmt = {
            "title": add({"font_name": "黑体", "font_size": 20, "bold": True, "align": "center",
                          "valign": "vcenter"}),
            "subtitle": add({"font_name": "宋体", "font_size": 12, "align": "center"}),
            "head": add({**base, "bold": True, "bg_color": "#DDEBF7", "align": "center",
                         "text_wrap": True}),
            "text": add({**base, "text_wrap": True}),
            "number": add({**base, "num_format": "0.00", "align": "right"}),
            "money": add({**base, "num_format": "#,##0.00", "align": "right"}),
            "coef": add({**base, "num_format": "0.0000", "align": "right"}),
            "int": add({**base, "num_format": "0", "align": "center"}),
            "grade": add({**base, "align": "center"}),
            "label": add({**base, "bold": True, "bg_color": "#F2F2F2"}),
            "alert": add({"font_name": "黑体", "font_size": 14, "bold": True,
                          "font_color": "#C00000", "text_wrap": True, "valign": "top"}),
            "ok": add({"font_name": "宋体", "font_size": 12, "font_color": "#006100"}),
            "small": add({"font_name": "宋体", "font_size": 9, "font_color": "#595959",
                          "text_wrap": True, "valign": "top"}),
            "sign": add({**base, "font_size": 12, "align": "center"}),
            "notice_title": add({"font_name": "黑体", "font_size": 16, "bold": True,
                                 "align": "center", "valign": "vcenter", "text_wrap": True}),
            "body": add({"font_name": "宋体", "font_size": 12, "text_wrap": True,
                         "valign": "top"}),
            "body_cell": add({**base, "font_size": 12, "align": "center"}),
        }
        self.grade_formats = {g: add({"bg_color": c}) for g, c in GRADE_COLOURS.items()}

    def cover(self, period_label: str, stats: list[tuple[str, str]], problems: list[Issue],
              signoff: SignOff) -> None:
        """First sheet: title, key figures, the problems banner (red) and the sign-off block."""
        sheet = self.workbook.add_worksheet("封面")
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, 3, 22)
        sheet.merge_range(0, 0, 0, 3, self.title, self.fmt["title"])
        sheet.set_row(0, 44)
        sheet.merge_range(1, 0, 1, 3, f"{self.unit}    {period_label}", self.fmt["subtitle"])
        row = 3
        for label, value in stats:
            sheet.write_string(row, 0, label, self.fmt["label"])
            sheet.merge_range(row, 1, row, 3, value, self.fmt["text"])
            sheet.set_row(row, fitted_height([value], [3 * 22]))  # a long figure wraps whole
            row += 1
        row += 1
        errors = [p for p in problems if p.is_error]
        if problems:
            text = (f"注意：本报表有 {len(problems)} 项数据问题未解决"
                    f"（其中 {len(errors)} 项为错误），详见「数据问题」工作表。签批前请核实。")
            sheet.merge_range(row, 0, row + 1, 3, text, self.fmt["alert"])
            sheet.set_row(row, 24)
            sheet.set_row(row + 1, 24)
            row += 3
        else:
            sheet.merge_range(row, 0, row, 3, "数据检查：没有未解决的数据问题。", self.fmt["ok"])
            row += 2
        for col, role in enumerate(SIGN_ROLES):
            sheet.write_string(row, col, role, self.fmt["head"])
        for col, value in enumerate(signoff.values()):
            sheet.write_string(row + 1, col, value, self.fmt["sign"])
        sheet.set_row(row + 1, 36)
        sheet.merge_range(row + 3, 0, row + 4, 3,
                          f"输入指纹（用于核验报表所依据的数据）：{self.fingerprint}",
                          self.fmt["small"])
        self.print_setup(sheet, landscape=False, repeat=None)
        sheet.print_area(0, 0, row + 4, 3)

    def table(self, table: Table, grade_header: str | None = "等次") -> None:
        """A data sheet: header in row 1 (the contract columns), frozen, filtered, printable."""
        sheet = self.workbook.add_worksheet(table.name)
        for col, column in enumerate(table.columns):
            sheet.write_string(0, col, column.header, self.fmt["head"])
            sheet.set_column(col, col, column.width)
        sheet.set_row(0, 30)
        if self.direct_rows and DirectRows.usable(sheet):
            self._direct_rows(sheet, table)
        else:
            widths = [column.width for column in table.columns]
            writers = [self._cell_writer(sheet, column.kind) for column in table.columns]
            for r, values in enumerate(table.rows, start=1):
                for c, (write, value) in enumerate(zip(writers, values)):
                    write(r, c, value)
                sheet.set_row(r, fitted_height(values, widths))
        last = max(len(table.rows), 1)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, last, len(table.columns) - 1)
        if grade_header:
            for c, column in enumerate(table.columns):
                if column.header == grade_header or column.kind == "grade":
                    self._colour_grades(sheet, c, last)
        self.print_setup(sheet, landscape=table.landscape, repeat=(0, 0), title=table.title)
        return sheet

    def _colour_grades(self, sheet, col: int, last: int) -> None:
        for grade, fmt in self.grade_formats.items():
            sheet.conditional_format(1, col, last, col, {
                "type": "cell", "criteria": "==", "value": f'"{grade}"', "format": fmt})

    def _formats(self, kind: str) -> tuple:
        """A column's format for numbers and blanks, and for text."""
        fmt = self.fmt.get(kind, self.fmt["text"])
        return fmt, fmt if kind == "grade" else self.fmt["text"]

    def _direct_rows(self, sheet, table: Table) -> None:
        """The table's rows as DirectRows below its header: each cell as _cell_writer writes
        it, each row's height as fitted_height gives it, in one pass over the cells."""
        rows = DirectRows(sheet, 1, [self._formats(column.kind) for column in table.columns])
        text, number = rows.text, rows.number
        columns = [(column.kind in NUMERIC, {}, wrap_room(column.width))
                   for column in table.columns]  # numbers as numbers, their floats, wrap room
        for values in table.rows:
            cells = []
            lines = 1
            for value, (numeric, floats, room) in zip(values, columns):
                if value.__class__ is str:
                    cells.append(text(value))
                    if len(value) * 2 > room or "\n" in value:
                        lines = max(lines, wrapped_lines(value, room))
                elif value is None or (isinstance(value, float) and value != value):
                    cells.append(None)
                elif numeric and isinstance(value, (int, Decimal)):
                    found = floats.get(value) if value else None  # a zero keeps its own sign
                    if found is None:  # one float object per distinct value
                        found = number(float(value))
                        if value:
                            floats[value] = found
                    cells.append(found)
                else:
                    cells.append(text(str(value)))
                    if isinstance(value, str) and (len(value) * 2 > room or "\n" in value):
                        lines = max(lines, wrapped_lines(str(value), room))
            rows.append(tuple(cells), lines_height(lines))

    def _cell_writer(self, sheet, kind: str):
        """write(row, col, value) for one column: blank, number or text in the column's format."""
        fmt, text_fmt = self._formats(kind)
        numeric = kind in NUMERIC
        # xlsxwriter's undecorated writers (its public ones first try to read "A1" notation,
        # a cost per cell); the same cells and bytes. Public ones if a version lacks them.
        write_blank = getattr(sheet, "_write_blank", sheet.write_blank)
        write_number = getattr(sheet, "_write_number", sheet.write_number)
        write_string = getattr(sheet, "_write_string", sheet.write_string)

        floats: dict = {}  # one float object per distinct value (scores repeat a lot)

        def write(row: int, col: int, value) -> None:
            if value is None or (isinstance(value, float) and value != value):
                write_blank(row, col, None, fmt)
            elif numeric and isinstance(value, (int, Decimal)):
                number = floats.get(value) if value else None  # a zero keeps its own sign
                if number is None:
                    number = float(value)
                    if value:
                        floats[value] = number
                write_number(row, col, number, fmt)
            else:
                write_string(row, col, str(value), text_fmt)

        return write

    def print_setup(self, sheet, *, landscape: bool, repeat, title: str | None = None,
               footer: str = FOOTER) -> None:
        heading = (self.title if title is None else title).replace("&", "&&")
        setup_page(sheet, landscape=landscape, margins=REPORT_MARGINS, centred=True,
                   repeat_rows=repeat, footer=footer,
                   header=f'&C&14&"{TITLE_FONT},Bold"{heading}' if heading else None)

    def problems(self, problems: list[Issue]) -> None:
        """The 数据问题 sheet: every open problem with its place."""
        rows = [[n, "错误" if p.is_error else "提示", p.location(), p.message]
                for n, p in enumerate(problems, 1)]
        if not rows:
            rows = [[None, "", "", "没有未解决的数据问题"]]
        self.table(Table("数据问题", f"{self.title} — 数据问题", [
            Column("序号", "int", 6), Column("类型", "text", 8), Column("位置", "text", 50),
            Column("问题", "text", 70)], rows), grade_header=None)

    def close(self) -> Path:
        for sheet in self.workbook.worksheets():
            _free_cells_when_written(sheet)
        if self.workbook.in_memory:
            self.workbook.close()
            return self.path
        # xlsxwriter's temporary files in a folder of their own, gone even if it fails
        self.workbook.tmpdir = tempfile.mkdtemp(prefix="workbook-engine-")
        try:
            self.workbook.close()
        finally:
            shutil.rmtree(self.workbook.tmpdir, ignore_errors=True)
        _repack(self.path)
        return self.path


def _repack(path: Path) -> None:
    """The archive xlsxwriter made from its temporary files, written again as its in-memory
    mode writes it (dated 1980-01-01, rw-------: forms/zipparts), each part's deflated bytes
    copied (zlib deflates a file read in pieces as the same bytes in one): the same file,
    while every sheet's XML was never held in memory at once (the report's peak otherwise;
    a year of 5,000 people holds about 9 MB of sheet XML, as text)."""
    parts = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            deflated = deflated_bytes(archive, info)
            if deflated is None:  # not as xlsxwriter writes them: deflated again
                parts.append(Part.compressed(info.filename, archive.read(info),
                                             info.create_system))
            else:
                parts.append(Part.deflated(info.filename, deflated, info.CRC, info.file_size,
                                           info.create_system))
    path.write_bytes(zip_bytes(parts))


def _free_cells_when_written(sheet) -> None:
    """Let a sheet's cell table go as soon as its XML is made (the workbook's peak memory is
    while it is assembled: every sheet's cells and XML at once otherwise). xlsxwriter does not
    read the cells again; the bytes written are the same. Left alone if a version differs."""
    assemble, table = getattr(sheet, "_assemble_xml_file", None), getattr(sheet, "table", None)
    if assemble is None or not isinstance(table, dict):
        return

    def assemble_then_free() -> None:
        assemble()
        table.clear()

    sheet._assemble_xml_file = assemble_then_free
