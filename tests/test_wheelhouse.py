"""Tests of tools/wheelhouse.py: a folder of wheels completed for another platform's markers."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "wheelhouse", Path(__file__).resolve().parents[1] / "tools" / "wheelhouse.py"
)
wheelhouse = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(wheelhouse)


def fake_wheel(folder: Path, name: str, requires: list[str]) -> Path:
    path = folder / f"{name}-1.0-py3-none-any.whl"
    meta = "Metadata-Version: 2.1\nName: {}\nVersion: 1.0\n{}".format(
        name, "".join(f"Requires-Dist: {r}\n" for r in requires)
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{name}-1.0.dist-info/METADATA", meta)
    return path


@pytest.fixture
def folder(tmp_path):
    fake_wheel(tmp_path, "evalstats", ["tqdm>=4", "jupyterlab; extra == 'lab'"])
    fake_wheel(tmp_path, "tqdm", ['colorama; platform_system == "Windows"', "x; extra == 'y'"])
    fake_wheel(tmp_path, "jupyterlab", ["terminado[t]", "jupyter_server"])
    fake_wheel(tmp_path, "jupyter_server", ["pywinpty!=3.0.4,>=2.0.1; os_name == 'nt'"])
    fake_wheel(tmp_path, "terminado", ["pywinpty>=1.1; os_name == 'nt'", "tornado; extra == 't'"])
    return tmp_path


def names(reqs) -> list[str]:
    return sorted(str(r) for r in reqs)


def test_windows_only_dependencies_are_found(folder):
    win = wheelhouse.target_environment("win_amd64", "3.11")
    assert (win["sys_platform"], win["platform_system"], win["os_name"]) == (
        "win32",
        "Windows",
        "nt",
    )
    root = [wheelhouse.Requirement("evalstats[lab]")]
    # markers evaluated for Windows, extras followed (lab → jupyterlab → terminado[t] → tornado)
    assert names(wheelhouse.missing(folder, root, win)) == [
        "colorama",
        "pywinpty!=3.0.4,>=1.1,>=2.0.1",  # every package's requirement on it, combined
        "tornado",
    ]
    linux = wheelhouse.target_environment("manylinux2014_x86_64", "3.11")
    assert names(wheelhouse.missing(folder, root, linux)) == ["tornado"]
    # without the lab extra, JupyterLab's tree is not wanted
    plain = [wheelhouse.Requirement("evalstats")]
    assert names(wheelhouse.missing(folder, plain, win)) == ["colorama"]


def test_root_from_a_wheel_path():
    r = wheelhouse.root_requirement("dist/evalstats-0.1.0-py3-none-any.whl[lab]")
    assert (r.name, r.extras) == ("evalstats", {"lab"})
    assert wheelhouse.root_requirement("dist/evalstats-0.1.0-py3-none-any.whl").extras == set()


def test_complete_folder_exits_0_and_unknown_platform_refused(folder, capsys):
    fake_wheel(folder, "tornado", [])
    assert wheelhouse.main([str(folder), "--root", "evalstats[lab]"]) == 0
    assert "complete" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        wheelhouse.target_environment("solaris_sparc", None)
    assert "unknown platform tag 'solaris_sparc'" in str(e.value)
