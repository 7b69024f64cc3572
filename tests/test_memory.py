"""The memory a build may use: SITEGEN_MEMORY_LIMIT, a control group's limit,
and what they decide (render workers, Pagefind runs side by side)."""

from __future__ import annotations

import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from sitegen import build as build_module
from sitegen import memory
from sitegen.build import BuildOptions, build
from sitegen.site import search
from sitegen.site.files import PARALLEL_FROM, default_workers


@pytest.mark.parametrize(("text", "size"), [
    ("8G", 8 * 2**30), ("8 GiB", 8 * 2**30), ("8gb", 8 * 2**30), ("1.5G", 3 * 2**29),
    ("512M", 512 * 2**20), ("64k", 64 * 1024), ("1000", 1000), ("2T", 2 * 2**40)])
def test_sizes_are_read_as_people_write_them(text: str, size: int) -> None:
    assert memory.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "G", "8X", "-1G", "0", "eight", "8 G B"])
def test_what_is_not_a_size_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        memory.parse_size(text)


def test_the_limit_from_the_environment_caps_what_is_available(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "1G")
    assert memory.memory_limit() == 2**30
    assert memory.limit_problem() == ""
    available = memory.available_bytes()
    held = memory.tree_rss_bytes()
    assert available is not None and held > 0
    assert available <= max(0, 2**30 - held) + 64 * 2**20  # RSS moves a little between reads


def test_a_limit_that_is_not_a_size_is_ignored_with_a_note(
        monkeypatch: pytest.MonkeyPatch, site_copy: Path, tmp_path: Path) -> None:
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "8 gigs")
    assert memory.memory_limit() == memory.cgroup_limit()
    problem = memory.limit_problem()
    assert "SITEGEN_MEMORY_LIMIT='8 gigs' is not a size" in problem and "8G" in problem
    result = build(BuildOptions(src=site_copy, out=tmp_path / "out", search=False))
    assert problem in result.notes


def test_under_a_tight_limit_pages_are_rendered_in_one_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(memory.LIMIT_VARIABLE, raising=False)
    unlimited = default_workers(PARALLEL_FROM * 10)
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "1M")  # less than this process holds
    assert default_workers(PARALLEL_FROM * 10) == 1
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "1T")  # more than the machine has
    assert default_workers(PARALLEL_FROM * 10) == unlimited


def test_under_a_tight_limit_pagefind_runs_one_at_a_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "1M")
    assert not search._fits(1000, [], {})  # run_pagefind starts the first run regardless
    monkeypatch.delenv(memory.LIMIT_VARIABLE)
    if (memory.available_bytes() or 0) > 4 * 2**30:
        assert search._fits(1000, [], {})


def _cgroup_v1_memory() -> Path | None:
    root = Path("/sys/fs/cgroup/memory")
    return root if os.access(root, os.W_OK) and (root / "cgroup.procs").exists() else None


@pytest.mark.skipif(_cgroup_v1_memory() is None, reason="no writable cgroup v1 memory controller")
def test_a_control_groups_limit_is_found(tmp_path: Path) -> None:
    """A container's or CI job's limit, where /proc/meminfo shows the host's memory:
    a real control group with a 1.5 GiB limit, a process put in it."""
    root = _cgroup_v1_memory()
    assert root is not None
    group = root / f"sitegen-test-{os.getpid()}"
    group.mkdir()
    try:
        (group / "memory.limit_in_bytes").write_text(str(3 * 2**29))
        # the child puts itself into the group, then reads the limit
        code = (f"import os; open({str(group / 'cgroup.procs')!r}, 'w').write(str(os.getpid()));"
                "from sitegen import memory;"
                "print(memory.memory_limit(), memory.available_bytes())")
        env = {name: value for name, value in os.environ.items() if name != memory.LIMIT_VARIABLE}
        env["PYTHONPATH"] = str(Path(__file__).parent.parent)
        found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               timeout=60, env=env, check=True).stdout.split()
        limit, available = int(found[0]), int(found[1])
        assert limit == 3 * 2**29
        assert 0 < available < 3 * 2**29
    finally:
        group.rmdir()


def test_when_pagefind_would_not_fit_the_archive_is_let_go_first(
        monkeypatch: pytest.MonkeyPatch, site_copy: Path, tmp_path: Path) -> None:
    """Under a limit the build already exceeds, the templates' environment (and
    its memo of rendered blocks) is let go before the build state is written,
    the state is written before the index instead of beside it, and the archive
    and everything made from it are let go before Pagefind starts; the site, its
    index and the state are those of a build with memory to spare (the next
    build after an edit is a quick one, and equals a clean build)."""
    from sitegen.state import record
    from tests.site.conftest import assert_equals_clean_build, edit

    loaded: list[weakref.ref[object]] = []
    load = build_module.load_checked

    def watched(*args: object, **kwargs: object) -> object:
        archive, diags = load(*args, **kwargs)  # type: ignore[arg-type]
        loaded.append(weakref.ref(archive))
        return archive, diags

    environments: list[weakref.ref[object]] = []
    make = build_module.make_environment

    def made(*args: object, **kwargs: object) -> object:
        env = make(*args, **kwargs)  # type: ignore[arg-type]
        environments.append(weakref.ref(env))
        return env

    held_while_writing: list[bool] = []
    write = record._write_state

    def writing(*args: object, **kwargs: object) -> None:
        held_while_writing.append(environments[-1]() is not None)
        write(*args, **kwargs)  # type: ignore[arg-type]

    phases: list[str] = []

    def hook(name: str) -> None:
        phases.append(name)
        if name == "released":
            assert loaded[-1]() is None, "the archive is still held while Pagefind runs"

    monkeypatch.setattr(build_module, "load_checked", watched)
    monkeypatch.setattr(build_module, "make_environment", made)
    monkeypatch.setattr(record, "_write_state", writing)
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "1M")
    out = tmp_path / "out"
    result = build(BuildOptions(src=site_copy, out=out, hook=hook))
    assert phases == ["loaded", "planned", "rendered", "released", "staged"]
    assert held_while_writing == [False], "the templates' memo is held while the state is written"
    assert result.search is not None and result.claims > 0 and result.rendered > 0
    assert_equals_clean_build(site_copy, out, tmp_path)
    claims = next((site_copy / "content" / "claims").glob("*.yaml"))
    edit(site_copy, f"content/claims/{claims.name}",
         "The sentence comes from", "The sentence, edited, comes from")
    again = build(BuildOptions(src=site_copy, out=out, hook=hook))
    assert again.quick
    assert_equals_clean_build(site_copy, out, tmp_path)
    monkeypatch.delenv(memory.LIMIT_VARIABLE)
    phases.clear()
    build(BuildOptions(src=site_copy, out=tmp_path / "roomy", hook=phases.append))
    if (memory.available_bytes() or 0) > 4 * 2**30:  # room for Pagefind beside it all
        assert "released" not in phases
