"""Annotate mode of `sitegen serve --annotate`: select a passage of an article
in the preview, fill in a form, and the claim is written into the site's YAML.

The form, its script and a per-session token are added to article pages as
they are served (like the reload script), so the built files stay equal to a
clean build's. Writes go through three endpoints under
`<base>__sitegen/annotate/` (claim, entity, alias) that:

- exist only in annotate mode, which `serve` allows only on a loopback address
  (or with --annotate-remote, which warns);
- take only a POST of JSON (at most MAX_BODY bytes, of the expected shape),
  with the session's token in X-Sitegen-Token, an Origin equal to the
  preview's own and a Host naming the preview (no DNS rebinding);
- write only content/claims/<article>.yaml and content/entities/<id>.yaml,
  with ids checked against the site's ids (no path is taken from a request);
- validate the claim with sitegen's own reader before writing (a claim that
  fails is not written: the diagnostics go back to the form);
- refuse a write when the file changed on disk since the page was rendered.

The quote is never taken from the browser's selection (which includes note
numbers and may cut a word): the page sends offsets into the plain text of one
paragraph (or the title), and the quote is taken from sitegen's own plain text,
with a prefix or suffix added only when the passage occurs more than once.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.content.anchors import Anchorer, fold
from sitegen.content.document import ascii_slug
from sitegen.content.edit import (
    EditError,
    add_alias,
    entity_text,
    insert_claim,
    read_for_edit,
    write_text_atomic,
)
from sitegen.content.load import check_claims_edit
from sitegen.content.model import Archive, Entity, Origin
from sitegen.content.reader import ATTRIBUTIONS, ENTITY_TYPES
from sitegen.diagnostics import Diagnostic

PATH = "__sitegen/annotate/"
MAX_BODY = 64 * 1024  # bytes of one request
MAX_TEXT = 8000  # characters of one field (a review)
MAX_SHORT = 300  # characters of a name, title, id or URL... (URLs up to 2000)
MAX_SOURCES = 20
MAX_ABOUT = 30
CONTEXT_WORDS = 12  # at most this many words of prefix or suffix
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
SCRIPT = (Path(__file__).parent / "annotate.js").read_text(encoding="utf-8")


class Refused(Exception):
    """A request that is answered with `status` and nothing written."""

    def __init__(self, status: int, message: str,
                 diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.diagnostics = diagnostics or []

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": str(self), "diagnostics": [
            {"path": d.path, "line": d.line, "col": d.col, "severity": d.severity,
             "message": d.message, "hint": d.hint} for d in self.diagnostics]}


@dataclass(frozen=True)
class Written:
    """What a write did, for the form."""

    path: str  # relative to the site
    line: int
    id: str

    def body(self) -> dict[str, Any]:
        return {"ok": True, "path": self.path, "line": self.line, "id": self.id}


class AnnotateApi:
    """The write endpoints and the page payload of one `serve --annotate` session."""

    def __init__(self, src: Path) -> None:
        self.src = src
        self.token = secrets.token_urlsafe(32)

    # -- requests ----------------------------------------------------------------

    def check_request(self, headers: Any, origins: set[str], length: str | None,
                      content_type: str) -> int:
        """The checks every write passes before its body is read; the body's length."""
        host = headers.get("Host", "")
        if f"http://{host}" not in origins:
            raise Refused(403, f"the Host header {host!r} does not name this preview")
        origin = headers.get("Origin")
        if origin is None or origin not in origins or origin != f"http://{host}":
            raise Refused(403, "the request does not come from a page of this preview")
        token = headers.get("X-Sitegen-Token", "")
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            raise Refused(403, "missing or wrong annotate token: reload the page")
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise Refused(415, "the request body must be JSON (application/json)")
        try:
            size = int(length or "")
        except ValueError:
            raise Refused(411, "the request has no valid Content-Length") from None
        if size < 0 or size > MAX_BODY:
            raise Refused(413, f"the request is larger than {MAX_BODY} bytes")
        return size

    def handle(self, action: str, body: bytes, archive: Archive | None) -> Written:
        """Carry out one write (the session's lock held: no rebuild meanwhile)."""
        if archive is None:
            raise Refused(409, "the site has not been built yet: fix its errors first")
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise Refused(400, "the request body is not JSON (or is nested too deep)") from None
        if not isinstance(data, dict):
            raise Refused(400, "the request body is not a JSON object")
        if action == "claim":
            return self.new_claim(data, archive)
        if action == "entity":
            return self.new_entity(data, archive)
        if action == "alias":
            return self.new_alias(data, archive)
        raise Refused(404, f"no annotate action {action!r}")

    # -- claims ------------------------------------------------------------------

    def new_claim(self, data: dict[str, Any], archive: Archive) -> Written:
        form = _Form(data, {
            "article", "base", "part", "block", "start", "end", "id", "claim", "claimant",
            "new_claimant", "attribution", "actual_claimant", "appearance", "about",
            "rating", "reviewed", "review", "sources"})
        slug = form.ident("article")
        article = archive.articles.get(slug)
        if article is None:
            raise Refused(400, f"no article {slug!r}")
        quote, prefix, suffix = quote_at(archive, slug, form.choice("part", ("body", "title")),
                                         form.integer("block", optional=True),
                                         form.integer("start"), form.integer("end"))
        claim_text = form.text("claim", MAX_SHORT)
        claim_id = form.text("id", MAX_SHORT) or ascii_slug(claim_text or quote, 60)
        if not _ID.fullmatch(claim_id):
            raise Refused(400, f"invalid claim id {claim_id!r}: use lowercase letters, "
                               "digits and single hyphens")
        if claim_id in archive.claims and archive.claims[claim_id].article != slug:
            raise Refused(422, f"the claim id {claim_id!r} is already used by another "
                               "article's claim: choose another")
        added: dict[str, Entity] = {}
        claimant = form.text("claimant", MAX_SHORT)
        new_claimant = form.mapping("new_claimant", {"name", "type"})
        if new_claimant is not None:
            name = new_claimant.text("name", MAX_SHORT, required=True)
            claimant = claimant or ascii_slug(name)
            if not _ID.fullmatch(claimant) or claimant in archive.entities:
                raise Refused(422, f"cannot create the entity {claimant!r}: the id is taken "
                                   "or invalid")
            added[claimant] = Entity(id=claimant, name=name,
                                     type=new_claimant.choice("type", ENTITY_TYPES),
                                     origin=Origin(f"content/entities/{claimant}.yaml"))
        fields: dict[str, Any] = {"id": claim_id, "quote": quote}
        if prefix:
            fields["prefix"] = prefix
        if suffix:
            fields["suffix"] = suffix
        fields["claim"] = claim_text
        fields["claimant"] = claimant
        appearance = form.mapping("appearance", {"url", "title", "date"})
        if appearance is not None:
            shown = {"url": appearance.text("url", 2000), "title": appearance.text(
                "title", MAX_SHORT), "date": appearance.date("date")}
            shown = {k: v for k, v in shown.items() if v}
            if shown:
                fields["appearance"] = shown
        fields["attribution"] = form.choice("attribution", ATTRIBUTIONS)
        actual = form.text("actual_claimant", MAX_SHORT)
        if actual:
            fields["actual_claimant"] = actual
        fields["about"] = form.idents("about", MAX_ABOUT)
        fields["rating"] = form.text("rating", MAX_SHORT)
        fields["reviewed"] = form.date("reviewed") or dt.date.today()
        fields["review"] = form.text("review", MAX_TEXT, multiline=True)
        fields["sources"] = []
        for source in form.mappings("sources", {"url", "title", "publisher", "date"},
                                    MAX_SOURCES):
            item = {"url": source.text("url", 2000), "title": source.text("title", MAX_SHORT),
                    "publisher": source.text("publisher", MAX_SHORT),
                    "date": source.date("date")}
            item = {k: v for k, v in item.items() if v}
            if item:
                fields["sources"].append(item)
        rel = f"content/claims/{slug}.yaml"
        path = self.src / rel
        text, current = _read(path)
        self.unchanged(rel, current, form.text("base", 64))
        text = text if current is not None else f"article: {slug}\nclaims: []\n"
        try:
            new_text, line = insert_claim(text, fields)
        except EditError as exc:
            raise Refused(409, f"{rel}: {exc} ({exc.hint})") from None
        problems = check_claims_edit(self.src, archive, slug, new_text, added)
        if problems:
            raise Refused(422, "the claim was not saved: it does not pass sitegen's checks",
                          problems)
        for entity in added.values():
            self.write_entity(entity.id, entity.name, entity.type, ())
        self.write(path, new_text, current)
        return Written(rel, line, claim_id)

    def unchanged(self, rel: str, current: str | None, base: str) -> None:
        """Refuse when the file is not the one the page was rendered from."""
        if (current or "") != base:
            raise Refused(409, f"{rel} changed on disk since this page was rendered (saved in "
                               "an editor?); nothing was written. Reload the page and try "
                               "again: your form is kept until then.")

    def write(self, path: Path, text: str, expected: str | None) -> None:
        try:
            write_text_atomic(path, text, expected, create=expected is None)
        except EditError as exc:
            raise Refused(409, f"{exc}; {exc.hint}") from None

    # -- entities ----------------------------------------------------------------

    def new_entity(self, data: dict[str, Any], archive: Archive) -> Written:
        form = _Form(data, {"name", "type", "alias", "id"})
        name = form.text("name", MAX_SHORT, required=True)
        entity_id = form.text("id", MAX_SHORT) or ascii_slug(name)
        if not _ID.fullmatch(entity_id):
            raise Refused(400, f"invalid entity id {entity_id!r}")
        if entity_id in archive.entities:
            raise Refused(422, f"the entity {entity_id!r} exists: add the alias to it instead")
        alias = form.text("alias", MAX_SHORT)
        aliases = (alias,) if alias and alias != name else ()
        self.write_entity(entity_id, name, form.choice("type", ENTITY_TYPES), aliases)
        return Written(f"content/entities/{entity_id}.yaml", 1, entity_id)

    def write_entity(self, entity_id: str, name: str, entity_type: str,
                     aliases: tuple[str, ...]) -> None:
        path = self.src / "content" / "entities" / f"{entity_id}.yaml"
        self.write(path, entity_text(name, entity_type, aliases), None)

    def new_alias(self, data: dict[str, Any], archive: Archive) -> Written:
        form = _Form(data, {"entity", "alias", "base"})
        entity_id = form.ident("entity")
        if entity_id not in archive.entities:
            raise Refused(400, f"no entity {entity_id!r}")
        alias = form.text("alias", MAX_SHORT, required=True)
        rel = archive.entities[entity_id].origin.path
        if rel != f"content/entities/{entity_id}.yaml":
            raise Refused(400, f"the entity {entity_id!r} is not in its own file")
        path = self.src / rel
        text, current = _read(path)
        self.unchanged(rel, current, form.text("base", 64))
        try:
            new_text = add_alias(text, alias)
        except EditError as exc:
            raise Refused(409, f"{rel}: {exc} ({exc.hint})") from None
        self.write(path, new_text, current)
        return Written(rel, 1, entity_id)

    # -- the page ----------------------------------------------------------------

    def payload(self, archive: Archive, slug: str, endpoint: str) -> str:
        """The script and data added to an article's page (HTML)."""
        article = archive.articles[slug]
        hashes = archive.file_hashes
        data = {
            "token": self.token, "endpoint": endpoint, "article": slug,
            "base": hashes.get(f"content/claims/{slug}.yaml", ""),
            "title": article.title, "blocks": [b.text for b in article.document.blocks],
            "entities": [[e.id, e.name, e.type, hashes.get(e.origin.path, "")]
                         for e in archive.entities.values()],
            "ratings": [[r.id, r.label] for r in archive.config.ratings],
            "types": list(ENTITY_TYPES), "attributions": list(ATTRIBUTIONS),
            "today": dt.date.today().isoformat(), "lang": archive.config.language,
        }
        text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
        return (f'<script type="application/json" id="sitegen-annotate">{text}</script>'
                f"<script>{SCRIPT}</script>")


