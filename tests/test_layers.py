"""The package's layers, bottom to top: a module may import from its own layer or below, never
from a layer above it. Imports are read with ast (also those inside functions), so a lazy import
cannot hide a dependency that runs back up the layers."""

from __future__ import annotations

import ast
from pathlib import Path

import workbook_engine

PACKAGE = Path(workbook_engine.__file__).parent

# Bottom to top. A name is a module or a package (then every module in it, unless a more
# specific entry names the module). Every module of the package must be placed.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("workbook_engine", "memo", "text", "issues", "filenames", "faults")),
    ("contracts", ("periods", "forms.layout")),
    ("configuration and xlsx basics", ("policy", "sheets", "style", "office_templates")),
    ("office files", ("bureau_state", "roster_changes", "roster", "frozen", "holidays",
                      "results_history", "ledger_template", "ledger", "ledger_records")),
    ("workspace", ("netfs", "store", "lock", "signoff_log", "workspace")),
    ("forms", ("forms",)),
    ("ingest", ("ingest",)),
    ("scoring", ("scoring",)),
    ("reports", ("reports",)),
    ("maintenance", ("maintenance", "next_year")),
    ("mail", ("mail",)),
    ("commands", ("demo", "cli_text", "cli", "__main__")),
]


def module_names() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts) or "workbook_engine")
    return names


def layer_of(module: str) -> int:
    """The layer of a module: the most specific entry that names it or its package."""
    best, best_length = None, -1
    for index, (_, entries) in enumerate(LAYERS):
        for entry in entries:
            if module == entry or module.startswith(entry + "."):
                if len(entry) > best_length:
                    best, best_length = index, len(entry)
    if best is None:
        raise AssertionError(f"module {module} is in no layer: add it to LAYERS")
    return best


def imported_modules(module: str) -> set[str]:
    """The package modules `module` imports, as names relative to the package."""
    relative = module.split(".") if module != "workbook_engine" else []
    path = PACKAGE.joinpath(*relative)
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                package = relative[: len(relative) - node.level + (path.name == "__init__.py")]
                base = ".".join(["workbook_engine", *package])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            # `from workbook_engine.forms import layout` imports the module layout; an empty
            # package __init__ on the way is no dependency of its own
            targets = [_submodule_or_base(base, alias.name) for alias in node.names]
        else:
            continue
        for target in targets:
            if target == "workbook_engine" or target.startswith("workbook_engine."):
                name = target.removeprefix("workbook_engine").lstrip(".") or "workbook_engine"
                if name in MODULES:
                    found.add(name)
    found.discard(module)
    return found


MODULES = set(module_names())


def _submodule_or_base(base: str, name: str) -> str:
    candidate = f"{base}.{name}"
    short = candidate.removeprefix("workbook_engine.")
    return candidate if short in MODULES else base


def upward_imports() -> list[str]:
    problems = []
    for module in sorted(MODULES):
        own = layer_of(module)
        for target in sorted(imported_modules(module)):
            if layer_of(target) > own:
                problems.append(f"{module} ({LAYERS[own][0]}) imports {target} "
                                f"({LAYERS[layer_of(target)][0]})")
    return problems


def test_every_module_is_in_a_layer():
    for module in MODULES:
        layer_of(module)


def test_no_module_imports_from_a_layer_above_it():
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(monkeypatch):
    """The check itself can fail: an import of reports from ingest is reported."""
    real = imported_modules

    def with_upward(module):
        found = real(module)
        return found | {"reports.book"} if module == "ingest.inbox" else found

    monkeypatch.setitem(globals(), "imported_modules", with_upward)
    assert upward_imports() == ["ingest.inbox (ingest) imports reports.book (reports)"]


def test_relative_and_lazy_imports_are_seen():
    assert "text" in imported_modules("periods")  # `from .text import clean_text`
    assert "forms.outbox" in imported_modules("cli")  # imported inside a function
