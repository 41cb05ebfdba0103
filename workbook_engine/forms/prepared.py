"""Weekly forms from a prepared template: the real builder runs once per form shape, each
person's copy is that workbook with the person's text put in.

    forms = PreparedWeeklyForms()
    for target, form in jobs:
        forms.write(target, form)      # same workbook as build_weekly_form(target, form)

How: every non-empty text of the form that differs between people (the identity fields, the
filled-in values, the work-log lines) is replaced by a numbered placeholder and the form is
built once with `build_weekly_form` — so any layout change in the builder flows through. In the
built zip, every part without a placeholder is kept deflated and copied as is; the parts with
placeholders (the shared strings) are kept as pieces, and a person's copy joins the pieces
with the person's text and deflates that one part. Forms that differ in anything else (week,
working days, which values are filled, which texts are empty, dates) get their own template.

Safety: the first form of each template is also built for real, and the two are compared as a
reader sees them (every cell's value and format, every other part byte for byte). If they
differ — a builder that lays out by text length, say — that template is not used and every
form of that shape is built by the builder. Text that would need escaping in XML (control
characters, quotes, `&<>`, leading or trailing spaces, `_x…_` sequences) is never patched:
such a form is built by the builder.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from workbook_engine.forms.weekly import WeeklyForm, build_weekly_form
from workbook_engine.forms.zipparts import Part, zip_bytes

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters: never in a form's own text
_PLACEHOLDER = re.compile(f"{_OPEN}(\\d+){_CLOSE}".encode())
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"&<>\ufffe\uffff\ue000\ue001]|_x[0-9a-fA-F]{4}_')
_SHARED_STRINGS = "xl/sharedStrings.xml"
_SHARED_CELL = re.compile(rb'<c ([^>]*?) t="s"([^>]*)><v>(\d+)</v></c>')
_STRING_ITEM = re.compile(rb"<si>(.*?)</si>", re.S)
Builder = Callable[[object, WeeklyForm], None]


class _Unpatchable(Exception):
    """A text the patcher does not put in (it would need escaping)."""


def _placeholder(index: int) -> str:
    return f"{_OPEN}{index}{_CLOSE}"


def _patchable(text: str) -> bool:
    return not _UNSAFE.search(text) and text == text.strip()


_VARYING = ("identity", "values", "log")


@dataclasses.dataclass(frozen=True)
class Split:
    """A form as its shape (texts replaced by placeholders) and the texts taken out."""

    form: WeeklyForm
    identity: tuple
    values: tuple
    log: tuple
    texts: list[str]

    def key(self):
        """Equal for two forms that differ only in their texts (hashable)."""
        rest = tuple(getattr(self.form, field.name) for field in dataclasses.fields(self.form)
                     if field.name not in _VARYING)
        key = (type(self.form.identity), self.identity, self.values, self.log, rest)
        try:
            hash(key)
        except TypeError:
            return repr(key)
        return key

    def shape(self) -> WeeklyForm:
        """The form with placeholders in place of its texts (built once per template)."""
        identity = self.form.identity
        if identity is not None:
            names = [field.name for field in dataclasses.fields(identity)]
            identity = dataclasses.replace(identity, **dict(zip(names, self.identity)))
        return dataclasses.replace(self.form, identity=identity, values=dict(self.values),
                                   log=self.log)


def split_form(form: WeeklyForm) -> Split | None:
    """The form split into shape and texts; None when a text cannot be patched in safely."""
    texts: list[str] = []

    def slot(value):
        if value.__class__ is not str or value == "":
            return value
        if not _patchable(value):
            raise _Unpatchable(value)
        texts.append(value)
        return _placeholder(len(texts) - 1)

    try:
        identity = () if form.identity is None else tuple(
            slot(getattr(form.identity, field.name))
            for field in dataclasses.fields(form.identity))
        values = tuple((name, slot(value)) for name, value in form.values.items())
        log = tuple(slot(line) for line in form.log)
    except _Unpatchable:
        return None
    return Split(form, identity, values, log, texts)


def _built(builder: Builder, form: WeeklyForm) -> bytes:
    buffer = io.BytesIO()
    builder(buffer, form)
    return buffer.getvalue()


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


class Template:
    """A built form split into fixed deflated parts and parts with placeholders."""

    def __init__(self, data: bytes):
        self.parts: list[Part | tuple[str, list[bytes | int]]] = []
        for name, content in _members(data):
            pieces = _PLACEHOLDER.split(content)
            if len(pieces) == 1:
                self.parts.append(Part.compressed(name, content))
            else:  # literal, index, literal, index, …, literal
                self.parts.append((name, [int(p) if i % 2 else p for i, p in enumerate(pieces)]))

    def render(self, texts: list[str]) -> bytes:
        encoded = [text.encode("utf-8") for text in texts]
        parts = []
        for part in self.parts:
            if isinstance(part, Part):
                parts.append(part)
            else:
                name, pieces = part
                content = b"".join(encoded[p] if isinstance(p, int) else p for p in pieces)
                parts.append(Part.compressed(name, content))
        return zip_bytes(parts)


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
            template = Template(self._build(split.shape()))
            same = reader_view(template.render(split.texts)) == reader_view(data)
            self.templates[key] = template if same else None
            return data
        template = self.templates[key]
        if template is None:
            return self._build(form)
        self.patched += 1
        return template.render(split.texts)

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
