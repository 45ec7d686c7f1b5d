"""Units' display names per language: the one place a unit code becomes the name a view shows.

The tables keep the office's own (Chinese) name in ``unit_name`` — ``tables/*.csv`` are written
that way.  The units file may give each unit an English name (the optional ``name_en`` column,
validated by :func:`evalstats.inputs.validate.validate_units`); the English edition shows it,
and the Chinese name where none was typed.  A code is shown only for a unit without any name.

* :func:`unit_names` — code → display name in a language, from a units table;
* :func:`with_unit_names` — a table's ``unit_name`` column in that language;
* :func:`in_language` — a view of a whole analysis whose every table, units table, summary and
  change names units in that language (what the English report, brief, figures and letters
  read; the computed numbers are shared, never recomputed).

Examples
--------
>>> import pandas as pd
>>> units = pd.DataFrame({"unit": ["finance_office", "land_office", "x"],
...                       "name": ["财政所", "国土所", None],
...                       "name_en": ["Finance Office", None, None]})
>>> unit_names(units, "en")
{'finance_office': 'Finance Office', 'land_office': '国土所', 'x': 'x'}
>>> unit_names(units, "zh")["finance_office"]
'财政所'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme
from evalstats.core.vocab import LANGS

__all__ = ["in_language", "unit_names", "with_unit_names"]

_MARK = "unit_names"  # the option an analysis view records its language under


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return " ".join(str(value).split())


def unit_names(units: pd.DataFrame | None, lang: str) -> dict[str, str]:
    """Unit code → the name a view in ``lang`` shows.

    Chinese: the unit's ``name``.  English: its ``name_en`` where the units file gives one,
    else its Chinese ``name``.  The code itself only where the unit has no name at all.

    Parameters
    ----------
    units : DataFrame or None
        A units table (``unit, name`` and optionally ``name_en``), as validated; None gives {}.
    lang : {"zh", "en"}

    Returns
    -------
    dict of str to str

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"unit": ["land_office"], "name": ["国土所"],
    ...                   "name_en": ["Land and Resources Office"]})
    >>> unit_names(u, "en"), unit_names(u, "zh")
    ({'land_office': 'Land and Resources Office'}, {'land_office': '国土所'})
    """
    lang = check_option("lang", lang, LANGS)
    if units is None or len(units) == 0 or "unit" not in units:
        return {}
    codes = [_text(c) for c in units["unit"].tolist()]
    zh = units["name"].tolist() if "name" in units else [None] * len(codes)
    en = units["name_en"].tolist() if lang == "en" and "name_en" in units else [None] * len(codes)
    return {
        code: _text(e) or _text(z) or code for code, z, e in zip(codes, zh, en, strict=True) if code
    }


def with_unit_names(table: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """``table`` with its ``unit_name`` column read from ``names`` (by ``unit``); rows of a
    unit ``names`` lacks keep theirs.  The table itself when there is nothing to rename.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"unit": ["land_office", "all"], "unit_name": ["国土所", ""]})
    >>> with_unit_names(t, {"land_office": "Land and Resources Office"})["unit_name"].tolist()
    ['Land and Resources Office', '']
    """
    if not names or not isinstance(table, pd.DataFrame) or "unit" not in table:
        return table
    column = "unit_name" if "unit_name" in table else None
    if column is None and {"name", "series"} <= set(table.columns):
        column = "name"  # a units table
    if column is None:
        return table
    codes = table["unit"].astype(object).map(lambda c: names.get(_text(c)))
    if not codes.notna().any():
        return table
    out = table.copy()
    out[column] = codes.where(codes.notna(), table[column]).astype(table[column].dtype)
    return out


def in_language(a, lang: str):
    """A view of an analysis (or of one unit's profile) that names units in ``lang``
    everywhere it names them.

    Every DataFrame of the result with ``unit`` and ``unit_name`` columns (tables, the
    unpublished tables, the scored and changed cycles, the quality comparison), the units
    tables and the summary's ``unit_name`` entries take :func:`unit_names` of the analysis'
    units.  Numbers and codes are the same objects; calling it again with the same language
    returns the view itself.  For a :class:`~evalstats.analyses.profile.UnitProfile` (the
    letters), the unit's own rows and ``unit_name`` take its ``unit_name_en``.

    Parameters
    ----------
    a : Analysis or UnitProfile
        The result of :func:`evalstats.analyses.half_year`, :func:`~evalstats.analyses.annual`
        or :func:`evalstats.analyses.profile.unit_profile`.
    lang : {"zh", "en"}

    Returns
    -------
    Analysis or UnitProfile
        ``a`` itself for ``"zh"``: its names are the office's own.

    Examples
    --------
    >>> from evalstats.analyses import half_year
    >>> a = half_year("2026H1", n_resamples=200, seed=1)  # doctest: +SKIP
    >>> in_language(a, "en").tables["ranking"]["unit_name"].iloc[0]  # doctest: +SKIP
    'Economic Development Office'
    """
    lang = check_option("lang", lang, LANGS)
    if lang == "zh" or not dataclasses.is_dataclass(a) or isinstance(a, type):
        return a
    if hasattr(a, "unit_name_en"):  # one unit's profile
        english = _text(a.unit_name_en)
        if not english or english == a.unit_name:
            return a
        return dataclasses.replace(_named(a, {str(a.unit): english}), unit_name=english)
    options = getattr(a, "options", None)
    if not isinstance(options, dict) or options.get(_MARK) == lang:
        return a
    units = [getattr(v, "units", None) for v in getattr(a, "validated", {}).values()]
    names: dict[str, str] = {}
    for u in units:  # the half-year's units first, the cycle analysed's names win
        names |= unit_names(u, lang)
    names |= unit_names(a.units, lang)
    zh: dict[str, str] = {}
    for u in units:
        zh |= unit_names(u, "zh")
    view = a if all(names.get(c) == zh.get(c) for c in names) else _named(a, names)
    return dataclasses.replace(view, options={**options, _MARK: lang})


def _named(value, names: Mapping[str, str]):
    """``value`` with every unit name in it read from ``names`` (frames, dicts, lists and the
    result's dataclasses; anything else as it is)."""
    if isinstance(value, pd.DataFrame):
        return with_unit_names(value, names)
    if isinstance(value, dict):
        out = {k: _named(v, names) for k, v in value.items()}
        code = _text(out.get("unit")) if "unit_name" in out else ""
        if code in names:
            out["unit_name"] = names[code]
        return out
    if type(value) in (list, tuple):
        return type(value)(_named(v, names) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type | Scheme):
        changed = {}
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            old = getattr(value, f.name)
            new = _named(old, names)
            if new is not old:
                changed[f.name] = new
        return dataclasses.replace(value, **changed) if changed else value
    return value
