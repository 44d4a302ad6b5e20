"""The composition root only wires: it sets its own attributes and nothing else's, and it
stays small."""

from __future__ import annotations

import ast
from pathlib import Path

import otpbroker.bootstrap

SOURCE = Path(otpbroker.bootstrap.__file__)


def assigned_attributes(tree: ast.AST) -> list[str]:
    """``owner.name`` of every attribute assigned (``=``, ``+=``, annotated) in ``tree``."""
    targets: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets += node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets.append(node.target)
    flat = [t for target in targets for t in ast.walk(target) if isinstance(t, ast.Attribute)]
    return [ast.unparse(t) for t in flat]


def test_nothing_is_changed_after_it_is_built():
    tree = ast.parse(SOURCE.read_text())
    foreign = [name for name in assigned_attributes(tree) if not name.startswith("self.")]
    nested = [name for name in assigned_attributes(tree) if name.count(".") > 1]
    assert foreign == [] and nested == []
    calls = [ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert "setattr" not in calls


def test_the_composition_root_stays_small():
    assert len(SOURCE.read_text().splitlines()) < 300
