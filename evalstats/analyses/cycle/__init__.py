"""The two analyses of a cycle run — half-year and annual — as tidy tables and headline figures.

:func:`half_year` and :func:`annual` do every computation the reports need and return an
:class:`Analysis`: the validated inputs, the scored cycles, an ordered ``tables`` dict (English
column names, codes as values, nothing rounded) and the ``summary`` written to
``summary.json`` — numbers and codes only: the result imports nothing from ``present``.  The
notebooks (``notebooks/half_year.ipynb``, ``notebooks/annual.ipynb``) only call these
functions, word the result (:func:`evalstats.present.narrative.sections`), display the tables
(:mod:`evalstats.present.labels`), draw the figures (:mod:`evalstats.present.plot`) and write
``tables/<name>.csv`` and ``summary.json`` (:func:`evalstats.present.export.write_analysis`).

Tables of the half-year analysis
--------------------------------
``response``
    Forms per unit × respondent group: ``cycle, unit, unit_name, series, group, issued,
    returned, valid, voided, rate``.  ``returned`` = counted + voided forms (as
    :func:`evalstats.stats.quality.response_rates`), ``valid`` = counted forms (forms typed twice
    counted once), ``voided`` = forms the office voided, ``rate`` = returned / issued (NaN
    without an issued count).  Then per group over the cycle (``unit = "all"``) and the total
    (``unit = group = "all"``); there ``issued`` and ``rate`` pool the unit × groups with an
    issued count, ``returned``, ``valid`` and ``voided`` every form.
``levels``
    Level distribution: ``cycle, unit, unit_name, series, dimension, level, count, rate,
    share_of_all_votes, n_valid``; one row per level (the scheme's levels, then ``blank``) of
    every unit × dimension, unit over all dimensions (``dimension = "all"``), series
    (``unit = "all"``) and the town (``unit = series = "all"``).  ``rate`` = count / n_valid for
    valid levels (NaN for 不了解 and blanks, which are counted but not in the denominator);
    ``share_of_all_votes`` = count / all answers (valid, not valid and blank).
``scores``
    The scores contract (:func:`evalstats.stats.score.scores_table`).
``ranking``
    The ranking contract (:func:`evalstats.stats.rank.rank_units`), exactly
    ``evalstats.stats.pipeline.score_cycle(validated, ..., rng=seed).ranking``.
``weak_dimensions``
    One row per weak unit × dimension: ``cycle, unit, unit_name, series, dimension,
    weighted_score, weighted_score_ci_low, weighted_score_ci_high, series_median, n_valid,
    n_dissatisfied, dissatisfied_rate, dissatisfied_ci_low, dissatisfied_ci_high,
    series_median_dissatisfied_rate, series_high_dissatisfied_rate, share_of_all_votes,
    n_all_votes, weak_reason, confidence_level``.  The rule is the scheme's ``[rules.weak]``
    (:func:`evalstats.stats.weak.weak_reasons`; in words:
    :func:`evalstats.present.words.weak_rule_text`): a dimension is weak only when its
    weighted score is below the median of its series on that dimension — never at or above
    it — and

    * ``below_series_median``: the upper bound of its weighted score's interval is below
      that median — credibly below the typical unit of its series, not by chance; or
    * ``high_dissatisfied_rate``: it has at least ``min_dissatisfied`` 不满意 answers, its
      不满意率 reaches the ``dissatisfied_quantile`` of its series' rates
      (``series_high_dissatisfied_rate``) and the lower bound of the rate's interval
      (``dissatisfied_ci_low``, the scores' level and method) is above the series' median
      rate (``series_median_dissatisfied_rate``).

    ``weak_reason`` names the rule(s), joined by ``;``.  ``n_dissatisfied`` counts the answers
    in ``scheme.rules.dissatisfied_levels``; ``n_all_votes`` all answers (so that
    ``share_of_all_votes = n_dissatisfied / n_all_votes`` can be re-derived).
``group_differences``
    χ² homogeneity of the level distribution between respondent groups
    (:func:`evalstats.stats.compare.group_homogeneity`), per dimension for the whole town
    (``series = "all"``) and per series: ``cycle, series, dimension, test, statistic, df,
    pvalue, pvalue_adjusted, significant, method, n, effect_size, effect_size_name, labels,
    note, adjust_method, alpha``.  ``method`` says whether the p-value is asymptotic or
    Monte-Carlo (small expected counts); p-values are Holm-adjusted over the whole table
    (:func:`evalstats.stats.multitest.adjust_pvalues`); ``significant`` is ``pvalue_adjusted <=
    alpha``.
``reliability``
    Cronbach's alpha of the dimensions per respondent group and for all forms
    (``group = "all"``): ``cycle, group, alpha, ci_low, ci_high, confidence_level, n, k,
    ci_method, note`` (:func:`evalstats.stats.reliability.alpha_by`).
``quality``
    The data-quality flags (:func:`evalstats.stats.quality.quality_flags`).
``scores_excl_flagged``, ``ranking_excl_flagged``, ``quality_changes``
    The scores and ranking without the forms that bursts and near duplicates mark, and the
    units whose rank, standing or grade changes (:func:`without_flagged`, as
    :func:`evalstats.stats.quality.with_and_without`; the official tables use every valid form).
``rectification``
    The rectification list (整改清单), one row per unit × weak dimension and per comment about
    the unit that is not praise: ``cycle, unit, unit_name, series, rank, standing, grade,
    <score>, veto, rectification_required, required_because, action, item, dimension,
    weighted_score, series_median, n_valid, n_dissatisfied, dissatisfied_rate, weak_reason,
    group, form_id, comment, comment_kind`` (``<score>`` is ``composite``, or
    ``composite_year`` in the annual analysis).  ``rectification_required`` is True for a unit
    that stands ``last`` or ``last_not_distinguishable`` in its series, is vetoed, or whose
    grade is below ``scheme.rules.last_grade_cap`` (良好 by default); ``required_because``
    names the reasons (``last``, ``last_not_distinguishable``, ``veto``, ``grade:<code>``,
    joined by ``;``).  ``item`` is ``"weak_dimension"`` or ``"comment"`` (``""`` for a unit that
    must rectify but has neither).  ``action`` is ``rectify`` (须整改: every row of a unit that
    must rectify, and every weak dimension) or ``feedback`` (反馈参考: the other units'
    comments); praise (``comment_kind = "praise"``) is never listed.  Rows: units that
    must rectify first, then the other rows to rectify, then feedback; within each by series,
    rank and unit; a unit's weak dimensions before its comments.
``comments``
    Every comment: ``cycle, unit, unit_name, series, group, form_id, comment, comment_kind,
    dissatisfied_dimensions, flagged`` (``comment_kind``: ``criticism`` 批评, ``suggestion`` 建议,
    ``praise`` 表扬 or ``other`` 意见, by the scheme's ``[[comment_kinds]]`` keywords —
    :func:`evalstats.stats.comments.comment_kinds`; ``dissatisfied_dimensions``: the dimensions
    the form rated 不满意, joined by ``;``; ``flagged``: the form is one that bursts or near
    duplicates mark).

Tables added by the annual analysis
-----------------------------------
In the annual analysis every table above describes the year-end cycle, except:

``ranking``
    The ranking of the year, decided on ``composite_year``
    (:func:`evalstats.stats.pipeline.score_year`; period weights in ``weight_half_year`` and
    ``weight_annual``; an incident at any time of the year vetoes; the 末位's grade capped).
``ranking_annual_cycle``
    The year-end cycle's own ranking (as a half-year analysis of that cycle would give it).
``final_grades``
    The table for the assessment of staff: ``cycle, unit, unit_name, series, composite_h1,
    composite_annual, composite_year, composite_year_ci_low, composite_year_ci_high,
    weight_half_year, weight_annual, rank, rank_low, rank_high, p_last, standing, grade,
    veto, veto_reason, veto_note, flags`` — every unit of either cycle.  A vetoed unit has no
    rank (DOMAIN.md "Grades, ranking, veto"; :func:`evalstats.stats.rank.rank_units`): it is
    listed after the ranked units of its series, and top 3 and 末位 are decided without it.
``comparison``
    :func:`evalstats.stats.compare.compare_cycles` half-year → year-end per unit × dimension
    (Newcombe intervals for the satisfied rate, Welch intervals for the score, Holm-adjusted
    tests), with ``unit_name`` and ``series`` after ``unit``.
``rank_movement``
    :func:`evalstats.stats.compare.rank_movement` from the half-year ranking to the year-end
    cycle's own ranking (two evaluations, each on its own forms).
``weak_units_followup``
    Did the half-year's weak units improve?  One row per unit that had to rectify at the
    half-year (same rule as ``rectification_required``): ``unit, unit_name, series,
    weak_because, standing_h1, grade_h1, composite_h1, composite_annual, composite_diff,
    composite_diff_ci_low, composite_diff_ci_high, statistic, df, pvalue, pvalue_adjusted,
    verdict, weak_dimensions_h1, weak_dimensions_annual, weak_dimensions_improved,
    standing_annual, standing_year, grade_year, confidence_level, adjust_method``.  The change
    of the composite has the standard error ``sqrt(se_h1² + se_annual²)`` (independent
    samples; the composites' own standard errors) with Welch–Satterthwaite degrees of
    freedom, a t interval and a two-sided t test.  Each weak unit is a question asked in
    advance about that unit, so ``verdict`` reads the unit's own interval: ``improved`` /
    ``declined`` when it lies wholly above / below zero, ``no_clear_change`` when it covers
    zero, ``absent`` without a year-end composite.  ``pvalue_adjusted`` (Holm over the rows)
    is the figure to use for a claim about all the weak units at once.
    ``weak_dimensions_improved`` lists the half-year's weak dimensions whose score interval
    in ``comparison`` lies wholly above zero (same reading; ``comparison`` itself also gives
    the Holm-adjusted tests over every unit × dimension).
``one_cycle_units``
    Units with a composite in one cycle only (or none): ``unit, unit_name, series,
    cycle_present, in_units_h1, in_units_annual, composite_h1, composite_annual,
    composite_year, weight_half_year, weight_annual, flags``.  Their year result uses the one
    cycle they have (weight 1).

``summary.json``
----------------
``analysis``
    ``"half_year"`` or ``"annual"``.
``cycle``, ``half_year_cycle``
    The cycle analysed; the half-year cycle combined with it (annual only, else null).
``scheme``
    ``{"name", "version", "source", "sha256"}`` of the scheme file used.
``confidence_level``, ``ci_method``, ``n_resamples``, ``seed``
    The interval level and method, the bootstrap resamples and the seed (null: not
    reproducible).
``forms``
    ``{"issued", "returned", "valid", "voided", "typed_twice", "response_rate",
    "rows_read"}`` of the (year-end) cycle; ``issued`` and ``response_rate`` are null without a
    forms-issued table.
``units``
    ``{"listed", "with_forms"}``.
``town``
    ``{"n_valid", "satisfied_rate", "satisfied_ci_low", "satisfied_ci_high", "score",
    "score_ci_low", "score_ci_high"}``: all answers of the cycle pooled (rates as fractions).
    When forms share respondents the intervals are design-based (respondents as clusters,
    groups as strata; :mod:`evalstats.stats.design`).
``design``
    Only when the (year-end) cycle's forms share respondents (a respondent with forms for
    several units): ``{"kind": "respondents", "respondents", "forms", "df",
    "design_effect_satisfied_rate", "design_effect_score", "repeated_within_unit"}`` — the
    design effects of the town's figures (``repeated_within_unit``: a respondent gave one unit
    several forms, so that unit's rows are clustered on its respondents too;
    :func:`evalstats.stats.design.design_effects`).  The annual analysis adds
    ``"linked_respondents"`` when respondents of the half-year answered again (same respondent
    and group): the changes they took part in are estimated from one design of both cycles
    (:mod:`evalstats.stats.compare.clustered`); if the year-end forms share no respondent the
    part is then ``{"kind": "forms", "linked_respondents"}``.  Absent otherwise: every form is
    its own respondent.
``series``
    Per series code (scheme order): ``{"label_zh", "label_en", "units", "top3": [{"unit",
    "unit_name", "rank", "score"}], "last": [{"unit", "unit_name", "rank", "score",
    "standing", "p_last", "rank_low", "rank_high"}]}`` from ``ranking`` (``score`` is the
    deciding score: the composite, or ``composite_year`` for the annual analysis; ``last``
    lists the last-ranked unit(s), ``standing`` ``"last"`` or ``"last_not_distinguishable"``).
``vetoed``
    ``[{"unit", "unit_name", "series", "veto_reason", "veto_note"}]`` (``veto_note``: the
    incidents' 说明).  A vetoed unit is in no ``top3`` and no ``last`` list.
``grades``
    Units per grade code (from ``ranking``).
``quality``
    ``{"flags": {check: count}, "flagged_forms", "units_changed_without_flagged"}``.
``weak_dimensions``, ``rectification_required``, ``comments``
    Number of weak unit × dimensions; the units that must rectify (codes); number of comments.
``annual`` (annual only, else null)
    ``{"period_weights": {"half_year", "annual"}, "units_improved", "units_declined",
    "units_no_clear_change", "units_absent"`` (unit codes of ``weak_units_followup`` by
    verdict), ``"one_cycle_units"`` (codes), ``"significant_changes": {"rate_up",
    "rate_down", "score_up", "score_down"}`` (rows of ``comparison`` significant after
    adjustment) ``}``.
``tables``
    Rows per table written.
``tier``, ``suppressed``
    ``"internal"`` or ``"public"``; the cells withheld per reason code (public; else null).

Publication tier
----------------
``tier="internal"`` (the default) holds every table above.  ``tier="public"`` holds the tables of
``PUBLIC_HALF_YEAR_TABLES`` / ``PUBLIC_ANNUAL_TABLES``, made safe by :mod:`evalstats.stats.privacy`
(the rules and their reasons are there): ``scores``, ``levels`` and ``response`` show each unit
pooled over its respondent groups and each group town-wide only; cells resting on fewer than
``scheme.rules.anonymity_min`` forms are withheld (numbers missing), with complementary cells so
that none is recovered by subtraction; ``group_differences`` is the town-wide tests only (Holm
over those); ``quality`` is ``cycle, check, severity, n_flags, n_forms`` (counts per check — the
flags name collectors and forms); ``rectification`` lists weak dimensions only (no comments);
``comments``, ``scores_excl_flagged``, ``ranking_excl_flagged`` and ``quality_changes`` are not
published; ``suppressed`` (:data:`evalstats.stats.privacy.SUPPRESSED_COLUMNS`) lists what was
withheld
and why.  The ranking is the internal ranking (it rests on whole units; a unit whose own pooled
cell is withheld — fewer forms than the threshold, or protected groups only — keeps its rank,
standing and grade with its score numbers withheld), and the
summary is the internal one with ``tables`` counting the public tables.
:attr:`Analysis.counts` — what the level figures draw — is then the tally pooled over groups
(``group = "all"``) of the units shown.

Random numbers
--------------
With a ``seed``, the cycle's ranking bootstrap uses ``rng=seed`` (so ``ranking`` equals
``score_cycle(..., rng=seed).ranking``, and the half-year ranking inside the annual analysis
equals the half-year report's); the recomputation without the flagged forms uses the same
seed (the same random numbers: with nothing flagged it equals the official tables); the year
ranking and the Monte-Carlo χ² tests use ``numpy.random.default_rng([seed, k])`` with
``k = 1, 2``.  Same inputs and seed give identical tables.

Examples
--------
>>> from evalstats.analyses.cycle import half_year
>>> a = half_year("2026H1", n_resamples=500, seed=1)  # doctest: +SKIP
>>> a.tables["ranking"].query("standing == 'last'")["unit_name"].tolist()  # doctest: +SKIP
['综治办']
>>> from evalstats.present.export import write_analysis
>>> write_analysis(a, "reports/2026H1/half-year")  # doctest: +SKIP

Modules
-------
One small module per concept; this package re-exports their public names.

``columns``
    Table names in report order and their columns; the shared codes (``ALL``, ``BLANK``).
``parameters``
    A notebook's parameters (:func:`check_parameters`) and where a cycle's folder is.
``options``
    The options of an analysis checked once (:func:`resolve_options`), the backend, the random
    streams (:func:`stream_rng`).
``read``
    Reading the cycles with a backend; scoring a cycle as its own report would.
``frames``
    Small frame helpers the table builders share.
``tables``
    The tables of one cycle (response, levels, weak dimensions, group differences,
    reliability, comments).
``rectification``
    Who must rectify and why; the rectification list.
``flagged``
    The scores and ranking without the flagged forms.
``change``
    The change from one cycle to the next (:class:`CycleChange`) and the annual tables that read
    it.
``summary``
    ``summary.json``.
``public``
    The public tier.
``result``
    :class:`Analysis`.
``analyse_half_year``, ``analyse_annual``
    :func:`half_year` and :func:`annual`, each a list of named steps.
"""

