"""The CI examples in docs/examples/ (they cannot run here): valid YAML, and
the warm-build recipe of docs/publishing.md in each, with the secret taken from
the CI settings and never written into the file."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import REPO

EXAMPLES = REPO / "docs" / "examples"


# the second is the one `sitegen new site` writes (a site in a repository of its own)
@pytest.mark.parametrize("name", ["github-pages.yml", "github-pages-site.yml"])
def test_github_workflow_restores_the_cache_before_building_with_the_secret(name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    steps = workflow["jobs"]["build"]["steps"]
    names = [step.get("name") for step in steps]
    cache = next(s for s in steps if str(s.get("uses", "")).startswith("actions/cache@"))
    build = next(s for s in steps if s.get("name") == "Build")
    assert names.index(cache["name"]) < names.index("Build")
    assert set(cache["with"]["path"].split()) == {".sitegen-cache", "public"}
    assert cache["with"]["restore-keys"].strip()  # an earlier run's cache is found
    assert build["env"]["SITEGEN_CACHE_KEY"] == "${{ secrets.SITEGEN_CACHE_KEY }}"
    assert "sitegen build -o public" in build["run"]


def test_gitlab_pages_job_keeps_the_cache_and_takes_the_secret_from_the_settings() -> None:
    text = (EXAMPLES / "gitlab-ci.yml").read_text(encoding="utf-8")
    pipeline = yaml.safe_load(text)
    pages = pipeline["pages"]
    paths = {path for entry in pages["cache"] for path in entry["paths"]}
    assert {".sitegen-cache", "public"} <= paths
    assert any("sitegen build -o public" in line for line in pages["script"])
    # a masked CI/CD variable, documented in the file, never given a value in it
    assert "SITEGEN_CACHE_KEY" in text
    assert "SITEGEN_CACHE_KEY" not in pipeline.get("variables", {})
    assert "SITEGEN_CACHE_KEY" not in pages.get("variables", {})
