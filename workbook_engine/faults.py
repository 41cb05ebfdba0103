"""File-system faults in plain Chinese: a full disk, a read-only folder, a file taken away.

    describe(OSError(ENOSPC, "No space left", "/ws/archive/2026-W10/周一.xlsx"), Path("/ws"))
      → "磁盘空间已满，无法写入工作区的「archive」文件夹（…/archive）。请清理磁盘空间后重新运行…"

The command stops (exit code 1); every step of ingest is re-runnable, so running it again
after the fault is fixed ends where an uninterrupted run ends.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG)
_DENIED = (errno.EROFS, errno.EACCES, errno.EPERM)
_GONE = (errno.ENOENT,)
STORE_FOLDER = ".engine"
RERUN = "问题解决后重新运行本命令即可，已处理的文件不会重复计数，也不会丢失"


def _folder(filename: object, root: Path | None) -> tuple[str, str]:
    """(the workspace folder a path is in, e.g. `archive`; the path as shown)."""
    if not filename:
        return "", ""
    path = Path(str(filename))
    if root is not None:
        try:
            parts = path.resolve().relative_to(root.resolve()).parts
        except (ValueError, OSError):
            parts = ()
        if parts:
            return (parts[0] if len(parts) > 1 else root.name), str(path)
    return path.parent.name, str(path)


def describe(exc: BaseException, root: Path | None) -> str | None:
    """A Chinese message for a file-system fault (also one wrapped by a library, such as
    xlsxwriter's FileCreateError); None when `exc` is not one."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        message = _describe_one(exc, root)
        if message:
            return message
        inner = next((a for a in getattr(exc, "args", ()) if isinstance(a, BaseException)), None)
        exc = inner or exc.__cause__ or exc.__context__
    return None


def _describe_one(exc: BaseException, root: Path | None) -> str | None:
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        where = f"工作区的「{STORE_FOLDER}」文件夹（考核数据库）"
        if "full" in text:
            return f"磁盘空间已满，无法写入{where}。请清理磁盘空间。{RERUN}"
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return f"无法写入{where}：文件夹是只读的或没有写权限。请开放写权限。{RERUN}"
        return None
    if not isinstance(exc, OSError) or exc.errno is None:
        return None
    folder, shown = _folder(exc.filename, root)
    where = f"工作区的「{folder}」文件夹" if folder else "工作区"
    at = f"（{shown}）" if shown else ""
    if exc.errno in _FULL:
        return f"磁盘空间已满，无法写入{where}{at}。请清理磁盘空间。{RERUN}"
    if exc.errno in _DENIED:
        return (f"无法写入{where}{at}：文件夹是只读的或没有写权限。"
                f"请开放该文件夹的写权限（或把工作区放到可写的位置）。{RERUN}")
    if exc.errno in _GONE and folder and root is not None and shown.startswith(str(root)):
        return (f"文件在处理过程中被移走或删除：{where}{at}。"
                f"请把它放回原处（或确认不再需要）。{RERUN}")
    return None
