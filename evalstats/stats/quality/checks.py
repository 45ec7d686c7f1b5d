""":func:`quality_flags`: every data-quality check of a cycle as one table.

The options are checked here (one small helper per kind of value, naming the parameter); the
checks live one per module (:mod:`~evalstats.stats.quality.duplicates`,
:mod:`~evalstats.stats.quality.straight`, :mod:`~evalstats.stats.quality.burst`,
:mod:`~evalstats.stats.quality.satisfaction`, :mod:`~evalstats.stats.quality.response`), and a
cycle counted out of core goes through :mod:`~evalstats.stats.quality.counted`.

Examples
--------
>>> _check_alpha("straightline_alpha", 0.05)
0.05
"""

from __future__ import annotations

import datetime as _dt
import numbers

import numpy as np
import pandas as pd

from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.inputs.validate import ValidatedCycle
from evalstats.stats.multitest import ADJUST_METHODS
from evalstats.stats.quality.burst import burst
from evalstats.stats.quality.counted import counted_flags
from evalstats.stats.quality.duplicates import near_duplicate, typed_twice
from evalstats.stats.quality.flags import flags_frame
from evalstats.stats.quality.respondents import respondent_flags
from evalstats.stats.quality.response import forms_response_rates, response_rate_flags
from evalstats.stats.quality.satisfaction import full_satisfaction
from evalstats.stats.quality.source import counted_cycle, prepare_forms, unpack_source
from evalstats.stats.quality.straight import straight_lining

FULL_SATISFACTION_LEVELS = ("top_box", "satisfied")


def _check_int(name: str, value, minimum: int) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be a whole number; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value!r}")
    return int(value)


