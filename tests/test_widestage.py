"""The DuckDB backend reads the wide layout (one row per respondent) as validate_cycle does."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evalstats import pattern_counts
from evalstats.counts.backends import count_cycle
from evalstats.counts.tally import tally
from evalstats.inputs.demo import demo_files
from evalstats.inputs.validate import validate_cycle

pytest.importorskip("duckdb")


def _as_parquet(folder):
    """The cycle's responses.csv rewritten as responses.parquet (every cell as text)."""
    frame = pd.read_csv(folder / "responses.csv", dtype=str, keep_default_na=False)
    frame = frame.replace("", None)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(
        table.cast(pa.schema([pa.field(c, pa.string()) for c in frame.columns])),
        folder / "responses.parquet",
    )
    (folder / "responses.csv").unlink()


def _same_as_validate(folder, **options):
    v = validate_cycle(folder, raise_on_error=False, **options)
    c = count_cycle(folder, backend="duckdb", raise_on_error=False, **options)
    pd.testing.assert_frame_equal(c.counts, tally(v.forms, v.scheme))
    pd.testing.assert_frame_equal(c.patterns, pattern_counts(v.forms, v.scheme))
    s = c.validated
    pd.testing.assert_frame_equal(s.problems, v.problems)
    cols = ["form_id", "source_row", "first_row"]
    pd.testing.assert_frame_equal(
        s.duplicates[cols].reset_index(drop=True), v.duplicates[cols].reset_index(drop=True)
    )
    cols = ["form_id", "unit", "group", "source_row", "reason"]
    pd.testing.assert_frame_equal(
        s.voided[cols].astype(object).reset_index(drop=True),
        v.voided[cols].astype(object).reset_index(drop=True),
    )
    return v, c


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("cycle", ["2026H1", "2026A"])
def test_the_wide_demo_counts_as_in_memory(tmp_path, fmt, cycle):
    # evalstats demo --layout wide: copies typed twice, a voided form, per-unit comments
    folder = tmp_path / cycle
    folder.mkdir()
    for name, data in demo_files(layout="wide")[cycle].items():
        (folder / name).write_bytes(data)
    if fmt == "parquet":
        _as_parquet(folder)
    v, c = _same_as_validate(folder, today="2026-12-31")
    assert len(v.forms) > 1000 and len(v.duplicates) > 0
    assert c.counts["count"].sum() == len(v.forms) * len(v.scheme.dimension_codes)


_UNITS = "单位编码,单位名称,序列\nu01,党政办,行政管理\nu02,财政所,行政管理\nu03,司法所,行政管理\n"
_WIDE = [
    [
        "答卷编号",
        "评议人类别",
        "党政办-政务公开",
        "党政办-办事效率",
        "财政所-政务公开",
        "财政所-办事效率",
        "政务公开（司法所）",
        "办事效率（司法所）",
        "司法所-意见建议",
        "备注栏",
    ],
    ["r1", "企业", "满意", "１", "比较满意", "", "", "", "", "x"],  # row 2: full-width digit
    ["r2", "群众", "很好", "满意", "", "", "不满意", "满意", "太慢", ""],  # 3: unknown level
    ["r3", "", "满意", "满意", "满意", "满意", "", "", "", ""],  # 4: blank group
    ["r4", "企业", "", "", "", "", "", "", "", "y"],  # 5: no unit rated
    ["", "企业", "满意", "", "", "", "", "", "", ""],  # 6: blank row id
    ["r1", "企业", "满意", "１", "比较满意", "", "", "", "", ""],  # 7: r1 typed twice
]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_wide_problems_name_the_wide_row_and_column(tmp_path, fmt):
    folder = tmp_path / "2026W"
    folder.mkdir()
    (folder / "units.csv").write_text(_UNITS, encoding="utf-8")
    text = "\n".join(",".join(r) for r in _WIDE) + "\n"
    (folder / "responses.csv").write_text(text, encoding="utf-8")
    if fmt == "parquet":
        _as_parquet(folder)
    _, c = _same_as_validate(folder, today="2026-12-31")
    p = c.validated.problems
    p = p[p["file"].str.contains("responses")]
    got = sorted(zip(p["row"], p["column"].fillna(""), p["code"], strict=True))
    assert got == [
        (1, "备注栏", "unknown_column"),
        (3, "党政办-政务公开", "unknown_level"),
        (4, "评议人类别", "blank_value"),
        (5, "", "empty_wide_row"),
        (6, "答卷编号", "blank_value"),
        (7, "答卷编号", "duplicate_form"),
        (7, "答卷编号", "duplicate_form"),
    ]
    assert c.validated.duplicates["first_row"].tolist() == [2, 2]


