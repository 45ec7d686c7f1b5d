"""Tests of the cycle runner (evalstats.run.runner): parameters, validation, locks, staging,
publishing.

Kernel executions are expensive (~2 s each), so they are few: one module-scoped story runs a
half-year fixture run that is killed mid-run, an annual run beside it, then a half-year run that
publishes; a second fixture runs the failing variant.  Everything else runs without a kernel
(a guard makes any kernel start fail the test).
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from evalstats.core.errors import InputError, RunError
from evalstats.run import publish
from evalstats.run import runner as runmod
from evalstats.run.runner import (
    NotebookFailed,
    OutputError,
    RunLocked,
    RunUsageError,
    add_run_parser,
    checking,
    clean_staging,
    cmd_run,
    command,
    derive_half_year_cycle,
    notebook_parameters,
    parse_parameters,
    read_table,
    render,
    run_analysis,
)
from evalstats.run.runner import manifest as manifests
from evalstats.run.runner import plan as plans
from evalstats.run.runner import run as run_step

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "run_fixture.ipynb"
DEMO = ROOT / "data" / "raw"

report = pytest.importorskip("evalstats.present.report")
if not all(hasattr(report, f) for f in ("render_html", "write_workbook", "write_json")):
    pytest.skip(
        "evalstats.present.report lacks render_html / write_workbook / write_json",
        allow_module_level=True,
    )


# ---------------------------------------------------------------------- helpers
def tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def copy_demo(dest: Path, cycles=("2026H1", "2026A")) -> Path:
    raw = dest / "raw"
    for c in cycles:
        shutil.copytree(DEMO / c, raw / c)
    return raw


def fake_report(folder: Path, started: str | None = "2026-01-02T03:04:05+08:00") -> dict:
    """A published report made by hand (no kernel): a manifest and one table."""
    (folder / "tables").mkdir(parents=True)
    (folder / "tables" / "ranking.csv").write_text("unit,rank\nold,1\n", encoding="utf-8")
    if started is not None:
        manifest = {"run_id": "0ld0ld00", "run": {"started": started}}
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return tree_hashes(folder)


def hold_lock(path: Path):
    """Hold an flock on ``path`` (as another run would); returns the fd to close."""
    fcntl = pytest.importorskip("fcntl")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="evalstats")
    add_run_parser(parser.add_subparsers(dest="command"))
    return cmd_run(parser.parse_args(argv))


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def gone(pid: int, *, wait: float) -> bool:
    """True once process ``pid`` has exited (or is a zombie), waiting up to ``wait`` s."""
    deadline = time.monotonic() + wait
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def spy_on_kernels(monkeypatch) -> list:
    """The pids of the kernels runs start before they plan (:class:`EarlyKernel`), as they
    start."""
    pids = []
    real = run_step.start_kernel

    def spy(root):
        kernel = real(root)
        pids.append(None if kernel is None else kernel.km.provisioner.process.pid)
        return kernel

    monkeypatch.setattr(run_step, "start_kernel", spy)
    return pids


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if the notebook would be executed; a kernel the run started before it
    planned (every run starts one) must be stopped when it ends."""
    import papermill

    def refuse(*args, **kwargs):
        raise AssertionError("the notebook was executed")

    monkeypatch.setattr(papermill, "execute_notebook", refuse)
    pids = spy_on_kernels(monkeypatch)
    yield
    assert not [pid for pid in pids if pid is not None and alive(pid)]


@pytest.fixture
def demo(tmp_path):
    return copy_demo(tmp_path)


# ---------------------------------------------------------------------- parameters
def test_parse_parameters():
    assert parse_parameters(["seed=7", "tier=public", "note=a=b", "x="]) == {
        "seed": "7",
        "tier": "public",
        "note": "a=b",
        "x": "",
    }
    with pytest.raises(RunUsageError) as info:
        parse_parameters(["seed"])
    assert str(info.value) == "-p expects name=value (a Python name); got 'seed'"
    with pytest.raises(RunUsageError) as info:
        parse_parameters(["seed=1", "seed=2"])
    assert str(info.value) == "parameter 'seed' given twice"


def test_notebook_parameters_of_the_fixture():
    declared = notebook_parameters(FIXTURE)
    assert list(declared) == [
        "cycle",
        "half_year_cycle",
        "data_dir",
        "scheme",
        "output_dir",
        "language",
        "seed",
        "confidence_level",
        "fail",
        "sleep",
    ]
    assert declared["seed"]["inferred_type_name"] == "int"
    assert declared["fail"]["default"] == "False"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("seed", "7", 7),
        ("confidence_level", "0.9", 0.9),
        ("confidence_level", "1", 1.0),
        ("fail", "TRUE", True),
        ("fail", "false", False),
        ("half_year_cycle", "2025H1", "2025H1"),
        # a declared str keeps the text even when it looks like a number
        ("half_year_cycle", "2026", "2026"),
    ],
)
def test_parameter_values_take_the_declared_type(name, text, expected):
    declared = notebook_parameters(FIXTURE)
    got = runmod.check_parameters({name: text}, declared, FIXTURE)[name]
    assert got == expected and type(got) is type(expected)


def test_python_values_are_checked_too():
    declared = notebook_parameters(FIXTURE)
    assert runmod.check_parameters({"seed": 3}, declared, FIXTURE) == {"seed": 3}
    with pytest.raises(RunUsageError) as info:
        runmod.check_parameters({"seed": 2.5}, declared, FIXTURE)
    assert str(info.value) == (
        "parameter 'seed' must be an int (the notebook declares `seed: int = 2026`); got 2.5"
    )


def test_unannotated_parameter_takes_the_type_of_its_default(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("n_resamples = 1000  # resamples\nlabel = 'x'")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    declared = notebook_parameters(path)
    assert runmod.check_parameters({"n_resamples": "50"}, declared, path) == {"n_resamples": 50}
    with pytest.raises(RunUsageError) as info:
        runmod.check_parameters({"n_resamples": "many"}, declared, path)
    assert str(info.value) == (
        "parameter 'n_resamples' must be an int (the notebook declares "
        "`n_resamples = 1000`); got 'many'"
    )


def test_undeclared_parameter_is_refused(demo, tmp_path, no_kernel):
    with pytest.raises(RunUsageError) as info:
        run_analysis(
            "half-year",
            cycle="2026H1",
            data=demo,
            out=tmp_path / "out",
            notebook=FIXTURE,
            parameters={"colour": "red", "seed": "1"},
            progress=False,
        )
    assert str(info.value) == (
        "run_fixture.ipynb does not declare the parameter(s) 'colour'; parameters you can set "
        "with -p: half_year_cycle, seed, confidence_level, fail, sleep"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "seed",
            "abc",
            "parameter 'seed' must be an int (the notebook declares `seed: int = 2026`); got 'abc'",
        ),
        (
            "seed",
            "7.5",
            "parameter 'seed' must be an int (the notebook declares `seed: int = 2026`); got '7.5'",
        ),
        (
            "confidence_level",
            "high",
            "parameter 'confidence_level' must be a float (the notebook declares "
            "`confidence_level: float = 0.95`); got 'high'",
        ),
        (
            "fail",
            "maybe",
            "parameter 'fail' must be a bool (the notebook declares `fail: bool = False`); "
            "got 'maybe'",
        ),
    ],
)
def test_wrongly_typed_parameter_is_refused(demo, tmp_path, no_kernel, name, text, message):
    with pytest.raises(RunUsageError) as info:
        run_analysis(
            "half-year",
            cycle="2026H1",
            data=demo,
            out=tmp_path / "out",
            notebook=FIXTURE,
            parameters={name: text},
            progress=False,
        )
    assert str(info.value) == message


