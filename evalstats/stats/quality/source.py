"""The forms a quality check reads: one prepared, coded view of a validated cycle.

:func:`unpack_source` takes a :class:`~evalstats.inputs.validate.ValidatedCycle` or a forms
table apart; :func:`prepare_forms` codes its forms once (cycle, unit, group, level, answer
pattern, straight pattern, collector, submission time) into a :class:`QualityData` that every
check of :mod:`evalstats.stats.quality` reads.  :func:`counted_cycle` and
:func:`counted_pattern_codes` give the same codes for a cycle counted out of core
(:class:`~evalstats.counts.backends.CycleCounts`).

Examples
--------
>>> import numpy as np
>>> combine_codes(np.array([0, 1, 1]), np.array([2, 0, 2])).tolist()
[2, 3, 5]
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.counts.tally import check_forms
from evalstats.inputs.validate import ValidatedCycle
from evalstats.stats.units import check_units_table


@dataclass(frozen=True)
class QualityData:
    """The forms of a cycle coded once for the quality checks (one entry per form).

    Built by :func:`prepare_forms`; the comments beside the fields say what each holds.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.forms import empty_forms
    >>> prepare_forms(empty_forms(), load_scheme(), None).cycles
    []
    """

    forms: pd.DataFrame  # reset index
    scheme: Scheme
    cycle: np.ndarray  # str per form
    cyc: np.ndarray  # cycle code per form (cycles sorted)
    cycles: list
    unit_cats: list
    unit: np.ndarray  # codes
    group: np.ndarray  # codes
    levels: np.ndarray  # [n, D] level codes, -1 blank (the categoricals' codes: int8)
    pattern: np.ndarray  # int64 pattern id
    straight: np.ndarray  # bool
    form_id: np.ndarray  # str
    coll: np.ndarray  # collector code per form, -1 when missing
    collectors: list  # collector names, sorted
    time: np.ndarray | None  # datetime64[ns] (NaT missing); None without the column
    names: dict  # unit code -> Chinese name
    names_en: dict = field(default_factory=dict)  # unit code -> English name

    @functools.cached_property
    def answered(self) -> tuple[np.ndarray, np.ndarray]:
        """Each form's lowest and highest answered level code (:func:`answered_range` of
        ``levels``), made once for the checks that read them (read-only)."""
        low, high = answered_range(self.levels)
        low.flags.writeable = high.flags.writeable = False
        return low, high


def combine_codes(*codes: np.ndarray) -> np.ndarray:
    """One int64 key per row from non-negative integer codes (same order as the tuples)."""
    sizes = [int(c.max()) + 1 if len(c) else 1 for c in codes]
    if float(np.prod(np.array(sizes, dtype=float))) < 2**62:
        key = np.zeros(len(codes[0]), np.int64)
        for c, size in zip(codes, sizes, strict=True):
            key *= size  # in place: no fresh key per code (16M forms: 128 MB each)
            key += c
        return key
    rows = np.stack(codes, axis=1)  # pragma: no cover - enormous code spaces only
    return np.unique(rows, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def answered_range(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each form's lowest and highest answered level code (``levels``: ``[forms,
    dimensions]``, -1 blank): the dtype's maximum and -1 when every answer is blank.  Made a
    dimension at a time (no copy of all the answers).

    Examples
    --------
    >>> low, high = answered_range(np.array([[2, -1, 0], [-1, -1, -1]]))
    >>> low.tolist(), high.tolist()
    ([0, 9223372036854775807], [2, -1])
    """
    n, dims = levels.shape
    high = np.full(n, -1, levels.dtype)
    low = np.full(n, np.iinfo(levels.dtype).max, levels.dtype)
    for j in range(dims):
        col = levels[:, j]
        np.maximum(high, col, out=high)
        np.minimum(low, np.where(col >= 0, col, low), out=low)
    return low, high


def unpack_source(validated, *, scheme, forms_issued, duplicates, voided, units):
    """Unpack a ValidatedCycle or a forms DataFrame.

    Parameters
    ----------
    validated : ValidatedCycle or DataFrame
        The cycle, or its forms table.
    scheme, forms_issued, duplicates, voided, units
        Overrides of the validated cycle's (None: take the cycle's); for a forms table, the
        tables themselves (None: none) and the scheme (None: the bundled one).

    Returns
    -------
    tuple
        ``(forms, scheme, forms_issued, duplicates, voided, units)``.

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms
    >>> out = unpack_source(empty_forms(), scheme=None, forms_issued=None, duplicates=None,
    ...                     voided=None, units=None)
    >>> len(out)
    6
    """
    if isinstance(validated, ValidatedCycle):
        v = validated
        scheme = resolve_scheme(v.scheme if scheme is None else scheme)
        return (
            v.forms,
            scheme,
            v.forms_issued if forms_issued is None else forms_issued,
            v.duplicates if duplicates is None else duplicates,
            v.voided if voided is None else voided,
            v.units if units is None else units,
        )
    if isinstance(validated, pd.DataFrame):
        return validated, resolve_scheme(scheme), forms_issued, duplicates, voided, units
    raise TypeError(
        f"validated must be a ValidatedCycle or a forms DataFrame; got {type(validated).__name__}"
    )


