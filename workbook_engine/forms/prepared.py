"""Weekly forms from a prepared template: the real builder runs once per form shape, each
person's copy is that workbook with the person's text put in.

    forms = PreparedWeeklyForms()
    for target, form in jobs:
        forms.write(target, form)      # same workbook as build_weekly_form(target, form)

How: every value that differs between people and weeks (the identity's texts, the filled-in
texts and dates, the work-log lines, the week and its label, the working days) is replaced by
a numbered placeholder — a marked text, or a date far in the future — and the form is built
once with `build_weekly_form`, so any layout change in the builder flows through. In the
built zip, every part without a placeholder is kept deflated and copied as is; the parts with
placeholders (shared strings, the work-log sheet) are kept as pieces, and a person's copy
joins the pieces with the person's values and deflates those parts. Forms that differ in
anything else (number of working days, which values are filled, which texts are empty) get
their own template.

Safety: the first form of each template is also built for real, and the two are compared as a
reader sees them (every cell's value and format, every other part byte for byte). If they
differ — a builder that lays out by text length, say — that template is not used and every
form of that shape is built by the builder. Text that would need escaping in XML (control
characters, quotes, `&<>`, leading or trailing spaces, `_x…_` sequences) is never patched:
such a form is built by the builder, and so is a date before 1900-03-01 or after 2399.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from workbook_engine.forms.weekly import WeeklyForm, build_weekly_form
from workbook_engine.forms.zipparts import Part, zip_bytes

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters: never in a form's own text
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"&<>\ufffe\uffff\ue000\ue001]|_x[0-9a-fA-F]{4}_')
# Dates are numbers in a sheet (days since 1899-12-30); placeholder dates are far in the future.
_EPOCH = dt.date(1899, 12, 30)
_DATE_BASE = dt.date(2500, 1, 1)
_BASE_SERIAL = (_DATE_BASE - _EPOCH).days
_SLOT = re.compile(f"{_OPEN}(\\d+){_CLOSE}|<v>(2\\d{{5}})</v>".encode())
_SHARED_STRINGS = "xl/sharedStrings.xml"
_SHARED_CELL = re.compile(rb'<c ([^>]*?) t="s"([^>]*)><v>(\d+)</v></c>')
_STRING_ITEM = re.compile(rb"<si>(.*?)</si>", re.S)
Builder = Callable[[object, WeeklyForm], None]


class _Unpatchable(Exception):
    """A value the patcher does not put in (text that needs escaping, an odd date)."""


def _patchable(text: str) -> bool:
    return not _UNSAFE.search(text) and text == text.strip()


def _is_dates(value) -> bool:
    return isinstance(value, tuple) and all(item.__class__ is dt.date for item in value)


class _Slots:
    """Per-person values taken out of a form, each replaced by a numbered placeholder."""

    def __init__(self):
        self.pieces: list[bytes] = []  # what each placeholder becomes in the person's copy
        self.dates: set[int] = set()  # placeholders that are dates

    def take(self, value):
        if value.__class__ is str:
            if value == "":
                return value
            if not _patchable(value):
                raise _Unpatchable(value)
            self.pieces.append(value.encode("utf-8"))
            return f"{_OPEN}{len(self.pieces) - 1}{_CLOSE}"
        if value.__class__ is dt.date:
            if not dt.date(1900, 3, 1) <= value < dt.date(2400, 1, 1):
                raise _Unpatchable(value)
            self.dates.add(len(self.pieces))
            self.pieces.append(b"<v>%d</v>" % (value - _EPOCH).days)
            return _DATE_BASE + dt.timedelta(days=len(self.pieces) - 1)
        if isinstance(value, (dt.date, dt.datetime)) and value.year >= 2400:
            raise _Unpatchable(value)  # could be mistaken for a placeholder date
        return value


@dataclasses.dataclass(frozen=True)
class Split:
    """A form as its shape (per-person values replaced by placeholders) and those values."""

    form: WeeklyForm
    fields: dict  # field name -> value in the shape (only the fields that changed)
    pieces: list[bytes]
    dates: set[int]

    def key(self):
        """Equal for two forms that differ only in the values taken out (hashable)."""
        key = tuple((field.name, self.fields.get(field.name, getattr(self.form, field.name)))
                    for field in dataclasses.fields(self.form))
        try:
            hash(key)
        except TypeError:
            return repr(key)
        return key

    def shape(self) -> WeeklyForm:
        """The form with placeholders in place of its values (built once per template)."""
        changes = dict(self.fields)
        if "identity" in changes:
            identity = self.form.identity
            names = [field.name for field in dataclasses.fields(identity)]
            changes["identity"] = dataclasses.replace(identity,
                                                      **dict(zip(names, changes["identity"])))
        if "values" in changes:
            changes["values"] = dict(changes["values"])
        return dataclasses.replace(self.form, **changes)


def split_form(form: WeeklyForm) -> Split | None:
    """The form split into shape and values; None when a value cannot be patched in safely.

    Taken out: the identity's texts, the filled-in texts and dates, the work-log lines, the
    form's own texts (week, its label) and its working days. Kept in the shape: everything
    else (the unit's grades, the year, which values are filled, which texts are empty)."""
    slots = _Slots()
    fields: dict = {}
    try:
        for field in dataclasses.fields(form):
            value = getattr(form, field.name)
            if field.name == "identity" and value is not None:
                fields["identity"] = tuple(slots.take(getattr(value, f.name))
                                           for f in dataclasses.fields(value))
            elif field.name == "values":
                fields["values"] = tuple((name, slots.take(item)) for name, item in value.items())
            elif field.name == "log" or _is_dates(value):
                fields[field.name] = tuple(slots.take(item) for item in value)
            elif value.__class__ is str:
                fields[field.name] = slots.take(value)
    except _Unpatchable:
        return None
    return Split(form, fields, slots.pieces, slots.dates)


def _built(builder: Builder, form: WeeklyForm) -> bytes:
    buffer = io.BytesIO()
    builder(buffer, form)
    return buffer.getvalue()


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


class Template:
    """A built form split into fixed deflated parts and parts with placeholders."""

    def __init__(self, data: bytes, slots: int, dates: set[int]):
        self.parts: list[Part | tuple[str, list[bytes | int]]] = []
        self._last: dict[str, Part] = {}
        self._last_content: dict[str, bytes] = {}
        for name, content in _members(data):
            pieces: list[bytes | int] = []
            start = 0
            for match in _SLOT.finditer(content):
                index = int(match[1]) if match[1] else int(match[2]) - _BASE_SERIAL
                if not 0 <= index < slots or (index in dates) != (match[2] is not None):
                    continue  # not one of ours: stays as it is
                pieces += (content[start:match.start()], index)
                start = match.end()
            if not pieces:
                self.parts.append(Part.compressed(name, content))
            else:
                self.parts.append((name, [*pieces, content[start:]]))

    def render(self, pieces: list[bytes]) -> bytes:
        parts = []
        for part in self.parts:
            if isinstance(part, Part):
                parts.append(part)
            else:
                name, chunks = part
                content = b"".join(pieces[c] if c.__class__ is int else c for c in chunks)
                parts.append(self._last.get(name) if content == self._last_content.get(name)
                             else self._remember(name, content))
        return zip_bytes(parts)

    def _remember(self, name: str, content: bytes) -> Part:
        """Deflate a patched part; the last one is kept, as the next form often repeats it
        (the work-log sheet holds the week's dates, the same for everybody)."""
        part = self._last[name] = Part.compressed(name, content)
        self._last_content[name] = content
        return part


def reader_view(data: bytes) -> dict[str, bytes]:
    """The parts of an .xlsx with every shared-string cell showing its text in place.

    Two workbooks with the same view show the same cells, formats, names and sheets; only the
    order and count of the shared-string table may differ."""
    members = dict(_members(data))
    strings = _STRING_ITEM.findall(members.pop(_SHARED_STRINGS, b""))

    def inline(match: re.Match) -> bytes:
        return b'<c %s t="s"%s><v>%s</v></c>' % (match[1], match[2], strings[int(match[3])])

    return {name: _SHARED_CELL.sub(inline, content) if name.startswith("xl/worksheets/")
            else content for name, content in members.items()}


class PreparedWeeklyForms:
    """Writes weekly forms, building each shape once and patching the copies (one run)."""

    def __init__(self, builder: Builder = build_weekly_form):
        self.builder = builder
        self.templates: dict[object, Template | None] = {}
        self.built = 0
        self.patched = 0

    def data(self, form: WeeklyForm) -> bytes:
        """The bytes of the form's .xlsx."""
        split = split_form(form)
        if split is None:
            return self._build(form)
        key = split.key()
        if key not in self.templates:
            data = self._build(form)
            template = Template(self._build(split.shape()), len(split.pieces), split.dates)
            same = reader_view(template.render(split.pieces)) == reader_view(data)
            self.templates[key] = template if same else None
            return data
        template = self.templates[key]
        if template is None:
            return self._build(form)
        self.patched += 1
        return template.render(split.pieces)

    def write(self, target, form: WeeklyForm) -> None:
        """Write the form to `target` (a path or a binary file object)."""
        data = self.data(form)
        if isinstance(target, (str, Path)):
            Path(target).write_bytes(data)
        else:
            target.write(data)

    def _build(self, form: WeeklyForm) -> bytes:
        self.built += 1
        return _built(self.builder, form)
