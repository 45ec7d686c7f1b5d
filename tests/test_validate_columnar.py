"""Validation as columnar work (issue 16): the pyarrow read with dictionary codes gives exactly
the result of the row-by-row read (pandas' parser after the exact scan, object columns)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest
from _corpus import HEADER, make_cycle

from evalstats.core.scheme import load_scheme
from evalstats.inputs.read import ColumnCodes, read_table
from evalstats.inputs.read import cells as read_cells
from evalstats.inputs.read import formats as read_formats
from evalstats.inputs.read import table as read_table_module
from evalstats.inputs.validate import validate_cycle
from evalstats.inputs.validate.identifiers import protect_identifiers
from evalstats.inputs.validate.problems import ProblemCollector

UNIT_TYPED = ["U01", " U02", "Ｕ０３", "建管站", "运管站 ", "U09", ""]
GROUP_TYPED = ["企业", "群众", "社会义务监督员", " 企 业", "人大代表/政协委员", "路人", ""]
LEVEL_TYPED = ["满意", "比较满意", "基本满意", "不满意", "不了解", "1", "２", "满 意", "很好", ""]
COMMENTS = ["", "", "办事快", "态度\u202e好", "  多 谢  ", "改进\x07流程"]
TIMES_ISO = ["2026-06-01 09:30:00", "2026-06-02", "2026-06-03T10:15", ""]
TIMES_MIXED = [*TIMES_ISO, "2026年6月4日 14时05分", "明天"]


def _forms(n: int, *, times, seed: int = 7) -> list[list[str]]:
    """``n`` messy forms: aliases, digits, blanks, unknown values, copies typed twice."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        form = [
            f"F{i:06d}" if i % 97 else "",
            rng.choice(UNIT_TYPED),
            rng.choice(GROUP_TYPED),
            *(rng.choice(LEVEL_TYPED) for _ in range(5)),
            rng.choice(COMMENTS),
            rng.choice(times),
            f"收集人{i % 3}",
        ]
        rows.append(form)
        if i % 501 == 0:
            rows.append(list(form))  # typed twice: a warning
        if i % 703 == 0:
            other = list(form)
            other[3] = "不满意" if form[3] != "不满意" else "满意"
            rows.append(other)  # same id, other answers: an error
        if i % 1009 == 0:
            rows.append([""] * len(form))  # a blank row
    return rows


def _row_by_row(monkeypatch) -> None:
    """Read CSV files as before issue 16: no pyarrow parse, no dictionary codes."""
    monkeypatch.setattr(read_formats, "arrow_csv_grid", lambda body, width, **kw: None)
    monkeypatch.setattr(read_table_module, "arrow_csv_grid", lambda body, width, **kw: None)


@pytest.mark.parametrize("times", [TIMES_ISO, TIMES_MIXED], ids=["iso-times", "mixed-times"])
def test_columnar_validation_equals_the_row_by_row_one(tmp_path, monkeypatch, times):
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    header = [*HEADER, "意见建议", "填表时间", "收集人"]
    make_cycle(tmp_path / "2026H1", _forms(25_000, times=times), header=header)
    raw = read_table(tmp_path / "2026H1" / "responses.csv", table="responses")
    assert set(raw.codes) >= {"被评单位", "评议人类别", "政务公开", "意见建议", "收集人"}
    assert raw.codes["问卷编号"].dictionary is not None  # the ids: encoded by pyarrow
    fast = validate_cycle("2026H1", raise_on_error=False, today="2026-12-31")
    with monkeypatch.context() as m:
        _row_by_row(m)
        slow_raw = read_table(tmp_path / "2026H1" / "responses.csv", table="responses")
        assert dict(slow_raw.codes) == {}
        slow = validate_cycle("2026H1", raise_on_error=False, today="2026-12-31")
    pd.testing.assert_frame_equal(raw.frame, slow_raw.frame)
    np.testing.assert_array_equal(raw.row_numbers, slow_raw.row_numbers)
    codes = set(fast.problems["code"])
    assert {"unknown_unit", "unknown_group", "unknown_level", "blank_value"} <= codes
    assert {"duplicate_form", "conflicting_duplicate", "unsafe_text"} <= codes
    assert ("bad_datetime" in codes) == (times is TIMES_MIXED)
    pd.testing.assert_frame_equal(fast.problems, slow.problems)
    for name in ("forms", "voided", "duplicates", "units"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), obj=name)
    assert len(fast.forms) > 1000


