"""Keyed pseudonyms for respondent identifiers (names, phone numbers).

Where a responses file carries the respondent's name or phone number (columns
``respondent_name`` and ``respondent_phone`` of the scheme), validation replaces them by
*keyed pseudonyms* before anything else sees them: ``R-`` followed by the first 16 hex digits
of HMAC-SHA256 (RFC 2104, FIPS 198-1) of the normalised identifier under a secret key.  The
same person typed differently (spaces, full-width digits, ``+86`` …) gets the same pseudonym;
without the key a pseudonym cannot be traced back to the person, nor recomputed from a guessed
name or phone number.  Raw identifiers never reach the forms table, the problems, interim
data, tables, figures or logs.

The key
-------
The key is a secret of at least :data:`MIN_KEY_BYTES` bytes, from (first match):

1. an explicit ``key=`` (text or bytes) or ``key_file=`` argument;
2. the environment variable ``EVALSTATS_PSEUDONYM_KEY`` (the key text);
3. the environment variable ``EVALSTATS_PSEUDONYM_KEY_FILE`` (a file holding the key).

Surrounding white space (a trailing newline) is not part of the key.  A key file saved as
text with a byte-order mark (UTF-16 from Windows PowerShell 5's ``>``, UTF-8 from Notepad) is
read as that text, so it gives the same key as the text itself.  A key file must live
outside the project (the project root, any git working tree) and outside the data folder
being read, so it is never committed, copied or published with the data.  Make one with::

    python -c "import secrets; print(secrets.token_hex(32))" > ~/.config/evalstats/pseudonym.key

These rules are those of every key of the package, read in one place
(:mod:`evalstats.core.keys`, :data:`KEY_RULES`).

Keep the key for as long as pseudonyms must stay comparable across cycles (a new key gives
every respondent a new pseudonym).  The manifest records only :attr:`PseudonymKey.key_id`, a
fingerprint that does not reveal the key.

Normalisation
-------------
Names: NFKC, all white space removed, case folded; a value that holds no letter or digit, or a
placeholder such as 无, 匿名 or "n/a" (:data:`NAME_PLACEHOLDERS`) is missing.  Phone numbers:
NFKC, digits only, and a leading ``+86`` / ``0086`` / ``86`` dropped before an 11-digit mobile
number (1xxxxxxxxxx); landlines are compared as typed digits (``010-1234 5678`` →
``01012345678``).  A value with no digit is missing.  Names and phones are hashed in separate
domains (``name`` / ``phone``), so a name never collides with a phone number.

Examples
--------
>>> from evalstats.inputs.pseudonym import PseudonymKey, pseudonymize
>>> key = PseudonymKey.from_secret("correct horse battery staple")
>>> p = pseudonymize(["138 0013 8000", "+86 13800138000", None], key, kind="phone")
>>> p[0] == p[1], p[0][:2], len(p[0]), p[2]
(True, 'R-', 18, None)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.errors import UsageError
from evalstats.core.keys import KeyRules, SecretKey, hmac_digests, load_secret_key
from evalstats.core.options import check_option
from evalstats.inputs.read.raw import arrow_bool

KEY_ENV = "EVALSTATS_PSEUDONYM_KEY"
KEY_FILE_ENV = "EVALSTATS_PSEUDONYM_KEY_FILE"
MIN_KEY_BYTES = 16
PREFIX = "R-"
HEX_DIGITS = 16
KINDS = ("name", "phone")
KIND_OF_COLUMN = {"respondent_name": "name", "respondent_phone": "phone"}
NAME_PLACEHOLDERS = frozenset(
    {"无", "匿名", "不详", "未填", "略", "保密", "none", "null", "nan", "n/a", "na", "anonymous"}
)
REDACTED = "<redacted>"
REPEATED_COLUMNS = ["cycle", "unit", "respondent", "n_forms", "form_ids", "source_rows"]

KEY_RULES = KeyRules(
    name="pseudonym key",
    env=KEY_ENV,
    file_env=KEY_FILE_ENV,
    min_bytes=MIN_KEY_BYTES,
    example="~/.config/evalstats/pseudonym.key",
)
"""The pseudonym key's rules (:mod:`evalstats.core.keys` reads every key by them)."""
HOW_TO_SET = KEY_RULES.how_to_set

DROPPED_REASON = (
    "respondent identifiers are dropped: no pseudonym key is set. To keep them as keyed "
    f"pseudonyms (column respondent), {HOW_TO_SET}"
)


# ---------------------------------------------------------------------------- the key
@dataclass(frozen=True, repr=False)
class PseudonymKey(SecretKey):
    """A validated pseudonym key: a :class:`evalstats.core.keys.SecretKey` (``secret``,
    ``source``, ``key_id``; printed as its fingerprint only) under :data:`KEY_RULES`."""

    RULES: ClassVar[KeyRules] = KEY_RULES


