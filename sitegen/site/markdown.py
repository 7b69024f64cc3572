"""Markdown in reviews and pages → HTML, with sitegen's two additions:

- `claim:ID`, `entity:ID`, `article:SLUG` and `page:SLUG` links become relative
  links to those pages (load.py has already reported unknown ids);
- `[n]` in the text becomes a link to source n of the claim being rendered.

Both depend on the page being rendered, so they are passed in `env` and the
parsed tokens themselves stay untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it.token import Token
from markupsafe import Markup, escape

from sitegen.content.document import make_markdown
from sitegen.content.load import CITATION_RE, INTERNAL_SCHEMES, SAFE_SCHEMES, link_scheme

_MD = make_markdown()


@dataclass(frozen=True)
class Citations:
    """How `[n]` is rendered: links to `#<prefix><n>` for n in 1..count."""

    prefix: str
    count: int


def _link_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    scheme = link_scheme(href)
    resolve: Callable[[str], str | None] | None = env.get("resolve")
    if scheme in INTERNAL_SCHEMES and resolve is not None:
        token = copy.copy(token)
        token.attrs = {**token.attrs, "href": resolve(href) or "#"}
        token.attrs.setdefault("class", f"{scheme}-link")
    elif scheme and scheme not in SAFE_SCHEMES:
        # load.py reports these; never emit one even if a caller skipped the checks
        token = copy.copy(token)
        token.attrs = {k: v for k, v in token.attrs.items() if k != "href"}
    return self.renderToken([token], 0, options, env)


def _text(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    content = tokens[idx].content
    citations: Citations | None = env.get("citations")
    if citations is None or "[" not in content or _inside_link(tokens, idx):
        return str(escape(content))
    parts = []
    last = 0
    for match in CITATION_RE.finditer(content):
        n = int(match.group(1))
        if not 1 <= n <= citations.count:
            continue
        parts.append(str(escape(content[last : match.start()])))
        parts.append(f'<a class="cite" href="#{citations.prefix}{n}">[{n}]</a>')
        last = match.end()
    parts.append(str(escape(content[last:])))
    return "".join(parts)


def _inside_link(tokens: list[Token], idx: int) -> bool:
    depth = 0
    for token in tokens[:idx]:
        if token.type == "link_open":
            depth += 1
        elif token.type == "link_close":
            depth -= 1
    return depth > 0


_MD.add_render_rule("link_open", _link_open)
_MD.add_render_rule("text", _text)


@lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[Token, ...]:
    return tuple(_MD.parse(text))


def render_markdown(
    text: str,
    resolve: Callable[[str], str | None],
    citations: Citations | None = None,
) -> Markup:
    """Render Markdown (raw HTML off) for the page whose links `resolve` makes."""
    env = {"resolve": resolve, "citations": citations}
    return Markup(_MD.renderer.render(list(_parse(text)), _MD.options, env))


def renderer_env(resolve: Callable[[str], str | None]) -> dict[str, object]:
    """The env for rendering article tokens with the shared renderer rules."""
    return {"resolve": resolve, "citations": None}


MARKDOWN_RENDERER = _MD
