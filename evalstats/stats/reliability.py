"""Reliability of the questionnaire: Cronbach's alpha with the Feldt interval.

Alpha asks whether the dimensions of a form "move together": whether a respondent who rates a
unit highly on one dimension tends to rate it highly on the others.  It works on points (the
scheme's ``points`` of each valid level), one row per form and one column per dimension
(:func:`items_from_forms`), or on answer-pattern counts with frequency weights
(:func:`items_from_patterns`), which give the same alpha without expanding the forms.

Identical rows are merged (their weights added) before anything is computed, so the result
depends only on the multiset of answer rows: forms in any order, expanded forms and pattern
counts give bit-for-bit the same alpha.

References
----------
.. [1] Cronbach LJ (1951). Coefficient alpha and the internal structure of tests.
       Psychometrika 16(3):297-334.
.. [2] Feldt LS (1965). The approximate sampling distribution of Kuder-Richardson reliability
       coefficient twenty. Psychometrika 30(3):357-370.
.. [3] Feldt LS, Woodruff DJ, Salih FA (1987). Statistical inference for coefficient alpha.
       Applied Psychological Measurement 11(1):93-103.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalstats.core.options import check_confidence_level, check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.counts.tally import category_codes, pattern_counts
from evalstats.stats.distributions import f_quantile
from evalstats.stats.moved import moved_method

NAN_POLICIES = ("listwise", "pairwise")
BY_KEYS = ("cycle", "unit", "group", "series")
MIN_FORMS_BY = 3  # alpha_by: fewer complete forms than this give NaN and a note
WEAK_ALPHA = 0.7
REDUNDANT_ALPHA = 0.95
ITEM_COLUMNS = ["item", "corrected_item_total_r", "alpha_if_deleted", "mean", "sd", "n"]
RESULT_COLUMNS = ["alpha", "ci_low", "ci_high", "confidence_level", "n", "k", "ci_method"]
NOTE_ZERO_VARIANCE = "every form used has the same total score: alpha is undefined"


# ---------------------------------------------------------------------- result
@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha of a set of items, with its Feldt interval.

    Attributes
    ----------
    alpha, ci_low, ci_high : float
        The estimate and the bounds of its ``confidence_level`` interval (NaN when alpha is
        undefined, see ``note``).
    confidence_level : float
    n : int
        Forms used: complete forms under ``nan_policy="listwise"``; under ``"pairwise"`` the
        smallest number of forms answering both items of any pair (the interval uses it).
    k : int
        Number of items.
    ci_method : str
        ``"feldt"``.
    nan_policy : str
    note : str
        Empty, or why alpha is NaN.
    items : DataFrame
        One row per item: ``item, corrected_item_total_r`` (the item against the sum of the
        *other* items), ``alpha_if_deleted`` (NaN when only one item would be left),
        ``mean``, ``sd`` (ddof=1) and ``n`` (forms behind the item's mean and sd).
    """

    alpha: float
    ci_low: float
    ci_high: float
    confidence_level: float
    n: int
    k: int
    ci_method: str
    nan_policy: str
    note: str = ""
    items: pd.DataFrame = field(default=None, repr=False, compare=False)

    @property
    def method(self) -> str:
        """The interval method (same as ``ci_method``)."""
        return self.ci_method

    # the sentence is presentation (issue 12)
    __getattr__ = moved_method(
        "AlphaResult", {"sentence": "evalstats.present.words.alpha_sentence(r, lang)"}
    )

    def to_frame(self) -> pd.DataFrame:
        """One row: ``alpha, ci_low, ci_high, confidence_level, n, k, ci_method, nan_policy,
        note``."""
        return pd.DataFrame(
            {
                "alpha": [self.alpha],
                "ci_low": [self.ci_low],
                "ci_high": [self.ci_high],
                "confidence_level": [self.confidence_level],
                "n": [self.n],
                "k": [self.k],
                "ci_method": [self.ci_method],
                "nan_policy": [self.nan_policy],
                "note": [self.note],
            }
        )


