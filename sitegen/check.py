"""`sitegen check`: every validation of a build, nothing written.

Reads the whole site (drafts included), then plans and renders every page in
memory so that template errors surface too, and reports the diagnostics as
text, JSON or GitHub workflow annotations.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from sitegen.content.cache import LoadCache
from sitegen.diagnostics import ContentError, Diagnostic, Diagnostics, format_report
from sitegen.rebuild import read_site
from sitegen.site.files import site_files, stage_pages
from sitegen.site.output import Stager
from sitegen.site.pages import plan_site
from sitegen.site.render import make_environment, ui_text

FORMATS = ("text", "json", "github")


def check_site(src: Path) -> Diagnostics:
    """All diagnostics for the site at `src` (errors and warnings)."""
    archive, diags = read_site(src, drafts=True, base_url=None,
                               cache=LoadCache(keep_anchorers=False))
    if archive is not None and not diags.errors:
        try:
            plans = plan_site(archive, ui_text(src, archive))
            env = make_environment(src, archive)
            stage_pages(_Discard(), env, src, archive, plans)  # rendered, not kept
            site_files(env, src, archive, plans)
        except ContentError as exc:
            diags.extend(exc.diagnostics)
    return diags


class _Discard(Stager):
    """Takes rendered pages and keeps nothing (check writes no file)."""

    def __init__(self) -> None:
        super().__init__(Path(), Path())

    def add(self, path: str, data: bytes) -> None:
        self.written += 1


def render_diagnostics(diagnostics: Iterable[Diagnostic], fmt: str) -> str:
    items = sorted(diagnostics, key=Diagnostic.sort_key)
    if fmt == "json":
        return json.dumps([{
            "path": d.path, "line": d.line, "col": d.col, "severity": d.severity,
            "message": d.message, "hint": d.hint,
        } for d in items], ensure_ascii=False, indent=2)
    if fmt == "github":
        lines = []
        for d in items:
            text = d.message + (f" (hint: {d.hint})" if d.hint else "")
            lines.append(f"::{d.severity} file={_gh(d.path, True)},line={d.line},col={d.col},"
                         f"title=sitegen::{_gh(text)}")
        return "\n".join(lines)
    return format_report(items)


def _gh(text: str, prop: bool = False) -> str:
    """Escape a value for a GitHub workflow command."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text
