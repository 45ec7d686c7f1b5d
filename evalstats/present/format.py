"""Numbers as text: the one formatter of prose, tables, the workbook and the letters.

Rounding happens here and nowhere else (``STYLE.md``): statistics return unrounded numbers,
and every view — the report's sentences (:mod:`evalstats.present.narrative`), its displayed
tables (:func:`evalstats.present.labels.present`), the workbook's number formats
(:data:`EXCEL_NUMBER_FORMATS`, used by :mod:`evalstats.present.report`) and the sentences of
:mod:`evalstats.present.changes` and :mod:`evalstats.present.words` — formats them with the
functions below, so one number reads the same everywhere.

The rules
---------
* Fixed decimals, correctly rounded from the stored binary value (as ``printf``); a true minus
  sign ``−`` (U+2212), never a hyphen; no negative zero (``−0.00`` shows as ``0.00``).
* Scores to 2 decimals; rates and shares as percentages to 1 decimal (``93.4%``);
  probabilities (``P(末位)``) to 2 decimals.
* p-values, one rule (APA 7th ed., section 6.36): two decimals from 0.01 up (``0.02``,
  ``0.62``), three below 0.01 (``0.004``), and below 0.001 the bound.  In a table cell under
  a p-value header: ``0.02`` / ``0.004`` / ``<0.001``; in a sentence: ``p = 0.02`` /
  ``p < 0.001`` (:func:`pvalue` and :func:`p_text` — the same rule, with and without the
  ``p``).  The workbook's number format shows the cell form.
* Signed changes with ``+`` / ``−`` (``+1.25``; zero unsigned).
* Counts with thousands separators (``1,234``).
* Intervals as ``low–high`` (en dash) or ``low 至 high`` / ``low to high`` in sentences.
* A missing number (None, NaN, ``pd.NA``) as ``—`` (:data:`MISSING`); infinities as ``∞`` /
  ``−∞``.
* A quoted word in a sentence (:func:`quote`): “…” in Chinese, straight "…" in English (curly
  quotes print at CJK width in a CJK font).

Every function takes a scalar and returns a ``str``; :func:`fixed_array` and
:func:`pvalue_array` are the vectorised forms for whole columns (object arrays of ``str``).

Examples
--------
>>> score(-0.004), percent(0.93449), signed(1.254), probability(0.987), count(12345)
('0.00', '93.4%', '+1.25', '0.99', '12,345')
>>> pvalue(0.0004), p_text(0.0004), p_text(0.02), interval(80.5, 90, fmt=score)
('<0.001', 'p < 0.001', 'p = 0.02', '80.50–90.00')
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers

import numpy as np
import pandas as pd

from evalstats.core.cycles import parse_cycle
from evalstats.core.letter_settings import LetterSettings

__all__ = [
    "EXCEL_NUMBER_FORMATS",
    "MINUS",
    "MISSING",
    "P_BOUND",
    "P_THREE_DECIMALS",
    "confidence_text",
    "count",
    "count_words",
    "cycle_title",
    "date_text",
    "document_date",
    "fixed",
    "fixed_array",
    "interval",
    "is_missing",
    "issued_line",
    "number",
    "p_text",
    "percent",
    "probability",
    "pvalue",
    "pvalue_array",
    "quote",
    "rank_range",
    "score",
    "signed",
    "weight",
    "with_minus",
]

MINUS = "\u2212"
"""The true minus sign every negative number is shown with."""
MISSING = "—"
"""How a missing number is shown."""
P_BOUND = 0.001
"""p-values below this are shown as the bound (``<0.001`` / ``p < 0.001``)."""
P_THREE_DECIMALS = 0.01
"""p-values below this (and from :data:`P_BOUND` up) are shown to three decimals, the others
to two (APA 7th ed., section 6.36)."""
EXCEL_NUMBER_FORMATS = {
    "percent": "0.0%",
    "pvalue": '[<0.001]"<0.001";[<0.01]0.000;0.00',
    "integer": "#,##0",
    "decimal": "0.00",
    "datetime": "yyyy-mm-dd hh:mm",
}
"""Excel number format of each :func:`evalstats.present.labels.column_format` kind: the same
rules as the text functions (percent to 1 decimal, p-values to 3 or ``<0.001``)."""


def is_missing(x) -> bool:
    """True for None, NaN, ``pd.NA`` and ``pd.NaT``.

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(0)
    (True, True, False)
    """
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def with_minus(text: str) -> str:
    """``text`` with every hyphen-minus replaced by the true minus sign.

    Examples
    --------
    >>> with_minus("-1.50")
    '−1.50'
    """
    return str(text).replace("-", MINUS)


def _as_floats(values) -> np.ndarray:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return values.astype(np.float64, copy=False)
    s = pd.Series(np.asarray(values, dtype=object).ravel(), dtype=object)
    return pd.to_numeric(s, errors="coerce").astype("float64").to_numpy()


def fixed_array(values, decimals: int = 2, *, scale: float = 1.0, suffix: str = "") -> np.ndarray:
    """Numbers as text with ``decimals`` decimals: an object array of ``str``.

    Parameters
    ----------
    values : array-like of numbers
        Missing values (None, NaN, ``pd.NA``) show as ``—``; infinities as ``∞`` / ``−∞``.
    decimals : int
        Decimals shown.
    scale : float
        Multiplier applied first (100 for a percentage).
    suffix : str
        Appended to every finite number (``"%"``).

    Returns
    -------
    ndarray of object

    Examples
    --------
    >>> fixed_array([1.005, -0.001, None, -2.5], 2).tolist()
    ['1.00', '0.00', '—', '−2.50']
    >>> fixed_array([0.9345], 1, scale=100.0, suffix="%").tolist()
    ['93.5%']
    >>> fixed_array([1e308], 0, scale=100.0).tolist()
    ['∞']
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals must be a non-negative whole number; got {decimals!r}")
    with np.errstate(over="ignore", invalid="ignore"):  # a huge value scaled shows as ∞
        x = _as_floats(values) * scale
    out = np.full(x.shape, MISSING, dtype=object)
    ok = np.isfinite(x)
    if ok.any():
        text = np.char.mod(f"%.{decimals}f", x[ok])
        zero = "0" if decimals == 0 else "0." + "0" * decimals
        text = np.where(text == "-" + zero, zero, text)
        text = np.char.replace(text, "-", MINUS)
        out[ok] = np.char.add(text, suffix) if suffix else text
    out[np.isposinf(x)] = "∞"
    out[np.isneginf(x)] = MINUS + "∞"
    return out


