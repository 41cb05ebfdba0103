"""The exclusive workspace lock (.engine/workspace.lock) for commands that change the workspace
(ingest, sign-off, reopen, rebuild); `Workspace.lock(what)` is the way in.

The lock is an OS file lock taken through portalocker (flock on Linux and macOS, msvcrt
locking on Windows), so it is released when the process dies, even by `kill -9`: a crashed
run never leaves a stale lock behind. A process forked while the lock
is held (ingest's reader processes) would share the flock and could outlive the run, keeping
the workspace locked; so such a child closes its copy of the lock file at once and, on
Linux, is killed by the kernel when the holder dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path

import portalocker


class WorkspaceBusy(Exception):
    """Another process holds the workspace lock."""


_PR_SET_PDEATHSIG = 1
_held: dict[int, int] = {}  # lock file descriptor held → pid of the process holding it
_libc = None


def _load_libc():
    """libc, for prctl; loaded by the holder before any fork, so the child need not import."""
    global _libc
    if _libc is None and sys.platform == "linux":
        try:
            import ctypes

            _libc = ctypes.CDLL(None, use_errno=True)
        except (OSError, ImportError):  # pragma: no cover - no usable libc
            _libc = False
    return _libc


def _after_fork_in_child() -> None:
    """In a child forked while the lock is held: drop the lock; die with the holder."""
    if not _held:
        return
    holder = next(iter(_held.values()))
    for fd in list(_held):
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()
    _paths.clear()
    if _libc:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != holder:  # the holder died before prctl took effect
            os._exit(1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _try_lock(fd: int) -> bool:
    try:
        portalocker.lock(fd, portalocker.LockFlags.EXCLUSIVE | portalocker.LockFlags.NON_BLOCKING)
    except (portalocker.exceptions.LockException, OSError):
        return False
    return True


def _holder(fd: int) -> str:
    """The pid the holder wrote; "" where the platform does not let us read a locked file."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 64).decode("ascii", "replace").strip()
    except OSError:
        return ""


_paths: dict[str, int] = {}  # lock file held by this process → its descriptor


def held(path: Path) -> bool:
    """True while this process holds the lock at `path`."""
    fd = _paths.get(os.path.abspath(path))
    return fd is not None and _held.get(fd) == os.getpid()


@contextlib.contextmanager
def workspace_lock(path: Path, what: str):
    """Hold the lock for the block; WorkspaceBusy with a Chinese message when taken.
    Taking it again inside the block (the same process) is allowed and changes nothing."""
    if held(path):
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    key = os.path.abspath(path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            holder = _holder(fd)
            who = f"（进程 {holder}）" if holder else ""
            raise WorkspaceBusy(f"另一个{what}正在运行{who}，请等它结束后再运行。")
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())
        _load_libc()
        _held[fd] = os.getpid()
        _paths[key] = fd
        yield
    finally:
        if _paths.get(key) == fd:
            del _paths[key]
        _held.pop(fd, None)
        os.close(fd)
