"""Workbook-scope defined names as the file saved them, for every format a form comes back in.

    defined_names(data, "xlsx")  → {"staff_id": NamedRange("周考评表", (2, 1), (2, 1)), ...}
    defined_names(data, "xls")   → the same, from the BIFF NAME records (xlrd)
    defined_names(data, "ods")   → the same, from content.xml's table:named-range elements

A row inserted above or inside a block moves the names with it in every program, so a name
saved in the file is where the field is now; `locate.py` checks each one against its label.
Everything is read from the bytes already in memory; XML is parsed with defusedxml.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass

from defusedxml import ElementTree

from workbook_engine.forms.layout import cell_position, column_letter
from workbook_engine.ingest.package import open_package
from workbook_engine.memo import keep

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_STRICT_NS = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE_NS = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_REF = re.compile(
    r"^(?:'((?:[^']|'')+)'|([^!']+))!\$?([A-Z]{1,3})\$?([1-9]\d*)"
    r"(?::\$?([A-Z]{1,3})\$?([1-9]\d*))?$"
)
ODS_CELL = r"\$?(?:'((?:[^']|'')+)'|([^.':$][^.']*))?\.\$?([A-Z]{1,3})\$?([1-9]\d*)"
_ODS_REF = re.compile(rf"^{ODS_CELL}(?::{ODS_CELL})?$")


@dataclass(frozen=True)
class NamedRange:
    """Where a defined name points: a sheet and a 0-based (row, col) box."""

    sheet: str
    first: tuple[int, int]
    last: tuple[int, int]

    def ref(self) -> str:
        return f"{column_letter(self.first[1])}{self.first[0] + 1}"

    def moved(self, rows: int) -> NamedRange:
        return NamedRange(self.sheet, (self.first[0] + rows, self.first[1]),
                          (self.last[0] + rows, self.last[1]))


@functools.lru_cache(maxsize=4096)  # the same few references in every form
def parse_ref(text: str) -> NamedRange | None:
    """`'周考评表'!$B$3` or `'月考评表'!$A$4:$L$12` → NamedRange; None for anything else."""
    match = _REF.match(text.strip().lstrip("="))
    if not match:
        return None
    sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
    first = cell_position(match.group(3) + match.group(4))
    last = first
    if match.group(5):
        last = cell_position(match.group(5) + match.group(6))
    return NamedRange(sheet, first, last)


def parse_ods_ref(text: str) -> NamedRange | None:
    """`$周考评表.$B$3`, `$'a b'.$A$2:.$C$7` → NamedRange; None for anything else."""
    match = _ODS_REF.match(text.strip())
    if not match:
        return None
    quoted, plain, col, row, _, _, col2, row2 = match.groups()
    sheet = (quoted or "").replace("''", "'") or (plain or "")
    if not sheet:
        return None
    first = cell_position(col + row)
    last = cell_position(col2 + row2) if col2 else first
    return NamedRange(sheet, first, last)


# workbook.xml → its names: forms of one template carry the same workbook.xml, byte for byte
_MEMO_PART_BYTES = 65536
_MEMO_SIZE = 64
_names_of_part: dict[bytes, dict[str, NamedRange]] = {}


def _xlsx_names(data: bytes) -> dict[str, NamedRange]:
    package = open_package(data)
    part = package.read("xl/workbook.xml")
    names = _names_of_part.get(part)
    if names is None:
        names = _workbook_names(package.xml("xl/workbook.xml"))  # the tree: formulas.py too
        if len(part) <= _MEMO_PART_BYTES:
            keep(_names_of_part, part, names, _MEMO_SIZE)
    return dict(names)


def _workbook_names(root) -> dict[str, NamedRange]:
    names: dict[str, NamedRange] = {}
    for namespace in (_MAIN_NS, _STRICT_NS):
        for node in root.iter(f"{namespace}definedName"):
            if node.get("localSheetId") is not None or not node.text:
                continue
            target = parse_ref(node.text)
            if target is not None:
                names[node.get("name", "")] = target
    return names


def _xls_names(data: bytes) -> dict[str, NamedRange]:
    import xlrd  # only .xls files need it

    book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    try:
        names: dict[str, NamedRange] = {}
        for name in book.name_obj_list:
            if name.scope != -1 or name.builtin:
                continue
            try:
                sheet, row_lo, row_hi, col_lo, col_hi = name.area2d(clipped=False)
            except Exception:  # noqa: BLE001 - a name that is not one plain area
                continue
            names[name.name] = NamedRange(sheet.name, (row_lo, col_lo), (row_hi - 1, col_hi - 1))
        return names
    finally:
        book.release_resources()


def ods_content(data: bytes) -> bytes:
    """content.xml of an .ods: its sheets, cells and named ranges (also read by
    `ods_formulas.py`)."""
    return open_package(data).read("content.xml")  # decompressed once per file


def _ods_names(data: bytes) -> dict[str, NamedRange]:
    part = ods_content(data)
    names: dict[str, NamedRange] = {}
    for _, node in ElementTree.iterparse(io.BytesIO(part), forbid_dtd=True):
        if node.tag == f"{TABLE_NS}table":
            node.clear()  # sheet-scope names live inside a table; cells are not needed here
        elif node.tag == f"{OFFICE_NS}spreadsheet":
            block = node.find(f"{TABLE_NS}named-expressions")
            for item in block.findall(f"{TABLE_NS}named-range") if block is not None else []:
                target = parse_ods_ref(item.get(f"{TABLE_NS}cell-range-address", ""))
                name = item.get(f"{TABLE_NS}name", "")
                if target is not None and name:
                    names[name] = target
    return names


def defined_names(data: bytes, file_kind: str) -> dict[str, NamedRange]:
    """Workbook-scope names of a workbook's bytes; {} for a kind without names."""
    if file_kind in ("xlsx", "xlsm"):
        return _xlsx_names(data)
    if file_kind == "xls":
        return _xls_names(data)
    if file_kind == "ods":
        return _ods_names(data)
    return {}
