"""``evalstats audit-public REPORT [LETTERS…]``: the exact integer audit of a public release.

:func:`read_release` reads every public artefact of the named folders as one release — a
report's ``tables/*.csv`` and ``figures/*.csv``, a letters folder's ``figures/<unit>/*.csv``
and the group sizes its letters print (``企业 (n=25)``) — with each number as printed, so that
its published precision is part of what the attacker knows.  :func:`audit_folders` audits it
(:func:`evalstats.stats.privacy.audit.audit_release`); :func:`check_release` raises
:class:`~evalstats.core.errors.RunError` when a cell is pinned, which the runner and the
letters batch call before anything is published.  The recovered answers are never printed:
only that the cell of unit X, group Y, dimension Z is pinned.

Examples
--------
>>> audit_folders(["reports/2026H1/half-year"])  # doctest: +SKIP
"""

from __future__ import annotations

import html as _html
import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from evalstats.core.errors import RunError, UsageError
from evalstats.core.scheme import Scheme, load_scheme
from evalstats.run.console import current_lang
from evalstats.stats.privacy.audit import audit_release

_SIZE = re.compile(r"<th[^>]*>\s*([^<>]+?)\s*\(n=(\d+)\)\s*</th>")
_INDEX_ROW = re.compile(r"<td>([A-Za-z0-9_.-]+)</td><td><a href=\"([^\"]+\.html)\">")


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _letter_sizes(folder: Path, scheme: Scheme, cycle: str) -> dict:
    """``(cycle, unit) -> {group: forms}`` from the group headers the letters print."""
    labels = {}
    for item in scheme.groups:
        labels[item.label_zh] = item.code
        labels[item.label_en] = item.code
    out = {}
    index = folder / "index.html"
    if not index.is_file():
        return out
    for unit, page in _INDEX_ROW.findall(index.read_text(encoding="utf-8", errors="replace")):
        h = folder / _html.unescape(page)
        if not h.is_file():
            continue
        text = h.read_text(encoding="utf-8", errors="replace")
        sizes = {
            labels[_html.unescape(label)]: int(n)
            for label, n in _SIZE.findall(text)
            if _html.unescape(label) in labels
        }
        if sizes:
            out[(cycle, unit)] = sizes
    return out


def read_release(
    folders: Iterable[str | Path], *, scheme: Scheme | None = None, sizes: Mapping | None = None
) -> tuple[dict, dict]:
    """The tables (as text) and group sizes of the public artefacts in ``folders``.

    Parameters
    ----------
    folders : iterable of path
        Report folders (``<out>/<cycle>/<analysis>/``) and letters folders
        (``<out>/<cycle>/letters/``), of this cycle and earlier ones.
    scheme : Scheme, optional
    sizes : mapping, optional
        Group sizes known besides the letters' (``(cycle, unit) -> {group: forms}``).

    Returns
    -------
    (dict of str to DataFrame, dict)
    """
    scheme = scheme or load_scheme()
    tables: dict = {}
    found = dict(sizes or {})
    for folder in map(Path, folders):
        if not folder.is_dir():
            raise UsageError(f"{folder}: no such folder", zh=f"{folder}：没有这个文件夹")
        for f in sorted([*folder.glob("tables/*.csv"), *folder.glob("figures/**/*.csv")]):
            if f.name == "suppressed.csv":
                continue
            tables[f"{folder}/{f.relative_to(folder).as_posix()}"] = _read_csv(f)
        if (folder / "letters.csv").is_file():
            cycle = _cycle_of(tables, folder)
            for key, value in _letter_sizes(folder, scheme, cycle).items():
                found.setdefault(key, value)
    return tables, found


def _cycle_of(tables: dict, folder: Path) -> str:
    for name, t in tables.items():
        if name.startswith(f"{folder}/") and "cycle" in t.columns and len(t):
            return str(t["cycle"].iloc[0])
    return folder.parent.name


def audit_folders(
    folders: Iterable[str | Path], *, scheme: Scheme | None = None, sizes: Mapping | None = None
) -> pd.DataFrame:
    """:func:`~evalstats.stats.privacy.audit.audit_release` of the release in ``folders``."""
    scheme = scheme or load_scheme()
    tables, found = read_release(folders, scheme=scheme, sizes=sizes)
    return audit_release(tables, scheme=scheme, sizes=found)


def pinned_message(result: pd.DataFrame, *, lang: str = "zh") -> str:
    """Plain words for the pinned cells of an audit (never their answers)."""
    bad = result[result["verdict"] != "safe"]
    lines = []
    for r in bad.itertuples(index=False):
        if lang == "en":
            lines.append(
                f"{r.cycle} {r.unit}, group {r.group}, {r.dimension}: {r.verdict} "
                f"({r.n_forms} forms)"
            )
        else:
            word = {"pinned": "可被唯一推算", "inconsistent": "公布的数字互相矛盾"}[r.verdict]
            lines.append(f"{r.cycle} {r.unit} 的 {r.group}（{r.n_forms} 份）{r.dimension}：{word}")
    return "\n".join(lines)


