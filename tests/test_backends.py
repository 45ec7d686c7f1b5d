"""Backends of the tally: pandas, DuckDB (out of core) and Dask give identical tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalstats import pattern_counts
from evalstats.core.errors import InputError
from evalstats.core.scheme import load_scheme
from evalstats.counts.backends import (
    CycleCounts,
    choose_backend,
    count_cycle,
    dask_client,
    pattern_counts_files,
    scan_cycle,
    tally_files,
)
from evalstats.counts.tally import tally
from evalstats.inputs.validate import validate_cycle

pytest.importorskip("duckdb")
pytest.importorskip("distributed")

SCHEME = load_scheme()
DIMS = [d.label_zh for d in SCHEME.dimensions]
LEVELS = ["满意", "比较满意", "基本满意", "不满意", "不了解", "1", "２", "满 意", "satisfied"]
GROUPS = ["企业", "群众", "社会义务监督员", "人大代表", "服务对象", "public"]
UNITS = ["u01", "u02", "u03", "u04"]
HEAD = ["问卷编号", "被评单位", "评议人类别", *DIMS]


def _write_cycle(folder, rows, *, fmt="parquet", exclusions=(), issued=None):
    """A cycle folder: responses (rows of HEAD), units.csv, optional exclusions / issued."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=HEAD, dtype=object)
    if fmt == "parquet":
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.cast(pa.schema([pa.field(c, pa.string()) for c in HEAD]))
        pq.write_table(table, folder / "responses.parquet")
    else:
        frame.to_csv(folder / "responses.csv", index=False, encoding="utf-8")
    pd.DataFrame(
        {"单位编码": UNITS, "单位名称": [f"单位{u}" for u in UNITS], "序列": "行政管理"}
    ).to_csv(folder / "units.csv", index=False)
    if exclusions:
        pd.DataFrame({"问卷编号": list(exclusions), "作废原因": "作废"}).to_csv(
            folder / "exclusions.csv", index=False
        )
    if issued is not None:
        issued.to_csv(folder / "forms_issued.csv", index=False)
    return folder


_row = st.tuples(
    st.integers(1, 12).map(str),
    st.sampled_from([*UNITS, "单位u02"]),
    st.sampled_from(GROUPS),
    *[st.sampled_from([*LEVELS, None]) for _ in DIMS],
)


@pytest.fixture(scope="module")
def client():
    with dask_client(None, n_workers=1) as c:  # one worker process keeps the test quick
        yield c


def _expected(folder, **options):
    v = validate_cycle(folder, raise_on_error=False, **options)
    return v, tally(v.forms, v.scheme), pattern_counts(v.forms, v.scheme)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    rows=st.lists(_row, min_size=1, max_size=30),
    voided=st.lists(st.integers(1, 12).map(str), max_size=2, unique=True),
    fmt=st.sampled_from(["parquet", "csv"]),
)
def test_backends_equal_the_in_memory_path(tmp_path_factory, client, rows, voided, fmt):
    # ids 1..12 repeat often: typed twice (same answers) and conflicting copies both occur
    rows = [list(r) for r in rows]
    present = {r[0] for r in rows}
    folder = _write_cycle(
        tmp_path_factory.mktemp("c") / "2026X",
        rows,
        fmt=fmt,
        exclusions=[i for i in voided if i in present],
    )
    v, counts, patterns = _expected(folder)
    for backend, opts in (("duckdb", {"memory_limit": "100MB"}), ("dask", {"scheduler": client})):
        got = count_cycle(folder, backend=backend, raise_on_error=False, **opts)
        pd.testing.assert_frame_equal(got.counts, counts)
        pd.testing.assert_frame_equal(got.patterns, patterns)
        only = tally_files(folder, backend=backend, raise_on_error=False, **opts)
        pd.testing.assert_frame_equal(only, counts)
        s = got.validated
        key = ["severity", "row", "column", "code", "reason"]
        pd.testing.assert_frame_equal(
            s.problems[key].astype(str).reset_index(drop=True),
            v.problems[key].astype(str).reset_index(drop=True),
        )
        assert s.duplicates["source_row"].tolist() == v.duplicates["source_row"].tolist()
        assert s.voided["source_row"].tolist() == v.voided["source_row"].tolist()


