"""Fuzz `ingest`: N broken variants of valid forms into one inbox, one ingest run, every
invariant of SPEC §8 checked.

    python scripts/fuzz_ingest.py --variants 1000 --seed 1
    python scripts/fuzz_ingest.py --variants 1000 --seed 1 --kinds      # outcome per mutation
    python scripts/fuzz_ingest.py --seed 1 --replay 417                  # one variant, alone

A workspace with the roster of tests/conftest.py is built in a temporary folder (or --keep
DIR); `workbook-engine ingest --json` runs in a subprocess, so a hard crash would show. The
run passes when: exit code 0, no traceback, no .engine/error.log, the inbox empty, every
input's sha256 found under archive/ or rejected/, every fresh valid form accepted, every
variant that must be refused refused, every message Chinese and placed. Exit code 1 otherwise
(the workspace is then kept, and its path printed). .xls/.ods bases come from LibreOffice
(when installed) and are not byte-identical from run to run: --no-office for exact replays.
The mutator is tests/fuzzing.py; tests/test_fuzz.py runs a fixed-seed slice of it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzzing import (  # noqa: E402 - the tests folder is put on the path just above
    FAMILIES,
    Fuzzer,
    check_run,
    fuzz_workspace,
    replay,
    run_ingest,
    write_inbox,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", type=int, default=1000, help="how many variants")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it")
    parser.add_argument("--kinds", action="store_true", help="print outcomes per mutation")
    parser.add_argument("--no-office", action="store_true",
                        help="no .xls/.ods bases (they need LibreOffice)")
    parser.add_argument("--report", type=Path, help="save the ingest --json report here")
    parser.add_argument("--replay", type=int, metavar="K", help="classify variant K alone")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="fuzz-ingest-"))
    root = folder / "ws"
    if root.exists():
        shutil.rmtree(root)
    failed = True
    try:
        failed = fuzz(args, folder, root) != 0
    finally:
        if failed and not args.keep:
            print(f"  workspace kept for a look: {root}")
        elif not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


def fuzz(args: argparse.Namespace, folder: Path, root: Path) -> int:
    started = time.perf_counter()
    workspace = fuzz_workspace(root)
    fuzzer = Fuzzer(workspace, office=None if args.no_office else folder / "office")
    if not args.no_office and not fuzzer.office:
        print("LibreOffice not found: no .xls/.ods bases")
    if args.replay is not None:
        variant, found = replay(fuzzer, args.replay, args.seed)
        print(f"{variant.name}  expect={variant.expect}\n  {variant.kind}  {variant.detail}")
        print(found if isinstance(found, str) else
              f"  record={found.record and found.record.form_key}\n  " +
              "\n  ".join(str(issue) for issue in found.issues))
        return 0

    variants = fuzzer.batch(args.variants, args.seed)
    write_inbox(workspace, variants)
    made = time.perf_counter() - started
    run = run_ingest(workspace)
    result = check_run(workspace, variants, run)
    if args.report:
        args.report.write_text(run.stdout, encoding="utf-8")
    figures = result.figures()

    print(f"fuzz ingest: seed {args.seed}, workspace {root}")
    print(f"  variants generated   {figures['variants']}  ({made:.1f} s)")
    for key in ("accepted", "newer_version", "duplicate", "rejected", "tracebacks",
                "files_lost", "reader_failures", "exit_code"):
        print(f"  {key:<20} {figures[key]}")
    print(f"  ingest seconds       {figures['ingest_seconds']}"
          f"  ({len(variants) / max(result.seconds, 1e-9):.0f} files/s)")
    print(f"  total seconds        {time.perf_counter() - started:.1f}")
    print("  per family:")
    for family in FAMILIES:
        counts = result.per_family.get(family, Counter())
        shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        print(f"    {family:<8} {sum(counts.values()):>5}   {shown}")
    if args.kinds:
        print("  per mutation:")
        for kind, counts in sorted(result.per_kind.items()):
            shown = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            codes = ", ".join(f"{k} {v}" for k, v in sorted(result.codes[kind].items()))
            print(f"    {kind:<40} {shown}" + (f"   [{codes}]" if codes else ""))
    print(f"  problems             {len(result.problems)}")
    for problem in result.problems[:40]:
        print(f"    - {problem[:600]}")
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
