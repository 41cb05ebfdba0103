"""workbook_engine: the quantitative staff assessment (干部职工量化考核) of a county bureau.

Layers, bottom to top (a module imports only from its own layer or below; tests/test_layers.py
checks it): text, issues, filenames → periods, forms/layout (the forms' names and headers) →
policy, sheets, style (the one xlsx style), office_templates → roster, ledger_template,
ledger → netfs, store (all SQL), lock, workspace (paths, inputs, lock, connect) → forms →
ingest → scoring → reports → maintenance → demo, cli.
"""

__version__ = "0.1.0"
