"""Data quality: forms typed twice, near duplicates, straight-lining, bursts, 100 % satisfaction,
response rates — and the official figures beside the same figures without the flagged forms.

:func:`quality_flags` runs every check on a validated cycle and returns one tidy table, one row
per flag (``tables/quality.csv`` of a run).  :func:`flagged_form_ids` picks the forms a check
marks as suspicious; :func:`with_and_without` recomputes scores and ranking without them (the
official figures always use every valid form: nothing is dropped silently);
:func:`evalstats.present.words.describe_quality` turns the flags into sentences for the report;
:func:`response_rates` is the full response-rate table.

The checks
----------
Every answer pattern below is a form's answers to all the scheme's dimensions, a blank answer
being a value of its own.  A pattern is *straight* when every answer is the same **valid** level
(e.g. 满意 on every item); all-不了解 or blank forms are not straight.

``typed_twice`` (info)
    A form id typed more than once with the same answers (``ValidatedCycle.duplicates``).
    Validation already counts it once; the flag lists it.
``near_duplicate`` (warning)
    Two or more forms of the same cycle × unit × group with the same, *varied* pattern (at
    least two different levels among the answers) and either (a) the same comment of at least
    ``comment_min_chars`` characters (compared after NFKC, case folding and removing white
    space and punctuation), or (b) the same collector and submission times each within
    ``near_duplicate_window`` of the previous one (chained).  Straight patterns never make a
    near duplicate: identical all-满意 forms — with the same collector and minute, or the same
    stock comment such as “继续保持” — are common in honest data; mass-produced ones are the
    business of ``burst`` and ``straight_lining``.  One row per group of forms.
``straight_lining`` (info)
    Share of forms with a straight pattern per cycle × unit and per cycle × collector against
    the share in the whole cycle (all forms): one-sided exact binomial test, the p-values of a
    cycle's units and collectors adjusted together (Holm by default, through
    :func:`evalstats.stats.multitest.adjust_pvalues`); flagged when the adjusted p-value is at most
    ``straightline_alpha``.  Units and collectors with fewer than ``straightline_min_n`` forms
    are not tested.  A unit rated highly by everyone naturally has many straight forms, so the
    flag asks for a look at how the forms were collected; it marks no form as suspicious.
``burst`` (warning)
    At least ``burst_min`` forms with the same pattern from one collector whose submission
    times fit in a window of ``burst_window`` (``t_last − t_first <= burst_window``), across
    units; overlapping windows merge into one burst.  Then the same scan per cycle × unit
    regardless of collector, on the forms not already in a one-collector burst (so a burst is
    reported once).  Forms without ``submitted_at`` are not scanned.
``full_satisfaction`` (warning)
    A cycle × unit × group, and a cycle × unit, in which every valid answer is in the top box
    (``full_satisfaction_level="top_box"``, the default: every valid answer is
    ``scheme.rules.top_box_level``, 满意) or counts as satisfied (``"satisfied"``: 满意率 =
    100 %), with at least ``full_satisfaction_n`` valid answers in *every* dimension (default
    ``scheme.rules.low_confidence_n``, i.e. no dimension of the cell is low-confidence).  The
    top-box reading is the default because 满意率 = 100 % with 基本满意 counted satisfied is
    common in honest data (the demo town has several such cells), whereas every one of 30+
    respondents ticking 满意 on every item is not.
``response_rate`` (warning)
    Forms returned (counted and voided) / forms issued per cycle × unit × group below
    ``min_response_rate``.  Returned above issued is a validation error already and is not
    flagged again; :func:`response_rates` shows every rate.

The flags table
---------------
Columns ``QUALITY_COLUMNS``: ``cycle, check, severity, unit, group, collector, form_ids,
n_forms, value, threshold, reason, reason_zh, reference, pvalue, pvalue_adjusted``.  ``unit``,
``group`` and ``collector`` are ``""`` where the flag is not about one of them (e.g. a
collector's straight-lining, a burst across units).  ``form_ids`` joins the ids of the forms
concerned with ``";"`` in lexicographic order (``""`` for response rates).  ``n_forms`` is the
number of forms the measured ``value`` rests on:

================== ============================ =================================== ==========
check              value                        n_forms                             threshold
================== ============================ =================================== ==========
typed_twice        times typed                  1                                   NaN
near_duplicate     forms in the group           forms in the group                  2
straight_lining    share of straight forms      forms of the unit / collector       alpha
burst              most forms in one window     forms in the burst                  burst_min
full_satisfaction  top-box (or satisfied) rate  forms of the cell                   n minimum
response_rate      returned / issued            forms returned                      minimum
================== ============================ =================================== ==========

``reference`` is the cycle's straight share (straight-lining) or the forms issued (response
rate); ``pvalue`` and ``pvalue_adjusted`` belong to straight-lining.  Rows are ordered by cycle,
check (the order above), unit, group, collector and form ids.

References
----------
.. [1] Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated in
       the case of the binomial. Biometrika 26:404-413. (exact binomial tail probabilities)
.. [2] Holm S (1979). A simple sequentially rejective multiple test procedure. Scandinavian
       Journal of Statistics 6:65-70.

Examples
--------
>>> from evalstats.inputs.validate import validate_cycle
>>> v = validate_cycle("data/raw/2026H1")  # doctest: +SKIP
>>> flags = quality_flags(v)  # doctest: +SKIP
>>> flags.loc[flags["check"] == "burst", ["unit", "collector", "n_forms"]]  # doctest: +SKIP
                unit collector  n_forms
   transport_station        王某       15
"""

from __future__ import annotations

import datetime as _dt
import numbers
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import binom

from evalstats.core.options import check_n_resamples, check_option, check_rng
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.counts.tally import check_forms, pattern_counts, tally
from evalstats.inputs.validate import ValidatedCycle
from evalstats.stats.moved import moved_method, moved_to_present
from evalstats.stats.multitest import ADJUST_METHODS, adjust_pvalues
from evalstats.stats.rank import rank_units
from evalstats.stats.score import composites, scores_table
from evalstats.stats.units import check_units_table

CHECKS = (
    "typed_twice",
    "near_duplicate",
    "straight_lining",
    "burst",
    "full_satisfaction",
    "response_rate",
)
SEVERITY = {
    "typed_twice": "info",
    "near_duplicate": "warning",
    "straight_lining": "info",
    "burst": "warning",
    "full_satisfaction": "warning",
    "response_rate": "warning",
}
QUALITY_COLUMNS = [
    "cycle",
    "check",
    "severity",
    "unit",
    "group",
    "collector",
    "form_ids",
    "n_forms",
    "value",
    "threshold",
    "reason",
    "reason_zh",
    "reference",
    "pvalue",
    "pvalue_adjusted",
]
RESPONSE_RATE_COLUMNS = ["cycle", "unit", "group", "issued", "returned", "rate"]
CHANGE_COLUMNS = [
    "cycle",
    "unit",
    "unit_name",
    "series",
    "rank",
    "rank_excl_flagged",
    "standing",
    "standing_excl_flagged",
    "grade",
    "grade_excl_flagged",
    "composite",
    "composite_excl_flagged",
    "changed",
]
DEFAULT_EXCLUDE = ("burst", "near_duplicate")
FULL_SATISFACTION_LEVELS = ("top_box", "satisfied")
ALL = "all"
_STR = "str"


# ====================================================================== argument checks
def _check_int(name: str, value, minimum: int) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be a whole number; got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value!r}")
    return int(value)


def _check_duration(name: str, value) -> pd.Timedelta:
    example = "'30min'" if name == "burst_window" else "'1min'"
    if not isinstance(value, str | pd.Timedelta | _dt.timedelta | np.timedelta64):
        raise TypeError(f"{name} must be a duration such as {example}; got {value!r}")
    try:
        td = pd.Timedelta(value)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be a duration such as {example}; got {value!r}") from None
    if pd.isna(td) or td <= pd.Timedelta(0):
        raise ValueError(f"{name} must be a positive duration such as {example}; got {value!r}")
    return td


def _check_alpha(name: str, value) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number strictly between 0 and 1; got {value!r}")
    if not 0 < value < 1:
        raise ValueError(f"{name} must be strictly between 0 and 1; got {value!r}")
    return float(value)


