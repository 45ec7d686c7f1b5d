"""Unit-level variances when a respondent gave one unit several forms (:func:`clustered_cells`).

A unit's own rows (a unit × group × dimension cell, a unit's pooled rows, its weighted scores
and its composite) treat each form as an independent draw of the unit's raters.  That holds
while every respondent gives the unit at most one form.  Where some respondent gave the unit
several forms (a ``respondent`` column in the long layout repeating a unit, or a matrix sheet
filled twice by one person), their forms move together and the unit's rows are computed with
the respondent as the sampling unit instead: the unit's respondents are its sample, and the
linearised variance of a ratio ``R = Σ y / Σ m`` over a row is

    v(R) = n/(n − 1) · Σ_i Z_i²,   Z_i = Σ_{answers of i in the row} (y − R·m) / Σ m,

over the ``n`` respondents with a valid answer in the row, with ``n − 1`` degrees of freedom:
R ``survey::svymean`` under ``svydesign(ids = ~respondent, data = <the row's answers>)``.  With
one form per respondent ``Z_i`` is the form's own term and this is exactly the form-level
variance of :mod:`evalstats.stats.score` (answers of one dimension: ``s²/n``), which is why
only the units with a repeated respondent are recomputed: every other unit keeps its numbers
to the last bit.

For the composite the same holds group by group (the groups are strata):
``var_g = n_g/(n_g − 1) · Σ_i Z_i²`` with ``Z_i`` the respondent's summed contributions and
``n_g`` the unit's respondents in the group — R's ``svycontrast`` of ``svyby(~points, ~group +
dimension, svydesign(ids = ~respondent, strata = ~group, data = <the unit's answers>),
svymean)`` with the composite's weights (``tests/reference/survey_cluster.py``).  A cell whose
answers all come from one respondent has no variance of its own and borrows the pooled
variance of one answer of its group × dimension (as a cell of one answer does).

References
----------
.. [1] Wolter KM (2007). Introduction to Variance Estimation, 2nd ed. Springer. (ch. 6)
.. [2] Lumley T (2010). Complex Surveys: A Guide to Analysis Using R. Wiley.

Examples
--------
>>> from evalstats.counts.tally import pattern_counts
>>> from evalstats.inputs.forms import empty_forms
>>> from evalstats.stats.design import forms_design
>>> unit_repeats(forms_design(pattern_counts(empty_forms())), [], []).shape
(0, 0)
"""

from __future__ import annotations

import numpy as np

from evalstats.stats.design import (
    Design,
    answer_arrays,
    design_positions,
    repeated_units,
    within_rows,
)

__all__ = [
    "clustered_cells",
    "clustered_composite_terms",
    "clustered_rows",
    "composite_contributions",
    "unit_repeats",
]


def unit_repeats(design: Design | None, cycles, units) -> np.ndarray:
    """``[cycle, unit]`` mask of the units whose rows are respondent-clustered (see module).

    Examples
    --------
    >>> unit_repeats(None, ["2026H1"], ["A"]).tolist()
    [[False]]
    """
    if design is None or not design.shared:
        return np.zeros((len(cycles), len(units)), bool)
    return repeated_units(design, cycles, units)


def _rep_answers(design: Design, cycles, units, rep, lv):
    """The design's answers (pattern row × dimension) of the repeated units, tally positions."""
    row, dim, y, m, s = answer_arrays(design, lv)
    cyc, unit = design_positions(design, cycles, units)
    sel = rep[cyc[row], unit[row]]
    row, dim, y, m, s = row[sel], dim[sel], y[sel], m[sel], s[sel]
    return cyc[row], unit[row], design.group[row], dim, design.cluster[row], y, m, s


def clustered_cells(st: dict, lv, *, design: Design, cycles, units, rep) -> dict:
    """``st`` of :func:`~evalstats.stats.score.cells.cell_level` with the cells of the units
    in ``rep`` respondent-clustered: ``var_mean``, ``df_cell`` and ``borrowed`` (module
    docstring).  A copy; the other cells are untouched.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import pattern_counts, tally
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.design import forms_design
    >>> from evalstats.stats.score.cells import cell_level, dense_tally
    >>> s = load_scheme()
    >>> st, lv = cell_level(dense_tally(tally(empty_forms()), s)[0], s)
    >>> d = forms_design(pattern_counts(empty_forms()))
    >>> clustered_cells(st, lv, design=d, cycles=[], units=[], rep=np.zeros((0, 0), bool))[
    ...     "var_mean"].shape
    (0, 0, 4, 5)
    """
    st = dict(st)
    if not rep.any():
        return st
    C, U, G, D = st["n_valid"].shape
    cyc, unit, group, dim, cluster, y, m, _s = _rep_answers(design, cycles, units, rep, lv)
    key = ((cyc * U + unit) * G + group) * D + dim
    _, var, df = within_rows(key, cluster, y, m, nkeys=C * U * G * D)
    var, df = var.reshape(C, U, G, D), df.reshape(C, U, G, D)
    cells = rep[:, :, None, None] & (st["n_valid"] > 0)
    one = cells & (df < 1)  # one respondent: no variance of its own, borrow one answer's
    st["var_mean"] = np.where(one, st["var_pooled"], np.where(cells, var, st["var_mean"]))
    st["df_cell"] = np.where(one, st["df_pooled"], np.where(cells, df, st["df_cell"]))
    st["borrowed"] = np.where(cells, one & (st["df_pooled"] > 0), st["borrowed"])
    return st


