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
import signal
import subprocess
import sys
import time
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


def _assert_group_gone(pgid: int, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while _group(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _group(pgid)
    _kill_group(pgid)
    assert not left, f"processes left behind: {left}"


def _lines(out: str) -> list[object]:
    return [json.loads(line) for line in out.splitlines() if line.startswith(("{", "["))]


# -- the user's hang ---------------------------------------------------------------------------


def test_a_reading_worker_busy_when_the_results_are_in_does_not_hang_the_build() -> None:
    # `sitegen build` turns SIGTERM into SystemExit (cli.py), and forked workers inherited
    # that. multiprocessing.Pool's exit terminates its workers with one SIGTERM each; a
    # worker that did not die of it (the exception raised where it was, not at its queue
    # lock) then waited forever for that lock, which the terminating pool holds, and the
    # build waited forever for the worker. Here each reading worker is held up a moment
    # after sending its result (in a finalizer, where the exception is ignored), so the
    # parallel read ends while a worker is busy: with the Pool, the read never returned.
    code, out, err = _run(f"read_with_lingering_workers({str(MINI)!r})", timeout=60)
    assert code == 0, out + err
    assert out.splitlines()[-1] == "read 3 articles with 2 workers"


def test_a_generated_1200_article_build_stopped_by_sigterm_while_reading(
        tmp_path: Path) -> None:
    # above content/parallel.py's PARALLEL_FROM: the articles are read by forked workers
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
        workers = _wait_for_children(build.pid, timeout=60)
        assert workers, "the build ended before it read in parallel"
        build.send_signal(signal.SIGTERM)  # the build's process alone, not its workers
        _out, err = _finish(build, timeout=30)
    finally:
        _kill_group(build.pid)
    assert build.returncode == 128 + signal.SIGTERM, err
    _assert_group_gone(build.pid)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(tmp_path.glob(".out.sitegen-new-*"))  # no staging folder left


def _wait_for_children(pid: int, timeout: float) -> list[int]:
    """The children of `pid`, as soon as it has some (empty if it ended first)."""
    deadline = time.monotonic() + timeout
    children = Path(f"/proc/{pid}/task/{pid}/children")
    while time.monotonic() < deadline:
        try:
            found = children.read_text().split()
        except OSError:
            return []
        if found:
            return [int(child) for child in found]
        time.sleep(0.01)
    return []


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


def _lingering_read(paths: list[str]) -> dict[str, dict[object, object]]:
    assert _REAL_READ is not None
    return _Lingering(_REAL_READ(paths))


def read_with_lingering_workers(site: str) -> None:
    """content/parallel.py's read of the mini site, one article per task over two
    workers, with `sitegen build`'s SIGTERM handler installed."""
    from sitegen import cli
    from sitegen.config import load_config
    from sitegen.content import parallel
    from sitegen.content.cache import LoadCache
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
