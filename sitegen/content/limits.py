"""How much one input file may hold: the bounds that keep any content, however
it was written, from exhausting a build machine's memory, time or stack.

Content arrives in pull requests from outside a newsroom, and CI runs sitegen
on it; each limit turns what would be a runaway process or a traceback into a
located error (sizes are told by stat, before a file is read). They are
generous: the largest real claims file is about 40 KB, articles about 10 KB,
and no content nests YAML deeper than 5 levels.
"""

from __future__ import annotations

from pathlib import Path

MIB = 1024 * 1024

# YAML files: site.yaml, entities, claims files, templates/ui-text.yaml.
# libyaml reads 2 MiB in about a second; a syntax error sends a file to the
# pure-Python parser for a precise message, which takes about 3 s per MiB.
MAX_YAML_BYTES = 2 * MIB

# Markdown files (articles, pages) and the seeds that `sitegen import` turns
# into articles: markdown-it-py parses 4 MiB in about a second. Their front
# matter is YAML, and may hold MAX_YAML_BYTES.
MAX_MARKDOWN_BYTES = 4 * MIB

# Levels of YAML collections inside one another (the top mapping is level 1; a
# claim's source is level 5). The parsers and yamlfile.py's composer never
# recurse, so this bounds what templates and exports walk (`extra:` data), not
# the parser's stack. No anchors and aliases at all: see yamlfile.py.
MAX_YAML_DEPTH = 50

# markdown-it-py's maxNesting: levels of block and inline markup inside one
# another. Its parser recurses per level, so the bound keeps it far from
# Python's recursion limit; sitegen reports text nested deeper than this (the
# parser would leave it out) instead of dropping it silently.
MAX_MARKDOWN_NESTING = 20


def size_text(size: int) -> str:
    """A byte count for messages, rounded up: '2 MiB', '2.1 MiB', '512 KiB'."""
    if size >= MIB:
        tenths = -(-size * 10 // MIB)
        return f"{tenths // 10} MiB" if tenths % 10 == 0 else f"{tenths / 10:.1f} MiB"
    if size >= 1024:
        return f"{-(-size // 1024)} KiB"
    return f"{size} bytes"


def oversize(path: Path, limit: int, what: str) -> str | None:
    """A message when the file at `path` holds more than `limit` bytes (told by
    its size, before anything is read), else None. `what`: 'a YAML file'."""
    size = path.stat().st_size
    if size <= limit:
        return None
    return f"the file is {size_text(size)}, more than the {size_text(limit)} {what} may hold"
