"""evalstats: survey analysis for government-conduct evaluations (政风行风测评 / 民主评议).

The flow runs one way: raw file → :mod:`~evalstats.io` (read) → :mod:`~evalstats.validate`
(the tidy forms table) → :func:`tally` (counts, the sufficient statistic) → scores, intervals,
ranks, comparisons → tables, figures and reports.

Note that ``evalstats.tally`` is the function; the module is ``importlib.import_module(
"evalstats.tally")``.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import EvalstatsError, InputError, RunError, SchemeError
from .intervals import ConfidenceInterval, proportion_ci
from .rank import apply_veto, grade_for, rank_uncertainty, rank_units, veto_sentence
from .scheme import Scheme, load_scheme
from .score import composite_year, composites, metrics, scores_table, weighted_scores
from .tally import add_tallies, pattern_counts, tally, tally_from_patterns

__all__ = [
    "ConfidenceInterval",
    "EvalstatsError",
    "InputError",
    "RunError",
    "Scheme",
    "SchemeError",
    "__version__",
    "add_tallies",
    "apply_veto",
    "composite_year",
    "composites",
    "grade_for",
    "load_scheme",
    "metrics",
    "pattern_counts",
    "proportion_ci",
    "rank_uncertainty",
    "rank_units",
    "scores_table",
    "tally",
    "tally_from_patterns",
    "veto_sentence",
    "weighted_scores",
]
