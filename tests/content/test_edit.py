"""Claims added to a file by text insertion: the rest of the file keeps its
bytes, the new item parses to what was asked, and a file changed on disk
since it was read is never overwritten."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import yaml

from sitegen.content.edit import (
    EditError,
    insert_claim,
    read_for_edit,
    write_text_atomic,
    yaml_item,
)

FIELDS = {
    "id": "new-claim", "quote": "«Zitat» mit \"Anführungszeichen\": und # Raute",
    "claim": "A claim: with a colon", "claimant": "someone", "attribution": "confirmed",
    "about": ["a", "b"], "rating": "ok", "reviewed": dt.date(2026, 12, 4),
    "review": "First line [1].\n\nSecond paragraph.\n",
    "sources": [{"url": "https://example.org/a?b=c#d", "title": "Title: sub"}],
}

HAND_WRITTEN = """\
# Claims on the article. A comment the editor wrote.
article: some-article
claims:

  - id: first   # trailing comment
    quote: 'single quoted'
    claim: "double quoted"
    review: |
      A literal block.

      With a blank line.

  # a comment between items
  - id: second
    quote: plain
    sources:
      - {url: "https://example.org/", title: Flow}
# a comment at the end of the file
"""


def _claims(text: str) -> list[dict[str, object]]:
    return yaml.safe_load(text)["claims"]


def test_a_file_import_wrote_changes_only_in_its_claims_line() -> None:
    before = "article: some-article\nclaims: []\n"
    after, line = insert_claim(before, FIELDS)
    assert after.startswith("article: some-article\nclaims:\n")
    assert _claims(after) == [FIELDS]
    assert after.splitlines()[line - 1] == "  - id: new-claim"


def test_a_hand_written_file_keeps_every_byte_around_the_new_claim() -> None:
    after, line = insert_claim(HAND_WRITTEN, FIELDS)
    lines = after.splitlines(keepends=True)
    added = len(yaml_item(FIELDS, 2).splitlines()) + 1  # and a blank line before it
    assert "".join(lines[:line - 2] + lines[line - 2 + added:]) == HAND_WRITTEN
    assert after.endswith("    sources:\n      - url: https://example.org/a?b=c#d\n"
                          "        title: 'Title: sub'\n# a comment at the end of the file\n")
    assert lines[line - 2] == "\n"  # items spaced out by a blank line, like the others
    assert lines[line - 1] == "  - id: new-claim\n"
    claims = _claims(after)
    assert [c["id"] for c in claims] == ["first", "second", "new-claim"]
    assert claims[2] == FIELDS
    assert claims[0]["review"] == "A literal block.\n\nWith a blank line.\n"


@pytest.mark.parametrize("before", [
    "article: x\nclaims:\n",
    "article: x\nclaims:   # none yet\n",
    "article: x\nclaims: [] # none yet\nextra: 1\n",
    "article: x\n",
    "article: x",
])
def test_empty_or_missing_claims_lists_get_the_claim(before: str) -> None:
    after, line = insert_claim(before, FIELDS)
    assert _claims(after) == [FIELDS]
    assert after.splitlines()[line - 1].endswith("- id: new-claim")
    assert ("# none yet" in after) == ("# none yet" in before)


def test_claims_at_another_indent_are_followed() -> None:
    before = "claims:\n- id: a\n  quote: x\n"
    after, _ = insert_claim(before, FIELDS)
    assert after.startswith(before)
    assert "\n- id: new-claim\n  quote:" in after
    assert [c["id"] for c in _claims(after)] == ["a", "new-claim"]


@pytest.mark.parametrize("before", [
    "claims: [{id: a, quote: x}]\n",
    "claims: {id: a}\n",
    "- a list\n",
    "claims: [\n",
])
def test_files_that_cannot_take_a_claim_safely_are_refused(before: str) -> None:
    with pytest.raises(EditError):
        insert_claim(before, FIELDS)


def test_a_file_saved_meanwhile_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "claims.yaml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    text, sha = read_for_edit(path)
    assert sha == hashlib.sha256(HAND_WRITTEN.encode()).hexdigest()
    path.write_text(HAND_WRITTEN + "# the editor saved\n", encoding="utf-8")
    with pytest.raises(EditError, match="changed on disk"):
        write_text_atomic(path, insert_claim(text, FIELDS)[0], sha)
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN + "# the editor saved\n"
    assert [p.name for p in tmp_path.iterdir()] == ["claims.yaml"]  # no temporary left

    text, sha = read_for_edit(path)
    write_text_atomic(path, insert_claim(text, FIELDS)[0], sha)
    assert _claims(path.read_text(encoding="utf-8"))[-1] == FIELDS


def test_a_new_file_is_not_created_over_one_that_appeared(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    write_text_atomic(path, "name: A\n", create=True)
    with pytest.raises(EditError, match="already exists"):
        write_text_atomic(path, "name: B\n", create=True)
    assert path.read_text(encoding="utf-8") == "name: A\n"
