"""workbook_engine: the quantitative staff assessment (干部职工量化考核) of a county bureau."""

__version__ = "0.1.0"
