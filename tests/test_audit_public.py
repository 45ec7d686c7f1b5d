"""The exact integer disclosure audit (issue 15, item 4): evalstats.stats.privacy.audit and
``evalstats audit-public``.

Known answer: the 党政办 attack on the demo's public release of main at 61a678d
(tests/reference/audit_2026H1_party_office/README.md) — the supervisors' scores and the deputy's
answers are the only whole-number solution.  Reference method: the attacker's subproblem of
Fischetti & Salazar-González (1999), a suppressed cell's exact range over the integer solutions
of the published table; reconstruction as in Dinur & Nissim (2003) and the 2010 US Census
reconstruction (Garfinkel, Abowd & Martindale 2019).  Small cells are checked against brute
force: every whole-number table of the same group sizes, kept when it publishes the same
numbers at the published precision.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalstats.core.scheme import load_scheme
from evalstats.run.cli import main
from evalstats.stats.privacy.audit import (
    ALL,
    audit_block,
    audit_release,
    block_from_counts,
    half_unit,
)

HERE = Path(__file__).parent / "reference" / "audit_2026H1_party_office"
SCHEME = load_scheme()
SIZES = {("2026H1", "party_office"): {"enterprise": 25, "supervisor": 5, "public": 52, "deputy": 1}}
VALID = ("satisfied", "fairly_satisfied", "basically_satisfied", "dissatisfied")
POINTS = dict(zip(VALID, (100, 80, 60, 0), strict=True))


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(HERE / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _release(*, letter: bool = True) -> dict:
    t = {"levels": _read("levels.csv"), "scores": _read("scores.csv")}
    if letter:
        t["letter_groups"] = _read("letter_groups.csv")
    return t


# ------------------------------------------------------------------ the 党政办 attack
def test_party_office_attack_is_found():
    result = audit_release(_release(), scheme=SCHEME, sizes=SIZES)
    assert len(result) == 10  # supervisor and deputy × five dimensions
    assert set(result["group"]) == {"supervisor", "deputy"}
    assert (result["verdict"] == "pinned").all()
    assert (result["solutions"] == 1).all()


def _brute_deputy(dimension: str) -> set:
    """The deputy's answers that fit the release (an independent enumeration)."""
    lv = _read("levels.csv")
    lv = lv[lv["dimension"] == dimension].set_index("level")["count"].astype(int)
    sc = _read("scores.csv")
    w = float(sc[(sc["dimension"] == dimension)]["weighted_score"].iloc[0])
    g = _read("letter_groups.csv")
    g = g[g["dimension"] == dimension].iloc[0]
    nv = int(g["n_valid"])
    sat = round(float(g["top_box_rate"]) * nv)
    ok = round(float(g["satisfied_rate"]) * nv)
    pts = round(float(g["score"]) * nv)
    basic = (100 * sat + 80 * (ok - sat) - pts) // 20
    public = [sat, ok - sat - basic, basic, round(float(g["dissatisfied_rate"]) * nv)]
    rest = [int(lv[v]) - p for v, p in zip(VALID, public, strict=True)]
    invalid = (
        sum(int(lv[v]) for v in ("unknown", "blank")) - int(g["n_unknown"]) - int(g["n_blank"])
    )
    fits = set()
    cats = [*VALID, "invalid"]
    for sup in itertools.combinations_with_replacement(range(5), 5):
        for dep in range(5):
            x_s = [sup.count(i) for i in range(5)]
            x_d = [int(dep == i) for i in range(5)]
            x_e = [r - a - b for r, a, b in zip([*rest, invalid], x_s, x_d, strict=True)]
            if min(x_e) < 0:
                continue
            scores = {}
            for name, x in (("enterprise", x_e), ("supervisor", x_s), ("deputy", x_d)):
                n = sum(x[:4])
                if n:
                    scores[name] = sum(c * POINTS[v] for c, v in zip(x, VALID, strict=False)) / n
            scores["public"] = pts / nv
            num = sum(SCHEME.group_weights[k] * s for k, s in scores.items())
            den = sum(SCHEME.group_weights[k] for k in scores)
            if abs(num / den - w) < 1e-9:
                fits.add(cats[dep])
    return fits


def test_party_office_brute_force_recovers_the_deputy():
    """The attack itself, by plain enumeration: one answer of the deputy fits per dimension."""
    got = [_brute_deputy(d) for d in SCHEME.dimension_codes]
    assert got == [{"basically_satisfied"}] * 2 + [{"satisfied"}] * 3  # 60/60/100/100/100


def test_report_counts_alone_leave_the_groups_open():
    """Without the weighted scores and the letter, the pooled counts fit many tables."""
    t = _release(letter=False)
    t["scores"] = t["scores"].drop(columns=["weighted_score"])
    result = audit_release(t, scheme=SCHEME, sizes=SIZES)
    assert (result["verdict"] == "safe").all(), result


