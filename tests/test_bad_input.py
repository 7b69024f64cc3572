"""Every editor mistake: one clear diagnostic at the right place, with a hint;
exit code 1; no traceback; the previous good output untouched.

Each case edits a copy of the fixture site `tests/fixtures/mini`. The expected
line is given as a piece of text: the diagnostic must point at the first line
of the edited file that contains it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitegen.cli import main
from tests.conftest import MINI

BUDGET = "content/claims/council-budget-vote.yaml"
HARBOUR = "content/claims/harbour-expansion-will-double-cargo.yaml"
BUDGET_ARTICLE = "content/articles/council-budget-vote.md"
HARBOUR_ARTICLE = "content/articles/harbour-expansion-will-double-cargo.md"
WREN = "content/entities/tobias-wren.yaml"


@dataclass(frozen=True)
class Case:
    id: str
    path: str  # the file the mistake is in (relative to the site)
    edit: Callable[[Path], None]
    line: str | int | None  # text on the expected line, a line number, or None for 0
    message: str
    hint: str
    severity: str = "error"


def replace(path: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def edit(site: Path) -> None:
        file = site / path
        text = file.read_text(encoding="utf-8")
        assert old in text, f"fixture changed: {old!r} not in {path}"
        file.write_text(text.replace(old, new, count), encoding="utf-8")
    return edit


def write(path: str, content: str | bytes) -> Callable[[Path], None]:
    def edit(site: Path) -> None:
        file = site / path
        file.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            file.write_bytes(content)
        else:
            file.write_text(content, encoding="utf-8")
    return edit


def drop_sources(claim_id: str) -> Callable[[Path], None]:
    """Remove a budget claim's sources and the citations of its review."""
    def edit(site: Path) -> None:
        file = site / BUDGET
        blocks = file.read_text(encoding="utf-8").split("\n\n")
        for index, block in enumerate(blocks):
            if f"- id: {claim_id}" in block:
                block = block[: block.index("    sources:")].rstrip("\n")
                blocks[index] = re.sub(r" \[\d\]", "", block)
        file.write_text("\n\n".join(blocks), encoding="utf-8")
    return edit


def delete(path: str) -> Callable[[Path], None]:
    return lambda site: (site / path).unlink()


def append(path: str, content: str) -> Callable[[Path], None]:
    def edit(site: Path) -> None:
        with (site / path).open("a", encoding="utf-8") as stream:
            stream.write(content)
    return edit


