"""Is a folder on a network file system? (an office's shared folder or mapped network drive)

SQLite's WAL mode needs shared memory between the processes that open the store, which a
network file system does not give: two clerks (or a clerk and a backup job) could corrupt
the store. So a workspace on a network file system uses the rollback journal instead, and
every write holds the workspace lock (see workspace.Workspace.connect).

Linux: the file system type of the mount holding the folder, from /proc/self/mounts (nfs,
cifs, smb3, …), else statfs's magic number (NFS 0x6969, SMB 0x517B, CIFS 0xFF534D42,
SMB2 0xFE534D42). Windows: a UNC path (\\\\server\\share) or a drive whose type is
DRIVE_REMOTE (a mapped network drive). Elsewhere (macOS) a folder is taken as local.

    network_fstype("nfs4") → True        network_fstype("ext4") → False
    is_unc(r"\\\\fileserver\\考核") → True
"""

from __future__ import annotations

import ctypes
import ctypes.util
import ntpath
import os
import sys
from pathlib import Path

# fstype names as /proc/mounts (Linux) or statfs f_fstypename (macOS, BSD) give them
NETWORK_FSTYPES = frozenset((
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph",
    "glusterfs", "lustre", "gpfs", "davfs", "webdav", "afpfs", "fuse.sshfs", "sshfs",
    "fuse.glusterfs", "fuse.ceph", "fuse.smbnetfs", "fuse.davfs2",
))
NETWORK_MAGIC = frozenset((0x6969, 0x517B, 0xFF534D42, 0xFE534D42))  # NFS, SMB, CIFS, SMB2
DRIVE_REMOTE = 4


def network_fstype(fstype: str) -> bool:
    """True for the type name of a network file system (`nfs4`, `cifs`, `fuse.sshfs`)."""
    name = fstype.strip().lower()
    return name in NETWORK_FSTYPES or name.startswith(("nfs", "smb"))


def _unescape(field: str) -> str:
    """/proc/mounts writes a space in a mount point as \\040 (and tab, newline, backslash)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def mount_fstype(path: Path, mounts: str) -> str:
    """The type of the file system holding `path`, given the text of /proc/self/mounts:
    the mount with the longest mount point that contains the path (the last one wins)."""
    best, best_length = "", -1
    target = path.as_posix()
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _unescape(fields[1]).rstrip("/") or "/"
        inside = target == point or target.startswith(point + "/") or point == "/"
        if inside and len(point) >= best_length:
            best, best_length = fields[2], len(point)
    return best


def is_unc(path: str) -> bool:
    """A Windows UNC path: \\\\server\\share\\… or //server/share/… (not \\\\?\\C:\\…)."""
    text = path.replace("/", "\\")
    if text.startswith("\\\\?\\UNC\\"):
        return True
    return text.startswith("\\\\") and not text.startswith(("\\\\?\\", "\\\\.\\"))


def _existing(path: Path) -> Path:
    """The path, or its nearest existing parent (a workspace folder may not exist yet)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _statfs_magic(path: Path) -> int | None:
    """f_type of statfs(2) on Linux, through libc; None when it cannot be asked."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return None
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
    except OSError:
        return None
    buffer = ctypes.create_string_buffer(256)  # struct statfs; f_type is its first field
    if libc.statfs(os.fsencode(str(path)), buffer) != 0:
        return None
    return ctypes.c_long.from_buffer(buffer).value & 0xFFFFFFFF


def _windows_drive_type(root: str) -> int:
    return ctypes.windll.kernel32.GetDriveTypeW(root)  # type: ignore[attr-defined]


def on_network_fs(path: Path | str, *, platform: str | None = None, mounts: str | None = None,
                  drive_type=None) -> bool:
    """True when `path` lies on a network file system. The keyword arguments stand in for
    the machine (tests feed /proc/mounts text, a platform, a GetDriveType answer)."""
    platform = platform or sys.platform
    if platform == "win32":
        text = os.path.abspath(path) if sys.platform == "win32" else str(path)
        if is_unc(text):
            return True
        drive = ntpath.splitdrive(text)[0]
        if not drive:
            return False
        ask = drive_type or _windows_drive_type
        return ask(drive.rstrip("\\/") + "\\") == DRIVE_REMOTE
    where = _existing(Path(path)) if mounts is None else Path(path)
    if platform.startswith("linux"):
        if mounts is None:
            try:
                mounts = Path("/proc/self/mounts").read_text(encoding="utf-8", errors="replace")
            except OSError:
                mounts = ""
        fstype = mount_fstype(where, mounts)
        if fstype:
            return network_fstype(fstype)
        magic = _statfs_magic(where)
        return magic is not None and magic in NETWORK_MAGIC
    return False  # macOS and others: not detected, taken as local (WAL)
