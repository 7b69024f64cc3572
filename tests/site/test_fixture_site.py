"""A second site, unlike the demo (English, another rating scale, its own
entities, no templates of its own), built in-process and from a wheel
installed into a fresh virtual environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

from sitegen.build import BuildOptions, build
from tests.conftest import MINI, REPO, html_pages, output_tree, soup


@pytest.fixture(scope="module")
def mini_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mini") / "out"
    build(BuildOptions(src=MINI, out=out, cache=False))  # leave the fixture as it is
    return out


def test_fixture_has_no_templates_of_its_own() -> None:
    assert not (MINI / "templates").exists()


def test_its_own_rating_scale_and_language(mini_site: Path) -> None:
    ratings = yaml.safe_load((MINI / "site.yaml").read_text())["ratings"]
    claims_page = soup(mini_site / "claims" / "index.html")
    assert claims_page.html["lang"] == "en"
    labels = {r["id"]: r["label"] for r in ratings}
    data = json.loads((mini_site / "claims.json").read_text())
    for claim in data["claims"]:
        page = soup(mini_site / "claims" / claim["id"] / "index.html")
        assert page.find(class_="verdict").get_text(" ", strip=True).startswith(
            labels[claim["rating"]["id"]])


def test_drafts_are_left_out(mini_site: Path) -> None:
    assert not (mini_site / "articles" / "draft-notes").exists()
    data = json.loads((mini_site / "claims.json").read_text())
    assert all(c["target"]["article"] != "draft-notes" for c in data["claims"])


def test_prefix_picks_the_right_occurrence(mini_site: Path) -> None:
    claims = yaml.safe_load(
        (MINI / "content/claims/harbour-expansion-will-double-cargo.yaml").read_text())["claims"]
    with_prefix = next(c for c in claims if c.get("prefix"))
    page = soup(mini_site / "articles" / "harbour-expansion-will-double-cargo" / "index.html")
    marks = [m for m in page.find_all("mark") if with_prefix["id"] in m["data-claims"].split()]
    assert marks
    paragraph = marks[0].find_parent("p")
    assert with_prefix["prefix"] in paragraph.get_text()
    # the other occurrence is not highlighted
    occurrences = [p for p in page.find_all("p") if with_prefix["quote"] in p.get_text()]
    assert len(occurrences) == 2
    assert sum(bool(p.find("mark")) for p in occurrences
               if with_prefix["quote"] in "".join(m.get_text() for m in p.find_all("mark"))) == 1


def test_quote_across_emphasis_is_highlighted_inside_it(mini_site: Path) -> None:
    page = soup(mini_site / "articles" / "council-budget-vote" / "index.html")
    em = page.find("em")
    assert em.find("mark") is not None


def test_paginated_lists(mini_site: Path) -> None:
    pages = sorted((mini_site / "claims" / "page").glob("*/index.html"))
    data = json.loads((mini_site / "claims.json").read_text())
    assert len(pages) + 1 == -(-len(data["claims"]) // 2)
    listed = set()
    for path in [mini_site / "claims" / "index.html", *pages]:
        for a in soup(path).select(".claim-list .claim-item > a"):
            listed.add(a["href"].rstrip("/").split("/")[-1])
    assert listed == {c["id"] for c in data["claims"]}


def _tree(out: Path) -> dict[str, bytes]:
    return output_tree(out)


@pytest.mark.slow
def test_builds_from_an_installed_wheel(tmp_path: Path, mini_site: Path) -> None:
    """The wheel carries the theme and schemas: a fresh venv builds the same bytes."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist),
                    str(REPO)], check=True)
    wheel = next(dist.glob("sitegen-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True)
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    theme = subprocess.run(
        [str(python), "-c", "from sitegen.site.render import theme_dir; print(theme_dir())"],
        check=True, capture_output=True, text=True, cwd=workdir, env=clean_env).stdout.strip()
    assert theme.startswith(str(env_dir)), theme
    out = tmp_path / "out"
    done = subprocess.run([str(env_dir / "bin" / "sitegen"), "build", "-s", str(MINI),
                           "-o", str(out), "--no-cache"], capture_output=True, text=True,
                          cwd=workdir,
                          env=clean_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("built ")
    assert _tree(out) == _tree(mini_site)
    assert len(html_pages(out)) > 20
    # the starter site travels in the wheel too, and builds with --strict from it
    new = subprocess.run([str(env_dir / "bin" / "sitegen"), "new", "site", "fresh"],
                         capture_output=True, text=True, cwd=workdir, env=clean_env)
    assert new.returncode == 0, new.stderr
    assert (workdir / "fresh/.github/workflows/pages.yml").is_file()
    built = subprocess.run([str(env_dir / "bin" / "sitegen"), "build", "--strict", "-s", "fresh"],
                           capture_output=True, text=True, cwd=workdir, env=clean_env)
    assert built.returncode == 0, built.stderr
    assert (workdir / "fresh/public/articles/bridge-reopens-in-march/index.html").is_file()
