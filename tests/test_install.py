"""The built wheel, installed in a fresh virtual environment, run from an empty folder
(issue 13 item 9): ``init --demo``, ``validate``, ``run half-year``, ``run annual``, ``letters``
and ``verify`` all exit 0, and no published table names a machine path.

The fresh environment gets the wheel with ``pip install --no-deps --no-index``; its
dependencies come from the test environment's site-packages through a ``.pth`` line (after its
own), so the test needs no network and checks what the wheel itself carries: notebooks,
templates, fonts and the scheme.  ``make test`` runs it as its own step (marker ``install``,
left out of the main run by ``addopts``).
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from evalstats.run.signing import tables_digest

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parents[1]
N = "200"  # resamples: enough to run every step, quick


def _run(cmd, cwd, timeout=600, env=None):
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """``(python, evalstats)`` of a fresh venv holding only the wheel built from this tree."""
    tmp = tmp_path_factory.mktemp("install")
    dist = tmp / "dist"
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    _run([*pip, "-w", str(dist), str(ROOT)], cwd=tmp)
    (wheel,) = dist.glob("evalstats-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "evalstats/notebooks/half_year.ipynb",
        "evalstats/notebooks/annual.ipynb",
        "evalstats/notebooks/unit_profile.ipynb",
        "evalstats/schemes/default.toml",
    ):
        assert needed in names, needed
    assert any(n.startswith("evalstats/fonts/") and n.endswith(".otf") for n in names)
    assert any(n.startswith("evalstats/templates/") and n.endswith(".j2") for n in names)
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=tmp)
    py = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = _run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp)
    own = Path(purelib.stdout.strip())
    (own / "zz_test_dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    _run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel], cwd=tmp)
    where = _run([py, "-c", "import evalstats; print(evalstats.__file__)"], cwd=tmp)
    assert Path(where.stdout.strip()).is_relative_to(own), where.stdout
    return py, py.parent / ("evalstats.exe" if os.name == "nt" else "evalstats")


def _published_text(folder: Path) -> dict[str, str]:
    """Every published table, summary, report and the workbook's XML, by relative path."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.suffix in (".csv", ".html") or p.name == "summary.json":
            out[rel] = p.read_text("utf-8-sig")
        elif p.suffix in (".xlsx", ".docx"):
            with zipfile.ZipFile(p) as z:
                out[rel] = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return out


def test_from_an_empty_folder(installed, tmp_path):
    py, ev = installed
    work = tmp_path / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "EVALSTATS_ROOT"}
    # nbconvert's templates are data files of the environment the dependencies come from
    env["JUPYTER_PATH"] = os.pathsep.join([str(Path(sys.prefix) / "share" / "jupyter")])
    _run([ev, "init", "--demo"], cwd=work, env=env)
    assert (work / "data" / "raw" / "2026H1").is_dir()
    for cycle in ("2026H1", "2026A"):
        _run([ev, "validate", f"data/raw/{cycle}"], cwd=work, env=env)
    # the half-year runs the packaged notebook, the annual the project's own copy
    (work / "notebooks" / "half_year.ipynb").unlink()
    jobs = {
        "half-year": [ev, "run", "half-year", "--cycle", "2026H1", "-p", f"n_resamples={N}"],
        "annual": [ev, "run", "annual", "--cycle", "2026A", "-p", f"n_resamples={N}"],
        "letters": [
            *(ev, "letters", "--cycle", "2026A", "-p", f"n_resamples={N}", "--jobs", "1"),
            *("--units", "finance_office,land_office"),
        ],
    }
    procs = {
        k: subprocess.Popen(
            [str(c) for c in cmd], cwd=work, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )
        for k, cmd in jobs.items()
    }  # fmt: skip
    for k, p in procs.items():
        out, err = p.communicate(timeout=900)
        assert p.returncode == 0, f"{k}\n{out[-3000:]}\n{err[-3000:]}"
    reports = work / "reports"
    for rel in ("2026H1/half-year", "2026A/annual", "2026A/letters"):
        _run([ev, "verify", f"reports/{rel}"], cwd=work, env=env)
    half = json.loads((reports / "2026H1/half-year/manifest.json").read_text("utf-8"))
    annual = json.loads((reports / "2026A/annual/manifest.json").read_text("utf-8"))
    assert half["notebook"]["source"] == "package"
    assert half["notebook"]["path"] == "evalstats/notebooks/half_year.ipynb"
    assert annual["notebook"] == {
        "path": "notebooks/annual.ipynb",
        "source": "project",
        "sha256": annual["notebook"]["sha256"],
    }
    assert len(list((reports / "2026A/letters").glob("*.docx"))) == 2

    # no machine path in anything published (the manifest alone records the roots)
    machine = [str(tmp_path), tmp_path.as_posix(), str(Path.home())]
    for rel in ("2026H1/half-year", "2026A/annual", "2026A/letters"):
        for name, text in _published_text(reports / rel).items():
            for m in machine:
                assert m not in text, f"{rel}/{name} names {m}"

    # plain papermill of the same notebook, seed and inputs writes the same tables
    plain = tmp_path / "plain"
    source = _run([py, "-c", NOTEBOOK], cwd=work).stdout.strip()
    papermill = [py, "-m", "papermill", "--no-progress-bar", "-k", "python3"]
    parameters = ["-p", "cycle", "2026H1", "-p", "n_resamples", N, "-p", "output_dir", plain]
    _run([*papermill, *parameters, source, tmp_path / "plain.ipynb"], cwd=work, env=env)
    published = reports / "2026H1/half-year"
    names = sorted(p.relative_to(plain).as_posix() for p in (plain / "tables").glob("*.csv"))
    assert len(names) >= 10
    for name in names:
        assert (plain / name).read_bytes() == (published / name).read_bytes(), name
    # the runner adds the tables' check code to the summary; the rest is the notebook's own
    summary = json.loads((published / "summary.json").read_text("utf-8"))
    assert summary.pop("tables_digest") == tables_digest(plain) == tables_digest(published)
    assert summary == json.loads((plain / "summary.json").read_text("utf-8"))


NOTEBOOK = "from evalstats.core.resources import packaged_notebook as p; print(p('half-year'))"
