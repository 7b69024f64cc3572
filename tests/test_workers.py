"""Forked workers (sitegen/workers.py): results in order, errors carried back, and
no worker left behind, however the work ends (done, a task's error, a dead or
silent worker, SIGTERM or Ctrl-C to the parent or to its whole group).

Forking is only safe from a process without threads, and this test process may
have Playwright's, so every scenario runs in a fresh interpreter (the functions
at the end of this file), in a session of its own: a scenario that hangs is
killed with its whole process group and fails its test instead of hanging it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MINI = REPO / "tests" / "fixtures" / "mini"
LINGER = 2.0  # seconds a reading worker is held up after sending each result


# -- running a scenario -----------------------------------------------------------------------


def _start(call: str, cwd: Path = REPO) -> subprocess.Popen[str]:
    """`python -c "from tests.test_workers import ...; call"` in a session of its own."""
    code = f"from tests.test_workers import *; {call}"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", code], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _finish(process: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """Its output once it ends; if it does not end in time, its group is killed and
    the test fails."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        out, err = process.communicate()
        pytest.fail(f"did not finish within {timeout} s (hung); stdout:\n{out}\nstderr:\n{err}")


def _run(call: str, timeout: float = 60) -> tuple[int, str, str]:
    process = _start(call)
    out, err = _finish(process, timeout)
    return process.returncode, out, err


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def _group(pgid: int) -> list[int]:
    """The processes of a process group still there (zombies included)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:  # state, ppid, pgrp
            found.append(int(entry.name))
    return found


def _assert_group_gone(pgid: int) -> None:
    """Once the group's first process has exited, nothing is left of its group: its
    workers were reaped before it exited (not left to exit on their own later)."""
    left = _group(pgid)
    _kill_group(pgid)
    assert not left, f"processes left behind: {left}"


def _lines(out: str) -> list[object]:
    return [json.loads(line) for line in out.splitlines() if line.startswith(("{", "["))]


# -- the user's hang ---------------------------------------------------------------------------


def test_a_reading_worker_busy_when_the_results_are_in_does_not_hang_the_build() -> None:
    # `sitegen build` turns SIGTERM into SystemExit (cli.py), and forked workers inherited
    # that handler. multiprocessing.Pool's exit terminates its workers with one SIGTERM
    # each; a worker that did not die of it then waited forever for the pool's queue lock,
    # which the terminating pool holds, and the build waited forever for the worker. In
    # the wild the SIGTERM was lost by landing in the microseconds before the worker
    # blocked on that lock (the handler runs between bytecodes); here it is lost every
    # time: each reading worker is held up after sending its result, in a finalizer,
    # where the handler's SystemExit is ignored. With the Pool, the read never returned.
    code, out, err = _run(f"read_with_lingering_workers({str(MINI)!r})", timeout=60)
    assert code == 0, out + err
    assert out.splitlines()[-1] == "read 3 articles with 2 workers"


@pytest.mark.parametrize("stopped", ["build", "worker"])
def test_a_1200_article_build_stopped_while_reading_leaves_no_process_and_the_output(
        tmp_path: Path, stopped: str) -> None:
    # a generated archive above content/parallel.py's PARALLEL_FROM: the articles are read
    # by forked workers; SIGTERM to the build (its process alone), or SIGKILL to a worker
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from gen_archive import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    src, out = tmp_path / "src", tmp_path / "out"
    generate(src, 1200, seed=1)
    out.mkdir()
    (out / ".sitegen-output").write_text("This folder is written by sitegen build; its "
                                         "contents are replaced on each build.\n")
    (out / "index.html").write_text("the previous build\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    build = subprocess.Popen([sys.executable, "-m", "sitegen", "build", "-s", str(src),
                              "-o", str(out)], env=env, text=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
    try:
        started = time.monotonic()
        workers = _wait_for_children(build.pid, timeout=60)
        if not workers:
            _kill_group(build.pid)
            out_text, err = build.communicate()
            pytest.fail(f"no reading workers seen in {time.monotonic() - started:.1f} s; "
                        f"exit {build.returncode}\n{out_text}\n{err}")
        if stopped == "build":
            build.send_signal(signal.SIGTERM)
        else:
            os.kill(workers[0], signal.SIGKILL)
        _out, err = _finish(build, timeout=30)
    finally:
        _kill_group(build.pid)
    if stopped == "build":
        assert build.returncode == 128 + signal.SIGTERM, err
    else:
        assert build.returncode == 1, err
        message, stop = err.splitlines()[-2:]
        # "during task N of M" when the worker was killed in a task; a loaded machine
        # can also catch it between two tasks
        assert re.fullmatch(r"sitegen: error: a reading worker process died"
                            r"( during task \d+ of \d+)? \(signal 9, SIGKILL; "
                            r"the kernel sends it when memory runs out\)", message), message
        assert stop == "build stopped: nothing was written, the previous output is unchanged"
    _assert_group_gone(build.pid)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(tmp_path.glob(".out.sitegen-new-*"))  # no staging folder left


def _wait_for_children(pid: int, timeout: float, count: int = 1) -> list[int]:
    """The children of `pid`, as soon as it has `count` (empty if it ended first)."""
    deadline = time.monotonic() + timeout
    children = Path(f"/proc/{pid}/task/{pid}/children")
    while time.monotonic() < deadline:
        try:
            found = children.read_text().split()
        except OSError:
            return []
        if len(found) >= count:
            return [int(child) for child in found]
        time.sleep(0.01)
    return []


# -- sitegen/workers.py ------------------------------------------------------------------------


def test_results_come_in_task_order_from_forked_workers_that_then_exit() -> None:
    code, out, err = _run("ordered_results()")
    assert code == 0, out + err
    report = _lines(out)[-1]
    assert report["results"] == [i * i for i in range(12)]
    assert report["parent"] not in report["pids"] and len(set(report["pids"])) == 2
    # one task per worker: each worker runs exactly one
    assert len(set(report["shares"])) == 2 and report["parent"] not in report["shares"]
    # the first result was there while the second task still ran
    assert report["first_before_second_done"]
    # the workers ran their tasks before the caller took a result
    assert report["started_before_taken"]
    # workers: SIGTERM at its default action, SIGINT ignored (the parent has sitegen's)
    assert report["worker_signals"] == [int(signal.SIG_DFL), int(signal.SIG_IGN)]
    assert report["signals_sent"] == []  # a normal end: told to exit, never signalled
    assert report["children"] == []


def test_an_exception_in_a_task_is_raised_in_the_parent_with_the_workers_stopped() -> None:
    code, out, err = _run("failing_task()")
    assert code == 0, out + err
    report = _lines(out)[-1]
    assert report["error"] == "ValueError: task 5 is bad"
    assert "raised in a testing worker process" in report["notes"]
    assert "in _bad_task" in report["notes"]  # the worker's traceback
    assert report["unpicklable"].startswith(("AttributeError: ", "PicklingError: "))
    assert "pickle" in report["unpicklable"]
    assert report["children"] == []


@pytest.mark.parametrize(("how", "cause"), [
    ("kill", "signal 9, SIGKILL; the kernel sends it when memory runs out"),
    ("segfault", "signal 11, SIGSEGV"),
    ("exit", "exit code 3"),
])
def test_a_worker_that_dies_fails_the_call_and_leaves_no_process(how: str, cause: str) -> None:
    code, out, err = _run(f"dying_worker({how!r})", timeout=30)
    assert code == 0, out + err
    report = _lines(out)[-1]
    assert report["error"] == f"a testing worker process died during task 4 of 8 ({cause})"
    assert report["children"] == []


def test_a_silent_worker_is_killed_after_the_timeout_even_if_it_holds_sigterm_back() -> None:
    code, out, err = _run("silent_worker()", timeout=30)
    assert code == 0, out + err
    report = _lines(out)[-1]
    assert report["error"] == ("a testing worker process did not finish task 3 of 4 within "
                               "1 s; the workers were stopped")
    assert report["seconds"] < 10  # 1 s, then SIGTERM, SIGKILL after GRACE (1 s)
    assert report["children"] == []


@pytest.mark.parametrize(("signum", "target"), [
    (signal.SIGTERM, "parent"), (signal.SIGTERM, "group"),
    (signal.SIGINT, "parent"), (signal.SIGINT, "group"),
])
def test_sigterm_or_ctrl_c_during_a_run_stops_the_parent_and_every_worker(
        signum: int, target: str) -> None:
    process = _start("interrupted_run()")
    try:
        workers = _wait_for_children(process.pid, timeout=30, count=2)
        assert len(workers) == 2, "the workers did not start"
        time.sleep(0.2)  # they are at work
        if target == "group":  # as the terminal sends Ctrl-C, or `kill -TERM -PGID`
            os.killpg(process.pid, signum)
        else:
            os.kill(process.pid, signum)
        out, err = _finish(process, timeout=20)
    finally:
        _kill_group(process.pid)
    if signum == signal.SIGINT:  # KeyboardInterrupt: Python ends by SIGINT
        assert process.returncode == -signal.SIGINT, err
    elif target == "parent":  # sitegen's handler: SystemExit(143)
        assert process.returncode == 128 + signal.SIGTERM, err
    else:  # the workers died at once; the parent saw that or its own SIGTERM first
        assert process.returncode in (128 + signal.SIGTERM, 1), err
    assert _lines(out)[-1]["children"] == []  # none left, not even a zombie
    _assert_group_gone(process.pid)


def test_a_process_with_threads_runs_the_tasks_itself() -> None:
    code, out, err = _run("threaded_run()")
    assert code == 0, out + err
    report = _lines(out)[-1]
    assert report["can_fork"] is False
    assert report["results"] == [[i, report["parent"]] for i in range(4)]


def test_a_finished_thread_pool_does_not_stop_forking() -> None:
    """A quick build hashes a fresh checkout's files on threads and may then turn
    into a full build, which forks its readers and renderers: the pool's threads,
    joined, must not count (they leave the OS's list a moment after the join)."""
    code, out, err = _run("after_a_thread_pool()")
    assert code == 0, out + err
    assert _lines(out)[-1] == {"can_fork": [True] * 50}


# -- scenarios, each run in a fresh interpreter ----------------------------------------------

_PARENT = 0
_REAL_READ = None


class _Lingering(dict):  # type: ignore[type-arg]
    """A reading worker's tables, sent to the parent as a plain dict; freed in the
    worker after they were sent, they hold the worker up for LINGER seconds."""

    def __reduce__(self) -> tuple[object, ...]:
        return (dict, (dict(self),))

    def __del__(self) -> None:
        if os.getpid() != _PARENT:
            time.sleep(LINGER)


def _lingering_read(paths: list[str]) -> tuple[dict[str, dict[object, object]], object]:
    assert _REAL_READ is not None
    tables, part = _REAL_READ(paths)
    return _Lingering(tables), part


def read_with_lingering_workers(site: str) -> None:
    """content/parallel.py's read of the mini site, one article per task over two
    workers, with `sitegen build`'s SIGTERM handler installed."""
    from sitegen import cli
    from sitegen.content import parallel
    from sitegen.content.cache import LoadCache
    from sitegen.content.config import load_config
    from sitegen.diagnostics import Diagnostics

    global _PARENT, _REAL_READ
    _PARENT = os.getpid()
    signal.signal(signal.SIGTERM, cli._terminate)
    parallel.PARALLEL_FROM = 1
    parallel.CHUNK = 1
    _REAL_READ = parallel._read_chunk
    parallel._read_chunk = _lingering_read
    config = load_config(Path(site), Diagnostics())
    assert config is not None
    cache = LoadCache(keep_anchorers=False)
    used = parallel.read_in_parallel(Path(site), config, cache, workers=2)
    print(f"read {len(cache.documents)} articles with {used} workers", flush=True)


def _children() -> list[int]:
    """This process's children, zombies included."""
    return [int(child) for task in Path("/proc/self/task").iterdir()
            for child in (task / "children").read_text().split()]


def _report(**values: object) -> None:
    print(json.dumps(values), flush=True)


def _square_slowly(i: int) -> tuple[int, int]:
    time.sleep(0.01 * (12 - i))  # later tasks are quicker: replies come out of order
    return i * i, os.getpid()


_MARK = Path(tempfile.gettempdir()) / f"sitegen-test-workers-{os.getpid()}"


def _first_two(i: int) -> int:
    if i == 1:
        time.sleep(1.0)
        _MARK.write_text("the second task is done")
    return i


def ordered_results() -> None:
    from sitegen import cli
    from sitegen.workers import fork_map

    signal.signal(signal.SIGTERM, cli._terminate)  # as `sitegen build` does
    sent: list[tuple[int, int]] = []
    kill = os.kill
    os.kill = lambda pid, number: (sent.append((pid, number)), kill(pid, number))[1]
    with fork_map(_square_slowly, range(12), workers=2, work="testing") as results:
        squares = list(results)
    with fork_map(lambda i: os.getpid(), range(2), workers=2) as results:
        shares = list(results)
    with fork_map(_first_two, range(2), workers=2) as results:
        next(results)
        first_before_second_done = not _MARK.exists()
        list(results)
    _MARK.unlink()
    with fork_map(_mark_started, range(2), workers=2) as results:
        # the workers start when the context is entered: the caller may work meanwhile
        started_before_taken = _wait_for(lambda: len(list(_STARTED.glob("*"))) == 2, 20.0)
        list(results)
    shutil.rmtree(_STARTED, ignore_errors=True)
    with fork_map(lambda i: [int(signal.getsignal(s)) for s in (signal.SIGTERM, signal.SIGINT)],
                  range(2), workers=2) as results:
        worker_signals = next(results)
        list(results)
    _report(results=[r for r, _ in squares], pids=[p for _, p in squares], shares=shares,
            parent=os.getpid(), first_before_second_done=first_before_second_done,
            worker_signals=worker_signals, signals_sent=sent, children=_children(),
            started_before_taken=started_before_taken)


_STARTED = Path(tempfile.gettempdir()) / f"sitegen-test-started-{os.getpid()}"


def _mark_started(i: int) -> int:
    _STARTED.mkdir(exist_ok=True)
    (_STARTED / str(i)).touch()
    return i


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def _bad_task(i: int) -> int:
    if i == 5:
        raise ValueError(f"task {i} is bad")
    time.sleep(0.05)
    return i


def failing_task() -> None:
    from sitegen.workers import fork_map

    try:
        with fork_map(_bad_task, range(10), workers=2, work="testing") as results:
            list(results)
    except ValueError as exc:
        error, notes = f"ValueError: {exc}", "\n".join(exc.__notes__)
    try:  # a result that cannot be pickled
        with fork_map(lambda i: lambda: i, range(4), workers=2) as results:
            list(results)
    except Exception as exc:
        unpicklable = f"{type(exc).__name__}: {exc}"
    _report(error=error, notes=notes, unpicklable=unpicklable, children=_children())


def _dying_task(how: str, i: int) -> int:
    if i == 3:
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif how == "segfault":
            os.kill(os.getpid(), signal.SIGSEGV)
        else:
            os._exit(3)
    time.sleep(0.05)
    return i


def dying_worker(how: str) -> None:
    import functools
    import resource

    from sitegen.workers import WorkerError, fork_map

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file from the segfault
    try:
        with fork_map(functools.partial(_dying_task, how), range(8), workers=2,
                      work="testing") as results:
            list(results)
    except WorkerError as exc:
        _report(error=str(exc), children=_children())


def _silent_task(i: int) -> int:
    if i == 2:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # deaf to SIGTERM
        time.sleep(60)
    return i


def silent_worker() -> None:
    from sitegen.workers import WorkerError, fork_map

    started = time.monotonic()
    try:
        with fork_map(_silent_task, range(4), workers=2, work="testing",
                      timeout=1) as results:
            list(results)
    except WorkerError as exc:
        _report(error=str(exc), seconds=time.monotonic() - started, children=_children())


def interrupted_run() -> None:
    """Workers busy for a minute; the test signals this process meanwhile."""
    from sitegen import cli
    from sitegen.workers import fork_map

    signal.signal(signal.SIGTERM, cli._terminate)  # as `sitegen build` does
    try:
        with fork_map(time.sleep, [60] * 4, workers=2, work="testing") as results:
            list(results)
    finally:
        _report(children=_children())


def after_a_thread_pool() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from sitegen.workers import can_fork

    answers = []
    for _ in range(50):
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(sum, [[1, 2]] * 64))
        answers.append(can_fork())
    _report(can_fork=answers)


def threaded_run() -> None:
    import threading

    from sitegen.workers import can_fork, fork_map

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with fork_map(lambda i: (i, os.getpid()), range(4), workers=2) as results:
            _report(can_fork=can_fork(), results=list(results), parent=os.getpid())
    finally:
        stop.set()
        thread.join()
