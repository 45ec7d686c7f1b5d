"""The public edition shows no code, path or English identifier (issue 14 item 6): every section
and table the half-year notebook displays, rendered as the report renders it."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from evalstats.analyses import cycle as analysis
from evalstats.core.resources import packaged_notebook
from evalstats.present import brief, narrative
from evalstats.present.narrative import Note, Parts

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "raw"
IDENTIFIER = re.compile(r"\b[A-Za-z]+_[A-Za-z0-9_]+\b")  # snake_case: a code or a column name
PATH = re.compile(
    r"[\w.-]+/[\w.*-]+\.(?:csv|xlsx|json|ipynb|toml)\b|[A-Za-z]:\\|/(?:home|tmp|work)/"
)
CALL = re.compile(r"narrative\.(\w+)\(a(?:, \"(\w+)\")?, lang\)")


@pytest.fixture(scope="module")
def public():
    return analysis.half_year("2026H1", data_dir=DATA, n_resamples=200, seed=5, tier="public")


def _calls(job: str) -> list[tuple[str, str | None]]:
    """The ``narrative.<section>(a, lang)`` and ``narrative.table(a, "<name>", lang)`` calls of
    the packaged notebook, in order: what its report shows."""
    nb = json.loads(packaged_notebook(job).read_text("utf-8"))
    return [m for c in nb["cells"] for m in CALL.findall("".join(c["source"]))]


def _visible(shown) -> str:
    if isinstance(shown, Parts):
        return " ".join(f"{head} {_visible(t)}" for head, t in shown.parts)
    html = shown if isinstance(shown, str | Note) else shown.to_html()
    return BeautifulSoup(str(html), "html.parser").get_text(" ")


def test_the_public_edition_shows_no_code_path_or_identifier(public):
    calls = _calls("half-year")
    assert ("table", "rectification") in calls and ("overview", "") in calls
    texts = [brief.brief_markdown(brief.brief(public))]
    for name, table in calls:
        if name == "table":
            texts.append(_visible(narrative.table(public, table, "zh")))
        else:
            texts.append(_visible(getattr(narrative, name)(public, "zh")))
    page = "\n".join(texts)
    assert "公开版" in page
    assert not IDENTIFIER.findall(page), sorted(set(IDENTIFIER.findall(page)))[:20]
    assert not PATH.findall(page), PATH.findall(page)[:5]


def test_a_table_left_out_is_named_where_it_would_be(public):
    note = narrative.table(public, "quality_changes", "zh")
    assert isinstance(note, Note) and "剔除标记问卷后的变化" in note and "公开版不公布" in note


def test_the_public_edition_drops_the_columns_it_withholds_in_every_row(public):
    """A column of dashes only says nothing (the 抑制说明 table showed its form counts as "—"
    in every row); the internal edition keeps its columns."""
    # the demo's log names the forms of the units whose weighted scores the integer audit
    # withholds (issue 15); a log without form counts is the case this test is about
    log = public.tables["suppressed"]
    log = log.assign(n_forms=pd.array([pd.NA] * len(log), dtype="Int64"))
    bare = dataclasses.replace(public, tables={**public.tables, "suppressed": log})
    raw = narrative.views.view(bare, "suppressed", "zh")[0]
    emptied = [c for c in raw.columns if raw[c].isna().all()]
    assert emptied, "the 抑制说明 without form counts has a whole column withheld"
    shown = narrative.table_frame(bare, "suppressed", "zh")
    assert len(shown.columns) == len(raw.columns) - len(emptied)
    for name in ("response", "ranking", "levels", "rectification_rectify", "suppressed"):
        frame = narrative.table_frame(public, name, "zh")
        if len(frame):
            blank = frame.isna() | frame.astype(str).isin(["", "—"])
            assert not blank.all().any(), (name, list(frame.columns[blank.all()]))
