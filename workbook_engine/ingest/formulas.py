"""Formulas without a saved result (a workbook written by a program that never calculated it).

    unsaved_formulas(data, "月考评表", "xlsx")  → {(4, 4): "C5+D5*2", ...}   (0-based row, col)
    (.xlsx/.xlsm here; .ods in `ods_formulas.py`, .xls in `xls_formulas.py`)
    evaluate("SUM(E5:G5)-1", value_at)  → Decimal("56")  or raises NotPlainArithmetic

Only plain arithmetic is worked out: numbers, cells of the same sheet, + − × ÷, brackets
and SUM over cells or ranges. Anything else is refused by the caller, naming the cell.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from decimal import Decimal, DivisionByZero, InvalidOperation

from workbook_engine.forms.layout import cell_position
from workbook_engine.ingest.package import Package, open_package
from workbook_engine.memo import keep
from workbook_engine.text import parse_number

_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR_R = re.compile(rb'\br="([A-Z]{1,3}[0-9]+)"')
_FORMULA = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
_ANY_FORMULA = re.compile(rb"<f\b")  # not <formula1> of a dropdown list
_VALUE = re.compile(rb"<v>(.*?)</v>", re.S)
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|(\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)"
                    r"|(SUM)\s*\(|([-+*/(),]))", re.I)
MAX_DEPTH = 20  # a formula citing a formula citing …: deeper than any form


class NotPlainArithmetic(ValueError):
    """The formula is more than plain arithmetic over the sheet's own cells."""


# The answers of _sheet_part for parts seen before (forms of one template carry the same
# workbook.xml and relations, byte for byte): (part bytes, name) → answer. Bounded.
_MEMO_SIZE = 256
_looked_up: dict[tuple[bytes, str], str | None] = {}
# The answers of unsaved_formulas for sheet parts seen before (package.part_key → answer):
# forms of one template often carry the very same sheet part. Bounded (parts up to 64 KB
# compressed, 256 of them).
_MEMO_PART_BYTES = 65536
_scanned: dict[tuple, dict[tuple[int, int], str]] = {}


def _sheet_part(package: Package, sheet: str) -> str | None:
    key = (package.read("xl/workbook.xml"), sheet)
    if key in _looked_up:
        rel_id = _looked_up[key]
    else:
        book = package.xml("xl/workbook.xml")  # parsed once, for the defined names too
        rel_id = None
        for node in book.iter():
            if node.tag.endswith("}sheet") and node.get("name") == sheet:
                rel_id = node.get(f"{_REL_NS}id") or node.get(
                    "{http://purl.oclc.org/ooxml/officeDocument/relationships}id")
        keep(_looked_up, key, rel_id, _MEMO_SIZE)
    if rel_id is None:
        return None
    key = (package.read("xl/_rels/workbook.xml.rels"), "\0" + rel_id)
    if key in _looked_up:
        return _looked_up[key]
    rels = package.xml("xl/_rels/workbook.xml.rels")
    for node in rels.iter():
        if node.tag.endswith("}Relationship") and node.get("Id") == rel_id:
            target = node.get("Target", "")
            return keep(_looked_up, key, target.lstrip("/") if target.startswith("/")
                        else "xl/" + target, _MEMO_SIZE)
    return keep(_looked_up, key, None, _MEMO_SIZE)


def unsaved_formulas(data: bytes, sheet: str, kind: str) -> dict[tuple[int, int], str]:
    """Cells of `sheet` holding a formula with no saved result: (row, col) → formula text
    ('' for a formula that is certainly more than plain arithmetic)."""
    if kind == "ods":
        from workbook_engine.ingest.ods_formulas import unsaved_ods_formulas

        return unsaved_ods_formulas(data, sheet)
    if kind == "xls":
        from workbook_engine.ingest.xls_formulas import unsaved_xls_formulas

        return unsaved_xls_formulas(data, sheet)
    if kind not in ("xlsx", "xlsm"):
        return {}
    package = open_package(data)  # parsed once per file: sniff, names and this check
    part = _sheet_part(package, sheet)
    if part is None:
        return {}
    key = package.part_key(part)  # the same sheet part as before: the same answer
    if key is not None and len(key[-1]) > _MEMO_PART_BYTES:
        key = None
    if key is not None and key in _scanned:
        return dict(_scanned[key])
    found = _scan(package.read(part))
    if key is not None:
        keep(_scanned, key, dict(found), _MEMO_SIZE)
    return found


