"""The notebook's parameters: what a notebook declares, and the user's values checked against it.

papermill reads the cell tagged ``parameters`` (:func:`notebook_parameters`); the user's
``-p name=value`` items (:func:`parse_parameters`) are converted to the declared types and
names the notebook does not declare are refused (:func:`check_parameters`) — papermill itself
would only warn.  The parameters the runner sets itself (:data:`RUNNER_PARAMETERS`) come from
the command line's own options.  Used by ``evalstats run`` and ``evalstats letters``.

Examples
--------
>>> from pathlib import Path
>>> user = parse_parameters(["seed=3"])
>>> check_parameters(user, {"seed": {"inferred_type_name": "int"}}, Path("n.ipynb"))
{'seed': 3}
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from evalstats.core.cycles import cycle_kind, half_year_of
from evalstats.run.runner.errors import RunUsageError

__all__ = [
    "HALF_YEAR_PARAMETER",
    "RUNNER_PARAMETERS",
    "check_parameters",
    "derive_half_year_cycle",
    "literal_default",
    "notebook_parameters",
    "parse_parameters",
]

RUNNER_PARAMETERS = {
    "cycle": "--cycle",
    "data_dir": "--data",
    "scheme": "--scheme",
    "output_dir": "--out",
    "language": "--lang",
}
"""Parameters the runner sets itself → the command-line option that sets them."""

HALF_YEAR_PARAMETER = "half_year_cycle"

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_parameters(items: Iterable[str]) -> dict[str, str]:
    """Split ``name=value`` items (the ``-p`` options) into a dict of texts.

    Examples
    --------
    >>> parse_parameters(["seed=7", "tier=public", "note=a=b"])
    {'seed': '7', 'tier': 'public', 'note': 'a=b'}
    """
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = str(item).partition("=")
        name = name.strip()
        if not sep or not _NAME_RE.match(name):
            raise RunUsageError(
                f"-p expects name=value (a Python name); got {item!r}",
                zh=f"-p 应写成 名称=值（名称为 Python 变量名）；收到的是 {item!r}",
            )
        if name in out:
            raise RunUsageError(f"parameter {name!r} given twice", zh=f"参数 {name!r} 给了两次")
        out[name] = value
    return out


def _infer(text: str):
    """Text of a ``-p`` value → int, float, True/False, else the text itself."""
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    for kind in (int, float):
        try:
            return kind(t)
        except ValueError:
            pass
    return text


def _declared_type(param: Mapping) -> str | None:
    """The declared type of a papermill parameter, else the type of its literal default."""
    name = str(param.get("inferred_type_name") or "None").strip()
    m = re.fullmatch(r"Optional\[(.+)\]|(.+?)\s*\|\s*None|None\s*\|\s*(.+)", name)
    if m:
        name = next(g for g in m.groups() if g)
    if name != "None":
        return name
    try:
        default = ast.literal_eval(str(param.get("default", "")))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if isinstance(default, bool | int | float | str):
        return type(default).__name__
    return None


def _coerce(name: str, value, param: Mapping):
    """Convert/check one user value against the notebook's declaration of ``name``."""
    kind = _declared_type(param)
    text = value if isinstance(value, str) else None
    optional = re.search(r"Optional\[|\|\s*None|None\s*\|", str(param.get("inferred_type_name")))
    if optional and (value is None or (text is not None and text.strip() in ("None", ""))):
        return None
    got = value
    if kind == "str":
        if text is not None:
            return text
    elif kind == "int":
        got = _infer(text) if text is not None else value
        if isinstance(got, int) and not isinstance(got, bool):
            return got
    elif kind == "float":
        got = _infer(text) if text is not None else value
        if isinstance(got, int | float) and not isinstance(got, bool):
            return float(got)
    elif kind == "bool":
        got = _infer(text) if text is not None else value
        if isinstance(got, bool):
            return got
    elif kind in ("list", "dict", "tuple"):
        if text is not None:
            try:
                got = ast.literal_eval(text)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                got = text
        if type(got).__name__ == kind:
            return got
    else:
        return _infer(text) if text is not None else value
    shown = text if text is not None else got
    article = "an" if kind[0] in "aeiou" else "a"
    annotation = str(param.get("inferred_type_name"))
    declared = f"{name}: {annotation}" if annotation != "None" else name
    raise RunUsageError(
        f"parameter {name!r} must be {article} {kind} (the notebook declares "
        f"`{declared} = {param.get('default')}`); got {shown!r}",
        zh=f"参数 {name!r} 应为 {kind} 类型（笔记本中声明为 "
        f"`{declared} = {param.get('default')}`）；收到的是 {shown!r}",
    )