def _xlsx_forms(n: int) -> list[list]:
    """The messy forms as a spreadsheet holds them: blank cells empty, some answers as
    numbers (paper digits), some times as dates: those columns are read cell by cell, the
    others as text columns (the form ids mostly distinct)."""
    rows = []
    for k, form in enumerate(_forms(n, times=TIMES_MIXED)):
        row = [None if v == "" else v.replace("\x07", "\u200b") for v in form]  # no BEL in xlsx
        if k % 11 == 5:
            row[4] = float(1 + k % 2)  # a paper digit stored as a number
        if k % 13 == 6:
            row[9] = dt.datetime(2026, 6, 1 + k % 28, 9, k % 60)
        rows.append(row)
    return rows


def test_columnar_xlsx_validation_equals_the_row_by_row_one(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    header = [*HEADER, "意见建议", "填表时间", "收集人"]
    make_cycle(tmp_path / "2026H1", _xlsx_forms(12_000), header=header, fmt="xlsx")
    for module in (read_cells, read_formats):  # a mostly distinct column sampled on 2,000 rows
        monkeypatch.setattr(module, "SAMPLE_ROWS", 2_000)
    raw = read_table(tmp_path / "2026H1" / "responses.xlsx", table="responses")
    assert set(raw.codes) >= {"评议人类别", "政务公开", "意见建议", "收集人"}  # text columns
    assert {"依法行政", "填表时间"}.isdisjoint(raw.codes)  # numbers or dates among them
    assert raw.codes["问卷编号"].dictionary is not None  # text, mostly distinct: pyarrow's codes
    fast = validate_cycle("2026H1", raise_on_error=False, today="2026-12-31")
    with monkeypatch.context() as m:
        m.setattr(read_formats, "text_cells", lambda cells: None)  # every cell on its own
        slow_raw = read_table(tmp_path / "2026H1" / "responses.xlsx", table="responses")
        assert dict(slow_raw.codes) == {}
        slow = validate_cycle("2026H1", raise_on_error=False, today="2026-12-31")
    pd.testing.assert_frame_equal(raw.frame, slow_raw.frame)
    np.testing.assert_array_equal(raw.row_numbers, slow_raw.row_numbers)
    assert raw.numeric.keys() == slow_raw.numeric.keys() == {"依法行政"}
    for label, mask in raw.numeric.items():
        np.testing.assert_array_equal(mask, slow_raw.numeric[label])
    codes = set(fast.problems["code"])
    assert {"unknown_unit", "unknown_group", "unknown_level", "duplicate_form"} <= codes
    assert {"conflicting_duplicate", "unsafe_text", "bad_datetime"} <= codes
    pd.testing.assert_frame_equal(fast.problems, slow.problems)
    for name in ("forms", "voided", "duplicates", "units"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name), obj=name)
    assert len(fast.forms) > 500


def test_codes_of_a_replaced_frame_are_not_used(tmp_path):
    path = tmp_path / "responses.csv"
    make_cycle(tmp_path, [["A1", "U01", "企业", *["满意"] * 5]] * 3)
    raw = read_table(path, table="responses")
    assert raw.column_codes("评议人类别").uniques.tolist() == ["企业"]
    frame = raw.frame.copy()
    frame["评议人类别"] = np.array(["群众", None, "群众"], dtype=object)
    other = dataclasses.replace(raw, frame=frame)  # the codes of the old frame kept
    got = other.column_codes("评议人类别")
    assert got.values().tolist() == ["群众", None, "群众"]


def test_column_codes_values():
    c = ColumnCodes(np.array([1, -1, 0], dtype=np.int32), np.array(["a", "b"], dtype=object))
    assert c.values().tolist() == ["b", None, "a"]
    assert c.describes(pd.Series(["b", None, "a"], dtype=object))
    assert not c.describes(pd.Series(["b", "x", "a"], dtype=object))
    assert not c.describes(pd.Series(["b", None], dtype=object))


