"""Page modules with a route table: documented module-level handlers, short functions."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from otpbroker.web.admin import pages
from otpbroker.web.admin.app import page_modules
from otpbroker.web.admin.routes import Route

LONGEST = 60  # lines a function of the admin may have
TABLES = [
    name
    for name in page_modules()
    if hasattr(importlib.import_module(f"{pages.__name__}.{name}"), "ROUTES")
]


def _module(name: str):
    return importlib.import_module(f"{pages.__name__}.{name}")


@pytest.mark.parametrize("name", TABLES)
def test_each_route_is_a_documented_module_level_handler(name):
    module = _module(name)
    assert not hasattr(module, "register"), "a route table replaces register()"
    for route in module.ROUTES:
        assert isinstance(route, Route)
        handler = route.handler
        assert getattr(module, handler.__name__, None) is handler, route.path
        assert inspect.getdoc(handler), f"{route.path}: {handler.__name__} has no docstring"
        assert next(iter(inspect.signature(handler).parameters)) == "context", route.path


@pytest.mark.parametrize("name", TABLES)
def test_no_function_of_a_page_with_a_table_is_long(name):
    tree = ast.parse(Path(inspect.getfile(_module(name))).read_text(encoding="utf-8"))
    long = [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > LONGEST
    ]
    assert long == []


def test_each_method_and_path_has_one_handler():
    seen: dict[tuple[str, str], str] = {}
    for name in TABLES:
        for route in _module(name).ROUTES:
            key = (route.method, route.path)
            assert key not in seen, f"{key} in {name} and {seen[key]}"
            seen[key] = name
