"""The validated forms table: the contract between validation and everything downstream.

One row per counted form (forms typed twice are counted once; voided forms are not here):

=================  ==========================================================================
column             meaning / dtype
=================  ==========================================================================
``cycle``          cycle id, e.g. ``"2026H1"`` (Categorical of that one id from
                   ``validate_cycle``; str accepted)
``form_id``        form id as typed, normalised text (str); in the wide layout
                   ``<row id>/<unit code>``
``respondent``     only when the responses carry respondents: who filled the form (str,
                   object; None where unknown, the form then being its own respondent).
                   The wide layout's row id (:mod:`evalstats.inputs.read.wide`: one row
                   = one respondent rating many units), a long file's respondent-id column
                   (答卷人编号, 受访者编号, 答题人, ``respondent``), else the identifiers'
                   keyed pseudonym (:mod:`evalstats.inputs.pseudonym`); after ``form_id``
``unit``           unit code (Categorical; categories: the units file's codes, in its order)
``group``          respondent group code (Categorical; categories: ``scheme.group_codes``)
one per dimension  the answer's level code (ordered Categorical ``scheme.level_dtype``;
                   NaN = blank).  Columns named by ``scheme.dimension_codes``.
``comment``        comment text or <NA> (str / object)
``comment_kind``   only when the responses have the optional 意见类别 column: the kind staff
                   typed, a ``scheme.comment_kinds`` code or <NA> (object); after ``comment``
``submitted_at``   submission time or NaT (datetime64)
``collector``      collector or <NA> (str / object)
``source_file``    the form's file, as the user named it with ``/`` between its parts (str)
``source_row``     the row number the user sees in that file (int64)
=================  ==========================================================================

The *long view* (:func:`to_long`) has one row per form × dimension:
``cycle, form_id, unit, group, dimension, level`` (``dimension`` a Categorical of the
dimension codes, ``level`` the ordered level Categorical, NaN for blank).
"""

from __future__ import annotations

import pandas as pd

from evalstats.core.scheme import Scheme, resolve_scheme

BASE_COLUMNS = ("cycle", "form_id", "unit", "group")
META_COLUMNS = ("comment", "submitted_at", "collector", "source_file", "source_row")


def form_columns(scheme: Scheme) -> list[str]:
    """Column order of the validated forms table under ``scheme``."""
    return [*BASE_COLUMNS, *scheme.dimension_codes, *META_COLUMNS]


def empty_forms(scheme: Scheme | None = None, *, units=()) -> pd.DataFrame:
    """An empty forms table with the right columns and dtypes."""
    scheme = resolve_scheme(scheme)
    data = {
        "cycle": pd.Series([], dtype=object),
        "form_id": pd.Series([], dtype=object),
        "unit": pd.Categorical([], categories=list(units)),
        "group": pd.Categorical([], categories=list(scheme.group_codes)),
    }
    for d in scheme.dimension_codes:
        data[d] = pd.Categorical([], dtype=scheme.level_dtype)
    data["comment"] = pd.Series([], dtype=object)
    data["submitted_at"] = pd.Series([], dtype="datetime64[ns]")
    data["collector"] = pd.Series([], dtype=object)
    data["source_file"] = pd.Series([], dtype=object)
    data["source_row"] = pd.Series([], dtype="int64")
    return pd.DataFrame(data)


def to_long(forms: pd.DataFrame, scheme: Scheme | None = None) -> pd.DataFrame:
    """The long view: one row per form × dimension.

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms, to_long
    >>> list(to_long(empty_forms()).columns)
    ['cycle', 'form_id', 'unit', 'group', 'dimension', 'level']
    """
    scheme = resolve_scheme(scheme)
    dims = list(scheme.dimension_codes)
    parts = []
    for d in dims:
        part = forms[list(BASE_COLUMNS)].copy()
        part["dimension"] = d
        part["level"] = forms[d].astype(scheme.level_dtype)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else forms[list(BASE_COLUMNS)]
    n = len(forms)
    # order: form by form, dimensions in scheme order
    order = [i + n * j for i in range(n) for j in range(len(dims))]
    out = out.iloc[order].reset_index(drop=True)
    out["dimension"] = pd.Categorical(out["dimension"], categories=dims)
    return out


__all__ = [
    "BASE_COLUMNS",
    "META_COLUMNS",
    "empty_forms",
    "form_columns",
    "to_long",
]
