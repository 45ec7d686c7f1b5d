"""The out-of-core backends see a long file's respondents as validate_cycle does (issue 17).

A long responses file names each form's respondent by a respondent column (答卷人编号) or, with
a pseudonym key, by its identifier columns (联系电话, 评议人姓名).  The DuckDB and Dask backends
stage that respondent (never the identifiers), so the respondent design, the ranking and the
respondent checks are the in-memory path's, byte for byte.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from evalstats.counts.backends import count_cycle
from evalstats.counts.backends.source import RESPONDENT
from evalstats.inputs.demo import demo_files
from evalstats.inputs.validate import validate_cycle
from evalstats.stats.design import respondent_design

pytest.importorskip("duckdb")

KEY = "a test secret of at least sixteen bytes"


def _cycle(tmp_path, *, identifiers: bool, fmt: str, respondent_column: bool = False):
    """The demo's 2026H1 (with names and phone numbers if ``identifiers``) as CSV or Parquet;
    with ``respondent_column`` the phone numbers become a 答卷人编号 column, a few typed
    with full-width letters and spaces or left blank."""
    files = demo_files(with_identifiers=identifiers)["2026H1"]
    folder = tmp_path / "raw" / "2026H1"
    folder.mkdir(parents=True)
    for name, data in files.items():
        if name != "responses.xlsx":
            (folder / name).write_bytes(data)
    grid = pd.read_excel(
        io.BytesIO(files["responses.xlsx"]), header=None, dtype=str, engine="calamine"
    )
    header = grid.iloc[1].tolist()  # row 1 is the sheet's title
    body = grid.iloc[2:].reset_index(drop=True)
    body.columns = header
    if respondent_column:
        phone = body.pop("联系电话")
        body.pop("评议人姓名")
        ids = "R" + phone.str[-6:]
        rng = np.random.default_rng(1)
        messy = rng.random(len(ids)) < 0.2
        ids[messy] = " Ｒ" + ids[messy].str[1:] + " "  # NFKC and trimmed: the same respondent
        ids[rng.random(len(ids)) < 0.05] = None  # no respondent: its own
        body["答卷人编号"] = ids
    if fmt == "csv":
        body.to_csv(folder / "responses.csv", index=False)
    else:
        body.to_parquet(folder / "responses.parquet", index=False)
    return folder


def body_of(folder, fmt):
    if fmt == "csv":
        return pd.read_csv(folder / "responses.csv", dtype=str)
    return pd.read_parquet(folder / "responses.parquet")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("kind", ["identifiers", "respondent_column"])
def test_the_duckdb_backend_carries_a_long_files_respondents(tmp_path, monkeypatch, fmt, kind):
    monkeypatch.setenv("EVALSTATS_PSEUDONYM_KEY", KEY)
    folder = _cycle(
        tmp_path, identifiers=True, fmt=fmt, respondent_column=kind == "respondent_column"
    )
    v = validate_cycle(folder)
    c = count_cycle(folder, backend="duckdb", keep_rows=True)
    try:
        d1 = respondent_design(v.forms, scheme=v.scheme)
        d2 = respondent_design(c.respondents, scheme=v.scheme)
        assert d1.kind == d2.kind == "respondents"
        assert d1.n_clusters == d2.n_clusters < len(v.forms)
        for field in ("cyc", "unit", "group", "cluster", "levels", "count", "stratum", "labels"):
            np.testing.assert_array_equal(getattr(d2, field), getattr(d1, field), err_msg=field)
        # the row store gives the forms with their respondents, as validate_cycle does
        got = c.rows.forms()
        pd.testing.assert_series_equal(got["respondent"], v.forms["respondent"])
        # the staged file holds the respondent, never a name or a phone number
        staged = c.validated.source.parquet
        assert c.validated.source.columns["respondent"] == RESPONDENT
        names = pq.ParquetFile(staged).schema_arrow.names
        assert RESPONDENT in names and len(names) == len(set(names))
        table = pq.read_table(staged)
        cells = {str(x) for col in table.columns for x in col.to_pylist()}
        if kind == "identifiers":
            given = body_of(folder, fmt)
            typed = set(given["联系电话"].dropna()) | set(given["评议人姓名"].dropna())
            assert typed and not (typed & cells)
    finally:
        c.rows.close()


def test_without_a_key_the_identifiers_name_no_respondent(tmp_path, monkeypatch):
    # as validate_cycle: the identifiers are dropped (a warning), every form its own respondent
    monkeypatch.delenv("EVALSTATS_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("EVALSTATS_PSEUDONYM_KEY_FILE", raising=False)
    folder = _cycle(tmp_path, identifiers=True, fmt="csv")
    v = validate_cycle(folder)
    c = count_cycle(folder, backend="duckdb")
    assert "respondent" not in v.forms.columns and c.respondents is None
    assert "identifiers_dropped" in set(c.validated.problems["code"])
    assert "identifiers_dropped" in set(v.problems["code"])


@pytest.mark.parametrize("backend", ["duckdb", "dask"])
def test_the_half_year_analysis_is_byte_identical_on_every_backend(tmp_path, monkeypatch, backend):
    # every table and the summary (design effects, the respondent checks, bursts counted by
    # respondent sheet) as the in-memory path writes them; before, the out-of-core backends
    # ignored a long file's respondents and published another ranking
    from evalstats.analyses import cycle as analysis
    from evalstats.present.export import write_analysis

    if backend == "dask":
        pytest.importorskip("distributed")
    monkeypatch.setenv("EVALSTATS_PSEUDONYM_KEY", KEY)
    folder = _cycle(tmp_path, identifiers=True, fmt="csv", respondent_column=True)
    kw = {"data_dir": folder.parent, "n_resamples": 200, "seed": 11}

    def written(a, out):
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in write_analysis(a, out)}

    ref = written(analysis.half_year("2026H1", **kw), tmp_path / "pandas")
    got = written(analysis.half_year("2026H1", backend=backend, **kw), tmp_path / backend)
    assert sorted(got) == sorted(ref)
    assert [k for k in ref if got[k] != ref[k]] == []
    assert b'"kind": "respondents"' in ref["summary.json"]
