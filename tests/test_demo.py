"""Tests of the demo data generator (evalstats.inputs.demo)."""

from __future__ import annotations

import io
import math
import tracemalloc

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

import evalstats.inputs.demo as demo
from evalstats.core.scheme import load_scheme
from evalstats.inputs.demo import DEMO_CYCLES, demo_files, write_demo, write_large
from evalstats.inputs.template import FIXED_TIMESTAMP, response_headers

SCHEME = load_scheme()
HEADERS = [h for _, h in response_headers(SCHEME)]
H = dict(response_headers(SCHEME))
DIMS = [d.label_zh for d in SCHEME.dimensions]
TOP = SCHEME.levels[0].label_zh
H1_TITLE = "2026年上半年政风行风测评汇总表"


# ---------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def files():
    return demo_files()


def responses(data: dict) -> pd.DataFrame:
    """The responses of one cycle's files, as text (title row skipped, GBK decoded)."""
    if "responses.xlsx" in data:
        t = pd.read_excel(
            io.BytesIO(data["responses.xlsx"]), header=1, dtype=str, engine="calamine"
        )
    else:
        t = pd.read_csv(io.BytesIO(data["responses.csv"]), encoding="gbk", dtype=str)
    return t


def units(data: dict) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data["units.csv"]), encoding="utf-8-sig", dtype=str)


def csv(data: dict, name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data[name]), encoding="utf-8-sig", dtype=str)


def counted(data: dict) -> pd.DataFrame:
    """Forms counted: duplicates once, voided form out; unit as code, group as code."""
    t = responses(data).drop_duplicates()
    voided = csv(data, "exclusions.csv")["问卷编号"]
    t = t[~t["问卷编号"].isin(voided)].copy()
    u = units(data)
    to_code = dict(zip(u["单位名称"], u["单位编码"], strict=True))
    to_code.update({c: c for c in u["单位编码"]})
    t["unit"] = t["被评单位"].map(to_code)
    t["group"] = t["评议人类别"].map(SCHEME.group_for)
    t["series"] = t["unit"].map(dict(zip(u["单位编码"], u["序列"], strict=True)))
    return t


def composites(t: pd.DataFrame) -> pd.Series:
    """Composite per unit as DOMAIN.md defines it (independent of the package's own code).

    score of a group x dimension = mean points over valid answers; dimension score = group-
    weighted mean over the groups with a valid answer (weights renormalised); composite =
    dimension-weighted mean.
    """
    points = {v.label_zh: v.points for v in SCHEME.levels if v.valid}
    long = t.melt(id_vars=["unit", "group"], value_vars=DIMS, var_name="dim", value_name="lv")
    long["pts"] = long["lv"].map(points)
    long = long.dropna(subset=["pts"])
    cell = long.groupby(["unit", "dim", "group"])["pts"].mean().reset_index()
    cell["w"] = cell["group"].map(SCHEME.group_weights)
    cell["wx"] = cell["w"] * cell["pts"]
    dim = cell.groupby(["unit", "dim"])[["wx", "w"]].sum()
    dim_score = (dim["wx"] / dim["w"]).reset_index(name="score")
    dim_score["v"] = dim_score["dim"].map({d.label_zh: d.weight for d in SCHEME.dimensions})
    dim_score["vx"] = dim_score["v"] * dim_score["score"]
    comp = dim_score.groupby("unit")[["vx", "v"]].sum()
    return comp["vx"] / comp["v"]


def ranked(t: pd.DataFrame, series_label: str) -> pd.Series:
    comp = composites(t)
    members = t.loc[t["series"] == series_label, "unit"].unique()
    return comp[members].sort_values()  # lowest first


# ---------------------------------------------------------------------- determinism and size
def test_same_seed_gives_identical_bytes(files):
    again = demo_files(seed=2026)
    assert again.keys() == files.keys()
    for cycle in files:
        assert again[cycle] == files[cycle]


