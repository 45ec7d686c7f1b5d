"""The evaluation scheme: dimensions, levels, groups, series, grades, rules and header aliases.

A scheme is a TOML file.  The defaults (README: *How a unit is scored*) ship inside the package
(``evalstats/schemes/default.toml``); a district passes its own with ``--scheme FILE``.
:func:`load_scheme` validates the whole file and refuses a wrong one with a
:class:`~evalstats.core.errors.SchemeError` naming the key.

Examples
--------
>>> from evalstats.core.scheme import load_scheme
>>> s = load_scheme()
>>> s.dimension_codes
('transparency', 'lawfulness', 'efficiency', 'service', 'integrity')
>>> s.level_for("满 意"), s.level_for("２"), s.group_for("服务对象")
('satisfied', 'fairly_satisfied', 'enterprise')
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import json
import math
import tomllib
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from evalstats.core.errors import SchemeError
from evalstats.core.letter_settings import (
    LETTER_NUMBER_FIELDS,
    LETTER_TITLE_FIELDS,
    LetterSettings,
)
from evalstats.core.reading import ReadLimits, parse_limits, parse_sheets
from evalstats.core.resources import DEFAULT_SCHEME_NAME, default_scheme_path

WEIGHT_TOLERANCE = 1e-9
TABLES = ("responses", "units", "forms_issued", "incidents", "exclusions")
REQUIRED_HEADERS = {
    "responses": ("form_id", "unit", "group", "comment", "submitted_at", "collector"),
    "units": ("unit", "name", "series"),
    "forms_issued": ("unit", "group", "issued"),
    "incidents": ("unit", "date", "kind", "note"),
    "exclusions": ("form_id", "reason"),
}
IDENTIFIER_COLUMNS = ("respondent_phone", "respondent_name")
"""Optional responses columns that identify a respondent, in precedence order.  Validation
replaces them by keyed pseudonyms (:mod:`evalstats.inputs.pseudonym`) or drops them; their values
are
never kept.  A scheme that does not list their headers gets the bundled defaults (so a
district's older scheme file still recognises them); an empty list turns one off."""
OPTIONAL_HEADERS = {
    "responses": (*IDENTIFIER_COLUMNS, "comment_kind", "respondent"),
    "units": ("name_en",),
}
"""Optional columns of an input table: the identifiers, the comment kind typed by staff and a
respondent id (responses), a unit's English name shown by the English edition (units,
``name_en``)."""
RESPONDENT_HEADERS = (
    "答卷人编号",
    "受访者编号",
    "答题人",
    "答题人编号",
    "评议人编号",
    "respondent",
    "respondent_id",
    "respondent id",
)
"""Headers of the optional ``respondent`` column of the responses (an id of the person who
filled the form, already anonymous: one person rating several units on several rows) when a
scheme does not list ``headers.responses.respondent``."""
LAYOUTS = ("auto", "long", "wide")
"""How a responses file is laid out (scheme ``[layout] layout``): ``"long"`` one row per form,
``"wide"`` one row per respondent and one column per unit × content (the matrix 测评表 and
online-survey exports, :mod:`evalstats.inputs.read.wide`), ``"auto"`` (the default) wide when
the file has no unit column and some headers name a unit and a content."""


def normalize_label(value: Any) -> str:
    """Normalise a typed label for matching: NFKC, all white space removed, case folded.

    Full-width digits and letters become ASCII (``"２"`` → ``"2"``), the ideographic space and
    stray spaces inside a word disappear (``"满 意"`` → ``"满意"``).

    Examples
    --------
    >>> normalize_label(" 满\\u3000意 "), normalize_label("Ｆｏｒｍ_ID")
    ('满意', 'form_id')
    """
    text = unicodedata.normalize("NFKC", str(value))
    return "".join(text.split()).casefold()


@dataclass(frozen=True)
class Item:
    """One coded entry of the scheme (a dimension, level, group, series, grade or kind)."""

    code: str
    label_zh: str
    label_en: str
    aliases: tuple[str, ...] = ()
    weight: float | None = None

    def label(self, lang: str = "zh") -> str:
        """The label in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class Level(Item):
    """An answer level; ``points`` is None for a level that is not valid."""

    digit: int | None = None
    points: float | None = None
    satisfied: bool = False
    valid: bool = True


@dataclass(frozen=True)
class Grade(Item):
    """A grade band: composites ``>= min`` earn it (first match, highest band first)."""

    min: float = 0.0


@dataclass(frozen=True)
class CommentKind(Item):
    """A kind of comment (意见类别: 批评, 建议, 表扬, 意见) and the keywords that sort a comment
    into it (``[[comment_kinds]]``; see :func:`evalstats.stats.comments.comment_kinds`)."""

    keywords: tuple[str, ...] = ()


COMMENT_FALLBACK_KIND = "other"
"""The kind of a comment that no keyword sorts (意见); every scheme lists it."""


@dataclass(frozen=True)
class WeakRule:
    """When a unit's dimension is *weak* (an item of the 整改清单): ``[rules.weak]``.

    A dimension of a unit is weak only when its weighted score is below the median of its
    series on that dimension — never at or above it — and either

    * ``score_interval_below_median``: the upper end of its score's confidence interval is
      below that median (clearly below, not by chance); or
    * it has at least ``min_dissatisfied`` 不满意 answers, its 不满意率 reaches the
      ``dissatisfied_quantile`` quantile of the series' 不满意率 on that dimension (0.75: the
      top quarter) and, with ``dissatisfied_interval_above_median``, the lower end of that
      rate's confidence interval is above the series' median 不满意率.

    A scheme without ``[rules.weak]`` gets these defaults.
    """

    score_interval_below_median: bool = True
    min_dissatisfied: int = 3
    dissatisfied_quantile: float = 0.75
    dissatisfied_interval_above_median: bool = True


@dataclass(frozen=True)
class Rules:
    """Thresholds and rules of the scheme."""

    top_box_level: str
    dissatisfied_levels: tuple[str, ...]
    veto_threshold: float
    veto_grade: str
    last_grade_cap: str
    top_n: int
    last_min_probability: float
    low_confidence_n: int
    anonymity_min: int
    anonymity_groups: tuple[str, ...]
    confidence_level: float
    max_id_digits: int
    period_weights: MappingProxyType
    weak: WeakRule = WeakRule()


@dataclass(frozen=True)
class Scheme:
    """A validated evaluation scheme.  Build it with :func:`load_scheme`."""

    name: str
    version: str
    description: str
    dimensions: tuple[Item, ...]
    levels: tuple[Level, ...]
    groups: tuple[Item, ...]
    series: tuple[Item, ...]
    grades: tuple[Grade, ...]
    incident_kinds: tuple[Item, ...]
    rules: Rules
    headers: MappingProxyType
    source: str
    sha256: str
    letters: LetterSettings = field(default_factory=LetterSettings)
    _maps: MappingProxyType = field(repr=False, compare=False, default=None)
    comment_kinds: tuple[CommentKind, ...] = ()
    limits: ReadLimits = field(default_factory=ReadLimits)  # [limits]: core.reading
    sheets: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # [sheets]
    layout: str = "auto"  # [layout] layout: one of LAYOUTS

    # ------------------------------------------------------------------ code lists
    @property
    def dimension_codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.dimensions)

    @property
    def level_codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.levels)

    @property
    def valid_level_codes(self) -> tuple[str, ...]:
        return tuple(v.code for v in self.levels if v.valid)

    @property
    def group_codes(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.groups)

    @property
    def series_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.series)

    @property
    def grade_codes(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.grades)

    @property
    def identifier_columns(self) -> tuple[str, ...]:
        """Identifier columns the responses headers recognise (``IDENTIFIER_COLUMNS`` order)."""
        h = self.headers["responses"]
        return tuple(c for c in IDENTIFIER_COLUMNS if c in h)

    @property
    def level_dtype(self) -> pd.CategoricalDtype:
        """Ordered categorical of level codes in scheme order (best first, non-valid last)."""
        return pd.CategoricalDtype(list(self.level_codes), ordered=True)

    @property
    def group_weights(self) -> dict[str, float]:
        return {g.code: float(g.weight) for g in self.groups}

    @property
    def dimension_weights(self) -> dict[str, float]:
        return {d.code: float(d.weight) for d in self.dimensions}

    def item(self, kind: str, code: str) -> Item:
        """The entry ``code`` of ``kind`` (``"dimensions"``, ``"levels"``, …)."""
        for it in getattr(self, kind):
            if it.code == code:
                return it
        raise KeyError(f"no {kind} code {code!r} in scheme {self.name!r}")

    def label(self, kind: str, code: str, lang: str = "zh") -> str:
        """The label of ``code`` of ``kind`` in ``lang``."""
        return self.item(kind, code).label(lang)

    # ------------------------------------------------------------------ matching typed values
    def _lookup(self, kind: str, value: Any) -> str | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return self._maps[kind].get(normalize_label(value))

    def level_for(self, value: Any) -> str | None:
        """Level code for a typed answer (label, code, paper digit or alias), or None."""
        return self._lookup("levels", value)

    def group_for(self, value: Any) -> str | None:
        """Group code for a typed group label, code or alias, or None."""
        return self._lookup("groups", value)

    def series_for(self, value: Any) -> str | None:
        """Series code for a typed series label, code or alias, or None."""
        return self._lookup("series", value)

    def incident_kind_for(self, value: Any) -> str | None:
        """Incident-kind code for a typed kind, or None."""
        return self._lookup("incident_kinds", value)

    def comment_kind_for(self, value: Any) -> str | None:
        """Comment-kind code for a typed kind (批评, 建议, 表扬, 意见, a code or alias), or None."""
        return self._lookup("comment_kinds", value)

    def level_lookup(self) -> dict[str, str]:
        """The whole normalised-text → level-code map (for vectorised matching)."""
        return dict(self._maps["levels"])

    def lookup(self, kind: str) -> dict[str, str]:
        """Normalised-text → code map of ``kind``."""
        return dict(self._maps[kind])

    def header_lookup(self, table: str) -> dict[str, str]:
        """Normalised header → column code for input ``table``."""
        return dict(self._maps[f"headers.{table}"])

    # ------------------------------------------------------------------ display
    def to_dict(self) -> dict:
        """A plain dict of the scheme (as loaded, canonical)."""
        return json.loads(self._canonical_json())

    def _canonical_json(self) -> str:
        return self._maps["_canonical"]

    def describe(self, lang: str = "zh") -> str:
        """A readable multi-line summary, as printed by ``evalstats scheme show``."""
        r = self.rules
        lines = [
            f"scheme: {self.name} (version {self.version})",
            f"source: {self.source}",
            f"sha256: {self.sha256}",
            "",
            "dimensions (code, label, weight):",
            *[f"  {d.code:<22} {d.label(lang):<12} {d.weight:g}" for d in self.dimensions],
            "levels (code, label, digit, points, satisfied, valid):",
            *[
                f"  {v.code:<22} {v.label(lang):<12} {v.digit!s:<3} "
                f"{'—' if v.points is None else f'{v.points:g}':<5} "
                f"{'yes' if v.satisfied else 'no':<4} {'yes' if v.valid else 'no'}"
                for v in self.levels
            ],
            "groups (code, label, weight):",
            *[f"  {g.code:<22} {g.label(lang):<12} {g.weight:g}" for g in self.groups],
            "series:",
            *[f"  {s.code:<22} {s.label(lang)}" for s in self.series],
            "grades (code, label, composite >=):",
            *[f"  {g.code:<22} {g.label(lang):<12} {g.min:g}" for g in self.grades],
            "rules:",
            f"  top_box_level          {r.top_box_level}",
            f"  dissatisfied_levels    {', '.join(r.dissatisfied_levels)}",
            f"  veto_threshold         {r.veto_threshold:g} (grade forced: {r.veto_grade})",
            f"  last_grade_cap         {r.last_grade_cap}",
            f"  top_n                  {r.top_n}",
            f"  last_min_probability   {r.last_min_probability:g}",
            f"  low_confidence_n       {r.low_confidence_n}",
            f"  anonymity_min          {r.anonymity_min}",
            f"  anonymity_groups       {', '.join(r.anonymity_groups) or '—'}",
            f"  confidence_level       {r.confidence_level:g}",
            f"  max_id_digits          {r.max_id_digits}",
            "  period_weights         "
            + ", ".join(f"{k}={v:g}" for k, v in r.period_weights.items()),
            "  weak                   " + ", ".join(f"{k}={v}" for k, v in asdict(r.weak).items()),
            "letters (反馈函):",
            *[
                f"  {k:<22} {('、'.join(v) if isinstance(v, tuple) else str(v)) or '—'}"
                for k, v in asdict(self.letters).items()
            ],
            "respondent identifiers (replaced by keyed pseudonyms, never kept):",
            *[
                f"  {c:<22} {', '.join(self.headers['responses'][c])}"
                for c in self.identifier_columns
            ],
        ]
        if not self.identifier_columns:
            lines.append("  —")
        return "\n".join(lines)


# ---------------------------------------------------------------------- loading and checks
class _Reader:
    """Typed access to a TOML mapping that raises SchemeError naming the key."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, reason: str):
        raise SchemeError(key, reason, self.source)

    def get(self, mapping: dict, key: str, path: str, kind, *, default=..., allow_none=False):
        if key not in mapping:
            if default is ...:
                self.fail(path, "missing key")
            return default
        value = mapping[key]
        if value is None and allow_none:
            return None
        if kind is float:
            return self._number(value, path)
        return self._typed(value, path, kind)

    def _number(self, value, path: str) -> float:
        """``value`` as a finite float (a bool is not a number)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, f"must be a number, got {value!r}")
        if not math.isfinite(value):
            self.fail(path, f"must be a finite number, got {value!r}")
        return float(value)

    def _typed(self, value, path: str, kind):
        """``value`` checked as ``kind`` (int, bool, str, list or dict)."""
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(path, f"must be a whole number, got {value!r}")
            return value
        if kind is bool:
            if not isinstance(value, bool):
                self.fail(path, f"must be true or false, got {value!r}")
            return value
        if kind is str:
            if not isinstance(value, str) or not value.strip():
                self.fail(path, f"must be a non-empty string, got {value!r}")
            return value.strip()
        if kind is list:
            if not isinstance(value, list):
                self.fail(path, f"must be a list, got {value!r}")
            return value
        if kind is dict:
            if not isinstance(value, dict):
                self.fail(path, f"must be a table, got {value!r}")
            return value
        raise TypeError(kind)  # pragma: no cover - programming error

    def strings(self, mapping: dict, key: str, path: str) -> tuple[str, ...]:
        values = self.get(mapping, key, path, list, default=[])
        out = []
        for i, v in enumerate(values):
            if not isinstance(v, str) or not v.strip():
                self.fail(f"{path}[{i}]", f"must be a non-empty string, got {v!r}")
            out.append(v.strip())
        return tuple(out)


def _items(r: _Reader, data: dict, kind: str, *, weighted: bool) -> list[dict]:
    entries = r.get(data, kind, kind, list)
    if not entries:
        r.fail(kind, "must list at least one entry")
    out = []
    seen: dict[str, int] = {}
    for i, e in enumerate(entries):
        path = f"{kind}[{i}]"
        if not isinstance(e, dict):
            r.fail(path, "must be a table")
        code = r.get(e, "code", f"{path}.code", str)
        if code in seen:
            r.fail(f"{path}.code", f"duplicate code {code!r} (also {kind}[{seen[code]}])")
        seen[code] = i
        if normalize_label(code) != code.casefold() or code == "all":
            r.fail(f"{path}.code", f"code {code!r} must be one word without spaces, not 'all'")
        item = {
            "code": code,
            "label_zh": r.get(e, "label_zh", f"{path}.label_zh", str),
            "label_en": r.get(e, "label_en", f"{path}.label_en", str),
            "aliases": r.strings(e, "aliases", f"{path}.aliases"),
        }
        if weighted:
            w = r.get(e, "weight", f"{path}.weight", float)
            if w < 0:
                r.fail(f"{path}.weight", f"must not be negative, got {w:g}")
            item["weight"] = w
        out.append((item, e, path))
    if weighted:
        total = sum(it["weight"] for it, _, _ in out)
        if abs(total - 1.0) > WEIGHT_TOLERANCE * 1e3:
            r.fail(f"{kind}.weight", f"weights must sum to 1, they sum to {total:.6g}")
    return out


def _build_map(r: _Reader, kind: str, items, extra=None) -> dict[str, str]:
    """Normalised label → code, refusing a label that would mean two codes."""
    mapping: dict[str, str] = {}
    for it in items:
        texts = [it.code, it.label_zh, it.label_en, *it.aliases]
        if extra is not None:
            texts.extend(extra(it))
        for t in texts:
            key = normalize_label(t)
            if key in mapping and mapping[key] != it.code:
                r.fail(
                    f"{kind}.aliases",
                    f"label {t!r} would mean both {mapping[key]!r} and {it.code!r}",
                )
            mapping[key] = it.code
    return mapping


def _parse(data: dict, source: str, sha: str) -> Scheme:
    r = _Reader(source)
    meta = r.get(data, "scheme", "scheme", dict)
    name = r.get(meta, "name", "scheme.name", str)
    dims = [Item(**it) for it, _, _ in _items(r, data, "dimensions", weighted=True)]
    levels = _parse_levels(r, data)
    groups = [Item(**it) for it, _, _ in _items(r, data, "groups", weighted=True)]
    series = [Item(**it) for it, _, _ in _items(r, data, "series", weighted=False)]
    grades = _parse_grades(r, data)
    kinds = [Item(**it) for it, _, _ in _items(r, data, "incident_kinds", weighted=False)]
    rd = r.get(data, "rules", "rules", dict)
    rules = _parse_rules(r, rd, levels=levels, grades=grades, groups=groups)
    headers, maps = _parse_headers(r, data, dims)
    maps["levels"] = MappingProxyType(
        _build_map(r, "levels", levels, lambda v: [str(v.digit)] if v.digit is not None else [])
    )
    maps["groups"] = MappingProxyType(_build_map(r, "groups", groups))
    maps["series"] = MappingProxyType(_build_map(r, "series", series))
    maps["incident_kinds"] = MappingProxyType(_build_map(r, "incident_kinds", kinds))
    comment_kinds = _parse_comment_kinds(r, data)
    maps["comment_kinds"] = MappingProxyType(_build_map(r, "comment_kinds", comment_kinds))
    maps["_canonical"] = json.dumps(data, ensure_ascii=False, sort_keys=True)
    letters = _parse_letters(r, data)
    _refuse_unknown_keys(r, data, rd)
    sheets = parse_sheets(data.get("sheets", {}), tables=TABLES, fail=r.fail)
    return Scheme(
        name=name,
        version=str(meta.get("version", "1")),
        description=str(meta.get("description", "")),
        dimensions=tuple(dims),
        levels=tuple(levels),
        groups=tuple(groups),
        series=tuple(series),
        grades=tuple(grades),
        incident_kinds=tuple(kinds),
        rules=rules,
        headers=MappingProxyType({k: MappingProxyType(v) for k, v in headers.items()}),
        source=source,
        sha256=sha,
        letters=letters,
        _maps=MappingProxyType(maps),
        comment_kinds=tuple(comment_kinds),
        limits=parse_limits(data.get("limits", {}), fail=r.fail),
        sheets=sheets,
        layout=_parse_layout(r, data),
    )


def _parse_layout(r: _Reader, data: dict) -> str:
    """``[layout] layout`` (optional): one of :data:`LAYOUTS`, default ``"auto"``."""
    table = r.get(data, "layout", "layout", dict, default={})
    unknown = sorted(set(table) - {"layout"})
    if unknown:
        r.fail(f"layout.{unknown[0]}", "unknown key; the section holds layout")
    value = r.get(table, "layout", "layout.layout", str, default="auto")
    if value not in LAYOUTS:
        r.fail("layout.layout", f"must be one of {list(LAYOUTS)}, got {value!r}")
    return value


def _parse_comment_kinds(r: _Reader, data: dict) -> list[CommentKind]:
    """``[[comment_kinds]]`` (optional: the bundled scheme's), ``other`` among them, keywords
    non-empty strings."""
    if "comment_kinds" not in data:
        bundled = tomllib.loads(default_scheme_path().read_text(encoding="utf-8-sig"))
        data = {"comment_kinds": bundled["comment_kinds"]}
    out = []
    for item, e, path in _items(r, data, "comment_kinds", weighted=False):
        words = r.strings(e, "keywords", f"{path}.keywords") if "keywords" in e else ()
        out.append(CommentKind(**item, keywords=tuple(words)))
    codes = [k.code for k in out]
    if COMMENT_FALLBACK_KIND not in codes:
        r.fail(
            "comment_kinds",
            f"must list the kind {COMMENT_FALLBACK_KIND!r} (a comment no keyword sorts); "
            f"kinds are {codes}",
        )
    return out


def _parse_levels(r: _Reader, data: dict) -> list[Level]:
    """The ``[[levels]]``: digits unique, points only for valid levels, valid levels first."""
    levels = []
    digits: dict[int, str] = {}
    for it, e, path in _items(r, data, "levels", weighted=False):
        valid = r.get(e, "valid", f"{path}.valid", bool)
        satisfied = r.get(e, "satisfied", f"{path}.satisfied", bool)
        digit = r.get(e, "digit", f"{path}.digit", int, default=None)
        if digit is not None:
            if digit in digits:
                r.fail(f"{path}.digit", f"duplicate digit {digit} (also {digits[digit]!r})")
            digits[digit] = it["code"]
        if valid:
            points = r.get(e, "points", f"{path}.points", float)
        else:
            if "points" in e:
                r.fail(f"{path}.points", "a level that is not valid has no points")
            if satisfied:
                r.fail(f"{path}.satisfied", "a level that is not valid cannot count as satisfied")
            points = None
        levels.append(Level(**it, digit=digit, points=points, satisfied=satisfied, valid=valid))
    if not any(v.valid for v in levels):
        r.fail("levels", "at least one level must be valid")
    invalid_first = [i for i, v in enumerate(levels) if not v.valid]
    if invalid_first and any(v.valid for v in levels[invalid_first[0] :]):
        r.fail("levels", "list the valid levels first, then the levels that are not valid")
    return levels


def _parse_grades(r: _Reader, data: dict) -> list[Grade]:
    """The ``[[grades]]``: highest first, strictly decreasing ``min``, the last at 0."""
    grades = []
    for it, e, path in _items(r, data, "grades", weighted=False):
        grades.append(Grade(**it, min=r.get(e, "min", f"{path}.min", float)))
    mins = [g.min for g in grades]
    if any(b >= a for a, b in itertools.pairwise(mins)):
        r.fail("grades.min", f"grades must be listed highest first with decreasing min, got {mins}")
    if mins[-1] != 0:
        r.fail(
            f"grades[{len(grades) - 1}].min", f"the last grade must have min = 0, got {mins[-1]:g}"
        )
    return grades


def _parse_rules(
    r: _Reader, rd: dict, *, levels: list[Level], grades: list[Grade], groups: list[Item]
) -> Rules:
    """The ``[rules]`` table, every level, grade and group it names checked against the scheme."""
    level_codes = [v.code for v in levels]
    grade_codes = [g.code for g in grades]

    def level_rule(key, value):
        if value not in level_codes:
            r.fail(f"rules.{key}", f"names unknown level {value!r}; levels are {level_codes}")
        if not next(v for v in levels if v.code == value).valid:
            r.fail(f"rules.{key}", f"names level {value!r}, which is not valid")

    top_box = r.get(rd, "top_box_level", "rules.top_box_level", str)
    level_rule("top_box_level", top_box)
    dissat = r.strings(rd, "dissatisfied_levels", "rules.dissatisfied_levels")
    if not dissat:
        r.fail("rules.dissatisfied_levels", "must name at least one level")
    for v in dissat:
        level_rule("dissatisfied_levels", v)
    for key in ("veto_grade", "last_grade_cap"):
        g = r.get(rd, key, f"rules.{key}", str)
        if g not in grade_codes:
            r.fail(f"rules.{key}", f"names unknown grade {g!r}; grades are {grade_codes}")

    def number(key, lo, hi, kind=float):
        v = r.get(rd, key, f"rules.{key}", kind)
        if not lo <= v <= hi:
            r.fail(f"rules.{key}", f"must be between {lo:g} and {hi:g}, got {v:g}")
        return v

    group_codes = [g.code for g in groups]
    anonymity_groups = r.strings(rd, "anonymity_groups", "rules.anonymity_groups")
    for g in anonymity_groups:
        if g not in group_codes:
            r.fail("rules.anonymity_groups", f"names unknown group {g!r}; groups are {group_codes}")
    pweights = _parse_period_weights(r, rd)
    rules = Rules(
        top_box_level=top_box,
        dissatisfied_levels=dissat,
        veto_threshold=r.get(rd, "veto_threshold", "rules.veto_threshold", float),
        veto_grade=rd["veto_grade"].strip(),
        last_grade_cap=rd["last_grade_cap"].strip(),
        top_n=number("top_n", 1, 1000, int),
        last_min_probability=number("last_min_probability", 0, 1),
        low_confidence_n=number("low_confidence_n", 0, 10**9, int),
        anonymity_min=number("anonymity_min", 0, 10**9, int),
        anonymity_groups=anonymity_groups,
        confidence_level=number("confidence_level", 1e-9, 1 - 1e-9),
        max_id_digits=number("max_id_digits", 1, 100, int),
        period_weights=MappingProxyType(pweights),
        weak=_parse_weak(r, rd),
    )
    if not 0 < rules.confidence_level < 1:  # pragma: no cover - number() checks the range
        r.fail("rules.confidence_level", "must be strictly between 0 and 1")
    return rules


def _parse_weak(r: _Reader, rd: dict) -> WeakRule:
    """``rules.weak`` (optional: the defaults of :class:`WeakRule`)."""
    default = WeakRule()
    if "weak" not in rd:
        return default
    wd = r.get(rd, "weak", "rules.weak", dict)
    known = [f.name for f in fields(WeakRule)]
    unknown = sorted(set(wd) - set(known))
    if unknown:
        r.fail(f"rules.weak.{unknown[0]}", f"unknown key; keys are {known}")
    values = {
        key: r.get(wd, key, f"rules.weak.{key}", kind, default=getattr(default, key))
        for key, kind in (
            ("score_interval_below_median", bool),
            ("min_dissatisfied", int),
            ("dissatisfied_quantile", float),
            ("dissatisfied_interval_above_median", bool),
        )
    }
    if values["min_dissatisfied"] < 1:
        n = values["min_dissatisfied"]
        r.fail("rules.weak.min_dissatisfied", f"must be at least 1, got {n}")
    if not 0 <= values["dissatisfied_quantile"] <= 1:
        q = values["dissatisfied_quantile"]
        r.fail("rules.weak.dissatisfied_quantile", f"must be between 0 and 1, got {q:g}")
    return WeakRule(**values)


def _parse_period_weights(r: _Reader, rd: dict) -> dict[str, float]:
    """``rules.period_weights``: exactly ``half_year`` and ``annual``, >= 0, summing to 1."""
    pw = r.get(rd, "period_weights", "rules.period_weights", dict)
    for k in ("half_year", "annual"):
        if k not in pw:
            r.fail(f"rules.period_weights.{k}", "missing key")
    unknown = sorted(set(pw) - {"half_year", "annual"})
    if unknown:
        r.fail(f"rules.period_weights.{unknown[0]}", "unknown period; use half_year and annual")
    pweights = {
        k: r.get(pw, k, f"rules.period_weights.{k}", float) for k in ("half_year", "annual")
    }
    if any(w < 0 for w in pweights.values()) or abs(sum(pweights.values()) - 1) > 1e-6:
        r.fail("rules.period_weights", f"weights must be >= 0 and sum to 1, got {pweights}")
    return pweights


def _check_pattern(r: _Reader, key: str, pattern: str, fields: tuple[str, ...]) -> None:
    """A ``str.format`` pattern that uses only ``fields``."""
    import string

    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        r.fail(key, f"is not a valid pattern ({exc}); write {{name}} for a value, {{{{ for {{")
    for _text, name, _spec, _conv in parsed:
        if name is not None and name not in fields:
            allowed = ", ".join("{" + f + "}" for f in fields)
            r.fail(key, f"unknown placeholder {{{name}}}; use {allowed}")


def _parse_letters(r: _Reader, data: dict) -> LetterSettings:
    """The ``[letters]`` table (optional: :class:`LetterSettings`' defaults), every key checked."""
    if "letters" not in data:
        return LetterSettings()
    ld = r.get(data, "letters", "letters", dict)
    known = [f.name for f in dataclasses.fields(LetterSettings)]
    unknown = sorted(set(ld) - set(known))
    if unknown:
        r.fail(f"letters.{unknown[0]}", f"unknown key; the keys are {', '.join(known)}")
    default = LetterSettings()
    values: dict[str, Any] = {}
    for key in known:
        if key not in ld:
            continue
        path = f"letters.{key}"
        if key in ("cc", "cc_en"):
            values[key] = r.strings(ld, key, path)
        elif key in ("first_number", "reply_days"):
            v = r.get(ld, key, path, int)
            lo = 0 if key == "reply_days" else 1
            if not lo <= v <= 10**6:
                r.fail(path, f"must be a whole number between {lo} and 1000000, got {v}")
            values[key] = v
        elif key in ("date", "signature", "contact", "phone", *_ENGLISH_LETTER_TEXTS):
            # may be ""
            v = ld[key]
            if not isinstance(v, str):
                r.fail(path, f"must be a string, got {v!r}")
            values[key] = v.strip()
        else:
            values[key] = r.get(ld, key, path, str)
    out = dataclasses.replace(default, **values)
    _check_pattern(r, "letters.number_pattern", out.number_pattern, LETTER_NUMBER_FIELDS)
    _check_pattern(r, "letters.number_pattern_en", out.number_pattern_en, LETTER_NUMBER_FIELDS)
    _check_pattern(r, "letters.title", out.title, LETTER_TITLE_FIELDS)
    if out.date:
        import datetime as _dt

        try:
            _dt.date.fromisoformat(out.date)
        except ValueError:
            r.fail("letters.date", f'must be a date YYYY-MM-DD or "", got {out.date!r}')
    return out


_ENGLISH_LETTER_TEXTS = ("office_en", "signature_en", "contact_en", "office_short_en")


def _parse_headers(r: _Reader, data: dict, dims: list[Item]) -> tuple[dict, dict[str, Any]]:
    """The ``[headers]`` of each input table, and the normalised header → column maps."""
    hd = r.get(data, "headers", "headers", dict)
    headers: dict[str, dict[str, tuple[str, ...]]] = {}
    maps: dict[str, Any] = {}
    for table in TABLES:
        t = r.get(hd, table, f"headers.{table}", dict)
        cols = _table_headers(r, table, t, dims)
        headers[table] = cols
        hmap: dict[str, str] = {}
        for col, aliases in cols.items():
            for a in aliases:
                key = normalize_label(a)
                if key in hmap and hmap[key] != col:
                    r.fail(
                        f"headers.{table}.{col}", f"header {a!r} also names column {hmap[key]!r}"
                    )
                hmap[key] = col
        maps[f"headers.{table}"] = MappingProxyType(hmap)
    unknown_tables = sorted(set(hd) - set(TABLES))
    if unknown_tables:
        r.fail(f"headers.{unknown_tables[0]}", f"unknown table; tables are {list(TABLES)}")
    return headers, maps


def _table_headers(r: _Reader, table: str, t: dict, dims: list[Item]) -> dict:
    """The accepted headers of each column of one input table (``headers.<table>``)."""
    cols = {}
    for col in REQUIRED_HEADERS[table]:
        aliases = r.strings(t, col, f"headers.{table}.{col}")
        if not aliases:
            r.fail(f"headers.{table}.{col}", "missing key (list the accepted headers)")
        cols[col] = aliases
    optional = OPTIONAL_HEADERS.get(table, ())
    extra = sorted(set(t) - set(REQUIRED_HEADERS[table]) - set(optional))
    if extra:
        r.fail(
            f"headers.{table}.{extra[0]}",
            "unknown column; dimensions are matched by their labels",
        )
    if table == "responses":
        for d in dims:
            cols[d.code] = (d.code, d.label_zh, d.label_en, *d.aliases)
    taken = {normalize_label(a) for aliases in cols.values() for a in aliases}
    for col in optional:
        if col in t:
            aliases = r.strings(t, col, f"headers.{table}.{col}")
        else:  # not listed: the bundled defaults, minus headers this scheme uses otherwise
            aliases = tuple(
                a for a in _bundled_headers(table, col) if normalize_label(a) not in taken
            )
        if aliases:
            cols[col] = aliases
    return cols


_KNOWN_TOP = (
    "scheme",
    "dimensions",
    "levels",
    "groups",
    "series",
    "grades",
    "incident_kinds",
    "comment_kinds",
    "rules",
    "headers",
    "letters",
    "limits",
    "sheets",
    "layout",
)


def _refuse_unknown_keys(r: _Reader, data: dict, rd: dict) -> None:
    """A top-level table or a rule the scheme does not know is an error, not ignored."""
    unknown_top = sorted(set(data) - set(_KNOWN_TOP))
    if unknown_top:
        r.fail(unknown_top[0], "unknown key")
    known_rules = {f.name for f in Rules.__dataclass_fields__.values()}
    unknown_rules = sorted(set(rd) - known_rules)
    if unknown_rules:
        r.fail(f"rules.{unknown_rules[0]}", "unknown key")


@functools.cache
def _bundled_header_table() -> dict:
    data = tomllib.loads(default_scheme_path().read_text(encoding="utf-8-sig"))
    return data.get("headers", {})


def _bundled_headers(table: str, col: str) -> tuple[str, ...]:
    """Headers of an optional column in the bundled scheme (for schemes that omit it)."""
    values = _bundled_header_table().get(table, {}).get(col, [])
    if not values and (table, col) == ("responses", "respondent"):
        values = RESPONDENT_HEADERS
    return tuple(v.strip() for v in values if isinstance(v, str) and v.strip())


def project_scheme_path(root: Path | None = None) -> Path | None:
    """The project's own scheme, ``<project root>/scheme.toml``, if there is one.

    ``evalstats init`` writes it (a copy of the bundled scheme) for the office to edit; from
    then on every command and notebook of that project uses it unless ``--scheme`` names
    another file.

    Examples
    --------
    >>> project_scheme_path(Path("/nonexistent")) is None
    True
    """
    from evalstats.core.config import PROJECT_SCHEME, project_root

    p = (root or project_root()) / PROJECT_SCHEME
    return p if p.is_file() else None


def load_scheme(path: str | Path | None = None) -> Scheme:
    """Load and validate a scheme file.

    The scheme in effect is: ``path`` if given; else the project's ``scheme.toml``
    (:func:`project_scheme_path`); else the bundled default.

    Parameters
    ----------
    path : str or Path, optional
        A TOML scheme file.  Relative paths resolve from the project root.

    Returns
    -------
    Scheme

    Raises
    ------
    SchemeError
        The file is missing, is not TOML, or a key is wrong; the message names the key.

    Examples
    --------
    >>> load_scheme().group_weights["enterprise"]
    0.4
    """
    if isinstance(path, Scheme):
        return path
    if path is None and project_scheme_path() is not None:
        from evalstats.core.config import PROJECT_SCHEME

        path = PROJECT_SCHEME  # named as the project names it, resolved from its root
    if path is None:
        p = default_scheme_path()
        label = f"<bundled>/{DEFAULT_SCHEME_NAME}"
    else:
        from evalstats.core.config import resolve_path
        from evalstats.core.files import slash_path

        p = resolve_path(path)
        label = slash_path(path)  # as given, "/" between parts (summary.json is the same)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise SchemeError("-", "not found", label) from None
    except OSError as exc:
        raise SchemeError("-", f"cannot read the scheme file ({exc.strerror})", label) from None
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SchemeError("-", "the scheme file must be UTF-8 text", label) from None
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError("-", f"not valid TOML: {exc}", label) from None
    return _parse(data, label, hashlib.sha256(raw).hexdigest())


def resolve_scheme(scheme: Scheme | str | Path | None) -> Scheme:
    """Accept a Scheme, a path, or None (the default) and return a Scheme."""
    if isinstance(scheme, Scheme):
        return scheme
    return load_scheme(scheme)


__all__ = [
    "COMMENT_FALLBACK_KIND",
    "DEFAULT_SCHEME_NAME",
    "IDENTIFIER_COLUMNS",
    "LAYOUTS",
    "OPTIONAL_HEADERS",
    "REQUIRED_HEADERS",
    "RESPONDENT_HEADERS",
    "TABLES",
    "WEIGHT_TOLERANCE",
    "CommentKind",
    "Grade",
    "Item",
    "Level",
    "Rules",
    "Scheme",
    "WeakRule",
    "default_scheme_path",
    "load_scheme",
    "normalize_label",
    "project_scheme_path",
    "resolve_scheme",
]
