"""The public publication tier: which cells a public report may show, and a checker that proves it.

Each unit has about five volunteer supervisors (社会义务监督员).  A unit's supervisor-only
result, or any cell resting on a handful of forms, can tell how one person voted.  The public
tier (``tier="public"`` of :func:`evalstats.analyses.cycle.half_year`, :func:`evalstats.analyses.cycle.
annual` and :func:`evalstats.analyses.profile.unit_profile`) applies the rules below; the internal tier
(the default) shows everything.  The scheme sets the threshold ``k =
scheme.rules.anonymity_min`` (5) and the protected groups ``scheme.rules.anonymity_groups``
(``["supervisor"]``); nothing here is hard-coded.

Cells
-----
A *cell* is a set of forms: a unit × respondent group, with ``"all"`` for a pooled key — ``(u,
s, all)`` every form of unit ``u`` (of series ``s``), ``(all, s, all)`` the series, ``(all,
all, g)`` group ``g`` over the town, ``(all, all, all)`` the town.  Its size ``n`` is its forms
(``n_forms``; every form answers every dimension, so the size is the same in each dimension).
Everything a table shows about a cell — level counts, rates, scores, intervals — is *resting on*
those ``n`` respondents.  Cells are decided once per cycle (:func:`protect`) and the decision
is applied to every table and every dimension, so that a cell withheld in one table is not shown
in another.

What a public report publishes (the design)
-------------------------------------------
1. **Per unit, only pooled over all respondent groups** (``(u, s, all)``); per group, only
   **town-wide** (``(all, all, g)``), where every group has many respondents.  No unit ×
   group and no series × group cell is published at all (reason ``group_not_published``), so
   there is no per-unit supervisor breakdown and nothing to subtract a group from.  The χ² tests
   between groups are published town-wide only, for the same reason.
2. **Primary suppression** (``below_threshold``): a cell with ``0 < n < k`` is withheld — its
   numbers become missing.  A unit whose forms all come from protected groups is withheld too
   (``group_not_published``): its pooled row would be a supervisor-only breakdown.
3. **Secondary (complementary) suppression** (``complementary``).  Counts are additive: the
   units of a series sum to the series, the series (and all units) to the town, the groups to
   the pooled cell.  For every such *margin* whose total is published, the withheld parts must
   number 0 or at least ``r + 1``, where ``r`` is the number of published linear relations over
   the margin (1 for counts; 2 where a pooled score and a group-weighted score of the same cell
   are both published, as in a unit profile's group breakdown — two equations would solve two
   withheld groups); if fewer, the smallest published part (fewest forms) is withheld too.  A
   withheld total whose parts are all published is protected by withholding its smallest part.
   This repeats to a fixed point; then an exact check solves the whole linear system of margins
   (:func:`determined`: a withheld cell is recoverable iff its unit vector lies in the row space
   of the margin equations restricted to the unknown cells, i.e. its row of the null space is
   zero) and, while a sensitive cell is still recoverable, withholds the smallest published cell
   of an equation that pins it down.  *Sensitive* cells: every withheld cell, and every unit ×
   group cell of a protected group or with ``n < k``.
4. **Group-weighted scores with few groups** (``few_groups``): a unit's dimension score is the
   group-weighted mean of its group scores (weights published in the scheme), its pooled score
   the forms-weighted mean; a unit rated by exactly two groups would have both group scores
   solved from these two equations, so its ``weighted_score`` (and interval) per dimension is
   withheld — for every dimension, so that the composite (the dimension-weighted sum) does not
   give a single one back.  Rank, standing and grade are decided as in the internal report.
5. **Internal-only content** (``internal_only``) is never published: comments (free text can
   identify people), the rectification list's comments, quality flags that name collectors or
   form ids (only counts per check are published), and the recomputation without the flagged
   forms (subtracting it from the official figures isolates the flagged forms).
6. **The ranking rests on whole units** and is published as in the internal report (rank,
   standing, 前三, 末位).  A composite is not additive over units or groups, so a unit withheld
   only as a complement keeps it; a unit withheld for its own sake (below the threshold, or
   protected groups only) has its score numbers withheld there (rank and grade stay).

Every withheld cell is listed in the ``suppressed`` table (:data:`SUPPRESSED_COLUMNS`) with its
reason (a code); :func:`evalstats.present.words.describe_suppression` says in plain words (zh,
en) what was withheld and why.

Checking a public report
------------------------
:func:`check_public` reads the published tables (or the CSV files of a report, figures' data
included) and lists violations: a published row resting on ``0 < n < k`` respondents
(``below_threshold``); a per-unit row of a protected group (``group_per_unit``); a cell shown in
one table and withheld in another (``published_elsewhere``); a withheld or unpublished cell
recoverable by subtraction over the additive margins of all the count tables together
(``recoverable``), including a unit's composite with exactly one withheld dimension score and a
pooled + weighted score with one or two groups not shown (``score_relation``); and text columns
that must not be published (``internal_only``).

Limits
------
:func:`check_public` covers linear recovery (subtraction) of counts and the score relations
above.  The attacker who also uses that counts are whole numbers and that each answer is worth
one of the level points is :mod:`evalstats.stats.privacy.audit` (issue 15: in the demo, the
public report and the public letter of 党政办 gave back the deputy's five answers): an exact
integer audit of each unit × dimension at the published precision
(:mod:`evalstats.stats.privacy.precision`: public scores to 2 decimals, rates to 3).  Its
decisions: a unit whose group-weighted scores would pin a withheld group has them withheld
(``complementary``, like rule 4; :mod:`evalstats.stats.privacy.pinned`, with its cache); a
public letter shows no group of a unit when they would;
the runner and the letters batch refuse to publish a public release the audit does not pass
(``evalstats audit-public`` runs it on demand).  A unit
rated by protected groups only is ranked like every unit, so its composite in the ranking is
withheld (rank and grade stay).

References
----------
.. [1] Hundepool A, Domingo-Ferrer J, Franconi L, et al. (2012). Statistical Disclosure
       Control. Wiley. Ch. 5 (threshold rule, secondary suppression, linear recoverability).
.. [2] Cox LH (1980). Suppression methodology and statistical disclosure control. JASA
       75(370):377-385.

Examples
--------
>>> import pandas as pd
>>> from evalstats.core.scheme import load_scheme
>>> cells = pd.DataFrame({"unit": ["all", "all", "all"], "series": "all",
...                       "group": ["all", "enterprise", "deputy"], "n_forms": [30, 26, 4]})
>>> protect(cells, scheme=load_scheme())[["group", "published", "reason"]].to_dict("list")
{'group': ['all', 'enterprise', 'deputy'], 'published': [True, False, False], 'reason': ['', 'complementary', 'below_threshold']}
"""  # noqa: E501