def test_different_seed_gives_different_responses(files):
    other = demo_files(seed=7)
    assert other["2026H1"]["responses.xlsx"] != files["2026H1"]["responses.xlsx"]
    assert other["2026A"]["responses.csv"] != files["2026A"]["responses.csv"]


def test_written_files_are_byte_identical(tmp_path, files):
    write_demo(tmp_path / "a")
    write_demo(tmp_path / "b")
    for cycle in DEMO_CYCLES:
        for name, data in files[cycle].items():
            a = (tmp_path / "a" / "data" / "raw" / cycle / name).read_bytes()
            b = (tmp_path / "b" / "data" / "raw" / cycle / name).read_bytes()
            assert a == b == data


def test_file_sets_and_total_size(files):
    assert set(files) == {"2026H1", "2026A"}
    assert sorted(files["2026H1"]) == [
        "exclusions.csv",
        "forms_issued.csv",
        "responses.xlsx",
        "units.csv",
    ]
    assert sorted(files["2026A"]) == [
        "exclusions.csv",
        "forms_issued.csv",
        "incidents.csv",
        "responses.csv",
        "units.csv",
    ]
    total = sum(len(b) for cycle in files.values() for b in cycle.values())
    assert total < 600_000


# ---------------------------------------------------------------------- formats
def test_h1_xlsx_has_title_row_above_header(files):
    wb = load_workbook(io.BytesIO(files["2026H1"]["responses.xlsx"]))
    ws = wb.active
    assert ws["A1"].value == H1_TITLE
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:K1"]
    assert [c.value for c in ws[2]] == HEADERS
    assert wb.properties.created == wb.properties.modified == FIXED_TIMESTAMP


def test_h1_xlsx_times_are_datetimes(files):
    ws = load_workbook(io.BytesIO(files["2026H1"]["responses.xlsx"])).active
    col = HEADERS.index(H["submitted_at"]) + 1
    cell = ws.cell(row=3, column=col)
    assert cell.is_date and cell.number_format == "yyyy-mm-dd hh:mm"


def test_2026a_csv_is_gbk_not_utf8(files):
    raw = files["2026A"]["responses.csv"]
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    assert text.splitlines()[0] == ",".join(HEADERS)
    assert "\r\n" in text


def test_units_files_encoding(files):
    assert files["2026H1"]["units.csv"].startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    assert not files["2026A"]["units.csv"].startswith(b"\xef\xbb\xbf")
    files["2026A"]["units.csv"].decode("utf-8")


def test_units_are_typed_by_name_in_h1_and_by_code_in_2026a(files):
    h1, a = responses(files["2026H1"]), responses(files["2026A"])
    assert set(h1["被评单位"]) == set(units(files["2026H1"])["单位名称"])
    assert set(a["被评单位"]) == set(units(files["2026A"])["单位编码"])


# ---------------------------------------------------------------------- content
def test_town_units_and_series(files):
    u1, ua = units(files["2026H1"]), units(files["2026A"])
    assert len(u1) == 24 and len(ua) == 25
    assert set(ua["单位编码"]) - set(u1["单位编码"]) == {"veterans_station"}
    for u in (u1, ua):
        assert u["单位编码"].is_unique and u["单位名称"].is_unique
        assert set(u["序列"]) == {s.label_zh for s in SCHEME.series}
        assert u["序列"].value_counts().min() >= 7
        assert u["单位编码"].str.fullmatch(r"[a-z_]+").all()
    for name in ("建管站", "运管站", "综治办", "投资服务中心", "劳务服务中心", "卫生院"):
        assert name in set(u1["单位名称"])


@pytest.mark.parametrize("cycle", DEMO_CYCLES)
def test_counts_per_unit_and_group_in_range(files, cycle):
    t = counted(files[cycle])
    n = t.groupby(["unit", "group"]).size().unstack(fill_value=0)
    assert list(n.columns) == sorted(SCHEME.group_codes)  # every group present
    assert n["supervisor"].between(4, 6).all() and (n["supervisor"] == 5).sum() >= 8
    assert n["enterprise"].between(20, 40).all()
    assert n["public"].between(20, 60).all()
    assert n["deputy"].between(1, 4).all()


