"""A table sheet's data rows written straight into its XML, without xlsxwriter's cell table.

A year report of 5,000 people has about 200,000 table cells. Through xlsxwriter each is a
cell object in a dict of dicts, turned into XML by a few calls per cell when the workbook
is closed: most of the report's time and memory. Here a data row is kept as one tuple (per
cell a shared-string index, a float or None for a formatted blank) with its height, and the
rows are rendered into the sheet's XML when xlsxwriter assembles the sheet, exactly as
xlsxwriter renders them itself: the same shared strings in the same order (taken when a row
is added, as xlsxwriter's writers take them), format indices given in the same first-use
order (taken while rendering), the same row attributes and spans. The bytes are the same:
tests/test_report_rows.py writes every kind of cell both ways and compares the files.

It relies on private parts of xlsxwriter (listed in `_NEEDED`); `DirectRows.usable` says
whether the installed version has them, else the caller writes through the public writers.
"""

from __future__ import annotations

import math

from workbook_engine.forms.layout import column_letter

# xlsxwriter internals this module reads or wraps (worksheet attributes and methods)
_NEEDED = ("_write_rows", "_calculate_spans", "row_spans", "_check_dimensions", "str_table",
           "table", "row_info", "row_sizes", "comments", "default_row_height",
           "original_row_height", "dim_colmin", "xls_rowmax", "xls_colmax", "xls_strmax",
           "constant_memory", "excel_version", "fh")
_STRMAX = 32767  # Excel's limit in UTF-16 units (xlsxwriter cuts longer strings)
_CHUNK = 512  # rows rendered per write to the sheet's XML buffer


def _utf16_cut(text: str, limit: int) -> str:
    """`text` cut to `limit` UTF-16 units without splitting a character (xlsxwriter's rule)."""
    if len(text) <= limit // 2 or len(text.encode("utf-16-le", "surrogatepass")) // 2 <= limit:
        return text
    length = 0
    for index, char in enumerate(text):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > limit:
            return text[:index]
    return text


