"""Formulas without a saved result in an .ods sheet, as formula text `formulas.evaluate` reads.

    unsaved_ods_formulas(data, "月考评表")  → {(5, 3): "4+5", (5, 4): "SUM(D6,0.5)"}

LibreOffice saves each formula's result beside it (`office:value-type` and the value); a file
written by a script (odfpy and the like), or one whose results were stripped, has only
`table:formula`, or a type without its value — calamine then reads the cell as blank. Such cells are found here; the
OpenFormula text (`of:=SUM([.D6];0.5)`) becomes the plain form (`SUM(D6,0.5)`); a reference
to another sheet becomes text `evaluate` refuses. content.xml comes from `defined.ods_content`
and is parsed with defusedxml; a look over its formula cells' tags first tells whether any
lacks its result, so a file saved by LibreOffice costs no second parse.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from defusedxml import ElementTree

from workbook_engine.ingest.defined import ODS_CELL, OFFICE_NS, TABLE_NS, ods_content

_STANDARD_PREFIXES = (b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"',
                      b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"')
_FORMULA_CELL = re.compile(rb"<table:table-cell\b[^>]*\btable:formula=[^>]*>")
_VALUE_TYPE = re.compile(rb'\boffice:value-type="([a-z]+)"')
# where each type of result is saved; a string result is the cell's text (maybe empty)
_RESULT_ATTR = {"float": "value", "percentage": "value", "currency": "value",
                "date": "date-value", "time": "time-value", "boolean": "boolean-value"}
_REF = re.compile(rf"\[{ODS_CELL}(?::{ODS_CELL})?\]")
_PREFIX = re.compile(r"^\s*(?:[A-Za-z][\w.-]*:)?=")
_TABLE, _ROW = f"{TABLE_NS}table", f"{TABLE_NS}table-row"
_CELLS = (f"{TABLE_NS}table-cell", f"{TABLE_NS}covered-table-cell")
MAX_REPEAT = 1_000  # a formula repeated further than any form reaches is not walked cell by cell


def plain_text(formula: str, sheet: str) -> str:
    """`of:=SUM([.D6:.E6];2)` → `SUM(D6:E6,2)`; '' when it cites another sheet or has no `=`."""
    prefix = _PREFIX.match(formula)
    if prefix is None:
        return ""
    other = False

    def cell(match: re.Match) -> str:
        nonlocal other
        quoted, plain, col, row, quoted2, plain2, col2, row2 = match.groups()
        for name in ((quoted or "").replace("''", "'") or plain,
                     (quoted2 or "").replace("''", "'") or plain2):
            if name and name != sheet:
                other = True
        return f"{col}{row}" + (f":{col2}{row2}" if col2 else "")

    text = _REF.sub(cell, formula[prefix.end():])
    return "" if other else text.replace(";", ",")


def _saved(value_type: str | None, has: Callable[[str], bool]) -> bool:
    """Whether a formula cell carries its result: a known type with the value it needs."""
    if value_type is None:
        return False
    attr = _RESULT_ATTR.get(value_type)
    return has(attr) if attr else value_type == "string"


def _has_attr(tag: bytes, name: str) -> bool:
    return re.search(rb"\soffice:" + name.encode() + rb"=", tag) is not None


def _any_unsaved(content: bytes) -> bool:
    """A quick look over the bytes: is there a formula cell without its result?"""
    if not all(p in content for p in _STANDARD_PREFIXES):
        return True  # other prefixes: only the parse can tell
    for match in _FORMULA_CELL.finditer(content):
        tag = match.group(0)
        found = _VALUE_TYPE.search(tag)
        value_type = found.group(1).decode() if found else None
        if not _saved(value_type, lambda a, tag=tag: _has_attr(tag, a)):
            return True
    return False


def _count(node, name: str) -> int:
    try:
        return max(1, int(node.get(f"{TABLE_NS}{name}", "1")))
    except ValueError:
        return 1


def unsaved_ods_formulas(data: bytes, sheet: str) -> dict[tuple[int, int], str]:
    """Cells of `sheet` holding a formula with no saved result: (row, col) → formula text."""
    content = ods_content(data)
    if not _any_unsaved(content):
        return {}
    found: dict[tuple[int, int], str] = {}
    inside, row = False, 0
    for event, node in ElementTree.iterparse(io.BytesIO(content), events=("start", "end"),
                                             forbid_dtd=True):
        if node.tag == _TABLE:
            if event == "start":
                inside, row = node.get(f"{TABLE_NS}name") == sheet, 0
            elif inside:
                break
            continue
        if event != "end" or node.tag != _ROW:
            continue
        repeat = _count(node, "number-rows-repeated")
        if inside:
            col = 0
            for cell in node:
                if cell.tag not in _CELLS:
                    continue
                span = _count(cell, "number-columns-repeated")
                formula = cell.get(f"{TABLE_NS}formula")
                if formula and not _saved(cell.get(f"{OFFICE_NS}value-type"),
                                          lambda a, c=cell: c.get(f"{OFFICE_NS}{a}") is not None):
                    text = plain_text(formula, sheet)
                    for r in range(row, row + min(repeat, MAX_REPEAT)):
                        for c in range(col, col + min(span, MAX_REPEAT)):
                            found[(r, c)] = text
                col += span
            row += repeat
        node.clear()
    return found