@pytest.mark.parametrize("cycle", DEMO_CYCLES)
def test_every_form_has_time_collector_and_valid_labels(files, cycle):
    t = responses(files[cycle])
    assert list(t.columns) == HEADERS
    assert t[H["submitted_at"]].notna().all() and t[H["collector"]].notna().all()
    labels = {v.label_zh for v in SCHEME.levels}
    values = pd.Series(t[DIMS].to_numpy().ravel())
    assert set(values.dropna()) == labels
    assert values.isna().mean() > 0  # some blanks
    assert t[H["group"]].map(SCHEME.group_for).notna().all()
    # ids: unique once the forms typed twice are collapsed
    assert t.drop_duplicates()[H["form_id"]].is_unique


def test_ids_styles(files):
    assert responses(files["2026H1"])[H["form_id"]].str.fullmatch(r"H1-\d{5}").all()
    assert responses(files["2026A"])[H["form_id"]].str.fullmatch(r"\d{9}").all()


def test_level_mix_is_realistic(files):
    for cycle in DEMO_CYCLES:
        values = pd.Series(counted(files[cycle])[DIMS].to_numpy().ravel())
        share = values.value_counts(normalize=True, dropna=False)
        assert 0.5 < share["满意"] < 0.75
        assert 0.1 < share["比较满意"] < 0.3
        assert 0.04 < share["基本满意"] < 0.15
        assert 0.01 < share["不满意"] < 0.08
        assert 0.02 < share["不了解"] < 0.10
        assert 0.002 < share[np.nan] < 0.02


def test_halo_answers_of_one_form_correlate(files):
    t = counted(files["2026H1"])
    points = {v.label_zh: v.points for v in SCHEME.levels if v.valid}
    x = t[DIMS].apply(lambda c: c.map(points)).astype(float)
    corr = x.corr().to_numpy()
    off = corr[~np.eye(len(DIMS), dtype=bool)]
    assert off.min() > 0.3


def test_forms_typed_twice(files):
    for cycle, k in (("2026H1", 3), ("2026A", 4)):
        t = responses(files[cycle])
        dup = t[t.duplicated(H["form_id"], keep=False)]
        assert dup[H["form_id"]].nunique() == k and len(dup) == 2 * k
        # same id, same answers (the whole row)
        assert len(dup.drop_duplicates()) == k


def test_burst_of_identical_forms_from_one_collector(files):
    t = responses(files["2026H1"])
    burst = t[t[H["collector"]] == "王某"]
    assert len(burst) == 15 and burst[H["form_id"]].is_unique
    assert (burst[DIMS] == TOP).all().all()
    assert set(burst[H["unit"]]) == {"运管站"}
    times = pd.to_datetime(burst[H["submitted_at"]])
    assert times.max() - times.min() < pd.Timedelta(minutes=10)
    assert "王某" not in set(responses(files["2026A"])[H["collector"]])


def test_one_voided_form_per_cycle_with_reason(files):
    for cycle in DEMO_CYCLES:
        ex = csv(files[cycle], "exclusions.csv")
        assert list(ex.columns) == ["问卷编号", "原因"] and len(ex) == 1
        assert ex["原因"].str.len().iloc[0] > 5
        ids = responses(files[cycle])[H["form_id"]]
        assert (ids == ex["问卷编号"].iloc[0]).sum() == 1


def test_one_veto_incident_in_2026a_for_a_unit_that_scores_well(files):
    assert "incidents.csv" not in files["2026H1"]
    inc = csv(files["2026A"], "incidents.csv")
    assert list(inc.columns) == ["被评单位", "日期", "类别", "说明"]
    assert len(inc) == 1
    row = inc.iloc[0]
    assert row["被评单位"] == "land_office"
    assert SCHEME.incident_kind_for(row["类别"]) == "media_exposure"
    assert pd.Timestamp(row["日期"]).year == 2026
    t = counted(files["2026A"])
    order = ranked(t, "行政执法")
    assert "land_office" in order.index[-SCHEME.rules.top_n :]  # in the top 3 but for the veto