def _scan(xml: bytes) -> dict[tuple[int, int], str]:
    if _ANY_FORMULA.search(xml) is None:  # what _FORMULA needs to match anywhere
        return {}
    found = {}
    for match in _CELL.finditer(xml):
        body = match.group(2) or b""
        formula = _FORMULA.search(body)
        if formula is None:
            continue
        value = _VALUE.search(body)
        if value is not None and value.group(1).strip():
            continue
        ref = _ATTR_R.search(match.group(1))
        if ref is None:
            continue
        text = (formula.group(1) or b"").decode("utf-8", "replace")
        text = html.unescape(text)  # XML escapes, numeric ones too (&#31216; → 称)
        found[cell_position(ref.group(1).decode())] = text
    return found


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    text = text.strip().lstrip("=")
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            if text[at:].strip() == "":
                break
            raise NotPlainArithmetic(text)
        number, ref, func, op = match.groups()
        if number:
            tokens.append(("num", number))
        elif ref:
            tokens.append(("ref", ref.replace("$", "").upper()))
        elif func:
            tokens.append(("sum", "SUM"))
        else:
            tokens.append(("op", op))
        at = match.end()
    return tokens


def evaluate(text: str, value_at: Callable[[int, int, int], Decimal], depth: int = 0) -> Decimal:
    """The value of a plain arithmetic formula; `value_at(row, col, depth)` gives a cell."""
    if depth > MAX_DEPTH:
        raise NotPlainArithmetic(text)
    tokens = _tokens(text)
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal position
        if position >= len(tokens):
            raise NotPlainArithmetic(text)
        position += 1
        return tokens[position - 1]

    def cells(ref: str) -> list[Decimal]:
        first, _, last = ref.partition(":")
        r1, c1 = cell_position(first)
        r2, c2 = cell_position(last) if last else (r1, c1)
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 10_000:
            raise NotPlainArithmetic(text)
        return [value_at(r, c, depth + 1) for r in range(min(r1, r2), max(r1, r2) + 1)
                for c in range(min(c1, c2), max(c1, c2) + 1)]

    def atom() -> Decimal:
        kind, value = take()
        if kind == "num":
            return Decimal(value)
        if kind == "ref":
            if ":" in value:
                raise NotPlainArithmetic(text)
            return cells(value)[0]
        if kind == "sum":
            total = Decimal(0)
            while True:
                item = take()
                if item[0] == "ref":
                    total += sum(cells(item[1]), Decimal(0))
                elif item[0] == "num":
                    total += Decimal(item[1])
                else:
                    raise NotPlainArithmetic(text)
                closing = take()
                if closing == ("op", ")"):
                    return total
                if closing != ("op", ","):
                    raise NotPlainArithmetic(text)
        if (kind, value) == ("op", "("):
            result = expression()
            if take() != ("op", ")"):
                raise NotPlainArithmetic(text)
            return result
        if (kind, value) in (("op", "-"), ("op", "+")):
            inner = atom()
            return -inner if value == "-" else inner
        raise NotPlainArithmetic(text)

    def term() -> Decimal:
        result = atom()
        while peek() in (("op", "*"), ("op", "/")):
            _, op = take()
            right = atom()
            try:
                result = result * right if op == "*" else result / right
            except (DivisionByZero, InvalidOperation) as exc:
                raise NotPlainArithmetic(text) from exc
        return result

    def expression() -> Decimal:
        result = term()
        while peek() in (("op", "+"), ("op", "-")):
            _, op = take()
            right = term()
            result = result + right if op == "+" else result - right
        return result

    value = expression()
    if position != len(tokens):
        raise NotPlainArithmetic(text)
    return value


def cell_number(value: object) -> Decimal:
    """A referenced cell as a number: blank is 0 (as in Excel); text that is no number is
    not plain arithmetic."""
    if value is None or value == "":
        return Decimal(0)
    number = parse_number(value)
    if number is None:
        raise NotPlainArithmetic(str(value))
    return number
