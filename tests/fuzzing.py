"""A seeded mutator of valid forms, for fuzzing `ingest` (SPEC §8: never a traceback, never a
lost file, every rejection explained in Chinese).

    fuzzer = Fuzzer(workspace)                   # valid filled forms of the bureau, as bytes
    variants = fuzzer.batch(count=120, seed=7)   # [Variant(name, data, family, kind, expect)]
    write_inbox(workspace, variants)
    run = run_ingest(workspace)                  # `workbook-engine ingest --json`, a subprocess
    result = check_run(workspace, variants, run)
    assert result.problems == []

Families: `bytes` (flips, cuts, inserted or overwritten blocks), `zip` (parts dropped, cut,
duplicated, renamed, recompressed; central directory damaged), `names` (sheets and defined
names in xl/workbook.xml deleted, renamed, pointed elsewhere), `cells` (wrong types in score,
grade, signature, identity, date and _meta cells: dates, bools, formulas, 40k-character
strings, NaN, inf, negative, -0, 1e308, error cells, bad shared-string indexes), `layout`
(merged ranges over inputs, rows and columns deleted or inserted, headers renamed, sheets
removed or renamed, far cells), `mixed` (several of these at once) and `valid` (every
`VALID_EVERY`-th variant: a fresh valid form with its own form key, unchanged or changed in a
harmless way; each must be accepted).

Variant k of a seed is the same bytes on every run (`Fuzzer.variant(k, seed)`), so a failure
found in a long run can be replayed alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import time
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils.cell import get_column_letter, range_boundaries

from workbook_engine.forms import layout
from workbook_engine.forms.monthly import build_monthly_form
from workbook_engine.forms.outbox import monthly_plan, weekly_plan
from workbook_engine.forms.weekly import build_weekly_form
from workbook_engine.periods import parse_month, parse_week
from workbook_engine.workspace import Workspace, init_workspace

# What a variant must end as: exactly accepted (a fresh valid form), kept (accepted, newer
# version or duplicate: a harmless change of a form already seen), rejected, or any of these.
ACCEPTED, KEPT, REJECTED, ANY = "accepted", "kept", "rejected", "any"
KEPT_OUTCOMES = ("accepted", "newer_version", "duplicate")
FAMILY_WEIGHTS = {"bytes": 18, "zip": 20, "names": 12, "cells": 30, "layout": 15, "mixed": 5}
FAMILIES = (*FAMILY_WEIGHTS, "office", "valid")
VALID_EVERY = 20  # variant k with k % VALID_EVERY == 0 is a fresh valid form
BASE_WEEKS = ("2026-W10", "2026-W11")
BASE_MONTH = "2026-03"
FRESH_WEEKS = tuple(f"2026-W{n:02d}" for n in range(12, 53))
FRESH_MONTHS = tuple(f"2026-{n:02d}" for n in range(4, 13))
OFFICE_SIGNER = "办公室张"
SUBFOLDERS = ("回传", "回传/第10周", "张三的文件夹/新建文件夹 (2)", "邮件附件")
STAMP = (2026, 3, 9, 8, 0, 0)
HUGE = 40_000
RAW_MARK = "FUZZRAW{}X"

_WEEKLY_GRADE = ("self_grade", "chief_grade", "leader_grade")
_WEEKLY_SIGN = ("chief_sign", "leader_sign")
_WEEKLY_DATE = ("chief_date", "leader_date")
_WEEKLY_TEXT = ("work_done", "next_plan", "chief_comment", "leader_comment")
_WEEKLY_IDENTITY = ("staff_id", "staff_name", "section", "period")


# --- the workspace and the valid forms ---------------------------------------------------


def fuzz_workspace(root: Path) -> Workspace:
    """A 2026 workspace with the hand-made roster of tests/conftest.py."""
    from helpers import write_roster

    init_workspace(root, 2026)
    workspace = Workspace(root.resolve())
    write_roster(workspace.roster_path)
    return workspace


@dataclass(frozen=True)
class Base:
    """A valid filled form: weekly, or a monthly edition (leader / office)."""

    kind: str
    edition: str
    label: str  # e.g. 1002_W10, L1_2026-03, office_2026-03
    data: bytes
    suffix: str = ".xlsx"  # .xls and .ods bases (saved by LibreOffice) get byte-level changes


@dataclass(frozen=True)
class Variant:
    name: str  # path in the inbox (a few are in folders, many of those with one file name)
    data: bytes
    family: str
    kind: str  # what was done, without random details: "cells:score=nan"
    detail: str  # everything, for replaying by hand
    expect: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Raw:
    """A cell written straight into the sheet XML: what openpyxl cannot write (NaN, errors,
    formulas with a cached value, broken shared-string indexes, unknown types)."""

    t: str | None
    inner: str
    label: str


def _weekly_values(form) -> dict:
    ident = form.identity
    values = {
        "work_done": "完成本周工作：起草通知，整理档案，下乡检查。",
        "next_plan": "继续推进重点项目",
        "self_grade": "称职",
        "leader_grade": "优秀",
        "leader_sign": ident.final_rater_name,
        "leader_date": dt.date(2026, 3, 13),
        "leader_comment": "同意",
    }
    if ident.chief_name:
        values.update(chief_grade="称职", chief_sign=ident.chief_name,
                      chief_date=dt.date(2026, 3, 12), chief_comment="工作认真")
    return values


def weekly_bases(workspace: Workspace, week: str) -> list[Base]:
    bases = []
    for _target, form, person in weekly_plan(workspace, parse_week(week)):
        log = tuple(f"{day:%m月%d日} 工作内容" for day in form.working_days)
        filled = dataclasses.replace(form, values=_weekly_values(form), log=log)
        out = io.BytesIO()
        build_weekly_form(out, filled)
        label = f"{person.staff_id}_{week[-3:]}"
        bases.append(Base(layout.WEEKLY_KIND, "", label, out.getvalue()))
    return bases


def monthly_bases(workspace: Workspace, month: str) -> list[Base]:
    roster, _ = workspace.roster()
    bases = []
    for _target, form in monthly_plan(workspace, parse_month(month)):
        rows = []
        for index, row in enumerate(form.rows):
            if form.edition == layout.LEADER_EDITION:
                items, deduction, reason = (18, 19, 28.5, 9), None, ""
                if index == 1:
                    deduction, reason = 1.5, "材料迟报"
            else:
                items, deduction, reason = (9, 9.5), None, ""
            if index == 2:
                items, deduction, reason = (), None, ""  # not assessed this month
            rows.append(dataclasses.replace(row, items=items, deduction=deduction,
                                            reason=reason))
        if form.edition == layout.LEADER_EDITION:
            sign, label = roster.person(form.rater_id).name, f"{form.rater_id}_{month}"
        else:
            sign, label = OFFICE_SIGNER, f"office_{month}"
        filled = dataclasses.replace(form, rows=tuple(rows), rater_sign=sign,
                                     rater_date=dt.date(2026, 3, 31))
        out = io.BytesIO()
        build_monthly_form(out, filled)
        bases.append(Base(layout.MONTHLY_KIND, form.edition, label, out.getvalue()))
    return bases


def office_bases(bases: list[Base], folder: Path) -> list[Base]:
    """A few bases saved as .xls and .ods by LibreOffice; [] when it is not installed."""
    import shutil

    from helpers import office_convert

    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        return []
    chosen = [b for b in bases if b.kind == layout.WEEKLY_KIND][:2]
    chosen += [b for b in bases if b.kind == layout.MONTHLY_KIND][:2]
    sources = folder / "src"
    sources.mkdir(parents=True, exist_ok=True)
    for base in chosen:
        (sources / f"{base.label}.xlsx").write_bytes(base.data)
    made = []
    for target in ("xls", "ods"):
        office_convert([sources / f"{b.label}.xlsx" for b in chosen], target, folder / target)
        for base in chosen:
            path = folder / target / f"{base.label}.{target}"
            if path.is_file():
                made.append(dataclasses.replace(base, data=path.read_bytes(),
                                                suffix=f".{target}"))
    return made


class Fuzzer:
    """The valid forms of a bureau workspace and the seeded variants made from them.

    With `office` (a scratch folder), a few bases are also saved as .xls and .ods by
    LibreOffice, when it is installed, and get byte-level changes.
    """

    def __init__(self, workspace: Workspace, office: Path | None = None):
        self.workspace = workspace
        self.bases = [b for week in BASE_WEEKS for b in weekly_bases(workspace, week)]
        self.bases += monthly_bases(workspace, BASE_MONTH)
        self.office = office_bases(self.bases, office) if office else []
        self._fresh: dict[tuple[str, str], list[Base]] = {}
        self._fresh_keys = self._plan_fresh()

    def _plan_fresh(self) -> list[tuple[str, str, int]]:
        """(kind, period, index) of every fresh valid form: 4 weekly, then 1 monthly."""
        people = len(weekly_plan(self.workspace, parse_week(FRESH_WEEKS[0])))
        editions = len(monthly_plan(self.workspace, parse_month(FRESH_MONTHS[0])))
        weekly = [("weekly", w, i) for w in FRESH_WEEKS for i in range(people)]
        monthly = [("monthly", m, i) for m in FRESH_MONTHS for i in range(editions)]
        keys = []
        while weekly or monthly:
            keys += [weekly.pop(0) for _ in range(min(4, len(weekly)))]
            if monthly:
                keys.append(monthly.pop(0))
        return keys

    def fresh(self, number: int, uses: int) -> tuple[Base, bool]:
        """The `number`-th of `uses` fresh valid forms, and whether its form key is its own
        (past the supply of keys, number n shares its key with n ± the supply)."""
        supply = len(self._fresh_keys)
        own = number < supply and number + supply >= uses
        kind, period, index = self._fresh_keys[number % supply]
        if (kind, period) not in self._fresh:
            made = weekly_bases(self.workspace, period) if kind == "weekly" \
                else monthly_bases(self.workspace, period)
            self._fresh[(kind, period)] = made
        return self._fresh[(kind, period)][index], own

    def batch(self, count: int, seed: int) -> list[Variant]:
        return [self.variant(k, seed, count) for k in range(count)]

    def variant(self, k: int, seed: int, count: int = 0) -> Variant:
        """Variant k of a batch of `count` (which only tells whether a fresh valid form's key
        is used again further on)."""
        rng = random.Random(seed * 1_000_003 + k)
        if k % VALID_EVERY == 0:
            base, own = self.fresh(k // VALID_EVERY, -(-max(count, k + 1) // VALID_EVERY))
            family = "valid"
        else:
            kind = layout.MONTHLY_KIND if rng.random() < 0.5 else layout.WEEKLY_KIND
            base, own = rng.choice([b for b in self.bases if b.kind == kind]), False
            family = rng.choices(list(FAMILY_WEIGHTS), weights=list(FAMILY_WEIGHTS.values()))[0]
            if self.office and rng.random() < 0.1:
                base, family = rng.choice(self.office), "office"
        mutation = MUTATORS[family](base, rng)
        expect = mutation.expect
        if family == "valid" and not own:
            expect = KEPT
        suffix = mutation.suffix or base.suffix
        slug = re.sub(r"[^0-9A-Za-z_\-=.]+", "_", mutation.kind.split(":", 1)[-1])[:40]
        name = f"{k:05d}_{family}_{base.label}_{slug}{suffix}"
        where = rng.random()
        if where < 0.08:  # one name for many files, each in its own folder
            name = f"同名/{k:05d}/周考评表{suffix}"
        elif where < 0.16:
            name = f"{rng.choice(SUBFOLDERS)}/{name}"
        return Variant(name=name, data=mutation.data, family=family, kind=mutation.kind,
                       detail=mutation.detail, expect=expect)


@dataclass
class Mutation:
    data: bytes
    kind: str
    detail: str = ""
    expect: str = ANY
    suffix: str = ""


# --- zip helpers ---------------------------------------------------------------------------


def read_parts(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def write_parts(parts: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of the parts with fixed timestamps, so the same parts give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, body in parts:
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = method
            archive.writestr(info, body)
    return out.getvalue()


def replace_part(data: bytes, name: str, body: bytes | None) -> bytes:
    """The zip with part `name` replaced (or removed when body is None)."""
    parts = []
    for part, old in read_parts(data):
        if part == name:
            if body is not None:
                parts.append((part, body))
        else:
            parts.append((part, old))
    return write_parts(parts)


def sheet_parts(parts: list[tuple[str, bytes]]) -> dict[str, str]:
    """Sheet name → its part path, from xl/workbook.xml and its relationships."""
    found = dict(parts)
    book = found.get("xl/workbook.xml", b"").decode("utf-8", "replace")
    rels = found.get("xl/_rels/workbook.xml.rels", b"").decode("utf-8", "replace")
    targets = {}
    for tag in re.findall(r"<Relationship\b[^>]*>", rels):
        rid = re.search(r'\bId="([^"]*)"', tag)
        target = re.search(r'\bTarget="([^"]*)"', tag)
        if rid and target:
            path = target.group(1)
            targets[rid.group(1)] = path.lstrip("/") if path.startswith("/") else "xl/" + path
    names = {}
    for tag in re.findall(r"<sheet\b[^>]*>", book):
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\br:id="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            names[_unescape(name.group(1))] = targets[rid.group(1)]
    return names


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def main_sheet(base: Base) -> str:
    return layout.WEEKLY_SHEET if base.kind == layout.WEEKLY_KIND else layout.MONTHLY_SHEET


@dataclass
class RawEntry:
    """A zip member as stored: compressed bytes and header fields."""

    name: bytes
    method: int
    flags: int
    crc: int
    csize: int
    usize: int
    data: bytes


def raw_entries(data: bytes) -> list[RawEntry]:
    entries = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            at = info.header_offset
            fields = struct.unpack_from("<IHHHHHIIIHH", data, at)
            start = at + 30 + fields[9] + fields[10]
            entries.append(RawEntry(info.filename.encode("utf-8"), info.compress_type,
                                    info.flag_bits, info.CRC, info.compress_size,
                                    info.file_size, data[start:start + info.compress_size]))
    return entries


def write_raw(entries: list[RawEntry], central: list[RawEntry] | None = None) -> bytes:
    """A zip written field by field; `central` (default: the same entries) fills the
    central directory, so the two can disagree."""
    out = bytearray()
    offsets = []
    dos_time, dos_date = 0x4000, 0x5C69  # 08:00, 2026-03-09
    for entry in entries:
        offsets.append(len(out))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, entry.flags, entry.method, dos_time,
                           dos_date, entry.crc & 0xFFFFFFFF, entry.csize & 0xFFFFFFFF,
                           entry.usize & 0xFFFFFFFF, len(entry.name), 0)
        out += entry.name + entry.data
    start = len(out)
    for entry, offset in zip(central or entries, offsets + [0] * 100_000):
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, entry.flags, entry.method,
                           dos_time, dos_date, entry.crc & 0xFFFFFFFF,
                           entry.csize & 0xFFFFFFFF, entry.usize & 0xFFFFFFFF,
                           len(entry.name), 0, 0, 0, 0, 0, offset)
        out += entry.name
    count = len(central or entries)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count & 0xFFFF, count & 0xFFFF,
                       len(out) - start, start, 0)
    return bytes(out)


def end_record(data: bytes) -> int:
    return data.rfind(b"PK\x05\x06")


# --- family: bytes -------------------------------------------------------------------------


def mutate_bytes(base: Base, rng: random.Random) -> Mutation:
    data = bytearray(base.data)
    size = len(data)
    what = rng.choice(["flip", "flip", "flip", "cut", "overwrite", "zero", "insert", "prepend",
                       "append", "swap", "flip_part", "flip_header"])
    if what == "flip":
        count = rng.choice([1, 1, 2, 3, 5, 10, 50, 200])
        offsets = [rng.randrange(size) for _ in range(count)]
        for at in offsets:
            data[at] ^= rng.randrange(1, 256)
        return Mutation(bytes(data), "bytes:flip", f"{count} bytes at {offsets[:10]}")
    if what == "cut":
        at = rng.randrange(0, size - 1)
        return Mutation(bytes(data[:at]), "bytes:cut", f"cut at {at} of {size}", REJECTED)
    if what in ("overwrite", "zero"):
        length = rng.choice([4, 16, 64, 512, 4096])
        at = rng.randrange(size)
        block = bytes(length) if what == "zero" else rng.randbytes(length)
        data[at:at + length] = block[: size - at]
        return Mutation(bytes(data), f"bytes:{what}", f"{length} bytes at {at}")
    if what == "insert":
        at = rng.randrange(size)
        data[at:at] = rng.randbytes(rng.choice([1, 7, 100, 1000]))
        return Mutation(bytes(data), "bytes:insert", f"at {at}")
    if what == "prepend":
        junk = rng.choice([b"\xef\xbb\xbf", b"\x00" * 8, b"MZ\x90\x00", rng.randbytes(100)])
        if junk.startswith(b"PK"):
            junk = b"X" + junk
        return Mutation(junk + bytes(data), "bytes:prepend", repr(junk[:8]), REJECTED)
    if what == "append":
        junk = rng.choice([b"\x00" * 100, rng.randbytes(1000), b"PK\x05\x06" + bytes(10)])
        return Mutation(bytes(data) + junk, "bytes:append", repr(junk[:8]))
    if what == "swap":
        length = rng.choice([16, 256, 2048])
        a, b = sorted(rng.randrange(size - length) for _ in range(2))
        if b - a >= length:
            data[a:a + length], data[b:b + length] = data[b:b + length], data[a:a + length]
        return Mutation(bytes(data), "bytes:swap", f"{length} at {a}, {b}")
    entries = raw_entries(base.data)
    entry = rng.choice(entries)
    with zipfile.ZipFile(io.BytesIO(base.data)) as archive:
        info = archive.getinfo(entry.name.decode())
    start = info.header_offset
    if what == "flip_header":
        at = start + rng.randrange(30)
    else:
        at = start + 30 + len(entry.name) + rng.randrange(max(1, entry.csize))
    data[at] ^= rng.randrange(1, 256)
    return Mutation(bytes(data), f"bytes:{what}", f"{entry.name.decode()} at {at}")


def mutate_office(base: Base, rng: random.Random) -> Mutation:
    """An .xls (OLE2) or .ods base: kept as it is now and then, else damaged byte-wise."""
    if rng.random() < 0.1:
        return Mutation(base.data, f"office{base.suffix}:unchanged", "", KEPT)
    data = bytearray(base.data)
    size = len(data)
    what = rng.choice(["flip", "flip", "flip", "cut", "overwrite", "zero", "insert", "swap"])
    if what == "flip":
        count = rng.choice([1, 1, 2, 5, 20, 200])
        offsets = [rng.randrange(size) for _ in range(count)]
        for at in offsets:
            data[at] ^= rng.randrange(1, 256)
        detail = f"{count} bytes at {offsets[:10]}"
    elif what == "cut":
        at = rng.randrange(size - 1)
        data = data[:at]
        detail = f"cut at {at} of {size}"
    elif what in ("overwrite", "zero"):
        length, at = rng.choice([4, 64, 512, 4096]), rng.randrange(size)
        block = bytes(length) if what == "zero" else rng.randbytes(length)
        data[at:at + length] = block[: size - at]
        detail = f"{length} bytes at {at}"
    elif what == "insert":
        at = rng.randrange(size)
        data[at:at] = rng.randbytes(rng.choice([1, 100, 1000]))
        detail = f"at {at}"
    else:
        length = rng.choice([16, 512, 4096])
        a, b = sorted(rng.randrange(max(1, size - length)) for _ in range(2))
        if b - a >= length:
            data[a:a + length], data[b:b + length] = data[b:b + length], data[a:a + length]
        detail = f"{length} at {a}, {b}"
    return Mutation(bytes(data), f"office{base.suffix}:{what}", detail)


# --- family: zip ---------------------------------------------------------------------------

_CRITICAL = ("[Content_Types].xml", "xl/workbook.xml")


def mutate_zip(base: Base, rng: random.Random) -> Mutation:
    parts = read_parts(base.data)
    names = [name for name, _ in parts]
    sheets = sheet_parts(parts)
    main = sheets[main_sheet(base)]
    critical = (*_CRITICAL, main)
    what = rng.choice(["drop", "drop", "cut_part", "cut_raw", "garbage_part", "empty_part",
                       "dup", "dup_case", "rename_part", "reorder", "stored", "crc",
                       "declared_huge", "method", "encrypted", "central", "eocd", "doctype",
                       "encoding", "utf16", "bom", "extra_part", "many_parts", "sheet_xml",
                       "sheet_xml", "sheet_xml"])
    pick = rng.choice([*critical, *critical, sheets.get(layout.META_SHEET, main), *names])
    body = dict(parts)[pick]
    if what == "drop":
        dropped = [(n, b) for n, b in parts if n != pick]
        expect = REJECTED if pick in critical else KEPT if pick.startswith("docProps/") else ANY
        return Mutation(write_parts(dropped), f"zip:drop:{_short(pick)}", pick, expect)
    if what in ("cut_part", "garbage_part", "empty_part"):
        if what == "cut_part":
            new = body[: rng.randrange(max(1, len(body)))]
        elif what == "garbage_part":
            new = rng.randbytes(rng.choice([10, 500, len(body)]))
        else:
            new = b""
        changed = [(n, new if n == pick else b) for n, b in parts]
        expect = REJECTED if pick == "xl/workbook.xml" or (
            what != "cut_part" and pick == main) else ANY
        return Mutation(write_parts(changed), f"zip:{what}:{_short(pick)}", pick, expect)
    if what in ("dup", "dup_case"):
        copy = pick if what == "dup" else pick.upper()
        if what == "dup_case" and copy == pick:
            copy = "XL/" + pick
        extra = (copy, body if rng.random() < 0.5 else rng.randbytes(64))
        changed = list(parts)
        changed.insert(rng.randrange(len(changed) + 1), extra)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            with warnings.catch_warnings():  # zipfile warns of the duplicate name
                warnings.simplefilter("ignore")
                for name, data in changed:
                    archive.writestr(zipfile.ZipInfo(name, date_time=STAMP), data)
        expect = REJECTED if copy.lower() == pick.lower() else ANY
        return Mutation(out.getvalue(), f"zip:{what}:{_short(pick)}", copy, expect)
    if what == "rename_part":
        new_name = rng.choice([pick + ".bak", pick.replace("sheet", "Sheet"), "xl/" + pick,
                               "../" + pick, pick.replace(".xml", ".XML")])
        changed = [(new_name if n == pick else n, b) for n, b in parts]
        expect = REJECTED if pick in _CRITICAL and new_name.lower() != pick.lower() else ANY
        return Mutation(write_parts(changed), f"zip:rename:{_short(pick)}", new_name, expect)
    if what == "reorder":
        shuffled = list(parts)
        rng.shuffle(shuffled)
        return Mutation(write_parts(shuffled), "zip:reorder", "", KEPT)
    if what == "stored":
        return Mutation(write_parts(parts, zipfile.ZIP_STORED), "zip:stored", "", KEPT)
    entries = raw_entries(base.data)
    target = next(e for e in entries if e.name.decode() == pick)
    if what == "cut_raw":
        keep = rng.randrange(max(1, target.csize))
        consistent = rng.random() < 0.5
        target.data = target.data[:keep]
        if consistent:
            target.csize = keep
        return Mutation(write_raw(entries), f"zip:cut_raw:{_short(pick)}",
                        f"{pick} kept {keep}, sizes {'fixed' if consistent else 'declared'}")
    if what == "crc":
        target.crc ^= 1 << rng.randrange(32)
        return Mutation(write_raw(entries), f"zip:crc:{_short(pick)}", pick)
    if what == "declared_huge":
        target.usize = rng.choice([0xFFFFFFF0, 300 * 1024 * 1024, 0])
        expect = REJECTED if target.usize > 200 * 1024 * 1024 else ANY
        return Mutation(write_raw(entries), f"zip:declared:{_short(pick)}",
                        f"{pick} {target.usize}", expect)
    if what == "method":
        target.method = rng.choice([1, 6, 9, 12, 14, 99])
        expect = REJECTED if pick in critical else ANY
        return Mutation(write_raw(entries), f"zip:method:{_short(pick)}",
                        f"{pick} method {target.method}", expect)
    if what == "encrypted":
        target.flags |= 1
        expect = REJECTED if pick in critical else ANY
        return Mutation(write_raw(entries), f"zip:encrypted:{_short(pick)}", pick, expect)
    if what == "central":
        central = [dataclasses.replace(e) for e in entries]
        victim = rng.choice(central)
        how = rng.choice(["name", "size", "drop", "flip"])
        if how == "name":
            victim.name = victim.name[:-1] + b"_"
        elif how == "size":
            victim.csize = rng.choice([0, 1, victim.csize * 2, 0xFFFFFFFF])
        elif how == "drop":
            central.remove(victim)
        data = write_raw(entries, central)
        if how == "flip":
            start = data.find(b"PK\x01\x02")
            data = bytearray(data)
            for _ in range(rng.choice([1, 4, 16])):
                at = rng.randrange(start, len(data))
                data[at] ^= rng.randrange(1, 256)
            data = bytes(data)
        return Mutation(data, f"zip:central:{how}", victim.name.decode("utf-8", "replace"))
    if what == "eocd":
        data = bytearray(base.data)
        at = end_record(data)
        field_at, size = rng.choice([(8, 2), (10, 2), (12, 4), (16, 4), (20, 2)])
        value = rng.choice([0, 1, 0xFFFF, 0xFFFFFFFF, len(data) * 2])
        data[at + field_at:at + field_at + size] = (value & (256 ** size - 1)).to_bytes(
            size, "little")
        return Mutation(bytes(data), "zip:eocd", f"field {field_at} = {value}")
    if what == "doctype":
        xml_parts = [n for n in names if n.endswith((".xml", ".rels"))]
        pick = rng.choice([main, "xl/workbook.xml", *xml_parts])
        body = dict(parts)[pick]
        bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
                b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n')
        head_end = body.find(b"?>") + 2 if body.startswith(b"<?xml") else 0
        changed = [(n, bomb + b[head_end:] if n == pick else b) for n, b in parts]
        return Mutation(write_parts(changed), f"zip:doctype:{_short(pick)}", pick, REJECTED)
    if what == "encoding":
        xml_parts = [n for n in names if n.endswith((".xml", ".rels"))]
        pick = rng.choice(xml_parts)
        body = dict(parts)[pick]
        declared = rng.choice([b"gb2312", b"ISO-8859-1", b"utf-7", b"ebcdic-cp-us"])
        if body.startswith(b"<?xml"):
            new = re.sub(rb'encoding="[^"]*"', b'encoding="' + declared + b'"', body, count=1)
            if new == body:
                new = body.replace(b"<?xml", b'<?xml encoding="' + declared + b'"', 1)
        else:
            new = b'<?xml version="1.0" encoding="' + declared + b'"?>' + body
        changed = [(n, new if n == pick else b) for n, b in parts]
        return Mutation(write_parts(changed), f"zip:encoding:{_short(pick)}",
                        f"{pick} {declared.decode()}", REJECTED)
    if what in ("utf16", "bom"):
        xml_parts = [n for n in names if n.endswith((".xml", ".rels"))]
        pick = rng.choice([main, *xml_parts])
        body = dict(parts)[pick]
        if what == "bom":
            new = b"\xef\xbb\xbf" + body
        else:
            text = body.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
            new = text.encode("utf-16")
        changed = [(n, new if n == pick else b) for n, b in parts]
        return Mutation(write_parts(changed), f"zip:{what}:{_short(pick)}", pick)
    if what == "sheet_xml":
        return _mutate_sheet_xml(parts, main, rng)
    if what == "extra_part":
        extra = rng.choice([("xl/media/image1.png", rng.randbytes(2000)),
                            ("customXml/item1.xml", b"<root/>"),
                            ("docProps/custom.xml", b"<Properties/>"),
                            ("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(60)),
                            ("../../evil.txt", b"hello")])
        return Mutation(write_parts([*parts, extra]), f"zip:extra:{_short(extra[0])}",
                        extra[0], ANY)
    # many_parts: just over the policy's entry limit, or well under it
    count = rng.choice([5001, 300])
    extra = [(f"xl/media/p{n}.bin", b"") for n in range(count)]
    expect = REJECTED if count + len(parts) > 5000 else KEPT
    return Mutation(write_parts([*parts, *extra]), f"zip:many_parts:{count}", "", expect)


def _mutate_sheet_xml(parts: list[tuple[str, bytes]], main: str, rng: random.Random) -> Mutation:
    """The main sheet's XML edited: rows duplicated or reversed, cell addresses dropped or
    out of bounds, a huge declared dimension, merged ranges over the whole sheet."""
    text = dict(parts)[main].decode("utf-8")
    rows = re.findall(r"<row\b.*?</row>", text, re.S)
    how = rng.choice(["dup_row", "reverse_rows", "no_r", "r_beyond", "r_zero", "r_garbage",
                      "dimension", "merge_all", "long_row", "nested_junk", "no_sheetdata"])
    if how == "dup_row" and rows:
        row = rng.choice(rows)
        text = text.replace(row, row + row, 1)
    elif how == "reverse_rows" and rows:
        text = text.replace("".join(rows), "".join(reversed(rows)), 1)
    elif how == "no_r":
        text = re.sub(r'(<c) r="[A-Z]+\d+"', r"\1", text)
    elif how in ("r_beyond", "r_zero", "r_garbage"):
        cells = re.findall(r'<c r="([A-Z]+\d+)"', text)
        victim = rng.choice(cells)
        new = {"r_beyond": "XFE1048577", "r_zero": "A0", "r_garbage": "周1"}[how]
        text = text.replace(f'<c r="{victim}"', f'<c r="{new}"', 1)
    elif how == "dimension":
        text = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', text)
    elif how == "merge_all":
        merge = '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
        text = re.sub(r"<mergeCells.*?</mergeCells>", merge, text, flags=re.S)
        if merge not in text:
            text = text.replace("</sheetData>", "</sheetData>" + merge, 1)
    elif how == "long_row":
        cells = "".join(f'<c r="{get_column_letter(c)}30"><v>{c}</v></c>'
                        for c in range(1, 16385))
        text = text.replace("</sheetData>", f'<row r="30">{cells}</row></sheetData>', 1)
    elif how == "nested_junk":
        text = text.replace("<sheetData>", "<sheetData><foo><row r=\"1\"/></foo>", 1)
    else:
        text = re.sub(r"<sheetData>.*</sheetData>", "<sheetData/>", text, flags=re.S)
    changed = [(n, text.encode("utf-8") if n == main else b) for n, b in parts]
    return Mutation(write_parts(changed), f"zip:sheet_xml:{how}", how)


def _short(part: str) -> str:
    return part.rsplit("/", 1)[-1]


# --- family: names (sheets and defined names in xl/workbook.xml) ---------------------------


def _workbook_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/workbook.xml").decode("utf-8")


def _with_workbook_xml(data: bytes, text: str) -> bytes:
    return replace_part(data, "xl/workbook.xml", text.encode("utf-8"))


_NAME_TAG = re.compile(r'<definedName name="([^"]*)"(?: localSheetId="\d+")?>([^<]*)</definedName>')


def mutate_names(base: Base, rng: random.Random) -> Mutation:
    book = _workbook_xml(base.data)
    main = main_sheet(base)
    sheets = re.findall(r'<sheet name="([^"]*)"[^>]*/>', book)
    names = [m for m in _NAME_TAG.finditer(book) if not m.group(1).startswith("_xlnm")]
    what = rng.choice(["rename_sheet", "rename_sheet", "drop_sheet", "reorder_sheets",
                       "hide_sheet", "drop_name", "drop_name", "drop_all_names", "rename_name",
                       "retarget", "retarget", "retarget", "swap_targets", "duplicate_name",
                       "many_names", "local_name"])
    if what == "rename_sheet":
        sheet = rng.choice([main, main, *sheets])
        new = rng.choice(["Sheet1", "", "x" * 100, sheet + " ", "'", "A&amp;B", "&lt;x&gt;",
                          "周考评表" if sheet != "周考评表" else "月考评表",
                          rng.choice([s for s in sheets if s != sheet] or ["其他"])])
        text = book.replace(f'<sheet name="{sheet}"', f'<sheet name="{new}"', 1)
        expect = REJECTED if sheet == main else ANY
        return Mutation(_with_workbook_xml(base.data, text), f"names:rename_sheet:{sheet}",
                        f"{sheet} -> {new}", expect)
    if what == "drop_sheet":
        sheet = rng.choice(sheets)
        text = re.sub(rf'<sheet name="{re.escape(sheet)}"[^>]*/>', "", book, count=1)
        expect = REJECTED if sheet == main else ANY
        return Mutation(_with_workbook_xml(base.data, text), f"names:drop_sheet:{sheet}",
                        sheet, expect)
    if what == "reorder_sheets":
        tags = re.findall(r'<sheet name="[^"]*"[^>]*/>', book)
        shuffled = tags[::-1]
        text = book.replace("".join(tags), "".join(shuffled))
        return Mutation(_with_workbook_xml(base.data, text), "names:reorder_sheets", "", KEPT)
    if what == "hide_sheet":
        state = rng.choice(["hidden", "veryHidden"])
        text = book.replace(f'<sheet name="{main}"', f'<sheet state="{state}" name="{main}"', 1)
        return Mutation(_with_workbook_xml(base.data, text), "names:hide_main", state, KEPT)
    if what == "drop_name":
        victim = rng.choice(names)
        text = book.replace(victim.group(0), "", 1)
        return Mutation(_with_workbook_xml(base.data, text), f"names:drop:{victim.group(1)}",
                        victim.group(1), KEPT)
    if what == "drop_all_names":
        text = re.sub(r"<definedNames>.*</definedNames>", "", book, flags=re.S)
        return Mutation(_with_workbook_xml(base.data, text), "names:drop_all", "", KEPT)
    if what == "rename_name":
        victim = rng.choice(names)
        new = rng.choice([victim.group(1) + "_x", victim.group(1).upper(), "_" + victim.group(1)])
        text = book.replace(f'name="{victim.group(1)}"', f'name="{new}"', 1)
        expect = KEPT if new != victim.group(1) else ANY
        return Mutation(_with_workbook_xml(base.data, text),
                        f"names:rename:{victim.group(1)}", new, expect)
    if what == "retarget":
        victim = rng.choice(names)
        sheet = re.match(r"'?([^'!]*)'?!", victim.group(2))
        sheet = sheet.group(1) if sheet else main
        ref = victim.group(2).split("!")[-1]
        first = ref.split(":")[0]
        choices = [
            ("ref_error", "#REF!", KEPT),
            ("no_sheet", "'不存在'!$B$3", KEPT),
            ("not_a_ref", "SUM(1,2)", KEPT),
            ("huge_text", "x" * HUGE, KEPT),
            ("row_zero", f"'{sheet}'!$B$0", ANY),
            ("far_cell", f"'{sheet}'!$Z$9999", ANY),
            ("beyond_grid", f"'{sheet}'!$B$2000000", ANY),
            ("beyond_cols", f"'{sheet}'!$ZZZ$3", ANY),
            ("whole_sheet", f"'{sheet}'!$A$1:$XFD$1048576", ANY),
            ("tall_range", f"'{sheet}'!$A$1:$L$1048576", ANY),
            ("wide_range", f"'{sheet}'!$A$4:$XFD$6", ANY),
            ("reversed", f"'{sheet}'!$L$9:$A$4", ANY),
            ("range_from_same", f"'{sheet}'!{first}:$H$27", KEPT),
            ("other_sheet", f"'{layout.META_SHEET}'!$B$1", ANY),
            ("unquoted", f"{sheet}!{ref}", KEPT),
            ("no_dollars", f"'{sheet}'!{ref.replace('$', '')}", KEPT),
            ("quoted_quote", f"'{sheet}''x'!{ref}", KEPT),
        ]
        label, target, expect = rng.choice(choices)
        if label == "range_from_same" and victim.group(1) in ("scores", "work_log"):
            expect = ANY
        tag = victim.group(0).replace(f">{victim.group(2)}<", f">{_escape(target)}<")
        text = book.replace(victim.group(0), tag, 1)
        return Mutation(_with_workbook_xml(base.data, text),
                        f"names:retarget:{label}", f"{victim.group(1)} -> {target[:60]}", expect)
    if what == "swap_targets":
        a, b = rng.sample(names, 2)
        tag_a = a.group(0).replace(f">{a.group(2)}<", f">{b.group(2)}<")
        tag_b = b.group(0).replace(f">{b.group(2)}<", f">{a.group(2)}<")
        text = book.replace(a.group(0), "\0A").replace(b.group(0), "\0B")
        text = text.replace("\0A", tag_a).replace("\0B", tag_b)
        return Mutation(_with_workbook_xml(base.data, text), "names:swap_targets",
                        f"{a.group(1)} <-> {b.group(1)}")
    if what == "duplicate_name":
        victim = rng.choice(names)
        extra = f'<definedName name="{victim.group(1)}">\'{main}\'!$A$1</definedName>'
        text = book.replace(victim.group(0), victim.group(0) + extra, 1)
        return Mutation(_with_workbook_xml(base.data, text),
                        f"names:duplicate:{victim.group(1)}", victim.group(1))
    if what == "many_names":
        extra = "".join(f'<definedName name="n{n}">\'{main}\'!$A$1</definedName>'
                        for n in range(3000))
        text = book.replace("<definedNames>", "<definedNames>" + extra, 1)
        return Mutation(_with_workbook_xml(base.data, text), "names:many", "3000", KEPT)
    victim = rng.choice(names)  # local_name: the workbook-scope name made sheet-scope
    tag = victim.group(0).replace(f'name="{victim.group(1)}"',
                                  f'name="{victim.group(1)}" localSheetId="0"', 1)
    text = book.replace(victim.group(0), tag, 1)
    return Mutation(_with_workbook_xml(base.data, text), f"names:local:{victim.group(1)}",
                    victim.group(1), KEPT)


# --- cells: openpyxl, plus raw XML for what openpyxl cannot write --------------------------

_HUGE_TEXT = "x" * HUGE
_HUGE_CJK = "优秀" * (HUGE // 2)
RAW_NAN = Raw("n", "<v>NaN</v>", "nan")
RAW_NAN_LOWER = Raw("n", "<v>nan</v>", "nan_lower")
RAW_INF = Raw("n", "<v>INF</v>", "inf")
RAW_NEG_INF = Raw("n", "<v>-inf</v>", "neg_inf")
RAW_E999 = Raw("n", "<v>1e999</v>", "1e999")
RAW_TINY = Raw("n", "<v>1e-999</v>", "1e-999")
RAW_NOT_NUMBER = Raw("n", "<v>abc</v>", "n_abc")
RAW_EMPTY_V = Raw("n", "<v></v>", "empty_v")
RAW_ERROR = Raw("e", "<v>#DIV/0!</v>", "error_div0")
RAW_ERROR_NA = Raw("e", "<v>#N/A</v>", "error_na")
RAW_FORMULA_CACHED = Raw(None, "<f>10+8</f><v>18</v>", "formula_cached_18")
RAW_FORMULA_TEXT = Raw("str", '<f>"称"&amp;"职"</f><v>称职</v>', "formula_cached_text")
RAW_FORMULA_ERROR = Raw("e", "<f>1/0</f><v>#DIV/0!</v>", "formula_cached_error")
RAW_BOOL_2 = Raw("b", "<v>2</v>", "bool_2")
RAW_BAD_SST = Raw("s", "<v>99999</v>", "sst_99999")
RAW_NEG_SST = Raw("s", "<v>-1</v>", "sst_neg")
RAW_TEXT_SST = Raw("s", "<v>x</v>", "sst_text")
RAW_ISO_DATE = Raw("d", "<v>2026-03-01T00:00:00</v>", "t_d_date")
RAW_BAD_DATE = Raw("d", "<v>garbage</v>", "t_d_garbage")
RAW_RICH = Raw("inlineStr", "<is><r><t>称</t></r><r><t>职</t></r></is>", "rich_text")
RAW_ESCAPED = Raw("inlineStr", "<is><t>_x0000_称职_x0007_</t></is>", "escaped_controls")
RAW_UNKNOWN_T = Raw("zz", "<v>1</v>", "t_unknown")
RAW_VALUES = (RAW_NAN, RAW_NAN_LOWER, RAW_INF, RAW_NEG_INF, RAW_E999, RAW_TINY, RAW_NOT_NUMBER,
              RAW_EMPTY_V, RAW_ERROR, RAW_ERROR_NA, RAW_FORMULA_CACHED, RAW_FORMULA_TEXT,
              RAW_FORMULA_ERROR, RAW_BOOL_2, RAW_BAD_SST, RAW_NEG_SST, RAW_TEXT_SST,
              RAW_ISO_DATE, RAW_BAD_DATE, RAW_RICH, RAW_ESCAPED, RAW_UNKNOWN_T)
FORMULAS = ("=1/0", '=HYPERLINK("http://example.com","点击")', "=A1", "=SUM(B5:B6)", "=NOW()",
            '="称职"', "=18", "=INDIRECT(\"A1\")")
DATES = (dt.datetime(2026, 3, 1, 9, 30), dt.date(2026, 3, 1), dt.time(12, 0),
         dt.timedelta(hours=3))
# Score-cell values that must make the form rejected, whatever the row holds.
# Error cells (#DIV/0!) come out of python-calamine as "", like blank cells: they are "any".
SCORE_BAD = (-5, -0.01, 31, 100, 1e308, 10**20, 18.125, "十八", "18/20", "1e3", "NaN", "inf",
             "- 5", _HUGE_TEXT, "👍", True, False, *DATES, RAW_NAN, RAW_NAN_LOWER, RAW_INF,
             RAW_NEG_INF, RAW_E999, RAW_NOT_NUMBER, RAW_BOOL_2)
SCORE_ANY = (0, -0.0, "-0", "0", 5e-324, "", "   ", "１０", "10分", " 10 ", 9.99, *FORMULAS,
             RAW_ERROR, RAW_ERROR_NA,
             RAW_TINY, RAW_EMPTY_V, RAW_FORMULA_CACHED, RAW_FORMULA_TEXT, RAW_FORMULA_ERROR,
             RAW_BAD_SST, RAW_NEG_SST, RAW_TEXT_SST, RAW_ISO_DATE, RAW_BAD_DATE, RAW_ESCAPED,
             RAW_UNKNOWN_T)
DEDUCTION_BAD = (-1, -0.5, 1e308, 101, "十", _HUGE_TEXT, True, *DATES, "NaN", RAW_NAN, RAW_INF)
GRADE_BAD = ("良好", "优", "A", True, False, 1, 0, -1, 95, 1e308, -0.0, *DATES, _HUGE_TEXT,
             _HUGE_CJK, "称职称职", "不 称 职 x", "👍", RAW_INF, RAW_BOOL_2)
SIGN_BAD = ("张三丰", "x", True, 0, -1, 1e308, dt.datetime(2026, 3, 1), _HUGE_TEXT, _HUGE_CJK,
            "👍", RAW_INF)
ANYTHING = (*SCORE_BAD, *SCORE_ANY, *GRADE_BAD, "称职", "优秀", " 称 职 ", "\t优秀\n",
            "\u200b称职", "\u202e职称", "'18", "<script>", "${jndi:ldap://x}", "DROP TABLE",
            2**63, -(2**63), RAW_RICH)


def open_book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def save_book(workbook: openpyxl.Workbook, raws: list[Raw]) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return normalize(inject_raw(out.getvalue(), raws))


def normalize(data: bytes) -> bytes:
    """Fixed timestamps (zip entries, docProps/core.xml): the same edit, the same bytes."""
    parts = []
    for name, body in read_parts(data):
        if name == "docProps/core.xml":
            body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-03-09T08:00:00Z", body)
        parts.append((name, body))
    return write_parts(parts)


def set_value(cell, value, raws: list[Raw]) -> None:
    if isinstance(value, Raw):
        cell.value = RAW_MARK.format(len(raws))
        raws.append(value)
    else:
        cell.value = value


_RAW_CELL = re.compile(r"<c ([^>]*?)>(?:(?!</c>).)*?FUZZRAW(\d+)X(?:(?!</c>).)*?</c>", re.S)


def inject_raw(data: bytes, raws: list[Raw]) -> bytes:
    if not raws:
        return data

    def cell(match: re.Match) -> str:
        raw = raws[int(match.group(2))]
        attrs = re.sub(r'\s*\bt="[^"]*"', "", match.group(1))
        kind = f' t="{raw.t}"' if raw.t else ""
        return f"<c {attrs}{kind}>{raw.inner}</c>"

    parts = []
    for name, body in read_parts(data):
        if name.startswith("xl/worksheets/") and b"FUZZRAW" in body:
            body = _RAW_CELL.sub(cell, body.decode("utf-8")).encode("utf-8")
        parts.append((name, body))
    return write_parts(parts)


def _named_cells(workbook, name: str):
    (sheet, ref), = list(workbook.defined_names[name].destinations)
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    return workbook[sheet], min_row, min_col, max_row, max_col


def _label(value) -> str:
    if isinstance(value, Raw):
        return "raw_" + value.label
    if isinstance(value, str):
        if len(value) > 100:
            return f"huge{len(value)}"
        return value.strip() and repr(value)[1:-1][:20] or "blank"
    if isinstance(value, float) and value == 0 and math.copysign(1, value) < 0:
        return "-0.0"
    return type(value).__name__ + "_" + str(value)[:20]


@dataclass
class Table:
    """Where the monthly scores table lies in an openpyxl workbook (1-based)."""

    sheet: object
    header: int
    first: int
    last: int
    columns: dict[str, int]  # header text → column
    items: list[int]


def monthly_table(workbook) -> Table:
    sheet, header, first_col, last, last_col = _named_cells(workbook, layout.SCORES_NAME)
    columns = {}
    for col in range(first_col, last_col + 1):
        text = sheet.cell(header, col).value
        if text:
            columns[str(text)] = col
    items = [col for text, col in columns.items() if "(" in text]
    return Table(sheet, header, header + 1, last, columns, items)


def mutate_cells(base: Base, rng: random.Random) -> Mutation:
    workbook = open_book(base.data)
    raws: list[Raw] = []
    if rng.random() < 0.12:
        kind, detail, expect = _mutate_meta(workbook, base, rng)
    elif base.kind == layout.WEEKLY_KIND:
        kind, detail, expect = _mutate_weekly_cell(workbook, base, rng, raws)
    else:
        kind, detail, expect = _mutate_monthly_cell(workbook, base, rng, raws)
    return Mutation(save_book(workbook, raws), kind, detail, expect)


def _mutate_weekly_cell(workbook, base: Base, rng: random.Random, raws: list[Raw]):
    role = rng.choice(["grade", "grade", "sign", "sign", "date", "text", "identity", "log",
                       "styled"])
    if role == "styled":
        name = rng.choice([*_WEEKLY_GRADE, *_WEEKLY_SIGN, *_WEEKLY_DATE, *_WEEKLY_IDENTITY])
        sheet, row, col, _, _ = _named_cells(workbook, name)
        return _styled(sheet.cell(row, col), rng, raws)
    if role == "log":
        sheet, first, col, last, _ = _named_cells(workbook, layout.WORKLOG_NAME)
        row = rng.randrange(first, last + 1)
        col = col + rng.randrange(3)
        value = rng.choice(ANYTHING)
        set_value(sheet.cell(row, col), value, raws)
        return f"cells:log={_label(value)}", f"{sheet.title}!{get_column_letter(col)}{row}", ANY
    name = rng.choice({"grade": _WEEKLY_GRADE, "sign": _WEEKLY_SIGN, "date": _WEEKLY_DATE,
                       "text": _WEEKLY_TEXT, "identity": _WEEKLY_IDENTITY}[role])
    if role == "grade":
        value, expect = (rng.choice(GRADE_BAD), REJECTED) if rng.random() < 0.7 \
            else (rng.choice(ANYTHING), ANY)
    elif role == "sign":
        value, expect = (rng.choice(SIGN_BAD), REJECTED) if rng.random() < 0.7 \
            else (rng.choice(ANYTHING), ANY)
    else:
        value, expect = rng.choice(ANYTHING), ANY
    sheet, row, col, _, _ = _named_cells(workbook, name)
    set_value(sheet.cell(row, col), value, raws)
    return f"cells:{role}={_label(value)}", f"{name}={_label(value)}", expect


def _mutate_monthly_cell(workbook, base: Base, rng: random.Random, raws: list[Raw]):
    table = monthly_table(workbook)
    leader = base.edition == layout.LEADER_EDITION
    roles = ["score", "score", "score", "row_nan", "id", "other", "sign", "date", "styled"]
    if leader:
        roles += ["deduction", "deduction"]
    role = rng.choice(roles)
    row = rng.randrange(table.first, table.last + 1)
    if role == "row_nan":
        value = rng.choice([RAW_NAN, RAW_NAN_LOWER])
        for col in table.items:
            set_value(table.sheet.cell(row, col), value, raws)
        return "cells:row_all_nan", f"row {row}", REJECTED
    if role == "styled":
        return _styled(table.sheet.cell(row, rng.choice(table.items)), rng, raws)
    if role in ("score", "deduction"):
        bad = SCORE_BAD if role == "score" else DEDUCTION_BAD
        good = SCORE_ANY if role == "score" else (0, -0.0, "", *FORMULAS, RAW_EMPTY_V,
                                                   RAW_ERROR)
        value, expect = (rng.choice(bad), REJECTED) if rng.random() < 0.7 \
            else (rng.choice(good), ANY)
        col = rng.choice(table.items) if role == "score" \
            else table.columns[layout.DEDUCTION_HEADER]
        set_value(table.sheet.cell(row, col), value, raws)
        return (f"cells:{role}={_label(value)}",
                f"{get_column_letter(col)}{row}={_label(value)}", expect)
    if role == "sign":
        sheet, sign_row, sign_col, _, _ = _named_cells(workbook, layout.RATER_SIGN_NAME)
        if leader and rng.random() < 0.7:
            value, expect = rng.choice(SIGN_BAD), REJECTED
        else:
            value, expect = rng.choice(ANYTHING), ANY
        set_value(sheet.cell(sign_row, sign_col), value, raws)
        return f"cells:rater_sign={_label(value)}", _label(value), expect
    if role == "date":
        sheet, date_row, date_col, _, _ = _named_cells(workbook, layout.RATER_DATE_NAME)
        value = rng.choice(ANYTHING)
        set_value(sheet.cell(date_row, date_col), value, raws)
        return f"cells:rater_date={_label(value)}", _label(value), ANY
    if role == "id":
        col = rng.randrange(1, 4)
    else:
        others = [c for h, c in table.columns.items() if c not in table.items and c > 3]
        col = rng.choice(others)
    value = rng.choice(ANYTHING)
    set_value(table.sheet.cell(row, col), value, raws)
    return f"cells:{role}={_label(value)}", f"{get_column_letter(col)}{row}", ANY


DATE_FORMATS = ("yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "hh:mm", "[h]:mm:ss", "mm:ss.0", "d")
STYLED_VALUES = (18, 0, -1, 1e308, -1e308, 2958466, 2958465.99999, -693594, 1e15, 0.5, 60,
                 RAW_INF, RAW_NEG_INF, RAW_NAN, RAW_E999)


def _styled(cell, rng: random.Random, raws: list[Raw]):
    """A number shown with a date or time format: the reader sees a date, a time, a
    duration, or a number no calendar holds."""
    value = rng.choice(STYLED_VALUES)
    cell.number_format = rng.choice(DATE_FORMATS)
    set_value(cell, value, raws)
    return f"cells:styled={_label(value)}", f"{cell.coordinate} {cell.number_format}", ANY


def _mutate_meta(workbook, base: Base, rng: random.Random):
    sheet = workbook[layout.META_SHEET]
    rows = {row[0].value: row[1] for row in sheet.iter_rows(max_col=2) if row[0].value}
    key = rng.choice(list(rows))
    weekly = base.kind == layout.WEEKLY_KIND
    choices = {
        "form": [("swapped", "monthly" if weekly else "weekly", REJECTED), ("blank", "", ANY),
                 ("unknown", "quarterly", ANY)],
        "edition": [("swapped", "office" if base.edition == "leader" else "leader", ANY),
                    ("blank", "", ANY)],
        "staff_id": [("unknown", "9999", REJECTED if weekly else ANY),
                     ("left", "1003", REJECTED if weekly else ANY), ("blank", "", ANY)],
        "rater_id": [("unknown", "L9", REJECTED if base.edition == "leader" else ANY),
                     ("blank", "", ANY), ("other", "L2", ANY)],
        "period": [("last_year", "2025-W10" if weekly else "2025-03", REJECTED),
                   ("next_year", "2027-W10" if weekly else "2027-03", REJECTED),
                   ("garbage", "第十周", REJECTED), ("huge", _HUGE_TEXT, REJECTED),
                   ("blank", "", ANY)],
    }.get(key, [("blank", "", ANY), ("huge", _HUGE_TEXT, ANY), ("number", 12, ANY)])
    label, value, expect = rng.choice(choices)
    rows[key].value = value
    return f"cells:meta_{key}={label}", f"{key}={str(value)[:30]}", expect


# --- family: layout ------------------------------------------------------------------------


def mutate_layout(base: Base, rng: random.Random) -> Mutation:
    workbook = open_book(base.data)
    kind, detail, expect = _layout_change(workbook, base, rng)
    return Mutation(save_book(workbook, []), kind, detail, expect)


def _input_cell(workbook, base: Base, rng: random.Random) -> tuple[object, int, int]:
    if base.kind == layout.WEEKLY_KIND:
        name = rng.choice([*_WEEKLY_GRADE, *_WEEKLY_SIGN, *_WEEKLY_DATE, *_WEEKLY_TEXT])
        sheet, row, col, _, _ = _named_cells(workbook, name)
        return sheet, row, col
    table = monthly_table(workbook)
    return table.sheet, rng.randrange(table.first, table.last + 1), rng.choice(table.items)


def _layout_change(workbook, base: Base, rng: random.Random):
    weekly = base.kind == layout.WEEKLY_KIND
    main = workbook[main_sheet(base)]
    what = rng.choice(["merge", "merge", "merge", "delete_rows", "delete_rows", "insert_rows",
                       "delete_cols", "header", "header", "remove_sheet", "rename_sheet",
                       "far_cell", "unmerge", "cosmetic", "clear_table", "second_header"])
    moves = ("delete_rows", "insert_rows", "delete_cols")
    if what in moves and main.max_row * main.max_column > 100_000:
        what = "cosmetic"  # after a far cell openpyxl would fill in billions of cells
    if what == "merge":
        sheet, row, col = _input_cell(workbook, base, rng)
        top, left = max(1, row - rng.randrange(2)), max(1, col - rng.randrange(2))
        bottom, right = row + rng.randrange(3), col + rng.randrange(3)
        if (top, left) == (bottom, right):
            right += 1
        ref = f"{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}"
        sheet.merge_cells(ref)
        return "layout:merge_over_input", ref, ANY
    if what == "unmerge":
        for ref in list(main.merged_cells.ranges):
            main.unmerge_cells(str(ref))
        return "layout:unmerge_all", "", KEPT
    if what in ("delete_rows", "insert_rows"):
        if weekly:
            row = rng.randrange(3, 24)
        else:
            table = monthly_table(workbook)
            row = rng.randrange(table.header, table.last + 2)
        count = rng.choice([1, 1, 2, 5])
        if what == "delete_rows":
            main.delete_rows(row, count)
        else:
            main.insert_rows(row, count)
        return f"layout:{what}", f"{count} at {row}", ANY
    if what == "delete_cols":
        col = rng.randrange(1, main.max_column + 1)
        main.delete_cols(col)
        return "layout:delete_col", get_column_letter(col), ANY
    if what == "header":
        if weekly:
            sheet = workbook[layout.WORKLOG_SHEET]
            col = rng.randrange(1, 4)
            sheet.cell(layout.WORKLOG_HEADER_ROW, col).value = rng.choice(["", "日 期", "Date"])
            return "layout:worklog_header", get_column_letter(col), ANY
        return _rename_monthly_header(workbook, base, rng)
    if what == "remove_sheet" and len(workbook.worksheets) > 2:
        sheet = rng.choice(workbook.worksheets)
        workbook.remove(sheet)
        expect = REJECTED if sheet.title == main.title else ANY
        return f"layout:remove_sheet:{sheet.title}", sheet.title, expect
    if what == "rename_sheet":
        sheet = rng.choice([main, *workbook.worksheets])
        old = sheet.title
        sheet.title = rng.choice(["Sheet1", "表1", old + "(2)"])
        expect = REJECTED if old == main_sheet(base) else ANY
        return f"layout:rename_sheet:{old}", sheet.title, expect
    if what == "far_cell":
        sheet = rng.choice([main, workbook[layout.META_SHEET]])
        ref = rng.choice(["XFD1048576", "A1048576", "XFD1"])
        sheet[ref] = "x"
        expect = REJECTED if ref != "XFD1" else ANY
        return f"layout:far_cell:{ref}", f"{sheet.title}!{ref}", expect
    if what == "cosmetic":
        main.column_dimensions["B"].width = 40
        main.row_dimensions[5].height = 80
        main.protection.sheet = False
        main.sheet_state = "visible"
        main["A1"].comment = openpyxl.comments.Comment("批注", "某人")
        return "layout:cosmetic", "", KEPT
    if what == "clear_table":
        if weekly:
            for name in (*_WEEKLY_GRADE, *_WEEKLY_SIGN, *_WEEKLY_TEXT):
                sheet, row, col, _, _ = _named_cells(workbook, name)
                sheet.cell(row, col).value = None
            return "layout:clear_inputs", "", ANY
        table = monthly_table(workbook)
        for row in range(table.first, table.last + 1):
            for col in table.items:
                table.sheet.cell(row, col).value = None
        return "layout:clear_scores", "", ANY
    # second_header: a copy of the header row right under the table
    if weekly:
        main["A30"], main["B30"] = "工号", "9999"  # data outside the form: refused naming B30
        return "layout:stray_label", "", REJECTED
    table = monthly_table(workbook)
    for col in range(1, 4):
        main.cell(table.last + 1, col).value = layout.MONTHLY_ID_HEADERS[col - 1]
    return "layout:second_header", str(table.last + 1), ANY


def _rename_monthly_header(workbook, base: Base, rng: random.Random):
    table = monthly_table(workbook)
    header, col = rng.choice(list(table.columns.items()))
    name, _, rest = header.partition("(")
    if col in table.items:
        maximum = rest.rstrip(")")
        options = [
            ("other_item", "其他", REJECTED),
            ("wrong_max", f"{name}({int(maximum) + 5})", REJECTED),
            ("full_width", f"{name}（{maximum}）", KEPT),
            ("spaced", f" {name} ( {maximum} ) ", KEPT),
            ("with_unit", f"{name}({maximum}分)", KEPT),
            ("no_max", name, KEPT),
            ("blank", None, REJECTED),
            ("huge", _HUGE_TEXT + "(20)", REJECTED),
            ("huge_max", f"{name}({'9' * 400})", REJECTED),
        ]
    elif header in (layout.DEDUCTION_HEADER, layout.REASON_HEADER):
        options = [("renamed", header + "x", ANY), ("blank", None, ANY)]
    else:
        options = [("renamed", header + "x", ANY), ("blank", None, ANY),
                   ("spaced", f" {header} ", KEPT)]
    label, text, expect = rng.choice(options)
    table.sheet.cell(table.header, col).value = text
    return f"layout:header:{label}", f"{header} -> {text}", expect


# --- family: mixed, valid ------------------------------------------------------------------


def mutate_mixed(base: Base, rng: random.Random) -> Mutation:
    workbook = open_book(base.data)
    raws: list[Raw] = []
    done = []
    for _ in range(rng.randrange(2, 5)):
        try:
            if rng.random() < 0.5:
                kind, _, _ = _layout_change(workbook, base, rng)
            elif rng.random() < 0.1:
                kind, _, _ = _mutate_meta(workbook, base, rng)
            elif base.kind == layout.WEEKLY_KIND:
                kind, _, _ = _mutate_weekly_cell(workbook, base, rng, raws)
            else:
                kind, _, _ = _mutate_monthly_cell(workbook, base, rng, raws)
        except (KeyError, ValueError, IndexError, AttributeError):
            kind = "skipped"  # a cell merged away, a table or name already gone
        done.append(kind)
    for sheet in workbook.worksheets[:1]:
        sheet.sheet_state = "visible"  # openpyxl cannot save a workbook of hidden sheets
    data = save_book(workbook, raws)
    if rng.random() < 0.3:
        family = rng.choice(["names", "zip", "bytes"])
        try:
            step = MUTATORS[family](Base(base.kind, base.edition, base.label, data), rng)
            data = step.data
            done.append(step.kind)
        except (KeyError, ValueError, IndexError, StopIteration, zipfile.BadZipFile):
            done.append(f"{family}:skipped")
    return Mutation(data, f"mixed:{len(done)}", " + ".join(done), ANY)


def mutate_valid(base: Base, rng: random.Random) -> Mutation:
    what = rng.choice(["unchanged", "unchanged", "stored", "reordered", "renamed_xls",
                       "renamed_xlsm", "roundtrip", "names_dropped", "meta_dropped",
                       "extra_sheet", "typed", "hidden_main"])
    data, suffix = base.data, ""
    if what == "stored":
        data = write_parts(read_parts(data), zipfile.ZIP_STORED)
    elif what == "reordered":
        parts = read_parts(data)
        rng.shuffle(parts)
        data = write_parts(parts)
    elif what == "renamed_xls":
        suffix = ".xls"
    elif what == "renamed_xlsm":
        suffix = ".xlsm"
    elif what == "names_dropped":
        book = _workbook_xml(data)
        data = _with_workbook_xml(data, re.sub(r"<definedNames>.*</definedNames>", "", book,
                                               flags=re.S))
    elif what == "hidden_main":
        book = _workbook_xml(data)
        main = main_sheet(base)
        data = _with_workbook_xml(
            data, book.replace(f'<sheet name="{main}"', f'<sheet state="hidden" name="{main}"'))
    elif what != "unchanged":
        workbook = open_book(data)
        if what == "meta_dropped":
            workbook.remove(workbook[layout.META_SHEET])
        elif what == "extra_sheet":
            extra = workbook.create_sheet("说明", 0)
            extra["A1"] = "本人补充说明"
            extra["B2"] = 95
        elif what == "typed":
            _type_as_text(workbook, base)
        data = save_book(workbook, [])
    return Mutation(data, f"valid:{what}", what, ACCEPTED, suffix)


def _type_as_text(workbook, base: Base) -> None:
    """Values typed the way people type them: full-width digits, 分, spaces."""
    if base.kind == layout.WEEKLY_KIND:
        for name in (*_WEEKLY_GRADE, *_WEEKLY_SIGN):
            sheet, row, col, _, _ = _named_cells(workbook, name)
            cell = sheet.cell(row, col)
            if cell.value:
                cell.value = f" {' '.join(str(cell.value))} "
        return
    table = monthly_table(workbook)
    styles = ("{}", "{}分", " {} ", "{}", "{}")
    for row in range(table.first, table.last + 1):
        for n, col in enumerate(table.items):
            cell = table.sheet.cell(row, col)
            if isinstance(cell.value, (int, float)):
                number = f"{cell.value:g}"
                if n == 0:
                    number = number.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
                cell.value = styles[(row + n) % len(styles)].format(number)


MUTATORS = {
    "bytes": mutate_bytes,
    "zip": mutate_zip,
    "names": mutate_names,
    "cells": mutate_cells,
    "layout": mutate_layout,
    "mixed": mutate_mixed,
    "valid": mutate_valid,
    "office": mutate_office,
}


# --- running ingest and checking what it did ----------------------------------------------


SETTLED = 1_700_000_000  # file times of files long in the inbox (not still being copied)


def write_inbox(workspace: Workspace, variants: list[Variant]) -> None:
    for variant in variants:
        target = workspace.inbox / variant.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(variant.data)
        os.utime(target, (SETTLED, SETTLED))


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float


def run_ingest(workspace: Workspace, timeout: float = 3600) -> Run:
    """`workbook-engine -w WS ingest --json` in a subprocess, so that a hard crash shows."""
    command = [sys.executable, "-m", "workbook_engine", "-w", str(workspace.root), "ingest",
               "--json"]
    env = {**os.environ, "PYTHONFAULTHANDLER": "1"}
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                          encoding="utf-8", errors="replace")
    return Run(done.returncode, done.stdout, done.stderr, time.perf_counter() - started)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# Latin words a clerk may meet outside the quoted 「…」 parts of a message.
LATIN_OK = {"Excel", "WPS", "xlsx", "xls", "xlsb", "xlsm", "et", "ett", "XML", "DOCTYPE",
            "ENTITY", "PDF", "CSV", "MB", "Office", "zip", "_meta", "HTML", "OpenDocument",
            "PowerPoint", "Word"}
_CELL_OR_WEEK = re.compile(r"^(?:[A-Z]{1,3}\d+|W\d+)$")
_QUOTED = re.compile(r"「[^」]*」", re.S)
_PART_NAME = re.compile(r"\S*/\S*|\S+\.(?:xml|rels|bin|vml)\b")  # a part named in a message
_LOCATED = ("weekly.", "score.", "monthly.")
_READER_DIED = ("内存上限或意外中止", "时间上限")
# A cell at XFD1048576 (or beyond) makes the native reader ask for terabytes: the reader
# process dies and its file is refused as too complex. For any other variant it is a bug.
_MAY_KILL_READER = ("far_cell", "r_beyond")


@dataclass
class Result:
    variants: int = 0
    outcomes: Counter = field(default_factory=Counter)
    per_family: dict[str, Counter] = field(default_factory=dict)
    per_kind: dict[str, Counter] = field(default_factory=dict)
    codes: dict[str, Counter] = field(default_factory=dict)  # issue codes per mutation kind
    tracebacks: int = 0
    lost: int = 0
    reader_failures: int = 0
    exit_code: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def figures(self) -> dict:
        return {
            "variants": self.variants,
            "accepted": self.outcomes["accepted"],
            "newer_version": self.outcomes["newer_version"],
            "duplicate": self.outcomes["duplicate"],
            "rejected": self.outcomes["rejected"],
            "tracebacks": self.tracebacks,
            "files_lost": self.lost,
            "reader_failures": self.reader_failures,
            "exit_code": self.exit_code,
            "ingest_seconds": round(self.seconds, 1),
            "problems": len(self.problems),
        }


def message_problem(issue: dict, file: str) -> str:
    """What is wrong with how an issue is shown to the clerk, or ''."""
    message = issue["message"]
    if issue["file"] != file.rsplit("/", 1)[-1]:
        return f"issue names file {issue['file']!r}"
    if not any("\u4e00" <= ch <= "\u9fff" for ch in message):
        return f"message without Chinese: {message[:120]!r}"
    bare = _PART_NAME.sub(" ", _QUOTED.sub(" ", message))
    latin = {w for w in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", bare)
             if w not in LATIN_OK and not _CELL_OR_WEEK.match(w)}
    if latin:
        return f"English words {sorted(latin)} in {message[:160]!r}"
    if issue["code"].startswith(_LOCATED) and issue["severity"] == "error" and not (
            issue["sheet"] and (issue["cell"] or issue["row"])):
        return f"unlocated {issue['code']}: {message[:120]!r}"
    if len(message) > 2000:
        return f"message of {len(message)} characters ({issue['code']})"
    return ""


def check_run(workspace: Workspace, variants: list[Variant], run: Run) -> Result:
    """Every invariant of SPEC §8 over one fuzzed ingest run; the failures in `problems`."""
    result = Result(variants=len(variants), exit_code=run.exit_code, seconds=run.seconds)
    problems = result.problems
    result.tracebacks = run.stdout.count("Traceback") + run.stderr.count("Traceback")
    if run.exit_code != 0:
        problems.append(f"exit code {run.exit_code}: {run.stderr[-2000:]}")
    if result.tracebacks:
        problems.append(f"{result.tracebacks} tracebacks: {run.stderr[-2000:]}")
    error_log = workspace.engine_dir / "error.log"
    if error_log.exists():
        problems.append("error.log: " + error_log.read_text(encoding="utf-8")[-3000:])
    if run.stderr.strip():
        problems.append(f"stderr not empty: {run.stderr[-1000:]}")
    left = sorted(p.name for p in workspace.inbox.rglob("*") if p.is_file())
    if left:
        problems.append(f"{len(left)} files left in the inbox: {left[:5]}")
    stored = {sha256_file(p) for folder in (workspace.archive, workspace.rejected)
              for p in folder.rglob("*") if p.is_file()}
    lost = [v.name for v in variants if v.sha256 not in stored]
    result.lost = len(lost)
    if lost:
        problems.append(f"{len(lost)} files lost: {lost[:5]}")
    try:
        report = json.loads(run.stdout)
    except ValueError:
        problems.append(f"no JSON report: {run.stdout[:500]!r}")
        return result
    by_file = {}
    for outcome in report["outcomes"]:
        if outcome["file"] in by_file:
            problems.append(f"{outcome['file']}: two outcomes")
        by_file[outcome["file"]] = outcome
    for variant in variants:
        outcome = by_file.get(variant.name)
        if outcome is None:
            problems.append(f"{variant.name}: no outcome")
            continue
        ended = outcome["outcome"]
        result.outcomes[ended] += 1
        result.per_family.setdefault(variant.family, Counter())[ended] += 1
        result.per_kind.setdefault(variant.kind, Counter())[ended] += 1
        codes = [i["code"] for i in outcome["issues"]]
        result.codes.setdefault(variant.kind, Counter()).update(codes)
        wrong = (variant.expect == ACCEPTED and ended != "accepted"
                 or variant.expect == KEPT and ended not in KEPT_OUTCOMES
                 or variant.expect == REJECTED and ended != "rejected")
        if wrong:
            problems.append(f"{variant.name}: expected {variant.expect}, got {ended} {codes}"
                            f" [{variant.detail[:200]}]")
        place = outcome["stored_path"]
        folder = "rejected/" if ended == "rejected" else "archive/"
        if not place.startswith(folder):
            problems.append(f"{variant.name}: {ended} but stored at {place!r}")
        elif sha256_file(workspace.root / place) != variant.sha256:
            problems.append(f"{variant.name}: {place} holds other bytes")
        if ended == "rejected":
            if not outcome["issues"]:
                problems.append(f"{variant.name}: rejected without a reason")
            if not (workspace.root / (place + ".原因.txt")).is_file():
                problems.append(f"{variant.name}: no reason file")
        for issue in outcome["issues"]:
            if issue["code"] == "file.too_complex" and any(
                    w in issue["message"] for w in _READER_DIED):
                result.reader_failures += 1
                if not any(m in variant.kind + variant.detail for m in _MAY_KILL_READER):
                    problems.append(f"{variant.name}: the reader died or hung [{variant.detail}]")
            shown = message_problem(issue, variant.name)
            if shown:
                problems.append(f"{variant.name}: {shown}")
    extra = set(by_file) - {v.name for v in variants}
    if extra:
        problems.append(f"outcomes for files never written: {sorted(extra)[:5]}")
    rejected = {name for name, o in by_file.items() if o["outcome"] == "rejected"}
    if rejected and not report.get("returns"):
        problems.append("files rejected but no returns list written")
    elif rejected:
        listed = _returns_names(Path(report["returns"]))
        if rejected - listed:
            problems.append(f"{len(rejected - listed)} rejected files not in the returns list")
    return result


def _returns_names(path: Path) -> set[str]:
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("退回清单")
    return {str(row[1]) for row in sheet.to_python()[2:] if len(row) > 1}


def replay(fuzzer: Fuzzer, k: int, seed: int):
    """Classify variant k without the reader pool, in one forked child held to the policy's
    memory limit: (variant, Classified), or (variant, the exception's traceback), or
    (variant, "died") — for finding out why a variant misbehaved."""
    import multiprocessing
    import tempfile

    variant = fuzzer.variant(k, seed)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / variant.name
        path.write_bytes(variant.data)
        child = context.Process(target=_replay_child, args=(sender, fuzzer.workspace, path))
        child.start()
        sender.close()
        try:
            found = receiver.recv() if receiver.poll(120) else "hung"
        except EOFError:
            found = "died"
        child.kill()
        child.join()
    return variant, found


def _replay_child(sender, workspace: Workspace, path: Path) -> None:
    import traceback

    from workbook_engine.ingest.classify import classify
    from workbook_engine.ingest.isolate import limit_process
    from workbook_engine.ingest.read import read_form

    roster, _ = workspace.roster()
    policy = workspace.policy()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    limit_process(policy.limits.parse_memory_bytes, 60)
    try:
        found = classify(path, path.name, roster, policy, read=read_form)
    except BaseException:  # noqa: BLE001 - shown to the developer, who asked for it
        found = traceback.format_exc()
    sender.send(found)
