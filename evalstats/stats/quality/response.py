"""Response rates: forms returned (counted and voided) / forms issued, and their flags.

:func:`response_rates` is the full table (``RESPONSE_RATE_COLUMNS``);
:func:`response_rate_flags` flags the unit × group cells below the minimum (check
``response_rate``).

Examples
--------
>>> list(_empty_rates().columns) == RESPONSE_RATE_COLUMNS
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.counts.tally import check_forms
from evalstats.inputs.validate import ValidatedCycle
from evalstats.stats.quality.flags import flag_row
from evalstats.stats.quality.source import (
    QualityData,
    counted_cycle,
    counted_per_cell,
    unpack_source,
)
from evalstats.stats.quality.wording import group_text, unit_text

_STR = "str"
RESPONSE_RATE_COLUMNS = ["cycle", "unit", "group", "issued", "returned", "rate"]
ALL = "all"


def _empty_rates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cycle": pd.Series([], dtype=_STR),
            "unit": pd.Series([], dtype=_STR),
            "group": pd.Series([], dtype=_STR),
            "issued": pd.Series([], dtype="Int64"),
            "returned": pd.Series([], dtype="int64"),
            "rate": pd.Series([], dtype=float),
        }
    )


def _check_issued(forms_issued) -> None:
    if not isinstance(forms_issued, pd.DataFrame):
        raise TypeError(
            f"forms_issued must be a pandas DataFrame; got {type(forms_issued).__name__}"
        )
    missing = [c for c in ("unit", "group", "issued") if c not in forms_issued.columns]
    if missing:
        raise ValueError(
            f"forms_issued lacks column(s) {missing}; it needs ['unit', 'group', 'issued']"
        )


def forms_response_rates(d: QualityData, forms_issued, voided) -> pd.DataFrame:
    """The response-rate table of prepared forms of one cycle (:func:`response_rates`).

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.quality.source import prepare_forms
    >>> d = prepare_forms(empty_forms(), load_scheme(), None)
    >>> len(forms_response_rates(d, None, None))
    0
    """
    return _coded_rates(
        d.scheme, d.cycles, d.unit_cats, d.unit, d.group, forms_issued=forms_issued, voided=voided
    )


def _coded_rates(s: Scheme, cycles, unit_cats, unit, group, *, forms_issued, voided):
    """The response-rate table of forms given as codes: the sorted ``cycles`` they hold, and
    each form's ``unit`` (position in ``unit_cats``, text) and ``group`` (position in the
    scheme's groups); counted per unit × group with one ``np.bincount``."""
    if forms_issued is None:
        return _empty_rates()
    _check_issued(forms_issued)
    cycles = list(cycles)
    if len(cycles) > 1:
        raise ValueError(
            f"forms_issued belongs to one cycle, but forms hold several: {cycles}; "
            "check one cycle at a time"
        )
    cycle = cycles[0] if cycles else ""
    ng = len(s.group_codes)
    key = np.asarray(unit, np.int64) * ng + np.asarray(group, np.int64)
    per = np.bincount(key, minlength=len(unit_cats) * ng)
    cells = np.flatnonzero(per)
    counted = {(unit_cats[i // ng], s.group_codes[i % ng]): int(per[i]) for i in cells}
    return _rates_table(s, cycle, unit_cats, counted, forms_issued=forms_issued, voided=voided)


def _rates_table(s: Scheme, cycle, unit_cats, counted: dict, *, forms_issued, voided):
    """The response-rate table from forms counted per (unit, group) and the voided forms."""
    cols = {c: [] for c in RESPONSE_RATE_COLUMNS[:-1]}
    returned = dict(counted)
    if voided is not None and len(voided):
        extra = pd.DataFrame(
            {"unit": voided["unit"].astype(str), "group": voided["group"].astype(str)}
        )
        for key, n in extra.value_counts().to_dict().items():
            returned[key] = returned.get(key, 0) + n
    iss = forms_issued.assign(
        unit=forms_issued["unit"].astype(str), group=forms_issued["group"].astype(str)
    )
    issued = iss.groupby(["unit", "group"], sort=False)["issued"].sum().to_dict()
    unit_order = list(unit_cats) + sorted({u for u, _ in [*issued, *returned]} - set(unit_cats))
    keys = set(issued) | set(returned)
    for u in unit_order:
        for g in [*s.group_codes, *sorted({g for _, g in keys} - set(s.group_codes))]:
            if (u, g) not in keys:
                continue
            cols["cycle"].append(cycle)
            cols["unit"].append(u)
            cols["group"].append(g)
            cols["issued"].append(issued.get((u, g), pd.NA))
            cols["returned"].append(int(returned.get((u, g), 0)))
    # town rows per group, then the total (pooled over unit × groups with an issued count)
    base = pd.DataFrame(cols)
    known = base[base["issued"].notna()]
    for g in s.group_codes:
        part = known[known["group"] == g]
        if len(part):
            cols["cycle"].append(cycle)
            cols["unit"].append(ALL)
            cols["group"].append(g)
            cols["issued"].append(int(part["issued"].sum()))
            cols["returned"].append(int(part["returned"].sum()))
    if len(known):
        cols["cycle"].append(cycle)
        cols["unit"].append(ALL)
        cols["group"].append(ALL)
        cols["issued"].append(int(known["issued"].sum()))
        cols["returned"].append(int(known["returned"].sum()))
    out = pd.DataFrame(
        {
            "cycle": pd.array(cols["cycle"], dtype=_STR),
            "unit": pd.array(cols["unit"], dtype=_STR),
            "group": pd.array(cols["group"], dtype=_STR),
            "issued": pd.array(cols["issued"], dtype="Int64"),
            "returned": np.asarray(cols["returned"], dtype=np.int64),
        }
    )
    iss_f = out["issued"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate"] = np.where(iss_f > 0, out["returned"].to_numpy() / iss_f, np.nan)
    return out


def counted_response_rates(counted, scheme: Scheme, forms_issued, voided) -> pd.DataFrame:
    """The response-rate table of a cycle counted out of core (forms per cell from its pattern
    counts); the same table as :func:`forms_response_rates` gives for the forms.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> len(counted_response_rates(None, load_scheme(), None, None))
    0
    """
    if forms_issued is None:
        return _empty_rates()
    _check_issued(forms_issued)
    units = list(counted.patterns["unit"].cat.categories)
    ng = len(scheme.group_codes)
    per = counted_per_cell(counted, scheme, len(units))
    have = {(units[i // ng], scheme.group_codes[i % ng]): int(per[i]) for i in np.flatnonzero(per)}
    cycle = counted.cycle if len(have) else ""
    return _rates_table(scheme, cycle, units, have, forms_issued=forms_issued, voided=voided)


def response_rate_flags(d: QualityData, rates: pd.DataFrame, minimum: float) -> list[dict]:
    """Flags of check ``response_rate``: unit × group rows of ``rates`` below ``minimum``.

    Examples
    --------
    >>> from evalstats.core.scheme import load_scheme
    >>> from evalstats.inputs.forms import empty_forms
    >>> from evalstats.stats.quality.source import prepare_forms
    >>> d = prepare_forms(empty_forms(), load_scheme(), None)
    >>> response_rate_flags(d, forms_response_rates(d, None, None), 0.5)
    []
    """
    rows = []
    cells = rates[(rates["unit"] != ALL) & (rates["group"] != ALL)]
    for r in cells[cells["rate"] < minimum].itertuples(index=False):
        unit, group = r.unit, r.group
        g_en = group_text(d, group, "en") if group in d.scheme.group_codes else group
        g_zh = group_text(d, group, "zh") if group in d.scheme.group_codes else group
        rows.append(
            flag_row(
                d,
                r.cycle,
                "response_rate",
                unit=unit,
                group=group,
                n_forms=r.returned,
                value=r.rate,
                threshold=minimum,
                reference=int(r.issued),
                reason=f"Response rate for {unit_text(d, unit, 'en')} × {g_en}: {r.returned} of "
                f"{int(r.issued)} forms returned ({r.rate:.1%}), below {minimum:.0%}.",
                reason_zh=f"{unit_text(d, unit, 'zh')}（{g_zh}）发放 {int(r.issued)} 份，收回 "
                f"{r.returned} 份，回收率 {r.rate:.1%}，低于 {minimum:.0%}。",
            )
        )
    return rows


def response_rates(
    validated,
    *,
    forms_issued: pd.DataFrame | None = None,
    voided: pd.DataFrame | None = None,
    scheme: Scheme | None = None,
) -> pd.DataFrame:
    """Response rate per unit × group: forms returned (counted and voided) / forms issued.

    Parameters
    ----------
    validated : ValidatedCycle or DataFrame
        A validated cycle (its ``forms_issued`` and ``voided`` are used), or a forms table of
        one cycle (then pass ``forms_issued`` and, if any, ``voided``).
    forms_issued : DataFrame, optional
        ``unit, group, issued``; overrides the validated cycle's.
    voided : DataFrame, optional
        Voided forms (``unit, group``): returned, though not counted.
    scheme : Scheme, path or None

    Returns
    -------
    DataFrame
        ``cycle, unit, group, issued, returned, rate``: one row per unit × group with an issued
        count or a returned form (units in the forms' unit order, groups in scheme order); then
        per group for the whole cycle (``unit = "all"``) and the total (``unit = group =
        "all"``), both pooled over the unit × groups with an issued count.  ``issued`` is
        nullable (``<NA>``: no issued count, rate NaN); ``rate`` is an unrounded fraction, NaN
        when nothing was issued.  Empty when there is no forms-issued table.  A rate above 1
        (returned above issued) is a validation error and shows here as such.

    Examples
    --------
    >>> from evalstats.inputs.validate import validate_cycle
    >>> response_rates(validate_cycle("data/raw/2026H1")).iloc[-1]["unit"]  # doctest: +SKIP
    'all'
    """
    counted = counted_cycle(validated)
    if (
        counted is not None
        and counted.rows is None
        and isinstance(counted.validated, ValidatedCycle)
    ):
        validated, counted = counted.validated, None
    if counted is not None:
        v = counted.validated
        scheme = resolve_scheme(v.scheme if scheme is None else scheme)
        return counted_response_rates(
            counted,
            scheme,
            v.forms_issued if forms_issued is None else forms_issued,
            v.voided if voided is None else voided,
        )
    forms, scheme, forms_issued, _dup, voided, units = unpack_source(
        validated,
        scheme=scheme,
        forms_issued=forms_issued,
        duplicates=None,
        voided=voided,
        units=None,
    )
    # the unit and group codes only (the form ids, patterns and times of the quality checks'
    # prepare_forms are not needed for a count per unit × group)
    codes = check_forms(forms, scheme)
    units = [str(u) for u in codes.units]
    return _coded_rates(
        scheme,
        codes.cycles,
        units,
        codes.unit,
        codes.group,
        forms_issued=forms_issued,
        voided=voided,
    )


__all__ = [
    "ALL",
    "RESPONSE_RATE_COLUMNS",
    "counted_response_rates",
    "forms_response_rates",
    "response_rate_flags",
    "response_rates",
]
