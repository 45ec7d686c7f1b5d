"""Tests of the scheme loader: the defaults of DOMAIN.md, and every refusal names its key."""

from __future__ import annotations

import dataclasses
import re
import tomllib

import pandas as pd
import pytest

from evalstats.core.errors import SchemeError
from evalstats.core.scheme import default_scheme_path, load_scheme, normalize_label, resolve_scheme


@pytest.fixture(scope="module")
def scheme():
    return load_scheme()


@pytest.fixture
def default_text():
    return default_scheme_path().read_text(encoding="utf-8")


def write(tmp_path, text, name="scheme.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def refused(tmp_path, text) -> str:
    p = write(tmp_path, text)
    with pytest.raises(SchemeError) as info:
        load_scheme(p)
    return str(info.value)


# ---------------------------------------------------------------- defaults of DOMAIN.md
def test_defaults_match_domain(scheme):
    assert scheme.dimension_codes == (
        "transparency",
        "lawfulness",
        "efficiency",
        "service",
        "integrity",
    )
    assert [d.label_zh for d in scheme.dimensions] == [
        "政务公开",
        "依法行政",
        "办事效率",
        "服务质量",
        "清正廉洁",
    ]
    assert scheme.level_codes == (
        "satisfied",
        "fairly_satisfied",
        "basically_satisfied",
        "dissatisfied",
        "unknown",
    )
    assert [v.points for v in scheme.levels] == [100, 80, 60, 0, None]
    assert [v.satisfied for v in scheme.levels] == [True, True, True, False, False]
    assert [v.valid for v in scheme.levels] == [True, True, True, True, False]
    assert [v.digit for v in scheme.levels] == [1, 2, 3, 4, 5]
    assert scheme.group_weights == {
        "enterprise": 0.4,
        "supervisor": 0.3,
        "public": 0.2,
        "deputy": 0.1,
    }
    assert scheme.series_codes == ("administration", "enforcement", "public_service")
    assert [(g.code, g.min) for g in scheme.grades] == [
        ("excellent", 90),
        ("good", 80),
        ("fair", 70),
        ("poor", 0),
    ]
    r = scheme.rules
    assert (r.veto_threshold, r.low_confidence_n, r.anonymity_min, r.top_n) == (60, 30, 5, 3)
    assert dict(r.period_weights) == {"half_year": 0.4, "annual": 0.6}
    assert r.last_grade_cap == "good" and r.veto_grade == "poor"
    assert r.anonymity_groups == ("supervisor",)


def test_level_dtype_is_ordered(scheme):
    dt = scheme.level_dtype
    assert isinstance(dt, pd.CategoricalDtype) and dt.ordered
    assert list(dt.categories) == list(scheme.level_codes)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("满意", "satisfied"),
        ("满 意", "satisfied"),
        (" 满\u3000意 ", "satisfied"),
        ("1", "satisfied"),
        ("２", "fairly_satisfied"),
        ("Fairly_Satisfied", "fairly_satisfied"),
        ("比较满意", "fairly_satisfied"),
        ("较满意", "fairly_satisfied"),
        ("基本满意", "basically_satisfied"),
        ("不满意", "dissatisfied"),
        ("4", "dissatisfied"),
        ("不了解", "unknown"),
        ("５", "unknown"),
        ("很满意", None),
        ("6", None),
        ("", None),
    ],
)
def test_level_matching(scheme, typed, code):
    assert scheme.level_for(typed) == code


def test_level_for_missing_values(scheme):
    assert scheme.level_for(None) is None
    assert scheme.level_for(float("nan")) is None


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("企业", "enterprise"),
        ("服务对象", "enterprise"),
        ("企业/服务对象", "enterprise"),
        ("社会义务监督员", "supervisor"),
        ("群众", "public"),
        ("人大代表", "deputy"),
        ("政协委员", "deputy"),
        ("人大代表/政协委员", "deputy"),
        ("Deputy", "deputy"),
        ("游客", None),
    ],
)
def test_group_matching(scheme, typed, code):
    assert scheme.group_for(typed) == code


