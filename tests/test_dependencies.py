"""Tests of the declared dependencies: every third-party package that evalstats imports is in
pyproject.toml, the optional ones in their extra, and nothing heavy is declared that the code
does not use (statsmodels) or that unattended runs do not need (JupyterLab: the ``lab`` extra).
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "evalstats"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
OPTIONAL = {"duckdb": "scale", "dask": "scale", "distributed": "scale"}
"""Modules imported only by the DuckDB and Dask backends, and the extra that installs them."""
PROVIDED_BY = {"distributed": "dask[distributed]"}
"""Optional modules installed as another requirement's extra."""


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements) -> set[str]:
    """Distribution names of requirement strings, each also with its extras (``dask[distributed]``
    gives ``dask`` and ``dask[distributed]``)."""
    names = set()
    for requirement in requirements:
        match = re.match(r"([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?", requirement)
        name = normalize(match.group(1))
        names.add(name)
        extras = match.group(2) or ""
        names |= {f"{name}[{normalize(e.strip())}]" for e in extras.split(",") if e.strip()}
    return names


def imported_modules(tree: ast.AST) -> set[str]:
    """Top-level names of the modules ``tree`` imports: import statements and
    ``importlib.import_module("x")`` / ``require("x", …)`` with a literal name."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "require")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value.split(".")[0])
    return found


def notebook_tree(path: Path) -> ast.AST:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = "\n".join(
        line
        for cell in cells
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if not line.lstrip().startswith(("%", "!"))
    )
    return ast.parse(code)


def third_party_imports() -> dict[str, set[str]]:
    """Module → files importing it, for the package's modules and the notebooks it runs."""
    files = {p: ast.parse(p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")}
    notebooks = list(PACKAGE.rglob("*.ipynb"))
    files |= {p: notebook_tree(p) for p in notebooks}
    out: dict[str, set[str]] = {}
    for path, tree in files.items():
        for module in imported_modules(tree):
            if module in sys.stdlib_module_names or module == "evalstats":
                continue
            out.setdefault(module, set()).add(str(path.relative_to(ROOT)))
    return out


IMPORTS = third_party_imports()
DISTRIBUTIONS = importlib.metadata.packages_distributions()


def test_the_scan_sees_the_imports():
    # the scan itself: plain, from-, lazy (inside a function) and optional imports
    for module in ("pandas", "scipy", "papermill", "nbclient", "bs4", "tqdm", "duckdb", "IPython"):
        assert module in IMPORTS, module


@pytest.mark.parametrize("module", sorted(set(IMPORTS) - set(OPTIONAL)))
def test_every_imported_package_is_a_declared_dependency(module):
    dists = DISTRIBUTIONS.get(module)
    assert dists, f"{module} (imported by {sorted(IMPORTS[module])}) is not installed"
    declared = requirement_names(PYPROJECT["project"]["dependencies"])
    assert {normalize(d) for d in dists} & declared, (
        f"{module} is imported by {sorted(IMPORTS[module])} but none of {dists} is in "
        "[project] dependencies"
    )


@pytest.mark.parametrize("module", sorted(set(IMPORTS) & set(OPTIONAL)))
def test_optional_backends_are_in_their_extra(module):
    extra = PYPROJECT["project"]["optional-dependencies"][OPTIONAL[module]]
    assert PROVIDED_BY.get(module, normalize(module)) in requirement_names(extra)
    assert normalize(module) not in requirement_names(PYPROJECT["project"]["dependencies"])


def test_no_statsmodels_and_jupyterlab_only_as_the_lab_extra():
    dependencies = requirement_names(PYPROJECT["project"]["dependencies"])
    assert "statsmodels" not in dependencies and "statsmodels" not in IMPORTS
    assert "jupyterlab" not in dependencies and "jupyterlab" not in IMPORTS
    assert "jupyterlab" in requirement_names(PYPROJECT["project"]["optional-dependencies"]["lab"])
    for extra in PYPROJECT["project"]["optional-dependencies"].values():
        assert "statsmodels" not in requirement_names(extra)


def test_the_console_script_is_the_cli_itself():
    # not the old module path, which imports through evalstats.MOVED with a DeprecationWarning
    assert PYPROJECT["project"]["scripts"]["evalstats"] == "evalstats.run.cli:main"