from evalstats.analyses.cycle.analyse_annual import annual
from evalstats.analyses.cycle.analyse_half_year import half_year
from evalstats.analyses.cycle.change import (
    CycleChange,
    composite_change,
    cycle_change,
    one_cycle_units,
    weak_units_followup,
)
from evalstats.analyses.cycle.columns import (
    ADJUST,
    ALL,
    ALPHA,
    ANNUAL_TABLES,
    BLANK,
    COMMENT_COLUMNS,
    FINAL_GRADES_COLUMNS,
    FOLLOWUP_COLUMNS,
    GROUP_DIFF_COLUMNS,
    HALF_YEAR_TABLES,
    INTERNAL_ONLY_TABLES,
    KINDS,
    LEVELS_COLUMNS,
    ONE_CYCLE_COLUMNS,
    OUTPUT_FOLDERS,
    PUBLIC_ANNUAL_TABLES,
    PUBLIC_HALF_YEAR_TABLES,
    PUBLIC_QUALITY_COLUMNS,
    RECTIFICATION_HEAD,
    RECTIFICATION_TAIL,
    RELIABILITY_COLUMNS,
    RESPONSE_COLUMNS,
    WEAK_COLUMNS,
    WEAK_RULES,
)
from evalstats.analyses.cycle.flagged import without_flagged
from evalstats.analyses.cycle.options import STREAM_GROUPS, STREAM_YEAR, resolve_options, stream_rng
from evalstats.analyses.cycle.parameters import (
    Parameters,
    check_parameters,
    default_half_year_cycle,
)
from evalstats.analyses.cycle.rectification import rectification_needed, rectification_table
from evalstats.analyses.cycle.result import Analysis
from evalstats.analyses.cycle.tables import (
    comments_table,
    group_differences,
    levels_table,
    reliability_table,
    response_table,
    weak_dimensions,
)