def test_blanked_identifiers_keep_no_codes(tmp_path, monkeypatch):
    from evalstats.inputs.pseudonym import KEY_ENV, KEY_FILE_ENV

    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    header = [*HEADER, "评议人姓名"]
    forms = [["A1", "U01", "企业", *["满意"] * 5, "张三"], ["A2", "U01", "企业", *["满意"] * 5, ""]]
    make_cycle(tmp_path, forms, header=header)
    raw = read_table(tmp_path / "responses.csv", table="responses")
    assert "评议人姓名" in raw.codes
    col = ProblemCollector()
    scheme = load_scheme()
    protected, _ = protect_identifiers(raw, scheme, col, key=None, key_file=None, folder=tmp_path)
    assert "评议人姓名" not in protected.codes  # the names live on nowhere
    assert protected.frame["评议人姓名"].isna().all()
    assert protected.column_codes("评议人姓名").values().tolist() == [None, None]


def test_a_columnar_table_builds_no_frame_for_its_checks(tmp_path):
    """read_table keeps pyarrow cells and codes; values, values_at, arrow and column_codes
    give the frame's cells without building it, and the frame built on demand holds them."""
    forms = [
        [
            f"F{i:06d}",
            "U01",
            "企业",
            *["满意"] * 5,
            f"2026-06-01 {i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}",
        ]
        for i in range(30_000)
    ]
    forms[5][8] = " ２０２６-06-02 "  # NFKC + trim in the mostly-distinct column
    forms[7][8] = ""
    make_cycle(tmp_path, forms, header=[*HEADER, "填表时间"])
    raw = read_table(tmp_path / "responses.csv", table="responses")
    assert "填表时间" in raw.cells and "填表时间" not in raw.codes
    assert raw.n_rows == 30_000
    got = raw.values_at("填表时间", np.array([5, 7, 8]))
    assert got.tolist() == ["2026-06-02", None, "2026-06-01 00:00:08"]
    assert raw.arrow("填表时间")[7].as_py() is None
    assert raw.__dict__["_frame"] is None  # not built yet
    coded = raw.column_codes("填表时间")  # encoded now, by pyarrow, and kept
    assert coded.codes[7] == -1 and coded.uniques[coded.codes[5]] == "2026-06-02"
    assert raw.column_codes("填表时间") is coded
    assert raw.values("填表时间")[5] == "2026-06-02"
    assert raw.values("问卷编号")[:2].tolist() == ["F000000", "F000001"]
    assert raw.__dict__["_frame"] is None
    blanked = raw.blanked(["填表时间"])
    assert blanked.values("填表时间")[:3].tolist() == [None] * 3
    assert raw.values("填表时间")[0] == "2026-06-01 00:00:00"  # the table given is unchanged
    frame = raw.frame
    assert frame["填表时间"].tolist()[5:9] == [
        "2026-06-02",
        "2026-06-01 00:00:06",
        None,
        "2026-06-01 00:00:08",
    ]
    replaced = dataclasses.replace(raw, frame=frame.assign(填表时间=None))
    assert replaced.values("填表时间")[0] is None  # a frame given wins over the cells


def test_parse_dates_reads_pyarrow_strings_as_objects():
    import pyarrow as pa

    from evalstats.inputs.validate.columns import parse_dates

    texts = ["2026-06-01 09:30:00", None, "2026年6月4日 14时05分", "明天"]
    got, bad = parse_dates(pa.array(texts, type=pa.string()))
    want, want_bad = parse_dates(np.array(texts, dtype=object))
    np.testing.assert_array_equal(got, want)
    assert bad.tolist() == want_bad.tolist() == [False, False, False, True]