def _read(path: Path) -> tuple[str, str | None]:
    """A file to edit: its text and hash; refused when it is a symbolic link (the
    write would replace the link with a file holding what it points to)."""
    if path.is_symlink():
        raise Refused(409, f"{path.name} is a symbolic link: edit it in your editor")
    try:
        return read_for_edit(path)
    except EditError as exc:
        raise Refused(409, f"{path.name}: {exc}") from None


def quote_at(archive: Archive, slug: str, part: str, block: int | None, start: int,
             end: int) -> tuple[str, str, str]:
    """The quote at these offsets of the article's plain text (one paragraph's,
    or the title's), trimmed of spaces, and the shortest prefix or suffix (whole
    words) that makes it the only match; ("", "") when it is one already."""
    article = archive.articles[slug]
    if part == "title":
        text, offset = article.title, 0
    else:
        blocks = article.document.blocks
        if block is None or not 0 <= block < len(blocks):
            raise Refused(400, "select a passage inside one paragraph of the article")
        text, offset = blocks[block].text, blocks[block].offset
    if not 0 <= start < end <= len(text):
        raise Refused(400, "the selection is outside the paragraph")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    quote = text[start:end]
    if not fold(quote)[0].strip():
        raise Refused(400, "the selection holds no text")
    anchorer = Anchorer(article.document, article.title)
    want = (part, offset + start)
    plain = article.title if part == "title" else article.document.text
    before = plain[:offset + start].split()
    after = plain[offset + end:].split()
    for prefix_words, suffix_words in _contexts(len(before), len(after)):
        prefix = " ".join(before[len(before) - prefix_words:]) if prefix_words else ""
        suffix = " ".join(after[:suffix_words])
        found = anchorer.locate(quote, prefix, suffix).anchor
        if found is not None and (found.part, found.start) == want:
            return quote, prefix, suffix
    raise Refused(422, "this passage cannot be told apart from another one with "
                       f"{CONTEXT_WORDS} words around it: select a longer passage")


