"""Long-lived reader processes: classify files in parallel, each held to the policy's limits.

A worker is started once with the roster and policy (forked on Linux, spawned on Windows and
macOS, see isolate.start_method), caps its own address space at what it has plus
`parse_memory_mb` where the platform allows (resource), and then classifies one file at a
time; the wall-clock limit `parse_seconds` is kept by the parent on every platform. The parent gives each
worker one file at a time, so when a worker dies (a native abort on a hostile file) or runs
past `parse_seconds`, the parent knows which file did it: that file is refused as
`file.too_complex`, the worker is replaced, and the run goes on.

    with ReaderPool(roster, policy) as pool:
        for index, found in pool.classify([(path, name), ...]):   # in input order
            ...
"""

from __future__ import annotations

import faulthandler
import gc
import multiprocessing
import multiprocessing.connection
import os
import pickle
import selectors
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from workbook_engine.ingest.classify import Classified, classify, file_sha256
from workbook_engine.ingest.isolate import (
    TOO_COMPLEX,
    limit_process,
    start_child,
    start_method,
    too_complex_message,
)
from workbook_engine.ingest.read import read_form
from workbook_engine.issues import Issue
from workbook_engine.periods import schedule_in_use, use_schedule
from workbook_engine.policy import Policy
from workbook_engine.roster import Roster

IN_FLIGHT = 4  # tasks queued per worker: enough to hide the round trip
FILES_PER_READER = 25  # a batch this small is read by one reader: starting another costs more
# A spawned reader starts a fresh interpreter and imports the reader's modules: ≈ 0.2 s CPU,
# the time a reader takes for about 150 forms, so below that one reader reads them sooner
FILES_PER_SPAWNED_READER = 150
READY = "ready"  # a reader's first message: it is started and limited, files may come
START_SECONDS = 120  # a reader not ready by then (or dying before) means readers cannot start
START_FAILURES = 3
# The Windows way of waiting for the readers, on any platform when set to 1 (the tests and CI's
# spawn pass take it on Linux): see `_fd_pipes`
PORTABLE_WAIT_VAR = "WORKBOOK_ENGINE_PORTABLE_WAIT"
_SIZE = struct.Struct("!i")  # multiprocessing.Connection's message header (-1: "!Q" follows)
_LONG_SIZE = struct.Struct("!Q")


class ReaderStartError(RuntimeError):
    """Reader processes cannot be started on this machine (an internal error, logged)."""


def _fd_pipes() -> bool:
    """Whether the readers' pipes and ends are file descriptors (POSIX): then the parent
    watches them with one selector and reads and writes the pipes itself. On Windows they
    are handles, which select() does not take: there the parent waits with
    `multiprocessing.connection.wait` and talks through `Connection.send`/`recv`."""
    return sys.platform != "win32" and os.environ.get(PORTABLE_WAIT_VAR, "").strip() != "1"


def _serve(conn, roster: Roster, policy: Policy, read, schedule: dict) -> None:
    """Worker loop: (index, path, name) in, (index, Classified) out, until None. `schedule`:
    the parent's holiday schedule (a spawned reader starts without it; months are checked
    against the people in post on their working days)."""
    use_schedule(schedule)
    _end_with_parent()
    faulthandler.disable()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    limit_process(policy.limits.parse_memory_bytes, 10**9)
    # modules, roster and policy live as long as the reader: out of the collector's passes
    # (a forked reader has them frozen by the parent already, a spawned one made them anew)
    gc.freeze()
    conn.send(READY)  # started (a spawned reader imports first): the clock may start now
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        index, path, name = task
        # what conn.send would send (ForkingPickler pickles these plain objects to the same
        # bytes), without building a ForkingPickler and its dispatch table for every file
        conn.send_bytes(pickle.dumps((index, classify(Path(path), name, roster, policy,
                                                      read=read))))