def _check_duration(name: str, value) -> pd.Timedelta:
    example = "'30min'" if name == "burst_window" else "'1min'"
    if not isinstance(value, str | pd.Timedelta | _dt.timedelta | np.timedelta64):
        raise TypeError(f"{name} must be a duration such as {example}; got {value!r}")
    try:
        td = pd.Timedelta(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a duration such as {example}; got {value!r}") from None
    if pd.isna(td) or td <= pd.Timedelta(0):
        raise ValueError(f"{name} must be a positive duration such as {example}; got {value!r}")
    return td


def _check_alpha(name: str, value) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number strictly between 0 and 1; got {value!r}")
    if not 0 < value < 1:
        raise ValueError(f"{name} must be strictly between 0 and 1; got {value!r}")
    return float(value)


def _check_rate(name: str, value) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number between 0 and 1; got {value!r}")
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1; got {value!r}")
    return float(value)


def quality_flags(
    validated,
    *,
    scheme: Scheme | None = None,
    forms_issued: pd.DataFrame | None = None,
    duplicates: pd.DataFrame | None = None,
    voided: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
    burst_min: int = 10,
    burst_window="30min",
    near_duplicate_window="1min",
    comment_min_chars: int = 5,
    straightline_min_n: int = 10,
    straightline_alpha: float = 0.05,
    adjust: str = "holm",
    full_satisfaction_n: int | None = None,
    full_satisfaction_level: str = "top_box",
    min_response_rate: float = 0.5,
    respondent_min_units: int = 3,
    max_blank_units: float = 0.5,
) -> pd.DataFrame:
    """Every data-quality check of a cycle as one tidy table, one row per flag.

    See :mod:`evalstats.stats.quality` for the exact definition of each check and of the
    columns.

    Parameters
    ----------
    validated : ValidatedCycle or DataFrame
        A validated cycle (forms, duplicates, voided forms, forms issued and unit names are
        taken from it), or a forms table (:mod:`evalstats.inputs.forms`; ``submitted_at``,
        ``collector`` and ``comment`` are optional: checks needing them are skipped).
    scheme : Scheme, path or None
        Default: the validated cycle's scheme, else the bundled one.
    forms_issued, duplicates, voided, units : DataFrame, optional
        Override (or, for a forms table, supply) the validated cycle's tables; ``units``
        (``unit, name, series``) only gives names for the sentences.
    burst_min : int
        Fewest identical forms in one window that make a burst (default 10, at least 2).
    burst_window : str or Timedelta
        Length of the burst window (default ``"30min"``).
    near_duplicate_window : str or Timedelta
        Largest gap between forms of one collector that makes a near duplicate (default
        ``"1min"``).
    comment_min_chars : int
        Shortest normalised comment that can make a near duplicate (default 5, at least 1):
        “无”, “没有意见” and the like are not evidence of copying.
    straightline_min_n : int
        Fewest forms for a unit or collector to be tested for straight-lining (default 10).
    straightline_alpha : float
        Family-wise level of the straight-lining tests (default 0.05).
    adjust : {"holm", "bh", "bonferroni", "none"}
        Multiplicity adjustment of the straight-lining tests (default Holm).
    full_satisfaction_n : int, optional
        Fewest valid answers in every dimension of a cell for the 100 % check (default
        ``scheme.rules.low_confidence_n``).
    full_satisfaction_level : {"top_box", "satisfied"}
        What 100 % means: every valid answer the top box (default) or counted satisfied.
    min_response_rate : float
        Response rates below this are flagged (default 0.5).
    respondent_min_units : int
        Fewest units a respondent rated for the ``straight_respondent`` check (default 3, at
        least 2).  The respondent checks run only on forms whose ``respondent`` column shows
        one person on several forms (:mod:`evalstats.stats.quality.respondents`).
    max_blank_units : float
        Share of a cycle's units left blank above which the ``blank_units`` row counts and
        names a respondent (default 0.5).

    Returns
    -------
    DataFrame
        Columns ``QUALITY_COLUMNS``, one row per flag; empty (with those columns) when nothing
        is flagged.

    References
    ----------
    See :mod:`evalstats.stats.quality`.

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms
    >>> list(quality_flags(empty_forms()).columns)[:4]
    ['cycle', 'check', 'severity', 'unit']
    """
    counted = counted_cycle(validated)
    if counted is not None:
        validated = counted.validated
        if counted.rows is None:  # the pandas backend: the forms are in memory
            counted = None
    if counted is not None:
        v = counted.validated
        scheme = resolve_scheme(v.scheme if scheme is None else scheme)
        forms = None
        forms_issued = v.forms_issued if forms_issued is None else forms_issued
        duplicates = v.duplicates if duplicates is None else duplicates
        voided = v.voided if voided is None else voided
        units = v.units if units is None else units
    else:
        forms, scheme, forms_issued, duplicates, voided, units = unpack_source(
            validated,
            scheme=scheme,
            forms_issued=forms_issued,
            duplicates=duplicates,
            voided=voided,
            units=units,
        )
    burst_min = _check_int("burst_min", burst_min, 2)
    window = _check_duration("burst_window", burst_window)
    near_window = _check_duration("near_duplicate_window", near_duplicate_window)
    comment_min_chars = _check_int("comment_min_chars", comment_min_chars, 1)
    straightline_min_n = _check_int("straightline_min_n", straightline_min_n, 1)
    alpha = _check_alpha("straightline_alpha", straightline_alpha)
    adjust = check_option("adjust", adjust, ADJUST_METHODS)
    if full_satisfaction_n is None:
        full_satisfaction_n = scheme.rules.low_confidence_n
    full_satisfaction_n = _check_int("full_satisfaction_n", full_satisfaction_n, 1)
    level = check_option(
        "full_satisfaction_level", full_satisfaction_level, FULL_SATISFACTION_LEVELS
    )
    min_rate = _check_rate("min_response_rate", min_response_rate)
    respondent_min_units = _check_int("respondent_min_units", respondent_min_units, 2)
    max_blank = _check_rate("max_blank_units", max_blank_units)

    if counted is not None:
        return counted_flags(
            counted,
            scheme=scheme,
            forms_issued=forms_issued,
            duplicates=duplicates,
            voided=voided,
            units=units,
            burst_min=burst_min,
            window=window,
            near_window=near_window,
            comment_min_chars=comment_min_chars,
            straightline_min_n=straightline_min_n,
            alpha=alpha,
            adjust=adjust,
            full_satisfaction_n=full_satisfaction_n,
            level=level,
            min_rate=min_rate,
            respondent_min_units=respondent_min_units,
            max_blank=max_blank,
        )
    d = prepare_forms(forms, scheme, units, validated=isinstance(validated, ValidatedCycle))
    rows = [
        *typed_twice(d, duplicates, voided),
        *near_duplicate(d, near_window, comment_min_chars),
        *straight_lining(d, straightline_min_n, alpha, adjust),
        *burst(d, burst_min, window),
        *full_satisfaction(d, full_satisfaction_n, level),
        *response_rate_flags(d, forms_response_rates(d, forms_issued, voided), min_rate),
        *respondent_flags(d, respondent_min_units, max_blank),
    ]
    return flags_frame(rows, d)


__all__ = [
    "FULL_SATISFACTION_LEVELS",
    "quality_flags",
]