def test_runner_parameters_cannot_be_set_with_p(demo, tmp_path, no_kernel):
    with pytest.raises(RunUsageError) as info:
        run_analysis(
            "half-year",
            cycle="2026H1",
            data=demo,
            notebook=FIXTURE,
            parameters={"output_dir": "/tmp/x"},
            progress=False,
        )
    assert str(info.value) == "parameter 'output_dir' is set by the runner; use --out instead of -p"


def test_parameters_cell_papermill_cannot_read_is_refused(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        'cycle: str = "2026H1"\ntier: str = "internal"  # internal = everything\n'
        "prev: str | None = None"
    )
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    path = tmp_path / "bad.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(RunUsageError) as info:
        notebook_parameters(path)
    assert str(info.value) == (
        "papermill cannot read these lines of the parameters cell of bad.ipynb: "
        '`tier: str = "internal"  # internal = everything`; `prev: str | None = None` '
        "(write one `name: type = value  # meaning` per line, with no '=' in the comment "
        "and a plain type such as str, int, float or bool)"
    )


def test_notebook_without_parameters_cell(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, tmp_path / "plain.ipynb")
    with pytest.raises(RunUsageError) as info:
        notebook_parameters(tmp_path / "plain.ipynb")
    assert str(info.value) == "plain.ipynb has no cell tagged 'parameters'"
    with pytest.raises(RunUsageError) as info:
        notebook_parameters(tmp_path / "missing.ipynb")
    assert str(info.value) == f"notebook not found: {tmp_path / 'missing.ipynb'}"


# ---------------------------------------------------------------------- data and cycles
def test_derive_half_year_cycle():
    assert derive_half_year_cycle("2026A") == "2026H1"
    assert derive_half_year_cycle("2026H1") is None
    assert derive_half_year_cycle("A2026") is None


def test_data_may_be_a_cycle_folder(demo):
    assert runmod.resolve_data(demo / "2026A", None, root=ROOT) == (demo, "2026A")
    assert runmod.resolve_data(demo / "2026A", "2026A", root=ROOT) == (demo, "2026A")
    assert runmod.resolve_data(demo, "2026A", root=ROOT) == (demo, "2026A")
    with pytest.raises(RunUsageError) as info:
        runmod.resolve_data(demo / "2026A", "2026H1", root=ROOT)
    assert str(info.value) == (
        f"--data {demo / '2026A'} is the folder of cycle '2026A' but --cycle is '2026H1'; "
        "give the folder of cycle folders, or a matching --cycle"
    )
    with pytest.raises(RunUsageError) as info:
        runmod.resolve_data(demo, None, root=ROOT)
    assert str(info.value) == "--cycle is required (or give a cycle folder as --data)"
    with pytest.raises(RunUsageError) as info:
        runmod.resolve_data(demo, "../2026A", root=ROOT)
    assert str(info.value) == "cycle must be a cycle id, not a path; got '../2026A'"
    with pytest.raises(RunUsageError) as info:
        runmod.resolve_data(demo, ".x", root=ROOT)
    assert str(info.value) == (
        "cycle must be a cycle id: letters and digits (then '_' or '-'), at most 32 characters, "
        "e.g. 2026H1; got '.x'"
    )


def test_missing_cycle_folders_are_named(demo, tmp_path, no_kernel):
    with pytest.raises(RunUsageError) as info:
        run_analysis("half-year", cycle="2025H1", data=demo, notebook=FIXTURE, progress=False)
    assert str(info.value) == (
        f"no cycle folder {demo / '2025H1'} (cycles in {demo}: 2026A, 2026H1)"
    )
    shutil.rmtree(demo / "2026H1")
    with pytest.raises(RunUsageError) as info:
        run_analysis("annual", cycle="2026A", data=demo, notebook=FIXTURE, progress=False)
    assert str(info.value) == (
        f"no cycle folder {demo / '2026H1'} (cycles in {demo}: 2026A); the annual analysis "
        "needs it (set -p half_year_cycle=<cycle>)"
    )
    shutil.copytree(demo / "2026A", demo / "2026X")
    with pytest.raises(RunUsageError) as info:
        run_analysis("annual", cycle="2026X", data=demo, notebook=FIXTURE, progress=False)
    assert str(info.value) == (
        "cannot derive the half-year cycle of '2026X'; give it with -p half_year_cycle=<cycle>"
    )


def test_invalid_data_exits_1_and_publishes_nothing(demo, tmp_path, monkeypatch):
    # validation runs beside the notebook (a thread in the runner); invalid data ends the run
    # with InputError whatever the kernel did meanwhile: no report, no failed notebook kept
    import papermill
    from openpyxl import load_workbook

    def kernel_fails_too(*args, **kwargs):
        time.sleep(0.2)
        raise papermill.PapermillExecutionError(
            cell_index=3,
            exec_count=1,
            source="a = analysis.annual(...)",
            ename="InputError",
            evalue="invalid data",
            traceback=[],
        )

    monkeypatch.setattr(papermill, "execute_notebook", kernel_fails_too)
    # corrupt one level of the half-year cycle that the annual analysis combines with
    xlsx = demo / "2026H1" / "responses.xlsx"
    wb = load_workbook(xlsx)
    ws = wb.active
    assert ws["D3"].value == "满意"  # first data row, 政务公开
    ws["D3"] = "很好"
    wb.save(xlsx)
    before = tree_hashes(demo)
    out = tmp_path / "out"
    with pytest.raises(InputError) as info:
        run_analysis("annual", cycle="2026A", data=demo, out=out, notebook=FIXTURE, progress=False)
    assert "responses.xlsx:3:" in str(info.value) and "(很好)" in str(info.value)
    assert info.value.problems["severity"].eq("error").sum() == 1
    assert not (out / "_failed").exists()
    # no report: only the run's log, beside where the report would be, ending with the error
    assert [p.name for p in (out / "2026A").iterdir()] == ["annual.log"]
    lines = (out / "2026A" / "annual.log").read_text(encoding="utf-8").splitlines()
    errors = [ln for ln in lines if " ERROR evalstats.run: " in ln]
    assert any("responses.xlsx:3:" in ln and "(很好)" in ln for ln in errors)
    assert len({ln.split()[0] for ln in lines}) == 1  # every line starts with the run id
    assert list((out / ".staging").iterdir()) == []
    assert tree_hashes(demo) == before