__all__ = [
    "ADJUST",
    "ALL",
    "ALPHA",
    "ANNUAL_TABLES",
    "BLANK",
    "COMMENT_COLUMNS",
    "FINAL_GRADES_COLUMNS",
    "FOLLOWUP_COLUMNS",
    "GROUP_DIFF_COLUMNS",
    "HALF_YEAR_TABLES",
    "INTERNAL_ONLY_TABLES",
    "KINDS",
    "LEVELS_COLUMNS",
    "ONE_CYCLE_COLUMNS",
    "OUTPUT_FOLDERS",
    "PUBLIC_ANNUAL_TABLES",
    "PUBLIC_HALF_YEAR_TABLES",
    "PUBLIC_QUALITY_COLUMNS",
    "RECTIFICATION_HEAD",
    "RECTIFICATION_TAIL",
    "RELIABILITY_COLUMNS",
    "RESPONSE_COLUMNS",
    "STREAM_GROUPS",
    "STREAM_YEAR",
    "WEAK_COLUMNS",
    "WEAK_RULES",
    "Analysis",
    "CycleChange",
    "Parameters",
    "annual",
    "check_parameters",
    "comments_table",
    "composite_change",
    "cycle_change",
    "default_half_year_cycle",
    "group_differences",
    "half_year",
    "levels_table",
    "one_cycle_units",
    "rectification_needed",
    "rectification_table",
    "reliability_table",
    "resolve_options",
    "response_table",
    "stream_rng",
    "weak_dimensions",
    "weak_units_followup",
    "without_flagged",
]
