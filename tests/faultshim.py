"""Run the CLI with a file-system fault injected, the way a full disk, a read-only folder or a
file taken away would hit it mid-run (used by crashkit and scripts/crash_ingest.py):

    python tests/faultshim.py KIND FOLDER AFTER -w WORKSPACE ingest

KIND is enospc, erofs, eacces or vanish; FOLDER one of inbox, archive, rejected, reports,
.engine; AFTER how many writes into that folder succeed before the fault. Writes are
file opens for writing, links, renames, folder creations and removals (a read-only inbox
refuses the removal); the store's own writes fail as SQLite reports a full or read-only
database. `vanish` takes the next inbox file away while the run copies it to archive/.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import sqlite3
import sys
from pathlib import Path

ERRNO = {"enospc": errno.ENOSPC, "erofs": errno.EROFS, "eacces": errno.EACCES}


def vanished_log(root: Path) -> Path:
    """Where the shim notes the inbox files it took away (beside the workspace)."""
    return root.parent / f"{root.name}.vanished"


def install(kind: str, folder: Path, after: int) -> None:
    state = {"left": after}

    def hit(path) -> bool:
        try:
            inside = Path(os.fspath(path)).resolve().is_relative_to(folder)
        except (TypeError, ValueError, OSError):
            return False
        if not inside:
            return False
        state["left"] -= 1
        return state["left"] < 0

    def fail(path):
        code = ERRNO[kind]
        raise OSError(code, os.strerror(code), os.fspath(path))

    if kind == "vanish":
        real_link = os.link

        def link(src, dst, *args, **kwargs):
            if hit(dst):
                with vanished_log(folder.parent).open("a", encoding="utf-8") as log:
                    log.write(os.fspath(src) + "\n")
                Path(src).unlink(missing_ok=True)  # taken away by someone, right now
            return real_link(src, dst, *args, **kwargs)

        os.link = link
        return

    real_open, real_os_open = builtins.open, os.open
    wrapped = {}
    for name in ("link", "replace", "rename", "mkdir", "unlink", "rmdir"):
        original = getattr(os, name)

        def make(original=original, name=name):
            def call(*args, **kwargs):
                target = args[1] if name in ("link", "replace", "rename") else args[0]
                if hit(target):
                    fail(target)
                return original(*args, **kwargs)
            return call

        wrapped[name] = make()
    for name, function in wrapped.items():
        setattr(os, name, function)

    def opener(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, bytes, os.PathLike)) and any(m in mode for m in "wax+") \
                and hit(file):
            fail(file)
        return real_open(file, mode, *args, **kwargs)

    def os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and hit(path):
            fail(path)
        return real_os_open(path, flags, *args, **kwargs)

    builtins.open = io.open = opener
    os.open = os_open
    if folder.name == ".engine":
        from workbook_engine import store

        real_insert = store.insert_file
        message = "database or disk is full" if kind == "enospc" else \
            "attempt to write a readonly database"

        def insert_file(conn, **kwargs):
            state["left"] -= 1
            if state["left"] < 0:
                raise sqlite3.OperationalError(message)
            return real_insert(conn, **kwargs)

        store.insert_file = insert_file


def main() -> None:
    kind, folder_name, after = sys.argv[1], sys.argv[2], int(sys.argv[3])
    args = sys.argv[4:]
    root = Path(args[args.index("-w") + 1]).resolve()
    install(kind, root / folder_name, after)
    from workbook_engine.cli import run

    sys.argv = ["workbook-engine", *args]
    run()


if __name__ == "__main__":
    main()
