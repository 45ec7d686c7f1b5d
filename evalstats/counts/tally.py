"""The tally: counts per cycle × unit × group × dimension × level — the sufficient statistic.

Everything downstream that can work from counts takes the tally, not rows.  Tallies of parts add
up to the tally of the whole (:func:`add_tallies`), so a tally can be built in pieces.

One form answers every dimension; per-dimension counts lose that link.  :func:`pattern_counts`
keeps it: the counts of whole answer patterns per cycle × unit × group, from which the tally
follows (:func:`tally_from_patterns`) and whose size does not grow with the number of forms.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.scheme import Scheme, resolve_scheme

TALLY_COLUMNS = ["cycle", "unit", "group", "dimension", "level", "count"]
BLANK = "blank"
CHUNK_ROWS = 1 << 18


STR_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default ``str`` dtype


# ---------------------------------------------------------------------- input checks and codes
@lru_cache(maxsize=256)
def _cat_dtype(categories: tuple, ordered: bool = False) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(categories), ordered=ordered)


def categorical_from_codes(codes, categories, ordered: bool = False) -> pd.Categorical:
    """Categorical from codes known to be valid (cached dtype, no re-validation)."""
    dtype = _cat_dtype(tuple(categories), ordered)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def string_array(codes: np.ndarray, values) -> pd.api.extensions.ExtensionArray:
    """``values[codes]`` as a pandas ``str`` array (built through a pyarrow dictionary: fast)."""
    dictionary = pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(codes, np.int32)), pa.array([str(v) for v in values], pa.string())
    )
    return pd.array(dictionary.cast(pa.large_string()), dtype=STR_DTYPE)


def _all_equal_to_first(col: pd.Series) -> bool:
    first = col.iloc[0]
    if not isinstance(first, str):
        return False
    arr = col.array
    if hasattr(arr, "_pa_array"):  # pyarrow-backed str: compare without pandas' wrapper
        pa_arr = arr._pa_array
        return pa_arr.null_count == 0 and bool(pc.all(pc.equal(pa_arr, first)).as_py())
    return bool((col == first).all())


def category_codes(col: pd.Series, name: str, categories) -> np.ndarray:
    """Integer codes of Categorical ``col`` against ``categories`` (-1 = missing)."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        raise TypeError(f"forms[{name!r}] must be a Categorical column; got dtype {col.dtype}")
    cats = list(col.cat.categories)
    codes = col.cat.codes.to_numpy()
    categories = list(categories)
    if cats == categories:
        return codes
    idx = pd.Index(categories).get_indexer(cats)
    unknown = [c for c, i in zip(cats, idx, strict=True) if i < 0]
    if unknown:
        raise ValueError(
            f"forms[{name!r}] has categories not in the scheme: {unknown}; allowed: {categories}"
        )
    lut = np.append(idx, -1).astype(codes.dtype if len(categories) < 127 else np.int32)
    return lut[codes]  # code -1 picks the appended -1


def _cycle_codes(col: pd.Series) -> tuple[np.ndarray | None, list[str]]:
    """(codes or None when there is one cycle, sorted cycle ids)."""
    n = len(col)
    if n == 0:
        return None, []
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        if codes.min() < 0:
            raise ValueError("forms['cycle'] has missing values")
        used = np.flatnonzero(np.bincount(codes, minlength=len(col.cat.categories)))
        cats = [str(col.cat.categories[i]) for i in used]
        order = np.argsort(cats, kind="stable")
        lut = np.full(len(col.cat.categories), -1, np.int16)
        lut[used[order]] = np.arange(len(used), dtype=np.int16)
        cycles = [cats[i] for i in order]
        return (None if len(cycles) == 1 else lut[codes]), cycles
    if _all_equal_to_first(col):
        return None, [str(col.iloc[0])]
    codes, uniques = pd.factorize(col, sort=True)
    if (codes < 0).any():
        raise ValueError("forms['cycle'] has missing values")
    return codes.astype(np.int16), [str(u) for u in uniques]


