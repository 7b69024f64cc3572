"""The theme's own words in the site's language (templates/ui-text.yaml).

The theme ships English and German; a site's templates/ui-text.yaml may
override single entries or add a language. Missing entries fall back to
English. Dates are written the way each language writes them. A site's
ui-text.yaml is read with the same bounds as content (content/limits.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from sitegen.content.dates import precision
from sitegen.content.limits import MAX_YAML_BYTES, oversize
from sitegen.content.yamlfile import YamlError, load_yaml
from sitegen.diagnostics import ContentError, Diagnostic

UI_TEXT_FILE = "ui-text.yaml"
FALLBACK = "en"

MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
}
SHORT_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "de": ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.",
           "Nov.", "Dez."),
}


class UIText:
    """`text(key, **values)`: the entry for `key` with {placeholders} filled in."""

    def __init__(self, entries: dict[str, str], language: str) -> None:
        self.entries = entries
        self.language = language

    def __call__(self, key: str, **values: object) -> str:
        template = self.entries.get(key, key)
        return template.format(**values) if values else template

    def markup(self, key: str, **values: object) -> Markup:
        """An entry that holds HTML (links), with the values escaped."""
        template = self.entries.get(key, key)
        return Markup(template.format(**{k: escape(v) for k, v in values.items()}))

    def date(self, value: dt.date | None, style: str = "long") -> str:
        if value is None:
            return ""
        lang = self.language if self.language in MONTHS else FALLBACK
        if style == "short":
            month = SHORT_MONTHS[lang][value.month - 1]
        else:
            month = MONTHS[lang][value.month - 1]
        known = precision(value)
        if known == "year":
            return str(value.year)
        if known == "month":
            return f"{month} {value.year}"
        if lang == "de":
            return f"{value.day}. {month} {value.year}"
        return f"{value.day} {month} {value.year}"


def load_ui_text(template_dirs: list[Path], language: str) -> UIText:
    """Entries for `language` (its primary subtag), theme first, the site's own on top."""
    lang = language.split("-")[0].lower()
    files = []
    for folder in reversed(template_dirs):  # the theme first, then the site's overrides
        path = folder / UI_TEXT_FILE
        if path.is_file():
            files.append(_read(path) or {})
    entries: dict[str, str] = {}
    for code in dict.fromkeys((FALLBACK, lang)):  # English under everything, then the language
        for data in files:
            section = data.get(code)
            if isinstance(section, dict):
                entries.update({str(k): str(v) for k, v in section.items()})
    return UIText(entries, lang)


def _read(path: Path) -> Any:
    """One ui-text.yaml, read like a content file (content/yamlfile.py, with
    libyaml: about 1 ms): what is wrong with it stops the build as a located
    error. Its path is shown as 'templates/ui-text.yaml'."""
    shown = f"{path.parent.name}/{path.name}"
    problem = oversize(path, MAX_YAML_BYTES, "a YAML file")
    if problem:
        raise ContentError([Diagnostic(shown, 1, 1, "error", problem,
                                       "the theme's words fit in a few KiB; keep it to them")])
    try:
        return load_yaml(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ContentError([Diagnostic(shown, 1, 1, "error", "the file is not UTF-8 text",
                                       "save it as UTF-8")]) from None
    except YamlError as exc:
        raise ContentError([Diagnostic(shown, *exc.pos, "error", exc.message, exc.hint)]) from None
