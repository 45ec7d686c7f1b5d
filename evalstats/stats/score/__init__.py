"""Named metrics, weighted scores and composites — from the tally, not from rows.

Metrics (README: *How a unit is scored*): ``n_forms``, ``n_valid``, ``n_unknown``,
``n_blank``, ``top_box_rate``, ``satisfied_rate`` (with an interval), ``dissatisfied_rate``,
``share_of_all_votes`` and the ``score`` (with an interval), for unit × group × dimension and
any coarser grouping (:func:`metrics`); the group-weighted ``weighted_score`` per unit × dimension
(:func:`weighted_scores`); the dimension-weighted ``composite`` per unit (:func:`composites`);
the period-weighted ``composite_year`` (:func:`composite_year`); and the contract table
``tables/scores.csv`` (:func:`scores_table`).

Intervals
---------
*Proportions* use :func:`evalstats.stats.intervals.proportion_ci` (Wilson by default).

*Score of one dimension.* One form gives one answer per dimension, so the answers in a cell are
independent draws and the tally gives the answer-level variance exactly:
``s² = Σ count·(points − score)² / (n_valid − 1)``; the interval is the t interval
``score ± t_{n_valid−1} · s / √n_valid`` (the standard interval for a mean, e.g. Cochran 1977,
ch. 2), cut to the scheme's points range.  A cell whose answers are all equal has ``s = 0`` and
a zero-width interval; a cell with one valid answer has none (NaN).

*Rows pooling several dimensions* (``dimension`` not in ``by``) hold up to ``D`` answers per
form, and a form's answers are correlated (a respondent who is satisfied with one dimension
tends to be with the others), so the answers are not independent:

- with ``patterns=`` (:func:`evalstats.counts.tally.pattern_counts`) the form is the sampling unit:
  the score is the ratio ``Σ y_i / Σ m_i`` of a form's points ``y_i`` to its valid answers
  ``m_i``, with the linearisation (ratio-estimator) variance
  ``v = n/(n−1) · Σ (y_i − score·m_i)² / (Σ m_i)²`` over the ``n`` forms with a valid answer
  and ``n − 1`` degrees of freedom (Cochran 1977, ch. 6; Wolter 2007, ch. 6).  The satisfied
  rate uses the same variance for the satisfied indicator, turned into an effective sample size
  ``n* = min(n_valid, p(1−p)/v)`` for the chosen proportion interval (Korn & Graubard 1998);
- without ``patterns``, the answers are taken as perfectly correlated within a form — the
  design effect ``1 + (D−1)ρ`` of Kish (1965) at its bound ``ρ = 1`` — i.e. the effective
  sample size is ``n_valid / D``.  This is conservative (the interval is too wide, never too
  narrow); pass ``patterns`` for the exact form-level variance.

*Weighted scores and composites* treat the respondent groups as independent samples (strata):
``var = Σ_g a_g² var(score_g)``, with Welch–Satterthwaite degrees of freedom (Satterthwaite
1946).  For the composite, a form's answers to the ``D`` dimensions are correlated; with
``patterns=`` the variance is the linearisation variance of each form's contribution
``z_i = Σ_d a_gd (y_id − score_gd) / n_gd`` within its group (forms as clusters, groups as
strata; Wolter 2007, ch. 6), otherwise the bound for perfect correlation,
``var_g ≤ (Σ_d a_gd · se_gd)²`` (conservative).

*Shared respondents.*  When forms share respondents (a respondent rated several units: the
matrix or online layout, or a ``respondent`` column; ``design=`` of kind ``"respondents"``,
:func:`evalstats.stats.design.respondent_design`), a row pooled across units (series, town)
holds several answers of one person, so the respondent is the sampling unit: the score's
variance is the linearised variance of the ratio with respondents as clusters and their groups
(per cycle) as strata, each row a domain of the whole design, no finite-population correction —
what R ``survey::svymean`` gives under ``svydesign(ids = ~respondent, strata = ~group)`` — and
the t interval uses the row's respondents minus strata as degrees of freedom (``degf`` of the
design subset to the row).  The satisfied rate's interval is the chosen proportion interval on
the Korn & Graubard (1998) effective sample size ``n* = p(1−p)/v · (t_{n−1}/t_{df})²`` (``n``
valid answers), capped at ``n_valid``; with ``method="clopper-pearson"`` this is
``svyciprop(method = "beta")``.  ``tests/reference/survey_cluster.py`` holds the R values.
Rows of one unit keep the intervals above when each respondent gives the unit at most one form
(then the unit's answers are one per respondent).  A unit to which some respondent gave several
forms has every row of its own — cells, pooled rows, weighted scores and the composite —
computed with its respondents as the sample (respondents as clusters; for the composite, the
groups as strata; :mod:`evalstats.stats.score.clustered`); with one form per respondent these
are the formulas above, so every other unit keeps its numbers exactly.  Without shared
respondents nothing changes.

*Groups of one.*  A unit often has a single 人大代表 form: a cell with one valid answer has no
variance of its own.  For weighted scores and composites it borrows the pooled within-unit
variance of the same group × dimension over the cycle's units, ``Σ_u ss_u / Σ_u (n_u − 1)``
(the usual pooled variance, assuming a similar spread in every unit), with those
degrees of freedom; with ``patterns=`` such a group uses the perfect-correlation bound on the
borrowed variances.  Composites flag it ``pooled_variance:<group>``.  When no unit has two
answers for that group × dimension the interval is NaN (flag ``no_interval``).  The per-cell
rows of :func:`metrics` never borrow: a one-answer cell has no score interval there.

References
----------
.. [1] Cochran WG (1977). Sampling Techniques, 3rd ed. Wiley.
.. [2] Kish L (1965). Survey Sampling. Wiley. (design effect of cluster samples)
.. [3] Korn EL, Graubard BI (1998). Confidence intervals for proportions with small expected
       number of positive counts estimated from survey data. Survey Methodology 24:193-201.
.. [4] Satterthwaite FE (1946). An approximate distribution of estimates of variance
       components. Biometrics Bulletin 2(6):110-114.
.. [5] Wolter KM (2007). Introduction to Variance Estimation, 2nd ed. Springer.
"""

from __future__ import annotations

from evalstats.stats.score.composite import COMPOSITE_COLUMNS, composites
from evalstats.stats.score.grouping import GROUPING_KEYS, METRIC_COLUMNS, metrics
from evalstats.stats.score.table import ALL, SCORES_COLUMNS, scores_table
from evalstats.stats.score.weighting import weighted_scores
from evalstats.stats.score.year import composite_year

__all__ = [
    "ALL",
    "COMPOSITE_COLUMNS",
    "GROUPING_KEYS",
    "METRIC_COLUMNS",
    "SCORES_COLUMNS",
    "composite_year",
    "composites",
    "metrics",
    "scores_table",
    "weighted_scores",
]