class FormCodes(NamedTuple):
    """A forms table as integer codes (what :func:`check_forms` returns; unpacks as a tuple).

    Attributes
    ----------
    cyc : numpy.ndarray or None
        Each form's position in ``cycles``; None when there is one cycle.
    cycles : list of str
        Cycle ids, sorted.
    units : list
        Unit categories.
    unit, group : numpy.ndarray
        Each form's unit and group position.
    levels : list of numpy.ndarray
        One array of level positions per dimension (-1: blank).
    """

    cyc: np.ndarray | None
    cycles: list
    units: list
    unit: np.ndarray
    group: np.ndarray
    levels: list


def check_forms(forms, scheme: Scheme) -> FormCodes:
    """Check a validated forms table (DataFrame with ``cycle, unit, group`` and the scheme's
    dimensions); TypeError / ValueError naming what is missing.  Shared by the statistics."""
    if not isinstance(forms, pd.DataFrame):
        raise TypeError(f"forms must be a pandas DataFrame; got {type(forms).__name__}")
    need = ["cycle", "unit", "group", *scheme.dimension_codes]
    missing = [c for c in need if c not in forms.columns]
    if missing:
        raise ValueError(f"forms lacks column(s) {missing}; a validated forms table has {need}")
    if not isinstance(forms["unit"].dtype, pd.CategoricalDtype):
        raise TypeError(
            f"forms['unit'] must be a Categorical column; got dtype {forms['unit'].dtype}"
        )
    units = list(forms["unit"].cat.categories)
    unit = forms["unit"].cat.codes.to_numpy()
    group = category_codes(forms["group"], "group", scheme.group_codes)
    levels = [category_codes(forms[d], d, scheme.level_codes) for d in scheme.dimension_codes]
    if len(unit) and unit.min() < 0:
        raise ValueError("forms['unit'] has missing values")
    if len(group) and group.min() < 0:
        raise ValueError("forms['group'] has missing values")
    cyc, cycles = _cycle_codes(forms["cycle"])
    return FormCodes(cyc, cycles, units, unit, group, levels)


def key_dtype(nbins: int):
    """The smallest signed integer dtype that holds ``nbins`` combined cell keys.

    Examples
    --------
    >>> key_dtype(100).__name__
    'int16'
    """
    if nbins < 2**15:
        return np.int16
    if nbins < 2**31:
        return np.int32
    return np.int64


