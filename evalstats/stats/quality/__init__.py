"""Data quality: forms typed twice, near duplicates, straight-lining, bursts, 100 % satisfaction,
response rates — and the official figures beside the same figures without the flagged forms.

:func:`quality_flags` runs every check on a validated cycle and returns one tidy table, one row
per flag (``tables/quality.csv`` of a run).  :func:`flagged_form_ids` picks the forms a check
marks as suspicious; :func:`with_and_without` recomputes scores and ranking without them (the
official figures always use every valid form: nothing is dropped silently);
:func:`evalstats.present.words.describe_quality` turns the flags into sentences for the report;
:func:`response_rates` is the full response-rate table.

The checks
----------
Every answer pattern below is a form's answers to all the scheme's dimensions, a blank answer
being a value of its own.  A pattern is *straight* when every answer is the same **valid** level
(e.g. 满意 on every item); all-不了解 or blank forms are not straight.

``typed_twice`` (info)
    A form id typed more than once with the same answers (``ValidatedCycle.duplicates``).
    Validation already counts it once; the flag lists it.
``near_duplicate`` (warning)
    Two or more forms of the same cycle × unit × group with the same, *varied* pattern (at
    least two different levels among the answers) and either (a) the same comment of at least
    ``comment_min_chars`` characters (compared after NFKC, case folding and removing white
    space and punctuation), or (b) the same collector and submission times each within
    ``near_duplicate_window`` of the previous one (chained).  Straight patterns never make a
    near duplicate: identical all-满意 forms — with the same collector and minute, or the same
    stock comment such as “继续保持” — are common in honest data; mass-produced ones are the
    business of ``burst`` and ``straight_lining``.  One row per group of forms.
``straight_lining`` (info)
    Share of forms with a straight pattern per cycle × unit and per cycle × collector against
    the share in the whole cycle (all forms): one-sided exact binomial test, the p-values of a
    cycle's units and collectors adjusted together (Holm by default, through
    :func:`evalstats.stats.multitest.adjust_pvalues`); flagged when the adjusted p-value is at most
    ``straightline_alpha``.  Units and collectors with fewer than ``straightline_min_n`` forms
    are not tested.  A unit rated highly by everyone naturally has many straight forms, so the
    flag asks for a look at how the forms were collected; it marks no form as suspicious.
``burst`` (warning)
    At least ``burst_min`` forms with the same pattern from one collector whose submission
    times fit in a window of ``burst_window`` (``t_last − t_first <= burst_window``), across
    units; overlapping windows merge into one burst.  Then the same scan per cycle × unit
    regardless of collector, on the forms not already in a one-collector burst (so a burst is
    reported once).  Forms without ``submitted_at`` are not scanned.
``full_satisfaction`` (warning)
    A cycle × unit × group, and a cycle × unit, in which every valid answer is in the top box
    (``full_satisfaction_level="top_box"``, the default: every valid answer is
    ``scheme.rules.top_box_level``, 满意) or counts as satisfied (``"satisfied"``: 满意率 =
    100 %), with at least ``full_satisfaction_n`` valid answers in *every* dimension (default
    ``scheme.rules.low_confidence_n``, i.e. no dimension of the cell is low-confidence).  The
    top-box reading is the default because 满意率 = 100 % with 基本满意 counted satisfied is
    common in honest data (the demo town has several such cells), whereas every one of 30+
    respondents ticking 满意 on every item is not.
``response_rate`` (warning)
    Forms returned (counted and voided) / forms issued per cycle × unit × group below
    ``min_response_rate``.  Returned above issued is a validation error already and is not
    flagged again; :func:`response_rates` shows every rate.

``straight_respondent`` (info), ``duplicate_respondent`` (warning), ``blank_units`` (info)
    Only when the forms carry a ``respondent`` shared by several forms (the wide layout, or a
    long file's respondent column): a respondent giving one level to every cell of every unit
    rated; respondents with exactly the same varied answers on the same units; the share of
    the cycle's units each respondent left blank.  See
    :mod:`evalstats.stats.quality.respondents`; ``RESPONDENT_CHECKS`` names them, after
    ``CHECKS`` in the table's order.

The flags table
---------------
Columns ``QUALITY_COLUMNS``: ``cycle, check, severity, unit, group, collector, form_ids,
n_forms, value, threshold, reason, reason_zh, reference, pvalue, pvalue_adjusted``.  ``unit``,
``group`` and ``collector`` are ``""`` where the flag is not about one of them (e.g. a
collector's straight-lining, a burst across units).  ``form_ids`` joins the ids of the forms
concerned with ``";"`` in lexicographic order (``""`` for response rates).  ``n_forms`` is the
number of forms the measured ``value`` rests on:

================== ============================ =================================== ==========
check              value                        n_forms                             threshold
================== ============================ =================================== ==========
typed_twice        times typed                  1                                   NaN
near_duplicate     forms in the group           forms in the group                  2
straight_lining    share of straight forms      forms of the unit / collector       alpha
burst              most forms in one window     forms in the burst                  burst_min
full_satisfaction  top-box (or satisfied) rate  forms of the cell                   n minimum
response_rate      returned / issued            forms returned                      minimum
================== ============================ =================================== ==========

``reference`` is the cycle's straight share (straight-lining) or the forms issued (response
rate); ``pvalue`` and ``pvalue_adjusted`` belong to straight-lining.  Rows are ordered by cycle,
check (the order above), unit, group, collector and form ids.

References
----------
.. [1] Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated in
       the case of the binomial. Biometrika 26:404-413. (exact binomial tail probabilities)
.. [2] Holm S (1979). A simple sequentially rejective multiple test procedure. Scandinavian
       Journal of Statistics 6:65-70.

Examples
--------
>>> from evalstats.inputs.validate import validate_cycle
>>> v = validate_cycle("data/raw/2026H1")  # doctest: +SKIP
>>> flags = quality_flags(v)  # doctest: +SKIP
>>> flags.loc[flags["check"] == "burst", ["unit", "collector", "n_forms"]]  # doctest: +SKIP
                unit collector  n_forms
   transport_station        王某       15
"""

