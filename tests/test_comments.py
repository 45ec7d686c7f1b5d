"""Tests of evalstats.stats.comments and the kinds of comments in the tables (issue 14 item 4):
批评 / 建议 / 表扬 / 意见 by the scheme's keywords, a typed 意见类别 wins, praise never enters the
整改清单."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from evalstats.analyses import cycle as analysis
from evalstats.core.errors import SchemeError
from evalstats.core.scheme import default_scheme_path, load_scheme
from evalstats.stats.comments import comment_kinds

DEMO = Path(__file__).resolve().parents[1] / "data" / "raw"
S = load_scheme()

# Known answers: every comment of the demo, sorted by hand by the rule of the bundled scheme
# (criticism keywords first, then praise, then suggestion; none: other).
DEMO_KINDS = {
    "信访件办理结果不告知当事人，情况不公开。": "criticism",
    "希望综治办多下村走访，及时化解矛盾。": "suggestion",
    "邻里纠纷反映了多次，一直没人来调解。": "criticism",
    "中午时段窗口无人值守，建议实行错时服务。": "criticism",
    "窗口工作人员态度生硬，问多了就不耐烦。": "criticism",
    "收费依据不公开，不知道钱交到哪里去了。": "criticism",
    "施工许可办理环节多、时间长，跑了好几趟才办下来，希望简化流程。": "criticism",
    "工程质量监督检查走过场，群众反映的问题没有回音。": "criticism",
    "执法时以罚代管，罚款不开正式票据。": "criticism",
    "客运线路审批拖得太久，企业等不起。": "criticism",
    "办事窗口经常没人，电话也打不通。": "criticism",
    "政策宣传不够，很多补贴政策群众不了解。": "criticism",
    "希望进一步提高办事效率，减少群众跑腿。": "suggestion",
    "工作人员服务热情，希望继续保持。": "praise",
    "流程简化了，但个别工作人员态度还需改进。": "suggestion",
    "建议在网上公开办事指南，方便企业查询。": "suggestion",
    "比上半年有明显改进，办事快了不少。": "praise",
}


def test_known_answers_on_the_demo_comments():
    texts = list(DEMO_KINDS)
    assert comment_kinds(texts).tolist() == list(DEMO_KINDS.values())


def test_order_of_kinds_and_the_fallback():
    got = comment_kinds(["服务不热情", "服务热情，希望继续保持", "无", "", None]).tolist()
    assert got == ["criticism", "praise", "other", "other", "other"]


def test_a_typed_kind_wins_over_the_keywords():
    got = comment_kinds(
        ["办事慢", "办事慢", "谢谢"], typed=["表扬", None, "suggestion"], scheme=S
    ).tolist()
    assert got == ["praise", "criticism", "suggestion"]
    with pytest.raises(ValueError) as e:
        comment_kinds(["a", "b"], typed=["夸奖", "表扬"])
    assert str(e.value) == (
        "typed has ['夸奖'], which are not comment kinds of the scheme; "
        "allowed: ['批评', '表扬', '建议', '意见']"
    )
    with pytest.raises(ValueError) as e:
        comment_kinds(["a", "b"], typed=["表扬"])
    assert str(e.value) == "typed has 1 values for 2 comments; pass one per comment"


@pytest.fixture(scope="module")
def demo_year():
    return analysis.annual("2026A", data_dir=DEMO, n_resamples=100, seed=1)


def test_comments_table_has_the_kind_and_praise_never_enters_the_list(demo_year):
    c = demo_year.tables["comments"]
    assert c["comment_kind"].tolist() == [DEMO_KINDS[t] for t in c["comment"]]
    praise = set(c.loc[c["comment_kind"] == "praise", "comment"])
    assert praise == {"工作人员服务热情，希望继续保持。", "比上半年有明显改进，办事快了不少。"}
    rect = demo_year.tables["rectification"]
    assert not set(rect["comment"]) & praise
    assert "praise" not in set(rect["comment_kind"])
    listed = rect[rect["item"] == "comment"]
    assert listed["comment_kind"].isin(["criticism", "suggestion", "other"]).all()


def test_rectification_action_follows_its_rule(demo_year):
    rect = demo_year.tables["rectification"]
    assert set(rect["action"]) == {"rectify", "feedback"}
    must = rect["rectification_required"] | (rect["item"] == "weak_dimension")
    assert (rect.loc[must, "action"] == "rectify").all()
    assert (rect.loc[~must, "action"] == "feedback").all()
    assert (rect.loc[~must, "item"] == "comment").all()
    # rows to rectify come first
    first_feedback = rect.index[rect["action"] == "feedback"].min()
    assert (rect.loc[: first_feedback - 1, "action"] == "rectify").all()
    # the vetoed unit must rectify, with no rank
    land = rect[rect["unit"] == "land_office"].iloc[0]
    assert land["action"] == "rectify" and pd.isna(land["rank"])
    assert "veto" in land["required_because"]


def _demo_with_typed_kinds(tmp_path: Path) -> Path:
    root = tmp_path / "raw"
    shutil.copytree(DEMO / "2026A", root / "2026A")
    path = root / "2026A" / "responses.csv"
    r = pd.read_csv(path, encoding="gb18030", dtype=str, keep_default_na=False)
    kind = pd.Series([""] * len(r))
    windows = r["意见建议"] == "办事窗口经常没人，电话也打不通。"
    assert windows.sum() == 1
    kind[windows.to_numpy()] = "建议"  # staff read it as a suggestion
    r.insert(r.columns.get_loc("意见建议") + 1, "意见类别", kind)
    r.to_csv(path, index=False, encoding="utf-8")
    return root


@pytest.mark.parametrize("backend", ["pandas", "duckdb"])
def test_typed_comment_kind_column_wins_in_the_tables(tmp_path, backend):
    root = _demo_with_typed_kinds(tmp_path)
    a = analysis.half_year("2026A", data_dir=root, n_resamples=50, seed=1, backend=backend)
    c = a.tables["comments"].set_index("comment")
    assert c.loc["办事窗口经常没人，电话也打不通。", "comment_kind"] == "suggestion"
    assert c.loc["工作人员服务热情，希望继续保持。", "comment_kind"] == "praise"


def test_unknown_typed_comment_kind_is_an_error(tmp_path):
    from evalstats.inputs.validate import validate_cycle

    root = _demo_with_typed_kinds(tmp_path)
    path = root / "2026A" / "responses.csv"
    r = pd.read_csv(path, encoding="utf-8", dtype=str, keep_default_na=False)
    r.loc[r["意见类别"] == "建议", "意见类别"] = "夸奖"
    r.to_csv(path, index=False, encoding="utf-8")
    v = validate_cycle(root / "2026A", raise_on_error=False)
    bad = v.problems[v.problems["code"] == "unknown_comment_kind"]
    assert len(bad) == 1 and bad["severity"].iloc[0] == "error"
    assert bad["reason"].iloc[0] == "unknown comment kind; expected one of 批评, 表扬, 建议, 意见"


def _scheme_with(tmp_path, old: str, new: str) -> Path:
    text = default_scheme_path().read_text(encoding="utf-8")
    assert old in text
    p = tmp_path / "s.toml"
    p.write_text(text.replace(old, new), encoding="utf-8")
    return p


def test_scheme_comment_kinds_need_other(tmp_path):
    p = _scheme_with(
        tmp_path, 'code = "other"\nlabel_zh = "意见"', 'code = "misc"\nlabel_zh = "意见"'
    )
    with pytest.raises(SchemeError) as e:
        load_scheme(p)
    assert "comment_kinds" in str(e.value) and "must list the kind 'other'" in str(e.value)


def test_scheme_keywords_are_the_rule(tmp_path):
    p = _scheme_with(tmp_path, '"不满", "不够",', '"不满", "宣传不够",')
    s = load_scheme(p)
    assert comment_kinds(["政策宣传不够"], scheme=s).tolist() == ["criticism"]
    assert comment_kinds(["人手不够"], scheme=s).tolist() == ["other"]
