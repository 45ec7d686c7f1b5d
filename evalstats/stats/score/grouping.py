"""Named metrics with confidence intervals for any grouping of a tally (:func:`metrics`).

Rows that pool dimensions use the form-level (ratio-estimator) variance from answer patterns,
or the perfect-correlation bound without them; see :mod:`evalstats.stats.score`.

Examples
--------
>>> GROUPING_KEYS
('cycle', 'unit', 'group', 'dimension', 'series')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evalstats.core.options import check_confidence_level, check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.counts.tally import (
    categorical_from_codes,
    string_array,
)
from evalstats.stats.design import (
    Design,
    design_positions,
    design_variances,
    korn_graubard,
    repeated_units,
)
from evalstats.stats.intervals import (
    PROPORTION_METHODS,
    proportion_bounds,
)
from evalstats.stats.score.cells import (
    Levels,
    cell_stats,
    dense_tally,
    pattern_arrays,
    score_ci,
    series_of,
)
from evalstats.stats.score.clustered import clustered_rows
from evalstats.stats.units import check_units_table

GROUPING_KEYS = ("cycle", "unit", "group", "dimension", "series")
METRIC_COLUMNS = [
    "n_forms",
    "n_valid",
    "n_unknown",
    "n_blank",
    "top_box_rate",
    "satisfied_rate",
    "satisfied_ci_low",
    "satisfied_ci_high",
    "dissatisfied_rate",
    "share_of_all_votes",
    "score",
    "score_ci_low",
    "score_ci_high",
    "confidence_level",
    "ci_method",
    "low_confidence",
    "no_valid",
]


def _check_by(by, units) -> tuple[str, ...]:
    if isinstance(by, str):
        by = (by,)
    if not isinstance(by, Sequence) or not all(isinstance(b, str) for b in by):
        raise TypeError(f"by must be a sequence of column names; got {by!r}")
    by = tuple(by)
    for b in by:
        check_option("by", b, GROUPING_KEYS)
    if len(set(by)) != len(by):
        raise ValueError(f"by names a column twice: {list(by)}")
    if "series" in by and units is None:
        raise ValueError("by='series' needs units= (a table with columns unit, name, series)")
    return by


def metrics(
    counts: pd.DataFrame,
    *,
    by: Sequence[str] = ("unit", "group", "dimension"),
    scheme: Scheme | None = None,
    method: str = "wilson",
    confidence_level: float = 0.95,
    patterns: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
    design: Design | None = None,
) -> pd.DataFrame:
    """Named metrics with confidence intervals for any grouping of a tally.

    Parameters
    ----------
    counts : DataFrame
        A tally (:func:`evalstats.counts.tally.tally`).
    by : sequence of str
        Grouping keys among ``cycle, unit, group, dimension, series``; rows pool the counts of
        everything not named (``()``: one row for all) — cycles too, unless ``cycle`` is
        named.  ``series`` needs ``units``.
    scheme : Scheme, path or None
    method : {"wilson", "clopper-pearson", "jeffreys"}
        Interval of ``satisfied_rate`` (:func:`evalstats.stats.intervals.proportion_ci`).
    confidence_level : float
    patterns : DataFrame, optional
        Answer-pattern counts (:func:`evalstats.counts.tally.pattern_counts`) of the same forms;
        used
        for rows that pool dimensions, where they give the form-level variance.
    units : DataFrame, optional
        Columns ``unit, name, series``; needed for ``by`` with ``series``.
    design : Design, optional
        The sampling design of the same forms (:func:`evalstats.stats.design.respondent_design`).
        When forms share respondents, rows pooled across units (and every row, if a respondent
        gave one unit several forms) get design-based intervals (package docstring,
        *Shared respondents*); otherwise it changes nothing.

    Returns
    -------
    DataFrame
        The ``by`` columns, then ``n_forms, n_valid, n_unknown, n_blank, top_box_rate,
        satisfied_rate, satisfied_ci_low, satisfied_ci_high, dissatisfied_rate,
        share_of_all_votes, score, score_ci_low, score_ci_high, confidence_level, ci_method,
        low_confidence, no_valid``; one row per combination of the keys (zero cells kept),
        ordered by the keys.  ``n_forms`` counts each form once.  Where ``n_valid == 0``
        the rates and the score are NaN and ``no_valid`` is True.  ``ci_method`` names the
        interval of ``satisfied_rate``; the score's interval is the t interval of the package
        docstring.

    Notes
    -----
    ``top_box_rate`` = answers at ``scheme.rules.top_box_level`` / ``n_valid``;
    ``dissatisfied_rate`` = answers in ``scheme.rules.dissatisfied_levels`` / ``n_valid``;
    ``share_of_all_votes`` = the same answers / all answers (valid, not valid and blank);
    ``score`` = Σ count × points / ``n_valid``.  The intervals are described in the package
    docstring.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import tally
    >>> s = load_scheme()
    >>> forms = pd.DataFrame({"cycle": ["2026H1"] * 2,
    ...     "unit": pd.Categorical(["U1", "U1"]),
    ...     "group": pd.Categorical(["public"] * 2, categories=s.group_codes)}
    ...     | {d: pd.Categorical(["satisfied", "dissatisfied"], dtype=s.level_dtype)
    ...        for d in s.dimension_codes})
    >>> m = metrics(tally(forms), by=("unit",))
    >>> m[["unit", "n_forms", "n_valid", "score"]].to_dict("records")
    [{'unit': 'U1', 'n_forms': 2, 'n_valid': 10, 'score': 50.0}]
    """
    scheme = resolve_scheme(scheme)
    by = _check_by(by, units)
    method = check_option("method", method, PROPORTION_METHODS)
    level = check_confidence_level(confidence_level)
    dense, cycles, unit_cats = dense_tally(counts, scheme)
    units_df = None if units is None else check_units_table(units)
    return grouped_metrics(
        dense,
        cycles,
        unit_cats,
        scheme,
        by=by,
        method=method,
        level=level,
        patterns=patterns,
        units_df=units_df,
        design=design,
    )


def grouped_metrics(
    dense,
    cycles,
    unit_cats,
    scheme,
    *,
    by,
    method,
    level,
    patterns,
    units_df,
    design=None,
    reuse: dict | None = None,
):
    """:func:`metrics` of a dense tally whose options are already checked.

    Parameters
    ----------
    dense, cycles, unit_cats
        :func:`~evalstats.stats.score.cells.dense_tally` of the tally.
    scheme : Scheme
    by : tuple of str
        Checked grouping keys.
    method : str
        Checked proportion-interval method.
    level : float
        Checked confidence level.
    patterns : DataFrame or None
        Answer-pattern counts of the same forms.
    units_df : DataFrame or None
        Checked units table (needed for ``series`` in ``by``).
    design : Design or None
        As in :func:`metrics`.
    reuse : dict, optional
        Kept by a caller that asks for several groupings of the same tally and design: what
        does not depend on the grouping (each respondent's sums per series and dimension,
        their cycle and group) is computed into it once, by the first call, and read by
        the others.  Start with ``{}``; None computes everything anew.

    Returns
    -------
    DataFrame
        As :func:`metrics`.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import tally
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.score.cells import dense_tally
    >>> s = load_scheme()
    >>> dense, cycles, units = dense_tally(tally(empty_forms()), s)
    >>> len(grouped_metrics(dense, cycles, units, s, by=("unit",), method="wilson", level=0.95,
    ...                     patterns=None, units_df=None))
    0
    """
    lv = Levels(scheme)
    C, U, G, D, L = dense.shape
    if units_df is not None:
        ser_idx, series_cats = series_of(unit_cats, units_df, dense, scheme)
    else:
        ser_idx, series_cats = np.zeros(U, np.int64), []
    sizes = {
        "cycle": C,
        "unit": U,
        "group": G,
        "dimension": D,
        "series": max(len(series_cats), 1),
    }
    cc, uu, gg, dd = (a.ravel() for a in np.indices((C, U, G, D)))
    cell_codes = {"cycle": cc, "unit": uu, "group": gg, "dimension": dd, "series": ser_idx[uu]}
    mapped = cell_codes["series"] >= 0 if "series" in by else np.ones(len(cc), bool)
    shape = tuple(sizes[b] for b in by)
    nkeys = int(np.prod(shape)) if by else 1
    if by:
        key = np.ravel_multi_index(
            tuple(np.where(mapped, cell_codes[b], 0) for b in by), shape
        ).astype(np.int64)
    else:
        key = np.zeros(len(cc), np.int64)
    cells = dense.reshape(-1, L)
    S = np.zeros((nkeys, L), np.int64)
    np.add.at(S, key[mapped], cells[mapped])
    present = np.bincount(key[mapped], minlength=nkeys) > 0
    forms_cell = cells.sum(-1)
    n_forms = np.bincount(key[mapped], weights=forms_cell[mapped], minlength=nkeys)
    n_forms = np.rint(n_forms).astype(np.int64)
    if "dimension" not in by:
        n_forms //= D
    st = cell_stats(S, lv)
    nv = st["n_valid"].astype(float)
    pooled = "dimension" not in by and D > 1
    rows = dict(
        scheme=scheme, cycles=cycles, unit_cats=unit_cats, by=by, shape=shape, ser_idx=ser_idx,
        st=st, lv=lv, nkeys=nkeys,
    )  # fmt: skip
    se, df, n_eff, effective = _variances(
        rows, pooled=pooled, patterns=patterns, design=design, level=level, reuse=reuse
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        k_eff = np.where(effective, st["satisfied_rate"] * n_eff, st["k_satisfied"])
    low, high = proportion_bounds(np.where(nv > 0, k_eff, np.nan), n_eff, method, level)
    # effective counts: keep the interval around the rate
    low = np.where(effective, np.minimum(low, st["satisfied_rate"]), low)
    high = np.where(effective, np.maximum(high, st["satisfied_rate"]), high)
    s_low, s_high = score_ci(st["score"], se, df, level, lv)
    rows = np.flatnonzero(present)
    out = {}
    if by:
        codes = np.unravel_index(rows, shape)
        for b, c in zip(by, codes, strict=True):
            out[b] = _key_column(
                b, c, cycles=cycles, unit_cats=unit_cats, scheme=scheme, series_cats=series_cats
            )
    no_valid = st["n_valid"] == 0
    out |= {
        "n_forms": n_forms[rows],
        "n_valid": st["n_valid"][rows],
        "n_unknown": st["n_unknown"][rows],
        "n_blank": st["n_blank"][rows],
        "top_box_rate": st["top_box_rate"][rows],
        "satisfied_rate": st["satisfied_rate"][rows],
        "satisfied_ci_low": low[rows],
        "satisfied_ci_high": high[rows],
        "dissatisfied_rate": st["dissatisfied_rate"][rows],
        "share_of_all_votes": st["share_of_all_votes"][rows],
        "score": st["score"][rows],
        "score_ci_low": s_low[rows],
        "score_ci_high": s_high[rows],
        "confidence_level": np.full(len(rows), level),
        "ci_method": np.full(len(rows), method, dtype=object),
        "low_confidence": st["n_valid"][rows] < scheme.rules.low_confidence_n,
        "no_valid": no_valid[rows],
    }
    frame = pd.DataFrame(out)
    frame["ci_method"] = frame["ci_method"].astype("str")
    return frame


def _key_column(name, codes, *, cycles, unit_cats, scheme, series_cats):
    if name == "cycle":
        return string_array(codes, cycles)
    cats = {
        "unit": unit_cats,
        "group": scheme.group_codes,
        "dimension": scheme.dimension_codes,
        "series": series_cats,
    }[name]
    return categorical_from_codes(codes, cats)


def _pattern_variance(patterns, scheme, cycles, unit_cats, *, by, shape, ser_idx, st, lv, nkeys):
    """Form-level (ratio-estimator) variance of pooled-dimension rows from answer patterns."""
    cyc, unit, group, levels, cnt = pattern_arrays(patterns, scheme, cycles, unit_cats)
    codes = {"cycle": cyc, "unit": unit, "group": group, "series": ser_idx[unit]}
    mapped = codes["series"] >= 0 if "series" in by else np.ones(len(cnt), bool)
    if by:
        key = np.ravel_multi_index(tuple(np.where(mapped, codes[b], 0) for b in by), shape)
    else:
        key = np.zeros(len(cnt), np.int64)
    key, cnt, levels = key[mapped], cnt[mapped], levels[mapped]
    y = lv.points[levels].sum(1)
    m = lv.valid[levels].sum(1).astype(float)
    s = lv.satisfied[levels].sum(1).astype(float)
    M = np.bincount(key, weights=cnt * m, minlength=nkeys)
    if not np.array_equal(np.rint(M).astype(np.int64), st["n_valid"]):
        raise ValueError("patterns do not match counts: valid answers per row differ")
    n_cl = np.bincount(key, weights=cnt * (m > 0), minlength=nkeys)
    with np.errstate(invalid="ignore", divide="ignore"):
        R = st["score"]
        P = st["satisfied_rate"]
        e_y = np.bincount(key, weights=cnt * (y - np.nan_to_num(R)[key] * m) ** 2, minlength=nkeys)
        e_s = np.bincount(key, weights=cnt * (s - np.nan_to_num(P)[key] * m) ** 2, minlength=nkeys)
        f = n_cl / (n_cl - 1) / (M * M)
        var_y = np.where(n_cl > 1, f * e_y, np.nan)
        var_s = np.where(n_cl > 1, f * e_s, np.nan)
        binom = P * (1 - P)
        n_eff = np.where((binom > 0) & (var_s > 0), np.minimum(M, binom / var_s), M.astype(float))
        n_eff = np.where(n_cl > 1, n_eff, n_cl)  # a single form: one effective answer
    return np.sqrt(var_y), n_cl - 1, n_eff


def _variances(rows: dict, *, pooled, patterns, design, level, reuse=None):
    """Standard error of the score, degrees of freedom, effective answers of the satisfied
    rate and whether they are effective (not counted) answers, per row: answers independent
    (one dimension), forms as clusters (pooled dimensions), or the design's respondents."""
    se, df, n_eff, effective = _form_variances(rows, pooled=pooled, patterns=patterns)
    shared = design is not None and design.shared
    if shared and "unit" not in rows["by"]:
        se, df, n_eff = _design_rows(design, **rows, level=level, reuse=reuse)
        return se, df, n_eff, np.ones(rows["nkeys"], bool)
    effective = np.full(rows["nkeys"], effective)
    if shared and design.repeated_within_unit:
        return _repeated_unit_rows(design, rows, (se, df, n_eff, effective), level=level)
    return se, df, n_eff, effective


