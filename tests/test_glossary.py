"""One term per concept (present/glossary.py): no variant in the present layer's Chinese text,
in the report's sections and tables, or among the workbook's values."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest

from evalstats.analyses import cycle as analysis
from evalstats.present import glossary, narrative
from evalstats.present.glossary import code_term, find_variants, term
from evalstats.present.labels import relabel

ROOT = Path(__file__).resolve().parents[1]
PRESENT = ROOT / "evalstats" / "present"
DEMO = ROOT / "data" / "raw"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _docstrings(tree) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _chinese_literals(path: Path) -> list[tuple[int, str]]:
    """The string literals (f-string parts too) of a module that hold Chinese, docstrings not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and CJK.search(node.value)
    ]


def test_find_variants_known_answers():
    assert find_variants("末位（无法区分）；未填写") == ["无法区分"]
    assert find_variants("末位（不可区分）") == ["末位（不可区分）"]
    assert find_variants("空白票 3 张，2026年年度") == ["空白", "年年度"]
    assert find_variants("满意率 95.8%（95% CI 95.2% 至 96.4%）") == ["95% CI"]
    assert find_variants("名次区间 8–8；名次 8 至 8；名次区间 6–8；8.5–8.5") == ["8–8", "8 至 8"]
    assert find_variants("2026-09-12 发生事故；2026-06-15 15:02 收回") == ["2026-09-12"]
    assert find_variants("第8名，2026年9月14日，95% 置信区间，末位不可区分") == []


def test_terms_and_code_words():
    assert term("last_nd") == "末位不可区分" and term("blank") == "未填写"
    assert glossary.ci_words(0.9) == "90% 置信区间"
    with pytest.raises(ValueError, match="key"):
        term("nonsense")
    assert code_term("test", "chi2_homogeneity") == "χ² 同质性检验"
    assert code_term("item", "weak_dimension", "en") == "weak dimension"
    assert code_term("changed", "rank;standing") == "名次、前三/末位"
    assert code_term("unknown_column", "x_y") == "x_y" and code_term("item", "") == ""


@pytest.mark.parametrize("path", sorted(PRESENT.rglob("*.py")), ids=lambda p: p.name)
def test_no_variant_in_the_present_layer(path):
    if path.name == "glossary.py":  # where the variants are listed
        return
    bad = [
        (line, text, find_variants(text) or ["CI"])
        for line, text in _chinese_literals(path)
        if find_variants(text) or re.search(r"(?<![A-Za-z_])CI(?![A-Za-z_])", text)
    ]
    assert bad == [], f"{path.relative_to(ROOT)}: use the glossary's terms: {bad}"


@pytest.fixture(scope="module")
def analyses():
    return [
        analysis.half_year("2026H1", data_dir=DEMO, n_resamples=200, seed=5),
        analysis.annual("2026A", data_dir=DEMO, n_resamples=200, seed=5),
    ]


def _visible(frame) -> str:
    if frame is None:
        return ""
    if hasattr(frame, "data"):  # a Styler
        frame = frame.data
    if isinstance(frame, pd.DataFrame):
        return frame.to_csv(index=False)
    return str(frame)


def test_no_variant_in_the_report(analyses):
    for a in analyses:
        text = "\n".join(narrative.sections(a, "zh").values())
        assert "## 评分规则" in text
        tables = [_visible(narrative.table(a, name, "zh")) for name in narrative.TABLE_VIEWS]
        found = find_variants(text + "\n".join(tables))
        assert found == [], f"{a.kind}: {found}"


CODE = re.compile(
    r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?:[;:][a-z0-9_:]+)*$|^[a-z]+(?:;[a-z_:]+)+$"
    r"|^[a-z0-9]+(?:-[a-z0-9]+)+$|^[a-z_]+(?: vs [a-z_0-9]+)+$|random tables"
)
IDENTIFIERS = {"unit", "cycle", "form_id", "form_ids", "collector", "respondent", "source_file"}


def test_workbook_values_are_words(analyses):
    """The Chinese workbook shows no code (``last``, ``weak_dimension``, ``chi2_homogeneity``,
    ``below_series_median;…``) outside the columns that are identifiers (unit codes, ids)."""
    for a in analyses:
        for name, table in a.tables.items():
            shown = relabel(table, scheme=a.scheme, lang="zh")
            for column in shown.columns:
                if column in IDENTIFIERS or not pd.api.types.is_object_dtype(shown[column]):
                    continue
                values = {v for v in shown[column].dropna().unique() if isinstance(v, str)}
                codes = sorted(v for v in values if CODE.match(v) or v in {"last", "top3"})
                assert codes == [], f"{a.kind} {name}.{column}: {codes[:5]}"


def test_workbook_words_for_composed_values():
    """What a CSV read back holds: text booleans, a test's compared groups and its note."""
    t = pd.DataFrame(
        {
            "rate_significant": ["False", "True", None],
            "score_significant": [True, False, None],
            "labels": ["enterprise vs supervisor", "2026A vs 2026H1", "public vs deputy"],
            "note": ["10000 random tables with the observed margins", "", "free text"],
            "rate_test": ["score-z"] * 3,
            "score_test": ["welch-t"] * 3,
        }
    )
    shown = relabel(t)
    assert shown["rate_significant"].tolist()[:2] == ["否", "是"]
    assert pd.isna(shown["rate_significant"].iloc[2])
    assert shown["score_significant"].tolist()[:2] == ["是", "否"]
    assert shown["labels"].tolist() == [
        "企业、社会义务监督员",
        "2026年度、2026年上半年",
        "群众、人大代表/政协委员",
    ]
    assert shown["note"].tolist() == ["10,000 张边际相同的随机表（蒙特卡罗法）", "", "free text"]
    assert set(shown["rate_test"]) == {"比分法 z 检验"} and set(shown["score_test"]) == {
        "Welch t 检验"
    }
    assert relabel(t, lang="en")["labels"].tolist()[0] == "Enterprises, Volunteer supervisors"
