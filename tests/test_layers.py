"""The package's layers, in the order data flows: reading (content/, site.yaml
included) → pages and their rendering (site/) → the dependency record
(state/) → the engine (rebuild.py) → the commands (build, check, serve) →
the command line. A module imports only from its own layer or those below,
and no two modules import each other, directly or in a circle (imports
inside functions count too)."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "sitegen"
LAYERS = [
    ("sitegen", "sitegen.diagnostics", "sitegen.memory", "sitegen.progress", "sitegen.signing",
     "sitegen.schemas", "sitegen.workers"),
    ("sitegen.content",),
    ("sitegen.site",),
    ("sitegen.state",),
    ("sitegen.rebuild",),
    ("sitegen.build", "sitegen.check", "sitegen.new", "sitegen.quick", "sitegen.serve"),
    ("sitegen.cli", "sitegen.__main__"),
]


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The sitegen modules that `name` imports (a package's own submodules
    imported through `from package import module` resolved to them)."""
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1],
                                 *([base] if base else [])])
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in modules else base)
    return {m for m in found if m in modules and m != name}


def _layer(name: str) -> int:
    best, depth = -1, -1
    for number, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > depth:
                best, depth = number, len(prefix)
    assert best >= 0, f"{name} is in no layer"
    return best


def test_every_module_imports_only_from_its_layer_or_below() -> None:
    modules = _modules()
    upward = sorted(f"{name} → {other}" for name, path in modules.items()
                    for other in _imports(name, path, modules)
                    if _layer(other) > _layer(name))
    assert upward == []


def test_no_import_cycles() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) - {"sitegen"} for name, path in modules.items()}
    cycles = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for other in graph[node]:
                if other == start and not start.startswith(tuple(f"{o}." for o in trail[1:])):
                    cycles.append(" → ".join([*trail, start]))
                elif other not in seen:
                    seen.add(other)
                    stack.append((other, [*trail, other]))
    # a package's __init__ that re-exports its own modules is no cycle
    cycles = [c for c in cycles if not _package_export(c)]
    assert cycles == []


def _package_export(cycle: str) -> bool:
    names = cycle.split(" → ")
    return all(b.startswith(a + ".") or a.startswith(b + ".") or a == b
               for a, b in itertools.pairwise(names))