def _form_variances(rows: dict, *, pooled, patterns):
    """:func:`_variances` without shared respondents (every form its own respondent)."""
    st, D = rows["st"], len(rows["scheme"].dimension_codes)
    nv = st["n_valid"].astype(float)
    if not pooled:
        return np.sqrt(st["var_answer"] / nv), nv - 1, nv, False
    if patterns is None:
        n_eff = nv / D
        return np.sqrt(st["var_answer"] / n_eff), n_eff - 1, n_eff, True
    rest = {k: v for k, v in rows.items() if k not in ("scheme", "cycles", "unit_cats")}
    se, df, n_eff = _pattern_variance(
        patterns, rows["scheme"], rows["cycles"], rows["unit_cats"], **rest
    )
    return se, df, n_eff, True


def _repeated_unit_rows(design, rows: dict, form_rows, *, level):
    """``form_rows`` with the rows of the units to which a respondent gave several forms
    respondent-clustered (:mod:`evalstats.stats.score.clustered`)."""
    se, df, n_eff, effective = form_rows
    by, shape, nkeys, ser_idx = rows["by"], rows["shape"], rows["nkeys"], rows["ser_idx"]
    cycles, unit_cats = rows["cycles"], rows["unit_cats"]
    rep = repeated_units(design, cycles, unit_cats)
    codes = dict(zip(by, np.unravel_index(np.arange(nkeys), shape), strict=True))
    rep_row = rep[codes["cycle"], codes["unit"]] if "cycle" in by else rep.any(0)[codes["unit"]]
    if not rep_row.any():
        return se, df, n_eff, effective

    def key_of(cyc, unit, group, dim):
        c = {"cycle": cyc, "unit": unit, "group": group, "dimension": dim, "series": ser_idx[unit]}
        mapped = c["series"] >= 0 if "series" in by else np.ones(len(unit), bool)
        key = np.ravel_multi_index(tuple(np.where(mapped, c[b], 0) for b in by), shape)
        return np.where(mapped, key, -1)

    var_y, df_r, var_s = clustered_rows(
        design, cycles, unit_cats, rows["lv"], key_of=key_of, nkeys=nkeys
    )
    st = rows["st"]
    n_eff_r = korn_graubard(st["satisfied_rate"], st["n_valid"], var_s, df_r, level)
    return (
        np.where(rep_row, np.sqrt(var_y), se),
        np.where(rep_row, df_r, df),
        np.where(rep_row, n_eff_r, n_eff),
        effective | rep_row,
    )


