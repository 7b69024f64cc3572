"""The JSON Schemas shipped with sitegen.

`schemas/` holds one schema per kind of content file (site.yaml, article and
page front matter, claims files, entity files) and one for the claims.json
export. The content loader (content/load.py) is what validates a site, with
positions and hints; the schemas describe the same format for editors
(yaml-language-server gives completion and inline errors with them) and for
other tools, and the test suite keeps the two in agreement.
"""

from __future__ import annotations

import shutil
from pathlib import Path

CONTENT_SCHEMAS = {
    "site.schema.json": "site.yaml",
    "article.schema.json": "front matter of content/articles/*.md",
    "page.schema.json": "front matter of content/pages/*.md",
    "claims-file.schema.json": "content/claims/*.yaml",
    "entity.schema.json": "content/entities/*.yaml",
    "claims.schema.json": "the built claims.json export",
}


def schema_dir() -> Path:
    """The schemas: packaged in the wheel, or the repo's schemas/."""
    packaged = Path(__file__).resolve().parent / "_schemas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "schemas"


def write_schemas(target: Path) -> list[Path]:
    """Copy every schema into `target` (created if needed); return the paths written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in CONTENT_SCHEMAS:
        destination = target / name
        shutil.copyfile(schema_dir() / name, destination)
        written.append(destination)
    return written