def test_forms_issued_cover_returned_with_realistic_rates(files):
    for cycle in DEMO_CYCLES:
        data = files[cycle]
        issued = csv(data, "forms_issued.csv")
        assert list(issued.columns) == ["被评单位", "评议人类别", "发放数"]
        u = units(data)
        to_code = dict(zip(u["单位名称"], u["单位编码"], strict=True))
        to_code.update({c: c for c in u["单位编码"]})
        issued["unit"] = issued["被评单位"].map(to_code)
        issued["group"] = issued["评议人类别"].map(SCHEME.group_for)
        issued = issued.set_index(["unit", "group"])["发放数"].astype(int)
        t = responses(data).drop_duplicates()  # voided forms were returned too
        t["unit"] = t["被评单位"].map(to_code)
        t["group"] = t["评议人类别"].map(SCHEME.group_for)
        returned = t.groupby(["unit", "group"]).size()
        assert set(returned.index) == set(issued.index)
        rate = returned / issued.reindex(returned.index)
        assert (rate <= 1).all() and (rate >= 0.3).all()
        assert (rate[returned >= 4] >= 0.6).all()  # 1 deputy of 2 issued is 50 %
        assert 0.75 < returned.sum() / issued.sum() < 0.92


def test_comments_mostly_on_weak_units(files):
    weak = {"governance_office", "construction_station", "transport_station"}
    for cycle in DEMO_CYCLES:
        t = counted(files[cycle])
        c = t[t[H["comment"]].notna()]
        assert 8 <= len(c) <= 16
        assert c["unit"].isin(weak).mean() > 0.5


def test_weak_units_in_half_year_and_partial_recovery(files):
    h1 = counted(files["2026H1"])
    a = counted(files["2026A"])
    # 行政管理: the last unit (综治办) is clearly last
    admin = ranked(h1, "行政管理")
    assert admin.index[0] == "governance_office"
    assert admin.iloc[1] - admin.iloc[0] > 8
    # 行政执法: the bottom two are close, and 建管站 or 运管站 is last
    enforce = ranked(h1, "行政执法")
    assert enforce.index[0] in {"construction_station", "transport_station"}
    assert enforce.iloc[1] - enforce.iloc[0] < 3
    # partly recovered by the year end
    c1, ca = composites(h1), composites(a)
    for code in ("governance_office", "construction_station", "transport_station"):
        assert ca[code] > c1[code] + 3
        assert ca[code] < composites(a).median() + 5
    # no unit below the veto threshold: the only veto is the incident
    assert min(c1.min(), ca.min()) > SCHEME.rules.veto_threshold


def test_story_check_finds_the_story_approximately(files):
    # the generator's own check agrees with the independent composite above
    h1 = counted(files["2026H1"])
    t = h1.assign(
        unit_i=h1["unit"].astype("category").cat.codes,
        group_i=h1["group"].map({g: i for i, g in enumerate(SCHEME.group_codes)}),
    )
    level_index = {v.label_zh: i for i, v in enumerate(SCHEME.levels)}
    for i, d in enumerate(DIMS):
        t[f"d{i}"] = t[d].map(level_index).fillna(-1).astype(int)
    comp, se = demo.story._composites(t, t["unit_i"].max() + 1, SCHEME)
    expected = composites(h1)[h1["unit"].astype("category").cat.categories]
    np.testing.assert_allclose(comp, expected.to_numpy(), rtol=1e-12)
    assert (se > 0).all() and (se < 10).all()