# ------------------------------------------------------------------ small cells vs brute force
def _fits(world: dict, block) -> bool:
    """Whether ``world`` (group -> 5 counts: valid levels, then invalid) publishes numbers
    inside every published interval of ``block`` (computed here, not by the audit)."""
    groups = [g for g in SCHEME.group_codes if g in world]
    for f in block.facts:
        gs = groups if f.groups == (ALL,) else [g for g in f.groups if g in world]
        counts = {v: sum(world[g][i] for g in gs) for i, v in enumerate(VALID)}
        nv = sum(counts.values())
        if f.kind == "n_valid":
            value = nv
        elif f.kind == "count":
            value = sum(counts[v] for v in f.levels)
        elif f.kind == "rate":
            if not nv:
                return False
            value = sum(counts[v] for v in f.levels) / nv
        elif f.kind == "share":
            value = sum(counts[v] for v in f.levels) / sum(sum(world[g]) for g in gs)
        elif f.kind == "score":
            if not nv:
                return False
            value = sum(counts[v] * POINTS[v] for v in VALID) / nv
        else:  # weighted
            s = {}
            for g in groups:
                n = sum(world[g][:4])
                if n:
                    s[g] = sum(world[g][i] * POINTS[v] for i, v in enumerate(VALID)) / n
            if not s:
                return False
            w = {g: SCHEME.group_weights[g] for g in s}
            value = sum(w[g] * s[g] for g in s) / sum(w.values())
        if not f.low - 1e-9 <= value <= f.high + 1e-9:
            return False
    return True


def _compositions(n: int, k: int = 5):
    for c in itertools.combinations_with_replacement(range(k), n):
        yield tuple(c.count(i) for i in range(k))


def _brute(block, sizes: dict, target: str) -> int:
    groups = list(sizes)
    seen = set()
    for combo in itertools.product(*(_compositions(sizes[g]) for g in groups)):
        world = dict(zip(groups, combo, strict=True))
        if _fits(world, block):
            x = world[target]
            n = sum(x[:4])
            seen.add(None if not n else sum(x[i] * POINTS[v] for i, v in enumerate(VALID)) / n)
            if len(seen) >= 2:
                return 2
    return len(seen)


