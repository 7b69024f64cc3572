"""The dependency record: what the last build made each page from.

One schema for every command: `sitegen build` keeps it on disk in the build
state (state/record.py writes each field as a table), `serve` keeps the same
record in memory. The engine (rebuild.py) reads it to decide what to render
again and updates it after each rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sitegen.diagnostics import Diagnostic
from sitegen.site.pages import PagePlan


@dataclass(frozen=True)
class PageRecord:
    """What one page was last made from."""

    fingerprint: str  # site/deps.py: over its declared inputs and its reads
    reads: tuple[str, ...] = ()  # what its templates read beyond its declared inputs
    bundle: str = ""  # the search bundle that indexes it ("" if none)


@dataclass
class Record:
    """The record of one build (see the module)."""

    files: Mapping[str, str] = field(default_factory=dict)  # input file → sha256 of its bytes
    values: Mapping[str, str] = field(default_factory=dict)  # input → its value (site/deps.py)
    pages: dict[str, PageRecord] = field(default_factory=dict)  # output path → record
    uses: dict[str, set[str]] = field(default_factory=dict)  # input → pages declaring/reading it
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @classmethod
    def of(cls, plans: Iterable[PagePlan], fingerprints: Mapping[str, str],
           reads: Mapping[str, tuple[str, ...]], bundle_of: Mapping[str, str],
           files: Mapping[str, str], values: Mapping[str, str],
           diagnostics: list[Diagnostic]) -> Record:
        """The record of a build that planned these pages (`uses` left to
        `index_uses`, which a caller may run in another thread)."""
        pages = {plan.path: PageRecord(fingerprints[plan.path], reads.get(plan.path, ()),
                                       bundle_of.get(plan.path, "")) for plan in plans}
        return cls(files, values, pages, {}, diagnostics)

    def index_uses(self, plans: Iterable[PagePlan]) -> Record:
        """Fill `uses` from the pages' declared inputs and their reads."""
        for plan in plans:
            self.use(plan.path, (*plan.inputs, *self.pages[plan.path].reads))
        return self

    def use(self, path: str, inputs: Iterable[str], used: bool = True) -> None:
        """Record (or forget) that the page at `path` uses these inputs."""
        for name in inputs:
            users = self.uses.setdefault(name, set())
            if used:
                users.add(path)
            else:
                users.discard(path)

    def users(self, inputs: Iterable[str]) -> set[str]:
        """The pages that declare or read any of these inputs."""
        return set().union(*(self.uses.get(name, ()) for name in inputs))

    def fingerprints(self) -> dict[str, str]:
        return {path: page.fingerprint for path, page in self.pages.items()}
