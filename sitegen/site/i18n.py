"""The theme's own words in the site's language (templates/ui-text.yaml).

The theme ships English and German; a site's templates/ui-text.yaml may
override single entries or add a language. Missing entries fall back to
English. Dates are written the way each language writes them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from markupsafe import Markup, escape

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
        if lang == "de":
            return f"{value.day}. {month} {value.year}"
        return f"{value.day} {month} {value.year}"


# libyaml's safe loader when PyYAML has it (the theme's words take 80 ms to parse
# in pure Python, most of a quick rebuild's budget)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_ui_text(template_dirs: list[Path], language: str) -> UIText:
    """Entries for `language` (its primary subtag), theme first, the site's own on top."""
    lang = language.split("-")[0].lower()
    files = []
    for folder in reversed(template_dirs):  # the theme first, then the site's overrides
        path = folder / UI_TEXT_FILE
        if path.is_file():
            files.append(yaml.load(path.read_text(encoding="utf-8"), _SAFE_LOADER) or {})
    entries: dict[str, str] = {}
    for code in dict.fromkeys((FALLBACK, lang)):  # English under everything, then the language
        for data in files:
            section = data.get(code)
            if isinstance(section, dict):
                entries.update({str(k): str(v) for k, v in section.items()})
    return UIText(entries, lang)
