"""The tables of one cycle: response, levels, weak dimensions, group differences, reliability,
comments.

Each function builds one table of the package docstring (:mod:`evalstats.analyses.cycle`) from
the validated cycle, its tally or its scores; numbers and codes, nothing rounded.

Examples
--------
>>> from evalstats.inputs.validate import validate_cycle
>>> t = response_table(validate_cycle("data/raw/2026H1"))  # doctest: +SKIP
>>> t.columns[:4].tolist()  # doctest: +SKIP
['cycle', 'unit', 'unit_name', 'series']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.analyses.cycle.columns import (
    ADJUST,
    ALL,
    ALPHA,
    BLANK,
    COMMENT_COLUMNS,
    GROUP_DIFF_COLUMNS,
    LEVELS_COLUMNS,
    RELIABILITY_COLUMNS,
    RESPONSE_COLUMNS,
    WEAK_COLUMNS,
)
from evalstats.analyses.cycle.frames import (
    dissatisfied_mask,
    join_codes,
    series_rank,
    str_series,
    unit_info,
)
from evalstats.core.scheme import Scheme
from evalstats.stats import quality as _quality
from evalstats.stats.comments import comment_kinds
from evalstats.stats.compare import group_homogeneity
from evalstats.stats.design import Design
from evalstats.stats.multitest import adjust_pvalues
from evalstats.stats.reliability import alpha_by
from evalstats.stats.weak import weak_reasons


def response_table(validated) -> pd.DataFrame:
    """Forms issued, returned, valid and voided per unit × group, with response rates.

    See ``response`` in the package docstring.  ``validated`` is a ValidatedCycle, or the
    :class:`~evalstats.counts.backends.CycleCounts` of a cycle counted by a backend (valid forms
    from
    its pattern counts).

    Examples
    --------
    >>> from evalstats.inputs.validate import validate_cycle
    >>> t = response_table(validate_cycle("data/raw/2026H1"))  # doctest: +SKIP
    >>> t.iloc[-1][["unit", "group", "valid"]].tolist()  # doctest: +SKIP
    ['all', 'all', 1934]
    """
    counted = _quality.counted_cycle(validated)
    rr = _quality.response_rates(validated)
    if counted is not None:
        validated = counted.validated
    scheme = validated.scheme
    info = unit_info(validated.units)
    groups = list(scheme.group_codes)

    if counted is None:
        valid = cell_sizes(validated.forms)
    else:  # forms counted per unit × group, from the pattern counts
        p = counted.patterns
        valid = p.groupby([p["unit"].astype(str), p["group"].astype(str)])["count"].sum()
        valid = valid[valid > 0].astype("int64")
        valid.index = valid.index.set_names([None, None])
    voided = cell_sizes(validated.voided)
    cells = rr[(rr["unit"].astype(str) != ALL) & (rr["group"].astype(str) != ALL)]
    issued = pd.Series(
        pd.array(cells["issued"], dtype="Int64"),
        index=pd.MultiIndex.from_arrays(
            [cells["unit"].astype(str).to_numpy(), cells["group"].astype(str).to_numpy()]
        ),
    )
    keys = valid.index.union(voided.index).union(issued.index)
    unit_order = {u: i for i, u in enumerate(info.index)}
    g_order = {g: i for i, g in enumerate(groups)}
    frame = pd.DataFrame(
        {
            "unit": keys.get_level_values(0).astype(str),
            "group": keys.get_level_values(1).astype(str),
        }
    )
    frame["issued"] = pd.array(issued.reindex(keys).to_numpy(), dtype="Int64")
    frame["valid"] = valid.reindex(keys, fill_value=0).to_numpy(np.int64)
    frame["voided"] = voided.reindex(keys, fill_value=0).to_numpy(np.int64)
    frame = frame.iloc[
        np.lexsort(
            [
                frame["group"].map(g_order).fillna(len(groups)).to_numpy(),
                frame["unit"].map(unit_order).fillna(len(unit_order)).to_numpy(),
            ]
        )
    ].reset_index(drop=True)

    def total(part: pd.DataFrame, unit: str, group: str) -> dict:
        has = part["issued"].notna()
        iss = part.loc[has, "issued"]
        ret_cells = (part.loc[has, "valid"] + part.loc[has, "voided"]).sum()
        return {
            "unit": unit,
            "group": group,
            "issued": int(iss.sum()) if has.any() else pd.NA,
            "valid": int(part["valid"].sum()),
            "voided": int(part["voided"].sum()),
            "_rate": float(ret_cells / iss.sum()) if has.any() and iss.sum() > 0 else np.nan,
        }

    totals = [total(frame[frame["group"] == g], ALL, g) for g in groups]
    totals.append(total(frame, ALL, ALL))
    tot = pd.DataFrame(totals)
    frame["_rate"] = np.nan
    out = pd.concat([frame, tot], ignore_index=True)
    out["issued"] = pd.array(out["issued"], dtype="Int64")
    out["returned"] = (out["valid"] + out["voided"]).astype(np.int64)
    is_cell = (out["unit"] != ALL).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        iss = out["issued"].astype("Float64").to_numpy(np.float64, na_value=np.nan)
        cell_rate = np.where(iss > 0, out["returned"].to_numpy(np.float64) / iss, np.nan)
    out["rate"] = np.where(is_cell, cell_rate, out["_rate"].to_numpy(np.float64))
    out["cycle"] = validated.cycle
    out["unit_name"] = out["unit"].map(info["unit_name"]).fillna("")
    out["series"] = out["unit"].map(info["series"]).fillna(ALL)
    for c in ("cycle", "unit", "unit_name", "series", "group"):
        out[c] = out[c].astype("str")
    return out[RESPONSE_COLUMNS]


def cell_sizes(frame: pd.DataFrame | None) -> pd.Series:
    """Rows of ``frame`` per unit × group: an int64 Series on a (unit, group) MultiIndex of
    text, sorted, cells with no row left out.

    Counted from the columns' category codes (one pass, no text per row) when both are
    categorical with every row in a category; otherwise grouped by their text.

    Examples
    --------
    >>> f = pd.DataFrame({"unit": pd.Categorical(["U2", "U1", "U2"]),
    ...                   "group": pd.Categorical(["群众", "企业", "群众"])})
    >>> cell_sizes(f).to_dict()
    {('U1', '企业'): 1, ('U2', '群众'): 2}
    """
    if frame is None or not len(frame):
        return pd.Series(dtype="int64")
    unit, group = frame["unit"], frame["group"]
    coded = all(isinstance(c.dtype, pd.CategoricalDtype) for c in (unit, group))
    if coded and (unit.cat.codes.to_numpy() >= 0).all() and (group.cat.codes.to_numpy() >= 0).all():
        ng = len(group.cat.categories)
        key = unit.cat.codes.to_numpy(np.int64) * ng + group.cat.codes.to_numpy(np.int64)
        n = np.bincount(key, minlength=len(unit.cat.categories) * ng)
        cell = np.flatnonzero(n)
        units = np.asarray(unit.cat.categories.astype(str), dtype=object)[cell // ng]
        groups = np.asarray(group.cat.categories.astype(str), dtype=object)[cell % ng]
        key = pd.MultiIndex.from_arrays([units, groups])
        return pd.Series(n[cell].astype(np.int64), index=key).groupby(level=[0, 1]).sum()
    key = pd.MultiIndex.from_arrays([unit.astype(str).to_numpy(), group.astype(str).to_numpy()])
    return pd.Series(1, index=key).groupby(level=[0, 1]).sum()


def levels_table(counts: pd.DataFrame, *, units: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Level distribution per unit, series and town, per dimension and over all dimensions.

    See ``levels`` in the package docstring.  ``counts`` is the tally of one cycle.
    """
    info = unit_info(units)
    levels = [*scheme.level_codes, BLANK]
    valid_levels = set(scheme.valid_level_codes)
    dims = list(scheme.dimension_codes)
    c = pd.DataFrame(
        {
            "cycle": counts["cycle"].astype(str).to_numpy(),
            "unit": counts["unit"].astype(str).to_numpy(),
            "dimension": counts["dimension"].astype(str).to_numpy(),
            "level": counts["level"].astype(str).to_numpy(),
            "count": counts["count"].to_numpy(np.int64),
        }
    )
    c = c[c["unit"].isin(info.index)]
    c["series"] = c["unit"].map(info["series"])
    parts = []
    for keys, kind in (
        (["cycle", "unit", "series", "dimension", "level"], 0),
        (["cycle", "unit", "series", "level"], 0),
        (["cycle", "series", "dimension", "level"], 1),
        (["cycle", "series", "level"], 1),
        (["cycle", "dimension", "level"], 2),
        (["cycle", "level"], 2),
    ):
        g = c.groupby(keys, sort=False, observed=True)["count"].sum().reset_index()
        for k in ("unit", "series", "dimension"):
            if k not in g:
                g[k] = ALL
        g["_kind"] = kind
        parts.append(g)
    out = pd.concat(parts, ignore_index=True)
    is_valid = out["level"].isin(valid_levels).to_numpy()
    key = ["cycle", "_kind", "unit", "series", "dimension"]
    n_valid = out["count"].where(is_valid, 0).groupby([out[k] for k in key]).transform("sum")
    n_all = out.groupby(key, sort=False)["count"].transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate"] = np.where(
            is_valid & (n_valid > 0), out["count"] / n_valid.where(n_valid > 0, np.nan), np.nan
        )
        out["share_of_all_votes"] = np.where(n_all > 0, out["count"] / n_all, np.nan)
    out["n_valid"] = n_valid.to_numpy(np.int64)
    out["unit_name"] = out["unit"].map(info["unit_name"]).fillna("")
    unit_order = {u: i for i, u in enumerate(info.index)}
    d_order = {d: i for i, d in enumerate(dims)} | {ALL: len(dims)}
    l_order = {lv: i for i, lv in enumerate(levels)}
    order = np.lexsort(
        [
            out["level"].map(l_order).to_numpy(),
            out["dimension"].map(d_order).to_numpy(),
            series_rank(out["series"], scheme),
            out["unit"].map(unit_order).fillna(-1).to_numpy(),
            out["_kind"].to_numpy(),
            out["cycle"].to_numpy(),
        ]
    )
    out = out.iloc[order].reset_index(drop=True)
    for col in ("cycle", "unit", "unit_name", "series", "dimension", "level"):
        out[col] = out[col].astype("str")
    return out[LEVELS_COLUMNS]


