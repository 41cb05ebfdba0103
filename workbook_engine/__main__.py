"""Allow `python -m workbook_engine`."""

from workbook_engine.cli import main

if __name__ == "__main__":
    main()