def fixed(x, decimals: int = 2, *, scale: float = 1.0, suffix: str = "") -> str:
    """One number as text with ``decimals`` decimals (see :func:`fixed_array`).

    Examples
    --------
    >>> fixed(-3.14159, 3), fixed(None)
    ('−3.142', '—')
    """
    if is_missing(x):
        return MISSING
    if isinstance(x, (float, np.floating)) and not isinstance(decimals, bool):
        if isinstance(decimals, int) and decimals >= 0:  # a plain number: no array needed
            return _fixed_float(x, decimals, scale, suffix)
    return str(fixed_array([x], decimals, scale=scale, suffix=suffix)[0])


def _fixed_float(x, decimals: int, scale, suffix: str) -> str:
    """:func:`fixed` of one float, as :func:`fixed_array` gives it (same arithmetic in float64,
    same ``%`` formatting), without building arrays: a letter formats thousands of cells."""
    with np.errstate(over="ignore", invalid="ignore"):
        v = np.float64(x) * np.float64(scale)
    if not np.isfinite(v):
        return MISSING if np.isnan(v) else ("∞" if v > 0 else MINUS + "∞")
    text = f"%.{decimals}f" % v
    if text.startswith("-") and text.strip("-0.") == "":  # no negative zero
        text = text[1:]
    return text.replace("-", MINUS) + suffix


def score(x, decimals: int = 2) -> str:
    """A score (or any non-percentage number) to ``decimals`` decimals, default 2.

    Examples
    --------
    >>> score(85.4349), score(-0.001)
    ('85.43', '0.00')
    """
    return fixed(x, decimals)


