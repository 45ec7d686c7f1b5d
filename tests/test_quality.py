"""Tests of evalstats.stats.quality: the data-quality checks, the with/without comparison,
sentences."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from evalstats.core.errors import InputError
from evalstats.core.scheme import load_scheme
from evalstats.inputs.demo import write_demo
from evalstats.inputs.validate import validate_cycle
from evalstats.present.words import describe_quality, describe_quality_comparison
from evalstats.stats.quality import (
    CHANGE_COLUMNS,
    QUALITY_COLUMNS,
    RESPONSE_RATE_COLUMNS,
    flagged_form_ids,
    quality_flags,
    response_rates,
    with_and_without,
)

_spec = importlib.util.spec_from_file_location(
    "reference_p_adjust", Path(__file__).parent / "reference" / "p_adjust.py"
)
TEXTBOOK = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(TEXTBOOK)

S = load_scheme()
DIMS = list(S.dimension_codes)
GROUPS = list(S.group_codes)
SAT = ("satisfied",) * len(DIMS)
FAIR = ("fairly_satisfied",) * len(DIMS)
MIX = ("satisfied", "fairly_satisfied", "satisfied", "satisfied", "unknown")
MIX2 = ("fairly_satisfied", "basically_satisfied", "satisfied", "dissatisfied", None)
DIS1 = ("satisfied", "satisfied", "satisfied", "satisfied", "dissatisfied")
T0 = pd.Timestamp("2026-06-10 09:00")
UNITS = pd.DataFrame(
    {
        "unit": ["U1", "U2", "U3", "U4", "U5"],
        "name": ["党政办", "财政所", "司法所", "城管中队", "文化站"],
        "series": ["administration"] * 2 + ["enforcement"] * 2 + ["public_service"],
    }
)


# ---------------------------------------------------------------------- builders
def make_forms(rows, *, cycle="2026H1", units=("U1", "U2", "U3", "U4", "U5")):
    """Forms table from ``(form_id, unit, group, pattern, comment, seconds, collector)`` rows.

    ``seconds`` after T0 (None: no time).
    """
    ids, us, gs, pats, comments, times, colls = zip(*rows, strict=True) if rows else ([],) * 7
    out = pd.DataFrame(
        {
            "cycle": [cycle] * len(ids),
            "form_id": list(ids),
            "unit": pd.Categorical(list(us), categories=list(units)),
            "group": pd.Categorical(list(gs), categories=GROUPS),
        }
    )
    for j, d in enumerate(DIMS):
        out[d] = pd.Categorical([p[j] for p in pats], dtype=S.level_dtype)
    out["comment"] = pd.Series(list(comments), dtype=object)
    out["submitted_at"] = pd.to_datetime(
        [T0 + pd.Timedelta(seconds=s) if s is not None else pd.NaT for s in times]
    ).astype("datetime64[ns]")
    out["collector"] = pd.Series(list(colls), dtype=object)
    out["source_file"] = "responses.csv"
    out["source_row"] = np.arange(2, len(ids) + 2, dtype=np.int64)
    return out


def rows_of(prefix, unit, group, pattern, n, *, comment=None, start=None, step=0, collector=None):
    """``n`` rows with ids ``<prefix>01..``; times ``start + i * step`` seconds (or none)."""
    return [
        (
            f"{prefix}{i + 1:02d}",
            unit,
            group,
            pattern,
            comment,
            None if start is None else start + i * step,
            collector,
        )
        for i in range(n)
    ]


def background(n=12, unit="U2", group="public", prefix="B"):
    """Varied forms no check flags: distinct patterns, no comment, no time."""
    pats = [MIX, MIX2, DIS1, FAIR, ("basically_satisfied",) * 4 + ("satisfied",)]
    return [(f"{prefix}{i:02d}", unit, group, pats[i % 5], None, None, None) for i in range(n)]


def of_check(flags, check):
    return flags[flags["check"] == check].reset_index(drop=True)


def as_records(frame, columns=None):
    columns = columns or [c for c in QUALITY_COLUMNS if c not in ("reason", "reason_zh")]
    return frame[columns].to_dict("records")


NAN = float("nan")


def same_records(got, expected):
    """Record lists equal, NaN equal to NaN."""
    assert len(got) == len(expected), (got, expected)
    for g, e in zip(got, expected, strict=True):
        assert g.keys() == e.keys()
        for k in e:
            if isinstance(e[k], float) and np.isnan(e[k]):
                assert np.isnan(g[k]), (k, g[k])
            elif isinstance(e[k], float):
                assert g[k] == pytest.approx(e[k], rel=1e-12), (k, g[k], e[k])
            else:
                assert g[k] == e[k], (k, g[k], e[k])


# ---------------------------------------------------------------------- table shape
def test_empty_forms_give_an_empty_table_with_the_columns():
    flags = quality_flags(make_forms([]))
    assert list(flags.columns) == QUALITY_COLUMNS
    assert len(flags) == 0
    assert str(flags["n_forms"].dtype) == "int64"
    assert describe_quality(flags) == ["未发现数据质量问题。"]
    assert describe_quality(flags, lang="en") == ["No data-quality problem was found."]


def test_background_alone_raises_no_flag():
    assert len(quality_flags(make_forms(background(30)))) == 0


# ---------------------------------------------------------------------- typed twice
def test_typed_twice_lists_each_id_once_with_its_rows():
    forms = make_forms([("F1", "U1", "enterprise", MIX, None, None, "李某"), *background()])
    dups = pd.DataFrame(
        {"form_id": ["F1", "F1"], "source_file": "r.csv", "source_row": [9, 12], "first_row": 2}
    )
    flags = quality_flags(forms, duplicates=dups, units=UNITS)
    assert len(flags) == 1
    same_records(
        as_records(flags),
        [
            {
                "cycle": "2026H1",
                "check": "typed_twice",
                "severity": "info",
                "unit": "U1",
                "group": "enterprise",
                "collector": "李某",
                "form_ids": "F1",
                "n_forms": 1,
                "value": 3.0,
                "threshold": NAN,
                "reference": NAN,
                "pvalue": NAN,
                "pvalue_adjusted": NAN,
            }
        ],
    )
    assert flags["reason"][0] == (
        "Form F1 of 党政办 × Enterprises was typed 3 times with the same "
        "answers (rows 2, 9, 12 of r.csv); it is counted once."
    )
    assert (
        flags["reason_zh"][0]
        == "问卷 F1（党政办，企业）以相同答案录入了 3 次（原始数据第 2、9、12 行），只计一次。"
    )
    assert describe_quality(flags) == [
        "数据质量检查共发现 1 条标记：重复录入的问卷 1 条。",
        "1 份问卷被重复录入，均只计一次：F1。",
    ]


# ---------------------------------------------------------------------- near duplicates
COMMENT = "窗口办事拖拉，希望改进。"


def test_near_duplicate_same_varied_pattern_and_comment():
    rows = [
        ("N1", "U1", "public", MIX, COMMENT, None, "甲"),
        ("N2", "U1", "public", MIX, " 窗口办事拖拉 希望改进", None, "乙"),  # same after normalising
        ("N3", "U1", "enterprise", MIX, COMMENT, None, "甲"),  # other group
        ("N4", "U1", "public", MIX2, COMMENT, None, "甲"),  # other answers
        *background(),
    ]
    flags = quality_flags(make_forms(rows), units=UNITS)
    same_records(
        as_records(flags),
        [
            {
                "cycle": "2026H1",
                "check": "near_duplicate",
                "severity": "warning",
                "unit": "U1",
                "group": "public",
                "collector": "",
                "form_ids": "N1;N2",
                "n_forms": 2,
                "value": 2.0,
                "threshold": 2.0,
                "reference": NAN,
                "pvalue": NAN,
                "pvalue_adjusted": NAN,
            }
        ],
    )
    assert flags["reason"][0] == (
        "2 forms for 党政办 × The public have the same answers Satisfied/Fairly satisfied/"
        'Satisfied/Satisfied/Don\'t know and the same comment "窗口办事拖拉，希望改进。": N1, N2.'
    )
    assert flags["reason_zh"][0] == (
        "党政办（群众）有 2 份问卷答案完全相同（答案依次为 满意/比较满意/满意/满意/不了解），"
        "且意见建议相同（“窗口办事拖拉，希望改进。”）：N1、N2。"
    )


def test_near_duplicate_never_on_straight_patterns_or_short_comments():
    rows = [
        ("A1", "U1", "public", SAT, "继续保持，再接再厉", 0, "甲"),  # all-满意, same comment,
        ("A2", "U1", "public", SAT, "继续保持，再接再厉", 10, "甲"),  # same collector and minute
        ("A3", "U1", "public", MIX, "无意见", None, None),  # 3 characters: too short
        ("A4", "U1", "public", MIX, "无意见", None, None),
        *background(),
    ]
    assert len(of_check(quality_flags(make_forms(rows)), "near_duplicate")) == 0
    # a shorter minimum lets the short comment count
    flags = quality_flags(make_forms(rows), comment_min_chars=3)
    assert of_check(flags, "near_duplicate")["form_ids"].tolist() == ["A3;A4"]


def test_near_duplicate_same_collector_chained_within_the_window():
    rows = [
        ("T1", "U3", "enterprise", MIX2, None, 0, "张某"),
        ("T2", "U3", "enterprise", MIX2, None, 50, "张某"),
        ("T3", "U3", "enterprise", MIX2, None, 110, "张某"),  # 60 s after T2: chained
        ("T4", "U3", "enterprise", MIX2, None, 171, "张某"),  # 61 s after T3: not
        ("T5", "U3", "enterprise", MIX2, None, 20, "王某"),  # other collector
        *background(),
    ]
    flags = quality_flags(make_forms(rows), units=UNITS)
    assert as_records(flags, ["check", "unit", "group", "collector", "form_ids", "n_forms"]) == [
        {
            "check": "near_duplicate",
            "unit": "U3",
            "group": "enterprise",
            "collector": "张某",
            "form_ids": "T1;T2;T3",
            "n_forms": 3,
        }
    ]
    assert flags["reason_zh"][0] == (
        "司法所（企业）有 3 份问卷答案完全相同"
        "（答案依次为 比较满意/基本满意/满意/不满意/（未填写）），"
        "且由张某在 2026-06-10 09:00 至 2026-06-10 09:01:50 先后收回"
        "（间隔不超过 1 分钟）：T1、T2、T3。"
    )
    wider = quality_flags(make_forms(rows), near_duplicate_window="2min")
    assert of_check(wider, "near_duplicate")["form_ids"].tolist() == ["T1;T2;T3;T4"]


def test_near_duplicate_found_both_ways_is_one_row():
    rows = [
        ("C1", "U1", "public", MIX, COMMENT, 0, "甲"),
        ("C2", "U1", "public", MIX, COMMENT, 30, "甲"),
        *background(),
    ]
    flags = quality_flags(make_forms(rows))
    assert flags["form_ids"].tolist() == ["C1;C2"]
    assert "the same comment" in flags["reason"][0]
    assert "were collected by 甲" in flags["reason"][0]


# ---------------------------------------------------------------------- straight-lining
def straight_case():
    rows = []
    for u, k in (("U1", 18), ("U2", 4), ("U3", 4), ("U4", 4), ("U5", 4)):
        rows += rows_of(f"{u}s", u, "public", SAT, k, collector=f"c{u}")
        pats = [MIX, MIX2, DIS1]
        rows += [
            (f"{u}m{i:02d}", u, "public", pats[i % 3], None, None, f"c{u}") for i in range(20 - k)
        ]
    return rows


def test_straight_lining_binomial_holm_against_the_cycle_share():
    flags = quality_flags(make_forms(straight_case()), units=UNITS)
    # independent computation: scipy's exact test, the textbook Holm over the 10 tests
    # (5 units, 5 collectors); the share of straight forms in the cycle is 34 / 100
    p0 = 34 / 100
    raw = [binomtest(k, 20, p0, alternative="greater").pvalue for k in (18, 4, 4, 4, 4) * 2]
    holm = TEXTBOOK.p_adjust(raw, "holm")
    ids = ";".join(f"U1s{i:02d}" for i in range(1, 19))
    same_records(
        as_records(flags),
        [
            {
                "cycle": "2026H1",
                "check": "straight_lining",
                "severity": "info",
                "unit": "U1",
                "group": "",
                "collector": "",
                "form_ids": ids,
                "n_forms": 20,
                "value": 0.9,
                "threshold": 0.05,
                "reference": p0,
                "pvalue": raw[0],
                "pvalue_adjusted": holm[0],
            },
            {
                "cycle": "2026H1",
                "check": "straight_lining",
                "severity": "info",
                "unit": "",
                "group": "",
                "collector": "cU1",
                "form_ids": ids,
                "n_forms": 20,
                "value": 0.9,
                "threshold": 0.05,
                "reference": p0,
                "pvalue": raw[5],
                "pvalue_adjusted": holm[5],
            },
        ],
    )
    assert flags["reason"][0].startswith(
        "18 of the 20 forms for 党政办 (90.0%) give the same level to every item, against "
        "34.0% of all forms of the cycle (one-sided exact binomial test, Holm-adjusted p ≤ 0.05)."
    )
    assert flags["reason_zh"][1].startswith(
        "收集人cU1收回的 20 份问卷中有 18 份（90.0%）各项答案完全相同"
    )


def test_straight_lining_minimum_n_and_alpha():
    assert len(quality_flags(make_forms(straight_case()), straightline_min_n=21)) == 0
    tiny = quality_flags(make_forms(straight_case()), straightline_alpha=1e-9)
    assert len(tiny) == 0


def test_all_unknown_forms_are_not_straight():
    unknown = ("unknown",) * len(DIMS)
    rows = rows_of("K", "U1", "public", unknown, 15, collector="x") + background(30)
    assert len(quality_flags(make_forms(rows))) == 0


# ---------------------------------------------------------------------- bursts
def test_burst_from_one_collector_within_the_window():
    rows = rows_of("W", "U4", "enterprise", SAT, 10, start=0, step=200, collector="王某")
    rows += background(40)
    flags = of_check(quality_flags(make_forms(rows), units=UNITS), "burst")
    same_records(
        as_records(flags),
        [
            {
                "cycle": "2026H1",
                "check": "burst",
                "severity": "warning",
                "unit": "U4",
                "group": "enterprise",
                "collector": "王某",
                "form_ids": ";".join(f"W{i:02d}" for i in range(1, 11)),
                "n_forms": 10,
                "value": 10.0,
                "threshold": 10.0,
                "reference": NAN,
                "pvalue": NAN,
                "pvalue_adjusted": NAN,
            }
        ],
    )
    assert flags["reason"][0] == (
        '10 forms with identical answers (all 5 answers "Satisfied") were collected by 王某 '
        "between 2026-06-10 09:00 and 2026-06-10 09:30 (30 min), for 城管中队; up to 10 "
        "within one 30 min window (threshold 10)."
    )
    assert flags["reason_zh"][0] == (
        "收集人王某在 2026-06-10 09:00 至 2026-06-10 09:30（30 分钟）内收回 10 份答案完全相同的问卷"
        "（5 项均为“满意”），涉及城管中队；任一 30 分钟内最多 10 份（阈值 10 份）。"
    )


def test_burst_window_is_inclusive_and_needs_burst_min():
    over = rows_of("W", "U4", "enterprise", SAT, 10, start=0, step=201, collector="王某")
    assert len(of_check(quality_flags(make_forms(over)), "burst")) == 0  # 30 min 9 s
    nine = rows_of("W", "U4", "enterprise", SAT, 9, start=0, step=60, collector="王某")
    assert len(of_check(quality_flags(make_forms(nine)), "burst")) == 0
    assert len(of_check(quality_flags(make_forms(nine), burst_min=9), "burst")) == 1
    assert len(of_check(quality_flags(make_forms(over), burst_window="31min"), "burst")) == 1


def test_overlapping_windows_merge_into_one_burst():
    rows = rows_of("W", "U1", "public", FAIR, 20, start=0, step=180, collector="甲")  # 57 min
    flags = of_check(quality_flags(make_forms(rows)), "burst")
    assert as_records(flags, ["collector", "n_forms", "value"]) == [
        {"collector": "甲", "n_forms": 20, "value": 11.0}
    ]


def test_burst_across_units_from_one_collector():
    rows = rows_of("A", "U1", "public", SAT, 5, start=0, step=60, collector="甲")
    rows += rows_of("B", "U2", "enterprise", SAT, 5, start=30, step=60, collector="甲")
    flags = of_check(quality_flags(make_forms(rows), units=UNITS), "burst")
    assert as_records(flags, ["unit", "group", "collector", "n_forms"]) == [
        {"unit": "", "group": "", "collector": "甲", "n_forms": 10}
    ]
    assert "for 党政办, 财政所;" in flags["reason"][0]


def test_burst_regardless_of_collector_and_reported_once():
    rows = rows_of("A", "U2", "public", SAT, 5, start=0, step=60, collector="甲")
    rows += rows_of("B", "U2", "public", SAT, 4, start=30, step=60, collector="乙")
    rows += rows_of("C", "U2", "public", SAT, 1, start=45, step=60, collector=None)
    flags = of_check(quality_flags(make_forms(rows), units=UNITS), "burst")
    assert as_records(flags, ["unit", "group", "collector", "n_forms", "value"]) == [
        {"unit": "U2", "group": "public", "collector": "", "n_forms": 10, "value": 10.0}
    ]
    assert flags["reason_zh"][0].startswith(
        "财政所有 10 份答案完全相同的问卷（5 项均为“满意”）在 2026-06-10 09:00 至 "
    )
    # one collector's burst is reported by collector only, not again per unit
    one = rows_of("W", "U2", "public", SAT, 12, start=0, step=60, collector="甲")
    assert of_check(quality_flags(make_forms(one)), "burst")["collector"].tolist() == ["甲"]


def test_no_time_no_burst():
    rows = rows_of("W", "U4", "enterprise", SAT, 12, collector="王某")
    assert len(of_check(quality_flags(make_forms(rows)), "burst")) == 0
    forms = make_forms(rows_of("W", "U4", "enterprise", SAT, 12, start=0, step=1)).drop(
        columns=["submitted_at", "collector", "comment"]
    )
    assert len(quality_flags(forms)) == 0


# ---------------------------------------------------------------------- 100 % satisfaction
def test_full_satisfaction_top_box_every_dimension_at_least_n():
    rows = rows_of("S", "U5", "enterprise", SAT, 30)
    rows += [("P1", "U5", "public", DIS1, None, None, None)]
    flags = of_check(quality_flags(make_forms(rows), units=UNITS), "full_satisfaction")
    same_records(
        as_records(flags),
        [
            {
                "cycle": "2026H1",
                "check": "full_satisfaction",
                "severity": "warning",
                "unit": "U5",
                "group": "enterprise",
                "collector": "",
                "form_ids": ";".join(f"S{i:02d}" for i in range(1, 31)),
                "n_forms": 30,
                "value": 1.0,
                "threshold": 30.0,
                "reference": NAN,
                "pvalue": NAN,
                "pvalue_adjusted": NAN,
            }
        ],
    )
    assert flags["reason"][0] == (
        "All 150 valid answers on the 30 forms for 文化站 × Enterprises are "
        '"Satisfied" (top box), with at least 30 valid answers in every item (threshold 30); a '
        "100 % result on this many answers is rare in honest data."
    )
    # one 不了解 leaves integrity with 29 valid answers: no flag
    rows[0] = ("S01", "U5", "enterprise", (*SAT[:-1], "unknown"), None, None, None)
    assert len(of_check(quality_flags(make_forms(rows)), "full_satisfaction")) == 0


def test_full_satisfaction_level_satisfied_and_unit_rows():
    rows = rows_of("S", "U5", "enterprise", SAT, 29)
    rows += [("S30", "U5", "enterprise", ("basically_satisfied",) * 5, None, None, None)]
    top = of_check(quality_flags(make_forms(rows)), "full_satisfaction")
    assert len(top) == 0
    sat = quality_flags(make_forms(rows), full_satisfaction_level="satisfied")
    got = of_check(sat, "full_satisfaction")
    assert as_records(got, ["unit", "group", "n_forms", "value"]) == [
        {"unit": "U5", "group": "enterprise", "n_forms": 30, "value": 1.0},
        {"unit": "U5", "group": "", "n_forms": 30, "value": 1.0},
    ]
    assert (
        "count as satisfied (Satisfied/Fairly satisfied/Basically satisfied)" in (got["reason"][0])
    )
    fewer = quality_flags(
        make_forms(rows), full_satisfaction_level="satisfied", full_satisfaction_n=31
    )
    assert len(of_check(fewer, "full_satisfaction")) == 0


# ---------------------------------------------------------------------- response rates
ISSUED = pd.DataFrame(
    {"unit": ["U1", "U1", "U2"], "group": ["public", "enterprise", "public"], "issued": [10, 4, 0]}
)


def test_response_rates_table_and_low_rate_flag():
    forms = make_forms(
        rows_of("A", "U1", "public", MIX, 4)
        + rows_of("B", "U1", "enterprise", MIX2, 4)
        + rows_of("C", "U3", "deputy", DIS1, 1)
    )
    voided = forms.iloc[:1].assign(form_id="V1")
    rates = response_rates(forms, forms_issued=ISSUED, voided=voided)
    assert list(rates.columns) == RESPONSE_RATE_COLUMNS
    got = rates.astype(object).where(rates.notna(), None).to_dict("records")
    assert got == [
        {"cycle": "2026H1", "unit": "U1", "group": "enterprise", "issued": 4, "returned": 4,
         "rate": 1.0},
        {"cycle": "2026H1", "unit": "U1", "group": "public", "issued": 10, "returned": 5,
         "rate": 0.5},
        {"cycle": "2026H1", "unit": "U2", "group": "public", "issued": 0, "returned": 0,
         "rate": None},
        {"cycle": "2026H1", "unit": "U3", "group": "deputy", "issued": None, "returned": 1,
         "rate": None},
        {"cycle": "2026H1", "unit": "all", "group": "enterprise", "issued": 4, "returned": 4,
         "rate": 1.0},
        {"cycle": "2026H1", "unit": "all", "group": "public", "issued": 10, "returned": 5,
         "rate": 0.5},
        {"cycle": "2026H1", "unit": "all", "group": "all", "issued": 14, "returned": 9,
         "rate": 9 / 14},
    ]  # fmt: skip
    flags = quality_flags(forms, forms_issued=ISSUED, min_response_rate=0.6, units=UNITS)
    same_records(
        as_records(of_check(flags, "response_rate")),
        [
            {
                "cycle": "2026H1",
                "check": "response_rate",
                "severity": "warning",
                "unit": "U1",
                "group": "public",
                "collector": "",
                "form_ids": "",
                "n_forms": 4,
                "value": 0.4,
                "threshold": 0.6,
                "reference": 10.0,
                "pvalue": NAN,
                "pvalue_adjusted": NAN,
            }
        ],
    )
    assert of_check(flags, "response_rate")["reason_zh"][0] == (
        "党政办（群众）发放 10 份，收回 4 份，回收率 40.0%，低于 60%。"
    )
    # the voided form counts as returned: 5 of 10 is not below 50 %
    with_void = quality_flags(forms, forms_issued=ISSUED, voided=voided)
    assert len(of_check(with_void, "response_rate")) == 0
    assert len(response_rates(forms)) == 0


# ---------------------------------------------------------------------- order invariance
PATTERNS = st.sampled_from([SAT, MIX, MIX2])
ROW = st.tuples(
    st.sampled_from(["U1", "U2"]),
    st.sampled_from(["public", "enterprise"]),
    PATTERNS,
    st.sampled_from([None, COMMENT, "无"]),
    st.one_of(st.none(), st.integers(0, 2400)),
    st.sampled_from([None, "甲", "乙"]),
)


@settings(max_examples=40)
@given(st.lists(ROW, min_size=0, max_size=50), st.randoms(use_true_random=False))
def test_row_order_changes_nothing(rows, rnd):
    rows = [(f"F{i:03d}", *r) for i, r in enumerate(rows)]
    kw = {"burst_min": 3, "straightline_min_n": 3, "full_satisfaction_n": 3}
    flags = quality_flags(make_forms(rows), **kw)
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    again = quality_flags(make_forms(shuffled), **kw)
    pd.testing.assert_frame_equal(flags, again)
    # every listed form exists and the flags are well formed
    ids = {r[0] for r in rows}
    listed = {i for t in flags["form_ids"] for i in t.split(";") if i}
    assert listed <= ids
    assert set(flags["severity"]) <= {"info", "warning"}


# ---------------------------------------------------------------------- flagged forms
def test_flagged_form_ids_defaults_to_bursts_and_near_duplicates():
    rows = rows_of("W", "U4", "enterprise", SAT, 10, start=0, step=60, collector="王某")
    rows += [
        ("N1", "U1", "public", MIX, COMMENT, None, None),
        ("N2", "U1", "public", MIX, COMMENT, None, None),
        *background(30),
    ]
    flags = quality_flags(make_forms(rows))
    assert set(flags["check"]) == {"near_duplicate", "straight_lining", "burst"}
    got = flagged_form_ids(flags)
    assert got.name == "form_id"
    assert got.tolist() == ["N1", "N2", *[f"W{i:02d}" for i in range(1, 11)]]
    assert flagged_form_ids(flags, checks="near_duplicate").tolist() == ["N1", "N2"]
    assert flagged_form_ids(flags, checks=()).tolist() == []


# ---------------------------------------------------------------------- with and without
def ranked_forms(rows_per_unit=12, seed=0):
    rng = np.random.default_rng(seed)
    pats = [SAT, MIX, MIX2, DIS1, FAIR]
    rows = []
    for u in UNITS["unit"]:
        for g in ("enterprise", "public"):
            for i in range(rows_per_unit):
                p = pats[rng.integers(len(pats))]
                rows.append((f"{u}{g[0]}{i:02d}", u, g, p, None, None, None))
    return rows


def test_with_and_without_no_flags_equals_the_official_tables():
    forms = make_forms(ranked_forms())
    flags = quality_flags(forms)
    cmp = with_and_without(forms, flags, units=UNITS, n_resamples=50, rng=3)
    assert len(cmp.excluded) == 0
    pd.testing.assert_frame_equal(cmp.scores, cmp.scores_excl_flagged)
    pd.testing.assert_frame_equal(cmp.ranking, cmp.ranking_excl_flagged)
    assert list(cmp.changes.columns) == CHANGE_COLUMNS
    assert len(cmp.changes) == 0
    assert len(cmp.to_frame()) == len(UNITS)
    assert describe_quality_comparison(cmp) == ["没有被标记的问卷，剔除前后结果相同。"]


@settings(max_examples=8)
@given(st.integers(0, 10_000), st.integers(3, 8))
def test_with_and_without_no_flags_property(seed, n):
    forms = make_forms(ranked_forms(n, seed))
    flags = quality_flags(forms)
    cmp = with_and_without(forms, flags, units=UNITS, n_resamples=20, rng=seed)
    pd.testing.assert_frame_equal(cmp.scores, cmp.scores_excl_flagged)
    pd.testing.assert_frame_equal(cmp.ranking, cmp.ranking_excl_flagged)
    assert len(cmp.changes) == 0


def test_with_and_without_names_the_units_that_move():
    rows = ranked_forms(10, 1)
    # stuff U2 (series administration) with 12 all-满意 forms in 12 minutes
    rows += rows_of("X", "U2", "public", SAT, 12, start=0, step=60, collector="王某")
    forms = make_forms(rows)
    flags = quality_flags(forms, units=UNITS)
    cmp = with_and_without(forms, flags, units=UNITS, n_resamples=50, rng=3)
    assert cmp.excluded.tolist() == [f"X{i:02d}" for i in range(1, 13)]
    official = cmp.ranking.set_index("unit")
    without = cmp.ranking_excl_flagged.set_index("unit")
    assert official.loc["U2", "composite"] > without.loc["U2", "composite"]
    assert without.loc["U1", "composite"] == official.loc["U1", "composite"]
    moved = {
        u
        for u in UNITS["unit"]
        if official.loc[u, "rank"] != without.loc[u, "rank"]
        or official.loc[u, "standing"] != without.loc[u, "standing"]
        or official.loc[u, "grade"] != without.loc[u, "grade"]
    }
    assert set(cmp.changes["unit"]) == moved
    # the recomputation is the pipeline on the remaining forms
    again = with_and_without(
        forms[~forms["form_id"].isin(cmp.excluded)], flags.iloc[:0], units=UNITS, n_resamples=50
    )
    pd.testing.assert_frame_equal(cmp.scores_excl_flagged, again.scores)


# ---------------------------------------------------------------------- the demo town
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    write_demo(root)
    return {c: validate_cycle(root / "data" / "raw" / c) for c in ("2026H1", "2026A")}


@pytest.mark.parametrize("cycle", ["2026H1", "2026A"])
def test_demo_typed_twice_found_and_nothing_else_of_that_kind(demo, cycle):
    v = demo[cycle]
    flags = quality_flags(v)
    twice = of_check(flags, "typed_twice")
    assert sorted(twice["form_ids"]) == sorted(v.duplicates["form_id"])
    assert len(twice) == {"2026H1": 3, "2026A": 4}[cycle]
    assert len(of_check(flags, "near_duplicate")) == 0
    assert len(of_check(flags, "full_satisfaction")) == 0
    assert len(of_check(flags, "response_rate")) == 0
    bursts = of_check(flags, "burst")
    if cycle == "2026A":
        assert len(bursts) == 0
        return
    # the planted burst: 15 all-满意 forms for 运管站 from 王某 within 10 minutes
    f = v.forms
    planted = f[f["collector"] == "王某"]
    assert len(planted) == 15
    assert (planted[DIMS] == "satisfied").all().all()
    assert as_records(bursts, ["unit", "collector", "form_ids", "n_forms", "value"]) == [
        {
            "unit": "transport_station",
            "collector": "王某",
            "form_ids": ";".join(sorted(planted["form_id"])),
            "n_forms": 15,
            "value": 15.0,
        }
    ]
    span = planted["submitted_at"].max() - planted["submitted_at"].min()
    assert span < pd.Timedelta("10min")
    assert "王某" in of_check(flags, "straight_lining")["collector"].tolist()


def test_demo_with_and_without_the_burst(demo):
    v = demo["2026H1"]
    flags = quality_flags(v)
    cmp = with_and_without(v, flags, n_resamples=100, rng=2026)
    planted = v.forms.loc[v.forms["collector"] == "王某", "form_id"]
    assert cmp.excluded.tolist() == sorted(planted)
    changes = cmp.changes.set_index("unit")
    # without the burst 运管站 drops below 建管站 and becomes the last of 行政执法
    assert changes.loc["transport_station", "rank"] == 7
    assert changes.loc["transport_station", "rank_excl_flagged"] == 8
    assert changes.loc["construction_station", "rank_excl_flagged"] == 7
    text = describe_quality_comparison(cmp)
    assert text[0].startswith("剔除 15 份被标记的问卷后重算")
    assert any(line.startswith("运管站：名次 7 → 8") for line in text)
    assert len(cmp.scores) == len(cmp.scores_excl_flagged)


def test_demo_response_rates(demo):
    v = demo["2026H1"]
    rates = response_rates(v)
    cells = rates[(rates["unit"] != "all")]
    returned = pd.concat([v.forms[["unit", "group"]], v.voided[["unit", "group"]]])
    assert cells["returned"].sum() == len(returned)
    assert cells["issued"].sum() == v.forms_issued["issued"].sum()
    assert ((cells["rate"] >= 0.5) & (cells["rate"] <= 1)).all()


def test_describe_quality_orders_warnings_first(demo):
    flags = quality_flags(demo["2026H1"])
    text = describe_quality(flags, lang="en")
    assert text[0] == (
        "The data-quality checks raised 7 flag(s): forms typed twice: 3; straight-lining: 3; "
        "bursts of identical forms: 1."
    )
    assert text[1].startswith('15 forms with identical answers (all 5 answers "Satisfied")')
    assert text[-1].startswith("3 form(s) were typed twice and are counted once: ")


# ---------------------------------------------------------------------- bad arguments
FORMS = make_forms(background())


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"burst_min": 1}, ValueError, "burst_min must be at least 2; got 1"),
        ({"burst_min": 2.5}, TypeError, "burst_min must be a whole number; got 2.5"),
        ({"burst_min": True}, TypeError, "burst_min must be a whole number; got True"),
        (
            {"burst_window": "soon"},
            ValueError,
            "burst_window must be a duration such as '30min'; got 'soon'",
        ),
        (
            {"burst_window": "-5min"},
            ValueError,
            "burst_window must be a positive duration such as '30min'; got '-5min'",
        ),
        (
            {"burst_window": 30},
            TypeError,
            "burst_window must be a duration such as '30min'; got 30",
        ),
        (
            {"near_duplicate_window": "0s"},
            ValueError,
            "near_duplicate_window must be a positive duration such as '1min'; got '0s'",
        ),
        ({"comment_min_chars": 0}, ValueError, "comment_min_chars must be at least 1; got 0"),
        ({"straightline_min_n": 0}, ValueError, "straightline_min_n must be at least 1; got 0"),
        (
            {"straightline_alpha": 1.5},
            ValueError,
            "straightline_alpha must be strictly between 0 and 1; got 1.5",
        ),
        (
            {"straightline_alpha": "0.05"},
            TypeError,
            "straightline_alpha must be a number strictly between 0 and 1; got '0.05'",
        ),
        (
            {"adjust": "sidak"},
            ValueError,
            "adjust must be one of 'holm', 'bh', 'bonferroni', 'none'; got 'sidak'",
        ),
        ({"full_satisfaction_n": 0}, ValueError, "full_satisfaction_n must be at least 1; got 0"),
        (
            {"full_satisfaction_level": "all"},
            ValueError,
            "full_satisfaction_level must be one of 'top_box', 'satisfied'; got 'all'",
        ),
        (
            {"min_response_rate": 2},
            ValueError,
            "min_response_rate must be between 0 and 1; got 2",
        ),
        (
            {"min_response_rate": None},
            TypeError,
            "min_response_rate must be a number between 0 and 1; got None",
        ),
        (
            {"duplicates": [1]},
            TypeError,
            "duplicates must be a pandas DataFrame; got list",
        ),
        (
            {"duplicates": pd.DataFrame({"id": ["x"]})},
            ValueError,
            "duplicates lacks column(s) ['form_id']; pass ValidatedCycle.duplicates "
            "(form_id, source_file, source_row, first_row)",
        ),
        (
            {"forms_issued": "issued.csv"},
            TypeError,
            "forms_issued must be a pandas DataFrame; got str",
        ),
        (
            {"forms_issued": pd.DataFrame({"unit": [], "group": []})},
            ValueError,
            "forms_issued lacks column(s) ['issued']; it needs ['unit', 'group', 'issued']",
        ),
    ],
)
def test_quality_flags_bad_arguments(kwargs, error, message):
    with pytest.raises(error) as exc:
        quality_flags(FORMS, **kwargs)
    assert str(exc.value) == message


def test_bad_forms():
    with pytest.raises(TypeError) as exc:
        quality_flags([1, 2])
    assert str(exc.value) == "validated must be a ValidatedCycle or a forms DataFrame; got list"
    with pytest.raises(ValueError) as exc:
        quality_flags(FORMS.drop(columns="form_id"))
    assert str(exc.value) == "forms lacks column(s) ['form_id']"
    with pytest.raises(ValueError) as exc:
        quality_flags(FORMS.assign(form_id=["X"] * len(FORMS)))
    assert str(exc.value) == "forms repeats form id(s) within a cycle: ['X']"
    with pytest.raises(ValueError) as exc:
        quality_flags(FORMS.assign(form_id=[None] * len(FORMS)))
    assert str(exc.value) == "forms['form_id'] has missing values"
    two = pd.concat([FORMS, FORMS.assign(cycle="2026A")], ignore_index=True)
    assert len(quality_flags(two)) == 0  # the same ids in two cycles are fine
    with pytest.raises(ValueError) as exc:
        response_rates(two, forms_issued=ISSUED)
    assert str(exc.value) == (
        "forms_issued belongs to one cycle, but forms hold several: ['2026A', '2026H1']; "
        "check one cycle at a time"
    )


def test_flagged_form_ids_bad_arguments():
    flags = quality_flags(FORMS)
    with pytest.raises(TypeError) as exc:
        flagged_form_ids("flags.csv")
    assert str(exc.value) == "flags must be a pandas DataFrame (from quality_flags); got str"
    with pytest.raises(ValueError) as exc:
        flagged_form_ids(flags.drop(columns=["reason", "pvalue"]))
    assert str(exc.value) == (
        "flags lacks column(s) ['reason', 'pvalue']; pass the output of quality_flags()"
    )
    with pytest.raises(ValueError) as exc:
        flagged_form_ids(flags, checks=("burst", "bursts"))
    assert str(exc.value) == (
        "checks must be one of 'typed_twice', 'near_duplicate', 'straight_lining', 'burst', "
        "'full_satisfaction', 'response_rate', 'straight_respondent', 'duplicate_respondent', "
        "'blank_units'; got 'bursts'"
    )
    with pytest.raises(TypeError) as exc:
        flagged_form_ids(flags, checks=5)
    assert str(exc.value) == "checks must be a sequence of check names; got 5"
    rows = pd.DataFrame({c: ["x"] for c in QUALITY_COLUMNS}).assign(cycle=["2026A"])
    several = pd.concat([rows, rows.assign(cycle=["2026H1"])], ignore_index=True)
    with pytest.raises(ValueError) as exc:
        flagged_form_ids(several)
    assert (
        str(exc.value) == "flags hold several cycles ['2026A', '2026H1']; pass cycle= to choose one"
    )
    with pytest.raises(TypeError) as exc:
        flagged_form_ids(several, cycle=2026)
    assert str(exc.value) == "cycle must be a str; got 2026"
    assert flagged_form_ids(several.assign(check="burst"), cycle="2026A").tolist() == ["x"]


def test_with_and_without_bad_arguments():
    forms = make_forms(ranked_forms(4))
    flags = quality_flags(forms)
    with pytest.raises(ValueError) as exc:
        with_and_without(forms, flags)
    assert str(exc.value) == (
        "units is required with a forms table: a table with unit, name, series"
    )
    other = pd.DataFrame({c: ["x"] for c in QUALITY_COLUMNS}).assign(cycle=["2025A"])
    with pytest.raises(ValueError) as exc:
        with_and_without(forms, other, units=UNITS)
    assert str(exc.value) == "flags belong to cycle(s) ['2025A'], not to the forms' ['2026H1']"
    ghost = other.assign(cycle=["2026H1"], check=["burst"], form_ids=["G1;G2"])
    with pytest.raises(ValueError) as exc:
        with_and_without(forms, ghost, units=UNITS)
    assert str(exc.value) == "flags name form id(s) not in the forms: ['G1', 'G2']"
    with pytest.raises(ValueError) as exc:
        with_and_without(forms, flags, units=UNITS, n_resamples=0)
    assert str(exc.value) == "n_resamples must be at least 1; got 0"
    with pytest.raises(TypeError) as exc:
        with_and_without(forms, flags, units=UNITS, rng="seed")
    assert str(exc.value) == ("rng must be None, an int seed or a numpy.random.Generator; got str")
    cmp = with_and_without(forms, flags, units=UNITS, n_resamples=5, rng=1)
    with pytest.raises(ValueError) as exc:
        describe_quality_comparison(cmp, "fr")
    assert str(exc.value) == "lang must be one of 'zh', 'en'; got 'fr'"
    with pytest.raises(ValueError) as exc:
        describe_quality(flags, lang="de")
    assert str(exc.value) == "lang must be one of 'zh', 'en'; got 'de'"


# ---------------------------------------------------------------------- counted cycles
_Q_HEAD = ["问卷编号", "被评单位", "评议人类别", "政务公开", "依法行政", "办事效率", "服务质量"]
_Q_HEAD += ["清正廉洁", "意见建议", "填表时间", "收集人"]
_Q_OPTIONS = {
    "burst_min": 3,
    "burst_window": "10min",
    "near_duplicate_window": "2min",
    "straightline_min_n": 3,
    "full_satisfaction_n": 2,
    "min_response_rate": 0.9,
}
_q_row = st.tuples(
    st.sampled_from(["u1", "u2"]),
    st.sampled_from(["企业", "群众"]),
    st.sampled_from([("满意",) * 5, ("满意", "比较满意", "满意", "满意", None), ("不满意",) * 5]),
    st.sampled_from([None, "办事太慢了！！", "办事 太慢了", "好"]),
    st.one_of(st.none(), st.integers(0, 40)),
    st.sampled_from([None, "甲", "乙", " 甲 "]),
)


def _q_cycle(folder, rows, dup, void):
    folder.mkdir(parents=True)
    t0 = pd.Timestamp("2026-09-01 08:00")
    data = [
        (
            f"F{i:03d}",
            u,
            g,
            *a,
            c,
            None if m is None else (t0 + pd.Timedelta(minutes=m)).strftime("%Y-%m-%d %H:%M"),
            k,
        )
        for i, (u, g, a, c, m, k) in enumerate(rows)
    ]
    if dup and data:
        data.append(data[0])
    pd.DataFrame(data, columns=_Q_HEAD, dtype=object).to_parquet(folder / "responses.parquet")
    pd.DataFrame({"单位编码": ["u1", "u2"], "单位名称": ["一", "二"], "序列": "行政管理"}).to_csv(
        folder / "units.csv", index=False
    )
    if void and len(data) > 1:
        pd.DataFrame({"问卷编号": [data[1][0]], "作废原因": ["作废"]}).to_csv(
            folder / "exclusions.csv", index=False
        )
    issued = [(u, g, 12) for u in ("u1", "u2") for g in ("企业", "群众")]
    pd.DataFrame(issued, columns=["被评单位", "评议人类别", "发放数"]).to_csv(
        folder / "forms_issued.csv", index=False
    )
    return folder


@settings(max_examples=20, deadline=None)
@given(
    rows=st.lists(_q_row, min_size=1, max_size=25),
    dup=st.booleans(),
    void=st.booleans(),
)
def test_counted_cycle_gives_the_same_flags(tmp_path_factory, rows, dup, void):
    # the out-of-core checks run on candidate forms only: every flag must be the same
    pytest.importorskip("duckdb")
    from evalstats.counts.backends import count_cycle

    folder = _q_cycle(tmp_path_factory.mktemp("q") / "2026Q", rows, dup, void)
    if dup and void and len(rows) == 1:  # the one form voided: nothing to score (issue 15)
        for path in (validate_cycle, lambda f: count_cycle(f, backend="duckdb")):
            with pytest.raises(InputError, match="no form of the cycle has a scored answer"):
                path(folder)
        return
    v = validate_cycle(folder)
    counted = count_cycle(folder, backend="duckdb", keep_rows=True)
    try:
        got = quality_flags(counted, **_Q_OPTIONS)
        rates = response_rates(counted)
    finally:
        counted.close()
    pd.testing.assert_frame_equal(got, quality_flags(v, **_Q_OPTIONS))
    pd.testing.assert_frame_equal(rates, response_rates(v))
    assert counted.rows.con is None  # closed: the DuckDB table and staged files are gone


def test_cycle_codes_from_a_categorical_equal_those_of_its_text():
    # prepare_forms codes a categorical cycle column from its codes (no string per form):
    # unused and unsorted categories change nothing
    from evalstats.stats.quality.source import prepare_forms

    two = pd.concat([FORMS.assign(cycle="2026H1"), FORMS.assign(cycle="2026A")])
    two = two.assign(form_id=[f"f{i}" for i in range(len(two))]).reset_index(drop=True)
    cat = two.assign(cycle=pd.Categorical(two["cycle"], categories=["2026H1", "2027X", "2026A"]))
    a, b = prepare_forms(two, S, None), prepare_forms(cat, S, None)
    assert a.cycles == b.cycles == ["2026A", "2026H1"]
    assert (a.cyc == b.cyc).all() and (a.cycle == b.cycle).all()
    assert b.cycle.dtype == object and isinstance(b.cycle[0], str)


# the burst scan's windows: one int64 binary search per row, against a brute-force count
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 40)), min_size=0, max_size=60),
    st.integers(0, 25),
    st.sampled_from([1, 10**9, 7]),
    st.booleans(),
)
def test_burst_windows_equal_a_brute_force_count(pairs, window, unit, huge_keys):
    import evalstats.stats.quality.burst as burst_module

    key = np.array([k for k, _ in pairs], np.int64)
    t = np.array([v for _, v in pairs], np.int64) * unit
    if huge_keys:  # keys spread over the int64 range: the (key, time) pair cannot be one int64
        key = key * (2**59)
    w = window * unit
    order = burst_module._time_order(key, t, w)
    assert order.tolist() == np.lexsort((t, key)).tolist()
    key, t = key[order], t[order]
    ends = burst_module._window_ends(key, t, w)
    brute = [
        int(((key < k) | ((key == k) & (t <= v + w))).sum()) for k, v in zip(key, t, strict=True)
    ]
    assert ends.tolist() == brute


def test_burst_windows_when_key_and_time_do_not_fit_one_int64():
    """Times to the nanosecond over years and many keys: the lexsort way, the same counts."""
    import evalstats.stats.quality.burst as burst_module

    rng = np.random.default_rng(5)
    key = np.sort(rng.integers(0, 2000, 3000)) * 3
    t = rng.integers(0, 10**17, 3000)
    t[::7] = t[1::7][: len(t[::7])]  # some equal times
    order = np.lexsort((t, key))
    key, t = key[order], t[order]
    group = np.cumsum(np.concatenate([[True], key[1:] != key[:-1]])) - 1
    assert burst_module._key_times(group, t, 3 * 10**16)[0] is None  # the fallback is taken
    big = key * 2**50
    assert burst_module._key_times(big, t, 1)[0] is None
    assert burst_module._time_order(big, t, 1).tolist() == np.lexsort((t, big)).tolist()
    ends = burst_module._window_ends(key, t, 3 * 10**16)
    brute = [
        int(((key < k) | ((key == k) & (t <= v + 3 * 10**16))).sum())
        for k, v in zip(key, t, strict=True)
    ]
    assert ends.tolist() == brute


@pytest.mark.parametrize("cycle", ["2026H1", "2026A"])
def test_validated_cycle_ids_are_distinct_so_quality_flags_trusts_them(demo, cycle):
    # quality_flags does not check a validated cycle's form ids again: validation leaves no
    # blank id, keeps them text, counts one copy of an id typed twice (the demo plants some)
    # and none of one in conflict
    from evalstats.stats.quality.source import prepare_forms

    v = demo[cycle]
    assert len(v.duplicates) > 0
    ids = v.forms["form_id"]
    assert not ids.duplicated().any() and ids.notna().all()
    assert pd.api.types.infer_dtype(ids, skipna=False) == "string"
    tables = dict(
        scheme=v.scheme,
        forms_issued=v.forms_issued,
        duplicates=v.duplicates,
        voided=v.voided,
        units=v.units,
    )
    pd.testing.assert_frame_equal(quality_flags(v), quality_flags(v.forms, **tables))
    # the caller's word is taken: repeated ids are not looked for then
    twice = v.forms.assign(form_id="X")
    with pytest.raises(ValueError, match="repeats form id"):
        prepare_forms(twice, v.scheme, None)
    assert len(prepare_forms(twice, v.scheme, None, validated=True).form_id) == len(twice)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-1, 5), max_size=30), st.booleans(), st.integers(1, 3))
def test_group_members_are_each_labels_positions(labels, ordered, min_size):
    # labels in order (a wide file's respondents) are not sorted again: the same members
    from evalstats.stats.quality.source import group_members

    labels = np.array(sorted(labels) if ordered else labels, np.int64)
    got = [m.tolist() for m in group_members(labels, min_size)]
    want = [np.flatnonzero(labels == g).tolist() for g in range(int(labels.max(initial=-1)) + 1)]
    assert got == [w for w in want if len(w) >= min_size]