def both(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(site: Path) -> None:
        for one in edits:
            one(site)
    return edit


# nested aliases ("billion laughs"), small here: test_yamlfile.py loads the
# 387-million-string one in a child process with little memory
ALIAS_BOMB = "extra:\n  a: &a [lol, lol, lol]\n  b: &b [*a, *a, *a]\n  c: &c [*b, *b, *b]\n"
DEEP_BRACKETS = "extra:\n  data: " + "[" * 20_000 + "]" * 20_000 + "\n"
DEEP_SITE_YAML = "extra:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(60))
UI_TEXT = "templates/ui-text.yaml"


CASES = [
    Case("yaml-syntax", BUDGET,
         replace(BUDGET, 'claim: "This is the fairest town budget in a generation"',
                 "claim: Fairest budget: in a generation"),
         "claim: Fairest budget: in a generation", "YAML syntax error: mapping values",
         "must be quoted"),
    Case("yaml-tab", BUDGET, replace(BUDGET, "    claimant: tobias-wren", "\tclaimant: tobias-wren"),
         "\tclaimant: tobias-wren", "YAML syntax error", "spaces, not tabs"),
    Case("yaml-duplicate-key", BUDGET,
         replace(BUDGET, "    rating: no-verdict\n", "    rating: no-verdict\n    rating: wrong\n"),
         "rating: wrong", "duplicate key 'rating'", "keep one"),
    Case("yaml-python-tag", BUDGET,
         replace(BUDGET, "    about: [port-ellery]\n",
                 "    about: !!python/object/apply:os.system ['true']\n"),
         "!!python/object", "unsupported YAML tag", "plain data only"),
    Case("unknown-field", BUDGET, replace(BUDGET, "rating: no-verdict", "ratng: no-verdict"),
         "ratng: no-verdict", "unknown field 'ratng' in the claim", "did you mean 'rating'?"),
    Case("unknown-field-entity", WREN, replace(WREN, "description:", "descripton:"),
         "descripton:", "unknown field 'descripton'", "did you mean 'description'?"),
    Case("missing-field", BUDGET, replace(BUDGET, "    claimant: tobias-wren\n", ""),
         "- id: budget-fairest-in-a-generation", "the claim has no 'claimant'",
         "add a 'claimant:' field"),
    Case("boolean-rating", BUDGET, replace(BUDGET, "rating: no-verdict", "rating: yes"),
         "rating: yes", "'rating' must be text, not a boolean", 'quote it: rating: "true"'),
    Case("not-a-date", BUDGET, replace(BUDGET, "reviewed: 2024-04-12", "reviewed: 12.04.2024"),
         "reviewed: 12.04.2024", "'reviewed' must be a date", "2025-01-23"),
    Case("impossible-date", BUDGET,
         replace(BUDGET, "        date: 2024-04-09", "        date: 2024-13-45"),
         "date: 2024-13-45", "'2024-13-45' is not a valid date", "real date"),
    Case("update-unknown-previous-rating", HARBOUR,
         replace(HARBOUR, "- {date: 2024-05-20, note:",
                 "- {date: 2024-05-20, previous_rating: pendng, note:"),
         "previous_rating: pendng", "unknown rating 'pendng'", "did you mean 'pending'?"),
    Case("update-before-review", HARBOUR,
         replace(HARBOUR, "- {date: 2024-05-20, note:", "- {date: 2024-03-01, note:"),
         "date: 2024-03-01", "dated before the review above it (2024-03-12)",
         "list updates oldest first"),
    Case("same-as-unknown", BUDGET,
         replace(BUDGET, "    rating: no-verdict\n",
                 "    rating: no-verdict\n    same_as: [council-tax-unchangd]\n"),
         "same_as: [council-tax-unchangd]", "unknown claim 'council-tax-unchangd' in 'same_as'",
         "did you mean 'council-tax-unchanged'?"),
    Case("same-as-itself", BUDGET,
         replace(BUDGET, "    rating: no-verdict\n",
                 "    rating: no-verdict\n    same_as: [budget-fairest-in-a-generation]\n"),
         "same_as: [budget-fairest-in-a-generation]", "cannot be the same as itself",
         "the same claim made elsewhere"),
    Case("same-as-ratings-differ", BUDGET,
         replace(BUDGET, "    rating: no-verdict\n",
                 "    rating: no-verdict\n    same_as: [expansion-creates-300-jobs]\n"),
         "same_as: [expansion-creates-300-jobs]",
         "rated 'no-verdict' but the same claim 'expansion-creates-300-jobs' is rated "
         "'half-right'", "explain the difference in one review", severity="warning"),
    Case("date-note-without-date", BUDGET_ARTICLE,
         replace(BUDGET_ARTICLE, "date: 2024-04-10\n", "date_note: from the print edition\n"),
         "date_note: from the print edition", "'date_note' without 'date'", "add 'date:'"),
    Case("partial-date-impossible-month", BUDGET_ARTICLE,
         replace(BUDGET_ARTICLE, "date: 2024-04-10\n", 'date: "2024-13"\n'),
         'date: "2024-13"', "'date' must be a date (YYYY-MM-DD, YYYY-MM or YYYY)",
         "when only the month or year is known"),
    Case("bad-id", BUDGET, replace(BUDGET, "id: budget-fairest-in-a-generation", "id: Budget_Fair"),
         "id: Budget_Fair", "'id' is not a valid id", "lowercase letters"),
    # the second definition read (files in name order) is reported, naming the first
    Case("duplicate-claim-id", HARBOUR,
         replace(BUDGET, "id: council-tax-unchanged", "id: berths-open-by-2026"),
         "id: berths-open-by-2026", "the claim id 'berths-open-by-2026' is already used "
         "(content/claims/council-budget-vote.yaml:", "rename one"),
    Case("claims-without-article", "content/claims/no-such-article.yaml",
         write("content/claims/no-such-article.yaml", "article: no-such-article\nclaims: []\n"),
         "article: no-such-article", "there is no article 'no-such-article'",
         "create content/articles/no-such-article.md"),
    Case("article-field-differs", BUDGET,
         replace(BUDGET, "article: council-budget-vote", "article: council-budget"),
         "article: council-budget", "differs from the file name", "write 'article: council-budget-vote'"),
    Case("unknown-claimant", BUDGET, replace(BUDGET, "claimant: tobias-wren", "claimant: tobias-wrenn"),
         "claimant: tobias-wrenn", "unknown entity 'tobias-wrenn' in 'claimant'",
         "did you mean 'tobias-wren'?"),
    Case("unknown-about", BUDGET, replace(BUDGET, "about: [port-ellery]", "about: [port-elery]"),
         "about: [port-elery]", "unknown entity 'port-elery' in 'about'",
         "did you mean 'port-ellery'?"),
    Case("unknown-actual-claimant", HARBOUR,
         replace(HARBOUR, "actual_claimant: ellery-port-authority",
                 "actual_claimant: ellery-port-autority"),
         "actual_claimant: ellery-port-autority", "unknown entity 'ellery-port-autority'",
         "did you mean 'ellery-port-authority'?"),
    Case("unknown-publisher", BUDGET_ARTICLE,
         replace(BUDGET_ARTICLE, "publisher: ellery-gazette", "publisher: ellery-gazete"),
         "publisher: ellery-gazete", "unknown publisher entity 'ellery-gazete'",
         "did you mean 'ellery-gazette'?"),
    Case("unknown-rating", BUDGET, replace(BUDGET, "rating: no-verdict", "rating: no-verdit"),
         "rating: no-verdit", "unknown rating 'no-verdit'", "did you mean 'no-verdict'?"),
    Case("unknown-attribution", BUDGET,
         replace(BUDGET, "attribution: confirmed", "attribution: confirmd"),
         "attribution: confirmd", "unknown attribution 'confirmd'", "did you mean 'confirmed'?"),
    Case("unknown-entity-type", WREN, replace(WREN, "type: person", "type: persn"),
         "type: persn", "unknown entity type 'persn'", "did you mean 'person'?"),
    Case("quote-not-found", BUDGET,
         replace(BUDGET, "the fairest budget this town has seen", "the fairest budget this city has seen"),
         "the fairest budget this city has seen", "the quote matches nowhere in the article",
         'the quote has "city" where the text has "town"'),
    Case("quote-ambiguous", HARBOUR, replace(HARBOUR, '    prefix: "The Authority says"\n', ""),
         'quote: "the new berths will open by 2026"', "the quote occurs 2 times", "add 'prefix'"),
    Case("quote-across-paragraphs", BUDGET,
         replace(BUDGET, 'quote: "keep council tax unchanged for a third year running"',
                 'quote: "which runs to 212 pages. Wren said the budget"'),
         "which runs to 212 pages", "runs across a paragraph break", "quote one paragraph only"),
    Case("source-without-url", BUDGET,
         replace(BUDGET, '      - url: "https://council.example.org/budget-2025"\n        title',
                 "      - title"),
         '- title: "Budget 2025"', "a source has no 'url'", "add a 'url:' field"),
    Case("javascript-url", BUDGET,
         replace(BUDGET, '"https://council.example.org/budget-2025"', '"javascript:alert(1)"'),
         "javascript:alert(1)", "uses the 'javascript:' scheme", "https://"),
    Case("data-url", BUDGET,
         replace(BUDGET, '"https://council.example.org/budget-2025"',
                 '"data:text/html,<script>alert(1)</script>"'),
         "data:text/html", "uses the 'data:' scheme", "https://"),
    Case("file-url", BUDGET,
         replace(BUDGET, '"https://council.example.org/budget-2025"', '"file:///etc/passwd"'),
         "file:///etc/passwd", "uses the 'file:' scheme", "https://"),
    Case("relative-url", BUDGET,
         replace(BUDGET, '"https://council.example.org/budget-2025"', '"council/budget-2025"'),
         "council/budget-2025", "is not an absolute http(s) URL", "https://"),
    Case("citation-without-source", BUDGET,
         replace(BUDGET, "against it called it unfair to the rest of the town [2].",
                 "against it called it unfair to the rest of the town [3]."),
         "against it called it unfair", "the review cites [3] but the claim has 2 source(s)",
         "add source 3"),
    Case("unknown-claim-link", BUDGET,
         replace(BUDGET, "(claim:berths-open-by-2026)", "(claim:berths-open)"),
         "is reviewed in [the berths claim](claim:berths-open)",
         "a link points to unknown claim 'berths-open'",
         "did you mean 'berths-open-by-2026'?"),
    Case("unknown-entity-link", BUDGET,
         replace(BUDGET, "(entity:north-quay-plan)", "(entity:north-quay)"),
         "(entity:north-quay)", "a link points to unknown entity 'north-quay'",
         "did you mean 'north-quay-plan'?"),
    Case("unknown-article-link-in-page", "content/pages/about.md",
         replace("content/pages/about.md", "Port Ellery Checks is an invented",
                 "See [the vote](article:council-budget) first. Port Ellery Checks is an invented"),
         "See [the vote]", "a link points to unknown article 'council-budget'",
         "did you mean 'council-budget-vote'?"),
    Case("unsafe-link-in-article", BUDGET_ARTICLE,
         replace(BUDGET_ARTICLE, "(https://example.com/budget)", "(vbscript:msgbox)"),
         "[published budget]", "a link uses the 'vbscript:' scheme", "https://"),
    # a surname two people share: the harbour article names neither in full
    Case("shared-alias-undecided", HARBOUR_ARTICLE,
         both(write("content/entities/nell-wren.yaml",
                    'name: Nell Wren\ntype: person\naliases: ["Wren"]\n'),
              replace(HARBOUR_ARTICLE, "Mayor Tobias Wren", "The mayor")),
         "Wren", "'Wren' may name 'Nell Wren' (nell-wren) or 'Tobias Wren' (tobias-wren)",
         "name one of them in full somewhere in the article", severity="warning"),
    Case("no-front-matter", BUDGET_ARTICLE,
         write(BUDGET_ARTICLE, "The Port Ellery town council voted on Tuesday.\n"),
         1, "the file has no front matter", "start it with a '---' line"),
    Case("front-matter-not-closed", BUDGET_ARTICLE,
         replace(BUDGET_ARTICLE, "---\n\nThe Port Ellery", "\nThe Port Ellery"),
         1, "the front matter is not closed", "a line holding only '---'"),
    Case("no-title", BUDGET_ARTICLE,
         replace(BUDGET_ARTICLE, "title: Council passes budget with more money for harbour roads\n",
                 ""),
         "date: 2024-04-10", "the article's front matter has no 'title'", "add a 'title:' field"),
    Case("seed-path", "content/articles/harbour-expansion-will-double-cargo.md",
         replace("content/articles/harbour-expansion-will-double-cargo.md",
                 "seed: 001_harbour.txt", "seed: ../site.yaml"),
         "seed: ../site.yaml", "'seed' must be a file name in seeds/", "only the file name"),
    Case("non-utf8", WREN,
         write(WREN, "name: Tobias Wren\ntype: person\ndescription: M\xfcrgermeister\n".encode("latin-1")),
         3, "the file is not UTF-8 text", "save it as UTF-8"),
    Case("empty-file", WREN, write(WREN, "  \n"), 1, "the file is empty", "delete the file"),
    Case("missing-site-yaml", "site.yaml", delete("site.yaml"), None, "no site.yaml in",
         "every site needs a site.yaml"),
    Case("site-missing-title", "site.yaml",
         replace("site.yaml", "title: Port Ellery Checks\n", ""),
         "description:", "site.yaml has no 'title'", "add a 'title:' field"),
    # bounds (content/limits.py): no input may exhaust memory, time or the stack
    Case("yaml-alias-bomb", WREN, append(WREN, ALIAS_BOMB), "b: &b [*a",
         "YAML alias '*a' is not allowed",
         "content files may not use YAML anchors and aliases (&, *)"),
    Case("yaml-alias-in-claims", BUDGET,
         both(replace(BUDGET, "about: [port-ellery]", "about: &town [port-ellery]"),
              replace(BUDGET, "about: [port-ellery]\n    rating: wrong",
                      "about: *town\n    rating: wrong")),
         "about: *town", "YAML alias '*town' is not allowed",
         "write the value out (anchored as &town on line 10)"),
    Case("yaml-deep-brackets", WREN, append(WREN, DEEP_BRACKETS), "data: [[[",
         "the data is nested more than 50 levels deep", "a few levels deep"),
    Case("search-shard-pages-too-small", "site.yaml",
         append("site.yaml", "search:\n  shard_pages: 50\n"), "shard_pages: 50",
         "'shard_pages' must be 1000 or more", "0.1 to 0.3 MB a page"),
    Case("site-yaml-deep", "site.yaml", append("site.yaml", DEEP_SITE_YAML), "k49:",
         "the data is nested more than 50 levels deep", "a few levels deep"),
    Case("oversize-claims", BUDGET, append(BUDGET, ("#" * 99 + "\n") * 21_000), 1,
         "the file is 2.1 MiB, more than the 2 MiB a YAML file may hold",
         "keep large data outside the site"),
    Case("oversize-article", BUDGET_ARTICLE,
         append(BUDGET_ARTICLE, ("Filler text. " * 99 + "\n\n") * 3300), 1,
         "the file is 4.1 MiB, more than the 4 MiB a Markdown file may hold",
         "split the text"),
    Case("oversize-front-matter", BUDGET_ARTICLE,
         replace(BUDGET_ARTICLE, "authors: [Nell Ashby]\n",
                 "authors: [Nell Ashby]\n" + ("# " + "x" * 98 + "\n") * 21_000),
         "title: Council passes budget", "the front matter is more than the 2 MiB of YAML",
         "keep the text below the front matter"),
    Case("ui-text-alias", UI_TEXT,
         write(UI_TEXT, "en:\n  site_name: &name Port Ellery\n  home: *name\n"),
         "home: *name", "YAML alias '*name' is not allowed", "anchored as &name on line 2"),
    Case("markdown-too-deep-in-review", BUDGET,
         replace(BUDGET, "      two previous years [2], so",
                 "      two previous years [2], so\n\n      " + ">" * 20_000 + " deep [1]\n\n     "),
         ">>>>>", "block quotes and lists nest more than 20 levels deep here",
         "nest them less deeply"),
    Case("markdown-too-deep-in-article", BUDGET_ARTICLE,
         append(BUDGET_ARTICLE, "\n" + "- " * 20_000 + "deep\n"), "- - - -",
         "block quotes and lists nest more than 20 levels deep here", "nest them less deeply"),
    Case("template-syntax", "templates/404.html",
         write("templates/404.html", '{% extends "base.html" %}\n{% block main %}\n{% if %}\n'
               "{% endblock %}\n"),
         3, "template syntax error", "check the {% %}"),
    Case("alias-is-a-live-page", BUDGET_ARTICLE,
         replace(BUDGET_ARTICLE, "authors: [Nell Ashby]\n",
                 "authors: [Nell Ashby]\naliases: [harbour-expansion-will-double-cargo]\n"),
         "aliases: [harbour-expansion-will-double-cargo]",
         "the alias 'harbour-expansion-will-double-cargo' is the URL of the existing article",
         "remove it"),
    Case("page-alias-is-a-site-folder", "content/pages/about.md",
         replace("content/pages/about.md", "title: About Port Ellery Checks\n",
                 "title: About Port Ellery Checks\naliases: [claims]\n"),
         "aliases: [claims]", "the alias 'claims' is one of the site's own folders", "remove it"),
    Case("template-runtime-error", "templates/page.html",
         write("templates/page.html", '{% extends "base.html" %}\n{% block main %}\n'
               "{{ page.title + 1 }}\n{% endblock %}\n"),
         3, "template error while rendering /about/: TypeError", "fix the template"),
    # warnings: reported by check, fatal only with --strict
    Case("source-never-cited", BUDGET,
         replace(BUDGET, "called it unfair to the rest of the town [2].",
                 "called it unfair to the rest of the town."),
         '- url: "https://www.example.com/statements/budget-opposition"',
         "source [2] is never cited in the review", "cite it as [2]",
         severity="warning"),
    Case("claim-without-sources", BUDGET, drop_sources("budget-fairest-in-a-generation"),
         "- id: budget-fairest-in-a-generation", "the claim has no sources",
         "add at least one source", severity="warning"),
    Case("entity-never-used", "content/entities/lonely.yaml",
         write("content/entities/lonely.yaml", "name: Lonely Lighthouse\ntype: place\n"),
         1, "the entity 'lonely' is never mentioned nor referenced", "or delete the file",
         severity="warning"),
    Case("seed-never-imported", "seeds/002_ferry.txt",
         write("seeds/002_ferry.txt", "Ferry title\n\nA paragraph.\n"),
         None, "no article imports this seed", "sitegen import seeds/002_ferry.txt",
         severity="warning"),
]


def _tree(out: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(out.rglob("*")) if p.is_file()}


def _expected_line(site: Path, case: Case) -> int:
    if case.line is None:
        return 0
    if isinstance(case.line, int):
        return case.line
    text = (site / case.path).read_bytes().decode("utf-8", "replace")
    for number, line in enumerate(text.splitlines(), start=1):
        if case.line in line:
            return number
    raise AssertionError(f"{case.line!r} not found in {case.path}")


def test_enough_cases() -> None:
    assert len([c for c in CASES if c.severity == "error"]) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    out = tmp_path / "out"
    assert main(["build", "-s", str(site), "-o", str(out), "--strict"]) == 0
    good = _tree(out)
    capsys.readouterr()

    case.edit(site)
    line = _expected_line(site, case)

    assert main(["check", "-s", str(site)]) == (1 if case.severity == "error" else 0)
    report = capsys.readouterr().out
    assert "Traceback" not in report
    located = [r for r in report.splitlines()
               if r.startswith(f"{case.path}:{line}:") and f": {case.severity}: " in r]
    assert any(case.message in r for r in located), report
    hint_lines = report.splitlines()
    index = next(i for i, r in enumerate(hint_lines)
                 if r in located and case.message in r)
    assert case.hint in hint_lines[index + 1], report
    assert hint_lines[index + 1].startswith("    hint: ")

    if case.severity == "warning":
        assert main(["check", "-s", str(site), "--strict"]) == 1
    build_args = ["build", "-s", str(site), "-o", str(out)]
    if case.severity == "warning":
        build_args.append("--strict")
    assert main(build_args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and case.message in err
    assert _tree(out) == good, "a failed build must leave the previous output untouched"
    assert not list(tmp_path.glob(".out.sitegen-*")), "no staging folder left behind"


def test_json_and_github_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    replace(BUDGET, "rating: no-verdict", "rating: no-verdit")(site)
    assert main(["check", "-s", str(site), "--format", "json"]) == 1
    items = json.loads(capsys.readouterr().out)
    assert [(d["path"], d["severity"]) for d in items] == [(BUDGET, "error")]
    assert items[0]["message"] == "unknown rating 'no-verdit'"
    assert items[0]["hint"] == "did you mean 'no-verdict'?"
    assert items[0]["line"] > 0 and items[0]["col"] > 0
    assert main(["check", "-s", str(site), "--format", "github"]) == 1
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"::error file={BUDGET},line={items[0]['line']},col={items[0]['col']}")
    assert line.endswith("::unknown rating 'no-verdit' (hint: did you mean 'no-verdict'?)")


def test_usage_error_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["check", "--format", "xml"])
    assert info.value.code == 2


def test_clean_site_checks_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-s", str(MINI), "--strict"]) == 0
    assert capsys.readouterr().out.strip() == "0 error(s), 0 warning(s)"