def percent(x, decimals: int = 1) -> str:
    """A fraction as a percentage to ``decimals`` decimals, default 1.

    Examples
    --------
    >>> percent(0.1558), percent(-0.0004)
    ('15.6%', '0.0%')
    """
    return fixed(x, decimals, scale=100.0, suffix="%")


def signed(x, decimals: int = 2, *, scale: float = 1.0, suffix: str = "") -> str:
    """A change with its sign: ``+1.25``, ``−0.40``; zero (after rounding) unsigned.

    Examples
    --------
    >>> signed(15.046), signed(-0.4), signed(0.001), signed(0.041, 1, scale=100.0)
    ('+15.05', '−0.40', '0.00', '+4.1')
    """
    text = fixed(x, decimals, scale=scale, suffix=suffix)
    if text == MISSING or text.startswith(MINUS):
        return text
    return text if float(text.removesuffix(suffix).replace("∞", "inf")) == 0 else "+" + text


def probability(x) -> str:
    """A probability to two decimals (``P(末位) 0.99``).

    Examples
    --------
    >>> probability(0.6549), probability(None)
    ('0.65', '—')
    """
    return fixed(x, 2)


def pvalue_array(values) -> np.ndarray:
    """p-values as table cells: ``0.02``, ``0.004``, ``<0.001``, ``—`` (object array).

    Two decimals from 0.01 up, three from 0.001 to 0.01, below 0.001 the bound ``<0.001``,
    as the APA Publication Manual asks (7th ed., 2020, section 6.36: "report exact p values
    ... to two or three decimal places ... report p values less than .001 as p < .001").

    References
    ----------
    1. American Psychological Association (2020). *Publication Manual of the American
       Psychological Association*, 7th ed., section 6.36 (Statistics in Text).

    Examples
    --------
    >>> pvalue_array([0.02, 0.6204, 0.0042, 0.0004, None]).tolist()
    ['0.02', '0.62', '0.004', '<0.001', '—']
    """
    x = _as_floats(values)
    out = fixed_array(x, 2)
    three = np.isfinite(x) & (x < P_THREE_DECIMALS)
    out[three] = fixed_array(x[three], 3)
    out[np.isfinite(x) & (x < P_BOUND)] = f"<{P_BOUND:g}"
    return out


def pvalue(x) -> str:
    """A p-value as a table cell: ``0.02``, ``0.004``, ``<0.001`` or ``—`` (the rule of
    :func:`pvalue_array`: APA 7th ed., section 6.36).

    Examples
    --------
    >>> pvalue(0.6204), pvalue(0.0042), pvalue(0.00002)
    ('0.62', '0.004', '<0.001')
    """
    return MISSING if is_missing(x) else str(pvalue_array([x])[0])


def p_text(x) -> str:
    """A p-value in a sentence: ``p = 0.02``, ``p = 0.004``, ``p < 0.001`` or ``p = —``.

    The same rule as :func:`pvalue` (APA 7th ed., section 6.36), with the ``p``.

    Examples
    --------
    >>> p_text(0.62), p_text(0.0042), p_text(1e-5), p_text(None)
    ('p = 0.62', 'p = 0.004', 'p < 0.001', 'p = —')
    """
    cell = pvalue(x)
    return f"p < {cell[1:]}" if cell.startswith("<") else f"p = {cell}"


def quote(text, lang: str = "zh") -> str:
    """``text`` in quotation marks: “…” in Chinese, straight "…" in English (curly quotes
    print at CJK width in the report's CJK font).

    Examples
    --------
    >>> quote("末位不可区分"), quote("Satisfied", "en")
    ('“末位不可区分”', '"Satisfied"')
    """
    return f"“{text}”" if lang == "zh" else f'"{text}"'


def count(x) -> str:
    """A whole number with thousands separators: ``1,234`` (``−3`` with a true minus).

    Examples
    --------
    >>> count(12345.0), count(-3), count(None)
    ('12,345', '−3', '—')
    """
    if is_missing(x):
        return MISSING
    v = float(x)
    if math.isinf(v):
        return "∞" if v > 0 else MINUS + "∞"
    return with_minus(f"{int(v):,}")