@pytest.mark.parametrize("seed", [1, 99])
def test_story_holds_for_other_seeds(seed):
    data = demo_files(seed=seed)
    h1 = counted(data["2026H1"])
    assert ranked(h1, "行政管理").index[0] == "governance_office"
    enforce = ranked(h1, "行政执法")
    assert enforce.index[0] in {"construction_station", "transport_station"}
    assert enforce.iloc[1] - enforce.iloc[0] < 3


# ---------------------------------------------------------------------- write_demo behaviour
def test_write_demo_refuses_existing_folder(tmp_path):
    (tmp_path / "data" / "raw" / "2026A").mkdir(parents=True)
    with pytest.raises(FileExistsError) as info:
        write_demo(tmp_path)
    assert str(info.value) == (
        f"cycle folder already exists: {tmp_path / 'data' / 'raw' / '2026A'}; raw data are "
        "never overwritten (use if_absent=True to keep it, or overwrite=True to replace the "
        "demo files)"
    )
    assert not (tmp_path / "data" / "raw" / "2026H1").exists()  # nothing written
    assert list((tmp_path / "data" / "raw" / "2026A").iterdir()) == []


def test_if_absent_leaves_existing_cycles_untouched(tmp_path, files):
    assert write_demo(tmp_path) == [tmp_path / "data" / "raw" / c for c in DEMO_CYCLES]
    edited = tmp_path / "data" / "raw" / "2026H1" / "units.csv"
    edited.write_bytes(b"changed by the office")
    assert write_demo(tmp_path, if_absent=True) == []
    assert edited.read_bytes() == b"changed by the office"
    # a missing cycle is written, the other left alone
    for p in (tmp_path / "data" / "raw" / "2026A").iterdir():
        p.unlink()
    (tmp_path / "data" / "raw" / "2026A").rmdir()
    assert write_demo(tmp_path, if_absent=True) == [tmp_path / "data" / "raw" / "2026A"]
    assert edited.read_bytes() == b"changed by the office"
    for name, data in files["2026A"].items():
        assert (tmp_path / "data" / "raw" / "2026A" / name).read_bytes() == data
    # no staging folder left behind
    assert sorted(p.name for p in (tmp_path / "data" / "raw").iterdir()) == ["2026A", "2026H1"]


def test_overwrite_replaces_demo_files_only(tmp_path, files):
    write_demo(tmp_path, seed=5)
    folder = tmp_path / "data" / "raw" / "2026H1"
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    (folder / "responses.csv").write_text("stale", encoding="utf-8")
    write_demo(tmp_path, overwrite=True)
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert not (folder / "responses.csv").exists()
    assert (folder / "responses.xlsx").read_bytes() == files["2026H1"]["responses.xlsx"]


def test_write_demo_default_root_is_project_root(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    assert write_demo() == [tmp_path / "data" / "raw" / c for c in DEMO_CYCLES]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "seed must be a non-negative whole number; got -1"),
        ({"seed": 1.5}, "seed must be a non-negative whole number; got 1.5"),
        ({"seed": True}, "seed must be a non-negative whole number; got True"),
        ({"if_absent": True, "overwrite": True}, "if_absent and overwrite cannot both be set"),
    ],
)
def test_write_demo_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError) as info:
        write_demo(tmp_path, **kwargs)
    assert str(info.value) == message
    assert not (tmp_path / "data").exists()


def test_demo_validates_clean(tmp_path):
    validate = pytest.importorskip("evalstats.inputs.validate")
    write_demo(tmp_path)
    for cycle, dups in (("2026H1", 3), ("2026A", 4)):
        # the demo's story: the year-end forms are typed 2026-12-07..18, the letters dated
        # 2026-12-20; validated on the day of the letters (a run before 12-18 would warn that
        # submission times lie after it: issue 15)
        v = validate.validate_cycle(
            tmp_path / "data" / "raw" / cycle, raise_on_error=False, today="2026-12-20"
        )
        assert v.ok, v.errors
        assert (v.warnings["code"] == v.warnings["code"].iloc[0]).all()
        assert len(v.warnings) == dups and len(v.voided) == 1