def _dissatisfied_counts(counts: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """``unit, dimension → n_dissatisfied`` (all groups) from a tally."""
    mask = dissatisfied_mask(counts["level"], scheme)
    c = pd.DataFrame(
        {
            "unit": counts["unit"].astype(str).to_numpy(),
            "dimension": counts["dimension"].astype(str).to_numpy(),
            "n_dissatisfied": np.where(mask, counts["count"].to_numpy(np.int64), 0),
        }
    )
    return c.groupby(["unit", "dimension"], sort=False)["n_dissatisfied"].sum()


def weak_dimensions(scores: pd.DataFrame, counts: pd.DataFrame, *, scheme: Scheme) -> pd.DataFrame:
    """The weak unit × dimensions of one cycle, by the scheme's rule
    (:func:`evalstats.stats.weak.weak_reasons`, ``[rules.weak]``).

    Parameters
    ----------
    scores : DataFrame
        The scores table of the cycle (:func:`evalstats.stats.score.scores_table`).
    counts : DataFrame
        The tally of the same cycle.
    scheme : Scheme

    Returns
    -------
    DataFrame
        ``WEAK_COLUMNS``, one row per weak unit × dimension, in the scores table's order; the
        不满意率 interval has the scores' level and method (``confidence_level``,
        ``ci_method``).
    """
    s = scores
    rows = s[(s["unit"] != ALL) & (s["group"] == ALL) & (s["dimension"] != ALL)].copy()
    dis = _dissatisfied_counts(counts, scheme)
    idx = pd.MultiIndex.from_arrays([rows["unit"].astype(str), rows["dimension"].astype(str)])
    rows["n_dissatisfied"] = dis.reindex(idx).fillna(0).to_numpy(np.int64)
    rows["n_all_votes"] = (rows["n_valid"] + rows["n_unknown"] + rows["n_blank"]).astype(np.int64)
    level = float(rows["confidence_level"].iloc[0]) if len(rows) else 0.95
    method = str(rows["ci_method"].iloc[0]) if len(rows) and "ci_method" in rows else "wilson"
    decided = weak_reasons(rows, scheme=scheme, confidence_level=level, method=method)
    for c in decided.columns:
        rows[c] = decided[c].to_numpy()
    out = rows[rows["weak_reason"] != ""].reset_index(drop=True)
    out["weak_reason"] = out["weak_reason"].astype("str")
    return out[WEAK_COLUMNS]


def group_differences(
    counts: pd.DataFrame,
    *,
    units: pd.DataFrame,
    scheme: Scheme,
    n_resamples: int = 10_000,
    rng=None,
    adjust: str = ADJUST,
    alpha: float = ALPHA,
    by_series: bool = True,
    design: Design | None = None,
) -> pd.DataFrame:
    """χ² homogeneity between respondent groups, per dimension, town-wide and per series.

    See ``group_differences`` in the package docstring; the Monte-Carlo p-values (used when
    expected counts are small) draw ``n_resamples`` tables from ``rng``.  ``by_series=False``
    tests town-wide only (the public tier: no group breakdown below the town), and the
    adjustment runs over those tests.  With a ``design`` whose forms share respondents every
    test is the Rao–Scott design-adjusted one (:func:`evalstats.stats.compare.homogeneity.
    rao_scott`, ``method = "rao-scott"``).
    """
    info = unit_info(units)
    unit_col = counts["unit"].astype(str)
    cycle = str(counts["cycle"].iloc[0]) if len(counts) else ""
    gen = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    present = [s for s in scheme.series_codes if s in set(info["series"])]
    present += [s for s in dict.fromkeys(info["series"]) if s not in present]
    if not by_series:
        present = []
    frames = []
    for series in [ALL, *present]:  # a few tests: one per series × dimension
        if series == ALL:
            sub = counts
        else:
            members = info.index[info["series"] == series]
            sub = counts.assign(count=counts["count"].where(unit_col.isin(members), 0))
        for d in scheme.dimension_codes:
            res = group_homogeneity(
                sub, dimension=d, scheme=scheme, n_resamples=n_resamples, rng=gen, design=design
            )
            f = res.to_frame()
            f.insert(0, "dimension", d)
            f.insert(0, "series", series)
            frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    adj = adjust_pvalues(out["pvalue"].to_numpy(np.float64), method=adjust, alpha=alpha)
    out["pvalue_adjusted"] = adj.adjusted
    sig = pd.array(adj.reject, dtype="boolean")
    sig[np.isnan(out["pvalue"].to_numpy(np.float64))] = pd.NA
    out["significant"] = sig
    out["adjust_method"] = adjust
    out["alpha"] = float(alpha)
    out["cycle"] = cycle
    for c in ("cycle", "series", "dimension", "test", "method", "labels", "note"):
        out[c] = out[c].astype("str")
    out["effect_size_name"] = out["effect_size_name"].astype("str")
    out["adjust_method"] = out["adjust_method"].astype("str")
    return out[GROUP_DIFF_COLUMNS]


def reliability_table(
    patterns: pd.DataFrame, *, scheme: Scheme, cycle: str, confidence_level: float
) -> pd.DataFrame:
    """Cronbach's alpha per respondent group and over all forms (``group = "all"``)."""
    per = alpha_by(patterns, by="group", scheme=scheme, confidence_level=confidence_level)
    overall = alpha_by(patterns, by=(), scheme=scheme, confidence_level=confidence_level)
    per["group"] = per["group"].astype(str)
    overall.insert(0, "group", ALL)
    out = pd.concat([per, overall], ignore_index=True)
    out.insert(0, "cycle", cycle)
    out["cycle"] = out["cycle"].astype("str")
    out["group"] = out["group"].astype("str")
    return out[RELIABILITY_COLUMNS]


def comments_table(validated, *, flagged: pd.Index | None = None) -> pd.DataFrame:
    """Every comment of the cycle with its unit, group and form (see ``comments``).

    ``validated`` is a ValidatedCycle, or the CycleCounts of a cycle counted out of core with
    ``keep_rows=True`` (only the forms with a comment are read, from its ``rows``).
    """
    counted = _quality.counted_cycle(validated)
    if counted is not None and counted.rows is not None:
        store = counted.rows
        validated = counted.validated
        f = store.forms("comment IS NOT NULL") if store.has("comment") else store.forms("false")
    else:
        validated = validated if counted is None else counted.validated
        f = validated.forms
    scheme = validated.scheme
    text = f["comment"].astype(object)
    has = text.notna().to_numpy().copy()
    has[has] = text[has].astype(str).str.strip().ne("").to_numpy()
    f = f.loc[has]
    info = unit_info(validated.units)
    dims = list(scheme.dimension_codes)
    masks = {d: dissatisfied_mask(f[d], scheme) for d in dims}
    ids = f["form_id"].astype(str)
    # object arrays: a hash-table isin (pyarrow-backed str isin is slow on millions of ids)
    marked = np.asarray([] if flagged is None else flagged, dtype=object)
    flag = pd.Series(ids.to_numpy(dtype=object), dtype=object).isin(marked).to_numpy()
    out = pd.DataFrame(
        {
            "cycle": str_series(f["cycle"].astype(str).to_numpy()),
            "unit": str_series(f["unit"].astype(str).to_numpy()),
            "group": str_series(f["group"].astype(str).to_numpy()),
            "form_id": str_series(ids.to_numpy()),
            "comment": str_series(f["comment"].astype(str).str.strip().to_numpy()),
            "comment_kind": str_series(
                comment_kinds(
                    f["comment"].astype(str).str.strip().to_numpy(),
                    typed=f["comment_kind"].to_numpy() if "comment_kind" in f else None,
                    scheme=scheme,
                ).to_numpy()
            ),
            "dissatisfied_dimensions": str_series(join_codes(masks, len(f))),
            "flagged": flag.astype(bool),
        }
    )
    out["unit_name"] = str_series(out["unit"].map(info["unit_name"]).fillna("").to_numpy())
    out["series"] = str_series(out["unit"].map(info["series"]).fillna("").to_numpy())
    unit_order = {u: i for i, u in enumerate(info.index)}
    g_order = {g: i for i, g in enumerate(scheme.group_codes)}
    order = np.lexsort(
        [
            out["form_id"].to_numpy(dtype=object).astype(str),
            out["group"].map(g_order).to_numpy(),
            out["unit"].map(unit_order).fillna(len(unit_order)).to_numpy(),
        ]
    )
    return out.iloc[order].reset_index(drop=True)[COMMENT_COLUMNS]


__all__ = [
    "cell_sizes",
    "comments_table",
    "group_differences",
    "levels_table",
    "reliability_table",
    "response_table",
    "weak_dimensions",
]