def test_series_and_kinds(scheme):
    assert scheme.series_for("行政执法") == "enforcement"
    assert scheme.series_for("公共服务类") == "public_service"
    assert scheme.incident_kind_for("媒体曝光查实") == "media_exposure"


def test_header_lookup(scheme):
    h = scheme.header_lookup("responses")
    assert h[normalize_label("问卷编号")] == "form_id"
    assert h[normalize_label("清正廉洁")] == "integrity"
    assert h[normalize_label("Form ID")] == "form_id"
    assert scheme.header_lookup("units")[normalize_label("单位名称")] == "name"


def test_normalize_label():
    assert normalize_label(" 满\u3000意 ") == "满意"
    assert normalize_label("Ｆｏｒｍ_ID") == "form_id"
    assert normalize_label(3) == "3"


def test_describe_lists_everything(scheme):
    text = scheme.describe()
    for needle in ("政务公开", "清正廉洁", "不了解", "社会义务监督员", "veto_threshold", "0.4"):
        assert needle in text
    assert "Openness of government affairs" in scheme.describe(lang="en")


def test_labels(scheme):
    assert scheme.label("dimensions", "integrity") == "清正廉洁"
    assert scheme.label("grades", "poor", "en") == "Poor"
    with pytest.raises(KeyError, match="no levels code 'great'"):
        scheme.item("levels", "great")


def test_hash_is_of_the_file(scheme, tmp_path, default_text):
    p = write(tmp_path, default_text)
    assert load_scheme(p).sha256 == scheme.sha256
    p2 = write(tmp_path, default_text + "\n# a comment\n", "other.toml")
    assert load_scheme(p2).sha256 != scheme.sha256


def test_resolve_scheme_accepts_scheme_and_none(scheme):
    assert resolve_scheme(scheme) is scheme
    assert resolve_scheme(None).dimension_codes == scheme.dimension_codes


def test_to_dict_roundtrip(scheme, default_text):
    assert scheme.to_dict() == tomllib.loads(default_text)


def test_custom_weights_load(tmp_path, default_text):
    text = default_text.replace("weight = 0.4\n", "weight = 0.5\n", 1).replace(
        "weight = 0.1\n", "weight = 0.0\n", 1
    )
    s = load_scheme(write(tmp_path, text))
    assert s.group_weights["enterprise"] == 0.5 and s.group_weights["deputy"] == 0.0


def test_relative_path_resolves_from_project_root(tmp_path, monkeypatch, default_text):
    (tmp_path / "data").mkdir()
    (tmp_path / "notebooks").mkdir()
    write(tmp_path, default_text, "district.toml")
    monkeypatch.delenv("EVALSTATS_ROOT", raising=False)
    monkeypatch.chdir(tmp_path / "notebooks")
    assert load_scheme("district.toml").name == "default"


# ---------------------------------------------------------------- refusals name the key
def test_missing_file(tmp_path):
    with pytest.raises(SchemeError) as info:
        load_scheme(tmp_path / "nope.toml")
    assert str(info.value) == f"{tmp_path / 'nope.toml'}: scheme file: not found"


def test_not_toml(tmp_path):
    msg = refused(tmp_path, "this is = = not toml")
    assert msg.startswith(f"{tmp_path / 'scheme.toml'}: scheme file: not valid TOML:")


def test_not_utf8(tmp_path):
    p = tmp_path / "scheme.toml"
    p.write_bytes("[scheme]\nname = '方案'\n".encode("gbk"))
    with pytest.raises(SchemeError, match="the scheme file must be UTF-8 text"):
        load_scheme(p)


