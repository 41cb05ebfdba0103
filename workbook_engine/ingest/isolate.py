"""Read a workbook in a child process held to the policy's time and memory limits.

A hostile file can make the native spreadsheet parser ask for terabytes (one cell at A1 and
one at XFD1048576 make a 17-billion-cell grid), and a failed native allocation aborts the
whole process, which no `except` can catch. So the parser runs in a child: a crash, the
memory limit (`parse_memory_mb`) or the time limit (`parse_seconds`) ends only the child,
and the file is refused with a clear reason.

    read_isolated(Path("表.xlsx"), "xlsx", "表.xlsx", limits) → RawForm, as read_form gives
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import sys
import types
from pathlib import Path

from workbook_engine.ingest.read import RawForm, read_form
from workbook_engine.policy import IngestLimits

_ADVICE = "；如是正常表格，请删去多余的内容后「另存为」Excel 工作簿（.xlsx）再发送"
_MB = 1024 * 1024
TOO_COMPLEX = "file.too_complex"
START_METHOD_VAR = "WORKBOOK_ENGINE_START_METHOD"  # fork | spawn: CI runs the tests both ways


def start_method() -> str:
    """How reader processes start: fork on Linux (cheap, shares the loaded roster), spawn
    elsewhere (Windows and macOS have no safe fork); the environment variable overrides it,
    so the spawn path (the office's Windows PC) is also tested on Linux."""
    chosen = os.environ.get(START_METHOD_VAR, "").strip()
    if chosen in multiprocessing.get_all_start_methods():
        return chosen
    return "fork" if sys.platform == "linux" else "spawn"


def start_child(process, context) -> None:
    """Start a reader process made by `context` (a multiprocessing context).

    A spawned child first re-runs the parent's main module (multiprocessing's way of
    finding functions defined there): the CLI's script with click and every command, or a
    benchmark's with pandas and openpyxl — most of a spawned reader's start, though a reader
    needs none of it. So it is started as from an interactive session, without a main module
    to re-run: it imports only what its target needs. Its target and arguments must therefore
    live in importable modules (they always do: workers._serve, _child, read_form). A script
    that starts ingest without `if __name__ == "__main__"` works then too."""
    if context.get_start_method() == "fork":  # nothing re-imported: the child is a copy
        process.start()
        return
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")  # no file, no spec: nothing to run
    try:
        process.start()
    finally:
        sys.modules["__main__"] = main


def limit_process(memory: int, seconds: int) -> None:
    """Cap the child's CPU time and (on Linux) its address space at what it has + `memory`,
    where the platform has such limits (resource); the parent's wall-clock limit applies
    everywhere, Windows included."""
    try:
        import resource
    except ImportError:  # Windows: no resource limits; the parent's timeout still applies
        return
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        used = None
    limits = [(resource.RLIMIT_CPU, int(seconds) + 1)]
    if used is not None:
        limits.append((resource.RLIMIT_AS, used + memory))
    for kind, soft in limits:
        _, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        try:
            resource.setrlimit(kind, (soft, hard))
        except (ValueError, OSError):
            pass


def _child(sender, path: str, kind: str, name: str, memory: int, seconds: int) -> None:
    faulthandler.disable()  # a native abort here is expected: no dump on the clerk's screen
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # nor the parser's own backtrace
    limit_process(memory, seconds)
    sender.send(read_form(Path(path), kind, name))
    sender.close()


def read_isolated(path: Path, kind: str, name: str, limits: IngestLimits) -> RawForm:
    """read_form in a child process; a RawForm with a `file.too_complex` issue if it fails."""
    context = multiprocessing.get_context(start_method())
    receiver, sender = context.Pipe(duplex=False)
    args = (sender, str(path), kind, name, limits.parse_memory_bytes, limits.parse_seconds)
    child = context.Process(target=_child, args=args, daemon=True)
    start_child(child, context)
    sender.close()
    raw, timed_out = None, False
    try:
        if receiver.poll(limits.parse_seconds):
            raw = receiver.recv()
        else:
            timed_out = True
    except (EOFError, OSError):
        raw = None  # the child died before it could answer
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if isinstance(raw, RawForm):
        return raw
    failed = RawForm(file=name, file_kind=kind)
    failed.problem(TOO_COMPLEX, too_complex_message(limits, timed_out))
    return failed


def too_complex_message(limits: IngestLimits, timed_out: bool) -> str:
    """Why a file whose reader ran out of time or memory (or crashed) is refused."""
    if timed_out:
        reason = f"读取文件超过了 {limits.parse_seconds} 秒的时间上限"
    else:
        reason = f"读取文件时超出了 {limits.parse_memory_bytes // _MB} MB 的内存上限或意外中止"
    return f"{reason}，文件内容异常（如单元格范围极大），可能是恶意文件，已拒收" + _ADVICE
