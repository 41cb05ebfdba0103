"""File-system faults during `ingest`, run as the clerk runs it (a separate process): a full
disk, a read-only folder, a file taken away. Kept apart from test_crash.py (kills and runs at
once) so that the two run on different workers; both use crashkit.
"""

from __future__ import annotations

import shutil
import sys

import pytest
from crashkit import FAULT_FOLDERS, Material, fault_and_resume, figures

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="uses /proc")


@pytest.fixture(scope="module")
def one_month(tmp_path_factory) -> Material:
    """January's returned files (66) with the same mess: every folder still takes more than
    ten writes, so each fault below hits the run (exit 1 is asserted), at a quarter of the
    cost of the five months."""
    return Material(tmp_path_factory.mktemp("crash-one-month"), months=1)


@pytest.mark.parametrize("kind", ["enospc", "erofs", "eacces", "vanish"])
def test_file_system_faults_end_with_a_message_and_a_rerun_completes(one_month, kind):
    """A full disk, a read-only folder (EROFS, EACCES) or a file taken away, hitting each
    folder at its first write and at a later one: exit 1, a Chinese message naming the
    folder, no traceback; the run after the fault is fixed ends in the uninterrupted state.
    (scripts/crash_ingest.py tries more moments.)"""
    outcomes = {row[2] for row in one_month.reference["store"]["files"]}
    assert outcomes == {"accepted", "duplicate", "newer_version", "rejected", "mail"}
    folders = ("archive",) if kind == "vanish" else FAULT_FOLDERS
    for folder in folders:
        for after in (0,) if folder == "reports" else (0, 9):  # one write: the returns list
            workspace = one_month.copy(f"{kind}-{folder}-{after}")
            fault = fault_and_resume(workspace, one_month.source, kind, folder, after)
            assert fault.exit_code == 1 and fault.told, fault
            assert "错误：" in fault.message and "问题解决后重新运行本命令即可" in fault.message
            assert fault.rerun_code == 0, fault
            result = figures(workspace, one_month.reference, one_month.inputs)
            assert result == {"lost": 0, "double_counted": 0, "mismatched": [],
                              "temp_files": []}, (fault, result)
            shutil.rmtree(workspace.root)
