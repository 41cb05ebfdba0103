"""The exclusive workspace lock (.engine/workspace.lock) for commands that change the workspace
(ingest, sign-off, reopen, rebuild); `Workspace.lock(what)` is the way in.

The lock is an OS file lock (flock), so it is released when the process dies, even by
`kill -9`: a crashed run never leaves a stale lock behind. A process forked while the lock
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

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
    import msvcrt


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
    if _libc:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != holder:  # the holder died before prctl took effect
            os._exit(1)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def workspace_lock(path: Path, what: str):
    """Hold the lock for the block; WorkspaceBusy with a Chinese message when taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_lock(fd):
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() if fcntl else ""
            who = f"（进程 {holder}）" if holder else ""
            raise WorkspaceBusy(f"另一个{what}正在运行{who}，请等它结束后再运行。")
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        _load_libc()
        _held[fd] = os.getpid()
        yield
    finally:
        _held.pop(fd, None)
        os.close(fd)