def _contexts(before: int, after: int) -> list[tuple[int, int]]:
    """Prefix and suffix lengths in words, shortest first: none, then a prefix,
    then a suffix, then both."""
    tries = [(0, 0)]
    tries += [(n, 0) for n in range(1, min(before, CONTEXT_WORDS) + 1)]
    tries += [(0, n) for n in range(1, min(after, CONTEXT_WORDS) + 1)]
    tries += [(n, n) for n in range(1, min(max(before, after), CONTEXT_WORDS) + 1)]
    return tries


class _Form:
    """The fields of one JSON request, each checked for type and size."""

    def __init__(self, data: dict[str, Any], allowed: set[str]) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise Refused(400, f"unexpected field(s): {', '.join(unknown)}")
        self.data = data

    def text(self, name: str, limit: int, *, required: bool = False,
             multiline: bool = False) -> str:
        value = self.data.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str) or len(value) > limit:
            raise Refused(400, f"'{name}' must be text of at most {limit} characters")
        if "\0" in value or (not multiline and ("\n" in value or "\r" in value)):
            raise Refused(400, f"'{name}' holds a character it may not hold")
        value = value.replace("\r\n", "\n").strip()
        if required and not value:
            raise Refused(400, f"'{name}' is required")
        return value + ("\n" if multiline and value else "")

    def ident(self, name: str) -> str:
        value = self.text(name, MAX_SHORT, required=True)
        if not _ID.fullmatch(value):
            raise Refused(400, f"'{name}' is not an id")
        return value

    def idents(self, name: str, limit: int) -> list[str]:
        value = self.data.get(name, [])
        if not isinstance(value, list) or len(value) > limit or not all(
                isinstance(v, str) and _ID.fullmatch(v) for v in value):
            raise Refused(400, f"'{name}' must be a list of at most {limit} ids")
        return list(dict.fromkeys(value))

    def choice(self, name: str, choices: tuple[str, ...] | list[str]) -> str:
        value = self.data.get(name)
        if value not in choices:
            raise Refused(400, f"'{name}' must be one of: {', '.join(choices)}")
        return str(value)

    def integer(self, name: str, optional: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None and optional:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**9:
            raise Refused(400, f"'{name}' must be a whole number")
        return value

    def date(self, name: str) -> dt.date | str:
        value = self.text(name, 10)
        if not value:
            return ""
        if not _DATE.fullmatch(value):
            raise Refused(400, f"'{name}' must be a date, YYYY-MM-DD (or YYYY-MM, YYYY)")
        if len(value) == 10:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise Refused(400, f"'{name}' is not a date of the calendar") from None
        return value

    def mapping(self, name: str, allowed: set[str]) -> _Form | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise Refused(400, f"'{name}' must be an object")
        return _Form(value, allowed)

    def mappings(self, name: str, allowed: set[str], limit: int) -> list[_Form]:
        value = self.data.get(name, [])
        if not isinstance(value, list) or len(value) > limit:
            raise Refused(400, f"'{name}' must be a list of at most {limit} objects")
        forms = []
        for item in value:
            if not isinstance(item, dict):
                raise Refused(400, f"'{name}' must be a list of objects")
            forms.append(_Form(item, allowed))
        return forms