# ---------------------------------------------------------------------- write_large
def read_large(folder, fmt):
    if fmt == "csv":
        return pd.read_csv(folder / "responses.csv", dtype=str, encoding="utf-8")
    return pq.read_table(folder / "responses.parquet").to_pandas()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_write_large_row_count_exact_and_content(tmp_path, fmt):
    folder = write_large(tmp_path / "2026L", forms=1234, fmt=fmt, chunk_size=100, units=30, seed=3)
    assert folder == tmp_path / "2026L"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["units.csv", "forms_issued.csv", f"responses.{fmt}"]
    )
    t = read_large(folder, fmt)
    assert len(t) == 1234 and list(t.columns) == HEADERS
    assert t[H["form_id"]].astype(str).is_unique
    labels = {v.label_zh for v in SCHEME.levels}
    assert set(pd.Series(t[DIMS].to_numpy().ravel()).dropna()) <= labels
    assert set(t[H["group"]].astype(str)) <= {g.label_zh for g in SCHEME.groups}
    u = pd.read_csv(folder / "units.csv", dtype=str)
    assert len(u) == 30 and u["单位名称"].is_unique and u["单位编码"].is_unique
    assert set(t[H["unit"]].astype(str)) <= set(u["单位编码"])
    issued = pd.read_csv(folder / "forms_issued.csv", dtype={"发放数": int})
    returned = t.groupby([H["unit"], H["group"]], observed=True).size()
    issued = issued.set_index(["被评单位", "评议人类别"])["发放数"]
    assert returned.sum() == 1234
    assert (issued.reindex(returned.index) >= returned).all()
    if fmt == "parquet":
        meta = pq.ParquetFile(folder / "responses.parquet").metadata
        assert meta.num_row_groups == math.ceil(1234 / 100)


def test_write_large_is_chunked(tmp_path, monkeypatch):
    seen = []
    original = demo.large._large_chunk

    def spy(start, stop, rng, params):
        seen.append((start, stop))
        return original(start, stop, rng, params)

    monkeypatch.setattr(demo.large, "_large_chunk", spy)
    write_large(tmp_path / "L", forms=1050, chunk_size=100, units=10)
    assert len(seen) == 11
    assert seen[0] == (0, 100) and seen[-1] == (1000, 1050)
    assert all(b - a <= 100 for a, b in seen)
    assert all(seen[i][1] == seen[i + 1][0] for i in range(len(seen) - 1))


def test_write_large_memory_bounded_by_chunk_size(tmp_path):
    def peak(chunk, name):
        tracemalloc.start()
        write_large(tmp_path / name, forms=100_000, chunk_size=chunk, units=20)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, whole = peak(2_000, "small"), peak(100_000, "whole")
    assert small * 4 < whole  # about 2 MB against about 17 MB


def test_write_large_deterministic(tmp_path):
    a = write_large(tmp_path / "a", forms=500, chunk_size=64, seed=1)
    b = write_large(tmp_path / "b", forms=500, chunk_size=64, seed=1)
    c = write_large(tmp_path / "c", forms=500, chunk_size=64, seed=2)
    for name in ("responses.csv", "units.csv", "forms_issued.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert (a / "responses.csv").read_bytes() != (c / "responses.csv").read_bytes()


def test_write_large_refuses_existing_folder_unless_overwrite(tmp_path):
    folder = write_large(tmp_path / "L", forms=10, fmt="parquet")
    with pytest.raises(FileExistsError) as info:
        write_large(folder, forms=10)
    assert str(info.value) == (
        f"cycle folder already exists: {folder}; use overwrite=True to replace its files"
    )
    write_large(folder, forms=20, overwrite=True)
    assert not (folder / "responses.parquet").exists()  # no two responses files
    assert len(read_large(folder, "csv")) == 20


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fmt": "xlsx"}, "fmt must be one of 'csv', 'parquet'; got 'xlsx'"),
        ({"forms": 0}, "forms must be a positive whole number; got 0"),
        ({"forms": 2.0}, "forms must be a positive whole number; got 2.0"),
        ({"units": 0}, "units must be a positive whole number; got 0"),
        ({"chunk_size": -5}, "chunk_size must be a positive whole number; got -5"),
        ({"seed": -2}, "seed must be a non-negative whole number; got -2"),
        ({"cycle": " "}, "cycle must be a non-empty string such as '2026L'; got ' '"),
    ],
)
def test_write_large_bad_arguments(tmp_path, kwargs, message):
    args = {"forms": 10, **kwargs}
    with pytest.raises(ValueError) as info:
        write_large(tmp_path / "L", **args)
    assert str(info.value) == message
    assert not (tmp_path / "L").exists()


