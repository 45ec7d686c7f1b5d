"""Text made inert before a spreadsheet or a page sees it (issue 8).

A comment typed into a form ends up in ``tables/*.csv``, the workbook and the HTML.
:func:`neutralize` makes text cells inert — a cell whose first non-blank character is
``= + - @`` (or their full-width forms ``＝ ＋ － ＠``), or that starts with a tab or a carriage
return, gets a leading ``'`` (the OWASP advice for CSV injection [1]_); control characters are
removed (:data:`CONTROL_CHARS`, shared by the workbook and the HTML page).

References
----------
.. [1] OWASP. CSV Injection. https://owasp.org/www-community/attacks/CSV_Injection

Examples
--------
>>> neutralize_text("=1+2"), neutralize_text("好")
("'=1+2", '好')
"""

from __future__ import annotations

import re

import pandas as pd

from evalstats.core.text import UNSAFE_CHARS

FORMULA_PREFIXES = "=+-@＝＋－＠"
"""First non-blank characters that make a spreadsheet read a cell as a formula."""
DANGEROUS_STARTS = "\t\r"
"""First characters that are neutralised whatever follows."""
QUOTE = "'"


# the characters a document must not carry: C0 controls but \t \n \r (tab and CR are turned
# into a space and \n before this), DEL, C1 controls, bidi controls, invisible / zero-width marks
# and U+FFFE / U+FFFF — one rule for every document (evalstats.core.text)
CONTROL_CHARS = UNSAFE_CHARS
_SURROGATES = re.compile("[\ud800-\udfff]")
# a character that :func:`_clean_strings` removes or replaces, anywhere in a cell
_CHANGED_CHARS = re.compile(CONTROL_CHARS + "|[\r\t\ud800-\udfff]")
# distinct cells screened in Python before the vectorised work (a few string operations per
# column cost more than the screen on the tables of a report, most of whose cells are plain)
_SCREEN_MAX = 20_000


def _may_change(sub: pd.Series) -> bool:
    """False only when :func:`_clean_strings` leaves every cell of ``sub`` (str) as it is.

    A cell can change only if it holds a character that is removed or replaced, or if its
    first character is not a letter or digit (a formula prefix, a tab, a blank before one);
    a letter or digit is neither whitespace nor a control, so it stays first.  Tested on
    the distinct cells; a column with more than ``_SCREEN_MAX`` cells is not screened.
    """
    if len(sub) > _SCREEN_MAX:
        return True
    for v in sub.unique():
        if v and (not v[0].isalnum() or _CHANGED_CHARS.search(v)):
            return True
    return False


def _clean_strings(sub: pd.Series) -> pd.Series:
    """Neutralised copy of a Series of str (no missing values)."""
    if sub.dtype == object:
        sub = sub.str.replace(_SURROGATES, "\ufffd", regex=True)
    t = sub.str.replace("\r\n", "\n", regex=False)
    t = t.str.replace("\r", "\n", regex=False).str.replace("\t", " ", regex=False)
    t = t.str.replace(CONTROL_CHARS, "", regex=True)
    starts = sub.str.slice(0, 1).isin(list(DANGEROUS_STARTS))
    first = t.str.lstrip().str.slice(0, 1).isin(list(FORMULA_PREFIXES))
    quote = (starts | first).to_numpy(dtype=bool)
    if quote.any():
        t = t.where(~quote, QUOTE + t)
    return t