def key_of(msg: str) -> str:
    return re.search(r"scheme key '([^']*)'", msg).group(1)


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        (
            "weight = 0.4\n",
            "weight = 0.5\n",
            "groups.weight",
            "weights must sum to 1, they sum to 1.1",
        ),
        (
            'code = "efficiency"\nlabel_zh = "办事效率"\nlabel_en = "Efficiency"\nweight = 0.2',
            'code = "efficiency"\nlabel_zh = "办事效率"\nlabel_en = "Efficiency"\nweight = 0.3',
            "dimensions.weight",
            "weights must sum to 1, they sum to 1.1",
        ),
        (
            'top_box_level = "satisfied"',
            'top_box_level = "very_satisfied"',
            "rules.top_box_level",
            "names unknown level 'very_satisfied'; levels are ['satisfied', "
            "'fairly_satisfied', 'basically_satisfied', 'dissatisfied', 'unknown']",
        ),
        (
            'dissatisfied_levels = ["dissatisfied"]',
            'dissatisfied_levels = ["unknown"]',
            "rules.dissatisfied_levels",
            "names level 'unknown', which is not valid",
        ),
        (
            'last_grade_cap = "good"',
            'last_grade_cap = "great"',
            "rules.last_grade_cap",
            "names unknown grade 'great'; grades are ['excellent', 'good', 'fair', 'poor']",
        ),
        (
            'code = "public"\n',
            'code = "enterprise"\n',
            "groups[2].code",
            "duplicate code 'enterprise' (also groups[0])",
        ),
        ("veto_threshold = 60", "", "rules.veto_threshold", "missing key"),
        (
            "veto_threshold = 60",
            'veto_threshold = "60"',
            "rules.veto_threshold",
            "must be a number, got '60'",
        ),
        ("digit = 2\n", "digit = 1\n", "levels[1].digit", "duplicate digit 1 (also 'satisfied')"),
        ("points = 80\n", "", "levels[1].points", "missing key"),
        (
            "confidence_level = 0.95",
            "confidence_level = 95",
            "rules.confidence_level",
            "must be between 1e-09 and 1, got 95",
        ),
        (
            "min = 80\n",
            "min = 95\n",
            "grades.min",
            "grades must be listed highest first with decreasing min, got [90.0, 95.0, 70.0, 0.0]",
        ),
        ("min = 0\n", "min = 10\n", "grades[3].min", "the last grade must have min = 0, got 10"),
        (
            "half_year = 0.4",
            "half_year = 0.5",
            "rules.period_weights",
            "weights must be >= 0 and sum to 1, got {'half_year': 0.5, 'annual': 0.6}",
        ),
        (
            'aliases = ["较满意"]',
            'aliases = ["满意"]',
            "levels.aliases",
            "label '满意' would mean both 'satisfied' and 'fairly_satisfied'",
        ),
        (
            'label_zh = "不了解"\nlabel_en = "Don\'t know"\ndigit = 5\n',
            'label_zh = "不了解"\nlabel_en = "Don\'t know"\ndigit = 5\npoints = 10\n',
            "levels[4].points",
            "a level that is not valid has no points",
        ),
        ("[rules]\n", "[rules]\nbonus = 1\n", "rules.bonus", "unknown key"),
        (
            'form_id = ["问卷编号", "form_id"]\n',
            "",
            "headers.exclusions.form_id",
            "missing key (list the accepted headers)",
        ),
        (
            'series = ["序列", "series"]',
            'series = ["序列", "单位名称"]',
            "headers.units.series",
            "header '单位名称' also names column 'name'",
        ),
        (
            'code = "lawfulness"',
            'code = "law fulness"',
            "dimensions[1].code",
            "code 'law fulness' must be one word without spaces, not 'all'",
        ),
        ("weight = 0.3\n", "weight = -0.3\n", "groups[1].weight", "must not be negative, got -0.3"),
        (
            'anonymity_groups = ["supervisor"]',
            'anonymity_groups = ["monitor"]',
            "rules.anonymity_groups",
            "names unknown group 'monitor'; groups are "
            "['enterprise', 'supervisor', 'public', 'deputy']",
        ),
    ],
)
def test_wrong_scheme_names_the_key(tmp_path, default_text, old, new, key, reason):
    assert old in default_text, old
    msg = refused(tmp_path, default_text.replace(old, new, 1))
    assert msg == f"{tmp_path / 'scheme.toml'}: scheme key '{key}': {reason}"


def test_missing_section(tmp_path, default_text):
    text = default_text.split(
        "# ---------------------------------------------------------------- grades"
    )[0]
    text += default_text.split(
        "# ---------------------------------------------------------------- rules"
    )[1]
    msg = refused(
        tmp_path, "# ---------------------------------------------------------------- rules" + text
    )
    assert key_of(msg) == "grades" and msg.endswith("missing key")


