"""The JSON Schemas describe exactly what the loader accepts: every real
content file validates, and the structural mistakes of the bad-input table are
rejected by the schema as they are by `sitegen check`."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from sitegen.cli import main
from sitegen.schemas import CONTENT_SCHEMAS, schema_dir
from tests.conftest import MINI, REPO
from tests.test_bad_input import CASES


def _plain(value: Any) -> Any:
    """YAML data as JSON would carry it (dates as ISO strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _front_matter(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])


def _documents(site: Path) -> list[tuple[str, Path, Any]]:
    docs = [("site.schema.json", site / "site.yaml",
             yaml.safe_load((site / "site.yaml").read_text(encoding="utf-8")))]
    for path in sorted((site / "content" / "articles").glob("*.md")):
        docs.append(("article.schema.json", path, _front_matter(path)))
    for path in sorted((site / "content" / "pages").glob("*.md")):
        docs.append(("page.schema.json", path, _front_matter(path)))
    for path in sorted((site / "content" / "claims").glob("*.yaml")):
        docs.append(("claims-file.schema.json", path, yaml.safe_load(path.read_text())))
    for path in sorted((site / "content" / "entities").glob("*.yaml")):
        docs.append(("entity.schema.json", path, yaml.safe_load(path.read_text())))
    return docs


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((schema_dir() / name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("name", sorted(CONTENT_SCHEMAS))
def test_schemas_are_valid_and_shipped(name: str) -> None:
    schema = json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("site", [REPO, MINI], ids=["demo", "mini"])
def test_real_content_validates(site: Path) -> None:
    docs = _documents(site)
    assert len(docs) > 8
    for name, path, data in docs:
        errors = list(_validator(name).iter_errors(_plain(data)))
        assert not errors, f"{path}: {errors[0].message}"


SCHEMA_DETECTABLE = [
    "unknown-field", "unknown-field-entity", "missing-field", "boolean-rating", "not-a-date",
    "bad-id", "unknown-attribution", "unknown-entity-type", "source-without-url",
    "javascript-url", "data-url", "file-url", "relative-url", "no-title", "site-missing-title",
]


@pytest.mark.parametrize("case_id", SCHEMA_DETECTABLE)
def test_structural_mistakes_are_rejected_by_the_schema(case_id: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == case_id)
    site = tmp_path / "site"
    shutil.copytree(MINI, site)
    case.edit(site)
    edited = site / case.path
    matches = [(name, data) for name, path, data in _documents(site) if path == edited]
    assert matches, case.path
    name, data = matches[0]
    assert list(_validator(name).iter_errors(_plain(data))), f"{case_id} passes the schema"


def test_sitegen_schemas_writes_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", str(tmp_path / "schemas")]) == 0
    written = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert written == sorted(CONTENT_SCHEMAS)
    for name in written:
        assert (tmp_path / "schemas" / name).read_bytes() == (REPO / "schemas" / name).read_bytes()