def _big_csv(line_break_every: int | None, *, seed: int = 3) -> bytes:
    """A CSV body above pyarrow's threading size: quoted comments, some holding line breaks."""
    rng = random.Random(seed)
    lines = ["问卷编号,被评单位,意见建议"]
    i = 0
    size = 0
    while size < read_formats.THREADS_FROM + (1 << 20):
        comment = "办事快" * rng.randint(0, 30)
        if line_break_every and i % line_break_every == 0:
            comment += rng.choice(["\n", "\r\n", "\r"]) + "第二行"
        line = f'F{i:07d},U{i % 17:02d},"{comment}"'
        lines.append(line)
        size += len(line.encode()) + 1
        i += 1
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("every", [None, 1, 997, 50_000], ids=lambda e: f"break-every-{e}")
def test_the_parse_without_quoted_breaks_is_kept_only_when_every_break_ends_a_record(
    monkeypatch, every
):
    body = _big_csv(every)
    width = read_formats.csv_width(body)
    records = read_table_module.line_breaks(body)  # the body ends with a line break
    calls = []
    parse = read_formats._arrow_parse

    def spy(body, width, **kw):
        calls.append(kw["newlines_in_values"])
        return parse(body, width, **kw)

    monkeypatch.setattr(read_formats, "_arrow_parse", spy)
    fast = read_formats.arrow_csv_grid(body, width, records=records)
    careful = read_formats.arrow_csv_grid(body, width)
    assert calls[0] is False and calls[-1] is True
    assert calls[:-1] == ([False] if every is None else [False, True])
    pd.testing.assert_frame_equal(fast, careful)
    in_values = body.count("第二行".encode())  # each after one quoted line break
    assert len(fast) == records - in_values
    assert fast[2].str.contains("第二行").sum() == in_values


# ---------------------------------------------------------------------- Parquet, columnar
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

WHOLE_SECONDS = st.datetimes(
    min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)
).map(lambda t: t.replace(microsecond=0))


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            WHOLE_SECONDS,
            WHOLE_SECONDS.map(lambda t: t.replace(hour=0, minute=0, second=0)),
        ),
        min_size=1,
        max_size=40,
    )
)
@example([dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59), None])
@example([dt.datetime(1969, 12, 31, 23, 59, 59), dt.datetime(1970, 1, 1), dt.datetime(2000, 2, 29)])
def test_timestamp_texts_are_the_cell_texts(times):
    import pyarrow as pa

    for unit in ("s", "ms", "us"):
        arr = pa.array(times, type=pa.timestamp(unit))
        texts = read_formats.timestamp_texts(arr)
        assert texts.to_pylist() == [read_cells.cell_text(t) for t in times]


def test_timestamp_texts_leave_zones_and_fractions_to_the_cell_texts():
    import pyarrow as pa

    when = dt.datetime(2026, 6, 7, 9, 30)
    assert read_formats.timestamp_texts(pa.array([when], pa.timestamp("s", tz="+08:00"))) is None
    fraction = pa.array([when.replace(microsecond=500)], pa.timestamp("us"))
    assert read_formats.timestamp_texts(fraction) is None
    assert read_formats.timestamp_texts(pa.array(["x"])) is None


def test_parquet_is_read_columnar_and_validates_as_the_same_text_in_csv(tmp_path, monkeypatch):
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    header = [*HEADER, "意见建议", "填表时间", "收集人"]
    rows = _forms(12_000, times=TIMES_ISO)
    make_cycle(tmp_path / "2026H1", rows, header=header)
    shutil.copytree(tmp_path / "2026H1", tmp_path / "2026H2")
    (tmp_path / "2026H2" / "responses.csv").unlink()
    columns = {h: [r[j] or None for r in rows] for j, h in enumerate(header)}
    table = {h: pa.array(v, pa.string()).dictionary_encode() for h, v in columns.items()}
    table["问卷编号"] = pa.array(columns["问卷编号"], pa.string())  # plain text
    table["填表时间"] = pa.array(
        [None if t is None else dt.datetime.fromisoformat(t) for t in columns["填表时间"]],
        pa.timestamp("ms"),
    )
    pq.write_table(pa.table(table), tmp_path / "2026H2" / "responses.parquet")
    raw = read_table(tmp_path / "2026H2" / "responses.parquet", table="responses")
    assert {"被评单位", "政务公开", "收集人"} <= set(raw.codes)  # codes, no str per cell
    assert set(raw.codes) | set(raw.cells) == set(header)
    assert all(not isinstance(v, np.ndarray) for v in raw.cells.values())  # pyarrow cells
    csv = validate_cycle("2026H1", raise_on_error=False, today="2026-12-31")
    parquet = validate_cycle("2026H2", raise_on_error=False, today="2026-12-31")
    same = [c for c in csv.forms.columns if c not in ("cycle", "source_file")]
    pd.testing.assert_frame_equal(parquet.forms[same], csv.forms[same], check_exact=True)
    shown = ["severity", "row", "column", "value", "reason", "code"]
    assert len(csv.problems) > 100
    named = parquet.problems[shown].replace("2026H2/", "2026H1/", regex=True)
    pd.testing.assert_frame_equal(
        named.reset_index(drop=True), csv.problems[shown].reset_index(drop=True)
    )