def test_problems_are_reported_with_their_rows(tmp_path):
    rows = [
        ["1", "u01", "企业", *["满意"] * 5],
        ["2", "u09", "企业", *["满意"] * 5],  # unknown unit, row 3
        ["3", "u01", "外星人", *["满意"] * 5],  # unknown group, row 4
        ["4", "u01", "群众", "很好", *["满意"] * 4],  # unknown level, row 5
        ["1", "u01", "企业", *["满意"] * 5],  # typed twice, row 6
        ["5", "u02", "企业", *["满意"] * 5],
        ["5", "u02", "企业", *["不满意"] * 5],  # conflicting copy, row 8
        [None, "u02", "企业", *["满意"] * 5],  # blank id, row 9
    ]
    folder = _write_cycle(tmp_path / "2026X", rows)
    with pytest.raises(InputError) as info:
        scan_cycle(folder)
    p = info.value.problems
    assert p["code"].iloc[-2:].tolist() == ["unit_without_forms", "unit_without_forms"]
    p = p[p["file"].str.endswith("responses.parquet")].reset_index(drop=True)
    got = list(zip(p["severity"], p["row"], p["column"], p["code"], strict=True))
    assert got == [
        ("error", 3, "被评单位", "unknown_unit"),
        ("error", 4, "评议人类别", "unknown_group"),
        ("error", 5, "政务公开", "unknown_level"),
        ("error", 8, "问卷编号", "conflicting_duplicate"),
        ("error", 9, "问卷编号", "blank_value"),
        ("warning", 6, "问卷编号", "duplicate_form"),
    ]
    assert p["reason"].iloc[3] == "same form id as row 7 but different answers"
    s = scan_cycle(folder, raise_on_error=False)
    assert s.duplicates[["source_row", "first_row"]].values.tolist() == [[6, 2]]


def test_duckdb_reads_a_file_larger_than_its_memory_limit(tmp_path):
    from evalstats.inputs.demo import write_large

    folder = write_large(tmp_path / "2026L", forms=300_000, fmt="parquet", chunk_size=100_000)
    got = count_cycle(folder, backend="duckdb", memory_limit="64MB", threads=1)
    v, counts, patterns = _expected(folder)
    assert v.ok
    # the data, decoded, are larger than DuckDB may use (the Parquet file is compressed)
    assert v.forms.memory_usage(deep=True).sum() > 64 * 2**20
    pd.testing.assert_frame_equal(got.counts, counts)
    pd.testing.assert_frame_equal(got.patterns, patterns)
    assert got.counts["count"].sum() == 300_000 * len(DIMS)


def test_auto_picks_by_size_and_scheduler(tmp_path, monkeypatch):
    folder = _write_cycle(tmp_path / "2026X", [["1", "u01", "企业", *["满意"] * 5]])
    assert choose_backend(folder) == "pandas"
    assert choose_backend(folder, scheduler="tcp://127.0.0.1:1") == "dask"
    monkeypatch.setattr("evalstats.counts.backends.choose.AUTO_ROWS", 1)
    assert choose_backend(folder) == "duckdb"
    c = count_cycle(folder)
    assert isinstance(c, CycleCounts) and c.backend == "duckdb"
    pd.testing.assert_frame_equal(pattern_counts_files(folder), c.patterns)


def test_bad_options(tmp_path):
    folder = _write_cycle(tmp_path / "2026X", [["1", "u01", "企业", *["满意"] * 5]])
    with pytest.raises(ValueError) as info:
        count_cycle(folder, backend="spark")
    assert str(info.value) == (
        "backend must be one of 'auto', 'pandas', 'duckdb', 'dask'; got 'spark'"
    )
    with pytest.raises(ValueError) as info:
        count_cycle(folder, backend="duckdb", scheduler="tcp://127.0.0.1:1")
    assert str(info.value) == "scheduler is only used by the dask backend; got backend='duckdb'"
    with pytest.raises(ValueError) as info:
        count_cycle(folder, backend="duckdb", memory_limit="lots")
    assert str(info.value) == (
        "memory_limit must be a size such as '2GB' or '512MiB', or bytes; got 'lots'"
    )