# ---------------------------------------------------------------------- input checks
def _check_items(items) -> tuple[np.ndarray, list[str]]:
    if not isinstance(items, pd.DataFrame):
        raise TypeError(
            f"items must be a pandas DataFrame (forms × items); got {type(items).__name__}"
        )
    names = [str(c) for c in items.columns]
    if len(names) < 2:
        raise ValueError(f"items must have at least 2 columns (items); got {len(names)}")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"items has duplicate column name(s) {dup}")
    for c, dt in zip(items.columns, items.dtypes, strict=True):
        if pd.api.types.is_bool_dtype(dt) or not pd.api.types.is_numeric_dtype(dt):
            raise TypeError(f"items must be numeric (points); column {str(c)!r} has dtype {dt}")
    x = items.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(x).any():
        bad = [n for n, col in zip(names, np.isinf(x).any(axis=0), strict=True) if col]
        raise ValueError(f"items must be finite or NaN (blank); column(s) {bad} hold ±inf")
    return x, names


def _check_weights(weights, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    if isinstance(weights, pd.Series | pd.Index):
        w = weights.to_numpy()
    else:
        w = np.asarray(weights)
    if w.dtype == bool or w.dtype.kind not in "iuf":
        raise TypeError(f"weights must be numbers (frequency weights); got dtype {w.dtype}")
    if w.shape != (n,):
        raise ValueError(f"weights must have one value per row of items ({n}); got shape {w.shape}")
    w = w.astype(np.float64)
    if not np.all(np.isfinite(w)) or np.any(w < 0) or np.any(w != np.floor(w)):
        raise ValueError(
            "weights must be non-negative whole numbers (frequency weights: how many forms "
            "each row stands for)"
        )
    return w


# ---------------------------------------------------------------------- the computation
def _collapse(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``x`` (NaN equal to NaN), sorted, with their weights summed."""
    keep = w > 0
    if not keep.all():
        x, w = x[keep], w[keep]
    n, k = x.shape
    if n == 0:
        return x, w
    codes = np.empty((n, k), np.int64)
    uniques = []
    for j in range(k):
        c, u = pd.factorize(x[:, j], sort=True, use_na_sentinel=True)
        codes[:, j] = np.where(c < 0, len(u), c)  # NaN sorts last
        uniques.append(np.append(np.asarray(u, np.float64), np.nan))
    radix = [len(u) for u in uniques]
    if float(np.prod(np.array(radix, dtype=np.float64))) < 2.0**62:
        key = np.zeros(n, np.int64)
        for j in range(k):
            key *= radix[j]
            key += codes[:, j]
        uniq, inverse = np.unique(key, return_inverse=True)
        rest = uniq.copy()
        ucodes = np.empty((len(uniq), k), np.int64)
        for j in range(k - 1, -1, -1):
            ucodes[:, j] = rest % radix[j]
            rest //= radix[j]
    else:
        ucodes, inverse = np.unique(codes, axis=0, return_inverse=True)
    wsum = np.bincount(inverse.reshape(-1), weights=w, minlength=len(ucodes))
    xu = np.column_stack([uniques[j][ucodes[:, j]] for j in range(k)])
    return xu, wsum


def _covariance(x: np.ndarray, w: np.ndarray):
    """Pairwise-complete weighted covariance (ddof=1), item means, item counts, pair counts.

    With no NaN in ``x`` this is the ordinary covariance matrix.  The sums of products are
    exact sums of the rounded products (:func:`_exact_cross`), not BLAS products: a matrix
    product sums in an order that depends on the processor (OpenBLAS picks its kernel at run
    time), which changed the published alpha in its last digit between two machines.
    """
    present = ~np.isnan(x)
    m = present.astype(np.float64)
    wm = m * w[:, None]
    n_item = wm.sum(axis=0)
    xw = np.where(present, x, 0.0) * w[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.array([math.fsum(col) for col in xw.T]) / n_item
    xc = np.where(present, x - mean, 0.0)  # centred: keeps the sums small and exact-ish
    pair_n = m.T @ wm  # forms answering both i and j (whole numbers: exact in any order)
    xcw = xc * w[:, None]
    s = _exact_cross(xcw, m)  # s[i, j] = Σ w x_i over forms answering both
    p = _exact_cross(xcw, xc)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (p - s * s.T / pair_n) / (pair_n - 1.0)
    return cov, mean, n_item, pair_n


def _exact_cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a.T @ b`` with each entry the correctly rounded sum of its rounded products
    (``math.fsum``): the same bits on every processor."""
    out = np.empty((a.shape[1], b.shape[1]))
    for i in range(a.shape[1]):
        for j in range(b.shape[1]):
            out[i, j] = math.fsum(a[:, i] * b[:, j])
    return out


def _alpha_from_cov(cov: np.ndarray):
    k = cov.shape[0]
    total = cov.sum()
    trace = np.trace(cov)
    # a variance that is zero in exact arithmetic can come out as a rounding residue of the
    # order eps · Σ|C_ij| <= eps · k · trace: treat anything that small as zero
    tol = 64.0 * np.finfo(np.float64).eps * k
    if not total > tol * trace:
        return np.nan, np.full(k, np.nan), np.full(k, np.nan)
    alpha = k / (k - 1) * (1.0 - trace / total)
    diag = np.diag(cov)
    row = cov.sum(axis=1)
    rest_total = total - 2.0 * row + diag  # variance of the sum of the other items
    rest_ok = rest_total > tol * (trace - diag)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(rest_ok & (diag > 0), (row - diag) / np.sqrt(diag * rest_total), np.nan)
        if k > 2:
            aid = (k - 1) / (k - 2) * (1.0 - (trace - diag) / rest_total)
            aid = np.where(rest_ok, aid, np.nan)
        else:
            aid = np.full(k, np.nan)
    return float(alpha), r, aid


def feldt_interval(alpha, n, k, *, confidence_level: float = 0.95):
    """Feldt's interval for Cronbach's alpha from ``n`` forms and ``k`` items, element-wise.

    Returns ``(ci_low, ci_high)``; see :func:`cronbach_alpha` for the formula.

    Examples
    --------
    >>> low, high = feldt_interval(0.5917188485995826, 15, 10)
    >>> round(float(low), 3), round(float(high), 3)
    (0.195, 0.84)
    """
    level = check_confidence_level(confidence_level)
    a = np.asarray(alpha, np.float64)
    n = np.asarray(n, np.float64)
    df1 = n - 1.0
    df2 = df1 * (np.asarray(k, np.float64) - 1.0)
    g = 1.0 - level
    with np.errstate(invalid="ignore"):
        upper_q = f_quantile(1.0 - g / 2.0, df1, df2)
        lower_q = f_quantile(g / 2.0, df1, df2)
    low = 1.0 - (1.0 - a) * upper_q
    high = 1.0 - (1.0 - a) * lower_q
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def _compute(x, w, names, nan_policy, level, *, raise_small: bool):
    """Alpha of rows ``x`` weighted by ``w`` (already checked). Returns an AlphaResult."""
    k = x.shape[1]
    if nan_policy == "listwise":
        complete = ~np.isnan(x).any(axis=1)
        x, w = x[complete], w[complete]
    xu, wu = _collapse(x, w)
    cov, mean, n_item, pair_n = _covariance(xu, wu)
    if nan_policy == "listwise":
        n = int(wu.sum())
        if n < 2 and raise_small:
            raise ValueError(
                f"cronbach_alpha needs at least 2 complete forms (every item answered); got {n}"
            )
    else:
        off = pair_n[~np.eye(k, dtype=bool)]
        n = int(off.min())
        if n < 2 and raise_small:
            i, j = np.argwhere((pair_n < 2) & ~np.eye(k, dtype=bool))[0]
            raise ValueError(
                f"items {names[i]!r} and {names[j]!r} are answered together on {n} form(s); "
                "pairwise alpha needs at least 2 for every pair"
            )
    note = ""
    if n < 2:
        alpha, r, aid = np.nan, np.full(k, np.nan), np.full(k, np.nan)
        note = f"fewer than 2 forms ({n}): alpha is undefined"
    else:
        alpha, r, aid = _alpha_from_cov(cov)
        if np.isnan(alpha):
            note = NOTE_ZERO_VARIANCE
    if np.isnan(alpha):
        low = high = np.nan
    else:
        low, high = feldt_interval(alpha, n, k, confidence_level=level)
    with np.errstate(invalid="ignore"):
        sd = np.sqrt(np.diag(cov))
    table = pd.DataFrame(
        {
            "item": pd.array(names, dtype="str"),
            "corrected_item_total_r": np.asarray(r, np.float64),
            "alpha_if_deleted": np.asarray(aid, np.float64),
            "mean": mean,
            "sd": sd,
            "n": n_item.astype(np.int64),
        }
    )
    return AlphaResult(
        alpha=float(alpha),
        ci_low=float(low),
        ci_high=float(high),
        confidence_level=level,
        n=n,
        k=k,
        ci_method="feldt",
        nan_policy=nan_policy,
        note=note,
        items=table,
    )


def cronbach_alpha(
    items: pd.DataFrame,
    *,
    weights=None,
    confidence_level: float = 0.95,
    nan_policy: str = "listwise",
) -> AlphaResult:
    """Cronbach's alpha of forms × items, with Feldt's confidence interval.

    Parameters
    ----------
    items : DataFrame
        One row per form (or per answer pattern, with ``weights``), one numeric column per
        item (dimension), on points; NaN for a blank or a level that is not valid (不了解).
    weights : array_like, optional
        Frequency weights: how many forms each row stands for (non-negative whole numbers),
        e.g. the ``count`` of :func:`items_from_patterns`.  Default: 1 per row.
    confidence_level : float
        Of the interval (default 0.95).
    nan_policy : {"listwise", "pairwise"}
        ``"listwise"`` (default) uses the forms answering every item; ``"pairwise"`` builds
        each covariance from the forms answering both items (R ``psych::alpha(x,
        use="pairwise")``) and uses the smallest such count as ``n`` in the interval.

    Returns
    -------
    AlphaResult
        ``alpha, ci_low, ci_high, confidence_level, n, k, ci_method, nan_policy, note`` and
        the per-item table ``items``.  When every form used has the same total score, alpha
        is NaN and ``note`` says why.

    Raises
    ------
    TypeError
        ``items`` is not a DataFrame or has a column that is not numeric; bad ``weights``
        type.
    ValueError
        Fewer than 2 items; fewer than 2 complete forms (listwise) or a pair of items
        answered together on fewer than 2 forms (pairwise); ±inf; bad ``weights``,
        ``confidence_level`` or ``nan_policy``.

    Notes
    -----
    With :math:`k` items, sample variances :math:`s_i^2` (ddof = 1) and the variance
    :math:`s_T^2` of the total :math:`T = \\sum_i x_i` over the :math:`n` forms used [1]_:

    .. math:: \\hat\\alpha = \\frac{k}{k-1}\\Bigl(1 - \\frac{\\sum_i s_i^2}{s_T^2}\\Bigr)
              = \\frac{k}{k-1}\\Bigl(1 - \\frac{\\operatorname{tr} C}{\\mathbf 1^\\top C
              \\mathbf 1}\\Bigr),

    :math:`C` the covariance matrix of the items.  Under the two-way random-effects model
    :math:`(1-\\alpha)/(1-\\hat\\alpha)` follows an :math:`F` distribution with
    :math:`n-1` and :math:`(n-1)(k-1)` degrees of freedom [2]_ [3]_, so with
    :math:`\\gamma = 1 - \\text{confidence level}`:

    .. math:: \\text{ci\\_low} = 1 - (1-\\hat\\alpha)\\,F_{1-\\gamma/2}(n-1, (n-1)(k-1)),\\quad
              \\text{ci\\_high} = 1 - (1-\\hat\\alpha)\\,F_{\\gamma/2}(n-1, (n-1)(k-1)).

    Per item: ``corrected_item_total_r`` is the correlation of the item with the sum of the
    other items, :math:`(\\sum_{j\\ne i} C_{ij}) / \\sqrt{C_{ii}\\,V_{-i}}` with
    :math:`V_{-i}` the variance of that sum; ``alpha_if_deleted`` is alpha of the other
    :math:`k-1` items (NaN when :math:`k = 2`).  Weighted rows count as that many forms
    (sums are weighted, ddof = 1 on the total weight).  Identical rows are merged first, so
    expanded forms and their pattern counts give bit-for-bit the same result.

    Alpha can be negative (items that move against each other); it is not clipped.

    References
    ----------
    .. [1] Cronbach LJ (1951). Coefficient alpha and the internal structure of tests.
           Psychometrika 16(3):297-334.
    .. [2] Feldt LS (1965). The approximate sampling distribution of Kuder-Richardson
           reliability coefficient twenty. Psychometrika 30(3):357-370.
    .. [3] Feldt LS, Woodruff DJ, Salih FA (1987). Statistical inference for coefficient
           alpha. Applied Psychological Measurement 11(1):93-103.

    Examples
    --------
    Five respondents, three items (the issue's check: alpha = 63/86):

    >>> items = pd.DataFrame({"A": [3, 2, 4, 3, 4], "B": [4, 3, 4, 2, 4],
    ...                       "C": [3, 4, 5, 3, 4]})
    >>> res = cronbach_alpha(items)
    >>> round(res.alpha, 10) == round(63 / 86, 10), res.n, res.k
    (True, 5, 3)

    pingouin's ``cronbach_alpha`` example (checked there against R ``psych::alpha``) has
    15 forms × 10 items with alpha 0.591719 and Feldt interval 0.195 to 0.840; the interval
    follows from alpha, n and k alone:

    >>> low, high = feldt_interval(0.5917188485995826, 15, 10)
    >>> round(low, 3), round(high, 3)
    (0.195, 0.84)
    """
    x, names = _check_items(items)
    w = _check_weights(weights, len(x))
    level = check_confidence_level(confidence_level)
    nan_policy = check_option("nan_policy", nan_policy, NAN_POLICIES)
    return _compute(x, w, names, nan_policy, level, raise_small=True)


# ---------------------------------------------------------------------- from the forms
def _points_lut(scheme: Scheme) -> np.ndarray:
    """Points per level code, NaN for levels that are not valid; last entry (code -1) NaN."""
    pts = [np.nan if (v.points is None or not v.valid) else float(v.points) for v in scheme.levels]
    return np.array([*pts, np.nan], np.float64)


def _by_columns(by) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    if not isinstance(by, Sequence) or not all(isinstance(b, str) for b in by):
        raise TypeError(f"by must be a column name or a sequence of column names; got {by!r}")
    by = list(by)
    if len(set(by)) != len(by):
        raise ValueError(f"by names a column twice: {by}")
    return by


def items_from_forms(forms: pd.DataFrame, *, scheme: Scheme | None = None, by=None) -> pd.DataFrame:
    """The forms × dimensions points matrix of a validated forms table.

    Parameters
    ----------
    forms : DataFrame
        The validated forms table (:mod:`evalstats.inputs.forms`): one ordered level Categorical per
        dimension code.
    scheme : Scheme, path or None
    by : str or sequence of str, optional
        Columns of ``forms`` to keep in front (e.g. ``"group"``), for grouping.

    Returns
    -------
    DataFrame
        The ``by`` columns, then one float column per dimension (scheme order) holding the
        level's ``points``; NaN for a blank or a level that is not valid.  Same index as
        ``forms``.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> s = load_scheme()
    >>> forms = pd.DataFrame({d: pd.Categorical(["satisfied", "unknown"], dtype=s.level_dtype)
    ...                       for d in s.dimension_codes})
    >>> items_from_forms(forms)["efficiency"].tolist()
    [100.0, nan]
    """
    scheme = resolve_scheme(scheme)
    if not isinstance(forms, pd.DataFrame):
        raise TypeError(f"forms must be a pandas DataFrame; got {type(forms).__name__}")
    by = _by_columns(by)
    dims = list(scheme.dimension_codes)
    missing = [c for c in [*by, *dims] if c not in forms.columns]
    if missing:
        raise ValueError(f"forms lacks column(s) {missing}")
    lut = _points_lut(scheme)
    data = {b: forms[b] for b in by}
    for d in dims:
        data[d] = lut[category_codes(forms[d], d, scheme.level_codes)]
    return pd.DataFrame(data, index=forms.index)


def items_from_patterns(patterns: pd.DataFrame, *, scheme: Scheme | None = None) -> pd.DataFrame:
    """Answer-pattern counts as weighted items: points per dimension plus ``count``.

    Parameters
    ----------
    patterns : DataFrame
        Pattern counts (:func:`evalstats.counts.tally.pattern_counts`): ``cycle, unit, group``, one
        level Categorical per dimension, ``count``.
    scheme : Scheme, path or None

    Returns
    -------
    DataFrame
        ``cycle, unit, group``, one float points column per dimension (NaN for blank or not
        valid) and ``count``.  ``cronbach_alpha(t[dims], weights=t["count"])`` equals alpha of
        the expanded forms exactly.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.counts.tally import pattern_counts
    >>> s = load_scheme()
    >>> forms = pd.DataFrame({"cycle": ["2026H1"] * 3, "unit": pd.Categorical(["U1"] * 3),
    ...     "group": pd.Categorical(["public"] * 3, categories=s.group_codes)}
    ...     | {d: pd.Categorical(["satisfied", "satisfied", "dissatisfied"],
    ...                          dtype=s.level_dtype) for d in s.dimension_codes})
    >>> items_from_patterns(pattern_counts(forms))[["transparency", "count"]].values.tolist()
    [[100.0, 2.0], [0.0, 1.0]]
    """
    scheme = resolve_scheme(scheme)
    if not isinstance(patterns, pd.DataFrame):
        raise TypeError(f"patterns must be a pandas DataFrame; got {type(patterns).__name__}")
    if "count" not in patterns.columns:
        raise ValueError("patterns lacks column(s) ['count']; pattern counts have a count column")
    out = items_from_forms(
        patterns, scheme=scheme, by=[c for c in ("cycle", "unit", "group") if c in patterns]
    )
    out["count"] = patterns["count"].to_numpy()
    return out


# ---------------------------------------------------------------------- per group
def alpha_by(
    forms_or_patterns: pd.DataFrame,
    *,
    by="group",
    scheme: Scheme | None = None,
    units: pd.DataFrame | None = None,
    confidence_level: float = 0.95,
    nan_policy: str = "listwise",
) -> pd.DataFrame:
    """Cronbach's alpha of the dimensions per group, unit, series or cycle.

    Parameters
    ----------
    forms_or_patterns : DataFrame
        The validated forms table, or its pattern counts (:func:`evalstats.counts.tally.
        pattern_counts`; recognised by a ``count`` column).  Both give the same table.
    by : str or sequence of str
        Keys among ``cycle, unit, group, series`` (``()``: one row for all).  Everything not
        named is pooled, cycles too.  ``series`` needs ``units``.
    scheme : Scheme, path or None
    units : DataFrame, optional
        Columns ``unit, series``; needed for ``by`` with ``series``.
    confidence_level : float
    nan_policy : {"listwise", "pairwise"}
        As in :func:`cronbach_alpha`.

    Returns
    -------
    DataFrame
        The ``by`` columns, then ``alpha, ci_low, ci_high, confidence_level, n, k, ci_method,
        note``: one row per combination of the keys' categories (units of the forms' unit
        categories, the scheme's groups and series, the cycles present), in that order.  A
        row with fewer than 3 forms used, or whose forms all give the same total score, has
        NaN alpha and interval and says why in ``note`` (empty otherwise).

    Notes
    -----
    Each row is :func:`cronbach_alpha` of the dimension points of its forms; see there for
    the formula and the Feldt interval.  Work is done on answer-pattern counts (at most
    (levels + 1) ** dimensions rows per unit × group), so a million forms cost little more
    than a thousand.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> s = load_scheme()
    >>> lv = ["satisfied", "fairly_satisfied", "dissatisfied", "satisfied"]
    >>> forms = pd.DataFrame({"cycle": ["2026H1"] * 4, "unit": pd.Categorical(["U1"] * 4),
    ...     "group": pd.Categorical(["public"] * 4, categories=s.group_codes)}
    ...     | {d: pd.Categorical(lv, dtype=s.level_dtype) for d in s.dimension_codes})
    >>> t = alpha_by(forms, by="group")
    >>> t[["group", "alpha", "n", "note"]].to_dict("records")[2]
    {'group': 'public', 'alpha': 1.0, 'n': 4, 'note': ''}
    """
    scheme = resolve_scheme(scheme)
    by = _by_columns(by)
    for b in by:
        check_option("by", b, BY_KEYS)
    if "series" in by and units is None:
        raise ValueError("by='series' needs units= (a table with columns unit, series)")
    level = check_confidence_level(confidence_level)
    nan_policy = check_option("nan_policy", nan_policy, NAN_POLICIES)
    if not isinstance(forms_or_patterns, pd.DataFrame):
        raise TypeError(
            f"forms_or_patterns must be a pandas DataFrame; got {type(forms_or_patterns).__name__}"
        )
    if "count" in forms_or_patterns.columns:
        patterns = forms_or_patterns
    else:
        patterns = pattern_counts(forms_or_patterns, scheme)
    t = items_from_patterns(patterns, scheme=scheme)
    dims = list(scheme.dimension_codes)
    x = t[dims].to_numpy(np.float64)
    w = _check_weights(t["count"], len(t))

    key_codes, key_cats = _key_codes(t, by, units=units, scheme=scheme)
    shape = [len(c) for c in key_cats]
    ncells = int(np.prod(shape)) if by else 1
    if by:
        flat = np.ravel_multi_index(tuple(key_codes), shape) if len(x) else np.zeros(0, int)
    else:
        flat = np.zeros(len(x), np.int64)
    order = np.argsort(flat, kind="stable")
    bounds = np.searchsorted(flat[order], np.arange(ncells + 1))

    rows = []
    for cell in range(ncells):
        sel = order[bounds[cell] : bounds[cell + 1]]
        rows.append(_cell_alpha(x[sel], w[sel], dims, nan_policy, level))
    out = {}
    idx = np.unravel_index(np.arange(ncells), shape) if by else ()
    for b, cats, ix in zip(by, key_cats, idx, strict=True):
        out[b] = pd.Categorical.from_codes(ix, categories=cats)
    frame = pd.DataFrame(out)
    for col in (*RESULT_COLUMNS, "note"):
        frame[col] = [r[col] for r in rows]
    frame["n"] = frame["n"].astype(np.int64)
    frame["k"] = frame["k"].astype(np.int64)
    for col in ("alpha", "ci_low", "ci_high", "confidence_level"):
        frame[col] = frame[col].astype(np.float64)
    frame["ci_method"] = frame["ci_method"].astype("str")
    frame["note"] = frame["note"].astype("str")
    return frame


def _key_codes(t: pd.DataFrame, by, *, units, scheme: Scheme):
    """Codes per row and categories of each ``by`` key of the items table ``t``."""
    key_codes, key_cats = [], []
    for b in by:
        if b == "cycle":
            codes, cats = pd.factorize(t["cycle"].astype(str), sort=True)
            cats = [str(c) for c in cats]
        elif b == "unit":
            codes, cats = t["unit"].cat.codes.to_numpy(), list(t["unit"].cat.categories)
        elif b == "group":
            codes = category_codes(t["group"], "group", scheme.group_codes)
            cats = list(scheme.group_codes)
        else:  # series
            codes, cats = _series_codes(t["unit"], units, scheme)
        key_codes.append(np.asarray(codes, np.int64))
        key_cats.append(cats)
    return key_codes, key_cats


def _series_codes(unit_col: pd.Series, units, scheme: Scheme):
    if not isinstance(units, pd.DataFrame):
        raise TypeError(f"units must be a pandas DataFrame; got {type(units).__name__}")
    missing = [c for c in ("unit", "series") if c not in units.columns]
    if missing:
        raise ValueError(f"units lacks column(s) {missing}; it needs ['unit', 'series']")
    table = dict(zip(units["unit"].astype(str), units["series"].astype(str), strict=True))
    cats = list(scheme.series_codes)
    cats += [s for s in dict.fromkeys(table.values()) if s not in cats]
    unit_cats = [str(u) for u in unit_col.cat.categories]
    used = np.unique(unit_col.cat.codes.to_numpy())
    absent = [unit_cats[i] for i in used if unit_cats[i] not in table]
    if absent:
        raise ValueError(f"units has no row for unit(s) {absent} found in the forms")
    lut = np.array([cats.index(table[u]) if u in table else -1 for u in unit_cats], np.int64)
    return lut[unit_col.cat.codes.to_numpy()], cats


def _cell_alpha(x, w, dims, nan_policy, level) -> dict:
    k = len(dims)
    if nan_policy == "listwise":
        n_used = int(w[~np.isnan(x).any(axis=1)].sum())
    else:
        m = (~np.isnan(x)).astype(np.float64)
        pair = m.T @ (m * w[:, None])
        n_used = int(pair[~np.eye(k, dtype=bool)].min()) if len(x) else 0
    base = {
        "alpha": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "confidence_level": level,
        "n": n_used,
        "k": k,
        "ci_method": "feldt",
    }
    if n_used < MIN_FORMS_BY:
        what = "complete forms" if nan_policy == "listwise" else "forms for some pair of items"
        return base | {"note": f"fewer than {MIN_FORMS_BY} {what} (n = {n_used})"}
    r = _compute(x, w, dims, nan_policy, level, raise_small=False)
    return base | {
        "alpha": r.alpha,
        "ci_low": r.ci_low,
        "ci_high": r.ci_high,
        "n": r.n,
        "note": r.note,
    }


__all__ = [
    "BY_KEYS",
    "ITEM_COLUMNS",
    "MIN_FORMS_BY",
    "NAN_POLICIES",
    "NOTE_ZERO_VARIANCE",
    "REDUNDANT_ALPHA",
    "RESULT_COLUMNS",
    "WEAK_ALPHA",
    "AlphaResult",
    "alpha_by",
    "cronbach_alpha",
    "feldt_interval",
    "items_from_forms",
    "items_from_patterns",
]