def test_read_table_keeps_codes_and_reads_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(
        "\ufeffunit,code,score,n_valid,flag,comment,pvalue\n"
        "007,012,88.5,10,True,'=1+1,\n"
        "101,3,,7,False,好,0.01\n".encode()
    )
    df = read_table(path)
    assert df["unit"].tolist() == ["007", "101"]
    assert df["code"].tolist() == ["012", "3"]  # a leading zero keeps a column text
    assert df["score"].iloc[0] == 88.5 and pd.isna(df["score"].iloc[1])
    assert df["n_valid"].dtype == "int64"
    assert df["flag"].dtype == bool and df["flag"].tolist() == [True, False]
    assert df["comment"].tolist() == ["'=1+1", "好"]
    assert pd.isna(df["pvalue"].iloc[0]) and df["pvalue"].iloc[1] == 0.01


# ---------------------------------------------------------------------- locks and output
def test_second_run_of_the_same_pair_is_refused(demo, tmp_path, no_kernel, monkeypatch):
    monkeypatch.setattr(publish, "LOCK_WAIT_SECONDS", 0.0)
    out = tmp_path / "out"
    lock = out / ".locks" / "2026H1-half-year.lock"
    fd = hold_lock(lock)
    try:
        os.write(fd, b"pid 4242 since 2026-06-30T09:00:00+08:00")
        with pytest.raises(RunLocked) as info:
            run_analysis("half-year", cycle="2026H1", data=demo, out=out, notebook=FIXTURE)
    finally:
        os.close(fd)
    assert str(info.value) == (
        f"another run of 2026H1 half-year is in progress (lock {lock}; "
        "pid 4242 since 2026-06-30T09:00:00+08:00)"
    )
    assert sorted(p.name for p in (out / ".staging").iterdir()) == []


def test_unwritable_output_location(demo, tmp_path, no_kernel, monkeypatch):
    real_mkdir = Path.mkdir

    def denied(self, *args, **kwargs):
        if str(self).startswith(str(tmp_path / "out")):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", denied)
    with pytest.raises(OutputError) as info:
        run_analysis(
            "half-year",
            cycle="2026H1",
            data=demo,
            out=tmp_path / "out",
            notebook=FIXTURE,
            progress=False,
        )
    assert str(info.value) == f"cannot write to {tmp_path / 'out'}/: permission denied"


def test_disk_full_message(tmp_path):
    with pytest.raises(OutputError) as info, publish.writing(tmp_path, "reports"):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert str(info.value) == "cannot write to reports/: no space left on device"


