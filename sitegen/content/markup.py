"""Markdown → HTML: reviews and free pages compiled once per text, and the
renderer of annotated article bodies.

A review appears on two pages (its article's note and its claim page) whose
relative links differ, and an archive has tens of thousands of them; so each
text is parsed and rendered once, into an HTML template whose internal links
(`claim:`, `entity:`, `article:`, `page:`) and `[n]` citations are
placeholders that `fill()` completes per page with string substitutions.
Compiling also lists the links and citations with their lines, for the checks
in load.py. Raw HTML stays off; links with schemes other than http(s), mailto
and the internal ones lose their href (load.py reports them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it.token import Token
from markupsafe import Markup, escape

from sitegen.content.document import TOO_DEEP, make_markdown
from sitegen.slots import fast_pickling

INTERNAL_SCHEMES = ("claim", "entity", "article", "page")
SAFE_SCHEMES = ("http", "https", "mailto")
CITATION_RE = re.compile(r"\[(\d+)\]")
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_LINK_START, _LINK_END, _CITE_START, _CITE_END = "\ue000", "\ue001", "\ue002", "\ue003"
_PRIVATE = re.compile("[\ue000-\ue003]")
_LINK_SLOT = re.compile(f"{_LINK_START}([^{_LINK_END}]*){_LINK_END}")
_CITE_SLOT = re.compile(f"{_CITE_START}(\\d+){_CITE_END}")


def link_scheme(href: str) -> str:
    """The lowercase scheme of a link ('' for relative links and fragments)."""
    match = _SCHEME_RE.match(href.strip())
    return match.group(1).lower() if match else ""


@fast_pickling
@dataclass(frozen=True, slots=True)
class Compiled:
    html: str  # with link and citation placeholders
    links: tuple[tuple[int, str], ...]  # (line offset in the text, href)
    citations: tuple[tuple[int, int], ...]  # (line offset, n)
    too_deep: int | None = None  # line offset of text nested too deep to keep


def _link_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    scheme = link_scheme(href)
    attrs = dict(token.attrs)
    if scheme in INTERNAL_SCHEMES:
        attrs["href"] = f"{_LINK_START}{href}{_LINK_END}"
        attrs.setdefault("class", f"{scheme}-link")
    elif scheme and scheme not in SAFE_SCHEMES:
        attrs.pop("href", None)
    parts = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
    return f"<a{parts}>"


def _text(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    content = str(escape(tokens[idx].content))
    if "[" not in content or idx in _inside_links(tokens, env):
        return content
    return CITATION_RE.sub(lambda m: f"{_CITE_START}{m.group(1)}{_CITE_END}", content)


def _inside_links(tokens: list[Token], env: dict) -> frozenset[int]:
    """Indices of the tokens inside a link, found once per rendered token list
    (`env` lives for one render; looking back from every text token instead
    took quadratic time on texts with many '[')."""
    key = ("inside_links", id(tokens))
    if key not in env:
        inside, depth = [], 0
        for index, token in enumerate(tokens):
            if token.type == "link_open":
                depth += 1
            elif token.type == "link_close":
                depth -= 1
            elif depth > 0:
                inside.append(index)
        env[key] = (tokens, frozenset(inside))  # the list is kept: its id stays its own
    return env[key][1]


# make_markdown keeps every link, so unsafe ones can be reported; the link rule
# above drops their href.
_MD = make_markdown()
_MD.add_render_rule("link_open", _link_open)
_MD.add_render_rule("text", _text)


def render_tokens(tokens: Sequence[Token]) -> str:
    """Parsed tokens (e.g. an annotated article) → HTML with link and citation
    placeholders, for fill()."""
    return _MD.renderer.render(list(tokens), _MD.options, {})


def compile_markdown(text: str) -> Compiled:
    env: dict[str, int] = {}
    tokens = _MD.parse(_PRIVATE.sub("", text), env)
    links: list[tuple[int, str]] = []
    citations: list[tuple[int, int]] = []
    for token in tokens:
        offset = token.map[0] if token.map else 0
        depth = 0
        for child in token.children or []:
            if child.type in ("softbreak", "hardbreak"):
                offset += 1
            elif child.type == "link_open":
                depth += 1
                links.append((offset, str(child.attrGet("href") or "")))
            elif child.type == "link_close":
                depth -= 1
            elif child.type == "text" and depth == 0:
                citations += [(offset, int(m.group(1)))
                              for m in CITATION_RE.finditer(child.content)]
    return Compiled(render_tokens(tokens), tuple(links), tuple(citations), env.get(TOO_DEEP))


def fill(compiled: Compiled | str, resolve: Callable[[str], str | None],
         cite_prefix: str | None = None, sources: int = 0) -> Markup:
    """The HTML for one page: internal links made relative by `resolve`, and
    `[n]` linked to `#<cite_prefix>n` for n in 1..sources (else left as text)."""
    html = compiled.html if isinstance(compiled, Compiled) else compiled
    if _LINK_START in html:
        html = _LINK_SLOT.sub(lambda m: str(escape(resolve(m.group(1)) or "#")), html)
    if _CITE_START in html:
        def cite(match: re.Match[str]) -> str:
            n = int(match.group(1))
            if cite_prefix is None or not 1 <= n <= sources:
                return f"[{n}]"
            return f'<a class="cite" href="#{cite_prefix}{n}">[{n}]</a>'
        html = _CITE_SLOT.sub(cite, html)
    return Markup(html)
