"""Comparisons: between cycles, respondent groups and units — tests and intervals.

"Did it improve?", "do enterprises and supervisors see the unit alike?", "do the units of a
series differ?" — each answered from the tally (:func:`evalstats.counts.tally.tally`), never from
rows:

* :func:`difference_ci` — interval for a difference of two proportions (Newcombe's hybrid
  score interval by default, Miettinen–Nurminen on request), vectorised;
* :func:`rate_difference` — one difference of satisfied rates with its interval and test;
* :func:`compare_cycles` — per unit × dimension (or coarser) change of the satisfied rate and
  the score between two cycles, with intervals, tests and p-values adjusted across the table
  (:func:`evalstats.stats.multitest.adjust_pvalues`); units present in only one cycle get a row;
* :func:`rank_movement` — change of rank and standing between two rankings;
* :func:`group_homogeneity` / :func:`chi2_homogeneity` — χ² test that respondent groups give
  the same distribution of levels (Monte-Carlo p-value when expected counts are small; the
  Rao–Scott design-adjusted test, :func:`rao_scott`, when forms share respondents);
* :func:`kruskal_units` / :func:`kruskal_counts` — Kruskal–Wallis across units on the ordinal
  levels, from counts (mid-ranks, ties correction);
* :func:`mann_whitney_cycles` / :func:`mann_whitney_counts` — Mann–Whitney between two cycles;
* :func:`trend_test` — Cochran–Armitage (linear-by-linear) trend test across three or more
  cycles.

Every single test returns a frozen :class:`TestResult` with ``to_frame()``: numbers and codes
only, never rounded.  The sentences are presentation and live in
:mod:`evalstats.present.changes` (``result_sentence`` for one result, ``describe_changes`` for
a whole comparison table).

References
----------
.. [1] Newcombe RG (1998). Interval estimation for the difference between independent
       proportions: comparison of eleven methods. Statistics in Medicine 17:873-890.
.. [2] Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Statistics in
       Medicine 4:213-226.
.. [3] Lydersen S, Fagerland MW, Laake P (2009). Recommended tests for association in 2 × 2
       tables. Statistics in Medicine 28:1159-1175.
.. [4] Welch BL (1947). The generalization of "Student's" problem when several different
       population variances are involved. Biometrika 34:28-35.
.. [5] Agresti A (2013). Categorical Data Analysis, 3rd ed. Wiley. (χ² tests, Cramér's V,
       linear-by-linear association M² = (N − 1)r², section 3.4.1)
.. [6] Hope ACA (1968). A simplified Monte Carlo significance test procedure. Journal of the
       Royal Statistical Society B 30:582-598. (as R's ``chisq.test(simulate.p.value=TRUE)``)
.. [7] Hollander M, Wolfe DA (1973). Nonparametric Statistical Methods. Wiley.
       (Kruskal–Wallis and Mann–Whitney with ties corrections)
.. [8] Armitage P (1955). Tests for linear trends in proportions and frequencies. Biometrics
       11:375-386.
.. [9] Fagerland MW, Lydersen S, Laake P (2017). Statistical Analysis of Contingency Tables.
       Chapman & Hall/CRC.
.. [10] Rao JNK, Scott AJ (1984). On chi-squared tests for multiway contingency tables with
        cell proportions estimated from survey data. Annals of Statistics 12:46-60.

One module per concept, every public name importable from this package:

* ``result`` — :class:`TestResult`;
* ``tallies`` — counts in: checked count arrays, one cycle of a tally, masks;
* ``rates`` — :func:`rate_difference` and its score test;
* ``cycles`` — :func:`compare_cycles`;
* ``movement`` — :func:`rank_movement`;
* ``homogeneity`` — :func:`chi2_homogeneity`, :func:`group_homogeneity`, :func:`rao_scott`;
* ``clustered`` — the design-based variances of :func:`compare_cycles` when forms share
  respondents or the same respondents answered in both cycles;
* ``ranktests`` — Kruskal–Wallis and Mann–Whitney from counts;
* ``trend`` — :func:`trend_test`.
"""

from __future__ import annotations

from evalstats.stats.compare.cycles import COMPARE_COLUMNS, COMPARE_KEYS, PRESENT, compare_cycles
from evalstats.stats.compare.homogeneity import (
    CHI2_METHODS,
    chi2_homogeneity,
    group_homogeneity,
    rao_scott,
)
from evalstats.stats.compare.movement import MOVEMENT_COLUMNS, rank_movement
from evalstats.stats.compare.ranktests import (
    kruskal_counts,
    kruskal_units,
    mann_whitney_counts,
    mann_whitney_cycles,
)
from evalstats.stats.compare.rates import rate_difference
from evalstats.stats.compare.result import RESULT_COLUMNS, TestResult
from evalstats.stats.compare.trend import TREND_METHODS, trend_test
from evalstats.stats.moved import moved_to_present

# ====================================================================== moved names
# The sentences of this module live in evalstats.present.changes (issue 12); the old imports
# keep working with a DeprecationWarning.
__getattr__ = moved_to_present(
    __name__,
    dict.fromkeys(
        ("METRICS", "cycle_label", "describe_changes", "result_sentence"),
        "evalstats.present.changes",
    ),
)


__all__ = [
    "CHI2_METHODS",
    "COMPARE_COLUMNS",
    "COMPARE_KEYS",
    "MOVEMENT_COLUMNS",
    "PRESENT",
    "RESULT_COLUMNS",
    "TREND_METHODS",
    "TestResult",
    "chi2_homogeneity",
    "compare_cycles",
    "group_homogeneity",
    "kruskal_counts",
    "kruskal_units",
    "mann_whitney_counts",
    "mann_whitney_cycles",
    "rank_movement",
    "rao_scott",
    "rate_difference",
    "trend_test",
]