class DirectRows:
    """The data rows of one sheet, from row `first` down, every cell of a row from column 0;
    `formats[c]` is column c's (format of numbers and blanks, format of text)."""

    def __init__(self, sheet, first: int, formats: list[tuple]):
        self.sheet = sheet
        self.first = first
        self.formats = formats
        self.rows: list[tuple[tuple, int, bool]] = []
        self._index = sheet.str_table._get_shared_string_index
        write_rows, calculate_spans = sheet._write_rows, sheet._calculate_spans

        def spans_with_direct_rows() -> None:
            calculate_spans()  # xlsxwriter's own rows (the header)
            sheet.row_spans.update(self._spans())

        def rows_then_direct_rows() -> None:
            write_rows()
            self._render()

        sheet._calculate_spans = spans_with_direct_rows
        sheet._write_rows = rows_then_direct_rows

    @staticmethod
    def usable(sheet) -> bool:
        """The installed xlsxwriter has what this needs, and the sheet is an ordinary one."""
        if any(not hasattr(sheet, name) for name in _NEEDED):
            return False
        if not hasattr(sheet.str_table, "_get_shared_string_index"):
            return False
        return (not sheet.constant_memory and sheet.excel_version == 2007
                and sheet.xls_strmax == _STRMAX)

    def text(self, value: str) -> int:
        """A text cell: its shared-string index (taken now, in writing order)."""
        return self._index(_utf16_cut(value, _STRMAX))

    @staticmethod
    def number(value: float) -> float:
        if math.isnan(value) or math.isinf(value):  # as xlsxwriter without nan_inf_to_errors
            raise TypeError("NAN/INF not supported in write_number() without "
                            "'nan_inf_to_errors' Workbook() option")
        return value

    def append(self, cells: tuple, height: float) -> None:
        """A row: per cell text index (int), number (float) or formatted blank (None); the
        row height in points, as set_row takes it."""
        sheet = self.sheet
        row = self.first + len(self.rows)
        if row >= sheet.xls_rowmax or len(cells) > sheet.xls_colmax:
            raise ValueError(f"row {row} or its {len(cells)} cells out of the sheet")
        pixels, hidden = int(height * 4.0 / 3.0 + 0.5), False  # as set_row keeps a height
        if pixels == 0:
            pixels, hidden = sheet.default_row_height, True
        self.rows.append((cells, pixels, hidden))
        sheet.row_sizes[row] = [pixels, hidden]  # (drawings are placed by these)
        # dimensions as set_row and the cell writers leave them
        sheet._check_dimensions(row, 0 if sheet.dim_colmin is None else sheet.dim_colmin)
        if cells:
            sheet._check_dimensions(row, len(cells) - 1)

    def _spans(self) -> dict[int, str]:
        """The <row spans> of each block of 16 rows holding direct rows (xlsxwriter's rule:
        first to last column used by any cell of the block, its own rows included)."""
        sheet = self.sheet
        lowest: dict[int, int] = {}
        highest: dict[int, int] = {}
        for row, cells in sheet.table.items():  # xlsxwriter's own rows sharing a block
            if cells and row // 16 >= self.first // 16:
                block = row // 16
                lowest[block] = min(lowest.get(block, min(cells)), min(cells))
                highest[block] = max(highest.get(block, max(cells)), max(cells))
        for offset, (cells, _, _) in enumerate(self.rows):
            if cells:
                block = (self.first + offset) // 16
                lowest[block] = 0
                highest[block] = max(highest.get(block, 0), len(cells) - 1)
        return {block: f"{lowest[block] + 1}:{highest[block] + 1}" for block in highest}

    def _render(self) -> None:
        sheet = self.sheet
        late = sorted(r for r in {*sheet.table, *sheet.row_info, *sheet.comments}
                      if r >= self.first and (r in sheet.row_info or r in sheet.comments
                                              or sheet.table.get(r)))
        if late:
            raise RuntimeError(f"cells written through xlsxwriter below row {self.first}: {late}")
        count = max((len(r[0]) for r in self.rows), default=0)
        starts = [f'<c r="{column_letter(c)}' for c in range(count)]
        # per column, what follows the cell reference for a blank, a number and a text; made
        # on the column's first use of each, so that formats get their xf index (assigned on
        # first use) in the order xlsxwriter's cell-by-cell writing gives them
        blanks: list = [None] * count
        numbers: list = [None] * count
        texts: list = [None] * count
        shown: dict[float, str] = {}  # a number as xlsxwriter writes it (%.16G)
        spans = sheet.row_spans
        default, original = sheet.default_row_height, sheet.original_row_height
        out: list[str] = []
        for offset, (cells, height, hidden) in enumerate(self.rows):
            row = self.first + offset
            number = str(row + 1)
            tag = f'<row r="{number}"'
            span = spans.get(row // 16)
            if span:
                tag += f' spans="{span}"'
            custom = height != original or height != default
            if custom:
                tag += f' ht="{height * 0.75:.16g}"'
            if hidden:
                tag += ' hidden="1"'
            if custom:
                tag += ' customHeight="1"'
            if not cells:
                out.append(tag + "/>")
                continue
            out.append(tag + ">")
            for col, value in enumerate(cells):
                if value is None:
                    rest = blanks[col]
                    if rest is None:
                        rest = blanks[col] = f'" s="{self.formats[col][0]._get_xf_index()}"/>'
                    out.append(starts[col] + number + rest)
                elif value.__class__ is float:
                    rest = numbers[col]
                    if rest is None:
                        rest = numbers[col] = f'" s="{self.formats[col][0]._get_xf_index()}"><v>'
                    text = shown.get(value) if value else None  # 0.0 and -0.0 are equal keys
                    if text is None:
                        text = f"{value:.16G}"
                        if value:
                            shown[value] = text
                    out.append(f"{starts[col]}{number}{rest}{text}</v></c>")
                else:
                    rest = texts[col]
                    if rest is None:
                        rest = texts[col] = (f'" s="{self.formats[col][1]._get_xf_index()}"'
                                             ' t="s"><v>')
                    out.append(f"{starts[col]}{number}{rest}{value}</v></c>")
            out.append("</row>")
            if offset % _CHUNK == _CHUNK - 1:
                sheet.fh.write("".join(out))
                out.clear()
        sheet.fh.write("".join(out))
        self.rows = []  # rendered: not needed while the workbook is zipped