def check_release(
    folders: Iterable[str | Path],
    *,
    scheme: Scheme,
    sizes: Mapping | None = None,
    starts: Mapping | None = None,
) -> pd.DataFrame:
    """Audit a release before it is published; :class:`RunError` if a cell is pinned.

    ``sizes`` and ``starts``: the true group sizes and valid answers
    (:func:`~evalstats.stats.privacy.audit.truth_of`; the verdicts do not depend on
    ``starts``, only the time).
    """
    tables, found = read_release(folders, scheme=scheme, sizes=sizes)
    result = audit_release(tables, scheme=scheme, sizes=found, starts=starts)
    if (result["verdict"] != "safe").any():
        detail = pinned_message(result, lang="en")
        raise RunError(
            "the public release failed the disclosure audit; nothing was published:\n" + detail,
            zh="公开版未通过信息保护审核，未发布任何文件：\n" + pinned_message(result, lang="zh"),
        )
    return result


def audit_before_publish(
    staging: Path,
    *,
    scheme: Scheme,
    data_folders: Iterable[Path],
    cycles: Iterable[str],
    related: Iterable[Path] = (),
) -> pd.DataFrame:
    """The gate of a public report or public letters: audit ``staging`` together with the
    ``related`` public folders already published (the same cycle's letters or report, earlier
    cycles), with the true group sizes from the data; :class:`RunError` if a cell is pinned,
    and then nothing is published.
    """
    from evalstats.counts.tally import tally
    from evalstats.inputs.validate import validate_cycle
    from evalstats.stats.privacy.audit import truth_of

    sizes: dict = {}
    starts: dict = {}
    for folder, cycle in zip(data_folders, cycles, strict=True):
        v = validate_cycle(folder, scheme=scheme, cycle=cycle)
        s, st = truth_of(tally(v.forms, scheme=scheme), scheme=scheme)
        sizes.update(s)
        starts.update(st)
    folders = [staging, *(p for p in related if Path(p).is_dir() and _is_public(Path(p)))]
    return check_release(folders, scheme=scheme, sizes=sizes, starts=starts)


def audit_run(plan, staging: Path) -> pd.DataFrame | None:
    """The runner's gate (:mod:`evalstats.run.runner.run`): a public report is audited with
    the public letters and reports of its cycles already in ``plan.out`` before it is
    published; None for an internal report."""
    from evalstats.run.runner.parameters import literal_default

    tier = plan.params.get("tier", literal_default(plan.declared.get("tier")))
    if tier != "public":
        return None
    related = [
        Path(plan.out) / c / kind
        for c in plan.cycles
        for kind in ("letters", "half-year", "annual")
        if Path(plan.out) / c / kind != Path(plan.target)
    ]
    return audit_before_publish(
        staging,
        scheme=plan.scheme,
        data_folders=plan.folders,
        cycles=plan.cycles,
        related=related,
    )


def _is_public(folder: Path) -> bool:
    """Whether a published folder is of the public tier (its manifest says so)."""
    import json

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    tier = manifest.get("tier") or manifest.get("parameters", {}).get("tier")
    return tier == "public"


def cmd_audit_public(args) -> int:
    """``evalstats audit-public REPORT [LETTERS…]``: print each cell's verdict; exit 1 if one
    is pinned."""
    lang = getattr(args, "lang", None) or current_lang()
    scheme = load_scheme(args.scheme) if getattr(args, "scheme", None) else load_scheme()
    start = time.perf_counter()
    result = audit_folders([args.report, *args.letters], scheme=scheme)
    seconds = time.perf_counter() - start
    words = {
        "safe": ("安全", "safe"),
        "pinned": ("可被唯一推算", "pinned"),
        "inconsistent": ("数字矛盾", "inconsistent"),
    }
    i = 1 if lang == "en" else 0
    for r in result.itertuples(index=False):
        print(f"{r.cycle}\t{r.unit}\t{r.group}\t{r.dimension}\t{r.n_forms}\t{words[r.verdict][i]}")
    bad = int((result["verdict"] != "safe").sum())
    if lang == "en":
        print(f"{len(result)} cells audited in {seconds:.1f} s; {bad} pinned or inconsistent")
    else:
        print(f"审核了 {len(result)} 个单元格，用时 {seconds:.1f} 秒；{bad} 个可被推算或矛盾")
    return 1 if bad else 0


__all__ = [
    "audit_before_publish",
    "audit_folders",
    "audit_run",
    "check_release",
    "cmd_audit_public",
    "pinned_message",
    "read_release",
]