def check_parameters(
    user: Mapping[str, object], declared: Mapping[str, Mapping], notebook: Path
) -> dict[str, object]:
    """The user's notebook parameters, converted to the notebook's declared types.

    Refuses (:class:`RunUsageError`) names the notebook does not declare and names the runner
    sets itself (:data:`RUNNER_PARAMETERS`); used by ``evalstats run`` and ``evalstats letters``.

    Examples
    --------
    >>> check_parameters({"seed": "3"}, {"seed": {"inferred_type_name": "int"}}, Path("n.ipynb"))
    {'seed': 3}
    """
    names = list(declared)
    runner = [n for n in user if n in RUNNER_PARAMETERS]
    if runner:
        n = runner[0]
        raise RunUsageError(
            f"parameter {n!r} is set by the runner; use {RUNNER_PARAMETERS[n]} instead of -p",
            zh=f"参数 {n!r} 由运行程序设置；请用 {RUNNER_PARAMETERS[n]}，不要用 -p",
        )
    unknown = [n for n in user if n not in declared]
    if unknown:
        listed = ", ".join(repr(n) for n in unknown)
        settable = ", ".join(n for n in names if n not in RUNNER_PARAMETERS) or "(none)"
        raise RunUsageError(
            f"{notebook.name} does not declare the parameter(s) {listed}; "
            f"parameters you can set with -p: {settable}",
            zh=f"{notebook.name} 没有声明参数 {listed}；可以用 -p 设置的参数："
            + ("、".join(n for n in names if n not in RUNNER_PARAMETERS) or "（无）"),
        )
    return {n: _coerce(n, v, declared[n]) for n, v in user.items()}


def literal_default(param: Mapping | None):
    """The literal default of a declared parameter (``"7"`` → 7); None when it has none.

    Examples
    --------
    >>> literal_default({"default": "'zh'"}), literal_default({"default": "f(x)"})
    ('zh', None)
    """
    if param is None:
        return None
    try:
        return ast.literal_eval(str(param.get("default", "")))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def notebook_parameters(notebook: str | Path) -> dict[str, dict]:
    """The parameters a notebook declares: name → ``{name, inferred_type_name, default, help}``.

    Reads the cell tagged ``parameters`` with :func:`papermill.inspect_notebook`.

    Raises
    ------
    RunUsageError
        The notebook is missing, unreadable, or has no cell tagged ``parameters``.
    """
    import nbformat
    import papermill

    path = Path(notebook)
    if not path.is_file():
        raise RunUsageError(f"notebook not found: {path}", zh=f"找不到笔记本：{path}")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for a bad file
        raise RunUsageError(f"{path}: not a readable notebook ({exc})") from None
    cell = next(
        (c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])), None
    )
    if cell is None:
        raise RunUsageError(f"{path.name} has no cell tagged 'parameters'")
    if not nb.metadata.get("kernelspec", {}).get("name"):
        raise RunUsageError(f"{path.name} has no kernelspec in its metadata")
    declared = {k: dict(v) for k, v in papermill.inspect_notebook(str(path)).items()}
    unread = [ln for name, ln in _assigned_names(cell.source) if name not in declared]
    if unread:
        lines = "; ".join(f"`{ln}`" for ln in unread)
        raise RunUsageError(
            f"papermill cannot read these lines of the parameters cell of {path.name}: {lines} "
            "(write one `name: type = value  # meaning` per line, with no '=' in the comment "
            "and a plain type such as str, int, float or bool)"
        )
    return declared


def _assigned_names(source: str) -> list[tuple[str, str]]:
    """(name, line) of each top-level assignment of a parameters cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise RunUsageError(f"the parameters cell is not valid Python: {exc}") from None
    lines = source.splitlines()
    out = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if not isinstance(node, ast.Assign | ast.AnnAssign):
            continue
        for t in targets:
            if isinstance(t, ast.Name):
                out.append((t.id, lines[node.lineno - 1].strip()))
    return out


def derive_half_year_cycle(cycle: str) -> str | None:
    """The half-year cycle of an annual cycle: ``"2026A"`` → ``"2026H1"``; else None.

    :func:`evalstats.core.cycles.half_year_of` for annual ids, None for the others (the
    runner then asks for ``-p half_year_cycle=<cycle>``).

    Examples
    --------
    >>> derive_half_year_cycle("2026A"), derive_half_year_cycle("2026H2")
    ('2026H1', None)
    """
    return half_year_of(cycle) if cycle_kind(cycle) == "annual" else None
