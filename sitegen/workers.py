"""Forked worker processes: the one place sitegen forks.

`fork_map(function, tasks)` runs `function(task)` for every task in forked
worker processes and gives the results back in task order, each as soon as it
and those before it are in. The workers are forked, so they share what the
parent has loaded without copying or pickling it: the caller puts what the
function needs in a module global before the call (the tasks, too, reach the
workers by the fork; only the results are pickled).

How the workers end:

- When every result has been taken, each worker is told to exit and waited for;
  none is signalled (unless one has not exited EXIT_WAIT seconds later: it is
  then stopped as below).
- Otherwise (an exception in the parent: KeyboardInterrupt, SystemExit from
  `sitegen`'s SIGTERM handler, a task's error, the caller's own; a worker that
  died; a task that outran `timeout`), every worker gets SIGTERM, then SIGKILL
  after GRACE seconds, and is reaped before the exception propagates.

Workers run with SIGTERM at its default action, so the kernel ends them at once,
wherever they are. (A Python handler, such as the one `sitegen` installs, runs
only between bytecodes: a SIGTERM that arrived just as a worker began to wait on
multiprocessing.Pool's queue lock was acted on only when that wait ended, which,
with the pool shutting down, was never.) SIGINT is ignored in workers, so that
Ctrl-C, which the terminal sends to the whole process group, is handled once, by
the parent, which then stops the workers.

Each worker has a pipe of its own: no lock is shared, so none can be left held
by a worker that is killed. The parent holds SIGINT and SIGTERM back while it
forks and while it stops workers, so neither can leave one behind. If the parent
is killed outright, each worker exits when it finds its pipe closed (after its
current task).

From a process that runs other threads, the tasks run in the calling process, one
after the other: a forked child has only the thread that forked, and a lock that
another thread held at that moment (in malloc, logging, an import) stays locked
in the child forever. `sitegen serve` runs a watcher and HTTP threads; test
processes may run Playwright's.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe, wait
from typing import Generic, TypeVar

from sitegen import progress
from sitegen.memory import usable_cpus

T = TypeVar("T")
R = TypeVar("R")

GRACE = 1.0  # seconds between SIGTERM and SIGKILL when workers are stopped
EXIT_WAIT = 30.0  # seconds a worker may take to exit once all results are in
_HELD = {signal.SIGINT, signal.SIGTERM}
_number = 0  # in a worker, its number in its pool (1, 2, ...); 0 elsewhere


def worker_number() -> int:
    """This worker's number in its pool, from 1 (0 outside a worker): the slot
    it counts its progress into."""
    return _number


class WorkerError(RuntimeError):
    """A worker process died or did not answer in time; every worker was stopped."""


_THREAD_EXIT_WAIT = 0.05  # seconds; a joined thread leaves the OS's list within a millisecond


def can_fork() -> bool:
    """Whether fork_map may fork here: os.fork exists and no other thread runs.
    A thread that Python has already joined (a finished thread pool's) may stay in
    the OS's list of the process's threads a little longer: it is waited for, so
    that a build that hashed files on threads still reads and renders on every CPU."""
    if not hasattr(os, "fork"):
        return False
    deadline = time.monotonic() + _THREAD_EXIT_WAIT
    while _threads() > 1:
        if threading.active_count() > 1 or time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def process_alive(pid: int) -> bool:
    """Whether a process of this id exists (a leftover's owner, say)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def owner_gone(name: str, prefix: str) -> bool:
    """Whether a leftover named f"{prefix}{pid}-..." belongs to a process that no
    longer exists."""
    pid = name[len(prefix):].partition("-")[0]
    return pid.isdigit() and not process_alive(int(pid))


def _threads() -> int:
    """Threads of this process: threading's count, or the OS's where it is larger
    (threads that C libraries start are not in threading's)."""
    count = threading.active_count()
    with contextlib.suppress(OSError):
        count = max(count, len(os.listdir("/proc/self/task")))
    return count


@contextlib.contextmanager
def fork_map(function: Callable[[T], R], tasks: Iterable[T], *, workers: int | None = None,
             work: str = "", timeout: float | None = None) -> Iterator[Iterator[R]]:
    """Map `function` over `tasks` in up to `workers` forked processes (default: one
    per usable CPU, never more than there are tasks); the context gives an iterator
    of the results in task order:

        with fork_map(read_chunk, chunks, work="reading") as results:
            for tables in results:
                cache.merge(tables)

    A worker runs one task at a time; with as many tasks as workers, each worker
    runs exactly one (`fork_map(share, range(n), workers=n)`). The workers start
    when the context is entered, so the caller may do other work in this process
    before it takes the results (the parent is otherwise idle). Results must be
    picklable. A task's exception (an Exception) is raised here, with a note holding
    the worker's traceback. A worker that dies raises WorkerError, as does a task
    still running `timeout` seconds after it was handed out (default: no limit).
    `work` names the work in messages ("a reading worker process died ...").

    With fewer than two workers, or where can_fork() is False, the tasks run in
    this process, one at a time as the results are taken: `function` must then
    not rely on running in a process of its own."""
    tasks = list(tasks)
    count = min(usable_cpus() if workers is None else workers, len(tasks))
    if count < 2 or not can_fork():
        yield (function(task) for task in tasks)
        return
    pool = _Pool(function, tasks, work, timeout)
    try:
        pool.start(count)
        pool.hand_out()  # the workers start at once: the caller may work meanwhile
        yield pool.results()
        if pool.taken == len(tasks):
            pool.close()
    finally:  # an exception, or results left untaken: the workers' work is not wanted
        pool.stop()


@dataclass
class _Worker:
    pid: int
    conn: Connection
    task: int | None = None  # the index of the task it works on
    since: float = 0.0  # when it was handed that task
    status: int | None = None  # its wait status, once reaped


class _Pool(Generic[T, R]):
    """The parent's side: its workers and the tasks' progress."""

    def __init__(self, function: Callable[[T], R], tasks: Sequence[T], work: str,
                 timeout: float | None) -> None:
        self.function, self.tasks, self.timeout = function, tasks, timeout
        self.work = f"a {work} worker process" if work else "a worker process"
        self.workers: list[_Worker] = []
        self.handed = 0  # tasks handed out
        self.taken = 0  # results given to the caller

    def start(self, count: int) -> None:
        """Fork the workers (SIGINT and SIGTERM held back meanwhile: each worker
        is known here as soon as it exists)."""
        with _signals_held():
            _flush_std_streams()  # or what they hold would be written by each child too
            for _ in range(count):
                self.workers.append(self._fork())

    def _fork(self) -> _Worker:
        mine, theirs = Pipe()
        number = len(self.workers) + 1
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            code = 70  # EX_SOFTWARE: the worker's own machinery failed
            try:
                global _number
                _number = number
                mine.close()
                for other in self.workers:  # their pipes: EOF must reach them when we exit
                    other.conn.close()
                _worker_signals()
                code = _serve(theirs, self.function, self.tasks)
            except SystemExit as exc:  # a task called sys.exit()
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                traceback.print_exc()
            finally:
                _flush_std_streams()
                os._exit(code)
        theirs.close()
        return _Worker(pid, mine)

    def hand_out(self) -> None:
        """Give each idle worker its next task, keeping at most two per worker
        ahead of the results taken."""
        limit = min(len(self.tasks), self.taken + 2 * len(self.workers))
        for worker in self.workers:
            if worker.task is None and self.handed < limit:
                self._hand(worker, self.handed)
                self.handed += 1

    def results(self) -> Iterator[R]:
        done: dict[int, R] = {}
        total = len(self.tasks)
        while self.taken < total:
            self.hand_out()
            self._collect(done, block=self.taken not in done)
            if self.taken in done:
                result = done.pop(self.taken)
                self.taken += 1
                yield result

    def _hand(self, worker: _Worker, index: int) -> None:
        try:
            worker.conn.send_bytes(pickle.dumps(index))
        except OSError:
            raise self._failure(worker) from None
        worker.task, worker.since = index, time.monotonic()

    def _collect(self, done: dict[int, R], block: bool) -> None:
        """Take in every reply that is there; with `block`, wait for one (or for the
        first deadline to pass). An idle worker's pipe is ready only when it died."""
        conns = {worker.conn: worker for worker in self.workers}
        timeout = self._wait_time() if block else 0
        if block and progress.active():  # wake up to redraw the progress line
            timeout = progress.REDRAW if timeout is None else min(timeout, progress.REDRAW)
        ready = wait(list(conns), timeout=timeout)
        progress.tick()
        for conn in ready:
            worker = conns[conn]
            try:
                index, ok, value = pickle.loads(worker.conn.recv_bytes())
            except (EOFError, OSError):
                raise self._failure(worker) from None
            worker.task = None
            if not ok:
                error, text = value
                self.stop()
                error.add_note(f"raised in {self.work}:\n{text.rstrip()}")
                raise error
            done[index] = value
        now = time.monotonic()
        for worker in self.workers:
            if (worker.task is not None and self.timeout is not None
                    and now - worker.since > self.timeout):
                raise self._failure(worker, late=True)

    def _wait_time(self) -> float | None:
        """Seconds until the first running task's deadline (None: no deadline)."""
        if self.timeout is None:
            return None
        started = [worker.since for worker in self.workers if worker.task is not None]
        if not started:
            return None
        return max(0.0, min(started) + self.timeout - time.monotonic())

    def _failure(self, worker: _Worker, late: bool = False) -> WorkerError:
        """Stop every worker; the error that says what became of this one."""
        task = worker.task
        self.stop()
        which = f"task {task + 1} of {len(self.tasks)}" if task is not None else ""
        if late:
            return WorkerError(f"{self.work} did not finish {which} within "
                               f"{self.timeout:g} s; the workers were stopped")
        during = f" during {which}" if which else ""
        return WorkerError(f"{self.work} died{during} ({_cause(worker.status)})")

    def close(self) -> None:
        """The normal end: every worker is told to exit and is waited for (a worker
        that has not exited after EXIT_WAIT seconds is stopped)."""
        for worker in self.workers:
            with contextlib.suppress(OSError):
                worker.conn.send_bytes(pickle.dumps(None))
        deadline = time.monotonic() + EXIT_WAIT
        running = {worker.conn: worker for worker in self.workers}
        while running and time.monotonic() < deadline:
            for conn in wait(list(running), timeout=max(0.0, deadline - time.monotonic())):
                self._reap(running.pop(conn), block=True)
        self.stop()  # nothing left to do, unless a worker did not exit in time

    def stop(self) -> None:
        """Every worker still running gets SIGTERM, then SIGKILL after GRACE seconds;
        all are reaped. Safe to call more than once."""
        with _signals_held():
            running = [worker for worker in self.workers if worker.status is None]
            for worker in running:
                if not self._reap(worker):
                    _signal(worker.pid, signal.SIGTERM)
            deadline = time.monotonic() + GRACE
            while True:
                running = [worker for worker in running if not self._reap(worker)]
                if not running or time.monotonic() > deadline:
                    break
                time.sleep(0.005)
            for worker in running:
                _signal(worker.pid, signal.SIGKILL)
                self._reap(worker, block=True)
            for worker in self.workers:
                worker.conn.close()

    @staticmethod
    def _reap(worker: _Worker, block: bool = False) -> bool:
        """Whether the worker has exited (and is reaped)."""
        if worker.status is not None:
            return True
        try:
            pid, status = os.waitpid(worker.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:  # reaped by someone else: its status is lost
            worker.status = -1
            return True
        if pid == 0:
            return False
        worker.status = status
        return True


# -- in the worker ------------------------------------------------------------------------------


def _worker_signals() -> None:
    """Default actions for the signals the parent handles in Python, SIGINT ignored,
    then SIGINT and SIGTERM let through again (held since before the fork)."""
    for number in signal.valid_signals():
        with contextlib.suppress(OSError, ValueError):
            if callable(signal.getsignal(number)):
                signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)


def _serve(conn: Connection, function: Callable[[T], R], tasks: Sequence[T]) -> int:
    """Run the tasks the parent names until it says stop (None) or is gone."""
    while True:
        try:
            index = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return 0
        if index is None:
            return 0
        result = None
        try:
            result = function(tasks[index])
            reply = pickle.dumps((index, True, result), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # the task's error, or its result cannot be pickled
            reply = pickle.dumps((index, False, _portable(exc)), pickle.HIGHEST_PROTOCOL)
        try:
            conn.send_bytes(reply)
        except OSError:  # the parent is gone
            return 0
        del result, reply  # freed once sent, while the parent goes on


def _portable(exc: Exception) -> tuple[Exception, str]:
    """The exception as it can cross to the parent, and its traceback as text."""
    text = "".join(traceback.format_exception(exc))
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}"), text
    return exc, text


# -- helpers ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (delivered afterwards) for the block."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _signal(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, number)


def _cause(status: int | None) -> str:
    """How a worker ended, from its wait status."""
    if status is None or status < 0:
        return "cause unknown"
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return f"exit code {code}"
    number = -code
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    hint = "; the kernel sends it when memory runs out" if number == signal.SIGKILL else ""
    return f"signal {number}, {name}{hint}"


def _flush_std_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
