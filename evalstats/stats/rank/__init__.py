"""Grades, veto (一票否决), ranking within series, top 3 / 末位, and ranking uncertainty.

Four steps, each a function:

* :func:`grade_for` — grade bands of the scheme on unrounded composites;
* :func:`apply_veto` — which units are vetoed and why (incidents, composite under the threshold);
* :func:`rank_uncertainty` — ``p_last``, ``p_top3`` and a rank interval for every unit, from a
  bootstrap that resamples whole forms within unit × group;
* :func:`rank_units` — the ranking contract (``tables/ranking.csv``): ranks within series with
  ties, grades, veto, standing (``top3`` / ``last`` / ``last_not_distinguishable``).

One module per concept, every public name importable from this package:

* ``grades`` — :func:`grade_for`;
* ``veto`` — :func:`apply_veto`;
* ``cells`` — answer patterns as arrays and the composite of per-cell sums;
* ``resample`` — the bootstrap's draws of per-cell sums;
* ``replicates`` — replicates drawn chunk by chunk and ranked per series;
* ``uncertainty`` — :func:`rank_uncertainty`;
* ``ranking`` — :func:`rank_units`;
* ``checks`` — the argument checks they share.

Examples
--------
>>> from evalstats.stats.rank import grade_for
>>> grade_for(89.995), grade_for(90.0), grade_for(float("nan")) is None
('good', 'excellent', True)
"""

from __future__ import annotations

from evalstats.stats.moved import moved_to_present
from evalstats.stats.rank.grades import grade_for
from evalstats.stats.rank.ranking import RANKING_COLUMNS, STANDINGS, rank_units
from evalstats.stats.rank.resample import LARGE_CELL_THRESHOLD
from evalstats.stats.rank.uncertainty import UNCERTAINTY_COLUMNS, rank_uncertainty
from evalstats.stats.rank.veto import (
    INCIDENT_REASON,
    NOTE_SEPARATOR,
    THRESHOLD_REASON,
    VETO_COLUMNS,
    apply_veto,
)

__all__ = [
    "INCIDENT_REASON",
    "LARGE_CELL_THRESHOLD",
    "NOTE_SEPARATOR",
    "RANKING_COLUMNS",
    "STANDINGS",
    "THRESHOLD_REASON",
    "UNCERTAINTY_COLUMNS",
    "VETO_COLUMNS",
    "apply_veto",
    "grade_for",
    "rank_uncertainty",
    "rank_units",
]

# ====================================================================== moved names
# veto_sentence is presentation: evalstats.present.words (issue 12).
__getattr__ = moved_to_present(__name__, {"veto_sentence": "evalstats.present.words"})
