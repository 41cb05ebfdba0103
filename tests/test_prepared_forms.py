"""Weekly forms from a prepared template: each copy is the workbook the builder writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from helpers import office_convert, soffice

from workbook_engine.forms.outbox import weekly_plan
from workbook_engine.forms.prepared import PreparedWeeklyForms, reader_view
from workbook_engine.forms.weekly import build_weekly_form
from workbook_engine.forms.zipparts import Part, zip_bytes
from workbook_engine.ingest.read import read_form
from workbook_engine.periods import parse_week


def built(form) -> bytes:
    buffer = io.BytesIO()
    build_weekly_form(buffer, form)
    return buffer.getvalue()


def filled(form, grade="称职", log_text="整理档案"):
    """The form as returned: staff text, both reviews, a work-log line for each day."""
    values = {"work_done": "起草纪要；整理档案。", "next_plan": "继续整理档案。",
              "self_grade": "称职", "leader_grade": grade,
              "leader_sign": form.identity.final_rater_name,
              "leader_date": dt.date(2026, 3, 10)}
    if form.identity.chief_name:
        values.update(chief_grade=grade, chief_sign=form.identity.chief_name,
                      chief_date=dt.date(2026, 3, 9), chief_comment="完成较好")
    return dataclasses.replace(form, values=values,
                               log=tuple(f"{log_text}{i}" for i in range(len(form.working_days))))


def sheet_values(data: bytes) -> dict:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    names = {name: str(value.attr_text) for name, value in workbook.defined_names.items()}
    cells = {(ws.title, c.coordinate): (c.value, c.number_format, c.protection.locked)
             for ws in workbook for row in ws.iter_rows() for c in row if c.value is not None}
    return {"names": names, "cells": cells, "sheets": workbook.sheetnames,
            "hidden": [ws.title for ws in workbook if ws.sheet_state != "visible"]}


def test_patched_forms_are_the_builders_bytes_and_read_the_same(bureau):
    plan = weekly_plan(bureau, parse_week("2026-W10"))
    forms = PreparedWeeklyForms()
    for _target, form, _person in plan:
        data = forms.data(form)
        assert data == built(form), form.identity.staff_id
    # one template for staff with a 初评 and one for chiefs and leaders; the rest patched
    assert len(forms.templates) == 2 and None not in forms.templates.values()
    assert forms.patched == len(plan) - 2 > 0
    for _target, form, _person in plan:
        data, fresh = forms.data(form), built(form)
        mine = read_form(data, "xlsx", "a.xlsx")
        theirs = read_form(fresh, "xlsx", "a.xlsx")
        assert (mine.meta, mine.fields, mine.refs, mine.table, mine.issues) == (
            theirs.meta, theirs.fields, theirs.refs, theirs.table, theirs.issues)
        assert mine.meta["staff_id"] == form.identity.staff_id
        assert mine.fields["staff_name"] == form.identity.staff_name
        assert sheet_values(data) == sheet_values(fresh)


def test_filled_forms_patch_text_values_and_work_log(bureau):
    plan = weekly_plan(bureau, parse_week("2026-W10"))
    forms = PreparedWeeklyForms()
    for grade, text in (("称职", "整理档案"), ("优秀", "审核方案"), ("基本称职", "办理来文")):
        for _target, form, _person in plan:
            form = filled(form, grade, text)
            data = forms.data(form)
            assert reader_view(data) == reader_view(built(form))
            raw = read_form(data, "xlsx", "a.xlsx")
            assert raw.fields["leader_grade"] == grade
            assert raw.table[1][1] == f"{text}0"
    assert forms.patched == 3 * len(plan) - 2


def test_one_template_serves_every_week_of_the_year(bureau):
    """Weeks differ in their label and dates only: the same templates patch them all, and
    every copy is what the builder writes — holiday weeks and make-up days included. (A
    filled form repeats names, e.g. the 评定人 signs with the name printed on the form: the
    builder stores such a text once, the patched copy twice, so the two read the same.)"""
    forms = PreparedWeeklyForms()
    weeks = [f"2026-W{n:02d}" for n in range(1, 53)]
    count = 0
    for week in weeks:
        for _target, form, _person in weekly_plan(bureau, parse_week(week)):
            assert forms.data(form) == built(form), (week, form.identity.staff_id)
            full = filled(form)
            assert reader_view(forms.data(full)) == reader_view(built(full)), week
            count += 2
    # a template per (has a 初评, blank or filled, number of working days)
    days = {len(parse_week(w).working_days()) for w in weeks}
    assert len(forms.templates) <= 4 * len(days) and None not in forms.templates.values()
    assert forms.patched == count - len(forms.templates) > 0.9 * count


def test_text_that_needs_escaping_is_built_not_patched(bureau):
    _target, form, _person = weekly_plan(bureau, parse_week("2026-W10"))[1]
    forms = PreparedWeeklyForms()
    forms.data(form)
    odd = [dataclasses.replace(form, identity=dataclasses.replace(form.identity, staff_name=name))
           for name in ("A&B", "<王>", ' 周一', 'x"y', "a\x01b", "_x0041_")]
    odd.append(dataclasses.replace(form, values={"leader_date": dt.date(2450, 1, 1)}))
    for case in odd:
        assert forms.data(case) == built(case)
    assert forms.patched == 0 and forms.built == 2 + len(odd)


def test_a_builder_that_lays_out_by_text_length_is_not_patched(bureau):
    """The first form of each shape is checked against a real build: a mismatch means every
    form of that shape is built."""

    def by_length(target, form):
        width = len(form.identity.staff_name)
        build_weekly_form(target, dataclasses.replace(form, period_label=f"{width} 字"))

    plan = weekly_plan(bureau, parse_week("2026-W10"))
    forms = PreparedWeeklyForms(builder=by_length)
    for _target, form, _person in plan:
        expected = io.BytesIO()
        by_length(expected, form)
        assert forms.data(form) == expected.getvalue()
    assert forms.patched == 0 and set(forms.templates.values()) == {None}


def test_zip_writer_makes_a_plain_zip():
    parts = [Part.compressed("a.xml", b"<a/>" * 100), Part.compressed("数据/b.xml", b"")]
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes(parts)))
    assert archive.testzip() is None
    assert archive.read("a.xml") == b"<a/>" * 100 and archive.read("数据/b.xml") == b""


@pytest.mark.libreoffice
def test_libreoffice_opens_patched_forms_and_keeps_their_values(bureau, tmp_path):
    soffice()
    plan = weekly_plan(bureau, parse_week("2026-W10"))
    forms = PreparedWeeklyForms()
    sources = []
    for index, (_target, form, _person) in enumerate(plan[:4]):
        path = tmp_path / "in" / f"f{index}.xlsx"
        path.parent.mkdir(exist_ok=True)
        forms.write(path, filled(form))
        sources.append((path, form))
    assert forms.patched >= 2
    out = tmp_path / "out"
    assert office_convert([p for p, _ in sources], "xlsx", out).returncode == 0
    for path, form in sources:
        raw = read_form(out / path.name, "xlsx", path.name)
        assert raw.meta["staff_id"] == form.identity.staff_id
        assert raw.fields["staff_name"] == form.identity.staff_name
        assert raw.fields["leader_sign"] == form.identity.final_rater_name
        assert [row[1] for row in raw.table[1:]] == list(filled(form).log)
