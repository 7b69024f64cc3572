"""Diagnostics: what is wrong, where (file:line:col), and how to fix it.

Every mistake an editor can make ends up as a `Diagnostic`; code that reads
content collects them in a `Diagnostics` list instead of raising, so one run
reports every problem at once. `ContentError` carries them out of the library
when a command has to stop.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem in one file. `line` and `col` are 1-based (0 when unknown)."""

    path: str
    line: int
    col: int
    severity: Severity
    message: str
    hint: str = ""

    def format(self) -> str:
        """`path:line:col: severity: message` plus an indented hint line."""
        text = f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.message)


class Diagnostics:
    """An ordered collection of diagnostics."""

    def __init__(self, items: Iterable[Diagnostic] = ()) -> None:
        self._items: list[Diagnostic] = list(items)

    def add(self, diagnostic: Diagnostic) -> None:
        self._items.append(diagnostic)

    def error(
        self, path: str, pos: tuple[int, int] | None, message: str, hint: str = ""
    ) -> None:
        line, col = pos or (0, 0)
        self._items.append(Diagnostic(path, line, col, "error", message, hint))

    def warning(
        self, path: str, pos: tuple[int, int] | None, message: str, hint: str = ""
    ) -> None:
        line, col = pos or (0, 0)
        self._items.append(Diagnostic(path, line, col, "warning", message, hint))

    def extend(self, other: Iterable[Diagnostic]) -> None:
        self._items.extend(other)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self._items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self._items if d.severity == "warning"]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self._items, key=Diagnostic.sort_key)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class ContentError(Exception):
    """Raised when content errors stop a command; carries the diagnostics."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(diagnostics, key=Diagnostic.sort_key)
        count = sum(d.severity == "error" for d in self.diagnostics)
        super().__init__(f"{count} error(s) in the content")


def format_report(diagnostics: Iterable[Diagnostic]) -> str:
    """All diagnostics, sorted by file and line, and a final count line."""
    items = sorted(diagnostics, key=Diagnostic.sort_key)
    errors = sum(d.severity == "error" for d in items)
    warnings = len(items) - errors
    lines = [d.format() for d in items]
    lines.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n".join(lines)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean ...?' phrase for the closest choice, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    """The 1-based (line, column) of a byte offset in a file's bytes."""
    before = raw[:offset]
    return before.count(b"\n") + 1, offset - (before.rfind(b"\n") + 1) + 1