def _check_rate(name: str, value) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number between 0 and 1; got {value!r}")
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must be between 0 and 1; got {value!r}")
    return float(value)


def _check_checks(checks) -> tuple[str, ...]:
    if isinstance(checks, str):
        checks = (checks,)
    if not isinstance(checks, Iterable):
        raise TypeError(f"checks must be a sequence of check names; got {checks!r}")
    out = tuple(checks)
    for c in out:
        check_option("checks", c, CHECKS)
    return out


def _text(value) -> str:
    """A cell as text; missing values become ''."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


# ====================================================================== prepared data
@dataclass(frozen=True)
class _Data:
    forms: pd.DataFrame  # reset index
    scheme: Scheme
    cycle: np.ndarray  # str per form
    cyc: np.ndarray  # cycle code per form (cycles sorted)
    cycles: list
    unit_cats: list
    unit: np.ndarray  # codes
    group: np.ndarray  # codes
    levels: np.ndarray  # [n, D] level codes, -1 blank
    pattern: np.ndarray  # int64 pattern id
    straight: np.ndarray  # bool
    form_id: np.ndarray  # str
    coll: np.ndarray  # collector code per form, -1 when missing
    collectors: list  # collector names, sorted
    time: np.ndarray | None  # datetime64[ns] (NaT missing); None without the column
    names: dict  # unit code -> Chinese name


def _combine(*codes: np.ndarray) -> np.ndarray:
    """One int64 key per row from non-negative integer codes (same order as the tuples)."""
    sizes = [int(c.max()) + 1 if len(c) else 1 for c in codes]
    if float(np.prod(np.array(sizes, dtype=float))) < 2**62:
        key = np.zeros(len(codes[0]), np.int64)
        for c, size in zip(codes, sizes, strict=True):
            key = key * size + c
        return key
    rows = np.stack(codes, axis=1)  # pragma: no cover - enormous code spaces only
    return np.unique(rows, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _source(validated, scheme, forms_issued, duplicates, voided, units):
    """Unpack a ValidatedCycle or a forms DataFrame."""
    if isinstance(validated, ValidatedCycle):
        v = validated
        scheme = resolve_scheme(v.scheme if scheme is None else scheme)
        return (
            v.forms,
            scheme,
            v.forms_issued if forms_issued is None else forms_issued,
            v.duplicates if duplicates is None else duplicates,
            v.voided if voided is None else voided,
            v.units if units is None else units,
        )
    if isinstance(validated, pd.DataFrame):
        return validated, resolve_scheme(scheme), forms_issued, duplicates, voided, units
    raise TypeError(
        f"validated must be a ValidatedCycle or a forms DataFrame; got {type(validated).__name__}"
    )


def _prepare(forms: pd.DataFrame, scheme: Scheme, units) -> _Data:
    _cyc, _cycles, unit_cats, unit, group, levels = check_forms(forms, scheme)
    if "form_id" not in forms.columns:
        raise ValueError("forms lacks column(s) ['form_id']")
    forms = forms.reset_index(drop=True)
    fid = forms["form_id"]
    if fid.isna().any():
        raise ValueError("forms['form_id'] has missing values")
    form_id = fid.astype(str).to_numpy(dtype=object)
    cycle = forms["cycle"].astype(str).to_numpy(dtype=object)
    cyc, cycles = pd.factorize(cycle, sort=True)
    fcode = pd.factorize(form_id)[0]
    dup = pd.Series(_combine(cyc, fcode)).duplicated(keep=False).to_numpy()
    if dup.any():
        bad = sorted(set(form_id[dup].tolist()))[:10]
        raise ValueError(f"forms repeats form id(s) within a cycle: {bad}")
    nl = len(scheme.level_codes)
    lv = np.stack(levels, axis=1).astype(np.int64)
    pattern = _combine(*(np.where(lv[:, j] < 0, nl, lv[:, j]) for j in range(lv.shape[1])))
    valid = np.array([v.valid for v in scheme.levels])
    first = lv[:, 0]
    straight = (lv == first[:, None]).all(axis=1) & (first >= 0) & valid[np.clip(first, 0, None)]
    if "collector" in forms.columns:
        raw = forms["collector"].to_numpy(dtype=object)
        coll, collectors = pd.factorize(raw, sort=True)
        collectors = [str(c) for c in collectors]
        empty = [i for i, c in enumerate(collectors) if not c.strip()]
        if empty:  # blank text counts as missing
            coll = np.where(np.isin(coll, empty), -1, coll)
    else:
        coll, collectors = np.full(len(forms), -1, np.int64), []
    time = None
    if "submitted_at" in forms.columns:
        time = pd.to_datetime(forms["submitted_at"]).to_numpy(dtype="datetime64[ns]")
    names = {}
    if units is not None:
        u = check_units_table(units)
        names = {c: n for c, n in zip(u["unit"], u["name"], strict=True) if n}
    return _Data(
        forms=forms,
        scheme=scheme,
        cycle=cycle,
        cyc=cyc.astype(np.int64),
        cycles=[str(c) for c in cycles],
        unit_cats=[str(c) for c in unit_cats],
        unit=unit.astype(np.int64),
        group=group.astype(np.int64),
        levels=lv,
        pattern=pattern,
        straight=straight,
        form_id=form_id,
        coll=coll.astype(np.int64),
        collectors=collectors,
        time=time,
        names=names,
    )


# ====================================================================== wording helpers
def _unit_text(d: _Data, code: str, lang: str) -> str:
    name = d.names.get(code)
    if lang == "zh":
        return name or code
    return f"{code} ({name})" if name else code


def _group_text(d: _Data, code: str, lang: str) -> str:
    return d.scheme.label("groups", code, lang)


def _pattern_text(d: _Data, row: np.ndarray, lang: str) -> str:
    s = d.scheme
    labels = [
        ("（空白）" if lang == "zh" else "(blank)") if c < 0 else s.levels[c].label(lang)
        for c in row.tolist()
    ]
    if len(set(labels)) == 1:
        if lang == "zh":
            return f"{len(labels)} 项均为“{labels[0]}”"
        return f"all {len(labels)} answers “{labels[0]}”"
    sep = "/"
    return f"答案依次为 {sep.join(labels)}" if lang == "zh" else f"answers {sep.join(labels)}"


def _duration_text(td: pd.Timedelta, lang: str) -> str:
    seconds = td.total_seconds()
    if seconds % 60 == 0:
        n = seconds / 60
        return f"{n:g} 分钟" if lang == "zh" else f"{n:g} min"
    return f"{seconds:g} 秒" if lang == "zh" else f"{seconds:g} s"


def _time_text(t) -> str:
    t = pd.Timestamp(t)
    return t.strftime("%Y-%m-%d %H:%M:%S" if t.second or t.microsecond else "%Y-%m-%d %H:%M")


def _ids_text(ids: list[str], limit: int = 10) -> str:
    shown = "、".join(ids[:limit])
    return shown + (f" 等 {len(ids)} 份" if len(ids) > limit else "")


def _ids_text_en(ids: list[str], limit: int = 10) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _row(
    d: _Data,
    cycle,
    check,
    *,
    unit="",
    group="",
    collector="",
    ids=(),
    n_forms,
    value,
    threshold=np.nan,
    reason,
    reason_zh,
    reference=np.nan,
    pvalue=np.nan,
    pvalue_adjusted=np.nan,
) -> dict:
    return {
        "cycle": cycle,
        "check": check,
        "severity": SEVERITY[check],
        "unit": unit,
        "group": group,
        "collector": collector,
        "form_ids": ";".join(sorted(ids)),
        "n_forms": int(n_forms),
        "value": float(value),
        "threshold": float(threshold),
        "reason": reason,
        "reason_zh": reason_zh,
        "reference": float(reference),
        "pvalue": float(pvalue),
        "pvalue_adjusted": float(pvalue_adjusted),
    }


def _members(labels: np.ndarray, min_size: int = 1) -> list[np.ndarray]:
    """Positions of each label value 0..L-1 (labels < 0 ignored) with at least ``min_size``."""
    if not len(labels):
        return []
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    top = int(sorted_labels[-1]) + 1
    if top <= 0:
        return []
    bounds = np.searchsorted(sorted_labels, np.arange(top + 1))
    return [
        order[bounds[g] : bounds[g + 1]]
        for g in range(top)
        if bounds[g + 1] - bounds[g] >= min_size
    ]


# ====================================================================== the checks
def _typed_twice(d: _Data, duplicates, voided) -> list[dict]:
    if duplicates is None or len(duplicates) == 0:
        return []
    if not isinstance(duplicates, pd.DataFrame):
        raise TypeError(f"duplicates must be a pandas DataFrame; got {type(duplicates).__name__}")
    if "form_id" not in duplicates.columns:
        raise ValueError(
            "duplicates lacks column(s) ['form_id']; pass ValidatedCycle.duplicates "
            "(form_id, source_file, source_row, first_row)"
        )
    where = {fid: i for i, fid in enumerate(d.form_id)}
    lookup = {}
    if voided is not None and len(voided) and "form_id" in voided.columns:
        for r in voided.itertuples(index=False):
            lookup.setdefault(str(r.form_id), r)
    cycles = sorted(set(d.cycle.tolist()))
    rows = []
    dup = duplicates.assign(form_id=duplicates["form_id"].astype(str))
    for fid, part in dup.groupby("form_id", sort=True):
        copies = len(part) + 1
        i = where.get(fid)
        if i is not None:
            f = d.forms.iloc[i]
            cycle, unit, group = d.cycle[i], str(f["unit"]), str(f["group"])
            collector = _text(f["collector"]) if "collector" in d.forms.columns else ""
        elif fid in lookup:
            f = lookup[fid]
            cycle = _text(getattr(f, "cycle", "")) or (cycles[0] if cycles else "")
            unit, group = _text(f.unit), _text(f.group)
            collector = _text(getattr(f, "collector", ""))
        else:
            cycle, unit, group, collector = (cycles[0] if cycles else ""), "", "", ""
        lines = []
        if "source_row" in part.columns:
            first = part["first_row"].tolist() if "first_row" in part.columns else []
            lines = sorted({int(x) for x in [*first, *part["source_row"].tolist()]})
        file = _text(part["source_file"].iloc[0]) if "source_file" in part.columns else ""
        where_en = where_zh = ""
        if lines:
            nums = ", ".join(str(x) for x in lines)
            where_en = f" (rows {nums}" + (f" of {file})" if file else ")")
            where_zh = f"（{file} 第 {'、'.join(str(x) for x in lines)} 行）"
        who_en = f" of {_unit_text(d, unit, 'en')} × {_group_text(d, group, 'en')}" if unit else ""
        who_zh = f"（{_unit_text(d, unit, 'zh')}，{_group_text(d, group, 'zh')}）" if unit else ""
        rows.append(
            _row(
                d,
                cycle,
                "typed_twice",
                unit=unit,
                group=group,
                collector=collector,
                ids=[fid],
                n_forms=1,
                value=copies,
                reason=f"Form {fid}{who_en} was typed {copies} times with the same answers"
                f"{where_en}; it is counted once.",
                reason_zh=f"问卷 {fid}{who_zh}以相同答案录入了 {copies} 次{where_zh}，只计一次。",
            )
        )
    return rows


def _normalise_comment(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in t if not ch.isspace() and not unicodedata.category(ch)[0] == "P")


def _chain_groups(key: np.ndarray, t: np.ndarray, gap: int) -> np.ndarray:
    """Group label per position of rows sorted by (key, t): a new group when the key changes or
    the time gap to the previous row exceeds ``gap``."""
    new = np.ones(len(key), bool)
    if len(key) > 1:
        new[1:] = (key[1:] != key[:-1]) | (t[1:] - t[:-1] > gap)
    return np.cumsum(new) - 1


def _near_duplicate(d: _Data, window: pd.Timedelta, min_chars: int) -> list[dict]:
    f = d.forms
    if len(f) < 2:
        return []
    lv = d.levels
    lo = np.where(lv >= 0, lv, np.iinfo(np.int64).max).min(axis=1)
    hi = np.where(lv >= 0, lv, -1).max(axis=1)
    varied = lo < hi  # at least two different levels among the answers (blanks aside)
    cell = _combine(d.cyc, d.unit, d.group)
    groups: dict[tuple, dict] = {}

    def add(idx: np.ndarray, basis: str, extra: dict):
        ids = tuple(sorted(d.form_id[idx].tolist()))
        entry = groups.setdefault(ids, {"idx": np.sort(idx), "basis": {}})
        entry["basis"][basis] = extra

    # (a) same comment
    if "comment" in f.columns:
        raw = f["comment"].to_numpy(dtype=object)
        pos = np.flatnonzero(varied & ~pd.isna(raw))
        if len(pos) >= 2:
            codes, uniques = pd.factorize(pd.Series(raw[pos]).astype(str))
            norm = np.array([_normalise_comment(u) for u in uniques], dtype=object)
            ok = np.array([len(x) >= min_chars for x in norm], bool)
            keep = ok[codes]
            pos, ncode = pos[keep], pd.factorize(norm[codes[keep]])[0]
            key = _combine(cell[pos], d.pattern[pos], ncode)
            order = np.argsort(key, kind="stable")
            lab = _chain_groups(key[order], np.zeros(len(pos), np.int64), 0)
            for m in _members(lab, 2):
                idx = pos[order[m]]
                add(idx, "comment", {"text": _text(raw[idx[0]])})
    # (b) same collector, times chained within the window
    if d.time is not None:
        pos = np.flatnonzero(varied & (d.coll >= 0) & ~np.isnat(d.time))
        if len(pos) >= 2:
            tt = d.time[pos].astype(np.int64)
            key = _combine(cell[pos], d.pattern[pos], d.coll[pos])
            order = np.lexsort((tt, key))
            lab = _chain_groups(key[order], tt[order], window.value)
            for m in _members(lab, 2):
                idx = pos[order[m]]
                add(idx, "time", {"t0": d.time[idx].min(), "t1": d.time[idx].max()})

    rows = []
    for ids, entry in groups.items():
        idx = entry["idx"]
        i = idx[0]
        unit, group = d.unit_cats[d.unit[i]], d.scheme.group_codes[d.group[i]]
        basis = entry["basis"]
        en, zh = [], []
        if "comment" in basis:
            text = basis["comment"]["text"]
            shown = text if len(text) <= 40 else text[:40] + "…"
            en.append(f"the same comment “{shown}”")
            zh.append(f"意见建议相同（“{shown}”）")
        collector = ""
        if "time" in basis:
            collector = d.collectors[d.coll[i]]
            t0, t1 = _time_text(basis["time"]["t0"]), _time_text(basis["time"]["t1"])
            en.append(
                f"were collected by {collector} each within {_duration_text(window, 'en')} of "
                f"the previous one ({t0} to {t1})"
            )
            gap = _duration_text(window, "zh")
            zh.append(f"由{collector}在 {t0} 至 {t1} 先后收回（间隔不超过 {gap}）")
        ids_list = list(ids)
        rows.append(
            _row(
                d,
                d.cycle[i],
                "near_duplicate",
                unit=unit,
                group=group,
                collector=collector,
                ids=ids_list,
                n_forms=len(idx),
                value=len(idx),
                threshold=2,
                reason=f"{len(idx)} forms for {_unit_text(d, unit, 'en')} "
                f"× {_group_text(d, group, 'en')} have the same "
                f"{_pattern_text(d, d.levels[i], 'en')} and {' and '.join(en)}: "
                f"{_ids_text_en(ids_list)}.",
                reason_zh=f"{_unit_text(d, unit, 'zh')}（{_group_text(d, group, 'zh')}）有 "
                f"{len(idx)} 份问卷答案完全相同（{_pattern_text(d, d.levels[i], 'zh')}），且"
                f"{'，'.join(zh)}：{_ids_text(ids_list)}。",
            )
        )
    return rows


_ADJUST_NAMES = {
    "holm": "Holm-adjusted",
    "bh": "Benjamini–Hochberg-adjusted",
    "bonferroni": "Bonferroni-adjusted",
    "none": "unadjusted",
}
_ADJUST_NAMES_ZH = {
    "holm": "Holm 校正后",
    "bh": "Benjamini–Hochberg 校正后",
    "bonferroni": "Bonferroni 校正后",
    "none": "未校正",
}


@dataclass(frozen=True)
class _StraightStats:
    """Straight forms of one cycle: overall share, per unit and per collector."""

    cycle: str
    p0: float
    m_u: np.ndarray  # forms per unit code
    k_u: np.ndarray  # straight forms per unit code
    collectors: list  # collector names (sorted)
    m_c: np.ndarray
    k_c: np.ndarray
    ids: object  # ids(kind, key) -> list of the straight forms' ids


def _straight_stats(d: _Data) -> list[_StraightStats]:
    out = []
    nu, nk = len(d.unit_cats), len(d.collectors)
    for c, cycle in enumerate(d.cycles):
        here = d.cyc == c
        has = here & (d.coll >= 0)

        def ids(kind, key, here=here):
            codes = d.unit if kind == "unit" else d.coll
            return d.form_id[here & d.straight & (codes == key)].tolist()

        out.append(
            _StraightStats(
                cycle=cycle,
                p0=float(d.straight[here].mean()),
                m_u=np.bincount(d.unit[here], minlength=nu),
                k_u=np.bincount(d.unit[here], weights=d.straight[here], minlength=nu),
                collectors=d.collectors,
                m_c=np.bincount(d.coll[has], minlength=nk),
                k_c=np.bincount(d.coll[has], weights=d.straight[has], minlength=nk),
                ids=ids,
            )
        )
    return out


def _straight_lining(
    d: _Data, min_n: int, alpha: float, adjust: str, stats: list | None = None
) -> list[dict]:
    if stats is None:
        if len(d.forms) == 0:
            return []
        stats = _straight_stats(d)
    rows = []
    for st in stats:
        cycle, p0, m_u, k_u, m_c, k_c = st.cycle, st.p0, st.m_u, st.k_u, st.m_c, st.k_c
        tests = [("unit", i) for i in np.flatnonzero(m_u >= min_n)]
        tests += [("collector", i) for i in np.flatnonzero(m_c >= min_n)]
        if not tests:
            continue
        m = np.array([(m_u if kind == "unit" else m_c)[i] for kind, i in tests], np.int64)
        k = np.rint([(k_u if kind == "unit" else k_c)[i] for kind, i in tests]).astype(np.int64)
        p = binom.sf(k - 1, m, p0)  # P(X >= k), X ~ Binomial(m, p0)
        adjusted = np.asarray(adjust_pvalues(p, method=adjust, alpha=alpha).adjusted, float)
        for (kind, key), kk, mm, pv, pa in zip(tests, k, m, p, adjusted, strict=True):
            rej = pa <= alpha
            share = kk / mm
            if not (rej and share > p0):
                continue
            if kind == "unit":
                unit = d.unit_cats[key]
                ids = st.ids("unit", key)
                who_en = f"the {mm} forms for {_unit_text(d, unit, 'en')}"
                who_zh = f"{_unit_text(d, unit, 'zh')}的 {mm} 份问卷"
                caveat_en = "A unit rated highly by everyone also has many such forms"
                caveat_zh = "普遍好评的单位此类问卷本来就多"
                extra = {"unit": unit}
            else:
                name = st.collectors[key]
                ids = st.ids("collector", key)
                who_en = f"the {mm} forms collected by {name}"
                who_zh = f"收集人{name}收回的 {mm} 份问卷"
                caveat_en = "A collector working for units rated highly also gets many such forms"
                caveat_zh = "为好评单位收集问卷的收集人此类问卷本来就多"
                extra = {"collector": name}
            adj_en, adj_zh = _ADJUST_NAMES[adjust], _ADJUST_NAMES_ZH[adjust]
            rows.append(
                _row(
                    d,
                    cycle,
                    "straight_lining",
                    **extra,
                    ids=ids,
                    n_forms=mm,
                    value=share,
                    threshold=alpha,
                    reference=p0,
                    pvalue=pv,
                    pvalue_adjusted=pa,
                    reason=f"{kk} of {who_en} ({share:.1%}) give the same level to every item, "
                    f"against {p0:.1%} of all forms of the cycle (one-sided exact binomial test, "
                    f"{adj_en} p = {pa:.2g}). {caveat_en}: look at how the forms were collected "
                    "before drawing a conclusion.",
                    reason_zh=f"{who_zh}中有 {kk} 份（{share:.1%}）各项答案完全相同，全部问卷为 "
                    f"{p0:.1%}（单侧精确二项检验，{adj_zh} p = {pa:.2g}）。{caveat_zh}，"
                    "应先核实问卷收集过程再下结论。",
                )
            )
    return rows


def _window_runs(key: np.ndarray, t: np.ndarray, minimum: int, window: int):
    """Bursts in rows sorted by (key, t): runs of rows covered by a window ``[t_i, t_i + window]``
    (same key) holding at least ``minimum`` rows.  Returns (run label per row or -1, peak count
    per run)."""
    n = len(key)
    # j[i] = number of rows (in sorted order) with (key, t) <= (key_i, t_i + window)
    kk = np.concatenate([key, key])
    tt = np.concatenate([t, t + window])
    is_q = np.concatenate([np.zeros(n, np.int8), np.ones(n, np.int8)])
    order = np.lexsort((is_q, tt, kk))
    data_before = np.cumsum(is_q[order] == 0)
    j = np.empty(n, np.int64)
    j[order[is_q[order] == 1] - n] = data_before[is_q[order] == 1]
    count = j - np.arange(n)
    start = count >= minimum
    delta = np.zeros(n + 1, np.int64)
    np.add.at(delta, np.flatnonzero(start), 1)
    np.add.at(delta, j[start], -1)
    active = np.cumsum(delta)[:n]  # windows covering each row
    before = np.concatenate([[0], active[:-1]])
    covered = active > 0
    new_key = np.ones(n, bool)
    new_key[1:] = key[1:] != key[:-1]
    begins = covered & ((before == 0) | new_key)
    label = np.where(covered, np.cumsum(begins) - 1, -1)
    peaks = np.zeros(int(begins.sum()), np.int64)
    if len(peaks):
        np.maximum.at(peaks, label[start], count[start])
    return label, peaks


def _burst(d: _Data, minimum: int, window: pd.Timedelta) -> list[dict]:
    if d.time is None or len(d.forms) < minimum:
        return []
    t = d.time
    has_t = ~np.isnat(t)
    if not has_t.any():
        return []
    rel = np.where(has_t, (t - t[has_t].min()).astype(np.int64), 0)
    in_burst = np.zeros(len(t), bool)
    rows = []
    for stage in ("collector", "unit"):
        if stage == "collector":
            pos = np.flatnonzero(has_t & (d.coll >= 0))
            second = d.coll[pos]
        else:
            pos = np.flatnonzero(has_t & ~in_burst)
            second = d.unit[pos]
        if len(pos) < minimum:
            continue
        key = _combine(d.cyc[pos], second, d.pattern[pos])
        order = np.lexsort((rel[pos], key))
        label, peaks = _window_runs(key[order], rel[pos][order], minimum, window.value)
        if not len(peaks):
            continue
        for b, m in enumerate(_members(label)):
            idx = pos[order[m]]
            in_burst[idx] = True
            rows.append(_burst_row(d, stage, idx, int(peaks[b]), minimum, window))
    return rows


def _burst_row(d, stage, idx, peak, minimum, window) -> dict:
    i = idx[0]
    t = d.time
    units = [d.unit_cats[u] for u in np.unique(d.unit[idx])]
    codes = d.scheme.group_codes
    groups = [codes[g] for g in np.unique(d.group[idx])]
    unit = units[0] if len(units) == 1 else ""
    group = groups[0] if len(groups) == 1 else ""
    colls = set(d.coll[idx].tolist())
    collector = d.collectors[colls.pop()] if len(colls) == 1 and -1 not in colls else ""
    ids = d.form_id[idx].tolist()
    t0, t1 = _time_text(t[idx].min()), _time_text(t[idx].max())
    span = pd.Timedelta(t[idx].max() - t[idx].min())
    n = len(idx)
    pat_en, pat_zh = _pattern_text(d, d.levels[i], "en"), _pattern_text(d, d.levels[i], "zh")
    units_en = ", ".join(_unit_text(d, u, "en") for u in units)
    units_zh = "、".join(_unit_text(d, u, "zh") for u in units)
    w_en, w_zh = _duration_text(window, "en"), _duration_text(window, "zh")
    if stage == "collector":
        en = (
            f"{n} forms with identical answers ({pat_en}) were collected by {collector} between "
            f"{t0} and {t1} ({_duration_text(span, 'en')}), for {units_en}"
        )
        zh = (
            f"收集人{collector}在 {t0} 至 {t1}（{_duration_text(span, 'zh')}）内收回 {n} 份答案完全"
            f"相同的问卷（{pat_zh}），涉及{units_zh}"
        )
    else:
        who_en = collector or "several collectors or none recorded"
        who_zh = f"收集人{collector}" if collector else "多名收集人或未记录收集人"
        en = (
            f"{n} forms for {units_en} with identical answers ({pat_en}) were submitted between "
            f"{t0} and {t1} ({_duration_text(span, 'en')}), by {who_en}"
        )
        zh = (
            f"{units_zh}有 {n} 份答案完全相同的问卷（{pat_zh}）在 {t0} 至 {t1}"
            f"（{_duration_text(span, 'zh')}）内提交，{who_zh}"
        )
    return _row(
        d,
        d.cycle[i],
        "burst",
        unit=unit,
        group=group,
        collector=collector,
        ids=ids,
        n_forms=n,
        value=peak,
        threshold=minimum,
        reason=f"{en}; up to {peak} within one {w_en} window (threshold {minimum}).",
        reason_zh=f"{zh}；任一 {w_zh}内最多 {peak} 份（阈值 {minimum} 份）。",
    )


def _good_levels(s: Scheme, level: str) -> tuple[np.ndarray, np.ndarray]:
    """(valid, good) masks over the level codes plus a last slot for blank."""
    valid = np.array([v.valid for v in s.levels] + [False])
    if level == "top_box":
        good = np.zeros(len(s.levels) + 1, bool)
        good[s.level_codes.index(s.rules.top_box_level)] = True
    else:
        good = np.array([v.valid and v.satisfied for v in s.levels] + [False])
    return valid, good


@dataclass(frozen=True)
class _CellStats:
    """Valid and good answers per cell × dimension (cells: cycle × unit [× group])."""

    cycles: list
    nv: np.ndarray  # [cell, dimension]
    ng: np.ndarray
    n_forms: np.ndarray  # forms per cell
    ids: object  # ids(cycle code, unit code, group code or None) -> list


def _cell_stats(d: _Data, level: str, by_group: bool) -> _CellStats:
    s = d.scheme
    valid, good = _good_levels(s, level)
    lv = np.where(d.levels < 0, len(s.levels), d.levels)
    V = valid[lv]  # [n, D]
    G = good[lv]
    ng = len(s.group_codes)
    cell = d.cyc * len(d.unit_cats) + d.unit
    if by_group:
        cell = cell * ng + d.group
    size = (len(d.cycles) * len(d.unit_cats) * (ng if by_group else 1)) or 1
    nv = np.stack(
        [np.bincount(cell, weights=V[:, j], minlength=size) for j in range(V.shape[1])], 1
    )
    ng_ = np.stack(
        [np.bincount(cell, weights=G[:, j], minlength=size) for j in range(V.shape[1])], 1
    )

    def ids(c, u, g):
        here = (d.cyc == c) & (d.unit == u)
        if g is not None:
            here &= d.group == g
        return d.form_id[here].tolist()

    return _CellStats(d.cycles, nv, ng_, np.bincount(cell, minlength=size), ids)


def _full_satisfaction(d: _Data, n_min: int, level: str, stats=None) -> list[dict]:
    if stats is None:
        if len(d.forms) == 0 or d.levels.shape[1] == 0:
            return []
        stats = {b: _cell_stats(d, level, b) for b in (True, False)}
    s = d.scheme
    rows = []
    ng = len(s.group_codes)
    nu = len(d.unit_cats)
    for by_group in (True, False):
        st = stats[by_group]
        cycles, nv, ng_ = st.cycles, st.nv, st.ng
        if nv.shape[1] == 0:
            continue
        hit = (nv.min(axis=1) >= n_min) & (nv == ng_).all(axis=1) & (nv.sum(axis=1) > 0)
        for c in np.flatnonzero(hit):
            cu = c // ng if by_group else c
            cyc, u = divmod(int(cu), nu)
            g = int(c % ng) if by_group else None
            ids = st.ids(cyc, u, g)
            n_forms = int(st.n_forms[c])
            unit = d.unit_cats[u]
            group = s.group_codes[g] if by_group else ""
            total = int(nv[c].sum())
            least = int(nv[c].min())
            where_en = _unit_text(d, unit, "en") + (
                f" × {_group_text(d, group, 'en')}" if group else ""
            )
            where_zh = _unit_text(d, unit, "zh") + (
                f"（{_group_text(d, group, 'zh')}）" if group else ""
            )
            if level == "top_box":
                top = s.label("levels", s.rules.top_box_level, "en")
                top_zh = s.label("levels", s.rules.top_box_level, "zh")
                what_en, what_zh = f"are “{top}” (top box)", f"全部为“{top_zh}”"
            else:
                sat = [v for v in s.levels if v.valid and v.satisfied]
                what_en = "count as satisfied (" + "/".join(v.label_en for v in sat) + ")"
                what_zh = "全部为满意类等次（" + "/".join(v.label_zh for v in sat) + "）"
            rows.append(
                _row(
                    d,
                    cycles[cyc],
                    "full_satisfaction",
                    unit=unit,
                    group=group,
                    ids=ids,
                    n_forms=n_forms,
                    value=1.0,
                    threshold=n_min,
                    reason=f"All {total} valid answers on the {n_forms} forms for {where_en} "
                    f"{what_en}, with at least {least} valid answers in every item (threshold "
                    f"{n_min}); a 100 % result on this many answers is rare in honest data.",
                    reason_zh=f"{where_zh}{n_forms} 份问卷的 {total} 个有效答案{what_zh}，"
                    f"每项有效答案至少 {least} 个（阈值 {n_min} 个）；样本这么大而结果为 100%，"
                    "实际中很少见。",
                )
            )
    return rows


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


def _response_rates(d: _Data, forms_issued, voided) -> pd.DataFrame:
    if forms_issued is None:
        return _empty_rates()
    _check_issued(forms_issued)
    cycles = sorted(set(d.cycle.tolist()))
    if len(cycles) > 1:
        raise ValueError(
            f"forms_issued belongs to one cycle, but forms hold several: {cycles}; "
            "check one cycle at a time"
        )
    cycle = cycles[0] if cycles else ""
    ret = pd.DataFrame({"unit": d.forms["unit"].astype(str), "group": d.forms["group"].astype(str)})
    counted = ret.value_counts().to_dict()
    return _rates_table(d.scheme, cycle, d.unit_cats, counted, forms_issued, voided)


def _rates_table(s: Scheme, cycle, unit_cats, counted: dict, forms_issued, voided):
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


def _response_rate_flags(d: _Data, rates: pd.DataFrame, minimum: float) -> list[dict]:
    rows = []
    cells = rates[(rates["unit"] != ALL) & (rates["group"] != ALL)]
    for r in cells[cells["rate"] < minimum].itertuples(index=False):
        unit, group = r.unit, r.group
        g_en = _group_text(d, group, "en") if group in d.scheme.group_codes else group
        g_zh = _group_text(d, group, "zh") if group in d.scheme.group_codes else group
        rows.append(
            _row(
                d,
                r.cycle,
                "response_rate",
                unit=unit,
                group=group,
                n_forms=r.returned,
                value=r.rate,
                threshold=minimum,
                reference=int(r.issued),
                reason=f"Response rate for {_unit_text(d, unit, 'en')} × {g_en}: {r.returned} of "
                f"{int(r.issued)} forms returned ({r.rate:.1%}), below {minimum:.0%}.",
                reason_zh=f"{_unit_text(d, unit, 'zh')}（{g_zh}）发放 {int(r.issued)} 份，收回 "
                f"{r.returned} 份，回收率 {r.rate:.1%}，低于 {minimum:.0%}。",
            )
        )
    return rows


# ====================================================================== public API
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
        return _counted_rates(
            counted,
            scheme,
            v.forms_issued if forms_issued is None else forms_issued,
            v.voided if voided is None else voided,
        )
    forms, scheme, forms_issued, _dup, voided, units = _source(
        validated, scheme, forms_issued, None, voided, None
    )
    d = _prepare(forms, scheme, units)
    return _response_rates(d, forms_issued, voided)


def quality_flags(
    validated,
    *,
    scheme: Scheme | None = None,
    forms_issued: pd.DataFrame | None = None,
    duplicates: pd.DataFrame | None = None,
    voided: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
    burst_min: int = 10,
    burst_window="30min",
    near_duplicate_window="1min",
    comment_min_chars: int = 5,
    straightline_min_n: int = 10,
    straightline_alpha: float = 0.05,
    adjust: str = "holm",
    full_satisfaction_n: int | None = None,
    full_satisfaction_level: str = "top_box",
    min_response_rate: float = 0.5,
) -> pd.DataFrame:
    """Every data-quality check of a cycle as one tidy table, one row per flag.

    See the module docstring for the exact definition of each check and of the columns.

    Parameters
    ----------
    validated : ValidatedCycle or DataFrame
        A validated cycle (forms, duplicates, voided forms, forms issued and unit names are
        taken from it), or a forms table (:mod:`evalstats.inputs.forms`; ``submitted_at``,
        ``collector`` and ``comment`` are optional: checks needing them are skipped).
    scheme : Scheme, path or None
        Default: the validated cycle's scheme, else the bundled one.
    forms_issued, duplicates, voided, units : DataFrame, optional
        Override (or, for a forms table, supply) the validated cycle's tables; ``units``
        (``unit, name, series``) only gives names for the sentences.
    burst_min : int
        Fewest identical forms in one window that make a burst (default 10, at least 2).
    burst_window : str or Timedelta
        Length of the burst window (default ``"30min"``).
    near_duplicate_window : str or Timedelta
        Largest gap between forms of one collector that makes a near duplicate (default
        ``"1min"``).
    comment_min_chars : int
        Shortest normalised comment that can make a near duplicate (default 5, at least 1):
        “无”, “没有意见” and the like are not evidence of copying.
    straightline_min_n : int
        Fewest forms for a unit or collector to be tested for straight-lining (default 10).
    straightline_alpha : float
        Family-wise level of the straight-lining tests (default 0.05).
    adjust : {"holm", "bh", "bonferroni", "none"}
        Multiplicity adjustment of the straight-lining tests (default Holm).
    full_satisfaction_n : int, optional
        Fewest valid answers in every dimension of a cell for the 100 % check (default
        ``scheme.rules.low_confidence_n``).
    full_satisfaction_level : {"top_box", "satisfied"}
        What 100 % means: every valid answer the top box (default) or counted satisfied.
    min_response_rate : float
        Response rates below this are flagged (default 0.5).

    Returns
    -------
    DataFrame
        Columns ``QUALITY_COLUMNS``, one row per flag; empty (with those columns) when nothing
        is flagged.

    References
    ----------
    See the module docstring.

    Examples
    --------
    >>> from evalstats.inputs.forms import empty_forms
    >>> list(quality_flags(empty_forms()).columns)[:4]
    ['cycle', 'check', 'severity', 'unit']
    """
    counted = counted_cycle(validated)
    if counted is not None:
        validated = counted.validated
        if counted.rows is None:  # the pandas backend: the forms are in memory
            counted = None
    if counted is not None:
        v = counted.validated
        scheme = resolve_scheme(v.scheme if scheme is None else scheme)
        forms = None
        forms_issued = v.forms_issued if forms_issued is None else forms_issued
        duplicates = v.duplicates if duplicates is None else duplicates
        voided = v.voided if voided is None else voided
        units = v.units if units is None else units
    else:
        forms, scheme, forms_issued, duplicates, voided, units = _source(
            validated, scheme, forms_issued, duplicates, voided, units
        )
    burst_min = _check_int("burst_min", burst_min, 2)
    window = _check_duration("burst_window", burst_window)
    near_window = _check_duration("near_duplicate_window", near_duplicate_window)
    comment_min_chars = _check_int("comment_min_chars", comment_min_chars, 1)
    straightline_min_n = _check_int("straightline_min_n", straightline_min_n, 1)
    alpha = _check_alpha("straightline_alpha", straightline_alpha)
    adjust = check_option("adjust", adjust, ADJUST_METHODS)
    if full_satisfaction_n is None:
        full_satisfaction_n = scheme.rules.low_confidence_n
    full_satisfaction_n = _check_int("full_satisfaction_n", full_satisfaction_n, 1)
    level = check_option(
        "full_satisfaction_level", full_satisfaction_level, FULL_SATISFACTION_LEVELS
    )
    min_rate = _check_rate("min_response_rate", min_response_rate)

    if counted is not None:
        return _counted_flags(
            counted,
            scheme=scheme,
            forms_issued=forms_issued,
            duplicates=duplicates,
            voided=voided,
            units=units,
            burst_min=burst_min,
            window=window,
            near_window=near_window,
            comment_min_chars=comment_min_chars,
            straightline_min_n=straightline_min_n,
            alpha=alpha,
            adjust=adjust,
            full_satisfaction_n=full_satisfaction_n,
            level=level,
            min_rate=min_rate,
        )
    d = _prepare(forms, scheme, units)
    rows = [
        *_typed_twice(d, duplicates, voided),
        *_near_duplicate(d, near_window, comment_min_chars),
        *_straight_lining(d, straightline_min_n, alpha, adjust),
        *_burst(d, burst_min, window),
        *_full_satisfaction(d, full_satisfaction_n, level),
        *_response_rate_flags(d, _response_rates(d, forms_issued, voided), min_rate),
    ]
    return _flags_frame(rows, d)


# ====================================================================== counted cycles
def counted_cycle(obj):
    """``obj`` if it is a :class:`~evalstats.counts.backends.CycleCounts`, else None."""
    if type(obj).__name__ != "CycleCounts":
        return None
    from evalstats.counts.backends import CycleCounts

    return obj if isinstance(obj, CycleCounts) else None


def _is_straight(lv: np.ndarray, scheme: Scheme) -> np.ndarray:
    """Rows of level codes ``lv`` [n, D] (-1 blank) with the same valid level everywhere."""
    if lv.shape[1] == 0:
        return np.zeros(len(lv), bool)
    valid = np.array([v.valid for v in scheme.levels])
    first = lv[:, 0]
    return (lv == first[:, None]).all(axis=1) & (first >= 0) & valid[np.clip(first, 0, None)]


def counted_pattern_codes(counted, scheme: Scheme):
    """(unit, group, levels [n, D], count) codes of a counted cycle's pattern counts."""
    p = counted.patterns
    lv = np.stack(
        [p[dim].cat.codes.to_numpy(np.int64) for dim in scheme.dimension_codes], axis=1
    ).reshape(len(p), len(scheme.dimension_codes))
    return (
        p["unit"].cat.codes.to_numpy(np.int64),
        p["group"].cat.codes.to_numpy(np.int64),
        lv,
        p["count"].to_numpy(np.int64),
    )