from __future__ import annotations

from evalstats.stats.moved import moved_to_present
from evalstats.stats.quality.checks import FULL_SATISFACTION_LEVELS as FULL_SATISFACTION_LEVELS
from evalstats.stats.quality.checks import quality_flags
from evalstats.stats.quality.comparison import (
    CHANGE_COLUMNS,
    QualityComparison,
    ranking_comparison,
    with_and_without,
)
from evalstats.stats.quality.flags import (
    CHECKS,
    QUALITY_COLUMNS,
    RESPONDENT_CHECKS,
    check_flags,
    flagged_form_ids,
)
from evalstats.stats.quality.flags import DEFAULT_EXCLUDE as DEFAULT_EXCLUDE
from evalstats.stats.quality.flags import SEVERITY as SEVERITY
from evalstats.stats.quality.response import ALL as ALL
from evalstats.stats.quality.response import RESPONSE_RATE_COLUMNS, response_rates
from evalstats.stats.quality.source import (
    counted_cycle,
    counted_pattern_codes,
    form_id_texts,
)

# ALL, DEFAULT_EXCLUDE, FULL_SATISFACTION_LEVELS and SEVERITY stay module attributes (callers
# read them), outside __all__ as before the split.
__all__ = [
    "CHANGE_COLUMNS",
    "CHECKS",
    "QUALITY_COLUMNS",
    "RESPONDENT_CHECKS",
    "RESPONSE_RATE_COLUMNS",
    "QualityComparison",
    "check_flags",
    "counted_cycle",
    "counted_pattern_codes",
    "flagged_form_ids",
    "form_id_texts",
    "quality_flags",
    "ranking_comparison",
    "response_rates",
    "with_and_without",
]

# describe_quality is presentation: evalstats.present.words (issue 12).
__getattr__ = moved_to_present(__name__, {"describe_quality": "evalstats.present.words"})
