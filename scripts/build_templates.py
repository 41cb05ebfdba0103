"""Rebuild templates/weekly_form.xlsx and the monthly templates from the package code."""

from pathlib import Path

from workbook_engine.forms.outbox import build_templates
from workbook_engine.policy import default_policy

if __name__ == "__main__":
    folder = Path(__file__).resolve().parent.parent / "templates"
    for path in build_templates(default_policy(2026), folder):
        print(f"wrote {path.relative_to(folder.parent)}")
