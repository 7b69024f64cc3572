"""Dates known to the day, the month or the year, possibly estimated, with an
editor's note: articles, appearances and sources may have them (reviews and
updates are always dated to the day)."""

from __future__ import annotations

import datetime as dt
from typing import Any


class PartialDate(dt.date):
    """A date known only to the month or the year, or estimated, or with an
    editor's note (articles, appearances and sources; a date known to the day
    with none of these is a plain `datetime.date`). It sorts and counts as its
    first day; `isoformat()` states only the precision known ("2025",
    "2025-01", "2025-01-24"), so markup and exports never claim more."""

    precision: str  # "year", "month" or "day"
    estimated: bool
    note: str

    def __new__(cls, year: int, month: int = 1, day: int = 1, precision: str = "day",
                estimated: bool = False, note: str = "") -> PartialDate:
        self = super().__new__(cls, year, month, day)
        self.precision, self.estimated, self.note = precision, estimated, note
        return self

    def isoformat(self) -> str:
        full = dt.date.isoformat(self)
        return full[:4] if self.precision == "year" else full[:7] if (
            self.precision == "month") else full

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, self.day)

    def __reduce__(self) -> tuple[Any, ...]:
        return (PartialDate, (self.year, self.month, self.day, self.precision,
                              self.estimated, self.note))

    def __repr__(self) -> str:
        return (f"PartialDate({self.isoformat()!r}, estimated={self.estimated}, "
                f"note={self.note!r})")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PartialDate):
            return (dt.date.__eq__(self, other) is True and self.precision == other.precision
                    and self.estimated == other.estimated and self.note == other.note)
        return False if isinstance(other, dt.date) else NotImplemented

    __hash__ = dt.date.__hash__


def first_day(value: dt.date) -> dt.date:
    """The first day a date may stand for (itself when known to the day)."""
    return value.first_day if isinstance(value, PartialDate) else value


def precision(value: dt.date) -> str:
    """"year", "month" or "day": how much of a date is known."""
    return value.precision if isinstance(value, PartialDate) else "day"


def qualifiers(value: dt.date | None) -> tuple[bool, str]:
    """Whether a date is an estimate, and the editor's note on it."""
    if isinstance(value, PartialDate):
        return value.estimated, value.note
    return False, ""