# ---------------------------------------------------------------------- building frames
def tally_frame(dense: np.ndarray, cycles, units, scheme: Scheme) -> pd.DataFrame:
    """Long tally from ``dense[cycle, unit, group, dimension, level]`` (blank last)."""
    _c, u, g, d, lv = dense.shape
    n = dense.size
    idx = np.arange(n)
    level_cats = [*scheme.level_codes, BLANK]

    cat = categorical_from_codes
    return pd.DataFrame(
        {
            "cycle": string_array(idx // (u * g * d * lv), cycles),
            "unit": cat((idx // (g * d * lv)) % u, units),
            "group": cat((idx // (d * lv)) % g, scheme.group_codes),
            "dimension": cat((idx // lv) % d, scheme.dimension_codes),
            "level": cat(idx % lv, level_cats),
            "count": dense.reshape(-1).astype(np.int64),
        }
    )


def tally(forms: pd.DataFrame, scheme: Scheme | None = None) -> pd.DataFrame:
    """Count answers per cycle × unit × group × dimension × level, zero cells kept.

    Parameters
    ----------
    forms : DataFrame
        The validated forms table (:mod:`evalstats.inputs.forms`): ``cycle``, ``unit`` and ``group``
        Categoricals and one level Categorical per dimension (NaN = blank).
    scheme : Scheme, path or None
        The scheme (default: the bundled one).

    Returns
    -------
    DataFrame
        Columns ``cycle, unit, group, dimension, level, count``: one row for every combination
        of the cycles present, the unit categories of ``forms["unit"]``, the scheme's groups,
        dimensions and levels plus ``"blank"``, in that order.  ``count`` is int64; ``unit``,
        ``group``, ``dimension`` and ``level`` are Categoricals (level categories: the scheme's
        level codes, then ``"blank"``).

    Notes
    -----
    Integer codes are combined into one key per row and counted with ``np.bincount``, one
    dimension at a time, in row chunks of 2**18 (memory O(chunk); see
    ``benchmarks/bench_tally.py``).

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms
    >>> tally(empty_forms(units=["U01"])).shape
    (0, 6)
    """
    scheme = resolve_scheme(scheme)
    cyc, cycles, units, unit, group, levels = check_forms(forms, scheme)
    nc, nu, ng, nd = len(cycles), len(units), len(scheme.group_codes), len(levels)
    nl = len(scheme.level_codes) + 1  # slot 0 = blank while counting
    nbins = max(nc, 1) * nu * ng * nl
    kdt = key_dtype(nbins)
    out = np.zeros((nd, nbins), np.int64)
    n = len(unit)
    if n and nbins:
        chunk = max(1, min(CHUNK_ROWS, n))
        base = np.empty(chunk, kdt)
        key = np.empty(chunk, kdt)
        for s in range(0, n, chunk):
            e = min(n, s + chunk)
            b, k = base[: e - s], key[: e - s]
            if cyc is None:
                np.multiply(unit[s:e], ng, out=b, dtype=kdt)
            else:
                np.multiply(cyc[s:e], nu, out=b, dtype=kdt)
                b += unit[s:e]
                b *= ng
            b += group[s:e]
            b *= nl
            b += 1
            for j in range(nd):
                np.add(b, levels[j][s:e], out=k, dtype=kdt)
                out[j] += np.bincount(k, minlength=nbins)
    dense = out.reshape(nd, max(nc, 1), nu, ng, nl)[:, :nc]
    dense = np.concatenate([dense[..., 1:], dense[..., :1]], axis=-1)  # blank last
    dense = dense.transpose(1, 2, 3, 0, 4)
    return tally_frame(dense, cycles, units, scheme)


# ---------------------------------------------------------------------- tallies as arrays
def _check_tally(counts, scheme: Scheme) -> None:
    if not isinstance(counts, pd.DataFrame):
        raise TypeError(f"counts must be a pandas DataFrame (a tally); got {type(counts).__name__}")
    missing = [c for c in TALLY_COLUMNS if c not in counts.columns]
    if missing:
        raise ValueError(f"counts lacks column(s) {missing}; a tally has {TALLY_COLUMNS}")
    if not isinstance(counts["unit"].dtype, pd.CategoricalDtype):
        raise TypeError(
            f"counts['unit'] must be a Categorical column; got dtype {counts['unit'].dtype}"
        )


def tally_to_array(counts: pd.DataFrame, scheme: Scheme | None = None):
    """Dense ``int64[cycle, unit, group, dimension, level]`` array of a tally (blank last).

    Row order does not matter and repeated rows add up.

    Returns
    -------
    (array, cycles, units)
        ``cycles`` sorted cycle ids, ``units`` the unit categories.
    """
    scheme = resolve_scheme(scheme)
    _check_tally(counts, scheme)
    units = list(counts["unit"].cat.categories)
    level_cats = [*scheme.level_codes, BLANK]
    cyc, cycles = pd.factorize(counts["cycle"], sort=True)
    if (cyc < 0).any():
        raise ValueError("counts['cycle'] has missing values")
    cycles = [str(c) for c in cycles]
    codes = [cyc]
    for col, cats in (
        ("unit", units),
        ("group", scheme.group_codes),
        ("dimension", scheme.dimension_codes),
        ("level", level_cats),
    ):
        s = counts[col]
        c = pd.Index(list(cats)).get_indexer(s.astype(object).to_numpy())
        if (c < 0).any():
            bad = sorted({str(v) for v, i in zip(s, c, strict=True) if i < 0})
            raise ValueError(f"counts[{col!r}] has values not in the scheme: {bad}")
        codes.append(c)
    shape = (len(cycles), len(units), len(scheme.group_codes), len(scheme.dimension_codes))
    shape = (*shape, len(level_cats))
    cnt = counts["count"].to_numpy()
    if cnt.dtype.kind not in "iu" or (len(cnt) and cnt.min() < 0):
        raise ValueError("counts['count'] must be non-negative integers")
    flat = np.ravel_multi_index(tuple(codes), shape) if len(cnt) else np.zeros(0, np.int64)
    dense = np.bincount(flat, weights=cnt, minlength=int(np.prod(shape)))
    return np.rint(dense).astype(np.int64).reshape(shape), cycles, units


def add_tallies(*tallies: pd.DataFrame, scheme: Scheme | None = None) -> pd.DataFrame:
    """Sum tallies of parts into the tally of the whole.

    Cycles are the union of the parts' cycles; units the union of their unit categories (in
    order of first appearance).  ``add_tallies(tally(a), tally(b)) == tally(concat(a, b))``
    when ``a`` and ``b`` share unit categories.

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms
    >>> t = tally(empty_forms(units=["U01"]))
    >>> add_tallies(t, t).shape
    (0, 6)
    """
    scheme = resolve_scheme(scheme)
    if not tallies:
        raise ValueError("add_tallies needs at least one tally")
    units: list = []
    for t in tallies:
        _check_tally(t, scheme)
        units.extend(u for u in t["unit"].cat.categories if u not in units)
    parts = []
    for t in tallies:
        t = t[TALLY_COLUMNS].copy()
        t["unit"] = t["unit"].cat.set_categories(units)
        parts.append(t)
    whole = pd.concat(parts, ignore_index=True)
    whole["unit"] = pd.Categorical(whole["unit"], categories=units)
    dense, cycles, units = tally_to_array(whole, scheme)
    return tally_frame(dense, cycles, units, scheme)


# ---------------------------------------------------------------------- answer patterns
def pattern_counts(forms: pd.DataFrame, scheme: Scheme | None = None) -> pd.DataFrame:
    """Counts of whole answer patterns per cycle × unit × group.

    Parameters
    ----------
    forms : DataFrame
        The validated forms table.
    scheme : Scheme, path or None

    Returns
    -------
    DataFrame
        Columns ``cycle, unit, group, <each dimension code>, count``: one row per distinct
        pattern present, dimension columns with ``scheme.level_dtype`` (NaN = blank), ``count``
        int64, sorted by cycle, unit, group and then the pattern (level order of the scheme,
        blank last).  Keeps the link between a form's answers, which the per-dimension tally
        loses; at most ``(levels + 1) ** dimensions`` rows per unit × group.

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms
    >>> list(pattern_counts(empty_forms()).columns)[:3]
    ['cycle', 'unit', 'group']
    """
    scheme = resolve_scheme(scheme)
    return pattern_frame(check_forms(forms, scheme), scheme)


def pattern_frame(codes: FormCodes, scheme: Scheme, *, weights=None) -> pd.DataFrame:
    """Pattern counts from integer codes (``weights``: counts per row, default 1 each).

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms
    >>> f = empty_forms(units=["U01"])
    >>> len(pattern_frame(check_forms(f, resolve_scheme(None)), resolve_scheme(None)))
    0
    """
    cyc, cycles, units, unit, group, levels = codes
    nl = len(scheme.level_codes)
    base = nl + 1
    nd = len(levels)
    nc, nu, ng = max(len(cycles), 1), len(units), len(scheme.group_codes)
    space = nc * nu * ng * base**nd
    n = len(unit)
    if space < 2**62:
        key = np.zeros(n, np.int64)
        if cyc is not None:
            key += cyc
        key *= nu
        key += unit
        key *= ng
        key += group
        for lv in levels:
            key *= base
            key += np.where(lv < 0, nl, lv)
        if weights is not None:
            uniq, inverse = np.unique(key, return_inverse=True)
            cnt = np.bincount(inverse, weights=weights, minlength=len(uniq))
            cnt = np.rint(cnt).astype(np.int64)
            uniq, cnt = uniq[cnt != 0], cnt[cnt != 0]
        elif space <= max(4 * n, 1 << 20):
            cnt = np.bincount(key, minlength=space)
            uniq = np.flatnonzero(cnt)
            cnt = cnt[uniq]
        else:
            uniq, cnt = np.unique(key, return_counts=True)
        rest = uniq
        digits = []
        for _ in range(nd):
            digits.append(rest % base)
            rest = rest // base
        digits = digits[::-1]
        g_codes = rest % ng
        rest = rest // ng
        u_codes = rest % nu
        c_codes = rest // nu
    else:  # pragma: no cover - needs an enormous scheme
        frame = pd.DataFrame(
            {"c": 0 if cyc is None else cyc, "u": unit, "g": group}
            | {f"d{j}": np.where(lv < 0, nl, lv) for j, lv in enumerate(levels)}
        )
        if weights is None:
            vc = frame.value_counts(sort=False).sort_index()
        else:
            vc = frame.assign(w=weights).groupby(list(frame.columns))["w"].sum().sort_index()
            vc = vc[vc != 0]
        idx = vc.index.to_frame(index=False)
        c_codes, u_codes, g_codes = (idx[c].to_numpy() for c in ("c", "u", "g"))
        digits = [idx[f"d{j}"].to_numpy() for j in range(nd)]
        cnt = vc.to_numpy()
    data = {
        "cycle": string_array(c_codes, cycles),
        "unit": categorical_from_codes(u_codes, units),
        "group": categorical_from_codes(g_codes, scheme.group_codes),
    }
    for d, dig in zip(scheme.dimension_codes, digits, strict=True):
        data[d] = categorical_from_codes(np.where(dig == nl, -1, dig), scheme.level_codes, True)
    data["count"] = np.asarray(cnt, np.int64)
    return pd.DataFrame(data)


def tally_from_patterns(patterns: pd.DataFrame, scheme: Scheme | None = None) -> pd.DataFrame:
    """The tally implied by answer-pattern counts; equals ``tally(forms)`` exactly.

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms
    >>> f = empty_forms(units=["U01"])
    >>> tally_from_patterns(pattern_counts(f)).equals(tally(f))
    True
    """
    scheme = resolve_scheme(scheme)
    if not isinstance(patterns, pd.DataFrame):
        raise TypeError(f"patterns must be a pandas DataFrame; got {type(patterns).__name__}")
    if "count" not in patterns.columns:
        raise ValueError("patterns lacks column(s) ['count']")
    cnt = patterns["count"].to_numpy()
    cyc, cycles, units, unit, group, levels = check_forms(patterns, scheme)
    nc, nu, ng = len(cycles), len(units), len(scheme.group_codes)
    nl = len(scheme.level_codes) + 1
    nbins = max(nc, 1) * nu * ng * nl
    base = unit.astype(np.int64) * ng + group
    if cyc is not None:
        base += cyc.astype(np.int64) * nu * ng
    out = np.zeros((len(levels), nbins), np.int64)
    for j, lv in enumerate(levels):
        k = base * nl + np.where(lv < 0, nl - 1, lv)
        out[j] = np.rint(np.bincount(k, weights=cnt, minlength=nbins)).astype(np.int64)
    dense = out.reshape(len(levels), max(nc, 1), nu, ng, nl)[:, :nc].transpose(1, 2, 3, 0, 4)
    return tally_frame(dense, cycles, units, scheme)


__all__ = [
    "BLANK",
    "CHUNK_ROWS",
    "STR_DTYPE",
    "TALLY_COLUMNS",
    "FormCodes",
    "add_tallies",
    "categorical_from_codes",
    "category_codes",
    "check_forms",
    "key_dtype",
    "pattern_counts",
    "pattern_frame",
    "string_array",
    "tally",
    "tally_frame",
    "tally_from_patterns",
    "tally_to_array",
]
