"""Files a patch writes in a thread (site/output.py `Stager.add_file_later`: the
spliced claims.json and claims.csv of a quick rebuild, copied while the search
index is made): OUT changes only once they are complete, and a failed one
leaves OUT as it was, with nothing left beside it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sitegen.site.output import Stager, patch_files, write_site
from tests.conftest import output_tree


def _site(tmp_path: Path) -> Path:
    out = tmp_path / "out"

    def produce(stager: Stager) -> None:
        stager.add("index.html", b"<p>home</p>\n")
        stager.add("claims.json", b'{"claims": [\n{"id": "a"}\n]}\n')
        stager.add("pagefind/en/index.pf_meta", b"meta")

    write_site(out, produce)
    return out


def _slow_writer(data: bytes, started: threading.Event) -> Callable[[str], None]:
    def write(target: str) -> None:
        started.set()
        time.sleep(0.5)  # still writing when the build's own work is done
        with open(target, "wb") as stream:
            stream.write(data)
    return write


def test_out_changes_once_the_files_written_in_threads_are_complete(tmp_path: Path) -> None:
    out = _site(tmp_path)
    threads = threading.active_count()
    started = threading.Event()
    seen_during_finish: list[bytes] = []

    def produce(stager: Stager) -> None:
        stager.add_file_later("claims.json", _slow_writer(b'{"claims": []}\n', started))
        stager.add("index.html", b"<p>home, edited</p>\n")

    stagers: list[Stager] = []

    def finish(stager: Stager) -> None:
        assert started.wait(5)
        seen_during_finish.append((out / "claims.json").read_bytes())
        assert stager.keep_tree("pagefind/en")
        stagers.append(stager)

    began = time.perf_counter()
    stats = patch_files(out, produce, finish)
    # the wait for the writer is told apart (a quick rebuild's search time leaves it out)
    assert 0 < stagers[0].waited <= time.perf_counter() - began
    # the build went on while the file was written; OUT was the old site meanwhile
    assert seen_during_finish == [b'{"claims": [\n{"id": "a"}\n]}\n']
    assert output_tree(out) == {
        ".sitegen-output": (out / ".sitegen-output").read_bytes(),
        "claims.json": b'{"claims": []}\n',
        "index.html": b"<p>home, edited</p>\n",
        "pagefind/en/index.pf_meta": b"meta",
    }
    assert stats.written == 2
    assert threading.active_count() == threads  # the writers' threads are gone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failed_write_in_a_thread_leaves_out_untouched(tmp_path: Path) -> None:
    out = _site(tmp_path)
    threads = threading.active_count()
    before = output_tree(out)
    started = threading.Event()

    def fail(target: str) -> None:
        Path(target).write_bytes(b"half")
        raise OSError("claims.json changed while it was being copied")

    def produce(stager: Stager) -> None:
        stager.add_file_later("claims.csv", _slow_writer(b"id\n", started))
        stager.add_file_later("claims.json", fail)
        stager.add("index.html", b"<p>home, edited</p>\n")

    with pytest.raises(OSError, match="changed while it was being copied"):
        patch_files(out, produce)
    assert started.is_set()
    assert output_tree(out) == before
    # the slow writer was waited for before the staging folder was removed
    assert threading.active_count() == threads
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_error_elsewhere_waits_for_the_writers_and_leaves_nothing(tmp_path: Path) -> None:
    out = _site(tmp_path)
    threads = threading.active_count()
    before = output_tree(out)
    started = threading.Event()

    def produce(stager: Stager) -> None:
        stager.add_file_later("claims.json", _slow_writer(b"{}\n", started))

    def finish(stager: Stager) -> None:
        raise KeyboardInterrupt  # the editor pressed Ctrl-C during the search step

    with pytest.raises(KeyboardInterrupt):
        patch_files(out, produce, finish)
    assert output_tree(out) == before
    assert threading.active_count() == threads
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
