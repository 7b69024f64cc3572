"""sitegen import: seed text → article."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sitegen.cli import main
from sitegen.content.document import ascii_slug, parse_document
from sitegen.content.seeds import import_seed, is_heading, parse_seed

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "000_8b633944bfffd8f9.txt"
BOILERPLATE = [
    r"^Bitte beachten Sie, dass dieser Inhalt keine Anlageberatung darstellt\.",
    r"^Quelle & Bilder$",
    r"^Schreibe einen Kommentar$",
    r"^Deine E-Mail-Adresse wird nicht veröffentlicht\.",
]
SLUG = "ki-ceo-behauptet-das-chinesische-deepseek-labor-verfuege-ueber-50-000-nvidia"


def _site(tmp_path: Path) -> Path:
    (tmp_path / "seeds").mkdir(parents=True)
    patterns = "\n".join(f"    - '{p}'" for p in BOILERPLATE)
    (tmp_path / "site.yaml").write_text(
        "title: T\nbase_url: https://example.org/\nlanguage: en\n"
        "ratings:\n  - {id: ok, label: OK}\n"
        f"seeds:\n  boilerplate:\n{patterns}\n",
        encoding="utf-8",
    )
    return tmp_path


def test_seed_gives_title_headings_and_paragraphs() -> None:
    text = SEED.read_text(encoding="utf-8")
    imported = parse_seed(text, BOILERPLATE)
    assert imported.title.startswith("KI-CEO behauptet, das chinesische DeepSeek-Labor")
    headings = [b[3:] for b in imported.blocks if b.startswith("## ")]
    assert headings == [
        "DeepSeeks R1-KI-Modell: Im Wettbewerb mit globalen Giganten",
        "NVIDIAs fortschrittliche GPU-Landschaft",
        "Erkenntnisse aus „Die letzte Prüfung der Menschheit“",
        "KI-Wettbewerb zwischen den USA und China: Ein Paradigmenwechsel",
        "NVIDIA GPU-Leistung",
        "Die GPU-Verfügbarkeitsdebatte",
        "DeepSeeks GPU-Cache und zukünftige Herausforderungen",
    ]
    paragraphs = [b for b in imported.blocks if not b.startswith("## ")]
    assert len(paragraphs) == 7
    body = imported.markdown()
    assert imported.title not in body  # the duplicated title line is the title only
    for boilerplate in ("Anlageberatung", "Quelle & Bilder", "Kommentar", "E-Mail-Adresse"):
        assert boilerplate not in body
    # Paragraphs verbatim: every kept seed line is in the rendered plain text.
    plain = parse_document(body).text
    for line in text.splitlines():
        line = line.strip()
        if line and line != imported.title and not any(re.search(p, line) for p in BOILERPLATE):
            assert line in plain


@pytest.mark.parametrize(
    "line, heading",
    [
        ("NVIDIAs fortschrittliche GPU-Landschaft", True),
        ("Erkenntnisse aus „Die letzte Prüfung der Menschheit“", True),
        ("Er sagte: „Das ist so.“", False),  # punctuation before a closing quote
        ("Eine kurze Frage?", False),
        ("Ein Doppelpunkt:", False),
        ("x" * 81, False),
    ],
)
def test_heading_rule(line: str, heading: bool) -> None:
    assert is_heading(line) is heading


def test_slug_transliterates_and_is_at_most_80_chars() -> None:
    title = SEED.read_text(encoding="utf-8").splitlines()[0]
    slug = ascii_slug(title)
    assert slug == SLUG
    assert len(slug) <= 80
    assert ascii_slug("Größe über Ärger") == "groesse-ueber-aerger"


@pytest.mark.parametrize("variant", ["crlf", "bom", "no-final-newline", "all"])
def test_line_end_and_bom_variants_give_the_same_article(tmp_path: Path, variant: str) -> None:
    raw = SEED.read_bytes()
    reference_site = _site(tmp_path / "a")
    import_seed(reference_site, SEED, boilerplate=BOILERPLATE, lang="de")
    expected = (reference_site / "content/articles" / f"{SLUG}.md").read_bytes()

    changed = raw
    if variant in ("crlf", "all"):
        changed = changed.replace(b"\n", b"\r\n")
    if variant in ("bom", "all"):
        changed = b"\xef\xbb\xbf" + changed
    if variant in ("no-final-newline", "all"):
        changed = changed.rstrip(b"\r\n")
    other_site = _site(tmp_path / "b")
    seed = other_site / "seeds" / SEED.name
    seed.write_bytes(changed)
    import_seed(other_site, seed, boilerplate=BOILERPLATE, lang="de")
    assert (other_site / "content/articles" / f"{SLUG}.md").read_bytes() == expected


def test_committed_demo_article_is_the_import_plus_front_matter(tmp_path: Path) -> None:
    site = _site(tmp_path)
    article, _ = import_seed(site, SEED, boilerplate=BOILERPLATE, lang="de")
    imported_body = article.read_text(encoding="utf-8").split("---\n", 2)[2]
    committed = (REPO / "content/articles" / f"{SLUG}.md").read_text(encoding="utf-8")
    assert committed.split("---\n", 2)[2] == imported_body


def test_cli_import_refuses_to_overwrite_without_force(tmp_path: Path, capsys) -> None:
    site = _site(tmp_path)
    seed = site / "seeds" / SEED.name
    seed.write_bytes(SEED.read_bytes())
    args = ["import", str(seed), "-s", str(site), "--lang", "de", "--date", "2025-01-24"]
    assert main(args) == 0
    article = site / "content/articles" / f"{SLUG}.md"
    claims = site / "content/claims" / f"{SLUG}.yaml"
    assert "date: 2025-01-24" in article.read_text(encoding="utf-8")
    assert claims.read_text(encoding="utf-8") == f"article: {SLUG}\nclaims: []\n"

    article.write_text(article.read_text(encoding="utf-8") + "\nedited\n", encoding="utf-8")
    claims.write_text("article: x\nclaims: [precious]\n", encoding="utf-8")
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert "edited" in article.read_text(encoding="utf-8")

    assert main([*args, "--force"]) == 0
    assert "edited" not in article.read_text(encoding="utf-8")
    assert "precious" in claims.read_text(encoding="utf-8")  # claims are never overwritten


def test_cli_import_reports_non_utf8_seed(tmp_path: Path, capsys) -> None:
    site = _site(tmp_path)
    seed = site / "seeds" / "latin1.txt"
    seed.write_bytes("Titel\n\nGr\xfc\xdfe aus K\xf6ln.\n".encode("latin-1"))
    assert main(["import", str(seed), "-s", str(site)]) == 1
    err = capsys.readouterr().err
    assert "seeds/latin1.txt:3:3: error: the seed is not UTF-8 text" in err
    assert "Traceback" not in err


def test_cli_import_refuses_a_seed_above_the_size_limit(tmp_path: Path, capsys) -> None:
    site = _site(tmp_path)
    seed = site / "seeds" / "huge.txt"
    seed.write_text("Title\n\n" + ("A paragraph of the seed. " * 40 + "\n\n") * 4300,
                    encoding="utf-8")
    assert main(["import", str(seed), "-s", str(site)]) == 1
    err = capsys.readouterr().err
    assert "seeds/huge.txt:1:1: error: the file is 4.2 MiB, more than the 4 MiB a seed may " \
           "hold\n    hint: split the text into several seeds" in err
    assert "Traceback" not in err
    assert not (site / "content").exists()


def _seed(site: Path, name: str, title: str) -> Path:
    path = site / "seeds" / name
    path.write_text(f"{title}\n\nThe first paragraph of {name}.\n", encoding="utf-8")
    return path


def test_cli_imports_many_seeds_and_says_what_it_skipped_and_why(tmp_path: Path,
                                                                 capsys) -> None:
    site = _site(tmp_path)
    _seed(site, "001_a.txt", "Harbour opens")
    _seed(site, "002_b.txt", "Budget passes")
    _seed(site, "003_c.txt", "Harbour opens")  # the same title, so the same slug, as 001
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    _seed(site, "004_d.txt", "Already here")
    assert main(["import", str(site / "seeds/004_d.txt"), "-s", str(site)]) == 0
    capsys.readouterr()
    extra = outside / "005_e.txt"
    extra.write_text("From outside\n\nA text kept elsewhere.\n", encoding="utf-8")

    code = main(["import", str(site / "seeds" / "00[1-4]_*.txt"), str(extra),
                 str(tmp_path / "nothing-*.txt"), "-s", str(site)])
    out, err = capsys.readouterr()
    assert code == 1
    articles = site / "content/articles"
    assert sorted(p.name for p in articles.iterdir()) == [
        "already-here.md", "budget-passes.md", "from-outside.md", "harbour-opens.md"]
    assert "seed: 001_a.txt" in (articles / "harbour-opens.md").read_text(encoding="utf-8")
    assert (site / "seeds/005_e.txt").read_bytes() == extra.read_bytes()
    assert "imported 3 of 5 seeds, skipped 2 (why: above); 1 pattern(s) matched no file" in out
    assert ("seeds/003_c.txt:1:1: error: seeds/001_a.txt gives the same slug 'harbour-opens' "
            "in this import") in err
    assert "content/articles/already-here.md:0:0: error: the article already exists" in err
    assert "nothing-*.txt:0:0: error: no seed file matches this pattern" in err
    assert "Traceback" not in err

    # --force overwrites what exists, never the article another seed of the run just wrote
    code = main(["import", str(site / "seeds" / "*.txt"), "-s", str(site), "--force"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "imported 4 of 5 seeds, skipped 1" in out
    assert "seed: 001_a.txt" in (articles / "harbour-opens.md").read_text(encoding="utf-8")


def test_cli_import_slug_with_several_seeds_is_a_usage_error(tmp_path: Path, capsys) -> None:
    site = _site(tmp_path)
    a = _seed(site, "001_a.txt", "One")
    b = _seed(site, "002_b.txt", "Two")
    assert main(["import", str(a), str(b), "--slug", "x", "-s", str(site)]) == 2
    assert "--slug names one article" in capsys.readouterr().err
    assert not (site / "content").exists()
    # one seed through a pattern is one seed
    assert main(["import", str(site / "seeds" / "001_*"), "--slug", "x", "-s", str(site)]) == 0
    assert (site / "content/articles/x.md").is_file()
