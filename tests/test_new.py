"""`sitegen new site|claim|entity`: a site that builds clean at once, and stubs
written into the editor's files without touching the rest of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from sitegen.check import check_site
from sitegen.cli import main
from sitegen.new import STARTER
from tests.conftest import REPO


def test_new_site_writes_a_site_that_checks_clean_and_says_what_to_do_next(
        tmp_path: Path, capsys) -> None:
    root = tmp_path / "my site"
    assert main(["new", "site", str(root)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-4:] == [
        "next:",
        f"  cd '{root}'",
        "  sitegen serve                   # preview at http://127.0.0.1:8000/, "
        "rebuilt on every save",
        "  sitegen import 'seeds/*.txt'    # turn your raw article texts into articles",
    ]
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert files == [
        ".github/workflows/pages.yml", ".gitignore",
        "content/articles/bridge-reopens-in-march.md",
        "content/claims/bridge-reopens-in-march.yaml",
        "content/entities/dana-okafor.yaml", "content/entities/millbrook-courier.yaml",
        "content/entities/riverside-bridge.yaml", "content/pages/about.md",
        "requirements.txt", "site.yaml",
    ]
    assert (root / "seeds").is_dir()
    assert check_site(root).sorted() == []
    ignored = (root / ".gitignore").read_text(encoding="utf-8").split()
    assert "/public/" in ignored and "/.sitegen-cache/" in ignored
    requirement = [line for line in (root / "requirements.txt").read_text().splitlines()
                   if line and not line.startswith("#")]
    assert len(requirement) == 1 and requirement[0].startswith("sitegen")
    config = yaml.safe_load((root / "site.yaml").read_text(encoding="utf-8"))
    assert [r["id"] for r in config["ratings"]] == [
        "accurate", "misleading", "inaccurate", "unverified", "opinion"]
    # every setting of the scale is explained where an editor reads it
    text = (root / "site.yaml").read_text(encoding="utf-8")
    for word in ("label", "description", "value", "final"):
        assert f"#   {word}" in text


def test_new_site_refuses_a_folder_that_is_not_empty_and_keeps_files_with_force(
        tmp_path: Path, capsys) -> None:
    (tmp_path / "site.yaml").write_text("title: mine\n", encoding="utf-8")
    assert main(["new", "site", str(tmp_path)]) == 1
    assert "is not empty" in capsys.readouterr().err
    assert not (tmp_path / "content").exists()
    assert main(["new", "site", str(tmp_path), "--force"]) == 0
    assert f"kept {tmp_path / 'site.yaml'} (it exists)" in capsys.readouterr().out
    assert (tmp_path / "site.yaml").read_text(encoding="utf-8") == "title: mine\n"
    assert (tmp_path / "content/articles/bridge-reopens-in-march.md").is_file()


def test_the_workflow_new_site_writes_is_the_one_the_publishing_docs_show() -> None:
    starter = (STARTER / "github-pages.yml").read_bytes()
    assert starter == (REPO / "docs/examples/github-pages-site.yml").read_bytes()
    assert "github-pages-site.yml" in (REPO / "docs/publishing.md").read_text(encoding="utf-8")
    steps = yaml.safe_load(starter)["jobs"]["build"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert "python -m pip install -r requirements.txt" in runs
    assert "sitegen check --format github" in runs


def test_new_claim_appends_a_stub_that_check_points_to_field_by_field(
        tmp_path: Path, capsys) -> None:
    main(["new", "site", str(tmp_path / "s")])
    site = tmp_path / "s"
    claims = site / "content/claims/bridge-reopens-in-march.yaml"
    before = claims.read_text(encoding="utf-8")
    quote = "The bridge has been closed since a flood damaged its supports last autumn."
    assert main(["new", "claim", "bridge-reopens-in-march", "--quote", quote,
                 "-s", str(site)]) == 0
    out = capsys.readouterr().out
    after = claims.read_text(encoding="utf-8")
    assert after.startswith(before)  # appended; the editor's lines untouched
    item = yaml.safe_load(after)["claims"][-1]
    assert item["id"] == "the-bridge-has-been-closed-since-a-flood-damaged-its"
    assert item["quote"] == quote
    assert item["rating"] == "unverified"  # the scale's first rating that is not final
    assert item["reviewed"] == dt.date.today()
    line = after.splitlines().index(f"  - id: {item['id']}") + 1
    assert f"into {claims} at line {line}" in out
    problems = {(d.path, d.line, d.message) for d in check_site(site).sorted()}
    rel = "content/claims/bridge-reopens-in-march.yaml"
    assert problems == {(rel, line + 2, "'claim' is empty"),
                        (rel, line + 3, "'claimant' is empty"),
                        (rel, line + 8, "'review' is empty"),
                        (rel, line + 9, "the claim has no sources")}
    # a second stub of the same quote gets its own id
    assert main(["new", "claim", "bridge-reopens-in-march", "--quote", quote,
                 "-s", str(site)]) == 0
    ids = [c["id"] for c in yaml.safe_load(claims.read_text(encoding="utf-8"))["claims"]]
    assert ids[-2:] == [item["id"], item["id"] + "-2"]
    assert main(["new", "claim", "bridge-reopen", "-s", str(site)]) == 1
    assert "did you mean 'bridge-reopens-in-march'?" in capsys.readouterr().err


def test_new_entity_writes_a_file_that_loads(tmp_path: Path, capsys) -> None:
    main(["new", "site", str(tmp_path / "s")])
    site = tmp_path / "s"
    assert main(["new", "entity", "Jürgen Müller-Lüdenscheidt", "--type", "person",
                 "-s", str(site)]) == 0
    path = site / "content/entities/juergen-mueller-luedenscheidt.yaml"
    assert f"wrote {path}" in capsys.readouterr().out
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {
        "name": "Jürgen Müller-Lüdenscheidt", "type": "person", "aliases": [],
        "description": ""}
    assert [d.message for d in check_site(site).sorted()] == [
        "the entity 'juergen-mueller-luedenscheidt' is never mentioned nor referenced"]
    assert main(["new", "entity", "Jürgen Müller-Lüdenscheidt", "-s", str(site)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["new", "entity", "Town council", "--type", "organisation",
                 "-s", str(site)]) == 1
    assert "did you mean 'organization'?" in capsys.readouterr().err
