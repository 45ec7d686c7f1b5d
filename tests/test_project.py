"""A working folder anywhere: ``evalstats init``, ``demo --out``, the notebook and scheme in
effect, and notebooks run by hand writing to scratch (issue 13 items 1–3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalstats.core.config import PROJECT_SCHEME, scratch_dir
from evalstats.core.errors import UsageError
from evalstats.core.resources import NOTEBOOK_FILES, package_dir, packaged_notebook
from evalstats.core.scheme import default_scheme_path, load_scheme, project_scheme_path
from evalstats.run.cli import main
from evalstats.run.init import init_project
from evalstats.run.runner import find_notebook
from evalstats.run.runner.errors import RunUsageError

PROJECT = ["README.md", "data/raw", "notebooks", "reports", "scheme.toml", "使用说明.md"]


def test_the_package_carries_its_notebooks_scheme_templates_and_fonts():
    for job, name in NOTEBOOK_FILES.items():
        nb = packaged_notebook(job)
        assert nb.name == name and nb.is_file()
        assert json.loads(nb.read_text("utf-8"))["nbformat"] == 4
    assert default_scheme_path().is_file()
    assert any(package_dir("fonts").glob("*.otf"))
    assert any(package_dir("templates").rglob("*.j2"))
    with pytest.raises(ValueError, match="name must be one of"):
        package_dir("../etc")
    with pytest.raises(ValueError, match="job must be one of"):
        packaged_notebook("half_year")


def test_init_makes_the_folder_and_keeps_what_is_there(tmp_path, capsys):
    target = tmp_path / "测评"
    assert main(["init", str(target)]) == 0
    out = capsys.readouterr().out
    assert "已写出 notebooks/half_year.ipynb" in out and "已写出 使用说明.md" in out
    for rel in PROJECT:
        assert (target / rel).exists(), rel
    for job in NOTEBOOK_FILES:
        copy = target / "notebooks" / NOTEBOOK_FILES[job]
        assert copy.read_bytes() == packaged_notebook(job).read_bytes()
    assert (target / PROJECT_SCHEME).read_bytes() == default_scheme_path().read_bytes()
    assert not any((target / "data" / "raw").iterdir())  # no demo unless asked
    guide = (target / "使用说明.md").read_text("utf-8")
    assert "evalstats run half-year --cycle 2026H1" in guide and "reports/_lab/" in guide

    # again, with an edited scheme and --demo: nothing overwritten, the demo added
    (target / PROJECT_SCHEME).write_text("# mine\n", encoding="utf-8")
    made = init_project(target, demo=True)
    assert made.written == () and len(made.kept) == 6
    assert [p.name for p in made.demo] == ["2026H1", "2026A"]
    assert (target / PROJECT_SCHEME).read_text("utf-8") == "# mine\n"
    assert init_project(target, demo=True).demo == ()  # demo cycles kept


def test_init_refuses_a_file(tmp_path):
    f = tmp_path / "x"
    f.write_text("", encoding="utf-8")
    with pytest.raises(UsageError, match="exists and is not a folder"):
        init_project(f)
    with pytest.raises(TypeError, match="demo must be True or False"):
        init_project(tmp_path / "y", demo="yes")


def test_demo_out_is_the_data_root_in_every_form(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--out", "raw"]) == 0
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["2026A", "2026H1"]
    assert main(["demo", "--forms", "50", "--cycle", "2026X", "--out", "raw"]) == 0
    assert (tmp_path / "raw" / "2026X" / "responses.csv").is_file()
    assert not (tmp_path / "raw" / "data").exists()
    # without --out: the project's data/raw
    (tmp_path / "p" / "data").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "p")
    assert main(["demo"]) == 0
    assert (tmp_path / "p" / "data" / "raw" / "2026H1").is_dir()


def test_which_notebook_runs(tmp_path):
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    nb = find_notebook("annual", root=root)
    assert (nb.source, nb.path) == ("package", packaged_notebook("annual"))
    assert nb.recorded(root) == "evalstats/notebooks/annual.ipynb"
    own = root / "notebooks" / "annual.ipynb"
    own.write_bytes(packaged_notebook("annual").read_bytes())
    nb = find_notebook("annual", root=root)
    assert (nb.source, nb.path, nb.recorded(root)) == ("project", own, "notebooks/annual.ipynb")
    other = tmp_path / "mine.ipynb"
    other.write_bytes(own.read_bytes())
    nb = find_notebook("annual", notebook=other, root=root)
    assert (nb.source, nb.recorded(root)) == ("file", other.as_posix())
    with pytest.raises(RunUsageError, match="notebook not found"):
        find_notebook("annual", notebook=tmp_path / "none.ipynb", root=root)


def test_the_project_scheme_is_in_effect(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    (root / "data").mkdir(parents=True)
    (root / "notebooks").mkdir()
    monkeypatch.chdir(root / "notebooks")  # as a kernel started in notebooks/
    assert project_scheme_path() is None
    assert load_scheme().source.startswith("<bundled>")
    text = default_scheme_path().read_text("utf-8").replace('name = "default"', 'name = "本镇"', 1)
    (root / PROJECT_SCHEME).write_text(text, encoding="utf-8")
    assert project_scheme_path() == root / PROJECT_SCHEME
    s = load_scheme()
    assert (s.name, s.source) == ("本镇", "scheme.toml")  # no machine path in what it shows
    assert load_scheme(default_scheme_path()).name == "default"  # --scheme wins


def test_a_notebook_run_by_hand_writes_to_scratch(tmp_path):
    """The default ``output_dir`` of every notebook is under ``reports/_lab/``."""
    assert scratch_dir("2026H1", "half-year", root=tmp_path) == (
        tmp_path / "reports" / "_lab" / "2026H1" / "half-year"
    )
    for job in NOTEBOOK_FILES:
        source = json.loads(packaged_notebook(job).read_text("utf-8"))
        params = next(c for c in source["cells"] if "parameters" in c["metadata"].get("tags", []))
        line = next(x for x in params["source"] if x.startswith("output_dir"))
        assert 'output_dir: str = ""' in line and "reports/_lab/" in line


def test_the_profile_default_output_is_scratch():
    from evalstats.analyses.profile import check_parameters

    root = Path(__file__).resolve().parents[1]
    p = check_parameters(unit="finance_office", cycle="2026A", data_dir=root / "data" / "raw")
    assert p.output_dir.parent == root / "reports" / "_lab" / "2026A" / "profiles"


def test_init_is_quick_to_start(tmp_path):
    """``evalstats init`` imports no pandas, scipy or matplotlib (it only copies files)."""
    import subprocess
    import sys

    code = (
        "import sys; from evalstats.run.cli import main; "
        f"assert main(['init', {str(tmp_path / 'p')!r}]) == 0; "
        "print(sorted(m for m in ('pandas', 'scipy', 'matplotlib') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
