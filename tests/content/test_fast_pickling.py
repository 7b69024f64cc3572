"""The model's slotted dataclasses pickle through their field names found once
(sitegen/slots.py): every object of the demo archive, and of its page plans,
comes back with the same field values; and a state in the form dataclasses'
own pickling writes (a list of the field values) still loads."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Iterator
from typing import Any

from sitegen.build import BuildOptions, load_checked
from sitegen.site.pages import plan_site
from tests.conftest import REPO


def _slotted(value: Any, seen: set[int]) -> Iterator[Any]:
    """Every slotted dataclass instance reachable from `value`, once each."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if hasattr(type(value), "__slots__"):
            yield value
        for field in dataclasses.fields(value):
            yield from _slotted(getattr(value, field.name), seen)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _slotted(item, seen)
    elif isinstance(value, list | tuple | frozenset | set):
        for item in value:
            yield from _slotted(item, seen)


def _values(obj: Any) -> list[Any]:
    return [getattr(obj, field.name) for field in dataclasses.fields(obj)]


def _same(a: Any, b: Any) -> bool:
    """Equal by value, dataclasses field by field (many compare by identity), sets
    as sets (their order after unpickling depends on the hash seed)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and _same(_values(a), _values(b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b, strict=True)))
    return bool(a == b)


def test_every_slotted_object_of_the_archive_and_its_plans_comes_back_field_by_field() -> None:
    archive, _ = load_checked(BuildOptions(src=REPO, cache=False, workers=1))
    roots = [*archive.articles.values(), *archive.claims.values(), *archive.entities.values(),
             *(article.document for article in archive.articles.values()),
             *plan_site(archive)]
    seen: set[int] = set()
    objects = [obj for root in roots for obj in _slotted(root, seen)]
    kinds = {type(obj).__name__ for obj in objects}
    assert {"Article", "Claim", "Entity", "Source", "Anchor", "Document", "Block",
            "PagePlan", "Compiled"} <= kinds, kinds
    for obj in objects:
        back = pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
        assert type(back) is type(obj)
        assert _same(back, obj), type(obj).__name__
        # the form dataclasses' own __getstate__ gives: a list in field order
        made = object.__new__(type(obj))
        made.__setstate__(_values(obj))
        assert _same(made, obj), type(obj).__name__
