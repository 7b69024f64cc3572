"""Typed reading of YAML mappings with diagnostics.

`Fields` wraps one `YamlMap` and hands out typed values; each wrong type,
missing field or unknown field becomes a diagnostic at the value's position,
and a sensible default is returned so reading can go on and report more.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sitegen.content.dates import PartialDate
from sitegen.content.yamlfile import Pos, YamlList, YamlMap
from sitegen.diagnostics import Diagnostics, did_you_mean

ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
MONTH_RE = re.compile(r"(\d{4})-(\d{2})")
YEAR_RE = re.compile(r"\d{4}")
HTTP_URL_RE = re.compile(r"https?://[^\s/?#]+\.[^\s]*|https?://[^\s/?#]+(?:[/?#][^\s]*)?")


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean (true/false)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "empty"
    return "text"


class Fields:
    """Reads the fields of one mapping, reporting problems into `diags`."""

    def __init__(self, data: YamlMap, path: str, diags: Diagnostics, what: str) -> None:
        self.data = data
        self.path = path
        self.diags = diags
        self.what = what
        self.seen: set[str] = set()

    def pos(self, key: str) -> Pos:
        return self.data.where(key)

    def error(self, key: str | None, message: str, hint: str = "") -> None:
        pos = self.pos(key) if key else self.data.pos
        self.diags.error(self.path, pos, message, hint)

    def warning(self, key: str | None, message: str, hint: str = "") -> None:
        pos = self.pos(key) if key else self.data.pos
        self.diags.warning(self.path, pos, message, hint)

    def _get(self, key: str, required: bool) -> Any:
        self.seen.add(key)
        if key not in self.data or self.data[key] is None:
            if required:
                self.error(None if key not in self.data else key,
                           f"{self.what} has no '{key}'", f"add a '{key}:' field")
            return None
        value = self.data[key]
        if required and isinstance(value, str) and not value.strip():
            self.error(key, f"'{key}' is empty", f"give '{key}' a value")
            return None
        return value

    def _wrong(self, key: str, value: Any, expected: str, hint: str = "") -> None:
        extra = ""
        if isinstance(value, bool):
            extra = "; YAML reads yes/no/true/false/on/off as booleans"
            hint = hint or f"quote it: {key}: \"{str(value).lower()}\""
        self.error(key, f"'{key}' must be {expected}, not {type_name(value)}{extra}", hint)

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self._wrong(key, value, "text")
        return default

    def boolean(self, key: str, *, default: bool = False) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        self._wrong(key, value, "true or false")
        return default

    def integer(self, key: str, *, default: int | None = None) -> int | None:
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        self._wrong(key, value, "a whole number")
        return default

    def date(self, key: str, *, required: bool = False) -> dt.date | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and DATE_RE.fullmatch(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(
            key,
            f"'{key}' must be a date (YYYY-MM-DD), not {type_name(value)} {value!r}",
            "write it as 2025-01-23",
        )
        return None

    def partial_date(self, key: str, *, required: bool = False) -> dt.date | None:
        """A date that may be known to the day (2025-01-24), the month ("2025-01")
        or the year (2025), with optional `<key>_estimated: true` and
        `<key>_note` beside it: a plain date when known to the day without
        either, else a PartialDate."""
        value = self._get(key, required)
        estimated = self.boolean(f"{key}_estimated")
        note = self.text(f"{key}_note")
        if value is None:
            if estimated or note:
                self.error(f"{key}_estimated" if estimated else f"{key}_note",
                           f"'{key}_{'estimated' if estimated else 'note'}' without '{key}'",
                           f"add '{key}:' (2025-01-24, \"2025-01\" or 2025) or remove it")
            return None
        found = _partial(value)
        if found is None:
            self.error(
                key, f"'{key}' must be a date (YYYY-MM-DD, YYYY-MM or YYYY), "
                f"not {type_name(value)} {value!r}",
                "write it as 2025-01-23, or \"2025-01\" or 2025 when only the month or "
                "year is known")
            return None
        year, month, day, precision = found
        if precision == "day" and not estimated and not note:
            return dt.date(year, month, day)
        return PartialDate(year, month, day, precision, estimated, note)

    def ident(self, key: str, *, required: bool = False) -> str:
        value = self.text(key, required=required)
        if value and not ID_RE.fullmatch(value):
            self.error(
                key,
                f"'{key}' is not a valid id: {value!r}",
                "ids use lowercase letters, digits and single hyphens, e.g. 'deepseek-r1'",
            )
        return value

    def url(self, key: str, *, required: bool = False) -> str:
        value = self.text(key, required=required)
        if value:
            check_http_url(self, key, value)
        return value

    def mapping(self, key: str, *, required: bool = False) -> YamlMap | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, YamlMap):
            return value
        self._wrong(key, value, "a mapping (key: value lines)")
        return None

    def items(self, key: str, *, required: bool = False, single_ok: bool = False) -> YamlList:
        """A list; with `single_ok`, a lone mapping or value counts as a list of one."""
        value = self._get(key, required)
        if value is None:
            return YamlList()
        if isinstance(value, YamlList):
            return value
        if single_ok:
            items = YamlList()
            items.pos = self.pos(key)
            items.append(value)
            items.item_pos.append(self.pos(key))
            return items
        self._wrong(key, value, "a list")
        return YamlList()

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.items(key, single_ok=True)
        result = []
        for index, item in enumerate(items):
            if isinstance(item, str) and item.strip():
                result.append(item)
            else:
                self.diags.error(
                    self.path,
                    items.where(index),
                    f"each entry of '{key}' must be text, not {type_name(item)}",
                    "quote the entry",
                )
        return tuple(result)

    def ids(self, key: str) -> tuple[str, ...]:
        values = self.strings(key)
        items = self.items(key, single_ok=True) if key in self.data else YamlList()
        for index, value in enumerate(values):
            if not ID_RE.fullmatch(value):
                self.diags.error(
                    self.path,
                    items.where(index),
                    f"'{value}' in '{key}' is not a valid id",
                    "ids use lowercase letters, digits and single hyphens",
                )
        return values

    def extra(self) -> dict[str, Any]:
        value = self._get("extra", False)
        if value is None:
            return {}
        if isinstance(value, dict):
            return dict(value)
        self._wrong("extra", value, "a mapping")
        return {}

    def finish(self, allowed_extra: tuple[str, ...] = ()) -> None:
        """Report every field that was not read as unknown ('extra' is allowed on
        every object: free-form data a site wants to keep)."""
        if "extra" in self.data and "extra" not in self.seen:
            self.extra()
        known = self.seen | set(allowed_extra)
        for key in self.data:
            if key in known:
                continue
            suggestion = did_you_mean(str(key), sorted(known))
            hint = suggestion or "free-form data belongs under 'extra:'"
            if suggestion:
                hint += " (free-form data belongs under 'extra:')"
            self.diags.error(
                self.path, self.data.key_pos.get(key, self.data.pos),
                f"unknown field '{key}' in {self.what}", hint,
            )


def check_http_url(fields: Fields, key: str, value: str) -> bool:
    """Report a URL that is not an absolute http(s) URL; True when it is fine."""
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if scheme in ("http", "https") and HTTP_URL_RE.fullmatch(value.strip()):
        return True
    if scheme and scheme not in ("http", "https"):
        fields.error(
            key,
            f"'{key}' uses the '{scheme}:' scheme; only http(s) links are allowed",
            "link to the source with an https:// address",
        )
    else:
        fields.error(
            key, f"'{key}' is not an absolute http(s) URL: {value!r}",
            "write the full address, starting with https://",
        )
    return False


def as_map(value: Any, path: str, pos: Pos, diags: Diagnostics, what: str) -> YamlMap | None:
    """`value` if it is a mapping, else a diagnostic and None."""
    if isinstance(value, YamlMap):
        return value
    diags.error(
        path, pos, f"{what} must be a mapping (key: value lines), not {type_name(value)}",
        "indent the fields of each entry under a '- ' line",
    )
    return None


def _partial(value: Any) -> tuple[int, int, int, str] | None:
    """(year, month, day, precision) of a full or partial date, or None."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.year, value.month, value.day, "day"
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9999:
        return value, 1, 1, "year"
    if not isinstance(value, str):
        return None
    text = value.strip()
    if YEAR_RE.fullmatch(text) and int(text) >= 1:
        return int(text), 1, 1, "year"
    month = MONTH_RE.fullmatch(text)
    if month and 1 <= int(month.group(2)) <= 12 and int(month.group(1)) >= 1:
        return int(month.group(1)), int(month.group(2)), 1, "month"
    if DATE_RE.fullmatch(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return None
        return day.year, day.month, day.day, "day"
    return None
