"""One dependency record for every command: after the same edits, the record
that `serve` keeps in memory and the one `sitegen build` keeps on disk hold
the same pages, fingerprints, reads, search bundles, uses, input values and
file hashes."""

from __future__ import annotations

from pathlib import Path

from sitegen.build import BuildOptions, build
from sitegen.serve.builder import IncrementalBuilder
from sitegen.state.record import BuildState
from sitegen.state.schema import Record
from tests.site.conftest import BUDGET, edit


def _stored(site: Path, out: Path) -> tuple[Record, dict[str, str]]:
    """The record on disk, read back field by field."""
    state = BuildState.open(site, out)
    assert state is not None
    try:
        rows = state.db.execute("SELECT path, fingerprint, reads, bundle FROM pages").fetchall()
        pages = {path: (fingerprint, tuple(reads.split("\n")) if reads else (), bundle)
                 for path, fingerprint, reads, bundle in rows}
        uses = {name: set(paths.split("\n"))
                for name, paths in state.db.execute("SELECT input, paths FROM users")}
        values = dict(state.rows("inputs").items())
        files = dict(state.rows("files").items())
        record = Record(files, values, {}, uses, state.meta("diagnostics"))
        return record, {path: repr(page) for path, page in pages.items()}
    finally:
        state.close()


def test_serve_and_build_keep_the_same_record(site: Path, tmp_path: Path) -> None:
    served = IncrementalBuilder(site, tmp_path / "served", drafts=True)
    assert served.rebuild().ok
    built = tmp_path / "built"
    build(BuildOptions(src=site, out=built, drafts=True, search=False))
    for old, new in [("the rest of the town [2].", "the rest of Port Ellery [2]."),
                     ("rating: no-verdict", "rating: half-right")]:
        edit(site, BUDGET, old, new)
        assert served.rebuild({BUDGET}).ok
        build(BuildOptions(src=site, out=built, drafts=True, search=False))
    stored, pages = _stored(site, built)
    memory = served.record
    assert {path: repr((p.fingerprint, p.reads, p.bundle))
            for path, p in memory.pages.items()} == pages
    assert {name: paths for name, paths in memory.uses.items() if paths} == stored.uses
    assert dict(memory.files) == stored.files
    assert {k: v for k, v in memory.values.items() if k in stored.values} == stored.values
    assert memory.diagnostics == stored.diagnostics
    assert any(name.startswith("lookup:") for name in stored.uses)  # reads are uses too
