"""Writing validated tables: Parquet + manifest, deterministic and atomic."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
from _corpus import FORMS, HEADER, make_cycle, snapshot, unchanged, write_csv

import evalstats
import evalstats.inputs.interim as interim
from evalstats.core.errors import InputError
from evalstats.inputs.validate import validate_cycle

OUTPUTS = [
    "duplicates.parquet",
    "exclusions.parquet",
    "forms.parquet",
    "forms_long.parquet",
    "incidents.parquet",
    "manifest.json",
    "problems.parquet",
    "units.parquet",
    "voided.parquet",
]


@pytest.fixture
def cycle(tmp_path, monkeypatch):
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    folder = make_cycle(tmp_path / "data" / "raw" / "2026H1", [*FORMS, FORMS[0]], encoding="gbk")
    write_csv(folder / "exclusions.csv", [["问卷编号", "原因"], ["A003", "作废"]])
    return tmp_path


def test_default_folder_and_contents(cycle):
    raw = cycle / "data" / "raw"
    with unchanged(raw):
        v = validate_cycle("data/raw/2026H1")
        out = interim.write_interim(v)
    assert out == cycle / "data" / "interim" / "2026H1"
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    forms = pd.read_parquet(out / "forms.parquet")
    assert forms["form_id"].tolist() == ["A001", "A002"]
    assert forms["transparency"].dtype == v.forms["transparency"].dtype  # ordered levels kept
    assert len(pd.read_parquet(out / "forms_long.parquet")) == 2 * 5
    assert pd.read_parquet(out / "voided.parquet")["reason"].tolist() == ["作废"]


def test_manifest(cycle):
    v = validate_cycle("data/raw/2026H1")
    out = interim.write_interim(v)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    responses = cycle / "data/raw/2026H1/responses.csv"
    assert m["inputs"][0] == {
        "table": "responses",
        "file": "data/raw/2026H1/responses.csv",
        "sha256": hashlib.sha256(responses.read_bytes()).hexdigest(),
        "size": responses.stat().st_size,
        "encoding": "gb18030",
        "sheet": None,
        "header_row": 1,
        "rows": 4,
    }
    assert m["encodings"] == {"responses": "gb18030", "units": "utf-8", "exclusions": "utf-8"}
    assert m["evalstats_version"] == evalstats.__version__
    assert m["scheme"]["name"] == "default" and m["scheme"]["sha256"] == v.scheme.sha256
    c = m["counts"]
    assert (c["forms_read"], c["duplicates_collapsed"], c["voided"], c["forms_counted"]) == (
        4,
        1,
        1,
        2,
    )
    for name, info in m["outputs"].items():
        assert info["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
    assert m["outputs"]["forms.parquet"]["rows"] == 2


def test_two_runs_are_byte_identical(cycle, tmp_path_factory):
    v1 = validate_cycle("data/raw/2026H1")
    a = interim.write_interim(v1, tmp_path_factory.mktemp("a") / "out")
    first = snapshot(a)
    # a second validation, written over the first folder and to a new one
    v2 = validate_cycle("data/raw/2026H1")
    interim.write_interim(v2, a)
    b = interim.write_interim(v2, tmp_path_factory.mktemp("b") / "out")
    assert snapshot(a) == first
    assert snapshot(b) == first
    assert [p.name for p in a.parent.iterdir()] == ["out"]  # no temporary folder left


def test_crash_leaves_previous_output(cycle, monkeypatch):
    v = validate_cycle("data/raw/2026H1")
    out = interim.write_interim(v)
    before = snapshot(out)
    calls = []

    def broken(df, path):
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(df, path)

    real = interim._write_parquet
    monkeypatch.setattr(interim, "_write_parquet", broken)
    with pytest.raises(OSError, match="disk full"):
        interim.write_interim(v)
    assert snapshot(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["2026H1"]


def test_refuses_data_with_errors(cycle):
    folder = cycle / "data/raw/2026H1"
    write_csv(folder / "exclusions.csv", [["问卷编号", "原因"], ["Z9", "作废"]])
    v = validate_cycle("data/raw/2026H1", raise_on_error=False)
    with pytest.raises(InputError, match="excluded form id not found in the responses"):
        interim.write_interim(v)
    assert not (cycle / "data" / "interim").exists()


def test_refuses_to_replace_a_foreign_folder(cycle):
    target = cycle / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    v = validate_cycle("data/raw/2026H1")
    with pytest.raises(FileExistsError, match=r"holds no manifest\.json: not an evalstats interim"):
        interim.write_interim(v, "mine")
    assert (target / "notes.txt").read_text() == "keep me"
    with pytest.raises(TypeError, match="validated must be a ValidatedCycle; got dict"):
        interim.write_interim({})


def test_manifest_records_identifiers(tmp_path, monkeypatch):
    from evalstats.inputs.pseudonym import KEY_ENV, PseudonymKey

    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    monkeypatch.delenv(KEY_ENV, raising=False)
    header = [*HEADER, "姓名", "手机"]
    forms = [[*FORMS[0], "张三", "13800138000"], [*FORMS[1], "", "+86 138 0013 8000"]]
    make_cycle(tmp_path / "data" / "raw" / "2026H1", forms, header=header)
    key = PseudonymKey.from_secret("an interim test key")
    out = interim.write_interim(validate_cycle("data/raw/2026H1", key=key))
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["identifiers"] == {
        "columns": ["respondent_phone", "respondent_name"],
        "action": "pseudonymised",
        "key_id": key.key_id,
    }
    forms_out = pd.read_parquet(out / "forms.parquet")
    assert list(forms_out.columns)[1:3] == ["form_id", "respondent"]  # after form_id (issue 17)
    assert forms_out["respondent"].nunique() == 1  # one phone number, typed two ways
    out2 = interim.write_interim(validate_cycle("data/raw/2026H1"), tmp_path / "nokey")
    m2 = json.loads((out2 / "manifest.json").read_text(encoding="utf-8"))
    assert m2["identifiers"] == {
        "columns": ["respondent_phone", "respondent_name"],
        "action": "dropped",
        "key_id": None,
    }
    assert "respondent" not in pd.read_parquet(out2 / "forms.parquet").columns


def test_manifest_without_identifiers(cycle):
    out = interim.write_interim(validate_cycle("data/raw/2026H1"))
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["identifiers"] == {"columns": [], "action": "none", "key_id": None}
