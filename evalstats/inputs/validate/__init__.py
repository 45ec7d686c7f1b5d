"""Validation of a cycle's inputs: every problem at once, then the tidy forms table.

:func:`validate_cycle` reads a cycle folder (``data/raw/<cycle>/``) or one responses file,
checks every table and returns a :class:`ValidatedCycle`: the forms table of
:mod:`evalstats.inputs.forms`, the voided forms, the units, forms issued, incidents, exclusions, the
forms typed twice, one row per input file, and a tidy table of problems.  Validation is lazy
(like pandera's ``lazy=True``): all problems are gathered, then, when any is an error,
:class:`~evalstats.core.errors.InputError` carries them all.

Each problem names the file as the user named it, the row the user sees in the spreadsheet,
the column header as written, the value and the reason, plus a short machine ``code``.

The package holds one module per concept: :mod:`~evalstats.inputs.validate.cycle` (the entry
points), :mod:`~evalstats.inputs.validate.responses` (the responses table),
:mod:`~evalstats.inputs.validate.tables` (units, exclusions, forms issued, incidents),
:mod:`~evalstats.inputs.validate.identifiers` (respondent identifiers),
:mod:`~evalstats.inputs.validate.columns` (column helpers),
:mod:`~evalstats.inputs.validate.problems` (gathering and printing problems),
:mod:`~evalstats.inputs.validate.reasons` (the problems' reasons in Chinese, by code) and
:mod:`~evalstats.inputs.validate.result` (:class:`ValidatedCycle`).

Every input row ends in exactly one place: the forms table, the voided forms, the duplicates
(a copy typed twice, counted once), or an error naming its row.

Respondent identifiers (the scheme's ``respondent_name`` and ``respondent_phone`` columns) are
replaced as soon as the responses are read, before any check sees them: with a pseudonym key
(:mod:`evalstats.inputs.pseudonym`) by keyed pseudonyms, gathered in a ``respondent`` column of the
forms (the phone number's pseudonym, else the name's); without a key they are dropped with one
``identifiers_dropped`` warning.  Their raw values reach no table, problem or message.

Examples
--------
>>> from evalstats.inputs.validate import check_cycle, validate_cycle
>>> v = validate_cycle("data/raw/2026H1")  # doctest: +SKIP
>>> v.summary()["forms_counted"]  # doctest: +SKIP
1469
>>> check_cycle("data/raw/2026H1")[["file", "row", "column", "reason"]]  # doctest: +SKIP
"""

from evalstats.inputs.validate.columns import OPTIONAL_COLUMNS, parse_dates
from evalstats.inputs.validate.cycle import check_cycle, validate_cycle
from evalstats.inputs.validate.problems import (
    SEVERITIES,
    ProblemCollector,
    format_problems,
    sort_problems,
)
from evalstats.inputs.validate.reasons import REASONS, reason_text, translate_problems
from evalstats.inputs.validate.responses import SCI_ID
from evalstats.inputs.validate.result import HasProblems, ValidatedCycle, format_summary
from evalstats.inputs.validate.tables import (
    INPUTS_INT_COLUMNS,
    OPTIONAL_INPUTS,
    inputs_row,
    returned_problems,
    validate_exclusions,
    validate_incidents,
    validate_issued,
    validate_units,
)
from evalstats.inputs.validate.values import (
    check_today,
    future_submissions,
    scored_answer_problems,
    unsafe_text_problems,
)

__all__ = [
    "INPUTS_INT_COLUMNS",
    "OPTIONAL_COLUMNS",
    "OPTIONAL_INPUTS",
    "REASONS",
    "SCI_ID",
    "SEVERITIES",
    "HasProblems",
    "ProblemCollector",
    "ValidatedCycle",
    "check_cycle",
    "check_today",
    "format_problems",
    "format_summary",
    "future_submissions",
    "inputs_row",
    "parse_dates",
    "reason_text",
    "returned_problems",
    "scored_answer_problems",
    "sort_problems",
    "translate_problems",
    "unsafe_text_problems",
    "validate_cycle",
    "validate_exclusions",
    "validate_incidents",
    "validate_issued",
    "validate_units",
]
