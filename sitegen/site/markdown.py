"""The renderer for article bodies (annotate.py renders their tokens).

Internal links (`claim:ID`, `entity:ID`, `article:SLUG`, `page:SLUG`) become
relative links for the page being rendered, through the `resolve` function in
`env`; links with an unsafe scheme lose their href (load.py reports them).
Reviews and free pages are compiled once instead (content/markup.py).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from markdown_it.token import Token

from sitegen.content.document import make_markdown
from sitegen.content.markup import INTERNAL_SCHEMES, SAFE_SCHEMES, link_scheme


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
        token = copy.copy(token)
        token.attrs = {k: v for k, v in token.attrs.items() if k != "href"}
    return self.renderToken([token], 0, options, env)


MARKDOWN_RENDERER = make_markdown()
MARKDOWN_RENDERER.add_render_rule("link_open", _link_open)


def renderer_env(resolve: Callable[[str], str | None]) -> dict[str, object]:
    """The env for rendering article tokens for one page."""
    return {"resolve": resolve}
