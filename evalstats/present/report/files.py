"""The report's data files: CSV tables (UTF-8 with BOM, neutralised) and deterministic JSON,
each written atomically (:func:`evalstats.core.files.atomic_write`).

Examples
--------
>>> import tempfile, pandas as pd
>>> with tempfile.TemporaryDirectory() as d:
...     write_csv(pd.DataFrame({"a": [1]}), f"{d}/t.csv").read_bytes()
b'\\xef\\xbb\\xbfa\\n1\\n'
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evalstats.core.config import resolve_path
from evalstats.core.files import atomic_write, atomic_write_bytes
from evalstats.present.report.safety import neutralize

_TABLE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def check_frame(name: str, df) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(df).__name__}")
    return df


def with_index(df: pd.DataFrame) -> pd.DataFrame:
    """A named index (or MultiIndex) becomes columns; an unnamed one is dropped."""
    if any(n is not None for n in df.index.names):
        return df.reset_index()
    return df


# ====================================================================== CSV
def _write_csv(df: pd.DataFrame, path: Path) -> int:
    safe, n = neutralize(with_index(df))

    def write(fh):
        safe.to_csv(fh, index=False, encoding="utf-8-sig", lineterminator="\n")

    atomic_write(path, write)
    return n


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` as a CSV that Excel opens: UTF-8 with BOM, neutralised, atomic.

    The file is deterministic: no index (a named index is written as columns), ``\\n`` line
    ends, floats at full precision (the shortest text that reads back as the same float — no
    rounding in the tables), missing values as empty fields, booleans as ``True`` / ``False``.
    Text cells are neutralised by :func:`neutralize`.

    Parameters
    ----------
    df : DataFrame
    path : str or Path
        Relative paths resolve from the project root; the folder is created.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_csv(pd.DataFrame({"a": [0.1 + 0.2], "b": ["=1"]}), f"{d}/t.csv")
    ...     p.read_bytes()
    b"\\xef\\xbb\\xbfa,b\\n0.30000000000000004,'=1\\n"
    """
    check_frame("df", df)
    path = resolve_path(path)
    _write_csv(df, path)
    return path


@dataclass(frozen=True)
class TablesWritten:
    """What :func:`write_tables` wrote.

    Attributes
    ----------
    paths : Mapping[str, Path]
        Table name → CSV file, in the order given.
    neutralised : Mapping[str, int]
        Table name → cells (and column names) neutralised.
    """

    paths: Mapping[str, Path]
    neutralised: Mapping[str, int]

    @property
    def total_neutralised(self) -> int:
        """Cells neutralised over all tables."""
        return int(sum(self.neutralised.values()))

    def to_frame(self) -> pd.DataFrame:
        """One row per table: ``table, file, neutralised``."""
        return pd.DataFrame(
            {
                "table": list(self.paths),
                "file": [str(p) for p in self.paths.values()],
                "neutralised": [self.neutralised[k] for k in self.paths],
            }
        )


def check_tables(tables) -> dict[str, pd.DataFrame]:
    if not isinstance(tables, Mapping):
        raise TypeError(
            f"tables must be a mapping of table name to DataFrame; got {type(tables).__name__}"
        )
    for name, df in tables.items():
        if not isinstance(name, str) or not _TABLE_NAME.match(name):
            raise ValueError(
                f"table name {name!r} is not a safe file name: use letters, digits, '_', '-' "
                "and '.', not starting with '.' or '-'"
            )
        check_frame(f"tables[{name!r}]", df)
    return dict(tables)


def write_tables(tables: Mapping[str, pd.DataFrame], out_dir: str | Path) -> TablesWritten:
    """Write each table as ``<out_dir>/tables/<name>.csv`` with :func:`write_csv`.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Table name (a safe file name: letters, digits, ``_ - .``) → table in codes.
    out_dir : str or Path
        The report folder; ``tables/`` is created in it.

    Returns
    -------
    TablesWritten
        The paths and the count of neutralised cells per table (issue 8 asks the report to
        state it).

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> with tempfile.TemporaryDirectory() as d:
    ...     w = write_tables({"quality": pd.DataFrame({"reason": ["+86 138"]})}, d)
    ...     w.paths["quality"].name, w.total_neutralised
    ('quality.csv', 1)
    """
    tables = check_tables(tables)
    folder = resolve_path(out_dir) / "tables"
    paths: dict[str, Path] = {}
    counts: dict[str, int] = {}
    for name, df in tables.items():
        path = folder / f"{name}.csv"
        counts[name] = _write_csv(df, path)
        paths[name] = path
    return TablesWritten(paths=paths, neutralised=counts)


# ====================================================================== JSON
def _finite(x: float):
    return x if math.isfinite(x) else None


_JSON_CONVERSIONS = (
    (float, _finite),
    (np.bool_, bool),
    (np.integer, int),
    (np.floating, lambda x: _jsonable(float(x))),
    (Mapping, lambda m: {str(k): _jsonable(v) for k, v in m.items()}),
    (list | tuple | np.ndarray | pd.Series, lambda xs: [_jsonable(v) for v in list(xs)]),
    (set | frozenset, lambda xs: sorted((_jsonable(v) for v in xs), key=repr)),
    (Path, lambda p: p.as_posix()),
    (pd.Timestamp | _dt.datetime | _dt.date, lambda t: t.isoformat()),
)
"""``(types, conversion)`` in the order they are tried: the first type that matches wins (a
numpy float64 is a float; ``pd.NaT`` is a datetime)."""


def _jsonable(obj):
    if obj is None or isinstance(obj, bool | str | int):
        return obj
    for types, convert in _JSON_CONVERSIONS:
        if isinstance(obj, types):
            return convert(obj)
    if obj is pd.NA or obj is pd.NaT:
        return None
    raise TypeError(f"cannot write {type(obj).__name__} as JSON: {obj!r}")


def write_json(obj, path: str | Path) -> Path:
    """Write ``obj`` as deterministic JSON, atomically.

    Keys sorted, ``ensure_ascii=False`` (Chinese stays readable), indent 2, a final newline;
    NaN and infinities become ``null``; numpy scalars, arrays, ``Path`` and dates are
    converted.  Anything else raises TypeError.

    Parameters
    ----------
    obj : JSON-like
    path : str or Path

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_json({"b": float("nan"), "a": "末位"}, f"{d}/s.json").read_text("utf-8")
    '{\\n  "a": "末位",\\n  "b": null\\n}\\n'
    """
    text = json.dumps(_jsonable(obj), sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False)
    return atomic_write_bytes(resolve_path(path), (text + "\n").encode("utf-8"))


__all__ = [
    "TablesWritten",
    "check_frame",
    "check_tables",
    "with_index",
    "write_csv",
    "write_json",
    "write_tables",
]