def test_large_unit_names_unique_beyond_the_town_list():
    u = demo.large._large_units(2000, SCHEME)
    assert u["name"].is_unique and u["unit"].is_unique


# ---------------------------------------------------------------------- identifiers
@pytest.fixture(scope="module")
def id_files():
    return demo_files(with_identifiers=True)


def test_identifiers_are_extra_columns_only(files, id_files):
    for cycle in DEMO_CYCLES:
        assert sorted(id_files[cycle]) == sorted(files[cycle])
        for name, data in files[cycle].items():
            if not name.startswith("responses"):
                assert id_files[cycle][name] == data, name
        plain, ids = responses(files[cycle]), responses(id_files[cycle])
        assert list(ids.columns) == [*plain.columns, "评议人姓名", "联系电话"]
        pd.testing.assert_frame_equal(ids[list(plain.columns)], plain)
        # a few forms are anonymous; names and phones are typed in several ways
        anonymous = ids["评议人姓名"].isna() & ids["联系电话"].isna()
        assert 0.02 < anonymous.mean() < 0.10
        assert ids["联系电话"].str.startswith("+86", na=False).any()
        assert ids["联系电话"].str.contains("１", na=False).any()
    assert demo_files(with_identifiers=True)["2026A"] == id_files["2026A"]  # deterministic


def test_identifiers_validate_to_pseudonyms(tmp_path, monkeypatch):
    from evalstats.inputs.pseudonym import KEY_ENV, KEY_FILE_ENV, repeated_respondents
    from evalstats.inputs.validate import validate_cycle

    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    write_demo(tmp_path, with_identifiers=True)
    h1 = tmp_path / "data" / "raw" / "2026H1"
    v = validate_cycle(h1, key="a demo key of enough length")
    assert v.ok and v.identifiers == ("respondent_phone", "respondent_name")
    assert v.forms["respondent"].str.match(r"^R-[0-9a-f]{16}$").mean() > 0.9
    rep = repeated_respondents(v.forms)
    # the burst: 3 respondents, 5 forms each, all for 运管站; nobody else rates a unit twice
    assert rep["unit"].tolist() == ["transport_station"] * 3
    assert rep["n_forms"].tolist() == [5, 5, 5]
    burst = v.forms[v.forms["collector"] == "王某"]
    assert set(burst["respondent"]) == set(rep["respondent"])
    a = validate_cycle(tmp_path / "data" / "raw" / "2026A", key="a demo key of enough length")
    assert a.ok and len(repeated_respondents(a.forms)) == 0
    # without a key: the same forms, one warning more, no respondent column
    plain = validate_cycle(h1, raise_on_error=False)
    assert plain.ok and "respondent" not in plain.forms.columns
    assert (plain.warnings["code"] == "identifiers_dropped").sum() == 1
    pd.testing.assert_frame_equal(plain.forms, v.forms.drop(columns="respondent"))


def test_with_identifiers_must_be_a_bool():
    with pytest.raises(TypeError, match=r"^with_identifiers must be True or False; got 'yes'$"):
        demo_files(with_identifiers="yes")
