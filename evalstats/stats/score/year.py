"""The period-weighted composite of the year (:func:`composite_year`).

Examples
--------
>>> import pandas as pd
>>> h = pd.DataFrame({"cycle": ["2026H1"], "unit": ["U1"], "unit_name": ["a"],
...     "series": ["administration"], "composite": [80.0], "composite_se": [1.0],
...     "composite_df": [50.0]})
>>> composite_year(h, h.assign(cycle="2026A"))["flags"].tolist()
['']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.options import check_confidence_level
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.stats.intervals import (
    satterthwaite_df,
    t_interval,
)


def composite_year(
    half_year: pd.DataFrame,
    annual: pd.DataFrame,
    *,
    scheme: Scheme | None = None,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Period-weighted composite of the year: ``w_h · composite_h1 + w_a · composite_annual``.

    Parameters
    ----------
    half_year, annual : DataFrame
        :func:`composites` of the half-year cycle and of the annual (year-end) cycle, one
        cycle each.
    scheme : Scheme, path or None
        ``scheme.rules.period_weights`` (``half_year``, ``annual``) give the weights.
    confidence_level : float

    Returns
    -------
    DataFrame
        One row per unit (annual units first, in their order, then half-year-only units):
        ``cycle`` (the annual cycle), ``unit, unit_name, series, composite_h1,
        composite_annual, composite_year, composite_year_ci_low, composite_year_ci_high,
        weight_half_year, weight_annual, flags``.  The weight columns state the weights used:
        a unit with a composite in one cycle only uses that one (weight 1) and is flagged
        ``one_cycle_only:<cycle>``; a unit with neither is flagged ``no_forms``.  The two
        cycles are independent samples: ``var = w_h² se_h² + w_a² se_a²`` with
        Welch–Satterthwaite degrees of freedom.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"cycle": ["2026H1"], "unit": ["U1"], "unit_name": ["a"],
    ...     "series": ["administration"], "composite": [80.0], "composite_se": [1.0],
    ...     "composite_df": [50.0]})
    >>> a = h.assign(cycle="2026A", composite=90.0)
    >>> float(composite_year(h, a)["composite_year"].iloc[0])
    86.0
    """
    scheme = resolve_scheme(scheme)
    level = check_confidence_level(confidence_level)
    need = ["cycle", "unit", "unit_name", "series", "composite", "composite_se", "composite_df"]
    frames = {}
    for name, f in (("half_year", half_year), ("annual", annual)):
        if not isinstance(f, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame; got {type(f).__name__}")
        missing = [c for c in need if c not in f.columns]
        if missing:
            raise ValueError(f"{name} lacks column(s) {missing}; pass the output of composites()")
        cyc = pd.unique(f["cycle"].astype(str))
        if len(cyc) > 1:
            raise ValueError(f"{name} must hold one cycle; got {sorted(cyc)}")
        dup = f["unit"][f["unit"].duplicated()].astype(str).unique().tolist()
        if dup:
            raise ValueError(f"{name} lists unit(s) {dup} more than once")
        frames[name] = f.assign(unit=f["unit"].astype(str)).set_index("unit")
    h, a = frames["half_year"], frames["annual"]
    h_cycle = str(h["cycle"].iloc[0]) if len(h) else "half_year"
    a_cycle = str(a["cycle"].iloc[0]) if len(a) else h_cycle
    order = list(dict.fromkeys([*a.index, *h.index]))
    pw = scheme.rules.period_weights
    w_h, w_a = float(pw["half_year"]), float(pw["annual"])

    def col(f, c):
        return f[c].reindex(order).to_numpy(dtype=float)

    ch, ca = col(h, "composite"), col(a, "composite")
    sh, sa = col(h, "composite_se"), col(a, "composite_se")
    dh, da = col(h, "composite_df"), col(a, "composite_df")
    has_h, has_a = np.isfinite(ch), np.isfinite(ca)
    wh = np.where(has_h & has_a, w_h, np.where(has_h, 1.0, 0.0))
    wa = np.where(has_h & has_a, w_a, np.where(has_a, 1.0, 0.0))
    both = has_h | has_a
    with np.errstate(invalid="ignore"):
        year = np.where(both, wh * np.nan_to_num(ch) + wa * np.nan_to_num(ca), np.nan)
        th = np.where(wh > 0, wh * wh * sh * sh, 0.0)
        ta = np.where(wa > 0, wa * wa * sa * sa, 0.0)
        se = np.where(both, np.sqrt(th + ta), np.nan)
        df = satterthwaite_df(np.stack([th, ta], -1), np.stack([dh, da], -1))
    ci = t_interval(year, se, df, confidence_level=level)
    flags = np.where(
        has_h & ~has_a,
        f"one_cycle_only:{h_cycle}",
        np.where(~has_h & has_a, f"one_cycle_only:{a_cycle}", np.where(both, "", "no_forms")),
    )

    def meta(c):
        return a[c].reindex(order).fillna(h[c].reindex(order)).astype(str).to_numpy()

    return pd.DataFrame(
        {
            "cycle": pd.array([a_cycle] * len(order), dtype="str"),
            "unit": pd.array(order, dtype="str"),
            "unit_name": pd.array(meta("unit_name"), dtype="str"),
            "series": pd.array(meta("series"), dtype="str"),
            "composite_h1": ch,
            "composite_annual": ca,
            "composite_year": year,
            "composite_year_ci_low": np.asarray(ci.low, float),
            "composite_year_ci_high": np.asarray(ci.high, float),
            "weight_half_year": wh,
            "weight_annual": wa,
            "flags": pd.array(flags, dtype="str"),
        }
    )


__all__ = [
    "composite_year",
]
