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


def _arrow_text(col: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow array of a pyarrow-backed text column (pandas ``str``, ``string[pyarrow]`` or
    an ``ArrowDtype`` of text), else None: read without pandas' wrapper."""
    arr = col.array
    if not isinstance(arr, pd.arrays.ArrowExtensionArray):
        return None
    pa_arr = arr.__arrow_array__()
    text = pa.types.is_string(pa_arr.type) or pa.types.is_large_string(pa_arr.type)
    return pa_arr if text else None


def _all_equal_to_first(col: pd.Series) -> bool:
    first = col.iloc[0]
    if not isinstance(first, str):
        return False
    pa_arr = _arrow_text(col)
    if pa_arr is not None:
        return pa_arr.null_count == 0 and bool(pc.all(pc.equal(pa_arr, first)).as_py())
    return bool((col == first).all())


def text_positions(col: pd.Series, index: pd.Index) -> np.ndarray:
    """``index.get_indexer(col.astype(str))``: each value's position in ``index`` as text (-1:
    not there); a categorical column's categories are looked up once and its codes carried
    (no text made per row).

    Examples
    --------
    >>> text_positions(pd.Series(pd.Categorical(["b", "a", "b"])), pd.Index(["a", "b"])).tolist()
    [1, 0, 1]
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        if (codes >= 0).all():
            return index.get_indexer(col.cat.categories.astype(str).to_numpy(dtype=object))[codes]
    pa_arr = _arrow_text(col)
    if (
        pa_arr is not None
        and pa_arr.null_count == 0
        and index.is_unique
        and all(isinstance(v, str) for v in index)
    ):
        # pyarrow-backed text (a pattern table's cycle): looked up by Arrow, no Python
        # string made per row; the same positions (distinct texts, none missing)
        found = pc.index_in(pa_arr, value_set=pa.array(list(index), pa.string()))
        return found.fill_null(-1).to_numpy().astype(np.intp)
    return index.get_indexer(col.astype(str).to_numpy())


def text_codes(col: pd.Series) -> tuple[np.ndarray, list[str]]:
    """``pd.factorize(col.astype(str), sort=True)`` as (codes, texts): a categorical column
    without missing values from its used categories' texts (no text made per row).

    Examples
    --------
    >>> codes, texts = text_codes(pd.Series(pd.Categorical(["b", "a", "b"], ["c", "b", "a"])))
    >>> codes.tolist(), texts
    ([1, 0, 1], ['a', 'b'])
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        if (codes >= 0).all():
            cats = np.asarray(col.cat.categories.astype(str).to_numpy(dtype=object), dtype=object)
            used = np.flatnonzero(np.bincount(codes, minlength=len(cats)))
            texts, inverse = np.unique(cats[used], return_inverse=True)
            lut = np.full(len(cats), -1, np.intp)
            lut[used] = inverse.ravel()
            return lut[codes], [str(t) for t in texts]
    codes, uniques = pd.factorize(col.astype(str), sort=True)
    return codes, [str(u) for u in uniques]


def own_codes(col: pd.Series) -> np.ndarray:
    """The codes of Categorical ``col`` as stored: a read-only view, never a copy.

    ``col.cat.codes`` builds a new Series (a copy of the codes); a tally of 10M forms
    would copy each of its columns.

    Examples
    --------
    >>> own_codes(pd.Series(pd.Categorical(["b", "a", None]))).tolist()
    [1, 0, -1]
    """
    return col.array.codes


def category_lut(col: pd.Series, name: str, categories) -> np.ndarray | None:
    """How to turn the codes of Categorical ``col`` into positions in ``categories``.

    Returns None when the categories are the same list (the codes are the positions), else
    a lookup table ``lut`` with ``lut[code]`` the position (``lut[-1]`` = -1, missing).
    TypeError if ``col`` is not Categorical, ValueError naming categories not in
    ``categories``.

    Examples
    --------
    >>> col = pd.Series(pd.Categorical(["b", "a"], categories=["b", "a"]))
    >>> category_lut(col, "x", ["a", "b"]).tolist()
    [1, 0, -1]
    """
    if not isinstance(col.dtype, pd.CategoricalDtype):
        raise TypeError(f"forms[{name!r}] must be a Categorical column; got dtype {col.dtype}")
    cats = list(col.cat.categories)
    categories = list(categories)
    if cats == categories:
        return None
    idx = pd.Index(categories).get_indexer(cats)
    unknown = [c for c, i in zip(cats, idx, strict=True) if i < 0]
    if unknown:
        raise ValueError(
            f"forms[{name!r}] has categories not in the scheme: {unknown}; allowed: {categories}"
        )
    return np.append(idx, -1).astype(np.int8 if len(categories) < 127 else np.int32)


def category_codes(col: pd.Series, name: str, categories) -> np.ndarray:
    """Integer codes of Categorical ``col`` against ``categories`` (-1 = missing).

    The column's own codes (no copy) when its categories are ``categories``.

    Examples
    --------
    >>> col = pd.Series(pd.Categorical(["b", None], categories=["b", "a"]))
    >>> category_codes(col, "x", ["a", "b"]).tolist()
    [1, -1]
    """
    lut = category_lut(col, name, categories)
    codes = own_codes(col)
    return codes if lut is None else lut[codes]  # code -1 picks the appended -1


def _cycle_slots(col: pd.Series) -> tuple[np.ndarray | None, list[str]]:
    """(codes, or None when there is one slot; the cycle id of each code) of ``col``.

    A Categorical column gives its own codes and categories (one slot per category, used or
    not: no pass over the rows beyond the check for missing values); another column is
    compared with its first value (pyarrow ``str``: in C) and factorized when it varies.
    """
    if len(col) == 0:
        return None, []
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = own_codes(col)
        if codes.min() < 0:
            raise ValueError("forms['cycle'] has missing values")
        slots = [str(c) for c in col.cat.categories]
        return (None if len(slots) == 1 else codes), slots
    if _all_equal_to_first(col):
        return None, [str(col.iloc[0])]
    codes, uniques = pd.factorize(col, sort=True)
    if (codes < 0).any():
        raise ValueError("forms['cycle'] has missing values")
    return codes.astype(np.int16), [str(u) for u in uniques]


def _cycle_codes(col: pd.Series) -> tuple[np.ndarray | None, list[str]]:
    """(codes or None when there is one cycle, sorted cycle ids)."""
    codes, slots = _cycle_slots(col)
    if codes is None:
        return None, slots
    used = np.flatnonzero(np.bincount(codes, minlength=len(slots)))
    order = np.argsort([slots[i] for i in used], kind="stable")
    if len(used) == 1:
        return None, [slots[used[0]]]
    lut = np.full(len(slots), -1, np.int16)
    lut[used[order]] = np.arange(len(used), dtype=np.int16)
    return lut[codes], [slots[used[i]] for i in order]


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


def _check_columns(forms, scheme: Scheme) -> None:
    """TypeError / ValueError for a forms table without the columns (or dtypes) of one."""
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


def _check_no_missing(unit: np.ndarray, group: np.ndarray) -> None:
    if len(unit) and unit.min() < 0:
        raise ValueError("forms['unit'] has missing values")
    if len(group) and group.min() < 0:
        raise ValueError("forms['group'] has missing values")


def check_forms(forms, scheme: Scheme) -> FormCodes:
    """Check a validated forms table (DataFrame with ``cycle, unit, group`` and the scheme's
    dimensions); TypeError / ValueError naming what is missing.  Shared by the statistics.

    The codes are the columns' own (read-only views) wherever their categories are the
    scheme's.

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms
    >>> check_forms(empty_forms(units=["U01"]), resolve_scheme(None)).units
    ['U01']
    """
    _check_columns(forms, scheme)
    units = list(forms["unit"].cat.categories)
    unit = own_codes(forms["unit"])
    group = category_codes(forms["group"], "group", scheme.group_codes)
    levels = [category_codes(forms[d], d, scheme.level_codes) for d in scheme.dimension_codes]
    _check_no_missing(unit, group)
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


def dimension_blocks(n_dimensions: int, nbins: int, n_levels: int) -> list[list[int]]:
    """Dimensions counted together: consecutive blocks whose joint keys stay ``int16``.

    A block of ``k`` dimensions is counted with one ``np.bincount`` over ``nbins ·
    n_levels**(k-1)`` bins (each dimension's counts are then sums over the others' levels),
    which does the counting pass once instead of ``k`` times; the keys stay 2-byte integers,
    so the bins stay small enough for the processor's cache.

    Examples
    --------
    >>> dimension_blocks(5, 200 * 4 * 6, 6)  # 200 units: pairs
    [[0, 1], [2, 3], [4]]
    >>> dimension_blocks(5, 24 * 4 * 6, 6)  # 24 units: three and two
    [[0, 1, 2], [3, 4]]
    """
    if n_dimensions < 1:
        return []
    k = 1
    while k < n_dimensions and key_dtype(nbins * n_levels**k) is np.int16:
        k += 1
    n_blocks = -(-n_dimensions // k)
    return [b.tolist() for b in np.array_split(np.arange(n_dimensions), n_blocks) if len(b)]


def _part(codes: np.ndarray, lut: np.ndarray | None, s: int, e: int) -> np.ndarray:
    return codes[s:e] if lut is None else lut[codes[s:e]]


def _bincounts(keys: list, levels: list, *, n: int, nl: int) -> np.ndarray:
    """``out[dimension, base · nl + 1 + level]``: counts of the key columns' combined code
    ``base`` (``keys``: ``(codes, lut, size)``, most significant first) and each dimension's
    level (``levels``: ``(codes, lut)``; code -1, blank, lands in slot 0), in row chunks.
    """
    nbase = int(np.prod([size for _, _, size in keys]))
    nd = len(levels)
    out = np.zeros((nd, nbase * nl), np.int64)
    blocks = dimension_blocks(nd, nbase * nl, nl)
    widest = nbase * nl ** max((len(b) for b in blocks), default=1)
    kdt = key_dtype(widest)
    acc = [np.zeros(nbase * nl ** len(b), np.int64) for b in blocks]
    chunk = max(1, min(CHUNK_ROWS, n))
    base = np.empty(chunk, kdt)
    key = np.empty(chunk, kdt)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        b, k = base[: e - s], key[: e - s]
        (c0, lut0, _), (c1, lut1, size1) = keys[0], keys[1]
        np.multiply(_part(c0, lut0, s, e), size1, out=b, dtype=kdt)
        b += _part(c1, lut1, s, e)
        for codes, lut, size in keys[2:]:
            b *= size
            b += _part(codes, lut, s, e)
        b *= nl
        b += 1
        for block, counts in zip(blocks, acc, strict=True):
            np.add(b, _part(*levels[block[0]], s, e), out=k, dtype=kdt)
            for j in block[1:]:
                k *= nl
                k += _part(*levels[j], s, e)
                k += 1
            counts += np.bincount(k, minlength=len(counts))
    for block, counts in zip(blocks, acc, strict=True):
        joint = counts.reshape(nbase, *([nl] * len(block)))
        for i, j in enumerate(block):
            others = tuple(1 + t for t in range(len(block)) if t != i)
            out[j] = joint.sum(axis=others).reshape(-1) if others else counts
    return out


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
    The Categoricals' own codes are read in place (never copied; categories in another order
    than the scheme's are mapped chunk by chunk), combined into one integer key per row and
    counted with ``np.bincount`` in row chunks of 2**18 (memory O(chunk)); dimensions whose
    joint keys fit 2-byte integers share one count (:func:`dimension_blocks`).  A
    Categorical ``cycle`` (as :func:`~evalstats.inputs.validate.validate_cycle` builds it) costs
    no pass over the rows beyond the check for missing values; a ``str`` one is compared with
    its first value in C; an object one row by row.  See ``benchmarks/bench_tally.py``.

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms
    >>> tally(empty_forms(units=["U01"])).shape
    (0, 6)
    """
    scheme = resolve_scheme(scheme)
    _check_columns(forms, scheme)
    units = list(forms["unit"].cat.categories)
    unit = own_codes(forms["unit"])
    group_lut = category_lut(forms["group"], "group", scheme.group_codes)
    levels = [
        (own_codes(forms[d]), category_lut(forms[d], d, scheme.level_codes))
        for d in scheme.dimension_codes
    ]
    group = own_codes(forms["group"])
    _check_no_missing(unit, group)  # a missing value is code -1 whatever the categories
    cyc, slots = _cycle_slots(forms["cycle"])
    nu, ng, nd = len(units), len(scheme.group_codes), len(levels)
    nl = len(scheme.level_codes) + 1  # slot 0 = blank while counting
    ns = 1 if cyc is None else len(slots)
    keys = [(unit, None, nu), (group, group_lut, ng)]
    if cyc is not None:
        keys.insert(0, (cyc, None, ns))
    n = len(unit)
    if n and nu:
        out = _bincounts(keys, levels, n=n, nl=nl)
    else:
        out = np.zeros((nd, ns * nu * ng * nl), np.int64)
    dense = out.reshape(nd, ns, nu, ng, nl)
    if cyc is None:
        cycles = slots
    else:  # the categories with forms, sorted
        per_slot = dense[0].sum(axis=(1, 2, 3)) if nd else np.bincount(cyc, minlength=ns)
        used = np.flatnonzero(per_slot)
        used = used[np.argsort([slots[i] for i in used], kind="stable")]
        dense = dense[:, used]
        cycles = [slots[i] for i in used]
    dense = dense[:, : len(cycles)]
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
    "category_lut",
    "check_forms",
    "dimension_blocks",
    "key_dtype",
    "own_codes",
    "pattern_counts",
    "pattern_frame",
    "string_array",
    "tally",
    "tally_frame",
    "tally_from_patterns",
    "tally_to_array",
    "text_codes",
    "text_positions",
]