def test_unreachable_scheduler(tmp_path, monkeypatch):
    monkeypatch.setattr("evalstats.counts.backends.dask.SCHEDULER_TIMEOUT", 0.5)
    folder = _write_cycle(tmp_path / "2026X", [["1", "u01", "企业", *["满意"] * 5]])
    with pytest.raises(ConnectionError) as info:
        count_cycle(folder, backend="dask", scheduler="tcp://127.0.0.1:9")
    assert str(info.value).startswith(
        "cannot reach the Dask scheduler at tcp://127.0.0.1:9 within 0.5 s ("
    )
    assert str(info.value).endswith("); is it running, and is the address right?")


@pytest.mark.parametrize(("backend", "module"), [("duckdb", "duckdb"), ("dask", "distributed")])
def test_missing_package(tmp_path, monkeypatch, backend, module):
    import importlib
    import types

    from evalstats.counts.backends import choose

    folder = _write_cycle(tmp_path / "2026X", [["1", "u01", "企业", *["满意"] * 5]])

    def fake_import_module(name, *args, **kwargs):
        if name == module or name.startswith(module + "."):
            raise ImportError(f"No module named {name!r}")
        return importlib.import_module(name, *args, **kwargs)

    # only evalstats' own import of the optional package is made to fail: sys.modules and
    # builtins.__import__ are left alone, which the module's live Dask client (its threads
    # import meanwhile) and every later test use
    monkeypatch.setattr(
        choose, "importlib", types.SimpleNamespace(import_module=fake_import_module)
    )
    with pytest.raises(ImportError) as info:
        count_cycle(folder, backend=backend)
    assert str(info.value) == (
        f"the {backend} backend needs the Python package {module!r}, which is not "
        'installed; install it with: pip install "evalstats[scale]"'
    )


def test_report_tables_are_byte_identical_whichever_backend(tmp_path, client):
    from evalstats.inputs.demo import write_large
    from evalstats.present.report import write_csv
    from evalstats.stats.rank import rank_units
    from evalstats.stats.score import composites, scores_table

    folder = write_large(tmp_path / "2026L", forms=3_000, units=12, fmt="parquet")
    outputs = {}
    for backend, opts in (("pandas", {}), ("duckdb", {}), ("dask", {"scheduler": client})):
        c = count_cycle(folder, backend=backend, **opts)
        units = c.validated.units
        scores = scores_table(c.counts, units=units, scheme=SCHEME, patterns=c.patterns)
        comp = composites(c.counts, units=units, scheme=SCHEME, patterns=c.patterns)
        ranking = rank_units(comp, patterns=c.patterns, scheme=SCHEME, n_resamples=200, rng=7)
        files = []
        for name, table in (("scores", scores), ("ranking", ranking)):
            path = tmp_path / backend / f"{name}.csv"
            path.parent.mkdir(exist_ok=True)
            write_csv(table, path)
            files.append(path.read_bytes())
        outputs[backend] = files
    assert outputs["duckdb"] == outputs["pandas"]
    assert outputs["dask"] == outputs["pandas"]
    assert len(outputs["pandas"][0]) > 1000


def test_empty_when_every_form_is_voided(tmp_path):
    folder = _write_cycle(
        tmp_path / "2026X", [["1", "u01", "企业", *["满意"] * 5]], exclusions=["1"]
    )
    v, counts, patterns = _expected(folder)
    got = count_cycle(folder, backend="duckdb", raise_on_error=False)
    pd.testing.assert_frame_equal(got.counts, counts)
    pd.testing.assert_frame_equal(got.patterns, patterns)
    assert got.validated.voided["source_row"].tolist() == [2]
    assert np.asarray(got.counts["count"]).sum() == 0
    # nothing left to score: an error on both paths (issue 15), the same problem
    assert v.problems["code"].tolist()[0] == "no_scored_answer"
    assert got.validated.problems.equals(v.problems)
    with pytest.raises(InputError, match="no form of the cycle has a scored answer"):
        count_cycle(folder, backend="duckdb")


