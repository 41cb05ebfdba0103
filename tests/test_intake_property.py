"""Property: every value typed into a form — in its fields, in the work log, under it, beside
the form — is stored, or quoted in a notice, or named in a refusal. Saved by openpyxl, and
by LibreOffice as .xls and .ods. No typed value disappears."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pytest
from fill import fill_weekly
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intake_kit import ODS, XLS, bureau_with_forms, copy_workspace, ingest, libreoffice

from workbook_engine.text import clean_text, typed_text

TEXT_FIELDS = ("work_done", "next_plan", "chief_comment", "leader_comment")
ALPHABET = "工作完成整理档案起草通知会议①②（）：；，。０１２３4567㎡ABc-\n"
# places outside the form's areas: (sheet, row, column), 1-based
OUTSIDE = [("周考评表", r, c) for r in (2, 6, 17, 22) for c in (10, 11)] + \
    [("周考评表", r, 2) for r in (30, 33)] + [("工作日志", r, 5) for r in (3, 4)]

typed = st.text(alphabet=ALPHABET, min_size=1, max_size=24).filter(lambda t: t.strip())
data_value = st.one_of(st.integers(0, 100), st.sampled_from(["优秀", "称职"]))


@st.composite
def examples(draw):
    """Typed fields and log lines; notes beside the form; in some, a score or grade there."""
    places = draw(st.lists(st.sampled_from(OUTSIDE), min_size=1, max_size=3, unique=True))
    outside = {place: draw(typed) for place in places}
    if draw(st.booleans()):
        outside[places[0]] = draw(data_value)
    return {"fields": draw(st.dictionaries(st.sampled_from(TEXT_FIELDS), typed, min_size=1)),
            "log": draw(st.lists(typed, min_size=0, max_size=5)), "outside": outside}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return bureau_with_forms(tmp_path_factory.mktemp("prop") / "ws", weeks=("2026-W10",),
                             months=())


def fill(base, target, example):
    form = base.outbox / "2026-W10" / "办公室" / "2026-W10_周考评表_1002_周一.xlsx"
    fill_weekly(form, target, chief=("称职", "李办"), leader=("优秀", "钱副"),
                log=example["log"], extra=example["fields"])
    book = openpyxl.load_workbook(target)
    for (sheet, row, col), value in example["outside"].items():
        book[sheet].cell(row, col).value = value
    book.save(target)
    return target


def check(ws, name, example):
    report = ingest(ws)
    (outcome,) = [o for o in report["outcomes"] if o["file"] == name]
    messages = " ".join(i["message"] for i in outcome["issues"])
    cells = {(i["sheet"], i["cell"]) for i in outcome["issues"]}
    data_outside = {k: v for k, v in example["outside"].items() if not isinstance(v, str)
                    or v in ("优秀", "称职")}
    if outcome["outcome"] == "rejected":
        assert {i["code"] for i in outcome["issues"] if i["severity"] == "error"} \
            == {"form.value_outside"}, outcome
        for sheet, row, col in data_outside:
            assert (sheet, f"{openpyxl.utils.get_column_letter(col)}{row}") in cells, outcome
        return
    assert outcome["outcome"] == "accepted" and not data_outside, outcome
    with ws.connect() as conn:
        (payload,) = conn.execute("SELECT payload FROM submissions WHERE state = 'current'"
                                  " AND form_key = 'weekly:2026-W10:1002'").fetchone()
    stored = json.loads(payload)
    for field, value in example["fields"].items():
        assert stored[field] == typed_text(value), (field, value, stored[field])
    assert [row[1] for row in stored["work_log"]][: len(example["log"])] == \
        [typed_text(v) for v in example["log"]]
    notes = {(n["sheet"], n["cell"]): n["text"] for n in stored.get("margin_notes", [])}
    for (sheet, row, col), value in example["outside"].items():
        ref = f"{openpyxl.utils.get_column_letter(col)}{row}"
        assert notes.get((sheet, ref)) == typed_text(value), (ref, value, notes)
        assert typed_text(value)[:20] in messages or clean_text(value)[:20] in messages


SLOW = settings(max_examples=6, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@SLOW
@given(example=examples())
def test_typed_values_saved_by_openpyxl_are_stored_or_named(base, tmp_path, example):
    folder = tmp_path / f"x{abs(hash(repr(example)))}"
    ws = copy_workspace(base, folder / "ws")
    fill(base, ws.inbox / "周一.xlsx", example)
    check(ws, "周一.xlsx", example)
    shutil.rmtree(folder)


@pytest.mark.libreoffice
@settings(max_examples=2, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(example=examples())
def test_typed_values_saved_by_libreoffice_are_stored_or_named(base, tmp_path, example):
    folder = tmp_path / f"lo{abs(hash(repr(example)))}"
    source = fill(base, folder / "src.xlsx", example)
    made = {fmt: folder / f"周一.{ext}" for fmt, ext in ((XLS, "xls"), (ODS, "ods"))}
    libreoffice([{"src": source, "dst": path, "filter": fmt, "edits": []}
                 for fmt, path in made.items()], folder / "lo")
    for path in made.values():
        ws = copy_workspace(base, folder / f"ws-{path.suffix[1:]}")
        shutil.copyfile(path, ws.inbox / path.name)
        check(ws, path.name, example)
    shutil.rmtree(folder)
