"""An article's Markdown tokens → HTML with claim highlights, note references
and entity links inserted at their plain-text offsets.

Highlights are split wherever another highlight, a link or an inline element
begins or ends, so overlapping claims nest correctly: every piece of text is
one `<mark>` listing all the claims that cover it. The parsed document is
never modified; annotated copies of its inline tokens are rendered instead.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markdown_it.token import Token
from markupsafe import Markup

from sitegen.content.document import Block, body_tokens
from sitegen.content.markup import fill, render_tokens
from sitegen.content.model import Article, Claim


@dataclass(frozen=True)
class BodyChunk:
    """One top-level block of the article and the notes of the claims in it."""

    html: Markup
    claims: tuple[Claim, ...]


def note_id(claim: Claim) -> str:
    return f"note-{claim.id}"


def ref_id(claim: Claim) -> str:
    return f"ref-{claim.id}"


def passage_id(claim: Claim) -> str:
    return f"passage-{claim.id}"


def render_article_body(
    article: Article,
    claims: Sequence[Claim],
    entity_url: Callable[[str], str],
    resolve: Callable[[str], str | None],
) -> list[BodyChunk]:
    """The article body as chunks, each followed by the notes for its claims."""
    document = article.document
    by_block: dict[int, list[Claim]] = {}
    for claim in claims:
        if claim.anchor is not None and claim.anchor.part == "body":
            by_block.setdefault(claim.anchor.block, []).append(claim)
    mentions: dict[int, list[tuple[int, int, str]]] = {}
    for mention in article.mentions:
        if mention.linked:
            mentions.setdefault(mention.block, []).append(
                (mention.start, mention.end, entity_url(mention.entity)))
    block_of_token = {block.token: block for block in document.blocks}
    heading_ids = document.heading_ids
    tokens = body_tokens(article.body)
    chunks: list[BodyChunk] = []
    for first, last in top_level_ranges(tokens):
        out: list[Token] = []
        chunk_claims: list[Claim] = []
        for index in range(first, last + 1):
            token = tokens[index]
            block = block_of_token.get(index)
            if block is not None:
                block_claims = by_block.get(block.index, [])
                chunk_claims.extend(block_claims)
                token = annotate_inline(token, block, block_claims, mentions.get(block.index, []))
            elif token.type == "heading_open":
                heading = block_of_token.get(index + 1)
                if heading is not None and heading.index in heading_ids:
                    token = copy.copy(token)
                    token.attrs = {**token.attrs, "id": heading_ids[heading.index]}
            out.append(token)
        html = fill(render_tokens(out), resolve)
        chunks.append(BodyChunk(html, tuple(sorted(chunk_claims, key=lambda c: c.number))))
    in_title = title_claims(claims)
    if in_title:  # their notes come first, before the text
        chunks.insert(0, BodyChunk(Markup(""), tuple(sorted(in_title, key=lambda c: c.number))))
    return chunks


def top_level_ranges(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """(first, last) token index of each top-level block."""
    ranges = []
    first = 0
    for index, token in enumerate(tokens):
        if token.level == 0 and token.nesting in (0, -1):
            ranges.append((first, index))
            first = index + 1
    return ranges


def title_claims(claims: Sequence[Claim]) -> list[Claim]:
    """The claims whose quote is in the article's title."""
    return [c for c in claims if c.anchor is not None and c.anchor.part == "title"]


def render_title(article: Article, claims: Sequence[Claim], *, with_refs: bool = True) -> Markup:
    """The article's title (plain text) with the quotes of its title claims
    highlighted and numbered like the body's."""
    text = article.title
    token = Token("inline", "", 0)
    child = Token("text", "", 0)
    child.content = text
    token.children = [child]
    block = Block(index=-1, token=-1, kind="title", level=1, text=text, offset=0, section=0,
                  top_end=-1, child_spans=((0, len(text)),), unlinkable=())
    annotated = annotate_inline(token, block, title_claims(claims), [], with_refs=with_refs)
    return Markup(render_tokens([annotated]))


def render_passage(article: Article, claim: Claim,
                   resolve: Callable[[str], str | None]) -> Markup:
    """The paragraph (or the title) that holds the claim's quote, with only that
    quote marked (no note numbers: the claim's page is its note)."""
    if claim.anchor is None:
        return Markup("")
    if claim.anchor.part == "title":
        return render_title(article, [claim], with_refs=False)
    block = article.document.blocks[claim.anchor.block]
    token = annotate_inline(body_tokens(article.body)[block.token], block, [claim], [],
                            with_refs=False)
    return fill(render_tokens([token]), resolve)


