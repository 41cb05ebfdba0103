"""Formulas without a usable saved result in an .xls (BIFF8) sheet, as formula text.

    unsaved_xls_formulas(data, "月考评表")  → {(5, 3): "(4+5)", (5, 4): "SUM(D6,0.5)"}

Every BIFF FORMULA record carries an 8-byte result, but a program that writes formulas
without calculating them puts a placeholder there: xlwt (the usual Python .xls writer)
stores "empty string" (0xFFFF…03) for every formula. Such a result cannot be told from a
formula that really gives "", so a formula whose saved result is an empty string (or a string
record that is missing or empty) counts as having no result: plain arithmetic is worked out
by the caller, anything else is refused naming the cell. A formula can never give "" by
plain arithmetic, so nothing Excel calculated is replaced.

The formula's tokens (RPN) are turned back into text for `formulas.evaluate`; a formula with
any other token (functions, text, other sheets, shared formulas) becomes "", which `evaluate`
refuses.
"""

from __future__ import annotations

import struct

import olefile

from workbook_engine.forms.layout import column_letter

_BOUNDSHEET, _BOF, _EOF, _FORMULA, _STRING = 0x0085, 0x0809, 0x000A, 0x0006, 0x0207
_FILEPASS = 0x002F
_BINARY = {0x03: "+", 0x04: "-", 0x05: "*", 0x06: "/"}
_SUM = 4  # function index of SUM in the BIFF function table
_NOT_PLAIN = ""  # more than plain arithmetic: evaluate() refuses empty text
MAX_RECORDS = 200_000  # far beyond any form sheet


def _records(stream: bytes, position: int):
    """(type, body, next type) of each record from `position` to the substream's EOF."""
    count = 0
    while position + 4 <= len(stream) and count < MAX_RECORDS:
        kind, length = struct.unpack_from("<HH", stream, position)
        body = stream[position + 4: position + 4 + length]
        following = position + 4 + length
        next_kind = struct.unpack_from("<H", stream, following)[0] if following + 2 <= len(
            stream) else None
        yield kind, body, next_kind, following
        if kind == _EOF:
            return
        position, count = following, count + 1


def _sheet_offset(stream: bytes, sheet: str) -> int | None:
    for kind, body, _, _ in _records(stream, 0):
        if kind == _FILEPASS:
            return None
        if kind == _BOUNDSHEET and len(body) >= 8:
            offset, length, flags = struct.unpack_from("<IxxBB", body)
            raw = body[8: 8 + length * (2 if flags & 1 else 1)]
            name = raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace")
            if name == sheet:
                return offset
    return None


def _ref(body: bytes, at: int) -> str:
    row, col = struct.unpack_from("<HH", body, at)
    return f"{column_letter(col & 0x3FFF)}{row + 1}"


def formula_text(rgce: bytes) -> str:
    """BIFF8 parsed-formula tokens → infix text of plain arithmetic (else refused text)."""
    stack: list[str] = []
    at = 0
    try:
        while at < len(rgce):
            ptg = rgce[at]
            base = ptg & 0x1F if ptg >= 0x20 else ptg  # reference/value/array classes alike
            if ptg in _BINARY:
                right, left = stack.pop(), stack.pop()
                stack.append(f"({left}{_BINARY[ptg]}{right})")
                at += 1
            elif ptg == 0x12:  # unary plus
                at += 1
            elif ptg == 0x13:  # unary minus
                stack.append(f"(-{stack.pop()})")
                at += 1
            elif ptg == 0x15:  # brackets as typed
                stack.append(f"({stack.pop()})")
                at += 1
            elif ptg == 0x1E:  # integer
                stack.append(str(struct.unpack_from("<H", rgce, at + 1)[0]))
                at += 3
            elif ptg == 0x1F:  # number
                stack.append(repr(struct.unpack_from("<d", rgce, at + 1)[0]))
                at += 9
            elif ptg == 0x19:  # attribute: spaces and volatility are nothing; tAttrSum is SUM
                flags = rgce[at + 1]
                if flags & 0x10:
                    stack.append(f"SUM({stack.pop()})")
                elif flags & ~0x41:
                    return _NOT_PLAIN
                at += 4
            elif ptg >= 0x20 and base == 0x04:  # ptgRef
                stack.append(_ref(rgce, at + 1))
                at += 5
            elif ptg >= 0x20 and base == 0x05:  # ptgArea
                row1, row2, col1, col2 = struct.unpack_from("<HHHH", rgce, at + 1)
                stack.append(f"{column_letter(col1 & 0x3FFF)}{row1 + 1}:"
                             f"{column_letter(col2 & 0x3FFF)}{row2 + 1}")
                at += 9
            elif ptg >= 0x20 and base == 0x02:  # ptgFuncVar
                count, index = rgce[at + 1], struct.unpack_from("<H", rgce, at + 2)[0] & 0x7FFF
                if index != _SUM or count > len(stack):
                    return _NOT_PLAIN
                args = stack[len(stack) - count:]
                del stack[len(stack) - count:]
                stack.append(f"SUM({','.join(args)})")
                at += 4
            else:  # functions, text, other sheets, shared formulas, errors …
                return _NOT_PLAIN
    except (IndexError, struct.error):
        return _NOT_PLAIN
    return stack[0] if len(stack) == 1 else _NOT_PLAIN


def _no_result(body: bytes, next_kind: int | None, stream: bytes, following: int) -> bool:
    result = body[6:14]
    if result[6:8] != b"\xff\xff":
        return False  # a number
    if result[0] == 3:
        return True  # "empty string": xlwt's placeholder
    if result[0] != 0:
        return False  # boolean, error
    if next_kind != _STRING or following + 7 > len(stream):
        return True  # a string result without its STRING record
    return struct.unpack_from("<H", stream, following + 4)[0] == 0  # an empty string


def unsaved_xls_formulas(data: bytes, sheet: str) -> dict[tuple[int, int], str]:
    """Cells of `sheet` whose formula has no usable saved result: (row, col) → formula text."""
    with olefile.OleFileIO(data) as ole:
        names = {"/".join(e).lower(): e for e in ole.listdir(streams=True, storages=False)}
        if "workbook" not in names:
            return {}  # BIFF5 and older: not written by any current program
        stream = ole.openstream(names["workbook"]).read()
    if b"\x06\x00" not in stream:
        return {}
    offset = _sheet_offset(stream, sheet)
    if offset is None or offset + 4 > len(stream) or struct.unpack_from("<H", stream,
                                                                        offset)[0] != _BOF:
        return {}
    found = {}
    for kind, body, next_kind, following in _records(stream, offset):
        if kind != _FORMULA or len(body) < 22:
            continue
        if not _no_result(body, next_kind, stream, following):
            continue
        row, col = struct.unpack_from("<HH", body)
        size = struct.unpack_from("<H", body, 20)[0]
        found[(row, col)] = formula_text(body[22: 22 + size])
    return found
