"""Shared fixtures: a fresh workspace made by `init`, the small bureau, the CLI runner.
Helpers that tests import are in helpers.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import (
    CHANGED_PEOPLE,
    CHANGED_SECTIONS,
    DUTY_CHANGES,
    PERSON_CHANGES,
    stop_office,
    write_roster,
)
from helpers import cli as run_cli
from hypothesis import settings

from workbook_engine.workspace import Workspace, init_workspace

# Property tests check what happens, not how fast: on a 2-core machine running four test
# workers (and LibreOffice) one example can take longer than Hypothesis's 200 ms deadline,
# which would fail a correct test. Their own example counts are unchanged.
settings.register_profile("engine", deadline=None)
settings.load_profile("engine")

# The files that take longest (CPU and LibreOffice), longest first. With pytest-xdist a file
# stays on one worker (--dist loadfile) and files are handed out in collection order, so
# these start first and the short files fill in around them instead of one long file
# running alone at the end. (xdist's own reordering, by number of tests, is switched off.)
SLOW_FILES = ("test_crash_faults.py", "test_crash.py", "test_demo.py", "test_prepared_forms.py",
              "test_ingest_bad.py", "test_year.py", "test_intake.py", "test_output_safety.py",
              "test_print.py", "test_fuzz.py", "test_mail_faults.py", "test_leader_grade.py",
              "test_forms.py", "test_intake_property.py")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: two workers a core (at most 8). About half of a worker's time is spent
    waiting — for LibreOffice to start, for the ingest runs the crash tests start and kill,
    for the mail servers — so one worker a core leaves the cores idle that long (2-core
    machine, load 3-5: 169-185 s with 2 workers, 134 s with 3, 124 s with 4)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(2, min(2 * (cores or 1), 8))


def pytest_configure(config) -> None:
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_sessionfinish(session) -> None:
    stop_office()  # the LibreOffice helpers.office_pipe started in this process, if any


def pytest_collection_modifyitems(items) -> None:
    rank = {name: n for n, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FILES)))  # stable: in a file, as written


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A workspace for 2026 with the sample roster that `init` writes."""
    init_workspace(tmp_path / "ws", 2026)
    return Workspace((tmp_path / "ws").resolve())


@pytest.fixture
def cli():
    """`cli(workspace, *args, code=0)`: the command line, in process (see helpers.cli)."""
    return run_cli


@pytest.fixture
def bureau(workspace: Workspace) -> Workspace:
    """The workspace with the small hand-checked roster above in place of the sample."""
    write_roster(workspace.roster_path)
    return workspace


@pytest.fixture
def changing_bureau(workspace: Workspace) -> Workspace:
    """The workspace with the bureau above and its change sheets."""
    write_roster(workspace.roster_path, CHANGED_PEOPLE, CHANGED_SECTIONS, PERSON_CHANGES,
                 DUTY_CHANGES)
    return workspace


@pytest.fixture
def dovecot(tmp_path: Path):
    """A real Dovecot IMAP server on 127.0.0.1 for one test (skipped where not installed)."""
    from mailservers import start_dovecot

    server = start_dovecot(tmp_path / "dovecot")
    yield server
    server.stop()


@pytest.fixture
def office(tmp_path: Path, dovecot):
    """A five-person bureau with addresses, their mailboxes and a STARTTLS SMTP server."""
    from mailoffice import make_office

    workspace, smtp = make_office(tmp_path / "ws", dovecot)
    yield workspace, smtp
    smtp.stop()