def load_key(
    key: PseudonymKey | str | bytes | None = None,
    *,
    key_file: str | os.PathLike | None = None,
    data_folders: Sequence = (),
) -> PseudonymKey | None:
    """The pseudonym key in effect, or None when none is configured.

    :func:`evalstats.core.keys.load_secret_key` under :data:`KEY_RULES`: ``key`` (text or
    bytes), ``key_file`` and ``data_folders`` (a key file inside one is refused) as there.

    Returns
    -------
    PseudonymKey or None
        None when no argument is given and neither ``EVALSTATS_PSEUDONYM_KEY`` nor
        ``EVALSTATS_PSEUDONYM_KEY_FILE`` is set.

    Raises
    ------
    UsageError
        Both environment variables are set; the key is empty or shorter than 16 bytes; the key
        file cannot be read, or lies inside the project, a git working tree or a data folder.
    ValueError
        Both ``key`` and ``key_file`` are given.

    Examples
    --------
    >>> load_key("a secret of at least sixteen bytes")
    PseudonymKey(key_id='83b895d4155d', source='the key argument')
    """
    return load_secret_key(PseudonymKey, key, key_file=key_file, data_folders=data_folders)


def _as_key(key) -> PseudonymKey:
    if isinstance(key, PseudonymKey):
        return key
    if key is None:
        raise TypeError("key must be str, bytes or a PseudonymKey; got None")
    return PseudonymKey.from_secret(key)


