"""Shared set-up for the benchmarks: a large bureau workspace, timing and peak memory."""

from __future__ import annotations

import datetime as dt
import io
import os
import resource
import subprocess
import sys
import tarfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from workbook_engine.roster import write_roster_template  # noqa: E402
from workbook_engine.workspace import Workspace, init_workspace  # noqa: E402


def big_workspace(root: Path, people: int, year: int = 2026) -> Workspace:
    """A workspace whose roster has `people` people: sections of 10 under leaders of 8."""
    init_workspace(root, year, sample=False)
    workspace = Workspace(root.resolve())
    rows = [("D0001", "局长甲", "局领导", "局长", dt.date(1990, 7, 1), "在岗", "否", "否")]
    sections = []
    sections_needed = max(1, (people - 1) // 11)
    leaders = max(1, sections_needed // 8)
    for index in range(leaders):
        rows.append((f"L{index:04d}", f"分管{index}", "局领导", "分管领导",
                     dt.date(1995, 1, 1), "在岗", "是", "是"))
    number = 0
    while len(rows) < people:
        section = f"股室{len(sections):04d}"
        chief = f"C{len(sections):05d}"
        sections.append((section, chief, f"L{len(sections) % leaders:04d}"))
        rows.append((chief, f"股长{len(sections)}", section, "股室长", dt.date(2005, 7, 1),
                     "在岗", "是", "是"))
        for _ in range(10):
            if len(rows) >= people:
                break
            number += 1
            rows.append((f"S{number:06d}", f"职工{number}", section, "一般干部职工",
                         dt.date(2000 + number % 25, 7, 1), "在岗", "是", "是"))
    workspace.roster_path.unlink()
    write_roster_template(workspace.roster_path, people=rows, sections=sections)
    return workspace


def load() -> str:
    """The machine's load average (1, 5, 15 min): figures on a shared machine need it."""
    return "load " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timed(results: dict, key: str):
    start = time.perf_counter()
    yield
    results[key] = time.perf_counter() - start


def code_of(revision: str, folder: Path) -> Path:
    """A folder whose `workbook_engine` is the compared code: REV's tree from git, or REV
    itself when it is a folder holding the package."""
    given = Path(revision)
    if (given / "workbook_engine").is_dir():
        return given.resolve()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "workbook_engine"],
                             check=True, capture_output=True).stdout
    target = folder / "compared"
    target.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return target


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
