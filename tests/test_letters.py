"""Feedback letters: the profile notebook through papermill, the batch, HTML and Word letters."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import docx
import nbformat
import papermill
import pytest
from docx.oxml.ns import qn

from evalstats.analyses import profile
from evalstats.core.resources import packaged_notebook
from evalstats.inputs.validate import validate_cycle
from evalstats.present import letters
from evalstats.run import letters as letters_batch
from evalstats.stats.pipeline import score_cycle

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = packaged_notebook("profile")
SEED = 7
N_RESAMPLES = 200
PARAMETER_LINE = re.compile(r"^[a-z_]+: (str|int|float|bool) = [^#]+  # [^=]+$")
CODE_MARKERS = ('class="jp-InputArea', "profile.unit_profile(", "letters.section(", "%reset")


def _composite_text(unit: str) -> str:
    # the year-end cycle's own composite (no resampling in it): the report's
    # ranking_annual_cycle, which an annual letter quotes beside the composite of the year
    ranking = score_cycle(validate_cycle(ROOT / "data/raw/2026A"), n_resamples=50, rng=1).ranking
    value = float(ranking.loc[ranking["unit"] == unit, "composite"].iloc[0])
    return f"{value:.2f}"


def _docx_text(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def cycles():
    return profile.load_analysis("2026A", n_resamples=N_RESAMPLES, seed=SEED)


@pytest.fixture(scope="module")
def public():
    return profile.load_analysis("2026A", n_resamples=N_RESAMPLES, seed=SEED, tier="public")


# ---------------------------------------------------------------------- the notebook
def test_notebook_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None
        assert not re.search(r"^\s*(def|class|for|while) ", cell.source, re.M), cell.source
    params = code[0]
    assert params.metadata["tags"] == ["parameters"]
    lines = params.source.splitlines()
    assert all(PARAMETER_LINE.match(line) for line in lines), lines
    assert [ln.split(":")[0] for ln in lines] == [
        "unit",
        "cycle",
        "previous_cycle",
        "data_dir",
        "scheme",
        "output_dir",
        "language",
        "confidence_level",
        "n_resamples",
        "seed",
        "tier",
        "letter_date",
    ]
    assert "profile.check_parameters(" in code[1].source


def test_notebook_through_papermill_public_tier(tmp_path):
    executed = tmp_path / "land_office.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(executed),
        parameters={
            "unit": "land_office",
            "output_dir": str(tmp_path / "out"),
            "n_resamples": N_RESAMPLES,
            "seed": SEED,
            "tier": "public",
        },
        cwd=str(NOTEBOOK.parent),  # as JupyterLab starts the kernel, below the root
        kernel_name="python3",
        progress_bar=False,
    )
    nb = nbformat.read(executed, as_version=4)
    text = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", out
            data = out.get("data", {})
            text.append(data.get("text/markdown", "") + data.get("text/html", ""))
    shown = "\n".join(text)
    assert "国土所" in shown and _composite_text("land_office") in shown
    assert "社会义务监督员：5 个单元格未公布" in shown  # the supervisor cells, withheld
    assert "社会义务监督员 (n=5)" in shown
    assert (tmp_path / "out" / "letter.docx").is_file()
    # the integer audit (issue 15) withholds every group of this unit in the public letter
    # (its group scores beside the weighted scores would pin the supervisors): no group figure
    assert not (tmp_path / "out" / "figures" / "groups.png").exists()
    assert (tmp_path / "out" / "figures" / "levels.png").is_file()
    # the supervisor scores of this unit (internal tier) appear nowhere in the public letter:
    # read from the letter itself (its tables and text), as the unit receives it
    internal = profile.unit_profile("land_office", cycle="2026A", n_resamples=N_RESAMPLES, seed=7)
    d = internal.dimensions
    sup = d[(d["group"] == "supervisor") & (d["score"] != d["score"].round(0))]
    doc = docx.Document(tmp_path / "out" / "letter.docx")
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    by_group = [t for t in tables if any(h.startswith("社会义务监督员 (n=") for h in t[0])]
    assert len(by_group) == 1  # the dimensions table, one column per group
    column = next(i for i, h in enumerate(by_group[0][0]) if h.startswith("社会义务监督员"))
    assert {row[column] for row in by_group[0][1:]} <= {"—", ""}  # withheld
    letter_text = "\n".join(
        [p.text for p in doc.paragraphs] + ["\t".join(r) for t in tables for r in t]
    )
    assert len(sup) == 0 or all(f"{v:.2f}" not in letter_text for v in sup["score"])


# ---------------------------------------------------------------------- the batch
@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    out = tmp_path_factory.mktemp("letters")
    result = letters_batch.write_letters(
        "2026A",
        units=["finance_office", "land_office", "nope_unit"],
        out=out,
        parameters={"n_resamples": N_RESAMPLES, "seed": SEED},
        jobs=2,
        progress=False,
    )
    return out, result


def test_batch_one_failing_unit_does_not_stop_the_others(batch):
    out, r = batch
    assert [x.unit for x in r.letters] == ["finance_office", "land_office"]
    assert list(r.failed) == ["nope_unit"]
    assert r.failed["nope_unit"].startswith(
        "ValueError: unit 'nope_unit' is not a unit of cycle '2026A'"
    )
    assert r.folder == out / "2026A" / "letters"
    kept = list((out / "_failed").glob("2026A-letters-nope_unit-*.ipynb"))
    assert len(kept) == 1
    index = r.index.read_text("utf-8")
    assert 'href="财政所.html"' in index and 'href="国土所.docx"' in index  # by name
    assert [x.docx.name for x in r.letters] == ["财政所.docx", "国土所.docx"]
    assert "财政所" in index and "未能生成的反馈函" in index and "nope_unit" in index
    manifest = r.manifest.read_text("utf-8")
    assert '"failed"' in manifest and "nope_unit" in manifest
    assert not list((out / ".staging").iterdir())
    frame = r.to_frame()
    assert frame["status"].tolist() == ["ok", "ok", "failed"]


def test_batch_writes_its_log_beside_the_letters(batch):
    import json

    out, r = batch
    log = out / "2026A" / "letters.log"
    assert not list(r.folder.rglob("*.log"))  # beside the letters folder, not inside it
    lines = log.read_text("utf-8").splitlines()
    run_id = json.loads(r.manifest.read_text("utf-8"))["run_id"]
    assert lines and all(ln.startswith(f"{run_id} ") for ln in lines)
    assert "2026A" in lines[0] and any(str(r.folder) in ln for ln in lines)
    # the failed unit, named with its error
    warned = [ln for ln in lines if " WARNING evalstats.run.letters: " in ln]
    assert warned and "nope_unit" in warned[0]


def test_batch_letters_csv_holds_the_reports_figures(batch, tmp_path):
    # letters.csv gathers the row each letter states; it is the report's table for those units,
    # byte for byte, and its figures are the report's final_grades (the combined year)
    import pandas as pd

    from evalstats.present.report import write_csv

    _, r = batch
    got = (r.folder / letters_batch.TABLE_FILE).read_bytes()
    a = profile.load_analysis("2026A", n_resamples=N_RESAMPLES, seed=SEED)
    table = profile.letters_table(a).set_index("unit")
    want = table.loc[["finance_office", "land_office"]].reset_index()
    assert got == write_csv(want, tmp_path / "want.csv").read_bytes()
    rows = pd.read_csv(r.folder / letters_batch.TABLE_FILE, encoding="utf-8-sig").set_index("unit")
    grades = a.tables["final_grades"].set_index("unit").loc[rows.index]
    assert rows["composite"].tolist() == grades["composite_year"].tolist()
    for col in ("p_last", "grade", "veto"):
        got_col, want_col = rows[col].tolist(), grades[col].tolist()
        assert len(got_col) == len(want_col), col
        for x, y in zip(got_col, want_col, strict=True):  # a vetoed unit has no p_last: NaN
            assert (pd.isna(x) and pd.isna(y)) or x == y, col
    assert bool(rows.loc["land_office", "veto"])  # the demo's vetoed unit says so in its letter
    assert '"letters.csv"' in r.manifest.read_text("utf-8")


def test_batch_html_has_no_code_and_the_reports_numbers(batch):
    _, r = batch
    page = r.letters[0].html.read_text("utf-8")
    for marker in CODE_MARKERS:
        assert marker not in page, marker
    assert '<html lang="zh-CN"' in page and "@page" in page  # the A4 print stylesheet
    assert "margin: 37mm 26mm 35mm 28mm" in page and "letter-annex-start" in page
    assert "财政所：" in page and "关于2026年度政风行风测评结果的反馈函" in page
    assert _composite_text("finance_office") in page
    assert "<script" not in page


def test_batch_docx(batch):
    _, r = batch
    path = r.letters[0].docx
    text = _docx_text(path)
    assert "关于2026年度政风行风测评结果的反馈函" in text and "财政所：" in text
    assert _composite_text("finance_office") in text
    assert "得分保留 2 位小数" in text  # the rounding note
    d = docx.Document(str(path))
    fonts = d.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == letters.FONT_BODY == "仿宋"
    assert abs(d.sections[0].page_width.mm - 210) < 0.5


def test_batch_usage_errors(tmp_path):
    with pytest.raises(ValueError, match=r"^--units lists finance_office more than once$"):
        letters_batch.write_letters("2026A", units="finance_office,finance_office", out=tmp_path)
    with pytest.raises(ValueError, match=r"^--units lists no unit$"):
        letters_batch.write_letters("2026A", units=" , ", out=tmp_path)
    with pytest.raises(ValueError, match=r"^parameter 'tier' is set by the batch; use --tier$"):
        letters_batch.write_letters("2026A", parameters={"tier": "public"}, out=tmp_path)
    with pytest.raises(ValueError, match=r"^lang must be one of 'zh', 'en'; got 'fr'$"):
        letters_batch.write_letters("2026A", lang="fr", out=tmp_path)
    assert not any(tmp_path.iterdir())  # nothing written


def _args(**kw):
    base = dict(
        cycle="2026A",
        units=None,
        data=None,
        scheme=None,
        out=None,
        lang="zh",
        tier="internal",
        jobs=None,
        parameters=[],
        notebook=None,
        no_progress=True,
    )
    return argparse.Namespace(**{**base, **kw})


def test_cmd_letters_exit_codes(monkeypatch, tmp_path, capsys):
    assert letters_batch.cmd_letters(_args(units="a,a", out=str(tmp_path))) == 2
    assert "--units lists a more than once" in capsys.readouterr().err

    def fake(cycle, **kw):
        return letters_batch.LettersResult(
            cycle=cycle,
            folder=tmp_path,
            previous_dir=None,
            letters=[],
            failed={"u1": "ValueError: boom"},
            index=tmp_path / "index.html",
            manifest=tmp_path / "manifest.json",
            seconds=1.0,
        )

    monkeypatch.setattr(letters_batch, "write_letters", fake)
    assert letters_batch.cmd_letters(_args()) == 3
    assert "u1: ValueError: boom" in capsys.readouterr().err
    from evalstats.run.cli import build_parser

    ns = build_parser().parse_args(
        ["letters", "--cycle", "2026A", "--tier", "public", "--jobs", "2"]
    )
    assert (ns.tier, ns.jobs, ns.lang) == ("public", 2, None)  # letters in Chinese: zh
    ns = build_parser().parse_args(["letters", "--cycle", "2026A", "--lang", "en"])
    assert ns.lang == "en"


# ---------------------------------------------------------------------- words and tables
def test_comments_are_escaped(cycles):
    unit = str(cycles.tables["comments"]["unit"].iloc[0])
    hostile = "<script>alert(1)</script> [点我](javascript:alert(1)) # 标题"
    p = profile.unit_profile(
        unit, cycle="2026A", analysis=cycles, pseudonymise=lambda s: s.map(lambda _: hostile)
    )
    md = letters.section(p, "comments")
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\\[点我\\]\\(javascript:alert\\(1\\)\\)" in md and "\\# 标题" in md
    html = letters.table(p, "comments").to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_sections_in_both_languages(cycles):
    p = profile.unit_profile("finance_office", cycle="2026A", analysis=cycles)
    zh = letters.section(p, "result", date="2026-12-20")
    assert zh.startswith("## 一、测评结果") and "财政所" not in zh
    h = p.headline.iloc[0]
    assert f"{h['composite']:.2f}".replace(".", "\\.") in zh
    assert f"排第{int(h['rank'])}名" in zh
    en = letters.section(p, "result", "en", date="2026-12-20")
    assert en.startswith("## 1\\. Your results") and f"rank {int(h['rank'])}" in en
    assert letters.section(p, "suppression") == ""  # internal tier: nothing withheld
    assert letters.blocks(p, "title")[0][1] == "关于2026年度政风行风测评结果的反馈函"
    with pytest.raises(ValueError, match=r"^key must be one of 'reference', 'title', "):
        letters.blocks(p, "nope")
    frame = letters.table_frame(p, "headline")
    assert dict(zip(frame.iloc[:, 0], frame.iloc[:, 1], strict=True))["年度综合得分"] == (
        f"{h['composite']:.2f}"
    )


def test_write_docx_public(public, tmp_path):
    p = profile.unit_profile("land_office", cycle="2026A", analysis=public, tier="public")
    path = letters.write_docx(p, tmp_path / "x.docx", lang="en")
    text = _docx_text(path)
    assert "Feedback on the results of the 2026 annual evaluation" in text
    # issue 14 item 8: the unit by its English name (units file name_en), never its code
    assert "To Land and Resources Office:" in text and "Public edition" in text
    assert "land_office" not in text
    assert "What is withheld to protect respondents" in text


def test_file_stem():
    assert letters_batch.file_stem("finance_office") == "finance_office"
    assert letters_batch.file_stem("../x").startswith("unit-")
    assert "/" not in letters_batch.file_stem("a/b")
    assert letters_batch.file_stem("CON").startswith("unit-")  # a Windows device name


def test_public_letter_names_the_scheme_protected_groups_and_the_report_reasons(public):
    import dataclasses

    from evalstats.present.words import REASON_TEXT

    p = profile.unit_profile("land_office", cycle="2026A", analysis=public, tier="public")
    zh = letters.closing._suppression(p, "zh", None)[0][1]
    assert "社会义务监督员的分项结果不单独公布" in zh  # the bundled scheme protects supervisors
    rules = dataclasses.replace(p.scheme.rules, anonymity_groups=("supervisor", "deputy"))
    other = dataclasses.replace(p, scheme=dataclasses.replace(p.scheme, rules=rules))
    assert (
        "社会义务监督员、人大代表/政协委员的分项结果不单独公布"
        in letters.closing._suppression(other, "zh", None)[0][1]
    )
    # one wording of each suppression reason: the public report's
    assert letters.SUPPRESS_REASON["complementary"] == REASON_TEXT["complementary"]
    assert letters.SUPPRESS_REASON["fewer_than_threshold"] == REASON_TEXT["below_threshold"]
    reasons = {r for r in p.suppressed["reason"].astype(str)}
    assert reasons and reasons <= set(letters.SUPPRESS_REASON)


def _analysis_files(tmp_path, monkeypatch, units, jobs) -> list[str]:
    """Run a batch; the files of its staging area's analysis folder, listed before removal."""
    seen = []
    rmtree = letters_batch.shutil.rmtree

    def listing_rmtree(path, *args, **kwargs):
        if Path(path).name == "_work":
            seen.extend(sorted(p.name for p in (Path(path) / "analysis").glob("*")))
        return rmtree(path, *args, **kwargs)

    monkeypatch.setattr(letters_batch.shutil, "rmtree", listing_rmtree)
    r = letters_batch.write_letters(
        "2026A",
        units=units,
        out=tmp_path,
        parameters={"n_resamples": 50, "seed": SEED},
        jobs=jobs,
        progress=False,
    )
    assert not r.failed and len(r.letters) == len(units)
    return seen


def test_batch_analyses_the_cycle_once_for_its_kernels(tmp_path, monkeypatch):
    # the batch analyses the cycle into a folder of its staging area, which the kernels' own
    # load_analysis reads: one file.  A kernel asking for another analysis (another key)
    # adds its own there: two files when the batch is made to analyse with the default seed
    units = ["finance_office", "land_office"]
    (kept,) = _analysis_files(tmp_path / "a", monkeypatch, units, 2)
    assert kept.startswith("analysis-") and kept.endswith(".pickle")
    monkeypatch.setattr(
        letters_batch, "PROFILE_PARAMETERS", tuple(set(letters_batch.PROFILE_PARAMETERS) - {"seed"})
    )
    assert len(_analysis_files(tmp_path / "b", monkeypatch, units[:1], 1)) == 2