def _neutralize_series(s: pd.Series) -> tuple[pd.Series, int]:
    """The series with its text cells neutralised, and how many cells changed."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return _neutralize_categorical(s)
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        return _neutralize_strings(s)
    if s.dtype != object:
        return s, 0
    return _neutralize_objects(s)


def _neutralize_categorical(s: pd.Series) -> tuple[pd.Series, int]:
    """A categorical: its text categories neutralised (renamed while they stay unique)."""
    cats = pd.Series(s.cat.categories)
    if pd.api.types.infer_dtype(cats, skipna=True) not in ("string", "mixed", "empty"):
        return s, 0
    new, n = _neutralize_series(cats.astype(object))
    if n == 0:
        return s, 0
    changed = new.to_numpy(dtype=object) != cats.to_numpy(dtype=object)
    count = int(s.isin(cats[changed].tolist()).sum())
    if new.is_unique:
        return s.cat.rename_categories(new.tolist()), count
    return _neutralize_series(s.astype(object))


def _neutralize_strings(s: pd.Series) -> tuple[pd.Series, int]:
    """A pandas string dtype (``str``, ``string``): its present cells neutralised."""
    present = s.notna()
    if not present.any():
        return s, 0
    sub = s[present]
    if not _may_change(sub):
        return s, 0
    new = _clean_strings(sub)
    changed = (new != sub).to_numpy(dtype=bool)
    if not changed.any():
        return s, 0
    out = s.copy()
    out[present] = new
    return out, int(changed.sum())


def _neutralize_objects(s: pd.Series) -> tuple[pd.Series, int]:
    """An object column: its str cells neutralised (a mixed column cell by type)."""
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind == "string":
        mask = s.notna().to_numpy()
    elif kind.startswith("mixed"):
        mask = s.map(lambda v: isinstance(v, str), na_action="ignore").fillna(False).to_numpy(bool)
    else:
        return s, 0
    if not mask.any():
        return s, 0
    sub = s[mask].astype(object)
    if not _may_change(sub):
        return s, 0
    new = _clean_strings(sub)
    changed = (new.to_numpy(dtype=object) != sub.to_numpy(dtype=object)).astype(bool)
    if not changed.any():
        return s, 0
    out = s.copy()
    out[mask] = new.to_numpy(dtype=object)
    return out, int(changed.sum())


def neutralize_text(value: str) -> str:
    """One text neutralised as :func:`neutralize` does a cell.

    Examples
    --------
    >>> neutralize_text("@SUM(A1)"), neutralize_text("\\tplain"), neutralize_text("a\\x07b")
    ("'@SUM(A1)", "' plain", 'ab')
    """
    if not isinstance(value, str):
        raise TypeError(f"value must be a str; got {type(value).__name__}")
    return _clean_strings(pd.Series([value], dtype=object)).iloc[0]


def neutralize(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Make every text cell of ``df`` inert for spreadsheets; count the cells changed.

    A text cell is changed when

    * it starts with a tab or a carriage return, or its first non-blank character is one of
      ``= + - @`` or their full-width forms ``＝ ＋ － ＠``: a ``'`` is put in front (OWASP's
      advice against CSV injection [1]_), so ``"=1+2"`` is written as ``"'=1+2"``;
    * it holds control characters: ``\\r\\n`` and ``\\r`` become ``\\n``, a tab becomes a
      space, and other C0/C1 controls, DEL, bidirectional override and isolate characters,
      U+FFFE/U+FFFF and unpaired surrogates are removed (``\\n`` is kept).

    Numbers are untouched (a negative number is a number, not a formula); a *text* cell
    ``"-1+2"`` is neutralised.  Long text is kept whole.  String column names are neutralised
    the same way (and counted).  Object, ``str`` and categorical columns are handled, mixed
    object columns cell by type; the work is vectorised.

    Parameters
    ----------
    df : DataFrame

    Returns
    -------
    (DataFrame, int)
        A neutralised copy and the number of cells (and column names) changed.

    References
    ----------
    .. [1] OWASP. CSV Injection. https://owasp.org/www-community/attacks/CSV_Injection

    Examples
    --------
    >>> import pandas as pd
    >>> out, n = neutralize(pd.DataFrame({"x": [-1.5], "t": ["-1+2"]}))
    >>> out["x"].tolist(), out["t"].tolist(), n
    ([-1.5], ["'-1+2"], 1)
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame; got {type(df).__name__}")
    out = df.copy()
    total = 0
    for pos in range(df.shape[1]):
        new, n = _neutralize_series(df.iloc[:, pos])
        if n:
            out.isetitem(pos, new)
            total += n
    names = pd.Series(list(df.columns), dtype=object)
    new_names, n = _neutralize_series(names)
    if n:
        out.columns = new_names.tolist()
        total += n
    return out, total


__all__ = [
    "CONTROL_CHARS",
    "DANGEROUS_STARTS",
    "FORMULA_PREFIXES",
    "QUOTE",
    "neutralize",
    "neutralize_text",
]