def form_id_texts(form_ids: pd.Series, *, validated: bool = False) -> np.ndarray:
    """Form ids as an object array of ``str``, without copying ids that are text already.

    ``astype(str)`` makes a new string per id (pandas 3: through its ``str`` dtype): 61 MiB
    and 0.09 s for the 1M ids of a validated cycle, whose ids are text (``validated``: not
    checked again).

    Examples
    --------
    >>> ids = pd.Series(["F1", "F2"], dtype=object)
    >>> form_id_texts(ids)[0] is ids[0], form_id_texts(pd.Series([7, 8])).tolist()
    (True, ['7', '8'])
    """
    if validated or (
        form_ids.dtype == object and pd.api.types.infer_dtype(form_ids, skipna=False) == "string"
    ):
        return form_ids.to_numpy(dtype=object)
    return form_ids.astype(str).to_numpy(dtype=object)


def _cycle_codes(col: pd.Series):
    """The cycle of each form as text, its code among the cycles sorted, and the cycles: as
    ``pd.factorize(col.astype(str), sort=True)``, from a categorical's codes without a
    string per form."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        if (codes >= 0).all():
            cats = np.asarray(col.cat.categories.astype(str), dtype=object)
            used = np.flatnonzero(np.bincount(codes, minlength=len(cats)))
            order = np.argsort(cats[used], kind="stable")
            cycles = cats[used][order]
            rank = np.zeros(len(cats), np.int64)
            rank[used[order]] = np.arange(len(used))
            return cats[codes], rank[codes], pd.Index(cycles, dtype=object)
    cycle = col.astype(str).to_numpy(dtype=object)
    cyc, cycles = pd.factorize(cycle, sort=True)
    return cycle, cyc, cycles


def _has_repeats(values: np.ndarray) -> bool:
    """Some text repeats in ``values`` (hashed by Arrow: ~ 10x faster than ``pd.factorize``
    on millions of Python strings)."""
    if len(values) < 2:
        return False
    return len(pc.unique(pa.array(values, type=pa.string()))) < len(values)


def prepare_forms(
    forms: pd.DataFrame, scheme: Scheme, units, *, validated: bool = False
) -> QualityData:
    """Code a forms table for the quality checks.

    Parameters
    ----------
    forms : DataFrame
        Forms of a cycle (:mod:`evalstats.inputs.forms`), ``form_id`` required.
    scheme : Scheme
    units : DataFrame or None
        ``unit, name, series`` (and optionally ``name_en``): names for the sentences.
    validated : bool
        True for the forms of a :class:`~evalstats.inputs.validate.ValidatedCycle`: their
        ids are text, none blank, distinct (validation counts one copy of an id typed twice
        and none of an id typed with different answers), so they are not checked again
        (7 s of 16M forms); default False: checked.

    Returns
    -------
    QualityData

    Raises
    ------
    ValueError
        ``form_id`` missing, with missing values, or repeated within a cycle.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.forms import empty_forms
    >>> len(prepare_forms(empty_forms(), load_scheme(), None).form_id)
    0
    """
    _cyc, _cycles, unit_cats, unit, group, levels = check_forms(forms, scheme)
    if "form_id" not in forms.columns:
        raise ValueError("forms lacks column(s) ['form_id']")
    forms = forms.reset_index(drop=True)
    fid = forms["form_id"]
    if not validated and fid.isna().any():
        raise ValueError("forms['form_id'] has missing values")
    form_id = form_id_texts(fid, validated=validated)
    cycle, cyc, cycles = _cycle_codes(forms["cycle"])
    if not validated and _has_repeats(form_id):  # rare: then find the repeats in a cycle
        fcode = pd.factorize(form_id)[0]
        dup = pd.Series(combine_codes(cyc, fcode)).duplicated(keep=False).to_numpy()
    else:
        dup = np.zeros(len(form_id), bool)
    if dup.any():
        bad = sorted(set(form_id[dup].tolist()))[:10]
        raise ValueError(f"forms repeats form id(s) within a cycle: {bad}")
    nl = len(scheme.level_codes)
    lv = np.stack(levels, axis=1)  # the columns' own codes (int8: a form's answers in 5 bytes)
    # blank last, in the columns' own small codes (not a fresh int64 copy of each dimension)
    pattern = combine_codes(*(np.where(x < 0, nl, x) for x in levels))
    valid = np.array([v.valid for v in scheme.levels])
    first = lv[:, 0]
    straight = (lv == first[:, None]).all(axis=1) & (first >= 0) & valid[np.clip(first, 0, None)]
    if "collector" in forms.columns:
        raw = forms["collector"].to_numpy(dtype=object)
        coll, collectors = pd.factorize(raw, sort=True)
        collectors = [str(c) for c in collectors]
        empty = [i for i, c in enumerate(collectors) if not c.strip()]
        if empty:  # blank text counts as missing
            coll = np.where(np.isin(coll, empty), -1, coll)
    else:
        coll, collectors = np.full(len(forms), -1, np.int64), []
    time = None
    if "submitted_at" in forms.columns:
        time = pd.to_datetime(forms["submitted_at"]).to_numpy(dtype="datetime64[ns]")
    names, names_en = {}, {}
    if units is not None:
        u = check_units_table(units)
        names = {c: n for c, n in zip(u["unit"], u["name"], strict=True) if n}
        if "name_en" in units:
            english = units["name_en"].astype(object).where(units["name_en"].notna(), "")
            names_en = {
                str(c): " ".join(str(n).split())
                for c, n in zip(units["unit"], english, strict=True)
                if str(n).strip()
            }
    return QualityData(
        forms=forms,
        scheme=scheme,
        cycle=cycle,
        cyc=cyc.astype(np.int64, copy=False),
        cycles=[str(c) for c in cycles],
        unit_cats=[str(c) for c in unit_cats],
        unit=unit.astype(np.int64),
        group=group.astype(np.int64),
        levels=lv,
        pattern=pattern,
        straight=straight,
        form_id=form_id,
        coll=coll.astype(np.int64, copy=False),
        collectors=collectors,
        time=time,
        names=names,
        names_en=names_en,
    )


def group_members(labels: np.ndarray, min_size: int = 1) -> list[np.ndarray]:
    """Positions of each label value 0..L-1 (labels < 0 ignored) with at least ``min_size``.

    Examples
    --------
    >>> [m.tolist() for m in group_members(np.array([1, 0, 1, -1]))]
    [[1], [0, 2]]
    >>> [m.tolist() for m in group_members(np.array([0, 0, 1, 1, 1]), 3)]
    [[2, 3, 4]]
    """
    if not len(labels):
        return []
    if len(labels) > 1 and bool((labels[1:] >= labels[:-1]).all()):
        # in order already (a wide file's respondents, row by row): no sort, no gathered copy
        order, sorted_labels = np.arange(len(labels)), labels
    else:
        order = np.argsort(labels, kind="stable")
        sorted_labels = labels[order]
    top = int(sorted_labels[-1]) + 1
    if top <= 0:
        return []
    bounds = np.searchsorted(sorted_labels, np.arange(top + 1))
    return [
        order[bounds[g] : bounds[g + 1]]
        for g in range(top)
        if bounds[g + 1] - bounds[g] >= min_size
    ]


def counted_cycle(obj):
    """``obj`` if it is a :class:`~evalstats.counts.backends.CycleCounts`, else None."""
    if type(obj).__name__ != "CycleCounts":
        return None
    from evalstats.counts.backends import CycleCounts

    return obj if isinstance(obj, CycleCounts) else None


def counted_pattern_codes(counted, scheme: Scheme):
    """(unit, group, levels [n, D], count) codes of a counted cycle's pattern counts."""
    p = counted.patterns
    lv = np.stack(
        [p[dim].cat.codes.to_numpy(np.int64) for dim in scheme.dimension_codes], axis=1
    ).reshape(len(p), len(scheme.dimension_codes))
    return (
        p["unit"].cat.codes.to_numpy(np.int64),
        p["group"].cat.codes.to_numpy(np.int64),
        lv,
        p["count"].to_numpy(np.int64),
    )


def counted_per_cell(counted, scheme: Scheme, nu: int) -> np.ndarray:
    """Forms counted per unit × group code (``[unit * n_groups + group]``)."""
    u, g, _lv, cnt = counted_pattern_codes(counted, scheme)
    ng = len(scheme.group_codes)
    return np.bincount(u * ng + g, weights=cnt, minlength=nu * ng).astype(np.int64)


__all__ = [
    "QualityData",
    "answered_range",
    "combine_codes",
    "counted_cycle",
    "counted_pattern_codes",
    "counted_per_cell",
    "form_id_texts",
    "group_members",
    "prepare_forms",
    "unpack_source",
]