def test_the_respondent_design_is_carried(tmp_path):
    # forms sharing respondents: scores, composites and ranking with respondents as clusters,
    # identical to the in-memory path (whose design comes from the forms' respondent column)
    from evalstats.stats.pipeline import score_counts, score_cycle

    folder = tmp_path / "2026H1"
    folder.mkdir()
    for name, data in demo_files(layout="wide")["2026H1"].items():
        (folder / name).write_bytes(data)
    v = validate_cycle(folder, raise_on_error=False)
    c = count_cycle(folder, backend="duckdb", raise_on_error=False)
    assert c.respondents["respondent"].nunique() == v.forms["respondent"].nunique()
    a = score_cycle(v, n_resamples=300, rng=5)
    b = score_counts(c, n_resamples=300, rng=5)
    assert a.design.kind == b.design.kind == "respondents"
    for name in ("scores", "composites", "ranking"):
        pd.testing.assert_frame_equal(getattr(b, name), getattr(a, name), obj=name)


def test_the_half_year_analysis_of_a_wide_cycle_is_byte_identical(tmp_path):
    # every table, the summary and the quality checks (bursts counted by respondent sheet,
    # units left blank) as the in-memory path writes them
    from evalstats.analyses import cycle as analysis
    from evalstats.present.export import write_analysis

    raw = tmp_path / "raw"
    for name, data in demo_files(layout="wide")["2026H1"].items():
        (raw / "2026H1").mkdir(parents=True, exist_ok=True)
        (raw / "2026H1" / name).write_bytes(data)
    kw = {"data_dir": raw, "n_resamples": 200, "seed": 11}

    def written(a, folder):
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in write_analysis(a, folder)}

    ref = written(analysis.half_year("2026H1", **kw), tmp_path / "pandas")
    got = written(analysis.half_year("2026H1", backend="duckdb", **kw), tmp_path / "duckdb")
    assert sorted(got) == sorted(ref)
    assert [k for k in ref if got[k] != ref[k]] == []
    assert b"blank_units" in ref["tables/quality.csv"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_row_id_in_scientific_notation_is_the_same_error_on_both_paths(tmp_path, fmt):
    folder = tmp_path / "2026W"
    folder.mkdir()
    (folder / "units.csv").write_text(_UNITS, encoding="utf-8")
    rows = [list(r) for r in _WIDE]
    rows[1][0], rows[2][0] = "1.23456E+17", " １.23457e+17 "  # Excel's damage (NFKC, trimmed)
    text = "\n".join(",".join(r) for r in rows) + "\n"
    (folder / "responses.csv").write_text(text, encoding="utf-8")
    if fmt == "parquet":
        _as_parquet(folder)
    _, c = _same_as_validate(folder, today="2026-12-31")
    p = c.validated.problems
    damaged = p[p["code"] == "id_precision"]
    assert list(zip(damaged["row"], damaged["column"], damaged["value"], strict=True)) == [
        (2, "答卷编号", "1.23456E+17"),
        (3, "答卷编号", "1.23457e+17"),
    ]
    assert (damaged["severity"] == "error").all()
