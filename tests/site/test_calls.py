"""The theme's Jinja context calls every kind of callable as Jinja's own does."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest

from sitegen.site.calls import CallingContext

TEMPLATE = """\
{%- macro box(x) -%}[{{ x }}{% if caller is defined %}|{{ caller() }}{% endif %}]{%- endmacro -%}
{%- set who = "page" -%}
{{ plain(1, 2) }} {{ box("m") }} {% call box("c") %}inner {{ who }}{% endcall %}
{{ ctx_fn() }} {{ env_fn() }} {{ eval_fn() }} {{ obj.method(3) }} {{ obj.marked() }}
{{ callable_obj(4) }} {{ marked_obj() }} {{ lookup.get("a") }} {{ len_of([1, 2, 3]) }}
{% for item in [1, 2] %}{{ ctx_fn() }}{{ loop_ctx(item) }} {% endfor %}
{{ stop() is undefined }} {{ range(3) | list }} {{ "%s-%s" | format(1, 2) }}
"""


class Holder:
    def method(self, n: int) -> str:
        return f"method {n}"

    @jinja2.pass_context
    def marked(self, context: Any) -> str:
        return f"marked sees {context['who']}"


class Callable:
    def __call__(self, n: int) -> str:
        return f"called {n}"


class MarkedCallable:
    @jinja2.pass_context
    def __call__(self, context: Any) -> str:
        return f"marked object sees {context['who']}"


def _stop() -> None:
    raise StopIteration


def _environment(context_class: type[jinja2.runtime.Context] | None) -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    if context_class is not None:
        env.context_class = context_class
    env.globals.update(
        plain=lambda a, b: a + b,
        ctx_fn=jinja2.pass_context(lambda context: f"ctx {context['who']}"),
        env_fn=jinja2.pass_environment(lambda environment: type(environment).__name__),
        eval_fn=jinja2.pass_eval_context(lambda eval_ctx: f"autoescape {eval_ctx.autoescape}"),
        loop_ctx=jinja2.pass_context(lambda context, item: f"{item} in {context['who']}"),
        obj=Holder(), callable_obj=Callable(), marked_obj=MarkedCallable(),
        lookup={"a": "from a dict"}, len_of=len, stop=_stop,
    )
    return env


def test_every_kind_of_callable_gets_what_jinja_would_give_it() -> None:
    """Macros (with and without `caller`), plain and marked functions, bound methods
    marked or not, callable objects marked or not, built-ins, loops' contexts and
    a callable raising StopIteration: the same output as Jinja's own Context."""
    expected = _environment(None).from_string(TEMPLATE).render()
    assert _environment(CallingContext).from_string(TEMPLATE).render() == expected
    # and the marked ones did get their context, environment or eval context
    assert "ctx page" in expected and "marked sees page" in expected
    assert "marked object sees page" in expected and "Environment" in expected
    assert "1 in page" in expected and "autoescape True" in expected and "True" in expected


@pytest.mark.parametrize("name", ["ctx_fn", "marked_obj"])
def test_a_marked_callable_is_never_called_without_its_context(name: str) -> None:
    template = _environment(CallingContext).from_string(f"{{{{ {name}() }}}}")
    assert "page" in template.render(who="page")
