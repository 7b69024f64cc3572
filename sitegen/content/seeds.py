"""Raw seed text → article (the `sitegen import` command).

A seed is a plain text exactly as received: a title line (often repeated),
then paragraphs separated by blank lines, with short unpunctuated lines as
headings and some boilerplate to drop. The import keeps every paragraph
verbatim (escaping only what Markdown would otherwise interpret), so the
article's rendered text is the seed's text.
"""

from __future__ import annotations

import datetime as dt
import glob
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from sitegen.content.document import ascii_slug
from sitegen.content.limits import MAX_MARKDOWN_BYTES, oversize
from sitegen.diagnostics import Diagnostic, byte_position

HEADING_MAX = 80
_CLOSERS = "\"'»«“”„‘’‚)]"
_SENTENCE_END = re.compile(r"[.!?…:;][" + re.escape(_CLOSERS) + r"]*$")


@dataclass(frozen=True)
class ImportedSeed:
    title: str
    blocks: tuple[str, ...]  # Markdown blocks: "## heading" or a paragraph

    def markdown(self) -> str:
        return "\n\n".join(self.blocks) + "\n"


class SeedError(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def decode_seed(raw: bytes, path: str) -> str:
    """UTF-8 (with or without BOM) → text with '\\n' line ends."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = byte_position(raw, exc.start)
        raise SeedError(Diagnostic(path, line, col, "error",
                                   f"the seed is not UTF-8 text (byte 0x{raw[exc.start]:02x})",
                                   "convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8"),
                        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_seed(text: str, boilerplate: Iterable[str] = ()) -> ImportedSeed:
    """Split seed text into title, headings and paragraphs."""
    patterns = [re.compile(p) for p in boilerplate]
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line:
            if current:
                paragraphs.append(current)
                current = []
            continue
        if any(p.search(line) for p in patterns):
            continue
        current.append(line)
    if current:
        paragraphs.append(current)
    if not paragraphs:
        return ImportedSeed("", ())
    title = paragraphs[0][0]
    rest = paragraphs[0][1:]
    paragraphs = ([rest] if rest else []) + paragraphs[1:]
    if paragraphs and paragraphs[0] == [title]:
        paragraphs = paragraphs[1:]  # the duplicated title line
    blocks = []
    for lines in paragraphs:
        if len(lines) == 1 and is_heading(lines[0]):
            blocks.append("## " + escape_markdown(lines[0]))
        else:
            blocks.append("\n".join(escape_markdown(line) for line in lines))
    return ImportedSeed(title, tuple(blocks))


def is_heading(line: str) -> bool:
    """A short line that does not end like a sentence."""
    return len(line) <= HEADING_MAX and not _SENTENCE_END.search(line)


_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<~])|&(?=#?\w+;)")
_BLOCK_START = re.compile(r"^(#{1,6}(?:\s|$)|>|[-+*](?:\s|$)|\d{1,9}[.)](?:\s|$)|=+\s*$|-+\s*$)")


def escape_markdown(line: str) -> str:
    """Escape what Markdown would interpret, so the line renders as written."""
    line = _INLINE_SPECIAL.sub(lambda m: "\\" + (m.group(1) or "&"), line)
    match = _BLOCK_START.match(line)
    if match:
        head = match.group(0)
        digits = re.match(r"\d+", head)
        line = line[:digits.end()] + "\\" + line[digits.end():] if digits else "\\" + line
    return line


def front_matter(fields: dict[str, object]) -> str:
    text = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{text}---\n"


@dataclass(frozen=True)
class PreparedSeed:
    """A seed read and split, with the article it will become (nothing written yet)."""

    seed: Path
    raw: bytes
    imported: ImportedSeed
    slug: str
    display: str  # the seed's path as the editor knows it


def prepare_seed(src: Path, seed: Path, *, boilerplate: Iterable[str] = (),
                 slug: str | None = None) -> PreparedSeed:
    """Read and split one seed, and choose its slug. Raises SeedError for
    unreadable, oversized or empty seeds and invalid slugs."""
    display = _display(seed, src)
    try:
        problem = oversize(seed, MAX_MARKDOWN_BYTES, "a seed")
        raw = b"" if problem else seed.read_bytes()
    except OSError as exc:
        raise SeedError(Diagnostic(display, 0, 0, "error", f"cannot read the seed: {exc.strerror}",
                                   "check the path of the seed file")) from None
    if problem:
        raise SeedError(Diagnostic(display, 1, 1, "error", problem,
                                   "split the text into several seeds"))
    imported = parse_seed(decode_seed(raw, display), boilerplate)
    if not imported.title:
        raise SeedError(Diagnostic(display, 1, 1, "error", "the seed is empty",
                                   "a seed starts with its title line"))
    slug = slug or ascii_slug(imported.title) or ascii_slug(seed.stem)
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        raise SeedError(Diagnostic(display, 0, 0, "error", f"invalid slug {slug!r}",
                                   "a slug uses lowercase letters, digits and hyphens"))
    return PreparedSeed(seed, raw, imported, slug, display)


def import_seed(
    src: Path,
    seed: Path,
    *,
    boilerplate: Iterable[str] = (),
    slug: str | None = None,
    lang: str = "en",
    date: dt.date | None = None,
    force: bool = False,
) -> tuple[Path, Path | None]:
    """Write content/articles/<slug>.md (and an empty claims file if none).

    A seed from outside SRC/seeds/ is copied there unchanged first.

    Returns the article path and the claims path (None when one existed and
    was kept). Raises SeedError for unreadable seeds, seeds larger than
    MAX_MARKDOWN_BYTES (content/limits.py) and existing articles.
    """
    prepared = prepare_seed(src, seed, boilerplate=boilerplate, slug=slug)
    return write_article(src, prepared, lang=lang, date=date, force=force)


def write_article(src: Path, prepared: PreparedSeed, *, lang: str = "en",
                  date: dt.date | None = None, force: bool = False,
                  ) -> tuple[Path, Path | None]:
    """Write a prepared seed's article (see import_seed)."""
    seed, raw, slug = prepared.seed, prepared.raw, prepared.slug
    article_path = src / "content" / "articles" / f"{slug}.md"
    if article_path.exists() and not force:
        raise SeedError(Diagnostic(
            _display(article_path, src), 0, 0, "error", "the article already exists",
            "pass --force to overwrite it (its claims file is kept), or choose --slug"))
    meta: dict[str, object] = {"title": prepared.imported.title}
    if date:
        meta["date"] = date
    meta["lang"] = lang
    meta["seed"] = seed.name
    kept = src / "seeds" / seed.name
    if seed.resolve() != kept.resolve():
        # Seeds are kept byte for byte in seeds/, where the article points.
        if kept.exists() and kept.read_bytes() != raw:
            raise SeedError(Diagnostic(
                _display(kept, src), 0, 0, "error",
                "a different seed with this name is already in seeds/",
                "rename the new seed file before importing it"))
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_bytes(raw)
    article_path.parent.mkdir(parents=True, exist_ok=True)
    article_path.write_text(front_matter(meta) + "\n" + prepared.imported.markdown(),
                            encoding="utf-8")
    claims_path = src / "content" / "claims" / f"{slug}.yaml"
    if claims_path.exists():
        return article_path, None
    claims_path.parent.mkdir(parents=True, exist_ok=True)
    claims_path.write_text(f"article: {slug}\nclaims: []\n", encoding="utf-8")
    return article_path, claims_path


@dataclass(frozen=True)
class SeedOutcome:
    """What `import_seeds` did with one seed: the files it wrote, or why not."""

    seed: str  # as the editor named it
    article: Path | None = None
    claims: Path | None = None  # None: none written (one existed, or the seed was skipped)
    problem: Diagnostic | None = None


def expand_seeds(patterns: Iterable[str]) -> tuple[list[Path], list[Diagnostic]]:
    """Seed paths from paths and glob patterns (for shells that do not expand
    them, or quoted ones), in the order given, each file once; a pattern that
    matches no file is reported."""
    seeds: list[Path] = []
    seen: set[Path] = set()
    problems = []
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = [Path(m) for m in sorted(glob.glob(pattern)) if Path(m).is_file()]
            if not matches:
                problems.append(Diagnostic(
                    pattern, 0, 0, "error", "no seed file matches this pattern",
                    "check the folder and the pattern, e.g. 'seeds/*.txt'"))
        else:
            matches = [Path(pattern)]
        for path in matches:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                seeds.append(path)
    return seeds, problems


def import_seeds(src: Path, seeds: Iterable[Path], *, boilerplate: Iterable[str] = (),
                 slug: str | None = None, lang: str = "en", date: dt.date | None = None,
                 force: bool = False) -> list[SeedOutcome]:
    """Import each seed by the rules of import_seed; a seed that cannot be
    imported is skipped with its reason and the others still are. Two seeds of
    one run that would give the same slug: the second is skipped (with --force
    it would overwrite the first's article)."""
    boilerplate = tuple(boilerplate)
    outcomes = []
    slugs: dict[str, str] = {}  # slug → the seed of this run that took it
    for seed in seeds:
        try:
            prepared = prepare_seed(src, seed, boilerplate=boilerplate, slug=slug)
            if prepared.slug in slugs:
                raise SeedError(Diagnostic(
                    prepared.display, 1, 1, "error",
                    f"{slugs[prepared.slug]} gives the same slug {prepared.slug!r} in this import",
                    "import this seed on its own with --slug"))
            article, claims = write_article(src, prepared, lang=lang, date=date, force=force)
        except SeedError as exc:
            outcomes.append(SeedOutcome(_display(seed, src), problem=exc.diagnostic))
            continue
        slugs[prepared.slug] = prepared.display
        outcomes.append(SeedOutcome(prepared.display, article, claims))
    return outcomes


def _display(path: Path, src: Path) -> str:
    try:
        return path.resolve().relative_to(src.resolve()).as_posix()
    except ValueError:
        return str(path)