# ---------------------------------------------------------------------------- pseudonyms
def _arrow_text(values) -> tuple[np.ndarray, pa.Array]:
    """(factorize codes, unique values as an Arrow string array)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    texts = [u if isinstance(u, str) else str(u) for u in uniques]
    return codes, pa.array(texts, type=pa.string())


def _normalized_uniques(arr: pa.Array, kind: str) -> list[str | None]:
    arr = pc.utf8_normalize(arr, "NFKC")
    if kind == "phone":
        arr = pc.replace_substring_regex(arr, r"[^0-9]", "")
        arr = pc.replace_substring_regex(arr, r"^(?:00)?86(1[0-9]{10})$", r"\1")
        out = arr.to_pylist()
        return [v or None for v in out]
    arr = pc.utf8_lower(pc.replace_substring_regex(arr, r"\s+", ""))
    letters = arrow_bool(pc.match_substring_regex(arr, r"[\p{L}\p{N}]"))
    out = arr.to_pylist()
    return [
        v if ok and v and v not in NAME_PLACEHOLDERS else None
        for v, ok in zip(out, letters, strict=True)
    ]


def normalize_identifiers(values, *, kind: str = "name") -> np.ndarray:
    """Identifiers as they are hashed (see the module notes); None where missing.

    Examples
    --------
    >>> normalize_identifiers(["+86 138-0013-8000", "１３８００１３８０００", "无"], kind="phone")
    array(['13800138000', '13800138000', None], dtype=object)
    >>> normalize_identifiers([" 张　三 ", "Li Lei", "匿名"]).tolist()
    ['张三', 'lilei', None]
    """
    check_option("kind", kind, KINDS)
    codes, arr = _arrow_text(values)
    lut = np.array([*_normalized_uniques(arr, kind), None], dtype=object)
    return lut[codes]


def pseudonymize(values, key, *, kind: str = "name") -> np.ndarray:
    """Keyed pseudonyms ``R-`` + 16 hex digits of HMAC-SHA256; None where missing.

    Parameters
    ----------
    values : array-like of str or None
        Names (``kind="name"``) or phone numbers (``kind="phone"``) as typed.
    key : PseudonymKey, str or bytes
        The secret key (at least 16 bytes).
    kind : {"name", "phone"}
        Decides the normalisation and the hashing domain.

    Returns
    -------
    numpy.ndarray
        Object array of the same length.  Only the distinct values are hashed.

    Notes
    -----
    The pseudonym of a value *v* is ``"R-" + hex(HMAC-SHA256(key, kind + "\\x1f" +
    normalise(v)))[:16]``: 64 bits, so among a million distinct respondents the chance that two
    share a pseudonym is about 3e-8.

    Examples
    --------
    >>> key = "a secret of at least sixteen bytes"
    >>> p = pseudonymize(["13800138000", "+86 138 0013 8000", "", None], key, kind="phone")
    >>> p[0] == p[1], p[2], p[3]
    (True, None, None)
    """
    check_option("kind", kind, KINDS)
    k = _as_key(key)
    codes, arr = _arrow_text(values)
    norm = _normalized_uniques(arr, kind)
    prefix = f"{kind}\x1f"
    todo = [i for i, v in enumerate(norm) if v is not None]
    digests = hmac_digests(((prefix + norm[i]).encode("utf-8") for i in todo), k.secret)
    lut = np.full(len(norm) + 1, None, dtype=object)
    if todo:
        lut[todo] = [PREFIX + d[: HEX_DIGITS // 2].hex() for d in digests]
    return lut[codes]


def respondent_ids(key, *, name=None, phone=None) -> np.ndarray:
    """The ``respondent`` column: the phone number's pseudonym, else the name's.

    A phone number identifies a person better than a name (two people share a name; a name is
    typed in more ways), so it takes precedence; a form with only a name gets the name's
    pseudonym.  The same person giving a phone on one form and only a name on another gets two
    pseudonyms.

    Examples
    --------
    >>> key = "a secret of at least sixteen bytes"
    >>> r = respondent_ids(key, name=["张三", "张三", None], phone=[None, "13800138000", None])
    >>> r[0] == r[1], r[2]
    (False, None)
    """
    k = _as_key(key)
    out = None
    for kind, values in (("phone", phone), ("name", name)):
        if values is None:
            continue
        p = pseudonymize(values, k, kind=kind)
        out = p if out is None else np.where(pd.isna(out), p, out)
    if out is None:
        raise ValueError("give name, phone or both")
    return out


def dropped_problem(file: str, header_row, headers: Sequence[str]) -> dict:
    """The one ``identifiers_dropped`` warning of a responses file read without a key.

    ``headers`` are the identifier headers as written (never values).  Shared by
    :func:`evalstats.inputs.validate.validate_cycle` and the out-of-core scan so both report alike.

    Examples
    --------
    >>> dropped_problem("r.csv", 1, ["姓名"])["code"]
    'identifiers_dropped'
    """
    from evalstats.inputs.read import problem

    return problem(
        "warning",
        file,
        row=header_row,
        column=", ".join(headers),
        value=None,
        reason=DROPPED_REASON,
        code="identifiers_dropped",
    )


# ---------------------------------------------------------------------------- runner check
def _responses_candidates(path) -> list[Path]:
    from evalstats.core.config import resolve_path
    from evalstats.inputs.read import cycle_candidates

    p = resolve_path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        return cycle_candidates(p)["responses"]
    raise FileNotFoundError(f"no such file or folder: {path}")


def _present(path, scheme) -> list[tuple[Path, dict[str, str]]]:
    from evalstats.core.scheme import resolve_scheme
    from evalstats.inputs.read import read_header

    scheme = resolve_scheme(scheme)
    ids = set(scheme.identifier_columns)
    out = []
    for f in _responses_candidates(path):
        written = {h: c for h, c in read_header(f, table="responses", scheme=scheme).items()}
        found = {h: c for h, c in written.items() if c in ids}
        if found:
            out.append((f, found))
    return out


def identifiers_present(cycle_folder, *, scheme=None) -> list[str]:
    """Identifier columns (codes, scheme order) in a cycle's responses, from the header only.

    Reads only the top of the responses file with :func:`evalstats.inputs.read.read_header` (CSV:
    the
    first megabyte; Parquet: the schema; spreadsheet: the first rows of each sheet), so a
    runner can stop before reading the data.

    Parameters
    ----------
    cycle_folder : str or Path
        A cycle folder or one responses file (relative paths resolve from the project root).
    scheme : Scheme, str or Path, optional

    Returns
    -------
    list of str
        E.g. ``["respondent_phone", "respondent_name"]``; empty when there are none, or when
        there is no responses file or its header cannot be found (validation reports that).

    Examples
    --------
    >>> identifiers_present("data/raw/2026H1")  # doctest: +SKIP
    []
    """
    from evalstats.core.scheme import resolve_scheme

    scheme = resolve_scheme(scheme)
    found = {c for _, cols in _present(cycle_folder, scheme) for c in cols.values()}
    return [c for c in scheme.identifier_columns if c in found]


def require_key_for_identifiers(
    cycle_folder, *, scheme=None, key=None, key_file=None, data_folders: Sequence = ()
) -> PseudonymKey | None:
    """Stop a run whose responses carry identifiers when no pseudonym key is set.

    Parameters
    ----------
    cycle_folder : str or Path
        A cycle folder or one responses file.
    scheme, key, key_file
        As for :func:`identifiers_present` and :func:`load_key`.
    data_folders : sequence, optional
        Folders being read (a key file inside them is refused); the cycle folder is always one.

    Returns
    -------
    PseudonymKey or None
        The key (None when there are no identifiers and no key is configured).

    Raises
    ------
    UsageError
        Identifier columns and no key; or a bad key (see :func:`load_key`).

    Examples
    --------
    >>> require_key_for_identifiers("data/raw/2026H1")  # doctest: +SKIP
    """
    from evalstats.core.config import resolve_path

    folder = resolve_path(cycle_folder)
    folders = [folder if folder.is_dir() else folder.parent, *data_folders]
    present = _present(cycle_folder, scheme)
    if not present:
        if key is None and key_file is None:
            return None
        return load_key(key, key_file=key_file, data_folders=folders)
    k = load_key(key, key_file=key_file, data_folders=folders)
    if k is None:
        f, cols = present[0]
        heads = ", ".join(cols)
        raise UsageError(
            f"{f} has respondent identifier columns ({heads}) and no pseudonym key is set; "
            f"the data were not read. To replace them by pseudonyms, {HOW_TO_SET}; or remove these "
            "columns from the file."
        )
    return k


# ---------------------------------------------------------------------------- data quality
def repeated_respondents(forms: pd.DataFrame) -> pd.DataFrame:
    """Respondents who rated the same unit more than once in a cycle (a data-quality signal).

    Parameters
    ----------
    forms : pandas.DataFrame
        A forms table (:mod:`evalstats.inputs.forms`) with a ``respondent`` column (pseudonyms,
        present
        when the responses carried identifiers and a key was set); may hold several cycles.

    Returns
    -------
    pandas.DataFrame
        One row per cycle × unit × respondent with more than one form: ``cycle, unit,
        respondent, n_forms, form_ids`` (joined with ``", "`` in file order) and
        ``source_rows`` (likewise); most forms first, then cycle, unit, respondent.  Empty
        (with these columns) when there is no ``respondent`` column.

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms
    >>> list(repeated_respondents(empty_forms()).columns)
    ['cycle', 'unit', 'respondent', 'n_forms', 'form_ids', 'source_rows']
    """
    if not isinstance(forms, pd.DataFrame):
        raise TypeError(f"forms must be a DataFrame; got {type(forms).__name__}")
    empty = pd.DataFrame(
        {
            "cycle": pd.Series([], dtype=object),
            "unit": pd.Series([], dtype=object),
            "respondent": pd.Series([], dtype=object),
            "n_forms": pd.Series([], dtype="int64"),
            "form_ids": pd.Series([], dtype=object),
            "source_rows": pd.Series([], dtype=object),
        }
    )
    if "respondent" not in forms.columns or len(forms) == 0:
        return empty
    n = len(forms)
    cycle = (
        forms["cycle"].astype(object).to_numpy()
        if "cycle" in forms
        else np.full(n, "", dtype=object)
    )
    keys = pd.DataFrame(
        {
            "cycle": cycle,
            "unit": forms["unit"].astype(object).to_numpy(),
            "respondent": forms["respondent"].astype(object).to_numpy(),
        }
    )
    has = keys.notna().all(axis=1).to_numpy()
    dup = np.zeros(n, bool)
    dup[has] = keys[has].duplicated(keep=False).to_numpy()
    if not dup.any():
        return empty
    sub = keys[dup].copy()
    sub["form_id"] = forms["form_id"].astype(object).to_numpy()[dup]
    rows = forms["source_row"].to_numpy()[dup] if "source_row" in forms else np.zeros(dup.sum())
    sub["source_row"] = [str(int(r)) for r in rows]
    g = sub.groupby(["cycle", "unit", "respondent"], sort=True, dropna=False)
    out = g.agg(
        n_forms=("form_id", "size"),
        form_ids=("form_id", lambda s: ", ".join(map(str, s))),
        source_rows=("source_row", ", ".join),
    ).reset_index()
    out["n_forms"] = out["n_forms"].astype("int64")
    out = out.sort_values(
        ["n_forms", "cycle", "unit", "respondent"],
        ascending=[False, True, True, True],
        kind="stable",
    ).reset_index(drop=True)
    return out[REPEATED_COLUMNS]


__all__ = [
    "DROPPED_REASON",
    "HEX_DIGITS",
    "HOW_TO_SET",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "KEY_RULES",
    "KINDS",
    "KIND_OF_COLUMN",
    "MIN_KEY_BYTES",
    "NAME_PLACEHOLDERS",
    "PREFIX",
    "REDACTED",
    "REPEATED_COLUMNS",
    "PseudonymKey",
    "dropped_problem",
    "identifiers_present",
    "load_key",
    "normalize_identifiers",
    "pseudonymize",
    "repeated_respondents",
    "require_key_for_identifiers",
    "respondent_ids",
]