def count_words(n, word: str, plural: str | None = None) -> str:
    """An English count with its noun: ``1 unit``, ``2 units``, ``2 were``.

    Examples
    --------
    >>> count_words(1, "unit"), count_words(1200, "form"), count_words(2, "was", "were")
    ('1 unit', '1,200 forms', '2 were')
    """
    if not isinstance(n, numbers.Number) and not isinstance(n, np.integer):
        raise TypeError(f"n must be a number; got {n!r}")
    k = int(n)
    return f"{count(k)} {word if k == 1 else (plural or word + 's')}"


def interval(low, high, *, fmt=score, sep: str = "–") -> str:
    """An interval ``low–high`` (``sep`` between), ``—`` when either end is missing.

    Parameters
    ----------
    low, high : number
    fmt : callable
        The formatter of each end (:func:`score`, :func:`percent`, :func:`count`, ...).
    sep : str
        ``"–"`` in tables; ``" 至 "`` / ``" to "`` in sentences.

    Examples
    --------
    >>> interval(1, 3, fmt=count), interval(0.81, 0.9, fmt=percent, sep=" to ")
    ('1–3', '81.0% to 90.0%')
    """
    if is_missing(low) or is_missing(high):
        return MISSING
    return f"{fmt(low)}{sep}{fmt(high)}"


def confidence_text(level) -> str:
    """A confidence level as a percentage: ``95%``, ``97.5%`` (no decimal when whole).

    Examples
    --------
    >>> confidence_text(0.95), confidence_text(0.975)
    ('95%', '97.5%')
    """
    if is_missing(level):
        return MISSING
    pct = float(level) * 100
    return f"{fixed(pct, 0)}%" if pct == round(pct) else f"{fixed(pct, 1)}%"


_CYCLE_TITLE = {
    "zh": {"A": "{year}年度", "H1": "{year}年上半年", "H2": "{year}年下半年"},
    "en": {
        "A": "the {year} annual evaluation",
        "H1": "the {year} half-year evaluation",
        "H2": "the {year} second half-year evaluation",
    },
}
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def cycle_title(cycle, lang: str = "zh") -> str:
    """A cycle as a title names it: ``"2026A"`` → ``2026年度``, ``"2026H1"`` → ``2026年上半年``
    (never a code, never ``2026年年度``); a free id is returned as it is.

    Examples
    --------
    >>> cycle_title("2026A"), cycle_title("2026H1"), cycle_title("2026H2", "en")
    ('2026年度', '2026年上半年', 'the 2026 second half-year evaluation')
    """
    parsed = parse_cycle(cycle)
    if parsed is None:
        return str(cycle)
    words = _CYCLE_TITLE["en" if lang == "en" else "zh"]
    return words[parsed.part].format(year=parsed.year)


def date_text(day, lang: str = "zh") -> str:
    """A date in words: ``2026年9月14日`` / ``14 September 2026`` (no leading zeros, no ISO
    form); ``—`` when missing.  Takes a ``date``, a ``datetime``/``Timestamp`` or ``YYYY-MM-DD``.

    Examples
    --------
    >>> date_text("2026-09-04"), date_text("2026-09-04", "en")
    ('2026年9月4日', '4 September 2026')
    """
    if is_missing(day) or day == "":
        return MISSING
    if isinstance(day, str):
        day = _dt.date.fromisoformat(day.strip()[:10])
    elif isinstance(day, _dt.datetime | pd.Timestamp):
        day = day.date()
    elif not isinstance(day, _dt.date):
        raise TypeError(f"day must be a date or YYYY-MM-DD; got {day!r}")
    if lang == "en":
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月{day.day}日"


