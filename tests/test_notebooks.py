"""The analysis notebooks: committed clean, and executed by papermill on the demo data and on a
small built cycle, writing their tables, figures and summary."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
from test_analysis import make_small_cycle

from evalstats.analyses import cycle as analysis
from evalstats.analyses.cycle import ANNUAL_TABLES, HALF_YEAR_TABLES, PUBLIC_HALF_YEAR_TABLES
from evalstats.core.resources import packaged_notebook
from evalstats.core.scheme import load_scheme
from evalstats.present.glossary import find_variants
from evalstats.present.report import write_csv
from evalstats.stats.privacy import check_public

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {"half_year": packaged_notebook("half-year"), "annual": packaged_notebook("annual")}
FIGURES = ["group_comparison", "heatmap", "levels_by_dimension", "levels_by_unit", "ranking"]
PARAMETERS = [
    "cycle",
    "data_dir",
    "scheme",
    "output_dir",
    "language",
    "confidence_level",
    "n_resamples",
    "seed",
    "method",
    "tier",
    "backend",
    "memory_limit",
    "scheduler",
    "report_date",
]
SEED = 20260101
N_RESAMPLES = 500  # as _run
PARAMETER_LINE = re.compile(r"^[a-z_]+: (str|int|float|bool) = [^#]+  # [^=]+$")


@pytest.mark.parametrize("kind", ["half_year", "annual"])
def test_committed_without_outputs(kind):
    nb = nbformat.read(NOTEBOOKS[kind], as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
        assert not re.search(r"^\s*(def|class|for|while) ", cell.source, re.M), cell.source
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and code[0] is params[0]
    lines = params[0].source.splitlines()
    assert all(PARAMETER_LINE.match(line) for line in lines), lines
    names = [line.split(":")[0] for line in lines]
    expected = (
        [*PARAMETERS[:1], "half_year_cycle", *PARAMETERS[1:]] if kind == "annual" else PARAMETERS
    )
    assert names == expected
    assert "analyses.check_parameters(" in code[1].source


def _run(kind: str, out: Path, **parameters) -> nbformat.NotebookNode:
    executed = out.parent / f"{out.name}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS[kind]),
        str(executed),
        parameters={"output_dir": str(out), "n_resamples": 500, **parameters},
        cwd=str(NOTEBOOKS[kind].parent),  # as JupyterLab starts the kernel, below the root
        kernel_name="python3",
        progress_bar=False,
    )
    return nbformat.read(executed, as_version=4)


def _outputs(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", out
            data = out.get("data", {})
            parts.append(data.get("text/markdown", "") + data.get("text/html", ""))
    return "\n".join(parts)


def _check_written(out: Path, tables, figures) -> None:
    assert sorted(p.stem for p in (out / "tables").glob("*.csv")) == sorted(tables)
    for name in figures:
        assert (out / "figures" / f"{name}.png").stat().st_size > 0
        assert (out / "figures" / f"{name}.svg").stat().st_size > 0
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["tables"] == {
        t: len(pd.read_csv(out / "tables" / f"{t}.csv", encoding="utf-8-sig")) for t in tables
    }


def test_half_year_on_the_demo(tmp_path):
    out = tmp_path / "h1"
    nb = _run("half_year", out)
    _check_written(out, HALF_YEAR_TABLES, FIGURES)
    ranking = pd.read_csv(out / "tables" / "ranking.csv", encoding="utf-8-sig")
    assert ranking.columns[:8].tolist() == [
        "cycle",
        "unit",
        "unit_name",
        "series",
        "composite",
        "composite_ci_low",
        "composite_ci_high",
        "rank",
    ]
    text = _outputs(nb)
    assert "## 分序列排名" in text and "综治办" in text and "末位不可区分" in text
    assert "## 评分规则" in text and "| 满意 | 1 | 100 | 是 | 是 |" in text
    assert find_variants(text) == []  # one term per concept (present/glossary.py)
    assert json.loads((out / "summary.json").read_text("utf-8"))["n_resamples"] == 500


def test_annual_on_the_demo(tmp_path):
    out = tmp_path / "a"
    nb = _run("annual", out, language="en")
    _check_written(out, ANNUAL_TABLES, [*FIGURES, "slope"])
    grades = pd.read_csv(out / "tables" / "final_grades.csv", encoding="utf-8-sig")
    assert "veterans_station" in set(grades["unit"])
    assert grades.loc[grades["unit"] == "land_office", "grade"].item() == "poor"
    text = _outputs(nb)
    assert "## Ranking of the year within series" in text and "Vetoed:" in text
    assert "## Scoring rules" in text and "| Excellent | 90 or more |" in text


def test_half_year_on_a_small_cycle(tmp_path):
    make_small_cycle(tmp_path / "raw")
    out = tmp_path / "small"
    nb = _run("half_year", out, data_dir=str(tmp_path / "raw"), seed=5)
    _check_written(out, HALF_YEAR_TABLES, FIGURES)
    ranking = pd.read_csv(out / "tables" / "ranking.csv", encoding="utf-8-sig")
    assert len(ranking) == 6 and set(ranking["series"]) == {"administration", "public_service"}
    text = _outputs(nb)
    assert "甲三所" in text and "<script>" not in text


def test_public_half_year_report_scanned_for_violations(tmp_path):
    out = tmp_path / "pub"
    nb = _run("half_year", out, tier="public", seed=SEED)
    _check_written(out, PUBLIC_HALF_YEAR_TABLES, FIGURES)
    from evalstats.stats.privacy.precision import round_public

    scheme = load_scheme()
    published = {}
    for folder in ("tables", "figures"):
        for path in sorted((out / folder).glob("*.csv")):
            name = path.stem if folder == "tables" else f"figures/{path.stem}"
            published[name] = pd.read_csv(path, encoding="utf-8-sig")
    assert {f"figures/{f}" for f in FIGURES} <= set(published)
    # every table and every figure's data: nothing small, no group per unit, nothing solvable
    violations = check_public(published, scheme=scheme)
    assert violations.empty, violations
    protected = set(scheme.rules.anonymity_groups)
    for name, t in published.items():
        if {"unit", "group"} <= set(t.columns) and name != "suppressed":
            per_unit = t[(t["unit"].astype(str) != "all") & t["group"].astype(str).isin(protected)]
            assert per_unit.empty, name
        assert "comment" not in t.columns or t["comment"].isna().all(), name
        assert "collector" not in t.columns and "form_ids" not in t.columns, name
    # the public ranking is the internal one, its scores at the published precision
    internal = analysis.half_year("2026H1", n_resamples=N_RESAMPLES, seed=SEED)
    write_csv(round_public(internal.tables["ranking"]), tmp_path / "internal_ranking.csv")
    assert (tmp_path / "internal_ranking.csv").read_bytes() == (
        out / "tables" / "ranking.csv"
    ).read_bytes()
    text = _outputs(nb)
    assert "本报告为公开版" in text and "公开版不公布原文" in text
    assert "公开版不按评议人类别分单位公布" in text  # the suppression table, shown
