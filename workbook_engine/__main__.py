"""Allow `python -m workbook_engine`."""

from workbook_engine.cli import run

if __name__ == "__main__":
    run()