def _notebook(path, extra=""):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        'cycle: str = ""\ndata_dir: str = ""\nscheme: str = ""\noutput_dir: str = ""\n' + extra
    )
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("declares", [False, True])
def test_runner_validates_with_the_backend_and_records_it(tmp_path, declares):
    import datetime as dt
    import json

    from evalstats.run import runner as R
    from evalstats.run.runner import checking
    from evalstats.run.runner import manifest as manifests
    from evalstats.run.runner import plan as plans

    _write_cycle(tmp_path / "raw" / "2026X", [["1", "u01", "企业", *["满意"] * 5]])
    nb = _notebook(tmp_path / "nb.ipynb", 'backend: str = "pandas"\n' if declares else "")
    plan = plans.make_plan(
        "half-year",
        "2026X",
        data=tmp_path / "raw",
        scheme=None,
        out=tmp_path / "out",
        parameters={},
        notebook=nb,
        lang=None,
    )
    plan = plans.with_backend(plan, backend="duckdb", scheduler=None, memory_limit="200MB")
    assert plan.backend == "duckdb"
    assert ("backend" in plan.params) is declares
    assert "memory_limit" not in plan.params  # not declared by this notebook
    before = checking.hash_and_validate(plan)
    staging = tmp_path / "out" / "staging"
    staging.mkdir(parents=True)
    started = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    path = manifests.write_run_manifest(
        plan,
        staging,
        token="t0",
        params=plan.params,
        before=before,
        started=started,
        timings={},
        neutralised=None,
    )
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert manifest["backend"] == {"name": "duckdb", "memory_limit": "200MB"}
    with pytest.raises(R.RunUsageError) as info:
        plans.with_backend(plan, backend="pandas", scheduler="tcp://127.0.0.1:1", memory_limit=None)
    assert str(info.value) == "--scheduler is only used with --backend dask; got pandas"


def _write_row_groups(folder, groups, *, dictionary=True):
    """Responses as one Parquet row group per list of rows (each with its own dictionaries)."""
    folder.mkdir(parents=True, exist_ok=True)
    schema = pa.schema(
        [pa.field(HEAD[0], pa.string())]
        + [
            pa.field(c, pa.dictionary(pa.int32(), pa.string()) if dictionary else pa.string())
            for c in HEAD[1:]
        ]
    )
    with pq.ParquetWriter(folder / "responses.parquet", schema) as w:
        for rows in groups:
            frame = pd.DataFrame(rows, columns=HEAD, dtype=object)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            table = table.cast(pa.schema([pa.field(c, pa.string()) for c in HEAD]))
            if dictionary:
                table = pa.Table.from_arrays(
                    [table.column(0), *(table.column(c).dictionary_encode() for c in HEAD[1:])],
                    schema=schema,
                )
            w.write_table(table)
    pd.DataFrame(
        {"单位编码": UNITS, "单位名称": [f"单位{u}" for u in UNITS], "序列": "行政管理"}
    ).to_csv(folder / "units.csv", index=False)
    return folder


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    groups=st.lists(st.lists(_row, min_size=1, max_size=12), min_size=1, max_size=4),
    dictionary=st.booleans(),
    sparse=st.booleans(),
)
def test_batches_row_groups_and_partitions_add_up(
    tmp_path_factory, monkeypatch, client, groups, dictionary, sparse
):
    # tiny batches and partitions: every batch has its own dictionaries (or none: plain
    # strings), the pattern counts go through the sorted (sparse) path or the dense one
    monkeypatch.setattr("evalstats.counts.backends.codes.ARROW_BATCH_ROWS", 5)
    monkeypatch.setattr("evalstats.counts.backends.dask.PARTITION_ROWS", 7)
    monkeypatch.setattr(
        "evalstats.counts.backends.codes.PATTERN_DENSE_MIN", 0 if sparse else 1 << 24
    )
    groups = [[list(r) for r in g] for g in groups]
    folder = _write_row_groups(
        tmp_path_factory.mktemp("c") / "2026X", groups, dictionary=dictionary
    )
    _, counts, patterns = _expected(folder)
    for backend, opts in (("duckdb", {}), ("dask", {"scheduler": client})):
        got = count_cycle(folder, backend=backend, raise_on_error=False, **opts)
        pd.testing.assert_frame_equal(got.counts, counts)
        pd.testing.assert_frame_equal(got.patterns, patterns)


