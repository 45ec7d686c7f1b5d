"""The respondent bootstrap of large cells by linearisation (:class:`RespondentNormal`).

When forms share respondents and every cell of the ranking has at least
``large_cell_threshold`` respondents, the replicate composites are drawn from the normal
approximation of the respondent bootstrap (:func:`respondent_sampler` chooses): each unit's
composite is a smooth function of its cells' sums, so to first order (the delta method) a
replicate composite is the observed one plus the sum of the drawn respondents' *influence
values*; a sum of ``n_h`` respondents drawn with replacement in each stratum has bootstrap
covariance ``Σ_h Σ_{i in h} (z_i - z̄_h)(z_i - z̄_h)ᵀ``, and the composites are drawn from
the normal with that covariance (``rank_uncertainty``, Notes, *Shared respondents*).

Examples
--------
>>> import numpy as np
>>> symmetric_root(np.array([[4.0, 0.0], [0.0, 9.0]])).tolist()
[[2.0, 0.0], [0.0, 3.0]]
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from evalstats.core.scheme import Scheme
from evalstats.stats.design import Design
from evalstats.stats.rank.cells import Cells, Composer
from evalstats.stats.rank.clustered import RespondentResampler, design_cell_index

__all__ = [
    "RespondentNormal",
    "fewest_respondents",
    "respondent_sampler",
    "respondents_per_cell",
    "sparse_rows",
    "symmetric_root",
]

# Elements of a dense block of influence values (respondents × composites) or of standard
# normal draws (composites × replicates) per step (bounds memory: 8 bytes × this).
_CHUNK_ELEMENTS = 4_000_000


def respondents_per_cell(cells: Cells, design: Design, cell_of: np.ndarray) -> np.ndarray:
    """Distinct respondents (clusters) per cell of ``cells`` ``[C]``.

    ``cell_of`` is :func:`~evalstats.stats.rank.clustered.design_cell_index` of the design.
    """
    n_cells = len(cells.cell_row)
    keep = cell_of >= 0
    if not design.repeated_within_unit:  # one design row per respondent and unit
        return np.bincount(cell_of[keep], minlength=n_cells)
    pair = cell_of[keep].astype(np.int64) * max(design.n_clusters, 1) + design.cluster[keep]
    pair = np.unique(pair)
    return np.bincount(pair // max(design.n_clusters, 1), minlength=n_cells)


def fewest_respondents(design: Design, *, units=None) -> int:
    """The fewest respondents of a cycle × unit × group cell of ``design`` (0 without cells):
    the respondent bootstrap of a ranking of these cells is drawn from its normal
    approximation when this is at least ``large_cell_threshold`` (:func:`respondent_sampler`).

    Parameters
    ----------
    design : Design
    units : iterable of unit codes, optional
        Only the cells of these units (the units ranked: vetoed units are not).

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.stats.design import respondent_design
    >>> s = load_scheme()
    >>> forms = pd.DataFrame({"cycle": "2026H1", "form_id": ["1", "2", "3"],
    ...     "respondent": ["r1", "r1", "r2"], "unit": pd.Categorical(["A", "B", "A"]),
    ...     "group": pd.Categorical(["public"] * 3, categories=s.group_codes)}
    ...     | {d: pd.Categorical(["satisfied"] * 3, dtype=s.level_dtype)
    ...        for d in s.dimension_codes})
    >>> d = respondent_design(forms, scheme=s)
    >>> fewest_respondents(d), fewest_respondents(d, units=["A"])
    (1, 2)
    """
    keep = np.ones(len(design.unit), bool)
    if units is not None:
        wanted = set(map(str, units))
        keep = np.isin(design.unit, [i for i, u in enumerate(design.units) if str(u) in wanted])
    nu, ng = max(len(design.units), 1), int(design.group.max()) + 1 if len(design.group) else 1
    key = (design.cyc[keep].astype(np.int64) * nu + design.unit[keep]) * ng + design.group[keep]
    if design.repeated_within_unit:  # a respondent may have several rows in a cell
        pair = np.unique(key * max(design.n_clusters, 1) + design.cluster[keep])
        key = pair // max(design.n_clusters, 1)
    _, per_cell = np.unique(key, return_counts=True)
    return int(per_cell.min()) if len(per_cell) else 0


def respondent_sampler(
    cells: Cells,
    design: Design,
    scheme: Scheme,
    n_resamples: int,
    large_cell_threshold: int | None,
):
    """The respondent bootstrap's sampler: :class:`RespondentNormal` when every cell has at
    least ``large_cell_threshold`` respondents, else the exact
    :class:`~evalstats.stats.rank.clustered.RespondentResampler`.

    Parameters
    ----------
    cells : Cells
    design : Design
        Of kind ``"respondents"``, of the same forms.
    scheme : Scheme
    n_resamples : int
    large_cell_threshold : int or None
        ``None``: always exact.

    Returns
    -------
    RespondentNormal or RespondentResampler
    """
    if large_cell_threshold is not None:
        cell_of = design_cell_index(cells, design)
        per_cell = respondents_per_cell(cells, design, cell_of)
        if len(per_cell) and per_cell.min() >= large_cell_threshold:
            return RespondentNormal(cells, design, scheme, n_resamples, cell_of=cell_of)
    return RespondentResampler(cells, design, scheme, n_resamples)


def symmetric_root(cov: np.ndarray) -> np.ndarray:
    """The symmetric square root ``R = V √Λ Vᵀ`` of a covariance (``R R = cov``), negative
    eigenvalues (rounding) set to 0.

    Unlike a Cholesky factor or ``V √Λ`` it does not depend on the sign or basis of the
    eigenvectors, so data equal up to rounding give draws equal up to rounding.
    """
    sym = (cov + cov.T) / 2
    lam, vec = np.linalg.eigh(sym)
    return (vec * np.sqrt(np.clip(lam, 0.0, None))) @ vec.T


class RespondentNormal:
    """Replicate composites ``[rows, m]`` drawn from ``N(composite, Σ)``, the normal
    approximation of the respondent bootstrap by linearisation.

    For row ``r`` (cycle × unit) the composite is ``Σ_d v_d/V_r Σ_g w_g/W_rd · s_cd/n_cd``
    over its cells ``c`` (group ``g``) with valid answers (:class:`~evalstats.stats.rank.cells.
    Composer`; ``s``, ``n``: sums of points and valid answers; ``V_r``, ``W_rd``: the weights
    present).  Its derivative with respect to the cell sums at the observed ones gives
    respondent ``i`` the influence value ``z_ir = Σ_d a_cd (s_icd - ȳ_cd n_icd) / n_cd``
    (``a_cd = v_d w_g / (V_r W_rd)``, ``ȳ_cd = s_cd / n_cd``, ``s_icd``, ``n_icd`` the
    respondent's own sums for cell ``c`` of row ``r``), and ``Σ = Σ_h Σ_{i in h} (z_i -
    z̄_h)(z_i - z̄_h)ᵀ`` over the strata ``h`` of the design (every respondent of a stratum
    counts, also one who rated no ranked unit).

    Parameters
    ----------
    cells : Cells
    design : Design
        Of the same forms (kind ``"respondents"``).
    scheme : Scheme
    n_resamples : int
    cell_of : ndarray, optional
        :func:`~evalstats.stats.rank.clustered.design_cell_index`, if already known.

    Attributes
    ----------
    composite : ndarray
        ``[rows]`` observed composites (NaN: none).
    cov : ndarray
        ``[rows, rows]`` ``Σ`` (0 in the rows without a composite).

    Raises
    ------
    ValueError
        The design does not give the cells' sums.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import pattern_counts
    >>> from evalstats.stats.design import respondent_design
    >>> from evalstats.stats.rank.cells import prepare_cells
    >>> s = load_scheme()
    >>> lv = {"r1": "satisfied", "r2": "dissatisfied", "r3": "satisfied"}
    >>> forms = pd.DataFrame({"cycle": "2026H1", "form_id": [f"f{i}" for i in range(6)],
    ...     "respondent": list(lv) * 2, "unit": pd.Categorical(["A"] * 3 + ["B"] * 3),
    ...     "group": pd.Categorical(["public"] * 6, categories=s.group_codes)}
    ...     | {d: pd.Categorical(list(lv.values()) * 2, dtype=s.level_dtype)
    ...        for d in s.dimension_codes})
    >>> cells = prepare_cells(pattern_counts(forms, s), s)
    >>> normal = RespondentNormal(cells, respondent_design(forms, scheme=s), s, 100)
    >>> normal.composite.round(2).tolist()  # three respondents: 100, 0 and 100 on both
    [66.67, 66.67]
    >>> normal.cov.round(1).tolist()  # Σ(x - x̄)²/n² for each; the same respondents: correlated
    [[740.7, 740.7], [740.7, 740.7]]
    """

    def __init__(self, cells, design, scheme, n_resamples, *, cell_of=None):
        if cell_of is None:
            cell_of = design_cell_index(cells, design)
        n_cells = len(cells.cell_row)
        composer = Composer(cells, scheme)
        sums = np.zeros((n_cells, cells.feat.shape[1]))
        np.add.at(sums, cells.cell, cells.feat * cells.count[:, None])
        self.composite = composer(sums[:, :, None])[:, 0]
        z = _influence(cells, design, scheme, composer, sums=sums, cell_of=cell_of)
        self.cov = _stratum_covariance(z, design.stratum)
        ok = np.isfinite(self.composite)
        self.root = np.zeros_like(self.cov)
        self.root[np.ix_(ok, ok)] = symmetric_root(self.cov[np.ix_(ok, ok)])
        rows = max(len(self.composite), 1)
        self.chunk = int(min(max(_CHUNK_ELEMENTS // rows, 1), n_resamples))

    def composites(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """``m`` replicate composites ``[rows, m]`` (NaN in the rows without a composite)."""
        e = rng.standard_normal(size=(len(self.composite), m))
        return self.composite[:, None] + self.root @ e


def _one_form_each(count: np.ndarray) -> bool:
    """Every pattern row of the design one form (a wide file's: no respondent rates a unit
    twice)."""
    return bool((count == 1).all())


def _influence(cells, design, scheme, composer, *, sums, cell_of) -> sparse.csr_matrix:
    """Influence values ``Z[respondent, row]`` of the composites (sparse, see the class)."""
    d = composer.d
    s, n = sums[:, :d], sums[:, d:]
    has = (n > 0).astype(float)
    gw = np.array([scheme.group_weights[g] for g in scheme.group_codes])[cells.cell_group]
    big_w = composer.w @ has  # [rows, D]: Σ of the weights of groups with valid answers
    ok = big_w > 0
    big_v = ok.astype(float) @ composer.v  # [rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        a = composer.v * gw[:, None] / (big_v[cells.cell_row, None] * big_w[cells.cell_row])
        coef = np.where(has > 0, a / n, 0.0)  # ∂ composite / ∂ s_cd
        mean = np.where(has > 0, s / n, 0.0)  # the cell's score ȳ_cd
    points = np.array([lv.points if lv.valid else 0.0 for lv in scheme.levels] + [0.0])
    valid = np.array([1.0 if lv.valid else 0.0 for lv in scheme.levels] + [0.0])
    keep = np.flatnonzero(cell_of >= 0)
    if len(keep) == len(cell_of):  # every row ranked: the columns as they are, not gathered
        keep = slice(None)
    c = cell_of[keep]
    ones = _one_form_each(design.count[keep])
    count = None if ones else design.count[keep].astype(float)
    z = np.zeros(len(c))
    got = np.zeros_like(sums)
    nl = len(points)
    if ones:  # each answer's cell × level slot made in one buffer, a dimension at a time
        first, cl = c * nl, np.empty(len(c), np.int64)
    for j in range(d):  # one dimension at a time: memory P, not P × 2D
        lv = design.levels[keep, j]
        if ones:  # each cell × level's term made once and looked up: the same floats
            np.add(first, lv, out=cl)  # (points · 1 and valid · 1 are the points and valid)
            term = coef[:, j, None] * points - (coef[:, j] * mean[:, j])[:, None] * valid
            z += term.ravel()[cl]
            per = np.bincount(cl, minlength=len(sums) * nl).reshape(len(sums), nl)
            got[:, j], got[:, d + j] = per @ points, per @ valid
            continue
        pts, val = points[lv] * count, valid[lv] * count
        z += coef[c, j] * pts - (coef[c, j] * mean[c, j]) * val
        got[:, j] = np.bincount(c, weights=pts, minlength=len(sums))
        got[:, d + j] = np.bincount(c, weights=val, minlength=len(sums))
    if not np.allclose(got, sums, rtol=0, atol=1e-6):
        raise ValueError("design does not match patterns: the cells' answers differ")
    shape = (design.n_clusters, len(composer.w.indptr) - 1)
    return sparse_rows(z, design.cluster[keep], cells.cell_row[c], shape)


def sparse_rows(values, rows, cols, shape) -> sparse.csr_matrix:
    """``csr_matrix((values, (rows, cols)), shape=shape)``; made directly from the entries
    when they come sorted by row and then column, each (row, column) once — a wide file's
    design, respondent by respondent and unit by unit — without a conversion from COO: the
    same arrays (sorted columns, no duplicates), so every product made from it is the same.

    Examples
    --------
    >>> m = sparse_rows(np.array([1.0, 2.0, 3.0]), np.array([0, 0, 2]), np.array([1, 2, 0]),
    ...     (3, 3))
    >>> m.toarray().tolist()
    [[0.0, 1.0, 2.0], [0.0, 0.0, 0.0], [3.0, 0.0, 0.0]]
    """
    n = len(values)
    if n > 1 and int(rows.min()) >= 0 and int(rows.max()) < shape[0]:
        up = rows[1:] > rows[:-1]
        up |= (rows[1:] == rows[:-1]) & (cols[1:] > cols[:-1])
        if bool(up.all()):
            indptr = np.zeros(shape[0] + 1, np.int64)
            np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
            return sparse.csr_matrix((values, cols, indptr), shape=shape)
    return sparse.csr_matrix((values, (rows, cols)), shape=shape)


def _stratum_covariance(z: sparse.csr_matrix, stratum: np.ndarray) -> np.ndarray:
    """``Σ_h Σ_{i in h} (z_i - z̄_h)(z_i - z̄_h)ᵀ`` of the rows ``z_i`` of ``z``, ``stratum[i]``
    their strata: ``ZᵀZ`` (dense blocks of respondents, BLAS) ``- Σ_h n_h z̄_h z̄_hᵀ``."""
    n_resp, rows = z.shape
    cov = np.zeros((rows, rows))
    step = max(_CHUNK_ELEMENTS // max(rows, 1), 1)
    for a in range(0, n_resp, step):
        block = z[a : a + step].toarray()
        cov += block.T @ block
    if n_resp:
        n_strata = int(stratum.max()) + 1
        ind = sparse.csr_matrix(
            (np.ones(n_resp), (stratum, np.arange(n_resp))), shape=(n_strata, n_resp)
        )
        total = np.asarray((ind @ z).todense())  # [strata, rows]
        n_h = np.bincount(stratum, minlength=n_strata).astype(float)
        cov -= (total / np.maximum(n_h, 1.0)[:, None]).T @ total
    return (cov + cov.T) / 2