LEVEL = st.sampled_from([*VALID, "unknown"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    groups=st.lists(
        st.tuples(st.sampled_from(SCHEME.group_codes), st.lists(LEVEL, min_size=1, max_size=3)),
        min_size=2,
        max_size=3,
        unique_by=lambda t: t[0],
    ),
    publish=st.sets(st.sampled_from(["counts", "rates", "score", "weighted_score"])),
    decimals=st.sampled_from([None, 0, 1, 2, 3]),
)
def test_small_cells_agree_with_brute_force(groups, publish, decimals):
    counts = {}
    for g, answers in groups:
        counts[g] = {v: answers.count(v) for v in set(answers)}
    block = block_from_counts(counts, scheme=SCHEME, publish=sorted(publish), decimals=decimals)
    sizes = {g: len(a) for g, a in groups}
    ordered = {g: sizes[g] for g in SCHEME.group_codes if g in sizes}
    truth = {g: sum(c for v, c in counts[g].items() if v in VALID) for g in counts}
    plain = audit_block(block, scheme=SCHEME, targets=list(ordered))
    # the true split first and the true table as its solution: the same verdicts
    told = audit_block(block, scheme=SCHEME, targets=list(ordered), start=truth, table=counts)
    for v, w in zip(plain, told, strict=True):
        expected = _brute(block, ordered, v.group)
        assert v.solutions == w.solutions == expected, (v, w, counts, publish, decimals)
        assert v.verdict == w.verdict == ("safe" if expected >= 2 else "pinned")


def test_two_distributions_fit_is_safe():
    """Five supervisors 3×满意 + 2×比较满意 beside 20 enterprises: only pooled counts published;
    the supervisors could equally be 5×满意 (the enterprises then hold the 比较满意)."""
    t = {
        "enterprise": {"satisfied": 10, "fairly_satisfied": 10},
        "supervisor": {"satisfied": 3, "fairly_satisfied": 2},
    }
    (v,) = audit_block(block_from_counts(t, scheme=SCHEME, publish=["counts"]), scheme=SCHEME)
    assert (v.group, v.verdict, v.solutions) == ("supervisor", "safe", 2)


def _rounded(t: pd.DataFrame) -> pd.DataFrame:
    """Scores to 2 decimals, rates to 3 (a percentage to 1 decimal), as the documents print."""
    t = t.copy()
    for c in t.columns:
        if "score" in c:
            t[c] = [f"{float(v):.2f}" if v else v for v in t[c]]
        elif "rate" in c or "share" in c or c.endswith(("_ci_low", "_ci_high")):
            t[c] = [f"{float(v):.3f}" if v else v for v in t[c]]
    return t


def test_precision_is_part_of_the_release():
    """The report alone (group sizes known): its 16-digit weighted scores pin the supervisors and
    the deputy of 党政办 on three dimensions; printed as the documents print them, nothing is
    pinned — but the letter's public group beside them pins every dimension again."""
    exact = audit_release(_release(letter=False), scheme=SCHEME, sizes=SIZES)
    pinned = exact.loc[exact["verdict"] == "pinned", "dimension"].unique().tolist()
    assert pinned == ["transparency", "service", "integrity"]
    rounded = {"levels": _read("levels.csv"), "scores": _rounded(_read("scores.csv"))}
    assert (audit_release(rounded, scheme=SCHEME, sizes=SIZES)["verdict"] == "safe").all()
    rounded["letter_groups"] = _rounded(_read("letter_groups.csv"))
    both = audit_release(rounded, scheme=SCHEME, sizes=SIZES)
    assert (both["verdict"] == "pinned").all()


def test_half_unit():
    assert half_unit("88.60759493670886") == pytest.approx(0.5e-14)
    assert half_unit("96.2") == pytest.approx(0.05)


def test_inconsistent_release_is_named():
    t = _release(letter=False)
    t["scores"] = t["scores"].assign(score="12.5")  # an edited number no table fits
    result = audit_release(t, scheme=SCHEME, sizes=SIZES)
    assert (result["verdict"] == "inconsistent").all()


# ------------------------------------------------------------------ the command
def _folders(tmp_path: Path, *, letter: bool) -> list[str]:
    report = tmp_path / "2026H1" / "half-year"
    (report / "tables").mkdir(parents=True)
    for name in ("levels.csv", "scores.csv"):
        (report / "tables" / name).write_bytes((HERE / name).read_bytes())
    if not letter:
        return [str(report)]
    letters = tmp_path / "2026H1" / "letters"
    (letters / "figures" / "party_office").mkdir(parents=True)
    (letters / "figures" / "party_office" / "groups.csv").write_bytes(
        (HERE / "letter_groups.csv").read_bytes()
    )
    (letters / "index.html").write_text(
        '<table><tr><td>1</td><td>党政办</td><td>party_office</td><td><a href="党政办.html">'
        "党政办.html</a></td></tr></table>",
        encoding="utf-8",
    )
    heads = "".join(
        f"<th>{label} (n={n})</th>"
        for label, n in (
            ("企业", 25),
            ("社会义务监督员", 5),
            ("群众", 52),
            ("人大代表/政协委员", 1),
        )
    )
    (letters / "党政办.html").write_text(f"<table><tr>{heads}</tr></table>", encoding="utf-8")
    (letters / "letters.csv").write_text("unit\nparty_office\n", encoding="utf-8")
    return [str(report), str(letters)]


def test_command_finds_the_pinned_cells_without_printing_answers(tmp_path, capsys):
    code = main(["audit-public", *_folders(tmp_path, letter=True), "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("\tpinned\n") == 10
    assert "party_office\tdeputy\ttransparency\t1\tpinned" in out
    assert "60" not in out.replace("2026H1", "")  # no recovered answer or score is printed
    assert "10 pinned or inconsistent" in out


def test_command_chinese_by_default(tmp_path, capsys):
    code = main(["audit-public", *_folders(tmp_path, letter=True)])
    out = capsys.readouterr().out
    assert code == 1
    assert "可被唯一推算" in out and "审核了 10 个单元格" in out


def test_command_report_without_sizes_audits_nothing(tmp_path, capsys):
    code = main(["audit-public", *_folders(tmp_path, letter=False), "--lang", "en"])
    assert code == 0
    assert "0 cells audited" in capsys.readouterr().out


# ------------------------------------------------------------------ the fix and the gate
DATA = Path(__file__).resolve().parents[1] / "data" / "raw"
GOLDEN = Path(__file__).parent / "golden" / "tables" / "public"


def test_round_public_and_summary():
    from evalstats.stats.privacy.precision import round_public, round_summary

    t = pd.DataFrame(
        {"score": [88.60759493670886], "dissatisfied_ci_low": [0.0123456], "n_valid": [79]}
    )
    assert round_public(t).iloc[0].tolist() == [88.61, 0.012, 79]
    assert round_summary({"town": {"satisfied_rate": 0.95833, "pvalue": 0.12345}}) == {
        "town": {"satisfied_rate": 0.958, "pvalue": 0.12345}
    }


@pytest.mark.parametrize("cycle, kind", [("2026H1", "half_year")])
def test_demo_public_report_passes_the_audit(cycle, kind):
    """The demo's public tables (the golden set, as published) fit at least two scores of every
    withheld supervisor and small group, with the true group sizes known to the attacker."""
    from evalstats.counts.tally import tally
    from evalstats.inputs.validate import validate_cycle
    from evalstats.run.audit import read_release
    from evalstats.stats.privacy.audit import truth_of

    v = validate_cycle(DATA / cycle, scheme=SCHEME, cycle=cycle)
    sizes, starts = truth_of(tally(v.forms, scheme=SCHEME), scheme=SCHEME)
    tables, _ = read_release([GOLDEN / cycle / kind], scheme=SCHEME)
    result = audit_release(tables, scheme=SCHEME, sizes=sizes, starts=starts)
    assert len(result) >= 200
    assert (result["verdict"] == "safe").all(), result[result["verdict"] != "safe"]


def test_check_release_refuses_without_naming_answers(tmp_path):
    from evalstats.core.errors import RunError
    from evalstats.run.audit import check_release

    with pytest.raises(RunError) as err:
        check_release(_folders(tmp_path, letter=True), scheme=SCHEME)
    text = str(err.value)
    assert "nothing was published" in text and "party_office, group deputy" in text
    assert "可被唯一推算" in err.value.text("zh")
    assert "100" not in text and "60" not in text.replace("2026H1", "")


def test_public_letter_of_party_office_shows_no_group():
    """The letter of 党政办 showed the public's scores; with them the audit pins the deputy, so
    the public letter now shows no group of the unit."""
    from evalstats.analyses.profile import unit_profile

    p = unit_profile(
        "party_office",
        cycle="2026H1",
        data_dir=DATA,
        n_resamples=200,
        seed=1,
        tier="public",
        previous_cycle="none",
    )
    groups = p.dimensions[p.dimensions["group"] != "all"]
    assert groups["score"].isna().all() and groups["suppressed"].all()
    assert set(p.scores["group"]) == {"all"}
    reasons = p.suppressed.loc[p.suppressed["group"] == "public", "reason"]
    assert set(reasons) == {"complementary"}
    assert (
        p.dimensions.loc[p.dimensions["group"] == "all", "weighted_score"]
        .round(2)
        .equals(p.dimensions.loc[p.dimensions["group"] == "all", "weighted_score"])
    )


def test_pinned_units_are_kept_in_the_audit_cache(tmp_path, monkeypatch):
    """EVALSTATS_AUDIT_CACHE: the answer is written once, read by another process (here: the
    per-process memory cleared and the audit made to fail), and an unreadable file is audited
    again, never trusted."""
    from evalstats.stats.privacy import pinned as A

    counts = pd.DataFrame(
        {
            "unit": ["u1", "u1", "u2", "u2", "u2"],
            "group": ["public", "deputy", "public", "public", "supervisor"],
            "dimension": "service",
            "level": ["satisfied", "dissatisfied", "satisfied", "fairly_satisfied", "satisfied"],
            "count": [5, 1, 6, 4, 5],
        }
    )
    monkeypatch.setenv(A.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(A, "_PINNED", {})
    first = A.pinned_units(counts, scheme=SCHEME, decimals=2, rate_decimals=3)
    assert first == ["u1", "u2"]  # the weighted scores say what the deputy, the supervisors said
    files = list((tmp_path / "cache").iterdir())
    assert [f.name for f in files] == [A.cache_file(counts, key=(SCHEME.sha256, 2, 3, ())).name]
    assert json.loads(files[0].read_text("utf-8")) == {"pinned": ["u1", "u2"]}

    def no_audit(*args, **kwargs):
        raise AssertionError("audited again")

    monkeypatch.setattr(A, "_PINNED", {})
    monkeypatch.setattr(A, "_pinned_units", no_audit)
    shuffled = counts.sample(frac=1, random_state=1)  # the same tally in another row order
    assert A.pinned_units(shuffled, scheme=SCHEME, decimals=2, rate_decimals=3) == ["u1", "u2"]
    # another precision is another question
    with pytest.raises(AssertionError, match="audited again"):
        A.pinned_units(counts, scheme=SCHEME, decimals=1, rate_decimals=3)
    # a damaged file is not trusted: audited again
    files[0].write_text('{"pinned": "u1', encoding="utf-8")
    monkeypatch.setattr(A, "_PINNED", {})
    with pytest.raises(AssertionError, match="audited again"):
        A.pinned_units(counts, scheme=SCHEME, decimals=2, rate_decimals=3)