def _design_rows(
    design, scheme, cycles, unit_cats, *, by, shape, ser_idx, st, lv, nkeys, level, reuse=None
):
    """Design-based standard error of the score, degrees of freedom and the effective number
    of answers of the satisfied rate, per row (package docstring, *Shared respondents*).

    The rows pool units (``unit`` is not in ``by``), so each respondent's answers are first
    summed per series and dimension (:func:`_respondent_sums`), far fewer than the answers;
    with whole points (the bundled scheme's) these sums are exact, so the result is the
    same to the bit as summing the answers themselves.
    """
    cl, ser, dim, y, m, s, cl_cyc, cl_group = _reused(
        reuse,
        (design, cycles, unit_cats, ser_idx),
        lambda: (
            *_respondent_sums(design, cycles, unit_cats, ser_idx=ser_idx, lv=lv),
            *_cluster_cells(design, cycles, unit_cats),
        ),
    )
    codes = {"cycle": cl_cyc[cl], "group": cl_group[cl], "dimension": dim, "series": ser}
    mapped = ser >= 0 if "series" in by else np.ones(len(cl), bool)
    if by:
        key = np.ravel_multi_index(tuple(np.where(mapped, codes[b], 0) for b in by), shape)
    else:
        key = np.zeros(len(cl), np.int64)
    key = np.where(mapped, key, -1).astype(np.int64)
    (_, var_y, df), (_, var_s, _) = design_variances(
        key, cl, [y, s], m, stratum=design.stratum, nkeys=nkeys
    )
    M = np.bincount(key[key >= 0], weights=m[key >= 0], minlength=nkeys)
    if not np.array_equal(np.rint(M).astype(np.int64), st["n_valid"]):
        raise ValueError("design does not match counts: valid answers per row differ")
    n_eff = korn_graubard(st["satisfied_rate"], st["n_valid"], var_s, df, level)
    return np.sqrt(var_y), df, n_eff


