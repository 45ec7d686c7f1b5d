"""Respondent identifiers: blanked as soon as the responses are read, pseudonymised with a key.

:func:`protect_identifiers` empties the scheme's identifier columns (``respondent_name``,
``respondent_phone``) of a raw responses table before any check sees them and, with a pseudonym
key, computes the ``respondent`` column; :func:`redact` masks any problem value that would
still show one.

Examples
--------
>>> from evalstats.inputs.validate.identifiers import Identifiers, redact
>>> Identifiers().codes
()
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme
from evalstats.inputs import pseudonym as _pseudonym
from evalstats.inputs.read import RawTable
from evalstats.inputs.validate.problems import ProblemCollector


@dataclass(frozen=True)
class Identifiers:
    """What became of the responses' identifier columns (no raw value is held here)."""

    codes: tuple[str, ...] = ()
    file: str | None = None
    headers: tuple[str, ...] = ()  # as written
    key_id: str | None = None
    respondent: np.ndarray | None = dataclasses.field(default=None, repr=False)


def protect_identifiers(
    raw: RawTable, scheme: Scheme, col: ProblemCollector, *, key, key_file, folder
):
    """Blank the identifier columns of ``raw``; with a key, compute the ``respondent`` column.

    Returns the new RawTable and an :class:`Identifiers`.  The raw values live on only in the
    RawTable given, which the caller drops.  With a key, the respondent is the phone number's
    pseudonym, else (phone blank) the name's: names are hashed only where the phone is blank.
    """
    ids = set(scheme.identifier_columns)
    labels = [lab for lab, c in raw.columns.items() if c in ids]
    if not labels:
        if key is not None or key_file is not None:
            _pseudonym.load_key(key, key_file=key_file, data_folders=[folder])
        return raw, Identifiers()
    k = _pseudonym.load_key(key, key_file=key_file, data_folders=[folder])
    found = {raw.columns[x] for x in labels}
    codes = tuple(c for c in scheme.identifier_columns if c in found)
    headers = tuple(raw.written[x] for x in labels)
    respondent = None
    if k is not None:
        n = raw.n_rows
        respondent = np.full(n, None, dtype=object)
        todo = np.ones(n, bool)
        for code in codes:  # precedence: phone, then name; the first column of each code
            lab = raw.column_for(code)
            idx = np.flatnonzero(todo)
            values = raw.values_at(lab, idx)
            p = _pseudonym.pseudonymize(values, k, kind=_pseudonym.KIND_OF_COLUMN[code])
            respondent[idx] = p
            todo[idx] = pd.isna(p)
    protected = raw.blanked(labels)
    if k is None:
        col.add(**_pseudonym.dropped_problem(raw.file, raw.header_row, headers))
        return protected, Identifiers(codes, raw.file, headers)
    return protected, Identifiers(codes, raw.file, headers, k.key_id, respondent)


def redact(problems: pd.DataFrame, ident: Identifiers) -> pd.DataFrame:
    """Problem values in an identifier column become ``<redacted>`` (defence in depth)."""
    if not ident.codes or len(problems) == 0:
        return problems
    hit = (
        (problems["file"] == ident.file).to_numpy()
        & problems["column"].isin(ident.headers).to_numpy()
        & problems["value"].notna().to_numpy()
    )
    if hit.any():
        problems = problems.copy()
        problems.loc[hit, "value"] = _pseudonym.REDACTED
    return problems


__all__ = ["Identifiers", "protect_identifiers", "redact"]