def test_empty_list(tmp_path, default_text):
    msg = refused(tmp_path, "series = []\n" + default_text.replace("[[series]]", "[[unused]]"))
    assert key_of(msg) == "series"


# ---------------------------------------------------------------- respondent identifiers
def test_identifier_columns(scheme):
    assert scheme.identifier_columns == ("respondent_phone", "respondent_name")
    h = scheme.header_lookup("responses")
    assert h[normalize_label("评议人姓名")] == "respondent_name"
    assert h[normalize_label("联系电话")] == "respondent_phone"
    assert h[normalize_label("Phone")] == "respondent_phone"
    # per table: "name" is the units' name column and a respondent's name in the responses
    assert h["name"] == "respondent_name"
    assert scheme.header_lookup("units")["name"] == "name"
    text = scheme.describe()
    assert "respondent identifiers (replaced by keyed pseudonyms, never kept):" in text
    assert "  respondent_phone       联系电话, 电话," in text


def _without_identifier_headers(text: str) -> str:
    start = text.index("# Optional respondent identifiers.")
    end = text.index("[headers.units]")
    return text[:start] + "\n" + text[end:]


def test_scheme_without_identifier_headers_gets_the_bundled_ones(tmp_path, default_text, scheme):
    s = load_scheme(write(tmp_path, _without_identifier_headers(default_text)))
    assert s.identifier_columns == scheme.identifier_columns
    assert (
        s.headers["responses"]["respondent_name"] == scheme.headers["responses"]["respondent_name"]
    )
    # a bundled header this scheme uses for another column is left to that column
    text = _without_identifier_headers(default_text).replace(
        'collector = ["收集人", "回收人", "collector"]',
        'collector = ["收集人", "回收人", "collector", "填表人"]',
    )
    s2 = load_scheme(write(tmp_path, text, "s2.toml"))
    assert s2.header_lookup("responses")[normalize_label("填表人")] == "collector"
    assert "填表人" not in s2.headers["responses"]["respondent_name"]


def test_identifier_headers_can_be_turned_off_or_changed(tmp_path, default_text):
    start = default_text.index("respondent_phone = [")
    end = default_text.index("]", start) + 1
    text = default_text[:start] + 'respondent_phone = ["手机号码"]' + default_text[end:]
    start = text.index("respondent_name = [")
    end = text.index("]", start) + 1
    text = text[:start] + "respondent_name = []" + text[end:]
    s = load_scheme(write(tmp_path, text))
    assert s.identifier_columns == ("respondent_phone",)
    assert s.headers["responses"]["respondent_phone"] == ("手机号码",)
    assert "respondent_name" not in s.headers["responses"]
    assert normalize_label("姓名") not in s.header_lookup("responses")


def test_identifier_header_colliding_with_another_column(tmp_path, default_text):
    start = default_text.index("respondent_phone = [")
    end = default_text.index("]", start) + 1
    text = default_text[:start] + 'respondent_phone = ["收集人"]' + default_text[end:]
    assert refused(tmp_path, text) == (
        f"{tmp_path / 'scheme.toml'}: scheme key 'headers.responses.respondent_phone': "
        "header '收集人' also names column 'collector'"
    )
    text = default_text.replace("[headers.units]\n", '[headers.units]\nrespondent_name = ["x"]\n')
    assert refused(tmp_path, text) == (
        f"{tmp_path / 'scheme.toml'}: scheme key 'headers.units.respondent_name': "
        "unknown column; dimensions are matched by their labels"
    )


