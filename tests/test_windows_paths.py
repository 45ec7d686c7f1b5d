"""Paths that differ on Windows (drive letters, backslashes), tested here with Windows rules.

The rule: evalstats names an input file with ``/`` between its parts on every system — in
problem lines, published tables (``source_file``, the quality table's sentences), manifests and
``verify`` — so a report reads the same, and its tables are byte-identical, wherever it ran.
Paths given on the command line are read with the system's rules (``data\\raw`` and
``D:\\测评`` on Windows) and resolve from the project root when relative.

Windows paths are split with ``PureWindowsPath`` (``slash_path(flavour=…)``, or the module's
path class replaced for the test), so these tests run on Linux too.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from evalstats.core import config, files
from evalstats.core.errors import InputError
from evalstats.core.files import slash_path
from evalstats.run.publish import relative

UNITS_CSV = (
    "单位编码,单位名称,序列\nfinance_office,财政所,行政管理\njustice_office,司法所,行政执法\n"
)
RESPONSES_CSV = (
    "问卷编号,被评单位,评议人类别,政务公开,依法行政,办事效率,服务质量,清正廉洁\n"
    "H1-0001,财政所,企业,满意,1,2,3,4\n"
    "H1-0002,司法所,群众,很好,满意,满意,满意,满意\n"  # 很好: not a level (a problem line)
    "H1-0003,司法所,群众,5,满意,满意,满意,满意\n"
)


# ---------------------------------------------------------------------- the naming rule
@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (r"data\raw\2026H1", "data/raw/2026H1"),
        ("data\\raw\\2026H1\\", "data/raw/2026H1"),
        (r"data/raw\2026H1", "data/raw/2026H1"),  # mixed separators, as typed in PowerShell
        (r".\data\raw", "data/raw"),
        (r"D:\测评\data\raw\2026H1\responses.xlsx", "D:/测评/data/raw/2026H1/responses.xlsx"),
        (r"d:/测评/data", "d:/测评/data"),
        (r"\\server\share\测评\raw", "//server/share/测评/raw"),  # a network share (UNC)
        ("responses.xlsx", "responses.xlsx"),
    ],
)
def test_windows_paths_are_named_with_slashes(given, shown):
    assert slash_path(given, flavour=PureWindowsPath) == shown


def test_posix_paths_keep_their_names():
    # on Linux a backslash is an ordinary character of a file name: it stays
    assert slash_path("data/raw/2026H1/", flavour=PurePosixPath) == "data/raw/2026H1"
    assert slash_path("a\\b.csv", flavour=PurePosixPath) == "a\\b.csv"
    assert slash_path(Path("/srv/测评") / "raw") == "/srv/测评/raw"


# ---------------------------------------------------------------------- inputs in messages
@pytest.fixture
def windows_named_cycle(tmp_path, monkeypatch):
    """A cycle folder given as ``data\\raw\\2026H1``, read with Windows rules for names.

    On Linux ``data\\raw\\2026H1`` is one folder name, so the folder is found; the names
    evalstats shows are made with ``PureWindowsPath``, as on Windows.
    """
    folder = tmp_path / "data\\raw\\2026H1"
    folder.mkdir()
    (folder / "units.csv").write_text(UNITS_CSV, encoding="utf-8")
    (folder / "responses.csv").write_text(RESPONSES_CSV, encoding="utf-8")
    (tmp_path / "data").mkdir()  # the project root: tmp_path
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    monkeypatch.setattr(files, "PurePath", PureWindowsPath)
    return r"data\raw\2026H1"


def test_validate_names_inputs_with_slashes(windows_named_cycle):
    from evalstats.inputs.validate import validate_cycle

    v = validate_cycle(windows_named_cycle, raise_on_error=False)
    bad = v.problems[v.problems["value"] == "很好"]
    assert bad["file"].tolist() == ["data/raw/2026H1/responses.csv"]
    assert set(v.forms["source_file"]) == {"data/raw/2026H1/responses.csv"}
    # the problem line as printed: file:row:column: reason (value)
    assert "\ndata/raw/2026H1/responses.csv:3:" in str(InputError(bad))


def test_duckdb_scan_names_inputs_as_validate_does(windows_named_cycle):
    pytest.importorskip("duckdb")
    from evalstats.counts.backends import count_cycle
    from evalstats.inputs.validate import validate_cycle

    counted = count_cycle(windows_named_cycle, backend="duckdb", raise_on_error=False)
    try:
        scanned = counted.validated.problems
        expected = validate_cycle(windows_named_cycle, raise_on_error=False).problems
        assert (
            sorted(set(scanned["file"]))
            == sorted(set(expected["file"]))
            == ["data/raw/2026H1/responses.csv"]
        )
    finally:
        counted.close()


# ---------------------------------------------------------------------- --data / --out
class WinPath(PureWindowsPath):
    """A Windows path on any system, with the two methods resolve_path calls."""

    def expanduser(self):
        return self


@pytest.fixture
def windows_config(monkeypatch):
    monkeypatch.setattr(config, "Path", WinPath)
    return WinPath(r"C:\Users\李\测评")


@pytest.mark.parametrize(
    ("given", "resolved"),
    [
        (r"data\raw", r"C:\Users\李\测评\data\raw"),
        ("data/raw/2026H1", r"C:\Users\李\测评\data\raw\2026H1"),
        ("reports\\", r"C:\Users\李\测评\reports"),
        (r"D:\测评数据\raw", r"D:\测评数据\raw"),  # another drive: kept
        (r"d:/测评数据/raw", r"D:\测评数据\raw"),
        (r"\\server\share\raw", r"\\server\share\raw"),  # a network share: kept
    ],
)
def test_resolve_path_with_drive_letters_and_backslashes(windows_config, given, resolved):
    got = config.resolve_path(given, root=windows_config)
    assert got == WinPath(resolved)
    assert got.is_absolute()


# ---------------------------------------------------------------------- the manifest
@pytest.mark.parametrize(
    ("path", "base", "recorded"),
    [
        (r"D:\测评\data\raw\2026H1\responses.xlsx", r"D:\测评\data\raw", "2026H1/responses.xlsx"),
        # Windows compares paths without case: still inside the data folder
        (r"d:\测评\DATA\raw\2026A\units.csv", r"D:\测评\data\raw", "2026A/units.csv"),
        # outside the base (another drive): the whole path, with slashes
        (r"E:\方案\district.toml", r"D:\测评\data\raw", "E:/方案/district.toml"),
        (r"\\server\share\raw\2026A\responses.csv", r"\\server\share\raw", "2026A/responses.csv"),
    ],
)
def test_manifest_paths_are_relative_with_slashes(path, base, recorded):
    assert relative(PureWindowsPath(path), PureWindowsPath(base)) == recorded


def test_scheme_source_named_with_slashes(tmp_path, monkeypatch):
    from evalstats.core.scheme import default_scheme_path, load_scheme

    (tmp_path / "data").mkdir()
    (tmp_path / "方案\\district.toml").write_bytes(default_scheme_path().read_bytes())
    monkeypatch.setenv("EVALSTATS_ROOT", str(tmp_path))
    monkeypatch.setattr(files, "PurePath", PureWindowsPath)
    # summary.json and the manifest record scheme.source: the same text on every system
    assert load_scheme(r"方案\district.toml").source == "方案/district.toml"
