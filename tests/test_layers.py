"""The package's boundaries, checked on its source: no private name crosses a module, every
module says what it exports, and no module or function grows past what a reader can hold.

A ``_name`` belongs to its module.  Another module that needs it uses a public name (made public
and documented where it lives), so a reader can tell a module's interface from its internals.
The import-linter contract in ``pyproject.toml`` checks the layer order; this file checks names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "evalstats"
ROOT = PACKAGE.parent


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def private_crossings(source: str, filename: str, module: str, *, is_package=False) -> list[str]:
    """``file:line: what`` for every private name one module takes from another evalstats
    module: ``from evalstats.x import _y``, ``from .x import _y``, ``alias._y`` where ``alias``
    is an imported evalstats module (``import evalstats.x as alias``, ``from evalstats import
    x as alias``)."""
    tree = ast.parse(source, filename)
    found, modules = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _absolute(node, module, is_package)
            if not target.split(".")[0] == "evalstats":
                continue
            for a in node.names:
                if _private(a.name):
                    found.append(f"{filename}:{node.lineno}: from {target} import {a.name}")
                else:
                    # may be a module (from evalstats.stats import quality as _quality)
                    modules[a.asname or a.name] = f"{target}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "evalstats":
                    modules[a.asname or a.name.split(".")[0]] = a.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append(f"{filename}:{node.lineno}: {node.value.id}.{node.attr}")
    return sorted(set(found), key=lambda s: (s.split(":")[0], int(s.split(":")[1])))


def missing_all(source: str, filename: str) -> list[str]:
    """``file: what`` when a module has no ``__all__`` or leaves out a public function or class
    it defines."""
    tree = ast.parse(source, filename)
    listed = None
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            # strings listed; a computed part (``*sorted(_EXPORTS)``) adds names, not defs
            listed = {
                c.value
                for c in ast.walk(node.value)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            }
    if listed is None:
        return [f"{filename}: no __all__"]
    defined = [
        n.name
        for n in tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and not n.name.startswith("_")
    ]
    return [
        f"{filename}: {name} is public but not in __all__" for name in defined if name not in listed
    ]


def _modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_no_private_name_crosses_a_module():
    found = []
    for path in _modules():
        found += private_crossings(
            path.read_text("utf-8"),
            str(path.relative_to(ROOT)),
            _module_name(path),
            is_package=path.name == "__init__.py",
        )
    assert found == [], "private names used across modules:\n" + "\n".join(found)


def test_every_module_lists_its_public_names():
    found = []
    for path in _modules():
        if path.name == "__main__.py":
            continue
        found += missing_all(path.read_text("utf-8"), str(path.relative_to(ROOT)))
    assert found == [], "\n".join(found)


# ---------------------------------------------------------------------- the checks can fail
PLANTED = """\
import evalstats.stats.rank as R
from evalstats.counts import tally as T
from evalstats.counts.tally import _check, fine
from .intervals import _bounds
from . import score as S
import numpy as np

R._private(1)
T._other
S._x
np._not_ours
R.public
"""


def test_planted_violations_are_named_with_file_and_line():
    got = private_crossings(PLANTED, "evalstats/stats/planted.py", "evalstats.stats.planted")
    assert got == [
        "evalstats/stats/planted.py:3: from evalstats.counts.tally import _check",
        "evalstats/stats/planted.py:4: from evalstats.stats.intervals import _bounds",
        "evalstats/stats/planted.py:8: R._private",
        "evalstats/stats/planted.py:9: T._other",
        "evalstats/stats/planted.py:10: S._x",
    ]


def test_relative_import_from_a_package_init():
    source = "from .cycle import _secret\nfrom ..core import options as O\nO._hidden\n"
    got = private_crossings(source, "pkg/__init__.py", "evalstats.analyses", is_package=True)
    assert got == [
        "pkg/__init__.py:1: from evalstats.analyses.cycle import _secret",
        "pkg/__init__.py:3: O._hidden",
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    pass\n", ["m.py: no __all__"]),
        (
            "__all__ = ['f']\ndef f(): pass\nclass C: pass\ndef _g(): pass\n",
            ["m.py: C is public but not in __all__"],
        ),
        ("__all__ = ['f', 'C']\ndef f(): pass\nclass C: pass\n", []),
    ],
)
def test_missing_all_is_found(source, expected):
    assert missing_all(source, "m.py") == expected


# ---------------------------------------------------------------------- sizes
MAX_MODULE_LINES = 1000
"""A module a maintainer reads in one sitting; a larger one is split by concept."""
MAX_FUNCTION_LINES = 100
"""Lines of code of one function, its docstring not counted: a function that reads as a list
of named steps fits on two screens."""


def function_sizes(source: str) -> list[tuple[str, int, int]]:
    """``(name, line, code lines)`` of every function in ``source``, the docstring not counted."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            size = node.end_lineno - node.lineno + 1
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                if isinstance(first.value.value, str):
                    size -= first.end_lineno - first.lineno + 1
            out.append((node.name, node.lineno, size))
    return out


def test_function_sizes_count_code_not_the_docstring():
    src = 'def f():\n    """Doc\n    on two lines."""\n    a = 1\n    return a\n'
    assert function_sizes(src) == [("f", 1, 3)]


def test_no_module_over_the_limit():
    big = {
        str(path.relative_to(ROOT)): n
        for path in _modules()
        if (n := len(path.read_text("utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert big == {}, f"modules over {MAX_MODULE_LINES} lines (split them by concept)"


def test_no_function_over_the_limit():
    long = [
        f"{path.relative_to(ROOT)}:{line} {name} ({size} lines)"
        for path in _modules()
        for name, line, size in function_sizes(path.read_text("utf-8"))
        if size > MAX_FUNCTION_LINES
    ]
    assert long == [], f"functions over {MAX_FUNCTION_LINES} lines of code"