# ---------------------------------------------------------------- [letters] (issue 14 item 5)
def test_letter_settings_defaults(scheme):
    from evalstats.core.letter_settings import LetterSettings

    s = scheme.letters
    # the bundled file states the defaults, and the demo office's English texts (a scheme that
    # leaves them out gets "" and its English documents name the Chinese office, never the demo's)
    english = ("office_en", "signature_en", "contact_en", "cc_en", "office_short_en")
    assert s == dataclasses.replace(LetterSettings(), **{k: getattr(s, k) for k in english})
    assert LetterSettings().office_en == "" and LetterSettings().cc_en == ()
    assert s.in_language("en").office == s.office_en != s.office
    assert s.in_language("en").signed_by == s.office_en  # signature_en "" → office_en
    assert s.in_language("zh") is s
    assert s.office == "示范镇政风行风测评工作领导小组办公室" and s.signed_by == s.office
    assert s.reference(year=2026, number=12) == "示范行风办〔2026〕12号"
    assert s.in_language("en").reference(year=2026, number=12) == "Shifan Xingfengban [2026] No. 12"
    assert (
        LetterSettings().in_language("en").reference(year=2026, number=1) == "示范行风办〔2026〕1号"
    )
    assert s.reply_days == 30 and s.date == "" and s.cc == ("镇党委办公室", "镇纪委")
    assert "letters (反馈函):" in scheme.describe() and "  date                   —" in (
        scheme.describe()
    )


def test_letter_settings_edited_and_optional(tmp_path, default_text):
    text = default_text.replace('office_short = "示范行风办"', 'office_short = "辛行风办"')
    text = text.replace('signature = ""', 'signature = "辛口镇人民政府"')
    text = text.replace('cc = ["镇党委办公室", "镇纪委"]', "cc = []")
    text = text.replace('date = ""', 'date = "2027-01-05"')
    s = load_scheme(write(tmp_path, text)).letters
    assert s.reference(year=2027, number=3) == "辛行风办〔2027〕3号"
    assert s.signed_by == "辛口镇人民政府" and s.cc == () and s.date == "2027-01-05"
    start = default_text.index("[letters]")
    end = default_text.index("# ----", start)
    without = default_text[:start] + default_text[end:]
    from evalstats.core.letter_settings import LetterSettings

    assert load_scheme(write(tmp_path, without, "bare.toml")).letters == LetterSettings()


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        (
            'contact = "王某某"',
            'contact = "王某某"\nfax = "1"',
            "letters.fax",
            "unknown key; the keys are office, office_short, number_pattern, first_number, "
            "title, date, reply_days, contact, phone, signature, cc, office_en, signature_en, "
            "contact_en, cc_en, office_short_en, number_pattern_en",
        ),
        (
            'number_pattern = "{office_short}〔{year}〕{number}号"',
            'number_pattern = "{office}〔{year}〕{number}号"',
            "letters.number_pattern",
            "unknown placeholder {office}; use {office_short}, {year}, {number}",
        ),
        (
            'number_pattern_en = "{office_short} [{year}] No. {number}"',
            'number_pattern_en = "{office_short} [{year}] No. {n}"',
            "letters.number_pattern_en",
            "unknown placeholder {n}; use {office_short}, {year}, {number}",
        ),
        (
            'title = "关于{cycle_title}政风行风测评结果的反馈函"',
            'title = "关于{cycle_title政风行风测评结果的反馈函"',
            "letters.title",
            "is not a valid pattern (expected '}' before end of string); "
            "write {name} for a value, {{ for {",
        ),
        (
            'date = ""',
            'date = "2026/12/20"',
            "letters.date",
            "must be a date YYYY-MM-DD or \"\", got '2026/12/20'",
        ),
        (
            "reply_days = 30",
            "reply_days = -1",
            "letters.reply_days",
            "must be a whole number between 0 and 1000000, got -1",
        ),
        (
            "reply_days = 30",
            "reply_days = 30.5",
            "letters.reply_days",
            "must be a whole number, got 30.5",
        ),
        (
            'office = "示范镇政风行风测评工作领导小组办公室"',
            'office = ""',
            "letters.office",
            "must be a non-empty string, got ''",
        ),
        (
            'cc = ["镇党委办公室", "镇纪委"]',
            'cc = ["镇党委办公室", 3]',
            "letters.cc[1]",
            "must be a non-empty string, got 3",
        ),
        ('contact = "王某某"', "contact = 5", "letters.contact", "must be a string, got 5"),
    ],
)
def test_wrong_letter_settings_name_the_key(tmp_path, default_text, old, new, key, reason):
    assert old in default_text, old
    msg = refused(tmp_path, default_text.replace(old, new, 1))
    assert msg == f"{tmp_path / 'scheme.toml'}: scheme key '{key}': {reason}"
