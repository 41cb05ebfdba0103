"""Normalising what people type into cells: full-width characters, stray spaces, numbers as text.

    clean_text(" Ａ００１ ") == "A001"      clean_text(1001.0) == "1001"
    clean_name("张  三") == "张三"          parse_number("９５分") == Decimal("95")
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from workbook_engine.memo import keep

_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_UNIT_SUFFIXES = ("分", "天", "日", "元", "次")
# Texts already cleaned: a form's labels and typed values repeat from file to file and from
# cell to cell. Short texts only, and the memo is emptied when it grows past its size.
_MEMO_TEXT_CHARS = 256
_MEMO_SIZE = 65536
_cleaned: dict[str, str] = {}
_names: dict[str, str] = {}


def clean_text(value: object) -> str:
    """A cell value as trimmed text; full-width letters and digits become ASCII (NFKC)."""
    if value is None or value == "":  # most cells of a read sheet: nothing to normalise
        return ""
    if type(value) is str:
        found = _cleaned.get(value)
        if found is None:
            found = _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip()
            remember_text(_cleaned, value, found)
        return found
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value:  # NaN from pandas
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub(" ", text).strip()


def typed_text(value: object) -> str:
    """Free text exactly as typed: only control characters (other than line breaks and tabs)
    and the blanks around it are removed. Full-width digits, punctuation and ㎡ stay."""
    if value is None or isinstance(value, (bool, int, float, dt.date)):
        return clean_text(value)
    text = _CONTROL.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()


def clean_name(value: object) -> str:
    """A person's or section's name with every space removed (`张  三` → `张三`)."""
    if type(value) is str:
        found = _names.get(value)
        if found is None:
            found = _SPACES.sub("", clean_text(value))
            remember_text(_names, value, found)
        return found
    return _SPACES.sub("", clean_text(value))


def remember_text(memo: dict[str, str], text: str, cleaned: str) -> None:
    """Keep `text`'s cleaned form in `memo` when the text is short (the memos of texts)."""
    if len(text) <= _MEMO_TEXT_CHARS:
        keep(memo, text, cleaned, _MEMO_SIZE)


def parse_number(value: object) -> Decimal | None:
    """A typed number as Decimal: accepts `９５`, `95分`, ` 95 `, 95.0; None when not a number.

    Blank input is not a number either: callers decide what blank means.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    text = clean_text(value).replace(" ", "").replace(",", "")
    for suffix in _UNIT_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def plain(number: Decimal) -> Decimal:
    """A decimal as people write it: `5.0` → `5`, `2.50` → `2.5`, `-0` → `0` (no exponent)."""
    normal = number.normalize()
    if normal == normal.to_integral_value():
        try:
            return normal.quantize(Decimal(1)) + 0
        except InvalidOperation:  # more digits than the context holds: already plain enough
            return normal
    return normal