def _counted_per_cell(counted, scheme: Scheme, nu: int) -> np.ndarray:
    """Forms counted per unit × group code (``[unit * n_groups + group]``)."""
    u, g, _lv, cnt = counted_pattern_codes(counted, scheme)
    ng = len(scheme.group_codes)
    return np.bincount(u * ng + g, weights=cnt, minlength=nu * ng).astype(np.int64)


def _counted_rates(counted, scheme: Scheme, forms_issued, voided) -> pd.DataFrame:
    if forms_issued is None:
        return _empty_rates()
    _check_issued(forms_issued)
    units = list(counted.patterns["unit"].cat.categories)
    ng = len(scheme.group_codes)
    per = _counted_per_cell(counted, scheme, len(units))
    have = {(units[i // ng], scheme.group_codes[i % ng]): int(per[i]) for i in np.flatnonzero(per)}
    cycle = counted.cycle if len(have) else ""
    return _rates_table(scheme, cycle, units, have, forms_issued, voided)


def _counted_flags(
    counted,
    *,
    scheme,
    forms_issued,
    duplicates,
    voided,
    units,
    burst_min,
    window,
    near_window,
    comment_min_chars,
    straightline_min_n,
    alpha,
    adjust,
    full_satisfaction_n,
    level,
    min_rate,
) -> pd.DataFrame:
    """:func:`quality_flags` of a cycle counted out of core (``CycleCounts.rows``).

    The row checks run on the candidate forms only (:meth:`RowStore.check_candidates`: every
    form of a burst or near duplicate is among them, so the flags are the same); the counts
    of straight-lining and 100 % satisfaction come from the pattern counts, the tally and one
    GROUP BY per collector, and only the ids of the flagged units, collectors and cells are
    fetched.
    """
    store = counted.rows
    dup_ids = []
    if duplicates is not None and len(duplicates) and "form_id" in duplicates.columns:
        dup_ids = sorted(set(duplicates["form_id"].astype(str)))
    sub = store.check_candidates(
        burst_min=burst_min,
        burst_window=window.value,
        near_duplicate_window=near_window.value,
        form_ids=dup_ids,
    )
    d = _prepare(sub, scheme, units)
    u, _g, lv, cnt = counted_pattern_codes(counted, scheme)
    n_total = int(cnt.sum())
    # a voided form typed twice: the flag names its cycle and collector, as validate_cycle's
    # voided table (the forms' columns) gives them
    voided_forms = store.voided_forms() if len(dup_ids) and voided is not None else voided
    rows = [
        *_typed_twice(d, duplicates, voided_forms),
        *_near_duplicate(d, near_window, comment_min_chars),
        *_burst(d, burst_min, window),
    ]
    if n_total:
        nu = len(d.unit_cats)
        straight = _is_straight(lv, scheme)
        per_coll = store.collector_straight()
        names = [str(x) for x in per_coll["collector"]]
        order = sorted(range(len(names)), key=names.__getitem__)

        def straight_ids(kind, key):
            if kind == "unit":
                return store.form_ids("straight AND u = ?", [int(key)])
            return store.form_ids("straight AND collector = ?", [names_sorted[key]])

        names_sorted = [names[i] for i in order]
        stats = _StraightStats(
            cycle=counted.cycle,
            p0=float(cnt[straight].sum() / n_total),
            m_u=np.bincount(u, weights=cnt, minlength=nu).astype(np.int64),
            k_u=np.bincount(u, weights=cnt * straight, minlength=nu),
            collectors=names_sorted,
            m_c=per_coll["n_forms"].to_numpy(np.int64)[order],
            k_c=per_coll["n_straight"].to_numpy(np.float64)[order],
            ids=straight_ids,
        )
        rows += _straight_lining(d, straightline_min_n, alpha, adjust, stats=[stats])
        if len(scheme.dimension_codes):
            cells = {b: _counted_cells(counted, scheme, store, level, b) for b in (True, False)}
            rows += _full_satisfaction(d, full_satisfaction_n, level, stats=cells)
    rates = _counted_rates(counted, scheme, forms_issued, voided)
    rows += _response_rate_flags(d, rates, min_rate)
    return _flags_frame(rows, d)


def _counted_cells(counted, scheme: Scheme, store, level: str, by_group: bool) -> _CellStats:
    from evalstats.counts.tally import tally_to_array

    valid, good = _good_levels(scheme, level)
    dense, cycles, units = tally_to_array(counted.counts, scheme)  # [c, u, g, d, level]
    nu, ng, nd = len(units), len(scheme.group_codes), len(scheme.dimension_codes)
    per = _counted_per_cell(counted, scheme, nu).reshape(nu, ng)
    if not by_group:
        dense = dense.sum(axis=2, keepdims=True)
        per = per.sum(axis=1, keepdims=True)
    cells = dense.reshape(-1, nd, dense.shape[-1])
    nv = (cells * valid).sum(axis=-1).astype(np.float64)
    ng_ = (cells * good).sum(axis=-1).astype(np.float64)

    def ids(_c, u, g):
        if g is None:
            return store.form_ids("u = ?", [int(u)])
        return store.form_ids("u = ? AND g = ?", [int(u), int(g)])

    n_forms = np.tile(per.reshape(-1), max(len(cycles), 1))[: len(cells)]
    return _CellStats(cycles, nv, ng_, n_forms, ids)


def _flags_frame(rows: list[dict], d: _Data) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=QUALITY_COLUMNS)
    for c in ("cycle", "check", "severity", "unit", "group", "collector", "form_ids"):
        frame[c] = frame[c].astype(object).fillna("").astype(_STR)
    for c in ("reason", "reason_zh"):
        frame[c] = frame[c].astype(_STR)
    frame["n_forms"] = frame["n_forms"].astype(np.int64)
    for c in ("value", "threshold", "reference", "pvalue", "pvalue_adjusted"):
        frame[c] = frame[c].astype(float)
    if not len(frame):
        return frame.reset_index(drop=True)
    big = 1 << 30
    u_pos = {u: i for i, u in enumerate(d.unit_cats)}
    g_pos = {g: i for i, g in enumerate(d.scheme.group_codes)}
    key = pd.DataFrame(
        {
            "c": frame["cycle"].to_numpy(dtype=object),
            "k": frame["check"].map({c: i for i, c in enumerate(CHECKS)}).to_numpy(),
            "u": frame["unit"].map(lambda u: u_pos.get(u, big - 1) if u else big).to_numpy(),
            "g": frame["group"].map(lambda g: g_pos.get(g, big - 1) if g else big).to_numpy(),
            "o": frame["collector"].to_numpy(dtype=object),
            "f": frame["form_ids"].to_numpy(dtype=object),
        }
    )
    order = key.sort_values(list(key.columns), kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def check_flags(flags) -> pd.DataFrame:
    """``flags`` checked to be a :func:`quality_flags` table (all ``QUALITY_COLUMNS``).

    Raises TypeError for a non-DataFrame and ValueError naming the missing columns.

    Examples
    --------
    >>> check_flags(pd.DataFrame({"check": []}))
    Traceback (most recent call last):
    ValueError: flags lacks column(s) ['cycle', 'severity', 'unit', 'group', 'collector', 'form_ids', 'n_forms', 'value', 'threshold', 'reason', 'reason_zh', 'reference', 'pvalue', 'pvalue_adjusted']; pass the output of quality_flags()
    """  # noqa: E501
    if not isinstance(flags, pd.DataFrame):
        raise TypeError(
            f"flags must be a pandas DataFrame (from quality_flags); got {type(flags).__name__}"
        )
    missing = [c for c in QUALITY_COLUMNS if c not in flags.columns]
    if missing:
        raise ValueError(f"flags lacks column(s) {missing}; pass the output of quality_flags()")
    return flags


def flagged_form_ids(
    flags: pd.DataFrame, *, checks=DEFAULT_EXCLUDE, cycle: str | None = None
) -> pd.Index:
    """The ids of the forms the chosen checks mark as suspicious.

    Parameters
    ----------
    flags : DataFrame
        Output of :func:`quality_flags`.
    checks : sequence of str
        Checks whose forms are marked (default ``("burst", "near_duplicate")``).  By default
        bursts and near duplicates mark every form they list (the copy cannot be told from the
        original).  Straight-lining does not: a unit's all-same forms are mostly honest (a unit
        rated well by everyone has many of them), and dropping them all would bias it down.
        Neither do 100 % satisfaction (it concerns a whole cell: dropping it would leave the
        unit or group without forms), forms typed twice (already counted once) or response
        rates (no form in particular).  Any of them can be named here on purpose.
    cycle : str, optional
        The cycle, required when ``flags`` hold several.

    Returns
    -------
    pandas.Index
        Sorted unique form ids (``str``), named ``form_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> flags = pd.DataFrame({c: [] for c in QUALITY_COLUMNS})
    >>> len(flagged_form_ids(flags))
    0
    """
    flags = check_flags(flags)
    checks = _check_checks(checks)
    cycles = sorted(set(flags["cycle"].astype(str)))
    if cycle is not None:
        if not isinstance(cycle, str):
            raise TypeError(f"cycle must be a str; got {cycle!r}")
        flags = flags[flags["cycle"].astype(str) == cycle]
    elif len(cycles) > 1:
        raise ValueError(f"flags hold several cycles {cycles}; pass cycle= to choose one")
    part = flags.loc[flags["check"].isin(checks), "form_ids"].astype(str)
    ids = sorted({i for text in part for i in text.split(";") if i})
    return pd.Index(ids, dtype=_STR, name="form_id")


# ====================================================================== with and without
@dataclass(frozen=True)
class QualityComparison:
    """Official scores and ranking beside the same recomputed without the flagged forms.

    Attributes
    ----------
    scores, ranking : DataFrame
        The official tables (every valid form): :func:`evalstats.stats.score.scores_table` and
        :func:`evalstats.stats.rank.rank_units`.
    scores_excl_flagged, ranking_excl_flagged : DataFrame
        The same tables without the forms in ``excluded``.
    changes : DataFrame
        The units whose rank, standing or grade changes (``CHANGE_COLUMNS``; ``changed`` names
        what changed, joined by ``;``).
    excluded : pandas.Index
        The form ids left out of the recomputation.
    checks : tuple of str
        The checks whose forms were left out.
    comparison : DataFrame
        Every unit side by side (``CHANGE_COLUMNS``), as :meth:`to_frame` returns it.
    scheme : Scheme
        The scheme (grade labels of
        :func:`evalstats.present.words.describe_quality_comparison`).
    """

    scores: pd.DataFrame
    ranking: pd.DataFrame
    scores_excl_flagged: pd.DataFrame
    ranking_excl_flagged: pd.DataFrame
    changes: pd.DataFrame
    excluded: pd.Index
    checks: tuple
    comparison: pd.DataFrame
    scheme: Scheme | None = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """Every unit side by side (``CHANGE_COLUMNS``); ``changes`` is its changed rows."""
        return self.comparison

    # the sentences are presentation (issue 12)
    __getattr__ = moved_method(
        "QualityComparison",
        {"describe": "evalstats.present.words.describe_quality_comparison(cmp, lang)"},
    )


def _official(forms, units, incidents, scheme, n_resamples, seed):
    counts = tally(forms, scheme)
    patterns = pattern_counts(forms, scheme)
    scores = scores_table(counts, units=units, scheme=scheme, patterns=patterns)
    comp = composites(counts, units=units, scheme=scheme, patterns=patterns)
    ranking = rank_units(
        comp,
        patterns=patterns,
        incidents=incidents,
        scheme=scheme,
        n_resamples=n_resamples,
        rng=np.random.default_rng(seed),
    )
    return scores, ranking


def _same(a, b) -> np.ndarray:
    a = pd.Series(a).astype(object)
    b = pd.Series(b).astype(object)
    both_na = a.isna().to_numpy() & b.isna().to_numpy()
    eq = a.fillna("\0").astype(str).to_numpy() == b.fillna("\0").astype(str).to_numpy()
    return both_na | eq


def with_and_without(
    validated,
    flags: pd.DataFrame,
    *,
    units: pd.DataFrame | None = None,
    incidents: pd.DataFrame | None = None,
    scheme: Scheme | None = None,
    checks=DEFAULT_EXCLUDE,
    n_resamples: int = 10_000,
    rng=None,
) -> QualityComparison:
    """Official scores and ranking, and the same without the forms the flags mark.

    The official tables use every valid form.  The recomputation drops the forms
    :func:`flagged_form_ids` returns for ``checks`` and runs the same pipeline —
    :func:`evalstats.counts.tally.tally` and :func:`~evalstats.counts.tally.pattern_counts`, then
    :func:`evalstats.stats.score.scores_table`, :func:`~evalstats.stats.score.composites` and
    :func:`evalstats.stats.rank.rank_units` — with the same random numbers (one seed drawn from
    ``rng`` serves both bootstraps), so with nothing flagged both are identical.

    Parameters
    ----------
    validated : ValidatedCycle or DataFrame
        The validated cycle (or its forms table).
    flags : DataFrame
        :func:`quality_flags` of the same cycle.
    units : DataFrame, optional
        ``unit, name, series`` (default: the validated cycle's units; required for a forms
        table).
    incidents : DataFrame, optional
        Veto incidents (default: the validated cycle's).
    scheme : Scheme, path or None
    checks : sequence of str
        Checks whose forms are left out (see :func:`flagged_form_ids`).
    n_resamples : int
        Bootstrap replicates of the ranking uncertainty (default 10,000).
    rng : None, int or numpy.random.Generator
        Seed of the bootstrap.

    Returns
    -------
    QualityComparison

    Examples
    --------
    >>> from evalstats.inputs.validate import validate_cycle
    >>> v = validate_cycle("data/raw/2026H1")  # doctest: +SKIP
    >>> cmp = with_and_without(v, quality_flags(v), rng=1)  # doctest: +SKIP
    >>> cmp.describe("en")[0]  # doctest: +SKIP
    """
    forms, scheme, _iss, _dup, _void, units = _source(validated, scheme, None, None, None, units)
    if units is None:
        raise ValueError("units is required with a forms table: a table with unit, name, series")
    if incidents is None and isinstance(validated, ValidatedCycle):
        incidents = validated.incidents
    flags = check_flags(flags)
    checks = _check_checks(checks)
    n_resamples = check_n_resamples(n_resamples)
    gen = check_rng(rng)
    d = _prepare(forms, scheme, units)
    cycles = sorted(set(d.cycle.tolist()))
    other = sorted(set(flags["cycle"].astype(str)) - set(cycles))
    if other:
        raise ValueError(f"flags belong to cycle(s) {other}, not to the forms' {cycles}")
    excluded = flagged_form_ids(flags, checks=checks, cycle=cycles[0] if len(cycles) == 1 else None)
    unknown = sorted(set(excluded) - set(d.form_id.tolist()))
    if unknown:
        raise ValueError(f"flags name form id(s) not in the forms: {unknown[:10]}")
    seed = int(gen.integers(0, 2**63 - 1))
    keep = (
        ~pd.Series(d.form_id, dtype=object).isin(excluded).to_numpy()
    )  # np.isin on objects is quadratic
    scores, ranking = _official(d.forms, units, incidents, scheme, n_resamples, seed)
    scores_x, ranking_x = _official(
        d.forms.loc[keep].reset_index(drop=True), units, incidents, scheme, n_resamples, seed
    )
    comparison = ranking_comparison(ranking, ranking_x)
    changes = comparison[comparison["changed"] != ""].reset_index(drop=True)
    return QualityComparison(
        scores=scores,
        ranking=ranking,
        scores_excl_flagged=scores_x,
        ranking_excl_flagged=ranking_x,
        changes=changes,
        excluded=excluded,
        checks=checks,
        comparison=comparison,
        scheme=scheme,
    )


def ranking_comparison(ranking: pd.DataFrame, ranking_x: pd.DataFrame) -> pd.DataFrame:
    """The ranking beside the ranking without flagged forms (``*_excl_flagged`` columns) and
    what changed (rank, standing, grade); used by the cycle analysis's quality tables."""
    cols = ["rank", "standing", "grade", "composite"]
    a = ranking[["cycle", "unit", "unit_name", "series", *cols]]
    b = ranking_x[["cycle", "unit", *cols]].rename(columns={c: f"{c}_excl_flagged" for c in cols})
    m = a.merge(b, on=["cycle", "unit"], how="left", sort=False)
    changed = np.full(len(m), "", dtype=object)
    for c in ("rank", "standing", "grade"):
        diff = ~_same(m[c], m[f"{c}_excl_flagged"])
        changed = np.where(diff, np.where(changed == "", c, changed + ";" + c), changed)
    m["changed"] = pd.array(changed.tolist(), dtype=_STR)
    return m[CHANGE_COLUMNS].reset_index(drop=True)


__all__ = [
    "CHANGE_COLUMNS",
    "CHECKS",
    "QUALITY_COLUMNS",
    "RESPONSE_RATE_COLUMNS",
    "QualityComparison",
    "check_flags",
    "counted_cycle",
    "counted_pattern_codes",
    "flagged_form_ids",
    "quality_flags",
    "ranking_comparison",
    "response_rates",
    "with_and_without",
]

# describe_quality is presentation: evalstats.present.words (issue 12).
__getattr__ = moved_to_present(__name__, {"describe_quality": "evalstats.present.words"})
