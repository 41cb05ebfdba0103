"""A workspace on a network file system: how it is detected, and the journal mode it gets."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from workbook_engine import store
from workbook_engine import workspace as workspace_module
from workbook_engine.netfs import is_unc, mount_fstype, network_fstype, on_network_fs
from workbook_engine.workspace import Workspace, init_workspace

MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev 0 0
fileserver:/export/kaohe /mnt/kaohe nfs4 rw,relatime,vers=4.2 0 0
//nas/共享 /mnt/office\\040share cifs rw,relatime,vers=3.1.1 0 0
/dev/sdb1 /mnt/kaohe/local ext4 rw 0 0
"""


@pytest.mark.parametrize("fstype", ["nfs", "nfs4", "cifs", "smb3", "smbfs", "smb2",
                                    "fuse.sshfs", "9p", "ceph", "NFS4"])
def test_network_fstypes(fstype):
    assert network_fstype(fstype)


@pytest.mark.parametrize("fstype", ["ext4", "xfs", "btrfs", "tmpfs", "overlay", "ntfs3",
                                    "vfat", "fuse.portal", "zfs", ""])
def test_local_fstypes(fstype):
    assert not network_fstype(fstype)


@pytest.mark.parametrize(("path", "fstype"), [
    ("/home/clerk/考核", "ext4"),
    ("/mnt/kaohe", "nfs4"),
    ("/mnt/kaohe/2026/考核", "nfs4"),
    ("/mnt/kaohe/local/考核", "ext4"),  # a local disk mounted inside the share
    ("/mnt/kaohe2/考核", "ext4"),  # a prefix of the name is not the mount point
    ("/mnt/office share/考核", "cifs"),  # \040 in /proc/mounts is a space
    ("/tmp/x", "tmpfs"),
])
def test_the_mount_holding_a_path(path, fstype):
    from pathlib import Path

    assert mount_fstype(Path(path), MOUNTS) == fstype


def test_linux_detection_from_mounts():
    assert on_network_fs("/mnt/kaohe/考核", platform="linux", mounts=MOUNTS)
    assert on_network_fs("/mnt/office share", platform="linux", mounts=MOUNTS)
    assert not on_network_fs("/home/clerk/考核", platform="linux", mounts=MOUNTS)
    assert not on_network_fs("/mnt/kaohe/local/考核", platform="linux", mounts=MOUNTS)


def test_this_machines_temporary_folder_is_local(tmp_path):
    assert not on_network_fs(tmp_path)
    assert not on_network_fs(tmp_path / "not" / "made" / "yet")


@pytest.mark.parametrize(("path", "unc"), [
    (r"\\fileserver\考核\2026", True),
    ("//fileserver/考核", True),
    (r"\\?\UNC\fileserver\考核", True),
    (r"\\?\C:\考核", False),
    (r"C:\考核", False),
    ("Z:/考核", False),
])
def test_unc_paths(path, unc):
    assert is_unc(path) is unc


def test_windows_detection():
    def drive_type(root):
        return {"Z:\\": 4, "C:\\": 3, "D:\\": 5}[root]  # remote, fixed, CD-ROM

    assert on_network_fs(r"\\fileserver\考核", platform="win32", drive_type=drive_type)
    assert on_network_fs(r"Z:\考核\2026", platform="win32", drive_type=drive_type)
    assert on_network_fs("z:/考核", platform="win32", drive_type=lambda root: 4)
    assert not on_network_fs(r"C:\考核", platform="win32", drive_type=drive_type)
    assert not on_network_fs(r"D:\考核", platform="win32", drive_type=drive_type)


@pytest.fixture
def on_share(monkeypatch):
    """Workspaces made in this test count as lying on a network file system."""
    monkeypatch.setattr(workspace_module, "on_network_fs", lambda root: True)
    workspace_module._journal_of.cache_clear()
    yield
    workspace_module._journal_of.cache_clear()


def journal_mode(ws: Workspace) -> str:
    conn = sqlite3.connect(ws.store_path)
    try:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()


def test_a_local_workspace_uses_wal(tmp_path, cli):
    result = cli(None, "init", str(tmp_path / "ws"), "--year", "2026")
    ws = Workspace((tmp_path / "ws").resolve())
    assert ws.journal == store.WAL and journal_mode(ws) == "wal"
    assert f"数据库：{ws.store_path}（本地磁盘，WAL 模式）" in result.output


def test_a_workspace_on_a_share_uses_the_rollback_journal(tmp_path, cli, on_share, bureau):
    result = cli(None, "init", str(tmp_path / "ws2"), "--year", "2026")
    ws = Workspace((tmp_path / "ws2").resolve())
    assert ws.journal == store.ROLLBACK and journal_mode(ws) == "delete"
    assert "网络文件夹，回滚日志（DELETE）模式" in result.output
    assert not ws.store_path.with_name("store.sqlite3-wal").exists()
    status = cli(ws, "status")
    assert f"数据库：{ws.store_path}（网络文件夹" in status.output


def test_on_a_share_every_write_holds_the_workspace_lock(tmp_path, on_share):
    from workbook_engine.lock import WorkspaceBusy, held

    init_workspace(tmp_path / "ws", 2026)
    ws = Workspace((tmp_path / "ws").resolve())
    with ws.connect() as conn:
        assert conn.execute("SELECT count(*) FROM files").fetchone() == (0,)  # reads: no lock
        assert not held(ws.lock_path)
        with store.Transaction(conn):  # a write takes the lock for its transaction
            assert held(ws.lock_path)
            store.log_event(conn, "2026-03-09T10:00:00", "test", "", {})
        assert not held(ws.lock_path)
        holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(ws.lock_path)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            with pytest.raises(WorkspaceBusy), store.Transaction(conn):  # another one holds it
                store.log_event(conn, "2026-03-09T10:01:00", "test", "", {})
        finally:
            holder.kill()
            holder.wait()
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (1,)


HOLD_LOCK = """
import sys, time
from pathlib import Path
from workbook_engine.lock import workspace_lock
with workspace_lock(Path(sys.argv[1]), "测试"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_wal_store_moved_to_a_share_is_converted_under_the_lock(tmp_path, monkeypatch):
    init_workspace(tmp_path / "ws", 2026)
    ws = Workspace((tmp_path / "ws").resolve())
    assert journal_mode(ws) == "wal" and not store.needs_setup(ws.store_path, store.WAL)
    assert store.needs_setup(ws.store_path, store.ROLLBACK)
    monkeypatch.setattr(workspace_module, "on_network_fs", lambda root: True)
    workspace_module._journal_of.cache_clear()
    try:
        ws.connect().close()
        assert journal_mode(ws) == "delete"
        assert not store.needs_setup(ws.store_path, store.ROLLBACK)
    finally:
        workspace_module._journal_of.cache_clear()


def test_the_workspace_lock_can_be_taken_again_by_its_holder(tmp_path, on_share):
    """ingest holds the lock and then opens a store that must be set up: no self-deadlock."""
    from workbook_engine.lock import held

    init_workspace(tmp_path / "ws", 2026)
    ws = Workspace((tmp_path / "ws").resolve())
    ws.store_path.unlink()
    with ws.lock("导入"):
        with ws.lock("建立数据库"), ws.connect() as conn:  # needs setup: takes the lock again
            assert held(ws.lock_path)
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert held(ws.lock_path)
    assert not held(ws.lock_path)
