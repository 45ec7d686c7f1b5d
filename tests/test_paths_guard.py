"""Where evalstats may write and read (issue 15): output folders, cycle ids, cycle folder entries.

- A report, the letters, the interim tables, the demo data and a project are never written into
  the inputs or a system folder: ``--out data/raw``, ``--out data/raw/2026H1``, ``--out /``,
  ``--out ~``, ``--interim data/raw``, ``init /`` are refused with exit 2 and a message naming the
  folder and why, before anything (``.locks``, ``.staging``, a log) is created
  (:func:`evalstats.core.files.check_output_folder`).
- ``validate --cycle ../../..`` writes nothing outside ``data/interim``.
- A folder or a FIFO named as an input table in a cycle folder, and a link leading out of it, are
  errors naming the entry; the outside file's contents never appear.

The ``verify`` cases (a manifest naming ``/dev/zero`` or ``/etc/shadow``) are in
``tests/test_verify.py``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from evalstats.core.errors import UsageError
from evalstats.run.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "raw"


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` (hidden ones too) → the sha256 of a file, ``dir`` for a
    folder: a tree that compares equal before and after wrote nothing."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        out[rel] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(autouse=True)
def tripwire(monkeypatch):
    """No folder is made outside the temporary folder while these tests run: were the guard
    broken, ``--out /`` would fail here instead of writing into the machine's root."""
    tmp = os.path.realpath(tempfile.gettempdir())
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):
        where = os.path.realpath(os.path.join(os.fspath(path), ".."))
        if not (where == tmp or where.startswith(tmp + os.sep)):
            raise AssertionError(f"tripwire: a folder made outside {tmp}: {path}")
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project root in ``tmp_path`` with the demo's two cycles in ``data/raw``; the working
    folder is the root and HOME a folder beside it."""
    root = tmp_path / "proj"
    for cycle in ("2026H1", "2026A"):
        shutil.copytree(DEMO / cycle, root / "data" / "raw" / cycle)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("EVALSTATS_ROOT", str(root))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(root)
    return root


def refused(argv, capsys) -> str:
    """Run the CLI; assert exit 2 and no output on stdout; return stderr."""
    capsys.readouterr()
    code = main(argv)
    got = capsys.readouterr()
    assert code == 2, got
    assert got.out == ""
    return got.err


RUN = ["run", "half-year", "--cycle", "2026H1"]
LETTERS = ["letters", "--cycle", "2026A"]


@pytest.mark.parametrize(
    ("argv", "zh"),
    [
        ([*RUN, "--out", "data/raw"], "--out data/raw：输出文件夹就是数据文件夹 "),
        ([*RUN, "--out", "data/raw/2026H1"], "--out data/raw/2026H1：输出文件夹就是期次文件夹 "),
        ([*RUN, "--out", "data/raw/2026H1/new"], "输出文件夹位于期次文件夹 "),
        ([*RUN, "--out", "data/raw/2026A"], "输出文件夹就是期次文件夹 "),  # not the run's cycle
        ([*RUN, "--out", "."], "--out .：输出文件夹包含了数据文件夹 "),
        ([*RUN, "--out", "data"], "--out data：输出文件夹包含了数据文件夹 "),
        ([*RUN, "--out", "/"], "--out /：输出文件夹是文件系统的根目录（/）"),
        ([*LETTERS, "--out", "data/raw"], "--out data/raw：输出文件夹就是数据文件夹 "),
        ([*LETTERS, "--out", "data/raw/2026A/x"], "输出文件夹位于期次文件夹 "),
        ([*LETTERS, "--out", "/"], "输出文件夹是文件系统的根目录"),
        (["demo", "--out", "/"], "--out /：输出文件夹是文件系统的根目录"),
        (["init", "/"], "init /：输出文件夹是文件系统的根目录"),
    ],
)
def test_an_output_folder_in_the_inputs_or_a_system_root_is_refused(project, capsys, argv, zh):
    before = snapshot(project)
    err = refused(argv, capsys)
    assert err.startswith("evalstats: ") and zh in err, err
    assert "请另选" in err
    assert snapshot(project) == before  # no .locks, .staging, log or report: nothing at all
    assert not (project / "data" / "raw" / ".locks").exists()


def test_the_refusal_in_english_names_the_folder_and_why(project, capsys):
    raw = project / "data" / "raw"
    err = refused([*RUN, "--out", "data/raw/2026H1", "--lang", "en"], capsys)
    assert err == (
        f"evalstats: --out data/raw/2026H1: the output folder is the cycle folder {raw / '2026H1'}"
        "; nothing is ever written into the inputs: choose another folder, e.g. reports\n"
    )
    err = refused([*RUN, "--out", "/", "--lang", "en"], capsys)
    assert err == (
        "evalstats: --out /: the output folder is the root of a file system (/); choose a "
        "folder of its own, e.g. reports\n"
    )


def test_the_home_folder_itself_is_refused_a_folder_in_it_is_not(project, capsys):
    from evalstats.core.files import check_output_folder

    home = Path(os.environ["HOME"])
    before = snapshot(home.parent)
    err = refused([*RUN, "--out", str(home), "--lang", "en"], capsys)
    assert f"the output folder is your home folder itself ({home})" in err
    err = refused(["init", str(home)], capsys)
    assert "输出文件夹就是您的主目录" in err
    err = refused(["demo", "--out", "~"], capsys)
    assert "--out ~：输出文件夹就是您的主目录" in err
    assert snapshot(home.parent) == before
    assert check_output_folder(home / "reports") == home / "reports"


def test_a_data_folder_given_with_data_is_guarded_too(project, tmp_path, capsys):
    data = tmp_path / "elsewhere"
    shutil.copytree(DEMO / "2026H1", data / "2026H1")
    before = snapshot(data)
    argv = ["run", "half-year", "--cycle", "2026H1", "--data", str(data)]
    err = refused([*argv, "--out", str(data / "2026H1" / "reports")], capsys)
    assert "输出文件夹位于期次文件夹" in err
    # --data naming the cycle folder itself: its parent is the data folder in use
    argv = ["run", "half-year", "--data", str(data / "2026H1"), "--out", str(data)]
    assert "输出文件夹就是数据文件夹" in refused(argv, capsys)
    assert snapshot(data) == before


def test_links_are_followed_on_both_sides(tmp_path):
    from evalstats.core.files import check_output_folder

    data = tmp_path / "data" / "raw"
    (data / "2026H1").mkdir(parents=True)
    elsewhere = tmp_path / "stored" / "2026A"
    elsewhere.mkdir(parents=True)
    (data / "2026A").symlink_to(elsewhere, target_is_directory=True)
    (tmp_path / "out-link").symlink_to(data / "2026H1", target_is_directory=True)
    with pytest.raises(UsageError, match="is the cycle folder"):
        check_output_folder(tmp_path / "out-link", data_dir=data)
    # a cycle folder that is a link: its target is guarded as well
    with pytest.raises(UsageError, match=r"lies inside the cycle folder .*2026A"):
        check_output_folder(elsewhere / "reports", data_dir=data)
    with pytest.raises(UsageError, match=r"contains the cycle folder"):
        check_output_folder(tmp_path / "stored", data_dir=data)
    assert check_output_folder(tmp_path / "reports", data_dir=data) == tmp_path / "reports"


# ---------------------------------------------------------------------- validate
def test_validate_refuses_a_cycle_that_is_not_a_cycle_id(project, tmp_path, capsys):
    before = snapshot(tmp_path)
    err = refused(["validate", "data/raw/2026H1", "--cycle", "../../.."], capsys)
    assert err == "evalstats: --cycle：期次编号不对：'../../..'（应写成如 2026H1、2026A）\n"
    err = refused(["validate", "data/raw/2026H1", "--cycle", "../x", "--lang", "en"], capsys)
    assert err.startswith("evalstats: --cycle: cycle must be")
    assert snapshot(tmp_path) == before
    assert not (project / "data" / "interim").exists()


def test_write_interim_stays_inside_data_interim(project, tmp_path):
    from evalstats.inputs.interim import write_interim
    from evalstats.inputs.validate import validate_cycle

    validated = validate_cycle("data/raw/2026H1", cycle="../../..")
    before = snapshot(tmp_path)
    with pytest.raises(UsageError, match="cannot write the validated tables: cycle must be"):
        write_interim(validated)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("interim", "zh"),
    [
        ("data/raw", "--interim data/raw：输出文件夹就是数据文件夹 "),
        ("data/raw/2026H1", "--interim data/raw/2026H1：输出文件夹就是期次文件夹 "),
        ("data/raw/2026A/tables", "输出文件夹位于期次文件夹 "),
        ("/", "--interim /：输出文件夹是文件系统的根目录"),
    ],
)
def test_validate_interim_in_the_inputs_is_refused_before_reading(project, capsys, interim, zh):
    before = snapshot(project)
    err = refused(["validate", "data/raw/2026H1", "--interim", interim], capsys)
    assert err.startswith("evalstats: ") and zh in err, err
    assert snapshot(project) == before


def test_validate_interim_elsewhere_still_writes(project, capsys):
    assert main(["validate", "data/raw/2026H1", "--interim", "tables/2026H1"]) == 0
    assert (project / "tables" / "2026H1" / "manifest.json").is_file()


# ---------------------------------------------------------------------- cycle folder entries
def test_a_folder_named_as_an_input_table_is_an_error_naming_it(project, capsys):
    folder = project / "data" / "raw" / "2026H1"
    (folder / "exclusions.csv").unlink()
    (folder / "exclusions.csv").mkdir()
    capsys.readouterr()
    assert main(["validate", "data/raw/2026H1", "--no-write"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "data/raw/2026H1/exclusions.csv: 是文件夹或特殊文件（管道、设备），不是普通文件，"
        "不会读取：请删除或改名"
    )
    assert main(["validate", "data/raw/2026H1", "--no-write", "--lang", "en"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        "data/raw/2026H1/exclusions.csv: is a folder or a special file (a FIFO, a device), not "
        "a file; it is not read: remove or rename it"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_named_as_an_input_table_is_an_error_not_a_hang(project, capsys):
    folder = project / "data" / "raw" / "2026H1"
    (folder / "forms_issued.csv").unlink()
    os.mkfifo(folder / "forms_issued.csv")
    capsys.readouterr()
    assert main(["validate", "data/raw/2026H1", "--no-write", "--lang", "en"]) == 1
    assert (
        capsys.readouterr()
        .out.splitlines()[0]
        .startswith("data/raw/2026H1/forms_issued.csv: is a folder or a special file")
    )


def test_a_link_out_of_the_cycle_folder_is_refused_never_read(project, tmp_path, capsys):
    folder = project / "data" / "raw" / "2026H1"
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "units.csv").write_text("SECRET-CONTENTS,单位\nSECRET-ROW,x\n", encoding="utf-8")
    units = folder / "units.csv"
    units.unlink()
    units.symlink_to(secret / "units.csv")
    inside = folder / "exclusions.csv"  # a link to a file of the same folder stays allowed
    shutil.move(inside, folder / "exclusions-copy.csv")
    inside.symlink_to("exclusions-copy.csv")
    capsys.readouterr()
    assert main(["validate", "data/raw/2026H1", "--no-write"]) == 1
    got = capsys.readouterr()
    assert "data/raw/2026H1/units.csv: 是指向期次文件夹之外的链接；请把文件复制到期次文件夹中" in (
        got.out.splitlines()
    )
    assert "SECRET" not in got.out + got.err
    assert str(secret) not in got.out + got.err
    assert not [x for x in got.out.splitlines() if x.startswith("data/raw/2026H1/exclusions")]
    assert "作废 1 份" in got.out  # the link inside the folder was read: its voided form
    assert main(["validate", "data/raw/2026H1", "--no-write", "--lang", "en"]) == 1
    got = capsys.readouterr()
    assert (
        "data/raw/2026H1/units.csv: is a link to a file outside the cycle folder; copy the file "
        "into the cycle folder instead"
    ) in got.out.splitlines()
    assert "SECRET" not in got.out + got.err


def test_a_run_on_a_cycle_with_a_link_out_stops_before_writing(project, tmp_path, capsys):
    folder = project / "data" / "raw" / "2026H1"
    outside = tmp_path / "outside.csv"
    shutil.move(folder / "forms_issued.csv", outside)
    (folder / "forms_issued.csv").symlink_to(outside)
    capsys.readouterr()
    code = main([*RUN, "--out", str(tmp_path / "reports")])
    got = capsys.readouterr()
    assert code == 1, got
    assert "forms_issued.csv: 是指向期次文件夹之外的链接" in got.out + got.err
    assert not (tmp_path / "reports" / "2026H1" / "half-year").exists()


def test_validate_of_one_file_guards_its_folder(project, tmp_path, capsys):
    from evalstats.core.files import check_output_folder

    responses = tmp_path / "sent" / "responses.xlsx"
    responses.parent.mkdir()
    shutil.copy(project / "data" / "raw" / "2026H1" / "responses.xlsx", responses)
    argv = ["validate", str(responses), "--cycle", "2026H1", "--interim"]
    err = refused([*argv, str(responses.parent / "tables"), "--lang", "en"], capsys)
    assert "the output folder lies inside the cycle folder" in err
    with pytest.raises(UsageError, match="contains the cycle folder"):
        check_output_folder(tmp_path, cycle_folders=[responses.parent])