# ---------------------------------------------------------------------- staging and publishing
def test_clean_staging_settles_what_killed_runs_left(tmp_path):
    out = tmp_path / "out"
    st = out / ".staging"
    st.mkdir(parents=True)
    # 1. a run that never published: removed
    (st / "2026H1-half-year-0000000a" / "tables").mkdir(parents=True)
    # 2. a live run (its lock held): kept
    (st / "2026A-annual-0000000b").mkdir()
    fd = hold_lock(out / ".locks" / "2026A-annual.lock")
    # 3. the old report swapped out by the exchange (marker, foreign manifest): kept as previous
    old = st / "2025H2-half-year-0000000c"
    old_hashes = fake_report(old, started="2025-12-31T08:00:00+08:00")
    (st / "2025H2-half-year-0000000c.publish").write_text("{}")
    (out / "2025H2" / "half-year").mkdir(parents=True)  # the new one, already in place
    # 4. killed between the two renames (marker, own manifest, nothing published): published
    new = st / "2025H1-annual-0000000d"
    new.mkdir()
    (new / "manifest.json").write_text(json.dumps({"run_id": "0000000d"}))
    (st / "2025H1-annual-0000000d.publish").write_text("{}")
    # 5. marker and own manifest, but a report is published: the run never published: removed
    gone = st / "2024A-annual-0000000e"
    gone.mkdir()
    (gone / "manifest.json").write_text(json.dumps({"run_id": "0000000e"}))
    (st / "2024A-annual-0000000e.publish").write_text("{}")
    fake_report(out / "2024A" / "annual")
    # 6. a name the runner does not make: left alone
    (st / "notes").mkdir()
    try:
        clean_staging(out)
        remaining = sorted(p.name for p in st.iterdir())
    finally:
        os.close(fd)
    assert remaining == ["2026A-annual-0000000b", "notes"]
    assert tree_hashes(out / "2025H2" / "half-year.previous-20251231T080000") == old_hashes
    assert (out / "2025H1" / "annual" / "manifest.json").is_file()
    assert (out / "2024A" / "annual" / "tables" / "ranking.csv").is_file()
    # once the live run has gone, its leftover goes too
    clean_staging(out)
    assert sorted(p.name for p in st.iterdir()) == ["notes"]


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_publish_keeps_the_previous_report(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(publish, "exchange", lambda a, b: False)
    elif publish.renameat2() is None:
        pytest.skip("renameat2 is not available on this system")
    target = tmp_path / "out" / "2026A" / "annual"
    old_hashes = fake_report(target)
    taken = tmp_path / "out" / "2026A" / "annual.previous-20260102T030405"
    taken.mkdir()  # a previous report of the same second already kept: do not overwrite it
    staging = tmp_path / "out" / ".staging" / "2026A-annual-12345678"
    new_hashes = fake_report(staging, started="2026-12-20T10:00:00+08:00")
    previous = publish.publish_folder(staging, target)
    assert previous == tmp_path / "out" / "2026A" / "annual.previous-20260102T030405-2"
    assert tree_hashes(previous) == old_hashes
    assert tree_hashes(target) == new_hashes
    assert not staging.exists()


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_failed_publish_puts_the_old_report_back(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(publish, "exchange", lambda a, b: False)
    elif publish.renameat2() is None:
        pytest.skip("renameat2 is not available on this system")
    target = tmp_path / "2026A" / "annual"
    old_hashes = fake_report(target)
    staging = tmp_path / ".staging" / "2026A-annual-12345678"
    new_hashes = fake_report(staging, started="2026-12-20T10:00:00+08:00")
    real_rename = os.rename
    calls = []

    def rename(a, b):
        calls.append((Path(a), Path(b)))
        # the move that completes the publication fails (e.g. a file held open on Windows)
        if exchange or len(calls) == 2:
            raise PermissionError(errno.EACCES, "Permission denied", str(a))
        return real_rename(a, b)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(PermissionError):
        publish.publish_folder(staging, target)
    monkeypatch.setattr(os, "rename", real_rename)
    assert tree_hashes(target) == old_hashes
    assert tree_hashes(staging) == new_hashes
    assert sorted(p.name for p in target.parent.iterdir()) == ["annual"]


def test_changed_inputs_are_named(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("x\n1\n")
    b.write_text("x\n2\n")
    before = publish.hash_inputs([a, b])
    assert publish.changed_inputs(before, [a, b]) == []
    a.write_text("x\n3\n")
    b.unlink()
    assert publish.changed_inputs(before, [a, b]) == [f"{a} (contents changed)", f"{b} (removed)"]


def test_pause_hook(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv(runmod.TEST_PAUSE_ENV, raising=False)
    publish.pause("staged")  # unset: nothing
    monkeypatch.setenv(runmod.TEST_PAUSE_ENV, "marked:0")
    publish.pause("staged")  # another step: nothing
    assert capsys.readouterr().err == ""
    publish.pause("marked")
    assert capsys.readouterr().err == "evalstats-test: paused at marked\n"
    go = tmp_path / "go"
    go.touch()
    monkeypatch.setenv(runmod.TEST_PAUSE_ENV, f"staged:{go}")  # waits for a file: there
    publish.pause("staged")
    assert capsys.readouterr().err == "evalstats-test: paused at staged\n"
    assert set(runmod.PAUSE_STEPS) >= {"locked", "exchanged", "between-renames", "published"}


def test_safety_note():
    assert runmod.safety_note({"rectification": 3, "scores": 0}) == (
        "安全处理：表格中共有 3 个文本单元格（整改清单 3）以 = + - @（含全角 ＝＋－＠）、"
        "制表符或回车开头或含控制字符，已在表格文件（CSV）与 Excel 工作簿中加单引号或删除"
        "控制字符，不会被当作公式执行。本页中的意见原样转义显示，不会执行。"
    )
    assert runmod.safety_note({"scores": 0}, lang="en") == (
        "Safe exports: 0 text cell(s) of the tables began with = + - @ (or their full-width "
        "forms), a tab or a carriage return, or held control characters: in tables/*.csv "
        "and the Excel workbook they got a leading apostrophe or lost the control characters, "
        "so no cell runs as a formula. Comments on this page are shown as escaped text and "
        "never run."
    )
    assert runmod.safety_note(None).endswith(
        "分析笔记本没有报告处理的单元格数。本页中的意见原样转义显示，不会执行。"
    )
    assert runmod.safety_note({"a": 1}, page=False).endswith("不会被当作公式执行。")
    # the workbook's row is keyed 安全处理 / Safety already: no repeated lead-in
    assert runmod.safety_note({"a": 1}, page=False).startswith("表格中共有 1 个文本单元格")
    assert runmod.safety_note(None, lang="en", page=False).startswith("Text cells of")
    with pytest.raises(ValueError, match=r"^lang must be one of 'zh', 'en'; got 'fr'$"):
        runmod.safety_note(None, lang="fr")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{oops",
            "nb.ipynb wrote a summary.json that is not JSON: Expecting property name "
            "enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        (
            '{"neutralised_cells": {"ranking": -1}}',
            "nb.ipynb wrote summary.json with "
            "neutralised_cells = {'ranking': -1}; expected table name → number of cells "
            "(whole numbers ≥ 0)",
        ),
        (
            '{"neutralised_cells": [1]}',
            "nb.ipynb wrote summary.json with neutralised_cells "
            "= [1]; expected table name → number of cells (whole numbers ≥ 0)",
        ),
    ],
)
def test_summary_neutralised_errors(tmp_path, text, message):
    (tmp_path / "summary.json").write_text(text, encoding="utf-8")
    plan = SimpleNamespace(notebook=Path("nb.ipynb"))
    with pytest.raises(RunError) as info:
        render.summary_neutralised(plan, tmp_path, ["ranking"])
    assert str(info.value) == message


def test_summary_neutralised_in_table_order(tmp_path):
    counts = {"z_extra": 1, "scores": 0, "ranking": 2}
    (tmp_path / "summary.json").write_text(json.dumps({"neutralised_cells": counts}))
    plan = SimpleNamespace(notebook=Path("nb.ipynb"))
    got = render.summary_neutralised(plan, tmp_path, ["ranking", "scores", "quality"])
    assert list(got.items()) == [("ranking", 2), ("scores", 0), ("z_extra", 1)]
    (tmp_path / "summary.json").write_text("{}")
    assert render.summary_neutralised(plan, tmp_path, ["ranking"]) is None


def test_previous_report_without_manifest_is_named_by_its_mtime(tmp_path):
    target = tmp_path / "2026A" / "annual"
    fake_report(target, started=None)
    stamp = time.mktime((2026, 3, 4, 5, 6, 7, 0, 0, -1))
    os.utime(target, (stamp, stamp))
    assert publish.previous_path(target).name == "annual.previous-20260304T050607"


# ---------------------------------------------------------------------- command line
@pytest.mark.parametrize(
    ("exc", "code", "message"),
    [
        (RunUsageError("bad"), 2, "evalstats: bad\n"),
        (RunLocked("busy"), 2, "evalstats: busy\n"),
        (OutputError("full"), 2, "evalstats: full\n"),
        (
            NotebookFailed(
                notebook_name="annual.ipynb",
                cell_index=4,
                exec_count=3,
                source="ranking = rank_units(x)\n",
                ename="KeyError",
                evalue="'unit'",
                notebook=Path("reports/_failed/a.ipynb"),
            ),
            3,
            "evalstats: annual.ipynb failed in cell 4 (In [3]: `ranking = rank_units(x)`)\n"
            "KeyError: 'unit'\nthe executed notebook is kept at reports/_failed/a.ipynb; "
            "the published report was not changed\n",
        ),
    ],
)
def test_cmd_run_exit_codes(monkeypatch, capsys, exc, code, message):
    def fail(*args, **kwargs):
        raise exc

    monkeypatch.setattr(command, "run_analysis", fail)
    assert cli(["run", "annual", "--cycle", "2026A", "--lang", "en"]) == code
    assert capsys.readouterr().err == message


def test_cmd_run_says_the_common_errors_in_chinese(monkeypatch, capsys, tmp_path):
    errors = [
        (
            NotebookFailed(
                notebook_name="annual.ipynb",
                cell_index=4,
                exec_count=3,
                source="ranking = rank_units(x)\n",
                ename="KeyError",
                evalue="'unit'",
                notebook=Path("reports/_failed/a.ipynb"),
            ),
            3,
            "evalstats: annual.ipynb 在第 4 个单元格出错（In [3]: `ranking = rank_units(x)`）\n"
            "KeyError: 'unit'\n执行过的笔记本保存在 reports/_failed/a.ipynb；"
            "已发布的报告没有改动\n",
        ),
        (RunUsageError("bad", zh="不对"), 2, "evalstats: 不对\n"),
    ]
    monkeypatch.setattr(publish, "LOCK_WAIT_SECONDS", 0.0)
    lock = publish.acquire_lock(tmp_path, "2026A", "annual", what="run of 2026A annual")
    try:
        publish.acquire_lock(tmp_path, "2026A", "annual", what="run of 2026A annual")
    except RunLocked as exc:
        errors.append((exc, 2, None))
    finally:
        lock.release()
    for exc, code, message in errors:

        def fail(*args, exc=exc, **kwargs):
            raise exc

        monkeypatch.setattr(command, "run_analysis", fail)
        assert cli(["run", "annual", "--cycle", "2026A"]) == code
        err = capsys.readouterr().err
        if message is None:  # the lock: who holds it, and what to do
            assert err.startswith("evalstats: 2026A annual 已有另一个运行正在进行（锁文件 ")
            assert err.endswith("请等它结束后再运行\n")
        else:
            assert err == message


def test_cmd_run_invalid_data_exits_1(demo, capsys, no_kernel, monkeypatch, tmp_path):
    units = demo / "2026A" / "units.csv"
    text = units.read_bytes().decode("utf-8-sig")
    units.write_text(text.replace("行政管理", "不存在的序列", 1), encoding="utf-8")
    # --out in tmp_path: the default (the project's reports/) would get this run's lock and log
    out = tmp_path / "reports"
    argv = ["run", "half-year", "--data", str(demo / "2026A"), "--notebook", str(FIXTURE)]
    argv += ["--out", str(out)]
    assert cli([*argv, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("evalstats: ") and "不存在的序列" in err
    assert "未知的单位序列；应为以下之一：" in err
    assert err.endswith("evalstats: 数据有错：没有写出或改动任何报告。\n")
    monkeypatch.setenv("EVALSTATS_LANG", "en")  # the console in English, the report as it was
    assert cli([*argv, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "unknown series; expected one of" in err and "不存在的序列" in err
    assert err.endswith("invalid data: no report was written or changed.\n")
    assert not (out / "2026A" / "half-year").exists()


def test_run_parser_options():
    parser = argparse.ArgumentParser(prog="evalstats")
    add_run_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["run", "annual", "--cycle", "2026A", "-p", "seed=1", "-p", "tier=public", "--lang", "en"]
    )
    assert (args.analysis, args.cycle, args.parameters, args.lang) == (
        "annual",
        "2026A",
        ["seed=1", "tier=public"],
        "en",
    )
    assert args.no_progress is False and args.data is None and args.out is None
    with pytest.raises(SystemExit):
        parser.parse_args(["run", "quarterly", "--cycle", "2026A"])


# ---------------------------------------------------------------------- runs with a kernel
@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """Kill a run mid-way, run another cycle beside it, then run again: what was seen.

    1. A half-year run (sleeping in a cell) is started in a subprocess; while it runs, a second
       run of the same pair is refused and an annual run of another cycle completes (through
       the command line).  Then the first is killed with SIGKILL.
    2. A half-year run publishes, replacing a report made by hand, while a user-level
       ``python3`` kernelspec points at a Python that does not exist.
    """
    if not sys.platform.startswith("linux"):
        pytest.skip("the kill test reads /proc (Linux)")
    tmp = tmp_path_factory.mktemp("story")
    data = copy_demo(tmp)
    for p in data.rglob("*"):  # a read-only input folder
        p.chmod(0o444 if p.is_file() else 0o555)
    data.chmod(0o555)
    inputs = tree_hashes(data)
    out = tmp / "reports"
    published = out / "2026H1" / "half-year"
    old_hashes = fake_report(published)
    seen = SimpleNamespace(tmp=tmp, data=data, out=out, inputs=inputs, old_hashes=old_hashes)

    # ---- 1. a killed run, and two runs while it is running
    code = (
        "import sys\nfrom evalstats.run.runner import run_analysis\n"
        "run_analysis('half-year', cycle='2026H1', data=sys.argv[1], out=sys.argv[2], "
        "notebook=sys.argv[3], parameters={'sleep': 3600}, progress=False)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(data), str(out), str(FIXTURE)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kernels: list[int] = []
    try:
        deadline = time.monotonic() + 300  # a kernel start on a loaded 2-core machine
        while not list((out / ".staging").glob("2026H1-half-year-*/tables/ranking.csv")):
            assert proc.poll() is None, "the run to be killed ended early"
            assert time.monotonic() < deadline, "the run to be killed never wrote its tables"
            time.sleep(0.2)
        kernels = children_of(proc.pid)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(publish, "LOCK_WAIT_SECONDS", 0.0)
            with pytest.raises(RunLocked) as info:
                run_analysis("half-year", cycle="2026H1", data=data, out=out, notebook=FIXTURE)
        seen.refused = str(info.value)
        argv = ["run", "annual", "--cycle", "2026A", "--data", str(data), "--out", str(out)]
        argv += ["--notebook", str(FIXTURE), "--no-progress", "-p", "seed=3", "--lang", "en"]
        from contextlib import redirect_stdout
        from io import StringIO

        buf = StringIO()
        with redirect_stdout(buf):
            seen.annual_exit = cli(argv)
        seen.annual_stdout = buf.getvalue()
        seen.staging_while_running = sorted(p.name for p in (out / ".staging").iterdir())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        # the kernel notices its parent died and exits within a second; make sure
        seen.kernels_left = [pid for pid in kernels if not gone(pid, wait=60)]
        for pid in seen.kernels_left:
            os.kill(pid, signal.SIGKILL)
    seen.kernels = kernels
    seen.after_kill_published = tree_hashes(published)
    seen.after_kill_staging = sorted(p.name for p in (out / ".staging").iterdir())

    # ---- 2. the run that publishes
    bogus = tmp / "jupyter" / "kernels" / "python3"
    bogus.mkdir(parents=True)
    spec = {"argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]}
    (bogus / "kernel.json").write_text(
        json.dumps(spec | {"display_name": "x", "language": "python"})
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(tmp / "jupyter"))
        seen.result = run_analysis(
            "half-year",
            cycle="2026H1",
            data=data,
            out=out,
            notebook=FIXTURE,
            parameters={"seed": "7"},
            progress=False,
        )
    seen.inputs_after = tree_hashes(data)
    yield seen
    for p in [data, *data.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)


def test_killed_run_leaves_the_published_report_whole(story):
    assert story.kernels, "the killed run had started a kernel"
    assert story.kernels_left == []  # the orphaned kernel exited by itself
    assert story.after_kill_published == story.old_hashes
    assert len(story.after_kill_staging) == 1
    assert story.after_kill_staging[0].startswith("2026H1-half-year-")


def test_same_pair_refused_while_running_and_other_cycle_runs(story):
    assert story.refused.startswith(
        "another run of 2026H1 half-year is in progress "
        f"(lock {story.out / '.locks' / '2026H1-half-year.lock'}; pid "
    )
    assert story.annual_exit == 0
    # the annual run did not touch the live half-year staging
    assert len(story.staging_while_running) == 1
    assert story.staging_while_running[0].startswith("2026H1-half-year-")
    report_dir = story.out / "2026A" / "annual"
    summary = json.loads((report_dir / "summary.json").read_text("utf-8"))
    assert summary["half_year_cycle"] == "2026H1"  # derived from 2026A and passed in
    assert (summary["seed"], summary["language"]) == (3, "en")
    lines = story.annual_stdout.splitlines()
    assert lines[0] == f"2026A annual report published in {report_dir}/"
    assert lines[1] == f"  HTML:      {report_dir / 'report.html'}"
    assert lines[2] == f"  workbook:  {report_dir / 'report_2026A_annual.xlsx'}"
    assert lines[3] == f"  tables:    {report_dir / 'tables'}/ (ranking.csv)"
    assert lines[-1].startswith("done in ")


def test_published_layout(story):
    r = story.result
    folder = story.out / "2026H1" / "half-year"
    assert r.report_dir == folder
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "figures/forms.png",
        "manifest.json",
        "notebook.ipynb",
        "report.html",
        "report_2026H1_half-year.xlsx",
        "summary.json",
        "tables/ranking.csv",
    ]
    assert r.html == folder / "report.html"
    assert r.workbook == folder / "report_2026H1_half-year.xlsx"
    assert r.tables == [folder / "tables" / "ranking.csv"]
    assert r.figures == [folder / "figures" / "forms.png"]
    assert r.manifest == folder / "manifest.json"
    assert r.to_frame()["kind"].tolist() == ["html", "workbook", "manifest", "table", "figure"]
    # nothing else at the top of the output folder; staging and locks are hidden folders
    assert sorted(p.name for p in story.out.iterdir()) == [".locks", ".staging", "2026A", "2026H1"]


def test_run_logs_are_written_beside_the_reports(story):
    from evalstats.run.verify import verify_report

    half = story.out / "2026H1" / "half-year.log"
    annual = story.out / "2026A" / "annual.log"
    # beside the report folders (<out>/<cycle>/<analysis>.log), never inside them
    assert not [p for p in story.out.rglob("*.log") if p not in (half, annual)]
    assert verify_report(story.result.report_dir).ok  # the log is not among the hashed files
    # the half-year pair ran three times: killed, refused the lock, published; the lines of
    # each run start with its id and the time, appended in turn
    lines = half.read_text("utf-8").splitlines()
    ids = list(dict.fromkeys(ln.split()[0] for ln in lines))
    assert len(ids) == 3 and all(len(i) == 8 for i in ids)
    killed, refused, published = ([ln for ln in lines if ln.startswith(i)] for i in ids)
    for run in (killed, refused, published):
        assert "2026H1 half-year" in run[0] and run[0].split()[4] == "evalstats.run:"
    assert "ERROR" in refused[-1] and "2026H1-half-year.lock" in refused[-1]
    assert "ERROR" not in "".join(killed + published)
    m = json.loads(story.result.manifest.read_text("utf-8"))
    assert m["run_id"] == ids[2]  # the id of the log is the manifest's
    assert str(story.result.report_dir) in published[-1]
    # the annual run through the command line, in English (--lang en)
    alines = annual.read_text("utf-8").splitlines()
    am = json.loads((story.out / "2026A" / "annual" / "manifest.json").read_text("utf-8"))
    assert {ln.split()[0] for ln in alines} == {am["run_id"]}
    assert alines[0].endswith(
        f"INFO evalstats.run: run {am['run_id']}: 2026A annual "
        f"(evalstats {m['versions']['evalstats']})"
    )
    # where the time went (issue 16): each step and the slowest cells, shown with --verbose
    steps = [ln for ln in alines if "DEBUG evalstats.run: time by step: " in ln]
    assert len(steps) == 1 and "executing the notebook" in steps[0], steps
    assert "auditing the public tier" in steps[0] and "publishing" in steps[0]
    slow = [ln.split("slowest cells: ")[1] for ln in alines if "slowest cells: " in ln]
    assert len(slow) == 1 and slow[0].startswith("cell ") and slow[0].count(" s (") == 3, slow
    assert {"execute", "validate", "audit", "total_before_publish"} <= set(am["timings_seconds"])
    assert any("time by step: executing the notebook " in ln for ln in published)


def test_leftover_staging_cleaned_and_previous_report_kept(story):
    r = story.result
    assert r.previous_dir == story.out / "2026H1" / "half-year.previous-20260102T030405"
    assert tree_hashes(r.previous_dir) == story.old_hashes
    assert list((story.out / ".staging").iterdir()) == []


def test_inputs_unchanged_and_recorded(story):
    assert story.inputs_after == story.inputs
    manifest = json.loads(story.result.manifest.read_text("utf-8"))
    recorded = {i["path"]: i["sha256"] for i in manifest["inputs"]}
    assert recorded == {k: v for k, v in story.inputs.items() if k.startswith("2026H1/")}


def test_manifest(story):
    folder = story.result.report_dir
    m = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert (m["analysis"], m["cycle"], m["cycles"], m["seed"]) == (
        "half-year",
        "2026H1",
        ["2026H1"],
        7,
    )
    assert m["scheme"]["name"] and len(m["scheme"]["sha256"]) == 64
    assert m["parameters"]["seed"] == 7 and m["parameters"]["scheme"] == ""
    assert m["parameters"]["data_dir"] == str(story.data)
    assert set(m["versions"]) == {"python", *publish.PACKAGES}
    assert m["versions"]["evalstats"] and m["versions"]["papermill"]
    assert {"validate", "execute", "html", "workbook"} <= set(m["timings_seconds"])
    assert m["project_root"] == str(ROOT)
    assert m["neutralised_cells"] is None  # the fixture does not report them
    outputs = {o["path"]: o["sha256"] for o in m["outputs"]}
    on_disk = tree_hashes(folder)
    del on_disk["manifest.json"]
    assert outputs == on_disk


def test_kernel_is_this_interpreter(story):
    # a user-level python3 kernelspec pointed at /nonexistent/python during the run
    summary = json.loads((story.result.report_dir / "summary.json").read_text("utf-8"))
    assert Path(summary["executable"]).resolve() == Path(sys.executable).resolve()
    assert summary["seed"] == 7


def test_html_and_workbook(story):
    from openpyxl import load_workbook

    html = story.result.html.read_text("utf-8")
    assert "党政办" in html  # a unit name, from the displayed table
    assert "validate_cycle(" not in html  # no code
    assert "<title>2026年上半年政风行风测评分析报告</title>" in html
    assert runmod.safety_note(None) in html  # the method note at the foot of the page
    wb = load_workbook(story.result.workbook)
    assert len(wb.sheetnames) == 2
    about = {r[0]: r[1] for r in wb[wb.sheetnames[0]].iter_rows(values_only=True) if r[0]}
    assert "运行时间" not in about  # the same inputs give the same workbook
    assert about["安全处理"] == runmod.safety_note(None, page=False)
    assert about["清单"].startswith("运行时间及各输入、输出文件的校验值记在报告文件夹的清单文件中")
    assert about["测评周期"] == "2026年上半年" and about["评议方案"] == "默认方案，版本 1"
    # a Chinese document names no file, path, command or code
    shown = " ".join(f"{k} {v}" for k, v in about.items() if k != "生成工具")  # the tool's name
    assert not re.findall(r"\.csv|\.json|tables/|evalstats|sha256|2026H1|default", shown)
    ranking = pd.read_csv(story.result.tables[0], encoding="utf-8-sig")
    assert wb[wb.sheetnames[1]].max_row == len(ranking) + 1


@pytest.fixture(scope="module")
def failed(tmp_path_factory):
    """The failing variant of the fixture, over a published report."""
    tmp = tmp_path_factory.mktemp("failed")
    data = copy_demo(tmp, cycles=("2026H1",))
    out = tmp / "reports"
    published = out / "2026H1" / "half-year"
    old = fake_report(published)
    inputs = tree_hashes(data)
    import papermill

    given = []
    execute = papermill.execute_notebook

    def spy(*args, **kwargs):
        given.append(kwargs.get("km"))
        return execute(*args, **kwargs)

    with pytest.raises(NotebookFailed) as info, pytest.MonkeyPatch.context() as m:
        pids = spy_on_kernels(m)
        m.setattr(papermill, "execute_notebook", spy)
        run_analysis(
            "half-year",
            cycle="2026H1",
            data=data,
            out=out,
            notebook=FIXTURE,
            parameters={"fail": "true"},
            progress=False,
        )
    return SimpleNamespace(
        pids=pids,
        km_given=given,
        exc=info.value,
        out=out,
        old=old,
        now=tree_hashes(published),
        inputs=inputs,
        inputs_after=tree_hashes(data),
    )


def test_failing_notebook_is_named_and_kept(failed):
    exc = failed.exc
    assert (exc.cell_index, exc.exec_count) == (6, 6)
    assert (exc.ename, exc.evalue) == ("RuntimeError", "fixture failure requested")
    assert exc.source.startswith("if fail:")
    kept = list((failed.out / "_failed").glob("2026H1-half-year-*.ipynb"))
    assert kept == [exc.notebook]
    assert str(exc) == (
        "run_fixture.ipynb failed in cell 6 (In [6]: `if fail:`)\n"
        "RuntimeError: fixture failure requested\n"
        f"the executed notebook is kept at {exc.notebook}; the published report was not changed"
    )
    assert "fixture failure requested" in exc.notebook.read_text("utf-8")


def test_the_notebook_ran_in_the_kernel_started_before_the_plan_and_it_was_stopped(failed):
    (pid,) = failed.pids
    (km,) = failed.km_given
    assert km is not None and not km.has_kernel  # stopped by nbclient after the failed cell
    assert not alive(pid)
    nb = json.loads(failed.exc.notebook.read_text("utf-8"))
    counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
    ran = [c for c in counts if c is not None]
    assert ran == list(range(1, len(ran) + 1))  # the kernel's start-up imports left no count


def test_failing_notebook_leaves_the_published_report_untouched(failed):
    assert failed.now == failed.old
    assert list((failed.out / ".staging").iterdir()) == []
    assert failed.inputs_after == failed.inputs
    # the lock was released
    fd = hold_lock(failed.out / ".locks" / "2026H1-half-year.lock")
    os.close(fd)


# ---------------------------------------------------------------------- respondent identifiers
def test_public_run_with_identifiers_and_no_key_stops_before_reading(
    tmp_path, no_kernel, monkeypatch
):
    from evalstats.core.errors import UsageError
    from evalstats.inputs.demo import write_demo

    monkeypatch.delenv("EVALSTATS_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("EVALSTATS_PSEUDONYM_KEY_FILE", raising=False)
    write_demo(tmp_path / "proj", with_identifiers=True)
    data = tmp_path / "proj" / "data" / "raw"
    before = tree_hashes(data)
    out = tmp_path / "out"
    read = []
    monkeypatch.setattr(checking, "hash_and_validate", lambda *a, **k: read.append(1))
    with pytest.raises(UsageError) as info:
        run_analysis(
            "half-year",
            cycle="2026H1",
            data=data,
            out=out,
            parameters={"tier": "public"},
            progress=False,
        )
    message = str(info.value)
    assert "responses.xlsx has respondent identifier columns (评议人姓名, 联系电话)" in message
    assert "no pseudonym key is set; the data were not read" in message
    assert "EVALSTATS_PSEUDONYM_KEY" in message
    assert read == []
    # nothing written but the run's log, which says why it stopped
    assert [p.relative_to(out).as_posix() for p in out.rglob("*")] == [
        "2026H1",
        "2026H1/half-year.log",
    ]
    assert "EVALSTATS_PSEUDONYM_KEY" in (out / "2026H1" / "half-year.log").read_text("utf-8")
    assert tree_hashes(data) == before


def test_manifest_records_the_identifier_action_not_the_key(tmp_path, monkeypatch):
    from evalstats.inputs.demo import write_demo

    write_demo(tmp_path / "proj", with_identifiers=True)
    data = tmp_path / "proj" / "data" / "raw"
    secret = "a-test-secret-of-enough-bytes-0123456789"
    monkeypatch.setenv("EVALSTATS_PSEUDONYM_KEY", secret)
    monkeypatch.delenv("EVALSTATS_PSEUDONYM_KEY_FILE", raising=False)
    plan = plans.make_plan(
        "half-year",
        "2026H1",
        data=data,
        scheme=None,
        out=tmp_path / "out",
        parameters={},
        notebook=FIXTURE,
        lang=None,
    )
    found: dict = {}
    before = checking.hash_and_validate(plan, identifiers=found)
    staging = tmp_path / "staging"
    (staging / "tables").mkdir(parents=True)
    path = manifests.write_run_manifest(
        plan,
        staging,
        token="t0",
        params=plan.params,
        before=before,
        started=publish.local_now(),
        timings={},
        neutralised=None,
        identifiers=found,
    )
    manifest = json.loads(path.read_text("utf-8"))
    ids = manifest["respondent_identifiers"]["2026H1"]
    assert ids["action"] == "pseudonymised"
    assert ids["columns"] == ["respondent_phone", "respondent_name"]
    assert len(ids["key_id"]) == 12
    assert secret not in path.read_text("utf-8")


def test_prewarm_imports_what_rendering_needs_in_a_fresh_interpreter():
    # the imports done beside the kernel (issue 16): every name exists (a typo would be
    # skipped silently at run time), and after the thread ends they are loaded
    code = (
        "import sys\n"
        "from evalstats.run.runner.render import PREWARM_MODULES, prewarm\n"
        "already = [m for m in PREWARM_MODULES if m in sys.modules and m.startswith('nbconvert')]\n"
        "assert not already, already\n"
        "prewarm().join()\n"
        "print(sorted(m for m in PREWARM_MODULES if m not in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


def _workbook_sheets(path: Path) -> dict:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def test_the_workbook_written_beside_the_kernel_is_the_one_written_after(
    demo, tmp_path, monkeypatch
):
    # issue 16: the workbook is written while the kernel still executes, from the tables the
    # notebook has written; it is the same file, byte for byte, as one written afterwards
    from evalstats.run.runner.render import EarlyWorkbook

    out = tmp_path / "out"
    r = run_analysis("half-year", cycle="2026H1", data=demo, out=out, notebook=FIXTURE)
    timings = json.loads(r.manifest.read_text(encoding="utf-8"))["timings_seconds"]
    assert "workbook_alongside" in timings
    early = r.workbook.read_bytes()
    assert not list(r.report_dir.glob(".*"))  # no file of it left behind
    monkeypatch.setattr(EarlyWorkbook, "on_cell_executed", lambda self, **_: None)
    r2 = run_analysis("half-year", cycle="2026H1", data=demo, out=tmp_path / "o2", notebook=FIXTURE)
    timings = json.loads(r2.manifest.read_text(encoding="utf-8"))["timings_seconds"]
    assert "workbook_alongside" not in timings
    assert r2.workbook.read_bytes() == early


def test_a_table_changed_after_the_early_workbook_gets_the_workbook_written_again(
    demo, tmp_path, monkeypatch
):
    # a notebook that rewrites a table in a later cell: the workbook shows the published table
    import nbformat

    from evalstats.run.runner.render import EarlyWorkbook

    made = []
    init = EarlyWorkbook.__init__

    def record(self, *args, **kw):
        init(self, *args, **kw)
        made.append(self)

    monkeypatch.setattr(EarlyWorkbook, "__init__", record)

    nb = nbformat.read(FIXTURE, as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "ranking['n_forms'] = ranking['n_forms'] + 1000\n"
            "write_tables({'ranking': ranking}, out)"
        )
    )
    changed = tmp_path / "changed.ipynb"
    nbformat.write(nb, changed)
    r = run_analysis("half-year", cycle="2026H1", data=demo, out=tmp_path / "out", notebook=changed)
    timings = json.loads(r.manifest.read_text(encoding="utf-8"))["timings_seconds"]
    # it was started on the first tables (and found them changed while writing, or finished
    # from them: which one depends on timing); either way it is not the published workbook
    assert made and made[0].thread is not None
    assert "workbook_alongside" not in timings
    published = pd.read_csv(r.report_dir / "tables" / "ranking.csv")
    assert published["n_forms"].min() > 1000
    cells = [v for rows in _workbook_sheets(r.workbook).values() for row in rows for v in row]
    assert int(published["n_forms"].max()) in cells
    assert not list(r.report_dir.glob(".*"))


# ---------------------------------------------------------------------- the papermill engine
@pytest.mark.parametrize("fails", [False, True], ids=["runs", "fails"])
def test_the_executed_notebook_is_written_once_when_execution_ends(tmp_path, monkeypatch, fails):
    import nbformat
    import papermill
    import papermill.engines

    from evalstats.run.runner.execute import KERNEL_NAME, engine_name, kernel_manager_class

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 20"),
        nbformat.v4.new_code_cell("print(x + 1)"),
        nbformat.v4.new_code_cell("raise RuntimeError('stop here')" if fails else "x"),
        nbformat.v4.new_code_cell("print('after')"),
    ]
    source, executed = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(nb, source)
    writes = []
    write = papermill.engines.write_ipynb

    def counted(nb, path):
        writes.append(path)
        return write(nb, path)

    monkeypatch.setattr(papermill.engines, "write_ipynb", counted)
    run = dict(
        engine_name=engine_name(),
        progress_bar=False,
        kernel_name=KERNEL_NAME,
        language="python",
        kernel_manager_class=kernel_manager_class(),
        shutdown_kernel="immediate",
    )
    if fails:
        with pytest.raises(papermill.PapermillExecutionError):
            papermill.execute_notebook(str(source), str(executed), **run)
    else:
        papermill.execute_notebook(str(source), str(executed), **run)
    assert writes == [str(executed)]  # papermill's own engine writes it 2 + 2 x 4 times more
    out = nbformat.read(executed, as_version=4)
    code = [c for c in out.cells if c.cell_type == "code"]
    assert code[1].outputs[0]["text"] == "21\n"
    if fails:
        assert code[2].outputs[0]["evalue"] == "stop here"
        assert code[3].outputs == [] and out.metadata.papermill["exception"] is True
    else:
        assert code[3].outputs[0]["text"] == "after\n"


def test_a_kernel_stopped_while_it_starts_prints_nothing_and_is_gone(tmp_path, capfd):
    from evalstats.run.runner.execute import EarlyKernel

    kernel = EarlyKernel(tmp_path)
    provisioner = kernel.km.provisioner
    pid = provisioner.process.pid
    sent = []
    send = provisioner.send_signal

    async def spy(signum):
        sent.append(signum)
        return await send(signum)

    provisioner.send_signal = spy
    time.sleep(0.2)  # booting or importing: an interrupt now can print a traceback
    kernel.stop()
    assert kernel.km is None and not alive(pid)
    # killed, never interrupted (jupyter_client's shutdown interrupts first: under load, the
    # KeyboardInterrupt's traceback reached the terminal of a run that stopped on a usage error)
    assert signal.SIGINT not in sent
    err = capfd.readouterr().err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    kernel.stop()  # stopping again does nothing


def test_a_kernel_that_cannot_start_early_is_left_to_papermill(tmp_path, monkeypatch):
    from evalstats.run.runner import execute

    class Broken:
        def __init__(self, **kwargs):
            raise OSError("no kernel here")

    monkeypatch.setattr(execute, "kernel_manager_class", lambda: Broken)
    assert execute.start_kernel(tmp_path) is None  # papermill starts one, and says what fails
