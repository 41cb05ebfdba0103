"""An exclusive lock on the workspace for commands that change it (ingest, sign-off).

The lock is an OS file lock (flock), so it is released when the process dies, even by
`kill -9`: a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
    import msvcrt


class WorkspaceBusy(Exception):
    """Another process holds the workspace lock."""


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
        yield
    finally:
        os.close(fd)
