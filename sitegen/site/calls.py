"""A Jinja context that calls macros and plain functions without probing them.

For every call in a template (`{{ url(...) }}`, a macro), Jinja's
`Context.call` asks the callable, and then its `__call__`, whether it wants the
context passed (`jinja_pass_arg`, set by `pass_context` and its kind): two
failed attribute lookups, each raising and catching an AttributeError. Pages
make thousands of such calls: `Context.call` was an eighth of the render
workers' profile (py-spy samples of its own time). The types that
cannot carry the mark (macros, built-in functions) or carry it in their own
`__dict__` (Python functions and methods) are told apart here in a dictionary
lookup; any other callable goes through Jinja's own path. The result is the
same call with the same arguments.
"""

from __future__ import annotations

import types
from typing import Any

from jinja2.runtime import Context, Macro


def _never_marked(obj: Any) -> bool:
    return False


def _function_marked(obj: types.FunctionType) -> bool:
    return "jinja_pass_arg" in obj.__dict__


def _method_marked(obj: types.MethodType) -> bool:
    function = obj.__func__
    return not isinstance(function, types.FunctionType) or "jinja_pass_arg" in function.__dict__


# exact type → whether such an object may want the context (then Jinja's path)
_PLAIN: dict[type, Any] = {
    Macro: _never_marked,
    types.BuiltinFunctionType: _never_marked,  # built-in functions and their bound methods
    types.FunctionType: _function_marked,
    types.MethodType: _method_marked,
}


def never_pass_context(*kinds: type) -> None:
    """Callable types of sitegen's own whose objects never ask for the context
    (neither they nor their `__call__` are marked with `pass_context`)."""
    for kind in kinds:
        assert "jinja_pass_arg" not in vars(kind) and "jinja_pass_arg" not in vars(kind.__call__)
        _PLAIN[kind] = _never_marked


class CallingContext(Context):
    """Jinja's Context, with plain callables called directly (see the module)."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        marked = _PLAIN.get(type(__obj))
        if marked is None or marked(__obj):
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:  # as Jinja's
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception")