def _reused(reuse: dict | None, inputs: tuple, make):
    """``make()``, kept in ``reuse`` (when given) for the next call with the same
    ``inputs`` (design, cycles, unit categories, series of each unit): the design compared
    by identity, the others by value."""
    if reuse is None:
        return make()
    design, cycles, unit_cats, ser_idx = inputs
    kept = reuse.get("respondent_sums")
    if (
        kept is not None
        and kept[0] is design
        and list(kept[1]) == list(cycles)
        and list(kept[2]) == list(unit_cats)
        and np.array_equal(kept[3], ser_idx)
    ):
        return kept[4]
    made = make()
    reuse["respondent_sums"] = (design, list(cycles), list(unit_cats), np.array(ser_idx), made)
    return made


def _cluster_cells(design, cycles, unit_cats) -> tuple[np.ndarray, np.ndarray]:
    """Each respondent's cycle (position in ``cycles``) and group (respondents are nested in
    cycle × group strata)."""
    cyc, _ = design_positions(design, cycles, unit_cats)
    cl_cyc = np.zeros(design.n_clusters, np.int64)
    cl_group = np.zeros(design.n_clusters, np.int64)
    cl_cyc[design.cluster] = cyc
    cl_group[design.cluster] = design.group
    return cl_cyc, cl_group


