"""Edit and save workbooks the way a person does in LibreOffice, through its UNO bridge.

Run with the system Python that has `uno` (/usr/bin/python3), never imported by the tests:

    /usr/bin/python3 tests/lo_uno.py jobs.json PROFILE_DIR      (starts and ends its own office)
    /usr/bin/python3 tests/lo_uno.py jobs.json --pipe NAME      (uses an office already started
                                                                 with --accept=pipe,name=NAME)

jobs.json is a list of {"src", "dst", "filter", "edits": [...]}; an edit is one of
    {"op": "insert_rows", "sheet": "周考评表", "row": 1, "count": 1}     (1-based row, before it)
    {"op": "delete_rows", "sheet": ..., "row": 5, "count": 1}
    {"op": "delete_cols", "sheet": ..., "col": 12, "count": 1}          (1-based column: L)
    {"op": "set", "sheet": ..., "cell": "B5", "value": "text or number"}
    {"op": "formula", "sheet": ..., "cell": "B5", "value": "=1+2"}
    {"op": "copy_sheet", "sheet": ..., "name": "周考评表 (2)"}
    {"op": "drop_names"}                                                (remove every named range)
Each job's file is opened hidden, edited, stored with the filter ("MS Excel 97", "calc8",
"Calc Office Open XML", "OpenDocument Spreadsheet Flat XML") and closed. A job may give
"target" (pdf, xls, ods, xlsx) instead of "filter": the filter `soffice --convert-to` takes for
that extension and the document's kind (spreadsheet or text).
"""

import json
import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def prop(name, value):
    item = PropertyValue()
    item.Name, item.Value = name, value
    return item


# The filters `soffice --convert-to EXT` picks, by the loaded document's kind.
TARGETS = {
    ("calc", "pdf"): "calc_pdf_Export", ("writer", "pdf"): "writer_pdf_Export",
    ("calc", "xls"): "MS Excel 97", ("calc", "ods"): "calc8",
    ("calc", "xlsx"): "Calc MS Excel 2007 XML",
}


def connect(profile, pipe=None):
    """(office process or None, desktop): a new office with `profile`, or the one on `pipe`."""
    office = None
    if pipe is None:
        pipe = f"wbe{os.getpid()}"
        office = subprocess.Popen(
            ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
             "--nologo", "--norestore", f"--accept=pipe,name={pipe};urp;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(300):
        try:
            context = resolver.resolve(
                f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            time.sleep(0.2)
    else:
        if office is not None:
            office.kill()
        raise SystemExit("LibreOffice did not start")
    desktop = context.ServiceManager.createInstanceWithContext(
        "com.sun.star.frame.Desktop", context)
    return office, desktop


def cell(doc, sheet, ref):
    return doc.Sheets.getByName(sheet).getCellRangeByName(ref)


def edit(doc, step):
    op = step["op"]
    if op in ("insert_rows", "delete_rows"):
        rows = doc.Sheets.getByName(step["sheet"]).Rows
        if op == "insert_rows":
            rows.insertByIndex(step["row"] - 1, step.get("count", 1))
        else:
            rows.removeByIndex(step["row"] - 1, step.get("count", 1))
    elif op == "delete_cols":
        doc.Sheets.getByName(step["sheet"]).Columns.removeByIndex(step["col"] - 1,
                                                                  step.get("count", 1))
    elif op == "set":
        target = cell(doc, step["sheet"], step["cell"])
        value = step["value"]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            target.setValue(value)
        else:
            target.setString(str(value))
    elif op == "formula":
        cell(doc, step["sheet"], step["cell"]).setFormula(step["value"])
    elif op == "copy_sheet":
        count = doc.Sheets.getCount()
        doc.Sheets.copyByName(step["sheet"], step["name"], count)
    elif op == "drop_names":
        names = doc.NamedRanges
        for name in list(names.getElementNames()):
            names.removeByName(name)
    else:
        raise SystemExit(f"unknown edit {op}")


def store_filter(doc, job):
    if "filter" in job:
        return job["filter"]
    kind = "calc" if doc.supportsService("com.sun.star.sheet.SpreadsheetDocument") else "writer"
    return TARGETS[(kind, job["target"])]


def main():
    jobs = json.load(open(sys.argv[1], encoding="utf-8"))
    if sys.argv[2] == "--pipe":
        office, desktop = connect(None, sys.argv[3])
    else:
        office, desktop = connect(sys.argv[2])
    try:
        for job in jobs:
            url = uno.systemPathToFileUrl(os.path.abspath(job["src"]))
            doc = desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))
            try:
                if "filter" in job:  # a person's edit; a plain conversion keeps protection
                    for sheet in [s for s in doc.Sheets if s.isProtected()]:
                        sheet.unprotect("")
                for step in job.get("edits", []):
                    edit(doc, step)
                out = uno.systemPathToFileUrl(os.path.abspath(job["dst"]))
                doc.storeToURL(out, (prop("FilterName", store_filter(doc, job)),
                                     prop("Overwrite", True)))
            finally:
                doc.close(True)
    finally:
        if office is not None:  # an office on --pipe is left running for the next call
            try:
                desktop.terminate()
            except Exception:  # noqa: BLE001 - the bridge goes away with the office
                pass
            office.wait(timeout=60)


if __name__ == "__main__":
    main()
    # Leave without Python's finalization: pyuno may crash (SIGSEGV) tearing down a bridge to
    # an office that is still running, after every file was stored.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
