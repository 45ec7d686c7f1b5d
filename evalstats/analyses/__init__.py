"""Analyses: one cycle's half-year or annual analysis, and one unit's profile — one result each.

The layer above the statistics (:mod:`evalstats.stats`) and below presentation
(:mod:`evalstats.present`): it validates, scores, ranks, checks and lists, and returns a result
object holding numbers and codes; every view (report, workbook, tables, letters) reads that one
result.
"""

from evalstats.analyses.cycle import (
    ANNUAL_TABLES,
    HALF_YEAR_TABLES,
    PUBLIC_ANNUAL_TABLES,
    PUBLIC_HALF_YEAR_TABLES,
    Analysis,
    Parameters,
    annual,
    check_parameters,
    default_half_year_cycle,
    half_year,
)

__all__ = [
    "ANNUAL_TABLES",
    "HALF_YEAR_TABLES",
    "PUBLIC_ANNUAL_TABLES",
    "PUBLIC_HALF_YEAR_TABLES",
    "Analysis",
    "Parameters",
    "annual",
    "check_parameters",
    "default_half_year_cycle",
    "half_year",
]