def test_dask_codes_stay_on_the_workers(tmp_path, client):
    from evalstats.counts.backends import dask_count, dask_load

    folder = _write_row_groups(
        tmp_path / "2026X",
        [[["1", "u01", "企业", *["满意"] * 5]], [["2", "u02", "群众", "不满意", *[None] * 4]]],
    )
    _, counts, patterns = _expected(folder)
    s = scan_cycle(folder, raise_on_error=False)
    codes = dask_load(s, client)
    try:
        assert codes.rows == 2 and len(codes.futures) == 1
        for _ in range(2):  # the codes are reused: the second count reads nothing
            got_counts, got_patterns = dask_count(s, codes)
            pd.testing.assert_frame_equal(got_counts, counts)
            pd.testing.assert_frame_equal(got_patterns, patterns)
        only, none = dask_count(s, codes, patterns=False)
        pd.testing.assert_frame_equal(only, counts)
        assert none is None
    finally:
        codes.release()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_identifiers_are_never_staged_and_dropped_as_by_validate(tmp_path, monkeypatch, fmt):
    monkeypatch.delenv("EVALSTATS_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("EVALSTATS_PSEUDONYM_KEY_FILE", raising=False)
    folder = _write_cycle(tmp_path / "2026X", [["1", "u01", "企业", *["满意"] * 5]], fmt=fmt)
    resp = folder / f"responses.{fmt}"
    frame = pd.DataFrame(
        [["1", "u01", "企业", *["满意"] * 5, "张三", "13800000000", "好"]],
        columns=[*HEAD, "姓名", "手机号", "意见建议"],
    )
    if fmt == "csv":
        frame.to_csv(resp, index=False)
    else:
        frame.to_parquet(resp, index=False)
    v = validate_cycle(folder)
    got = count_cycle(folder, backend="duckdb", keep_rows=True)
    try:
        staged = pq.ParquetFile(got.validated.source.parquet).schema_arrow.names
        table = got.rows.query("SELECT * FROM coded")
    finally:
        got.close()
    want = v.problems[v.problems["code"] == "identifiers_dropped"]
    assert len(want) == 1
    have = got.validated.problems
    pd.testing.assert_frame_equal(
        have[have["code"] == "identifiers_dropped"].reset_index(drop=True),
        want.reset_index(drop=True),
    )
    text = " ".join(map(str, [*staged, *table.columns, *table.astype(str).to_numpy().ravel()]))
    assert "张三" not in text and "13800000000" not in text
    if fmt == "csv":  # only the columns read are staged (and the row numbers)
        assert len(staged) == len(HEAD) + 2


# ---------------------------------------------------------------------- the dictionary scan
# Labels mapped once on their distinct values, then matched back: every spelling validate_cycle
# accepts (aliases, names, case, spaces, full-width digits and letters) and every problem with
# its row. Rows (the header is row 1):
_SPELLINGS = [
    ["1", "u01", "企业", "满意", "比较满意", "基本满意", "不满意", "不了解"],  # 2
    ["2", " U02 ", "群众", "１", "２", "3", "4", None],  # 3 full-width digits, case, spaces
    ["3", "单位u03", "public", "满 意", " 比较满意", "satisfied", None, None],  # 4 name, aliases
    ["4", "ｕ０４", "企业", *["满意"] * 5],  # 5 full-width unit code
    ["５", "u01", "企业", *["满意"] * 5],  # 6 full-width id: the same form as row 13
    ["6", "u09", "企业", *["满意"] * 5],  # 7 unknown unit
    ["7", "u01", "it's", *["满意"] * 5],  # 8 unknown group, with a quote
    ["8", "u01", "企业", "很好", "满意", "9", "满意", "满意"],  # 9 unknown levels
    [" ", "u01", "企业", *["满意"] * 5],  # 10 blank id
    ["9", "   ", "企业", *["满意"] * 5],  # 11 blank unit
    [None, None, None, *[None] * 5],  # 12 blank in every column: not a form
    ["5", "u01", "企业", *["满意"] * 5],  # 13 typed twice (row 6)
    ["1.2E+17", "u02", "群众", *["满意"] * 5],  # 14 id in scientific notation
    ["１.２Ｅ＋１７", "u02", "群众", *["满意"] * 5],  # 15 the same, full width
    [" 10 ", "u02", "企业", *["满意"] * 5],  # 16 id with spaces: voided as "10"
    ["e1", "u03", "企业", *["满意"] * 5],  # 17 an id with an e, not a number
]


def _same_as_validate(folder, **options):
    v, counts, patterns = _expected(folder, **options)
    s = scan_cycle(folder, raise_on_error=False, **options)
    got = count_cycle(folder, backend="duckdb", raise_on_error=False, **options)
    pd.testing.assert_frame_equal(got.counts, counts)
    pd.testing.assert_frame_equal(got.patterns, patterns)
    pd.testing.assert_frame_equal(
        s.problems.reset_index(drop=True), v.problems.reset_index(drop=True)
    )
    assert s.duplicates["source_row"].tolist() == v.duplicates["source_row"].tolist()
    assert s.voided["source_row"].tolist() == v.voided["source_row"].tolist()
    return s


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_dictionary_scan_matches_every_spelling_and_names_every_bad_row(tmp_path, fmt):
    folder = _write_cycle(tmp_path / "2026X", _SPELLINGS, fmt=fmt, exclusions=["10"])
    s = _same_as_validate(folder)
    p = s.problems[s.problems["file"].str.contains("responses")]
    value = [v if isinstance(v, str) else "" for v in p["value"]]
    got = sorted(zip(p["row"], p["column"], p["code"], value, strict=True))
    assert got == [
        (7, "被评单位", "unknown_unit", "u09"),
        (8, "评议人类别", "unknown_group", "it's"),
        (9, "办事效率", "unknown_level", "9"),
        (9, "政务公开", "unknown_level", "很好"),
        (10, "问卷编号", "blank_value", ""),
        (11, "被评单位", "blank_value", ""),
        (13, "问卷编号", "duplicate_form", "5"),
        (14, "问卷编号", "id_precision", "1.2E+17"),
        (15, "问卷编号", "id_precision", "1.2E+17"),
    ]
    assert s.duplicates[["source_row", "first_row"]].values.tolist() == [[13, 6]]
    assert s.voided[["form_id", "source_row"]].values.tolist() == [["10", 16]]


def test_dictionary_scan_reads_long_label_lists_from_tables(tmp_path, monkeypatch):
    # more bad labels than fit in a query: the same rows, read through the map tables
    monkeypatch.setattr("evalstats.counts.backends.duckdb.IN_LIST_MAX", 1)
    monkeypatch.setattr("evalstats.counts.backends.values.IN_LIST_MAX", 1)
    rows = [*_SPELLINGS, ["11", "u10", "外星人", "很差", *["满意"] * 4]]
    folder = _write_cycle(tmp_path / "2026X", rows, exclusions=["10"])
    s = _same_as_validate(folder)
    assert (s.problems["row"] == 18).sum() == 3


def test_dictionary_scan_checks_times_and_collectors_as_stored(tmp_path, monkeypatch):
    # a time column compared as a timestamp; collectors tested once per distinct value, or
    # row by row when there are many
    folder = _write_cycle(tmp_path / "2026X", _SPELLINGS[:4])
    frame = pd.DataFrame(_SPELLINGS[:4], columns=HEAD, dtype=object)
    frame["填表时间"] = pd.to_datetime(
        ["2026-07-10 23:59:59", "2026-07-11 00:00:00", None, "2099-01-01 08:00:00"]
    )
    frame["收集人"] = pd.Categorical(["王某", "李\u202e某", "王某", "李\u202e某"])
    frame.to_parquet(folder / "responses.parquet", index=False)
    stored = pq.ParquetFile(folder / "responses.parquet").schema_arrow
    assert pa.types.is_timestamp(stored.field("填表时间").type)
    codes = [("warning", 3, "future_date"), ("warning", 5, "future_date")]
    codes += [("warning", 3, "unsafe_text"), ("warning", 5, "unsafe_text")]
    for most in (100_000, 1):
        monkeypatch.setattr("evalstats.counts.backends.values.DISTINCT_TEXT_MAX", most)
        s = _same_as_validate(folder, today="2026-07-10")
        p = s.problems
        assert sorted(zip(p["severity"], p["row"], p["code"], strict=True)) == sorted(codes)