from __future__ import annotations

from evalstats.stats.moved import moved_to_present
from evalstats.stats.privacy.checker import ADDITIVE_COLUMNS as ADDITIVE_COLUMNS
from evalstats.stats.privacy.checker import INTERNAL_TEXT_COLUMNS as INTERNAL_TEXT_COLUMNS
from evalstats.stats.privacy.checker import (
    RULES,
    SUPPRESSION_TABLE,
    VIOLATION_COLUMNS,
    check_public,
)
from evalstats.stats.privacy.checker import STRUCTURAL_COLUMNS as STRUCTURAL_COLUMNS
from evalstats.stats.privacy.decision import few_group_units, protect, report_cells
from evalstats.stats.privacy.margins import determined, margins
from evalstats.stats.privacy.suppress import ALL as ALL
from evalstats.stats.privacy.suppress import ANY as ANY
from evalstats.stats.privacy.suppress import CELL_KEYS as CELL_KEYS
from evalstats.stats.privacy.suppress import (
    REASONS,
    SUPPRESSED_COLUMNS,
    check_threshold,
    log_frame,
    mask_rows,
    suppress_small_cells,
)

# ALL, ANY, CELL_KEYS and the column sets stay module attributes (callers read them), outside
# __all__ as before the split.
__all__ = [
    "REASONS",
    "RULES",
    "SUPPRESSED_COLUMNS",
    "SUPPRESSION_TABLE",
    "VIOLATION_COLUMNS",
    "check_public",
    "check_threshold",
    "determined",
    "few_group_units",
    "log_frame",
    "margins",
    "mask_rows",
    "protect",
    "report_cells",
    "suppress_small_cells",
]


# ====================================================================== moved names
# The wording of reasons and of the public edition is presentation: evalstats.present.words.
__getattr__ = moved_to_present(
    __name__,
    {
        "REASON_TEXT": "evalstats.present.words",
        "describe": "evalstats.present.words:describe_suppression",
    },
)