def _respondent_sums(design, cycles, unit_cats, *, ser_idx, lv):
    """Per respondent × series (``-1``: a unit without one) × dimension present in the design,
    in respondent order: the respondent, series, dimension and the sums of points, valid and
    satisfied answers (times the patterns' counts), one dimension at a time."""
    _, unit = design_positions(design, cycles, unit_cats)
    ser = np.asarray(ser_idx)[unit] if len(unit) else np.zeros(0, np.int64)
    ns = int(ser.max()) + 2 if len(ser) else 1
    code = design.cluster.astype(np.int64, copy=False) * ns + (ser + 1)
    size = max(design.n_clusters, 1) * ns
    idx = np.flatnonzero(np.bincount(code, minlength=size))  # pairs with a pattern row
    d = design.levels.shape[1]
    table = np.stack([np.asarray(v, float) for v in (lv.points, lv.valid, lv.satisfied)], 1)
    n_lv = len(table)
    count = None if (design.count == 1).all() else design.count.astype(float)
    code *= n_lv  # each pair's first level slot, made once
    slot = np.empty_like(code)  # each answer's slot, a dimension at a time: one buffer
    per = np.empty((3, len(idx), d))
    for j in range(d):  # forms per respondent × series × level, then the level's values
        np.add(code, design.levels[:, j], out=slot)
        forms = np.bincount(slot, weights=count, minlength=size * n_lv)
        per[:, :, j] = (forms.reshape(size, n_lv)[idx] @ table).T
    sums = [p.ravel() for p in per]  # respondent order, then dimension
    cl = np.repeat(idx // ns, d)
    ser_out = np.repeat(idx % ns - 1, d)
    dim = np.tile(np.arange(d), len(idx))
    return (cl, ser_out, dim, *sums)


__all__ = [
    "GROUPING_KEYS",
    "METRIC_COLUMNS",
    "grouped_metrics",
    "metrics",
]
