"""The demo town's two cycles (2026H1 as XLSX, 2026A as GBK CSV) and the story they must tell:
planted weak units, an improved unit, a vetoed unit, a typed-twice form and a burst."""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from evalstats.core.config import project_root, raw_dir, resolve_path
from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.inputs.demo.town import (
    BLANK_P,
    BURST_COLLECTOR,
    COLLECTORS,
    COMMENTS_OTHER,
    DEMO_FILES,
    HALO_SD,
    NOISE_SD,
    TOWN,
    check_seed,
    csv_bytes,
    cut_points,
    group_profiles,
    levels_from_latent,
    unknown_dim,
)
from evalstats.inputs.demo.wide import wide_responses
from evalstats.inputs.template import TEMPLATE_LAYOUTS, response_headers, workbook_bytes


@dataclass(frozen=True)
class _CycleSpec:
    cycle: str
    index: int  # 0 = half-year, 1 = year end
    title: str
    id_format: str
    workdays: tuple[str, str]
    responses: str  # "xlsx" or "csv-gbk"
    unit_by: str  # "name" or "code"
    duplicates: int
    burst: str | None
    void_reason: str
    units_bom: bool


_SPECS = (
    _CycleSpec(
        "2026H1",
        0,
        "2026年上半年政风行风测评汇总表",
        "H1-{:05d}",
        ("2026-06-08", "2026-06-19"),
        "xlsx",
        "name",
        3,
        "transport_station",
        "同一张表多处勾选两个等次，无法辨认，经测评办核实作废",
        True,
    ),
    _CycleSpec(
        "2026A",
        1,
        "2026年度政风行风测评汇总表",
        "2026{:05d}",
        ("2026-12-07", "2026-12-18"),
        "csv-gbk",
        "code",
        4,
        None,
        "非本单位服务对象代填，经核实作废",
        False,
    ),
)

_COMMENTS_WEAK = {
    "construction_station": (
        "施工许可办理环节多、时间长，跑了好几趟才办下来，希望简化流程。",
        "窗口工作人员态度生硬，问多了就不耐烦。",
        "工程质量监督检查走过场，群众反映的问题没有回音。",
        "收费依据不公开，不知道钱交到哪里去了。",
    ),
    "transport_station": (
        "客运线路审批拖得太久，企业等不起。",
        "执法时以罚代管，罚款不开正式票据。",
        "办事窗口经常没人，电话也打不通。",
    ),
    "governance_office": (
        "邻里纠纷反映了多次，一直没人来调解。",
        "信访件办理结果不告知当事人，情况不公开。",
        "希望综治办多下村走访，及时化解矛盾。",
    ),
}
_COMMENTS_IMPROVED = (
    "比上半年有明显改进，办事快了不少。",
    "流程简化了，但个别工作人员态度还需改进。",
)

_INCIDENT = (
    "land_office",
    "2026-09-14",
    "media_exposure",
    "违规为不符合条件的农户办理宅基地审批，经媒体曝光，区纪委核实属实",
)


def _workdays(first: str, last: str) -> np.ndarray:
    days = pd.bdate_range(first, last)
    return days.values.astype("datetime64[m]")


