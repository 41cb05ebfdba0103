"""Benchmark: `workbook-engine ingest` with reader processes started by spawn (the office's
Windows PC, macOS) against fork (Linux), alternating in one run.

    python benchmarks/bench_spawn.py [--forms 1000] [--rounds 2] [--compare-to REV]

Set-up (not timed): a workspace of 120 people and N + 10 filled forms (weekly forms and
monthly editions, as bench_ingest makes them). Timed, each in a fresh process started the
way the console script `workbook-engine` starts (a script file that imports the CLI: a
spawned reader process would re-run it): `ingest` of the N forms into a fresh copy of the
workspace, then `ingest` again with 10 new files in the inbox. For each: wall time, and the
CPU time of the command with its reader processes. The two start methods alternate, round
after round, so both see the same load; the summary gives spawn / fork, best against best.

`--compare-to REV` (a git revision of this repository, or a folder holding a
`workbook_engine` package) runs REV's code the same way, alternating with this tree's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_ingest import make_forms
from common import ROOT, big_workspace, children_cpu, code_of, load

# What the console script `workbook-engine` is: a script file that imports the CLI and runs it
CONSOLE_SCRIPT = """import sys
from workbook_engine.cli import run
if __name__ == "__main__":
    sys.exit(run())
"""
METHODS = ("spawn", "fork")


def _ingest(script: Path, code: Path, workspace: Path, method: str) -> tuple[float, float]:
    """`workbook-engine -w WS ingest` in a fresh process: wall seconds, CPU seconds (the
    command and its readers: they are waited for, so their time is counted)."""
    env = {**os.environ, "PYTHONPATH": str(code), "WORKBOOK_ENGINE_START_METHOD": method}
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, str(script), "-w", str(workspace), "ingest"],
                          capture_output=True, cwd=tempfile.gettempdir(), env=env)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"ingest failed ({method}, {code}):\n{done.stderr.decode()[-2000:]}")
    return wall, children_cpu() - cpu


def _fill(inbox: Path, source: Path, paths: list[Path]) -> None:
    for path in paths:
        target = inbox / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    os.sync()  # on disk before the clock starts, as in real use


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--people", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--compare-to", metavar="REV")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-spawn-"))
    try:
        empty = big_workspace(folder / "empty", args.people)
        source = folder / "forms"
        paths = make_forms(empty, args.forms + 10, source)
        forms, extra = paths[: args.forms], paths[args.forms:]
        script = folder / "workbook-engine"
        script.write_text(CONSOLE_SCRIPT, encoding="utf-8")
        sides = {"this tree": ROOT}
        if args.compare_to:
            sides = {args.compare_to: code_of(args.compare_to, folder), **sides}
        bytecode = "off (PYTHONDONTWRITEBYTECODE)" if sys.dont_write_bytecode else "on"
        print(f"ingest of {len(forms)} forms, then 10 new ones, readers started by spawn and "
              f"by fork, alternating; bytecode cache {bytecode}   ({load()})")
        best: dict[tuple[str, str], list[float]] = {}
        for round_ in range(1, args.rounds + 1):
            for name, code in sides.items():
                for method in METHODS:
                    run = folder / "run"
                    shutil.rmtree(run, ignore_errors=True)
                    shutil.copytree(folder / "empty", run)
                    _fill(run / "inbox", source, forms)
                    wall, cpu = _ingest(script, code, run, method)
                    _fill(run / "inbox", source, extra)
                    again, again_cpu = _ingest(script, code, run, method)
                    figures = [wall, cpu, again, again_cpu]
                    kept = best.setdefault((name, method), figures)
                    best[(name, method)] = [min(a, b) for a, b in zip(kept, figures)]
                    print(f"  round {round_} {name:>10} {method:5}: {len(forms)} forms "
                          f"{wall:5.2f} s ({len(forms) / wall:4.0f} forms/s, CPU {cpu:5.2f} s)"
                          f"   10 new {again:4.2f} s (CPU {again_cpu:4.2f} s)   ({load()})")
        for name in sides:
            spawn, fork = best[(name, "spawn")], best[(name, "fork")]
            print(f"  {name:>10}: spawn / fork (best against best): {len(forms)} forms "
                  f"{spawn[0] / fork[0]:.2f}× wall, {spawn[1] / fork[1]:.2f}× CPU;  10 new "
                  f"{spawn[2]:.2f} s against {fork[2]:.2f} s")
        print(f"  ({load()})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
