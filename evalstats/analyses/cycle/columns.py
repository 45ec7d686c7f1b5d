"""The tables of a cycle's analysis by name, in report order, and their columns.

Every table builder of :mod:`evalstats.analyses.cycle` selects its columns from one list here,
and the tests hold each table to it; the columns are described in the package docstring
(:mod:`evalstats.analyses.cycle`).  Also the few codes the analyses share: ``ALL`` (a row pooled
over units, series, groups or dimensions), ``BLANK`` (a question left blank), the
multiplicity adjustment (``ADJUST``, ``ALPHA``) and the rules of a weak dimension
(``WEAK_RULES``).

Examples
--------
>>> from evalstats.analyses.cycle.columns import HALF_YEAR_TABLES
>>> HALF_YEAR_TABLES[:4]
('response', 'levels', 'scores', 'ranking')
"""

from __future__ import annotations

from evalstats.core.vocab import ANALYSIS_KINDS
from evalstats.stats.weak import WEAK_RULES as _WEAK_RULES

KINDS = ANALYSIS_KINDS
ALL = "all"
BLANK = "blank"
ADJUST = "holm"
ALPHA = 0.05
WEAK_RULES = _WEAK_RULES  # evalstats.stats.weak: the rule's reason codes
OUTPUT_FOLDERS = {"half_year": "half-year", "annual": "annual"}
ACTIONS = ("rectify", "feedback")
"""``action`` of a 整改清单 row: 须整改 (must be rectified) or 反馈参考 (feedback only)."""

HALF_YEAR_TABLES = (
    "response",
    "levels",
    "scores",
    "ranking",
    "weak_dimensions",
    "group_differences",
    "reliability",
    "quality",
    "scores_excl_flagged",
    "ranking_excl_flagged",
    "quality_changes",
    "rectification",
    "comments",
)
ANNUAL_TABLES = (
    "response",
    "levels",
    "scores",
    "ranking",
    "ranking_annual_cycle",
    "final_grades",
    "comparison",
    "rank_movement",
    "weak_units_followup",
    "one_cycle_units",
    "weak_dimensions",
    "group_differences",
    "reliability",
    "quality",
    "scores_excl_flagged",
    "ranking_excl_flagged",
    "quality_changes",
    "rectification",
    "comments",
)
RESPONSE_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "group",
    "issued",
    "returned",
    "valid",
    "voided",
    "rate",
]
LEVELS_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "dimension",
    "level",
    "count",
    "rate",
    "share_of_all_votes",
    "n_valid",
]
WEAK_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "dimension",
    "weighted_score",
    "weighted_score_ci_low",
    "weighted_score_ci_high",
    "series_median",
    "n_valid",
    "n_dissatisfied",
    "dissatisfied_rate",
    "dissatisfied_ci_low",
    "dissatisfied_ci_high",
    "series_median_dissatisfied_rate",
    "series_high_dissatisfied_rate",
    "share_of_all_votes",
    "n_all_votes",
    "weak_reason",
    "confidence_level",
]
GROUP_DIFF_COLUMNS = [
    "cycle",
    "series",
    "dimension",
    "test",
    "statistic",
    "df",
    "pvalue",
    "pvalue_adjusted",
    "significant",
    "method",
    "n",
    "effect_size",
    "effect_size_name",
    "labels",
    "note",
    "adjust_method",
    "alpha",
]
RELIABILITY_COLUMNS = [
    "cycle",
    "group",
    "alpha",
    "ci_low",
    "ci_high",
    "confidence_level",
    "n",
    "k",
    "ci_method",
    "note",
]
COMMENT_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "group",
    "form_id",
    "comment",
    "comment_kind",
    "dissatisfied_dimensions",
    "flagged",
]
RECTIFICATION_HEAD = ["cycle", "unit", "unit_name", "series", "rank", "standing", "grade"]
RECTIFICATION_TAIL = [
    "veto",
    "rectification_required",
    "required_because",
    "action",
    "item",
    "dimension",
    "weighted_score",
    "series_median",
    "n_valid",
    "n_dissatisfied",
    "dissatisfied_rate",
    "weak_reason",
    "group",
    "form_id",
    "comment",
    "comment_kind",
]
FINAL_GRADES_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "composite_h1",
    "composite_annual",
    "composite_year",
    "composite_year_ci_low",
    "composite_year_ci_high",
    "weight_half_year",
    "weight_annual",
    "rank",
    "rank_low",
    "rank_high",
    "p_last",
    "standing",
    "grade",
    "veto",
    "veto_reason",
    "veto_note",
    "flags",
]
FOLLOWUP_COLUMNS = [
    "unit",
    "unit_name",
    "series",
    "weak_because",
    "standing_h1",
    "grade_h1",
    "composite_h1",
    "composite_annual",
    "composite_diff",
    "composite_diff_ci_low",
    "composite_diff_ci_high",
    "statistic",
    "df",
    "pvalue",
    "pvalue_adjusted",
    "verdict",
    "weak_dimensions_h1",
    "weak_dimensions_annual",
    "weak_dimensions_improved",
    "standing_annual",
    "standing_year",
    "grade_year",
    "confidence_level",
    "adjust_method",
]
PUBLIC_HALF_YEAR_TABLES = (
    "response",
    "levels",
    "scores",
    "ranking",
    "weak_dimensions",
    "group_differences",
    "reliability",
    "quality",
    "rectification",
    "suppressed",
)
"""Tables of the public half-year report (``tier="public"``), in order."""
PUBLIC_ANNUAL_TABLES = (
    "response",
    "levels",
    "scores",
    "ranking",
    "ranking_annual_cycle",
    "final_grades",
    "comparison",
    "rank_movement",
    "weak_units_followup",
    "one_cycle_units",
    "weak_dimensions",
    "group_differences",
    "reliability",
    "quality",
    "rectification",
    "suppressed",
)
"""Tables of the public annual report (``tier="public"``), in order."""
INTERNAL_ONLY_TABLES = (
    "scores_excl_flagged",
    "ranking_excl_flagged",
    "quality_changes",
    "comments",
)
"""Tables the public tier does not publish (see :mod:`evalstats.stats.privacy`)."""
PUBLIC_QUALITY_COLUMNS = ["cycle", "check", "severity", "n_flags", "n_forms"]
ONE_CYCLE_COLUMNS = [
    "unit",
    "unit_name",
    "series",
    "cycle_present",
    "in_units_h1",
    "in_units_annual",
    "composite_h1",
    "composite_annual",
    "composite_year",
    "weight_half_year",
    "weight_annual",
    "flags",
]


__all__ = [
    "ACTIONS",
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
    "WEAK_COLUMNS",
    "WEAK_RULES",
]