def _hashed(cells):
    """The codes pyarrow's dictionary encoding gives (the general path of from_arrow)."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(cells)
    return enc.indices.fill_null(-1).to_numpy(zero_copy_only=False), enc.dictionary.to_pylist()


@given(
    st.lists(
        st.one_of(st.none(), st.text(max_size=4), st.integers(0, 10**20).map(str)), max_size=30
    ),
    st.booleans(),
)
@example(["1", "2", "10"], False)
@example(["1", "01", "2"], False)
@example(["6", "07", "7"], False)
@example(["a", "b", "b"], False)
@example([str(10**18 + i) for i in range(3)], False)
@example(["9", "10", "1000000000000000000000"], False)
def test_form_id_codes_equal_pyarrows_encoding(texts, ordered):
    """Ids in order are coded without hashing: the same codes and uniques as hashing them."""
    import pyarrow as pa

    if ordered:
        texts = sorted({t for t in texts if t is not None})
    cells = pa.array(texts, type=pa.string())
    ours = ColumnCodes.from_arrow(cells)
    codes, uniques = _hashed(cells)
    assert ours.codes.tolist() == codes.tolist()
    assert ours.codes.dtype == codes.dtype
    assert ours.uniques.tolist() == uniques
    assert ours.texts().to_pylist() == uniques


def test_numbered_form_ids_skip_the_hash(monkeypatch):
    """Ids numbered 1..n, and zero-padded ids, are coded in order, not hashed; a repeat, or
    "07" after "6" and before "7" (one number, two ids), goes the hashing way."""
    import pyarrow as pa
    import pyarrow.compute as pc

    calls = []
    real = pc.dictionary_encode
    monkeypatch.setattr(pc, "dictionary_encode", lambda a: calls.append(1) or real(a))
    for ids in ([str(i) for i in range(1, 2001)], [f"W{i:06d}" for i in range(1, 2001)]):
        assert ColumnCodes.from_arrow(pa.array(ids)).codes.tolist() == list(range(2000))
    assert calls == []
    repeated = ColumnCodes.from_arrow(pa.array(["1", "2", "2", "3"]))
    assert repeated.codes.tolist() == [0, 1, 1, 2]
    padded = ColumnCodes.from_arrow(pa.array(["6", "07", "7"]))
    assert padded.codes.tolist() == [0, 1, 2]
    assert len(calls) == 2


def test_columns_let_go_as_normalised_and_memory_given_back(tmp_path, monkeypatch):
    """Each column's text is let go once normalised and the freed memory given back every
    GIVE_BACK_BYTES; a pool that cannot start its second thread midway loses no column.  The
    table read is the same every way."""
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    header = [*HEADER, "意见建议", "填表时间", "收集人"]
    make_cycle(tmp_path / "2026H1", _forms(12_000, times=TIMES_ISO), header=header)
    path = tmp_path / "2026H1" / "responses.csv"

    def read(**patches):
        with monkeypatch.context() as m:
            for name, value in patches.items():
                m.setattr(read_table_module, name, value)
            return read_table(path, table="responses")

    calls = []
    plain = read(GIVE_BACK_BYTES=2**62, give_back_memory=lambda: calls.append(1))
    assert calls == []
    each = read(GIVE_BACK_BYTES=1, give_back_memory=lambda: calls.append(1))
    assert len(calls) == len(header)  # once a column: every column's text let go

    class OneThreadThenNone:
        """A pool whose first task runs, then no thread can be started."""

        def __init__(self, workers):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def map(self, fn, items):
            fn(next(iter(items)))
            raise RuntimeError("can't start new thread")

    bounded = read(ThreadPoolExecutor=OneThreadThenNone)
    for raw in (each, bounded):
        pd.testing.assert_frame_equal(raw.frame, plain.frame)
        assert raw.codes.keys() == plain.codes.keys()
