"""Which units of a cycle would pin a withheld group: :func:`pinned_units`, with its cache.

The public tier withholds a unit's group-weighted scores when the exact integer audit
(:mod:`evalstats.stats.privacy.audit`) finds that its pooled rows would let a reader solve a
withheld group's answers.  The audit takes half a minute for a town's cycle, so its answer is
kept for the process and, when ``EVALSTATS_AUDIT_CACHE`` names a folder, in a file there named
by the tally, the precision and the audit's own code.

Examples
--------
>>> import pandas as pd
>>> from evalstats.core.scheme import load_scheme
>>> c = pd.DataFrame({"unit": "u", "group": ["public", "deputy"], "dimension": "service",
...                   "level": ["satisfied", "dissatisfied"], "count": [5, 1]})
>>> pinned_units(c, scheme=load_scheme())
['u']
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from evalstats.core.scheme import Scheme
from evalstats.stats.privacy import audit
from evalstats.stats.privacy.audit import ALL, audit_tally


def pinned_units(
    counts: pd.DataFrame,
    *,
    scheme: Scheme,
    decimals: int | None = None,
    rate_decimals: int | None = None,
    skip_weighted: Iterable[str] = (),
) -> list[str]:
    """The units of a cycle's tally whose pooled rows would pin a withheld group.

    Exact (:func:`audit_tally`, exhaustive), with the true split tried first; the answer is
    kept for the process by the tally's content (a public analysis recomputed in the same
    process, e.g. by the letters, does not audit again), and, when the environment variable
    ``EVALSTATS_AUDIT_CACHE`` names a folder, in a file there named by the sha256 of the tally,
    the scheme, the precision and the audit's code (:func:`cache_file`), so that other
    processes — another kernel of a letters batch, a run repeated on the same data — reuse it.

    Parameters
    ----------
    counts : DataFrame
        The cycle's tally (``unit, group, dimension, level, count``).
    scheme : Scheme
    decimals, rate_decimals : int, optional
        The published precision of scores and rates.
    skip_weighted : iterable of str
        Units whose group-weighted scores are not published anyway.

    Returns
    -------
    list of str
        Sorted unit codes.
    """
    skip = tuple(sorted({str(u) for u in skip_weighted}))
    key = (
        int(pd.util.hash_pandas_object(counts.astype(str), index=False).sum()),
        scheme.sha256,
        decimals,
        rate_decimals,
        skip,
    )
    if key not in _PINNED:
        path = cache_file(counts, key=key[1:])
        units = _read_cached(path)
        if units is None:
            units = _pinned_units(counts, scheme, decimals, rate_decimals, set(skip))
            _write_cached(path, units)
        _PINNED[key] = units
    return list(_PINNED[key])


_PINNED: dict = {}
CACHE_ENV = "EVALSTATS_AUDIT_CACHE"
"""Environment variable naming a folder where :func:`pinned_units` keeps its answers."""


@functools.cache
def _code_digest() -> str:
    h = hashlib.sha256()
    for module in (audit.__file__, __file__):  # the audit's code and this module's
        h.update(Path(module).read_bytes())
    return h.hexdigest()


def cache_file(counts: pd.DataFrame, *, key: tuple) -> Path | None:
    """The file of ``EVALSTATS_AUDIT_CACHE`` holding :func:`pinned_units`' answer for this
    tally and ``key`` (scheme sha256, precision, skipped units); None when the variable is
    not set.  The name is the sha256 of the tally (rows sorted, as CSV), the key and the
    audit's code (this module's and :mod:`evalstats.stats.privacy.audit`'s), so a changed
    audit never reads an old answer.

    Examples
    --------
    >>> import os
    >>> os.environ.pop(CACHE_ENV, None) and None
    >>> cache_file(pd.DataFrame({"unit": ["u"]}), key=("s", 2, 3, ())) is None
    True
    """
    folder = os.environ.get(CACHE_ENV, "").strip()
    if not folder:
        return None
    table = counts.astype(str)
    table = table.sort_values(list(table.columns), kind="stable").to_csv(index=False)
    h = hashlib.sha256()
    for part in (table, repr(key), _code_digest()):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return Path(folder) / f"pinned-{h.hexdigest()}.json"


def _read_cached(path: Path | None) -> list[str] | None:
    if path is None:
        return None
    try:
        units = json.loads(path.read_text(encoding="utf-8"))["pinned"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent or unreadable: audited again
    if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
        return None
    return units


def _write_cached(path: Path | None, units: list[str]) -> None:
    """Written whole or not at all (a temporary file renamed); a folder that cannot be
    written only costs the next process the audit."""
    if path is None:
        return
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pinned-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"pinned": list(units)}, f)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _pinned_units(counts, scheme, decimals, rate_decimals, skip) -> list[str]:
    out = []
    for unit, part in counts.groupby(counts["unit"].astype(str), sort=False):
        if unit == ALL:
            continue
        for _dim, block in part.groupby(part["dimension"].astype(str), sort=False):
            verdicts = audit_tally(
                block,
                scheme=scheme,
                decimals=decimals,
                rate_decimals=rate_decimals,
                weighted=unit not in skip,
            )
            if any(v.verdict != "safe" for v in verdicts):
                out.append(unit)  # one withheld group pinned is enough to withhold the unit
                break
    return sorted(out)


__all__ = ["CACHE_ENV", "cache_file", "pinned_units"]