def clustered_composite_terms(c, st: dict, lv, *, design: Design, cycles, units, rep, dense):
    """``Σ_i Z_i²`` and respondents ``n_g`` per ``[cycle, unit, group]`` of the units in
    ``rep`` (module docstring); ``c[cycle, unit, group, dimension]`` are the composite's
    weights of the cell scores.  Zeros outside ``rep``.

    Raises ValueError when the design's forms of those units differ from the tally's.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import pattern_counts, tally
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.design import forms_design
    >>> from evalstats.stats.score.cells import cell_level, dense_tally
    >>> s = load_scheme()
    >>> dense = dense_tally(tally(empty_forms()), s)[0]
    >>> st, lv = cell_level(dense, s)
    >>> d = forms_design(pattern_counts(empty_forms()))
    >>> zz, n = clustered_composite_terms(np.zeros((0, 0, 4, 5)), st, lv, design=d, cycles=[],
    ...     units=[], rep=np.zeros((0, 0), bool), dense=dense)
    >>> zz.shape
    (0, 0, 4)
    """
    C, U, G, _D = st["n_valid"].shape
    zz = np.zeros((C, U, G))
    n_g = np.zeros((C, U, G))
    if not rep.any():
        return zz, n_g
    cell, cluster, cnt, z = composite_contributions(
        c, st, lv, design=design, cycles=cycles, units=units, rows=rep
    )
    forms = np.bincount(cell, weights=cnt, minlength=C * U * G).reshape(C, U, G)
    want = dense[..., 0, :].sum(-1)
    if not np.array_equal(np.rint(forms), np.where(rep[:, :, None], want, 0)):
        raise ValueError("design does not match counts: forms per unit and group differ")
    pairs, inv = np.unique(np.column_stack([cell, cluster]), axis=0, return_inverse=True)
    Z = np.bincount(inv.ravel(), weights=cnt * z, minlength=len(pairs))
    zz.ravel()[:] = np.bincount(pairs[:, 0], weights=Z * Z, minlength=C * U * G)
    n_g.ravel()[:] = np.bincount(pairs[:, 0], minlength=C * U * G)
    return zz, n_g


def composite_contributions(c, st: dict, lv, *, design: Design, cycles, units, rows=None):
    """Each design row's contribution to its unit's composite (per form).

    Returns ``cell`` (``(cycle · U + unit) · G + group``), ``cluster``, ``count`` and ``z``,
    the form's ``Σ_d c_gd (y_d − score_gd) / n_gd`` (module docstring), for the design rows
    whose ``[cycle, unit]`` is True in ``rows`` (all when None).

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import pattern_counts, tally
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.design import forms_design
    >>> from evalstats.stats.score.cells import cell_level, dense_tally
    >>> s = load_scheme()
    >>> st, lv = cell_level(dense_tally(tally(empty_forms()), s)[0], s)
    >>> d = forms_design(pattern_counts(empty_forms()))
    >>> len(composite_contributions(np.zeros((0, 0, 4, 5)), st, lv, design=d, cycles=[],
    ...     units=[])[0])
    0
    """
    _C, U, G, _D = st["n_valid"].shape
    cyc, unit = design_positions(design, cycles, units)
    sel = np.ones(len(cyc), bool) if rows is None else rows[cyc, unit]
    cyc, unit, group = cyc[sel], unit[sel], design.group[sel]
    levels, cnt, cluster = design.levels[sel], design.count[sel].astype(float), design.cluster[sel]
    valid, y = lv.valid[levels], lv.points[levels]
    score = np.nan_to_num(st["score"])[cyc, unit, group]
    with np.errstate(invalid="ignore", divide="ignore"):
        nvd = st["n_valid"][cyc, unit, group].astype(float)
        z = np.where(valid, c[cyc, unit, group] * (y - score) / nvd, 0.0).sum(-1)
    return (cyc * U + unit) * G + group, cluster, cnt, z


def clustered_rows(design: Design, cycles, units, lv, *, key_of, nkeys: int):
    """Score variance, its df and the satisfied rate's variance per row, respondents as the
    rows' sample (module docstring), for the answers of the repeated units.

    ``key_of(cyc, unit, group, dim)`` gives each answer's row (negative: none).

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import pattern_counts
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.design import forms_design
    >>> from evalstats.stats.score.cells import Levels
    >>> d = forms_design(pattern_counts(empty_forms()))
    >>> v, df, vs = clustered_rows(d, [], [], Levels(load_scheme()),
    ...     key_of=lambda c, u, g, d: c, nkeys=1)
    >>> np.isnan(v[0])
    np.True_
    """
    rep = repeated_units(design, cycles, units)
    cyc, unit, group, dim, cluster, y, m, s = _rep_answers(design, cycles, units, rep, lv)
    key = np.asarray(key_of(cyc, unit, group, dim), np.int64)
    _, var_y, df = within_rows(key, cluster, y, m, nkeys=nkeys)
    _, var_s, _ = within_rows(key, cluster, s, m, nkeys=nkeys)
    return var_y, df, var_s
