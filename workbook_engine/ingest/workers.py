"""Long-lived reader processes: classify files in parallel, each held to the policy's limits.

A worker is forked once with the roster and policy, caps its own address space at what it
has plus `parse_memory_mb`, and then classifies one file at a time. The parent gives each
worker one file at a time, so when a worker dies (a native abort on a hostile file) or runs
past `parse_seconds`, the parent knows which file did it: that file is refused as
`file.too_complex`, the worker is replaced, and the run goes on.

    with ReaderPool(roster, policy) as pool:
        for index, found in pool.classify([(path, name), ...]):   # in input order
            ...
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from multiprocessing.connection import wait
from pathlib import Path

from workbook_engine.ingest.classify import Classified, classify, file_sha256
from workbook_engine.ingest.isolate import limit_process
from workbook_engine.ingest.read import read_form
from workbook_engine.issues import Issue
from workbook_engine.policy import Policy
from workbook_engine.roster import Roster

_MB = 1024 * 1024
IN_FLIGHT = 4  # tasks queued per worker: enough to hide the round trip
_ADVICE = "；如是正常表格，请删去多余的内容后「另存为」Excel 工作簿（.xlsx）再发送"


def can_fork() -> bool:
    return sys.platform == "linux"


def _serve(conn, roster: Roster, policy: Policy) -> None:
    """Worker loop: (index, path, name) in, (index, Classified) out, until None."""
    faulthandler.disable()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    limit_process(policy.limits.parse_memory_bytes, 10**9)

    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        index, path, name = task
        conn.send((index, classify(Path(path), name, roster, policy, read=read_form)))


class _Worker:
    """One reader process and the tasks it holds, oldest first (the one it is reading)."""

    def __init__(self, context, roster: Roster, policy: Policy):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, roster, policy), daemon=True)
        self.process.start()
        child.close()
        self.tasks: deque[tuple[int, str, str]] = deque()
        self.started = 0.0  # when the oldest task began (or the last result came back)

    def give(self, task: tuple[int, str, str]) -> bool:
        """Send a task; False (the task not taken) when the reader has died meanwhile."""
        try:
            self.conn.send(task)
        except OSError:  # BrokenPipeError: the reader died, on a file it was given before
            return False
        if not self.tasks:
            self.started = time.monotonic()
        self.tasks.append(task)
        return True

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


def _failed(path: Path, name: str, timed_out: bool, policy: Policy) -> Classified:
    limits = policy.limits
    if timed_out:
        reason = f"读取文件超过了 {limits.parse_seconds} 秒的时间上限"
    else:
        reason = f"读取文件时超出了 {limits.parse_memory_bytes // _MB} MB 的内存上限或意外中止"
    issue = Issue(code="file.too_complex", file=name,
                  message=f"{reason}，文件内容异常（如单元格范围极大），可能是恶意文件，已拒收" + _ADVICE)
    return Classified(sha256=file_sha256(path), size=path.stat().st_size, kind="",
                      issues=[issue])


class ReaderPool:
    """A few reader processes (forked, Linux); elsewhere files are read one child at a time."""

    def __init__(self, roster: Roster, policy: Policy, processes: int | None = None):
        self.roster = roster
        self.policy = policy
        self.size = processes or max(1, min(4, os.cpu_count() or 1))
        self.workers: list[_Worker] = []

    def __enter__(self) -> ReaderPool:
        if can_fork():
            context = multiprocessing.get_context("fork")
            self.context = context
            self.workers = [_Worker(context, self.roster, self.policy) for _ in range(self.size)]
        return self

    def __exit__(self, *exc) -> None:
        for worker in self.workers:
            worker.stop()

    def classify(self, jobs: list[tuple[Path, str]]) -> Iterator[tuple[int, Classified]]:
        """Classify every job; results are yielded in the order of `jobs`."""
        if not self.workers:
            for index, (path, name) in enumerate(jobs):
                yield index, classify(path, name, self.roster, self.policy)
            return
        done: dict[int, Classified] = {}
        pending = list(enumerate(jobs))[::-1]
        next_out = 0
        while next_out < len(jobs):
            self._feed(pending)
            self._collect(done, pending, jobs)
            while next_out in done:
                yield next_out, done.pop(next_out)
                next_out += 1

    def _feed(self, pending: list) -> None:
        for position, worker in enumerate(self.workers):
            while len(worker.tasks) < IN_FLIGHT and pending:
                index, (path, name) = pending[-1]
                if not worker.give((index, str(path), name)):
                    if not worker.tasks:  # died idle: no file to blame, start a new reader
                        worker.kill()
                        self.workers[position] = _Worker(self.context, self.roster, self.policy)
                    break  # died busy: _collect refuses its oldest file and replaces it
                pending.pop()

    def _collect(self, done: dict, pending: list, jobs: list) -> None:
        busy = [w for w in self.workers if w.tasks]
        if not busy:
            return
        timeout = self.policy.limits.parse_seconds
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=0.5)
        now = time.monotonic()
        for worker in busy:
            if worker.conn in ready:
                try:
                    while worker.tasks and worker.conn.poll():
                        got_index, found = worker.conn.recv()
                        done[got_index] = found
                        worker.tasks.popleft()
                        worker.started = time.monotonic()
                except (EOFError, OSError):
                    self._replace(worker, done, pending, jobs, timed_out=False)
            elif worker.process.sentinel in ready or not worker.process.is_alive():
                self._replace(worker, done, pending, jobs, timed_out=False)
            elif now - worker.started > timeout:
                self._replace(worker, done, pending, jobs, timed_out=True)

    def _replace(self, worker: _Worker, done: dict, pending: list, jobs: list,
                 timed_out: bool) -> None:
        """The oldest task killed or hung the worker: refuse that file, requeue the rest."""
        index = worker.tasks.popleft()[0]
        path, name = jobs[index]
        done[index] = _failed(Path(path), name, timed_out, self.policy)
        for task in reversed(worker.tasks):
            pending.append((task[0], jobs[task[0]]))
        worker.kill()
        position = self.workers.index(worker)
        self.workers[position] = _Worker(self.context, self.roster, self.policy)