def document_date(date=None, *, settings: LetterSettings | None = None) -> _dt.date:
    """The date of a letter, report or brief: ``date`` (a ``date`` or ``YYYY-MM-DD``), else
    the settings' ``date`` (the scheme's ``[letters] date``), else today — one rule for every
    document of a run, so they carry the same date.

    Examples
    --------
    >>> document_date(None, settings=LetterSettings(date="2027-01-05"))
    datetime.date(2027, 1, 5)
    >>> document_date("20261220")
    Traceback (most recent call last):
    ...
    ValueError: date must be a date YYYY-MM-DD; got '20261220'
    """
    if date is None or (isinstance(date, str) and not date.strip()):
        date = (settings or LetterSettings()).date or _dt.date.today()
    if isinstance(date, _dt.datetime):
        return date.date()
    if isinstance(date, _dt.date):
        return date
    if isinstance(date, str):
        try:
            if len(date.strip()) != 10:
                raise ValueError
            return _dt.date.fromisoformat(date.strip())
        except ValueError:
            raise ValueError(f"date must be a date YYYY-MM-DD; got {date!r}") from None
    raise TypeError(f"date must be a date or a YYYY-MM-DD string; got {date!r}")


def issued_line(office: str, date_words: str, lang: str = "zh") -> str:
    """The line under a document's title (report, brief, letter): the issuing office (omitted
    when empty) and the date in words (:func:`date_text`).

    Examples
    --------
    >>> issued_line("示范镇政风行风测评工作领导小组办公室", date_text("2026-12-20"))
    '示范镇政风行风测评工作领导小组办公室\u3000\u30002026年12月20日'
    >>> issued_line("", date_text("2026-12-20", "en"), "en")
    '20 December 2026'
    """
    sep = "\u3000\u3000" if lang == "zh" else ", "
    return sep.join(x for x in (str(office or "").strip(), date_words) if x)


def number(x) -> str:
    """A number of a rule as the scheme states it: no trailing zeros, at most 6 significant
    digits (``100``, ``62.5``, ``0.4``); a true minus sign; ``—`` when missing.

    For the values a user typed into a scheme (points, thresholds); measured values use
    :func:`score` and :func:`percent`.

    Examples
    --------
    >>> number(100.0), number(62.5), number(-5), number(0.4), number(None)
    ('100', '62.5', '−5', '0.4', '—')
    """
    if is_missing(x):
        return MISSING
    v = float(x)
    if math.isinf(v):
        return "∞" if v > 0 else MINUS + "∞"
    text = f"{v:.6g}"
    if "e" in text:  # 1e+06 and the like: write the digits out
        text = f"{v:.6f}".rstrip("0").rstrip(".")
    return with_minus("0" if text == "-0" else text)


def weight(x) -> str:
    """A weight (a fraction of 1) as the percentage the scheme means: ``40%``, ``12.5%``,
    ``7%`` — no decimals the scheme did not type (:func:`number` of ``x × 100``).

    Examples
    --------
    >>> weight(0.4), weight(0.125), weight(0.07), weight(None)
    ('40%', '12.5%', '7%', '—')
    """
    if is_missing(x):
        return MISSING
    return number(float(x) * 100) + "%"


def rank_range(low, high, lang: str = "zh", *, prose: bool = False) -> str:
    """A rank interval: ``第8名`` when it is one rank (never ``8–8``), else ``第6至8名``;
    in English ``8`` / ``6–8`` in a table, ``rank 8`` / ``ranks 6 to 8`` in a sentence
    (``prose=True``); ``—`` when either end is missing.

    Examples
    --------
    >>> rank_range(8, 8), rank_range(6.0, 8), rank_range(6, 8, "en")
    ('第8名', '第6至8名', '6–8')
    >>> rank_range(8, 8, "en"), rank_range(6, 8, "en", prose=True), rank_range(None, 3)
    ('8', 'ranks 6 to 8', '—')
    """
    if is_missing(low) or is_missing(high):
        return MISSING
    lo, hi = int(low), int(high)
    if lang == "en":
        if prose:
            return f"rank {lo}" if lo == hi else f"ranks {lo} to {hi}"
        return str(lo) if lo == hi else f"{lo}–{hi}"
    return f"第{lo}名" if lo == hi else f"第{lo}至{hi}名"