def annotate_inline(
    token: Token,
    block: Block,
    claims: Sequence[Claim],
    mentions: Sequence[tuple[int, int, str]],
    *,
    with_refs: bool = True,
) -> Token:
    """A copy of an inline token whose children carry marks, refs and links."""
    if not claims and not mentions:
        return token
    spans = []
    for claim in claims:
        assert claim.anchor is not None
        spans.append((claim.anchor.start - block.offset, claim.anchor.end - block.offset, claim))
    cuts = {p for s, e, _ in spans for p in (s, e)}
    children: list[Token] = []
    started: set[str] = set()
    for child, span in zip(token.children or [], block.child_spans, strict=True):
        if span is None or child.type != "text" or span[0] == span[1]:
            children.append(child)
            if span is not None and with_refs:
                children.extend(_refs_ending_at(spans, span[1], span))
            continue
        cs, ce = span
        text = block.text[cs:ce]
        child_mentions = [(s, e, href) for s, e, href in mentions if cs <= s and e <= ce]
        points = sorted({cs, ce}
                        | {p for p in cuts if cs < p < ce}
                        | {p for s, e, _ in child_mentions for p in (s, e)})
        open_link: int | None = None
        pending_refs: list[Token] = []
        for a, b in itertools.pairwise(points):
            mention = next((m for m in child_mentions if m[0] == a), None)
            if mention is not None and open_link is None:
                link = Token("link_open", "a", 1)
                link.attrs = {"href": mention[2], "class": "entity-link"}
                children.append(link)
                open_link = mention[1]
            covering = [c for s, e, c in spans if s < b and a < e]
            piece = Token("text", "", 0)
            piece.content = text[a - cs : b - cs]
            if covering:
                children.extend(_passage_starts(spans, a, started))
                children.append(_mark_open(covering, with_notes=with_refs))
                children.append(piece)
                children.append(Token("mark_close", "mark", -1))
            else:
                children.append(piece)
            if with_refs:
                pending_refs.extend(_refs_ending_at(spans, b, span))
            if open_link is not None and b >= open_link:
                children.append(Token("link_close", "a", -1))
                open_link = None
            if open_link is None and pending_refs:
                children.extend(pending_refs)
                pending_refs = []
        children.extend(pending_refs)
    annotated = copy.copy(token)
    annotated.children = children
    return annotated


def _passage_starts(spans: list[tuple[int, int, Claim]], at: int,
                    started: set[str]) -> list[Token]:
    """An empty anchor where each claim's passage begins, the target of back links."""
    anchors = []
    for start, _, claim in sorted(spans, key=lambda s: s[2].number):
        if start == at and claim.id not in started:
            started.add(claim.id)
            anchor = Token("html_inline", "", 0)
            anchor.content = f'<span class="passage-start" id="{passage_id(claim)}"></span>'
            anchors.append(anchor)
    return anchors


def _mark_open(covering: list[Claim], with_notes: bool) -> Token:
    mark = Token("mark_open", "mark", 1)
    ids = [c.id for c in sorted(covering, key=lambda c: c.number)]
    mark.attrs = {
        "class": "claim" + (" claim-overlap" if len(ids) > 1 else ""),
        "data-claims": " ".join(ids),
    }
    if with_notes:
        # ARIA 1.2 allows one id here: the note of the first claim; the others
        # are listed in data-claims and reached through their own numbers
        mark.attrs["aria-details"] = f"note-{ids[0]}"
    return mark


def _refs_ending_at(spans: list[tuple[int, int, Claim]], position: int,
                    child_span: tuple[int, int]) -> list[Token]:
    refs = []
    for _, end, claim in sorted(spans, key=lambda s: s[2].number):
        if end == position and child_span[0] < end <= child_span[1]:
            ref = Token("html_inline", "", 0)
            ref.content = (
                f'<sup class="note-ref"><a href="#{note_id(claim)}" id="{ref_id(claim)}" '
                f'aria-label="Claim {claim.number}">{claim.number}</a></sup>'
            )
            refs.append(ref)
    return refs