# ---------------------------------------------------------------------- one demo cycle
def _cycle_forms(spec: _CycleSpec, scheme: Scheme, rng: np.random.Generator, unit_mu):
    """Generate the returned forms of one cycle as a DataFrame of codes (before writing)."""
    units = [u for u in TOWN if spec.cycle in u.cycles]
    n_dims = len(scheme.dimensions)
    groups = scheme.groups
    profiles = group_profiles(scheme)
    valid = [v for v in scheme.levels if v.valid]
    invalid = [v for v in scheme.levels if not v.valid]
    cuts = cut_points(len(valid))

    # forms per unit x group
    counts = np.zeros((len(units), len(groups)), dtype=np.int64)
    for gi, ((lo, hi), _, _) in enumerate(profiles):
        if (lo, hi) == (4, 6):  # "about 5" supervisors: mostly exactly five
            counts[:, gi] = rng.choice([4, 5, 5, 5, 6], size=len(units))
        else:
            counts[:, gi] = rng.integers(lo, hi + 1, size=len(units))
    burst_group = None
    if spec.burst is not None:
        ub = next(i for i, u in enumerate(units) if u.code == spec.burst)
        burst_group = _largest_group(profiles)
        lo, hi = profiles[burst_group][0]
        counts[ub, burst_group] = max(counts[ub, burst_group], min(hi, 15 + max(lo, 20)))

    unit_idx = np.repeat(np.repeat(np.arange(len(units)), len(groups)), counts.ravel())
    group_idx = np.repeat(np.tile(np.arange(len(groups)), len(units)), counts.ravel())
    n = len(unit_idx)

    # latent model
    mu = np.array([unit_mu[u.code][spec.index] for u in units])
    delta = rng.normal(0.0, 0.12, size=(len(units), n_dims))
    for i, u in enumerate(units):
        for d in u.weak_dims:
            if d < n_dims:
                delta[i, d] += u.weak_shift[spec.index]
    gamma = np.array([p[1] for p in profiles])
    halo = rng.normal(0.0, HALO_SD, size=n)
    noise = rng.normal(0.0, NOISE_SD, size=(n, n_dims))
    y = mu[unit_idx, None] + delta[unit_idx] + gamma[group_idx, None] + halo[:, None] + noise
    level = levels_from_latent(y, cuts).astype(np.int16)
    if invalid:
        p_unknown = np.array([p[2] for p in profiles])[group_idx, None] * unknown_dim(n_dims)
        level[rng.random((n, n_dims)) < p_unknown] = len(valid)  # first invalid level
    level[rng.random((n, n_dims)) < BLANK_P] = -1

    # when and by whom
    days = _workdays(*spec.workdays)
    n_col = len(COLLECTORS)
    # each unit has two collectors; a group's forms come in through one of them
    unit_collectors = rng.choice(n_col, size=(len(units), 2), replace=True)
    group_pick = rng.integers(0, 2, size=(len(units), len(groups)))
    collector = unit_collectors[unit_idx, group_pick[unit_idx, group_idx]]
    # a unit x group is collected over a few consecutive working days
    first_day = rng.integers(0, max(len(days) - 3, 1), size=(len(units), len(groups)))
    day = first_day[unit_idx, group_idx] + rng.integers(0, 3, size=n)
    day = np.minimum(day, len(days) - 1)
    minute = rng.integers(0, 9 * 60 + 1, size=n)  # 08:30 .. 17:30
    when = days[day] + np.timedelta64(8 * 60 + 30, "m") + minute.astype("timedelta64[m]")

    forms = pd.DataFrame(
        {
            "unit_i": unit_idx,
            "group_i": group_idx,
            "when": when,
            "collector": np.asarray(COLLECTORS, dtype=object)[collector],
            "burst": False,
        }
    )
    for d in range(n_dims):
        forms[f"d{d}"] = level[:, d]

    if spec.burst is not None:
        rows = np.flatnonzero((unit_idx == ub) & (group_idx == burst_group))
        take = np.sort(rng.choice(rows, size=15, replace=False))
        start = days[len(days) // 2] + np.timedelta64(15 * 60 + 2, "m")
        offsets = np.sort(rng.integers(0, 10, size=15)).astype("timedelta64[m]")
        forms.loc[take, "when"] = start + offsets
        forms.loc[take, "collector"] = BURST_COLLECTOR
        forms.loc[take, "burst"] = True
        for d in range(n_dims):
            forms.loc[take, f"d{d}"] = 0

    forms = forms.sort_values(["unit_i", "group_i", "when"], kind="stable").reset_index(drop=True)
    forms.insert(0, "form_id", [spec.id_format.format(i + 1) for i in range(len(forms))])
    forms["comment"] = None
    _add_comments(forms, spec, units, n_dims=n_dims, n_valid=len(valid), rng=rng)
    return units, counts, forms


def _largest_group(profiles) -> int:
    return int(np.argmax([hi for (lo, hi), _, _ in profiles]))


def _badness(forms: pd.DataFrame, n_dims: int, n_valid: int) -> np.ndarray:
    lv = forms[[f"d{d}" for d in range(n_dims)]].to_numpy()
    return np.where((lv >= 0) & (lv < n_valid), lv, 0).sum(axis=1)


def _add_comments(forms, spec, units, *, n_dims, n_valid, rng) -> None:
    """Attach comments: on the weak units' worst forms (praise on their best), a few elsewhere."""
    badness = _badness(forms, n_dims, n_valid) + rng.random(len(forms))  # random tie-break
    taken = forms["burst"].to_numpy().copy()
    unit_i = forms["unit_i"].to_numpy()

    def put(rows, texts, tone):
        rows = rows[~taken[rows]]
        order = np.argsort(-badness[rows] if tone < 0 else badness[rows], kind="stable")
        rows = rows[order][: len(texts)] if tone else rng.permutation(rows)[: len(texts)]
        forms.loc[rows, "comment"] = list(texts[: len(rows)])
        taken[rows] = True

    for ui, u in enumerate(units):
        pool = _COMMENTS_WEAK.get(u.code)
        if pool is None:
            continue
        rows = np.flatnonzero(unit_i == ui)
        if spec.index == 0:
            put(rows, pool, -1)
        else:  # year end: one critical comment, one noting the improvement
            put(rows, pool[-1:], -1)
            put(rows, _COMMENTS_IMPROVED[len(u.code) % len(_COMMENTS_IMPROVED) :][:1], 1)
    others = np.flatnonzero(
        ~np.isin(unit_i, [i for i, u in enumerate(units) if u.code in _COMMENTS_WEAK])
    )
    k = 3 if spec.index == 0 else 4
    chosen = rng.choice(len(COMMENTS_OTHER), size=k, replace=False)
    units_for = rng.choice(np.unique(unit_i[others]), size=k, replace=False)
    for t, ui in zip(chosen, units_for, strict=True):
        text, tone = COMMENTS_OTHER[t]
        put(np.flatnonzero(unit_i == ui), [text], tone)


def _typed_twice(forms: pd.DataFrame, k: int, avoid: np.ndarray, rng) -> pd.DataFrame:
    """Insert ``k`` exact copies of random forms at later positions (typed twice)."""
    candidates = np.flatnonzero(~avoid)
    chosen = np.sort(rng.choice(candidates, size=k, replace=False))
    order = np.arange(len(forms), dtype=float)
    extra = []
    for i in chosen:
        pos = rng.integers(i + 1, len(forms) + 1)
        extra.append(pos - 0.5 + rng.random() * 0.1)
    copies = forms.iloc[chosen]
    keys = np.concatenate([order, np.asarray(extra)])
    out = pd.concat([forms, copies], ignore_index=True)
    return out.iloc[np.argsort(keys, kind="stable")].reset_index(drop=True)


def _unit_qualities(rng: np.random.Generator) -> dict[str, tuple[float, float]]:
    out = {}
    for u in TOWN:
        base = rng.normal(0.25, 0.12)
        change = rng.normal(0.03, 0.08)
        h1, a = u.quality
        out[u.code] = (base if h1 is None else h1, base + change if a is None else a)
    return out


_SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
)  # fmt: skip
_GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "文", "华", "建国", "玉兰", "志强",
    "海燕", "小红", "春梅", "国庆", "红梅", "子涵", "雨欣", "浩然", "思远", "晓东", "立新", "德明",
)  # fmt: skip
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _identifier_people(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct synthetic people: (names, 11-digit mobile numbers), no two alike."""
    combos = len(_SURNAMES) * len(_GIVEN)
    pick = rng.choice(combos, size=n, replace=n > combos)
    names = np.asarray(
        [_SURNAMES[i // len(_GIVEN)] + _GIVEN[i % len(_GIVEN)] for i in pick], dtype=object
    )
    if n > combos:  # pragma: no cover - the demo town has far fewer respondents
        names = np.asarray([f"{x}{i}" for i, x in enumerate(names)], dtype=object)
    prefixes = np.array([130, 133, 135, 136, 138, 139, 150, 151, 158, 177, 186, 189])
    numbers = rng.choice(10**8, size=n, replace=False)
    heads = prefixes[rng.integers(0, len(prefixes), n)]
    phones = np.asarray([f"{p}{x:08d}" for p, x in zip(heads, numbers, strict=True)], object)
    return names, phones


def _typed_phone(phone: str, style: int) -> str:
    if style == 1:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    if style == 2:
        return f"+86 {phone}"
    if style == 3:
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    if style == 4:
        return phone.translate(_FULLWIDTH)
    return phone


def _add_identifiers(forms: pd.DataFrame, rng) -> None:
    """Columns ``respondent_name`` / ``respondent_phone`` (as typed) on the demo forms.

    A respondent rates each unit at most once (forms of a unit × group go to distinct people
    of the group's pool), except the burst: 3 people, 5 forms each for the same unit.
    """
    unit_i = forms["unit_i"].to_numpy()
    group_i = forms["group_i"].to_numpy()
    burst = forms["burst"].to_numpy()
    rank = forms.groupby(["unit_i", "group_i"]).cumcount().to_numpy()
    n_units, n_groups = int(unit_i.max()) + 1, int(group_i.max()) + 1
    sizes = np.bincount(unit_i * n_groups + group_i, minlength=n_units * n_groups)
    pool = sizes.reshape(n_units, n_groups).max(axis=0) + 3  # people per group
    offset = np.concatenate([[0], np.cumsum(pool)])
    shift = rng.integers(0, 1 << 20, size=(n_units, n_groups))
    person = offset[group_i] + (rank + shift[unit_i, group_i]) % pool[group_i]
    n_people = int(offset[-1])
    person[burst] = n_people + np.arange(burst.sum()) % 3
    names, phones = _identifier_people(n_people + 3, rng)
    n = len(forms)
    style = rng.integers(0, 5, size=n)
    what = rng.random(n)  # < 0.05 anonymous, < 0.13 name only, < 0.20 phone only, else both
    what[burst] = 1.0
    name_typed = names[person].copy()
    spaced = rng.random(n) < 0.1
    name_typed[spaced] = [f"{x[0]} {x[1:]}" for x in name_typed[spaced]]
    phone_typed = np.asarray(
        [_typed_phone(p, s) for p, s in zip(phones[person], style, strict=True)], dtype=object
    )
    name_typed[(what < 0.05) | ((what >= 0.13) & (what < 0.20))] = None
    phone_typed[what < 0.13] = None
    forms["respondent_name"] = name_typed
    forms["respondent_phone"] = phone_typed


def _responses_table(forms, spec, units, scheme, rng) -> pd.DataFrame:
    headers = response_headers(scheme)
    h = dict(headers)
    level_labels = np.asarray([v.label_zh for v in scheme.levels] + [None], dtype=object)
    unit_values = [u.name if spec.unit_by == "name" else u.code for u in units]
    group_labels = np.asarray([g.label_zh for g in scheme.groups], dtype=object)
    group_text = group_labels[forms["group_i"].to_numpy()]
    if spec.index == 1:
        # year end: deputies typed as the two separate paper labels when the scheme knows them
        for gi, g in enumerate(scheme.groups):
            parts = [p for p in g.label_zh.split("/") if scheme.group_for(p) == g.code]
            if len(parts) > 1:
                rows = np.flatnonzero(forms["group_i"].to_numpy() == gi)
                group_text[rows] = np.asarray(parts, dtype=object)[
                    rng.integers(0, len(parts), size=len(rows))
                ]
    out = pd.DataFrame(
        {
            h["form_id"]: forms["form_id"].to_numpy(),
            h["unit"]: np.asarray(unit_values, dtype=object)[forms["unit_i"].to_numpy()],
            h["group"]: group_text,
        }
    )
    for d, dim in enumerate(scheme.dimensions):
        out[dim.label_zh] = level_labels[forms[f"d{d}"].to_numpy()]
    out[h["comment"]] = forms["comment"].to_numpy()
    out[h["submitted_at"]] = pd.to_datetime(forms["when"].to_numpy())
    out[h["collector"]] = forms["collector"].to_numpy()
    for code in scheme.identifier_columns[::-1]:  # name, then phone
        if code in forms.columns:
            out[scheme.headers["responses"][code][0]] = forms[code].to_numpy()
    return out


def _responses_xlsx(table: pd.DataFrame, title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ncol = table.shape[1]
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.append(list(table.columns))
    for c in range(1, ncol + 1):
        ws.cell(row=2, column=c).font = Font(bold=True)
    time_col = None
    for values in table.itertuples(index=False, name=None):
        row = []
        for j, v in enumerate(values):
            if isinstance(v, pd.Timestamp):
                time_col = j + 1
                v = v.to_pydatetime()
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                v = None
            row.append(v)
        ws.append(row)
    if time_col is not None:
        for (cell,) in ws.iter_rows(min_row=3, min_col=time_col, max_col=time_col):
            cell.number_format = "yyyy-mm-dd hh:mm"
    widths = {0: 12, 1: 14, 2: 16}
    for j in range(ncol):
        ws.column_dimensions[get_column_letter(j + 1)].width = widths.get(j, 10)
    when = time_col if time_col is not None else ncol - 1  # comment, then submitted-at
    ws.column_dimensions[get_column_letter(when - 1)].width = 40
    ws.column_dimensions[get_column_letter(when)].width = 17
    ws.freeze_panes = "A3"
    return workbook_bytes(wb)


def _composites(forms: pd.DataFrame, n_units: int, scheme: Scheme):
    """Composite per unit as DOMAIN.md defines it, and an approximate standard error.

    Only steers the demo's draw (the scoring module computes the official figures).  The
    composite: group × dimension scores (mean points over valid answers), group-weighted per
    dimension (weights renormalised over the groups with a valid answer), then
    dimension-weighted.  The standard error treats groups as separate samples of form scores
    (a form's score: weighted mean of its valid answers' points).
    """
    valid = [v for v in scheme.levels if v.valid]
    points = np.array([v.points for v in valid], dtype=float)
    n_dims, n_groups = len(scheme.dimensions), len(scheme.groups)
    lv = forms[[f"d{d}" for d in range(n_dims)]].to_numpy()
    ok = (lv >= 0) & (lv < len(valid))
    x = np.where(ok, points[np.clip(lv, 0, len(valid) - 1)], 0.0)
    unit_i = forms["unit_i"].to_numpy()
    key = unit_i * n_groups + forms["group_i"].to_numpy()
    n_cells = n_units * n_groups
    sums = np.zeros((n_cells, n_dims))
    cnt = np.zeros((n_cells, n_dims))
    np.add.at(sums, key, x)
    np.add.at(cnt, key, ok)
    with np.errstate(invalid="ignore", divide="ignore"):
        cell = (sums / cnt).reshape(n_units, n_groups, n_dims)
    w = np.array([g.weight for g in scheme.groups], dtype=float)[None, :, None] * (
        cnt.reshape(n_units, n_groups, n_dims) > 0
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = np.nansum(w * np.nan_to_num(cell), axis=1) / w.sum(axis=1)
    v = np.array([d.weight for d in scheme.dimensions], dtype=float)[None, :]
    has = ~np.isnan(weighted)
    comp = np.where(has, weighted, 0.0) @ v[0] / np.maximum((has * v).sum(axis=1), 1e-12)

    vf = v[0][None, :] * ok
    form_score = (x * vf).sum(axis=1) / np.maximum(vf.sum(axis=1), 1e-12)
    n = np.bincount(key, minlength=n_cells).reshape(n_units, n_groups)
    u_n = np.bincount(unit_i, minlength=n_units)
    u_mean = np.bincount(unit_i, weights=form_score, minlength=n_units) / np.maximum(u_n, 1)
    u_var = np.bincount(unit_i, weights=(form_score - u_mean[unit_i]) ** 2, minlength=n_units)
    u_var = u_var / np.maximum(u_n - 1, 1)
    wg = np.array([g.weight for g in scheme.groups], dtype=float)[None, :] * (n > 0)
    wg = wg / wg.sum(axis=1, keepdims=True)
    se = np.sqrt(u_var * np.sum(np.where(n > 0, wg**2 / np.maximum(n, 1), 0.0), axis=1))
    return comp, se


def _p_last(comp, se, series, draws: int = 4000) -> np.ndarray:
    """P(last in its series) under a normal approximation (story check only)."""
    rng = np.random.default_rng(0)
    sim = comp[None, :] + se[None, :] * rng.standard_normal((draws, len(comp)))
    out = np.zeros(len(comp))
    for s in np.unique(series):
        idx = np.flatnonzero(series == s)
        last = idx[np.argmin(sim[:, idx], axis=1)]
        out += np.bincount(last, minlength=len(comp)) / draws
    return out


def _story_holds(spec, scheme, units, forms, h1) -> tuple[bool, dict]:
    """Does this draw show the planted story?  (See the module docstring.)"""
    comp, se = _composites(forms, len(units), scheme)
    codes = [u.code for u in units]
    series = np.array([u.series for u in units])
    result = dict(zip(codes, comp, strict=True))
    if len(scheme.dimensions) < 3 or len(scheme.series) < 3 or len(scheme.groups) < 2:
        return True, result  # another scheme: no story to check
    p_last = _p_last(comp, se, series)
    pos = {c: i for i, c in enumerate(codes)}
    if np.nanmin(comp) < scheme.rules.veto_threshold + 3:
        return False, result  # no unplanned veto
    if spec.index == 0:
        gov = pos["governance_office"]
        admin = np.flatnonzero(series == units[gov].series)
        if np.argmin(comp[admin]) != np.flatnonzero(admin == gov)[0] or p_last[gov] < 0.9:
            return False, result
        weak = {pos["construction_station"], pos["transport_station"]}
        enf = np.flatnonzero(series == units[pos["construction_station"]].series)
        bottom = enf[np.argsort(comp[enf])[:2]]
        close = comp[bottom[1]] - comp[bottom[0]] < 3.0
        if int(bottom[0]) not in weak or not close or p_last[bottom[0]] > 0.45:
            return False, result
        return True, result
    for code in ("governance_office", "construction_station", "transport_station"):
        if comp[pos[code]] < h1[code] + 3:
            return False, result
    land = pos[_INCIDENT[0]]
    same = np.flatnonzero(series == units[land].series)
    if np.sum(comp[same] > comp[land]) >= scheme.rules.top_n:
        return False, result
    return True, result


_MAX_DRAWS = 200


def _draw_cycle(spec, scheme, seed, unit_mu, h1):
    """Draw a cycle's forms; redraw (next sub-seed) until the planted story holds.

    A conditional simulation: the story's conditions are checked on an approximate composite;
    after ``_MAX_DRAWS`` draws the last one is kept.
    """
    for attempt in range(_MAX_DRAWS):
        rng = np.random.default_rng([seed, 1 + spec.index, attempt])
        units, _, forms = _cycle_forms(spec, scheme, rng, unit_mu)
        # the voided form: a regular one (not in the burst, no comment)
        regular = np.flatnonzero(~forms["burst"].to_numpy() & forms["comment"].isna().to_numpy())
        void_row = int(rng.choice(regular))
        counted = forms.drop(index=void_row)
        ok, comp = _story_holds(spec, scheme, units, counted, h1)
        if ok:
            break
    return rng, units, forms, void_row, comp


def _long_responses(spec: _CycleSpec, scheme: Scheme, rng, *, units, forms) -> dict:
    """The responses file of the long layout (one row per form): name -> bytes."""
    table = _responses_table(forms, spec, units, scheme, rng)
    if spec.responses == "xlsx":
        return {"responses.xlsx": _responses_xlsx(table, spec.title)}
    t = table.copy()
    col = dict(response_headers(scheme))["submitted_at"]
    t[col] = t[col].dt.strftime("%Y-%m-%d %H:%M")
    return {"responses.csv": csv_bytes(t, encoding="gbk")}


def _cycle_files(
    spec: _CycleSpec,
    scheme: Scheme,
    rng,
    *,
    units,
    forms,
    void_row: int,
    id_rng=None,
    layout: str = "long",
):
    """All files of one demo cycle, name -> bytes (identifier columns when ``id_rng``; the
    responses one row per respondent with ``layout="wide"``)."""
    if id_rng is not None:
        forms = forms.copy()
        _add_identifiers(forms, id_rng)
    void_id = forms.at[void_row, "form_id"]
    avoid = forms["burst"].to_numpy().copy()
    avoid[void_row] = True
    returned = forms.groupby(["unit_i", "group_i"]).size()
    files: dict[str, bytes] = {}
    if layout == "wide":
        wide = wide_responses(
            forms, units, scheme, cycle=spec.cycle, duplicates=spec.duplicates, rng=rng
        )
        void_id = wide.form_ids[void_row]
        files["responses.csv"] = csv_bytes(wide.table)
    else:
        twice = _typed_twice(forms, spec.duplicates, avoid, rng)
        files.update(_long_responses(spec, scheme, rng, units=units, forms=twice))

    hu = scheme.headers["units"]
    units_table = pd.DataFrame(
        {
            hu["unit"][0]: [u.code for u in units],
            hu["name"][0]: [u.name for u in units],
            hu["series"][0]: [scheme.series[u.series % len(scheme.series)].label_zh for u in units],
        }
    )
    if hu.get("name_en"):  # the English names, under the scheme's first header for them
        units_table[hu["name_en"][0]] = [u.name_en for u in units]
    files["units.csv"] = csv_bytes(units_table, bom=spec.units_bom)

    # forms issued: returned / a response rate of 70-95 %, never below returned
    hi = scheme.headers["forms_issued"]
    ret = returned.to_numpy()
    rate = rng.uniform(0.70, 0.95, size=len(ret))
    issued = np.maximum(np.ceil(ret / rate).astype(np.int64), ret)
    ui = returned.index.get_level_values(0).to_numpy()
    gi = returned.index.get_level_values(1).to_numpy()
    unit_values = np.asarray(
        [u.name if spec.unit_by == "name" else u.code for u in units], dtype=object
    )
    files["forms_issued.csv"] = csv_bytes(
        pd.DataFrame(
            {
                hi["unit"][0]: unit_values[ui],
                hi["group"][0]: np.asarray([g.label_zh for g in scheme.groups], dtype=object)[gi],
                hi["issued"][0]: issued,
            }
        )
    )

    he = scheme.headers["exclusions"]
    files["exclusions.csv"] = csv_bytes(
        pd.DataFrame({he["form_id"][0]: [void_id], he["reason"][0]: [spec.void_reason]})
    )

    if spec.index == 1:
        code, date, kind, note = _INCIDENT
        unit = next(u for u in units if u.code == code)
        kinds = {k.code: k for k in scheme.incident_kinds}
        kind_item = kinds.get(kind, scheme.incident_kinds[0])
        hn = scheme.headers["incidents"]
        files["incidents.csv"] = csv_bytes(
            pd.DataFrame(
                {
                    hn["unit"][0]: [unit.name if spec.unit_by == "name" else unit.code],
                    hn["date"][0]: [date],
                    hn["kind"][0]: [kind_item.label_zh],
                    hn["note"][0]: [note],
                }
            )
        )
    return files


def demo_files(
    *,
    seed: int = 2026,
    scheme: Scheme | str | Path | None = None,
    with_identifiers: bool = False,
    layout: str = "long",
) -> dict:
    """The demo data in memory: ``{cycle: {file name: bytes}}`` (what :func:`write_demo` writes).

    ``with_identifiers=True`` adds the respondents' names and phone numbers (see the module
    notes); every other cell is unchanged.  ``layout="wide"`` writes the responses one row per
    respondent, one column per unit × content (:mod:`evalstats.inputs.demo.wide`), as
    ``responses.csv`` in both cycles; the other files are the long demo's.

    Examples
    --------
    >>> sorted(demo_files()["2026A"])
    ['exclusions.csv', 'forms_issued.csv', 'incidents.csv', 'responses.csv', 'units.csv']
    """
    seed = check_seed(seed)
    if not isinstance(with_identifiers, bool):
        raise TypeError(f"with_identifiers must be True or False; got {with_identifiers!r}")
    check_option("layout", layout, TEMPLATE_LAYOUTS)
    if with_identifiers and layout == "wide":
        raise ValueError("with_identifiers=True is a feature of the long layout; got layout='wide'")
    scheme = resolve_scheme(scheme)
    unit_mu = _unit_qualities(np.random.default_rng([seed, 0]))
    out, h1 = {}, {}
    for spec in _SPECS:
        rng, units, forms, void_row, comp = _draw_cycle(spec, scheme, seed, unit_mu, h1)
        if spec.index == 0:
            h1 = comp
        id_rng = np.random.default_rng([seed, 99, spec.index]) if with_identifiers else None
        out[spec.cycle] = _cycle_files(
            spec,
            scheme,
            rng,
            units=units,
            forms=forms,
            void_row=void_row,
            id_rng=id_rng,
            layout=layout,
        )
    return out


def _publish(folder: Path, files: dict[str, bytes], *, overwrite: bool) -> None:
    """Write ``files`` into ``folder``: staged in a sibling temporary folder, then moved.

    A new folder appears whole or not at all (a killed run leaves no half-written cycle that
    ``if_absent`` would then skip).
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    stage = folder.parent / f".{folder.name}.staging-{os.getpid()}"
    if stage.exists():  # left over by a killed run of this process id
        shutil.rmtree(stage)
    stage.mkdir()  # default permissions (umask), unlike mkdtemp's 0700
    try:
        for name, data in files.items():
            (stage / name).write_bytes(data)
        if not folder.exists():
            os.replace(stage, folder)
            return
        if not overwrite:  # pragma: no cover - checked by the caller; a race with another writer
            raise FileExistsError(f"{folder} already exists")
        for name in DEMO_FILES:  # a stale responses.* of the other format would be ambiguous
            old = folder / name
            if old.exists() and name not in files:
                old.unlink()
        for name in files:
            os.replace(stage / name, folder / name)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def write_demo(
    root: str | Path | None = None,
    *,
    seed: int = 2026,
    if_absent: bool = False,
    overwrite: bool = False,
    scheme: Scheme | str | Path | None = None,
    with_identifiers: bool = False,
    data_dir: str | Path | None = None,
    layout: str = "long",
) -> list[Path]:
    """Write the demo cycles ``2026H1`` and ``2026A`` under ``<root>/data/raw/`` (or ``data_dir``).

    Parameters
    ----------
    root : str or Path, optional
        Project root (default: :func:`evalstats.core.config.project_root`).  The cycles go to
        ``<root>/data/raw/<cycle>/``.
    seed : int, optional
        Random seed (default 2026).  The same seed gives byte-identical files.
    if_absent : bool, optional
        Leave a cycle folder that already exists untouched (and write the others).
    overwrite : bool, optional
        Replace the demo files in an existing cycle folder (other files there are kept).
        Without ``if_absent`` or ``overwrite``, an existing cycle folder is refused: raw data
        are never overwritten without being asked.
    scheme : Scheme, str, Path or None, optional
        Scheme whose headers and labels the files use (default: the bundled one).
    with_identifiers : bool, optional
        Add respondent names and phone numbers to the responses (default False; see the
        module notes).  Validation then needs a pseudonym key to keep them as pseudonyms.
    data_dir : str or Path, optional
        The folder of cycle folders to write into instead of ``<root>/data/raw``
        (``evalstats demo --out DIR``); ``root`` is then not used.
    layout : {"long", "wide"}, optional
        The responses' layout: one row per form (default), or one row per respondent with one
        column per unit × content (``evalstats demo --layout wide``; see :func:`demo_files`).

    Returns
    -------
    list of Path
        The cycle folders written (those left untouched by ``if_absent`` are not listed).

    Raises
    ------
    FileExistsError
        A cycle folder exists and neither ``if_absent`` nor ``overwrite`` is set (nothing is
        written then).
    ValueError
        ``seed`` is not a non-negative whole number; both ``if_absent`` and ``overwrite``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     first = write_demo(d)
    ...     again = write_demo(d, if_absent=True)
    ...     len(first), again
    (2, [])
    """
    seed = check_seed(seed)
    if if_absent and overwrite:
        raise ValueError("if_absent and overwrite cannot both be set")
    if data_dir is not None:
        base = resolve_path(data_dir)
    else:
        base = raw_dir(root=resolve_path(root) if root is not None else project_root())
    targets = [(spec, base / spec.cycle) for spec in _SPECS]
    existing = [folder for _, folder in targets if folder.exists()]
    if existing and not (if_absent or overwrite):
        names = ", ".join(str(f) for f in existing)
        raise FileExistsError(
            f"cycle folder already exists: {names}; raw data are never overwritten "
            "(use if_absent=True to keep it, or overwrite=True to replace the demo files)"
        )
    todo = [(spec, folder) for spec, folder in targets if not (if_absent and folder.exists())]
    if not todo:
        return []
    files = demo_files(seed=seed, scheme=scheme, with_identifiers=with_identifiers, layout=layout)
    written = []
    for spec, folder in todo:
        _publish(folder, files[spec.cycle], overwrite=overwrite)
        written.append(folder)
    return written


__all__ = [
    "demo_files",
    "write_demo",
]