def _end_with_parent() -> None:
    """End this reader as soon as the process that started it ends, even in the middle of a
    file: a spawned reader is not killed with it (on Linux a forked one is, lock.py), and a
    hostile file can keep a reader busy far longer than the run that gave it."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the parent's sentinel says it has ended
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


class _Worker:
    """One reader process and the tasks it holds, oldest first (the one it is reading).

    Where the pipe is a file descriptor (`fds`, `_fd_pipes`) the parent speaks
    `multiprocessing.Connection`'s format on it itself (the reader uses `Connection.recv` and
    `send`): a task is one write, and one read takes every message the reader has sent so
    far (`received`); elsewhere through the `Connection`."""

    def __init__(self, context, roster: Roster, policy: Policy, read, fds: bool = True):
        self.conn, child = context.Pipe()
        args = (child, roster, policy, read, schedule_in_use())
        self.process = context.Process(target=_serve, args=args, daemon=True)
        start_child(self.process, context)
        child.close()
        self.fd = self.conn.fileno() if fds else -1
        self.tasks: deque[tuple[int, str, str]] = deque()
        self.ready = False  # said READY: files are given to it only then
        self.born = time.monotonic()
        self.started = 0.0  # when the oldest task began (or the last result came back)
        self.watched = False  # its pipe and sentinel are watched by the pool (`ReaderPool._wait`)
        self.unread = b""  # the start of a message not yet whole

    def give(self, task: tuple[int, str, str]) -> bool:
        """Send a task; False (the task not taken) when the reader has died meanwhile."""
        try:
            if self.fd >= 0:
                _write_all(self.fd, _message(pickle.dumps(task)))
            else:
                self.conn.send(task)
        except OSError:  # BrokenPipeError: the reader died, on a file it was given before
            return False
        if not self.tasks:
            self.started = time.monotonic()
        self.tasks.append(task)
        return True

    def received(self) -> list:
        """The messages the reader has sent whole (the pipe said it can be read: one read
        takes what is there). EOFError when the reader has ended."""
        if self.fd < 0:
            messages = [self.conn.recv()]
            while self.conn.poll():
                messages.append(self.conn.recv())
            return messages
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            raise EOFError
        data = self.unread + chunk if self.unread else chunk
        messages, start, end = [], 0, len(data)
        while end - start >= 4:
            size, head = _SIZE.unpack_from(data, start)[0], 4
            if size == -1:
                if end - start < 12:
                    break
                size, head = _LONG_SIZE.unpack_from(data, start + 4)[0], 12
            if end - start - head < size:
                break
            messages.append(pickle.loads(memoryview(data)[start + head:start + head + size]))
            start += head + size
        self.unread = data[start:]
        return messages

    def end(self) -> None:
        """Wait for a reader asked to stop (`ask_to_stop`) to end; killed after 2 s."""
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()

    def ask_to_stop(self) -> None:
        """Tell the reader there is nothing more (`end` waits for it to end)."""
        try:
            self.conn.send(None)
        except OSError:
            pass

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


def _message(payload: bytes) -> bytes:
    """`payload` as `Connection.send_bytes` frames it."""
    if len(payload) > 0x7FFFFFFF:
        return _SIZE.pack(-1) + _LONG_SIZE.pack(len(payload)) + payload
    return _SIZE.pack(len(payload)) + payload


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _failed(path: Path, name: str, timed_out: bool, policy: Policy) -> Classified:
    issue = Issue(code=TOO_COMPLEX, file=name,
                  message=too_complex_message(policy.limits, timed_out))
    return Classified(sha256=file_sha256(path), size=path.stat().st_size, kind="",
                      issues=[issue])


class ReaderPool:
    """A few long-lived reader processes (fork or spawn); results in input order."""

    def __init__(self, roster: Roster, policy: Policy, processes: int | None = None):
        self.roster = roster
        self.policy = policy
        self.size = processes or max(1, min(4, os.cpu_count() or 1))
        self.read = read_form  # the parser the readers run (a spawned reader gets it by name)
        self.workers: list[_Worker] = []
        self.start_failures = 0

    def __enter__(self) -> ReaderPool:
        self.context = multiprocessing.get_context(start_method())
        # one selector for the run (multiprocessing's wait() builds one per call): a
        # reader's pipe wakes the parent for a result, its sentinel when it ends
        self.selector = selectors.DefaultSelector() if _fd_pipes() else None
        return self

    def start(self, files: int) -> None:
        """Start the readers a run of `files` files needs (none for none, at most `size`):
        a spawned reader costs an interpreter start, so ten files do not start four."""
        per_reader = (FILES_PER_READER if self.context.get_start_method() == "fork"
                      else FILES_PER_SPAWNED_READER)
        wanted = min(self.size, -(-files // per_reader))
        while len(self.workers) < wanted:
            self.workers.append(self._new_worker())

    def _new_worker(self) -> _Worker:
        worker = _Worker(self.context, self.roster, self.policy, self.read,
                         fds=self.selector is not None)
        if self.selector is not None:
            self.selector.register(worker.conn, selectors.EVENT_READ, worker)
            self.selector.register(worker.process.sentinel, selectors.EVENT_READ, worker)
        worker.watched = True
        return worker

    def _forget(self, worker: _Worker) -> None:
        """Stop watching a reader (before it is killed or replaced)."""
        worker.watched = False
        if self.selector is None:
            return
        for watched in (worker.conn, worker.process.sentinel):
            try:
                self.selector.unregister(watched)
            except (KeyError, ValueError):
                pass  # already forgotten

    def __exit__(self, *exc) -> None:
        for worker in self.workers:  # all told first: they end at the same time
            self._forget(worker)
            worker.ask_to_stop()
        for worker in self.workers:
            worker.end()
        if self.selector is not None:
            self.selector.close()

    def classify(self, jobs: list[tuple[Path | str, str]]) -> Iterator[tuple[int, Classified]]:
        """Classify every job; results are yielded in the order of `jobs`. Once the last
        result is in, the readers are told to stop (they end while the caller records)."""
        self.start(len(jobs))
        done: dict[int, Classified] = {}
        pending = list(enumerate(jobs))[::-1]
        next_out = 0
        while next_out < len(jobs):
            self._feed(pending)
            self._collect(done, pending, jobs)
            if not pending and not any(worker.tasks for worker in self.workers):
                for worker in self.workers:  # all read: nothing more will be given
                    worker.ask_to_stop()
            while next_out in done:
                yield next_out, done.pop(next_out)
                next_out += 1

    def _feed(self, pending: list) -> None:
        for position, worker in enumerate(self.workers):
            while worker.ready and len(worker.tasks) < IN_FLIGHT and pending:
                index, (path, name) = pending[-1]
                if not worker.give((index, str(path), name)):
                    if not worker.tasks:  # died idle: no file to blame, start a new reader
                        self._forget(worker)
                        worker.kill()
                        self.workers[position] = self._new_worker()
                    break  # died busy: _collect refuses its oldest file and replaces it
                pending.pop()

    def _collect(self, done: dict, pending: list, jobs: list) -> None:
        watched = [w for w in self.workers if w.tasks or not w.ready]
        if not watched:
            return
        timeout = self.policy.limits.parse_seconds
        ready, woke = self._wait(0.5)
        for worker in woke:
            if worker not in watched:  # an idle reader ended: _feed replaces it when it
                self._forget(worker)   # gives it a file; until then it must not wake us
        now = time.monotonic()
        for worker in watched:
            if worker.conn in ready:
                try:
                    messages = worker.received()
                except (EOFError, OSError):
                    self._lost(worker, done, pending, jobs, timed_out=False)
                    continue
                if messages:
                    worker.started = time.monotonic()
                for message in messages:
                    if message == READY:
                        worker.ready = True
                    else:
                        got_index, found = message
                        done[got_index] = found
                        worker.tasks.popleft()
            # a watched reader's end shows as its sentinel (`ready`); one no longer watched
            # (it ended idle, then was given a file) is asked
            elif worker.process.sentinel in ready or (
                    not worker.watched and not worker.process.is_alive()):
                self._lost(worker, done, pending, jobs, timed_out=False)
            elif worker.ready and now - worker.started > timeout:
                self._lost(worker, done, pending, jobs, timed_out=True)
            elif not worker.ready and now - worker.born > START_SECONDS:
                self._lost(worker, done, pending, jobs, timed_out=True)

    def _wait(self, timeout: float) -> tuple[set, list[_Worker]]:
        """Wait until a watched reader's pipe can be read or the reader has ended (at most
        `timeout` seconds): the pipes and sentinels that woke us, and their readers."""
        if self.selector is not None:
            events = self.selector.select(timeout=timeout)
            return {key.fileobj for key, _ in events}, [key.data for key, _ in events]
        owners = {}
        for worker in self.workers:
            if worker.watched:
                owners[worker.conn] = owners[worker.process.sentinel] = worker
        ready = multiprocessing.connection.wait(list(owners), timeout=timeout)
        return set(ready), [owners[thing] for thing in ready]

    def _lost(self, worker: _Worker, done: dict, pending: list, jobs: list,
              timed_out: bool) -> None:
        """A reader died or hung: blame its oldest file, or (still starting) its start."""
        if worker.ready:
            self._replace(worker, done, pending, jobs, timed_out)
            return
        self.start_failures += 1
        if self.start_failures >= START_FAILURES:
            raise ReaderStartError(f"reader processes ({self.context.get_start_method()})"
                                   " could not be started")
        self._forget(worker)
        worker.kill()
        self.workers[self.workers.index(worker)] = self._new_worker()

    def _replace(self, worker: _Worker, done: dict, pending: list, jobs: list,
                 timed_out: bool) -> None:
        """The oldest task killed or hung the worker: refuse that file, requeue the rest."""
        index = worker.tasks.popleft()[0]
        path, name = jobs[index]
        done[index] = _failed(Path(path), name, timed_out, self.policy)
        for task in reversed(worker.tasks):
            pending.append((task[0], jobs[task[0]]))
        self._forget(worker)
        worker.kill()
        position = self.workers.index(worker)
        self.workers[position] = self._new_worker()
