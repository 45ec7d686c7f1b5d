"""Loading a cycle's analysis for its units' letters: once per kernel, with the previous cycle.

:func:`load_analysis` runs the report's analysis of a cycle — the annual analysis for an annual
cycle with a half-year of its year, the half-year analysis otherwise — and keeps its last few
results in memory keyed by the *content* of the input files (sha256), the scheme and the
options.  Given a folder (``cache_dir=``, or the environment variable
``EVALSTATS_ANALYSIS_CACHE``), it also keeps each result there as a file named by that key
and the package's code, so that the kernels of a letters batch load the analysis its parent
computed once instead of each computing it (:mod:`evalstats.run.letters`).  The file is a
pickle: the folder must be one only this run writes (the batch's staging folder).
:func:`resolve_previous_cycle` decides which cycle a letter compares with (rules in
:mod:`evalstats.analyses.profile`).

Examples
--------
>>> derive_previous_cycle("2026H2")
'2026H1'
"""

from __future__ import annotations

import copyreg
import functools
import hashlib
import io
import os
import pickle
import threading
import types
from collections import OrderedDict
from pathlib import Path

from evalstats.analyses import cycle as _analysis
from evalstats.analyses.cycle import Analysis
from evalstats.analyses.cycle.parameters import locate_cycle
from evalstats.core.cycles import check_cycle, parse_cycle
from evalstats.core.cycles import previous_cycle as _previous_cycle
from evalstats.core.files import atomic_write_bytes, sha256_file
from evalstats.core.options import check_option
from evalstats.core.vocab import TIERS

NO_PREVIOUS = "none"
CACHE_SIZE = 4
"""How many :func:`load_analysis` results are kept in memory."""
CACHE_ENV = "EVALSTATS_ANALYSIS_CACHE"
"""Environment variable naming the folder where :func:`load_analysis` keeps its results as
files (the letters batch sets it for its kernels)."""


def derive_previous_cycle(cycle: str) -> str:
    """The cycle a letter compares with: ``2026A`` → ``2026H1``, ``2026H2`` → ``2026H1``,
    ``2026H1`` → ``2025A``; ``""`` for a cycle id of another form.

    Examples
    --------
    >>> derive_previous_cycle("2026A"), derive_previous_cycle("2026H1")
    ('2026H1', '2025A')
    """
    return _previous_cycle(cycle) if parse_cycle(cycle) else ""


def cycle_folder(data_dir, cycle: str) -> Path:
    """The folder of ``cycle``: ``<data_dir>/<cycle>``, or ``data_dir`` itself when it is that
    cycle's folder (relative paths resolve from the project root); the analyses' own
    :func:`~evalstats.analyses.cycle.parameters.locate_cycle`.

    Raises
    ------
    FileNotFoundError
        Neither exists.

    Examples
    --------
    >>> cycle_folder("data/raw", "2026A").name  # doctest: +SKIP
    '2026A'
    """
    return locate_cycle(data_dir, cycle)[0]


def resolve_previous_cycle(previous_cycle, cycle: str, folder: Path) -> str:
    """The previous cycle a letter compares with (``""``: none).

    ``""`` derives it (:func:`derive_previous_cycle`) when its folder sits beside ``folder``
    (the cycle's); ``"none"`` gives ``""``; another id must differ from ``cycle`` and have a
    folder beside the cycle's.

    Examples
    --------
    >>> resolve_previous_cycle("none", "2026A", Path("data/raw/2026A"))
    ''
    """
    if not isinstance(previous_cycle, str):
        raise TypeError(f"previous_cycle must be a str; got {previous_cycle!r}")
    prev = previous_cycle.strip()
    if prev.lower() == NO_PREVIOUS:
        return ""
    if prev == "":
        guess = derive_previous_cycle(cycle)
        return guess if guess and (folder.parent / guess).is_dir() else ""
    prev = check_cycle(prev, name="previous_cycle")
    if prev == cycle:
        raise ValueError(f"previous_cycle must differ from cycle; both are {cycle!r}")
    if not (folder.parent / prev).is_dir():
        raise FileNotFoundError(
            f"no folder for previous_cycle {prev!r}: looked for {folder.parent / prev}"
        )
    return prev


_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()


def _content_key(folders) -> tuple:
    """(path, sha256) of every input file of the folders: the cache key of their content."""
    files = []
    for f in folders:
        for p in sorted(f.iterdir()):
            if p.is_file() and not p.name.startswith(("~$", ".")):
                files.append((str(p.resolve()), sha256_file(p)))
    return tuple(files)


def _is_year(cycle: str, prev: str) -> bool:
    """An annual cycle combined with a half-year of its own year."""
    m, q = parse_cycle(cycle), parse_cycle(prev)
    return bool(m and q and m.kind == "annual" and q.kind != "annual" and m.year == q.year)


@functools.cache
def _code_digest() -> str:
    """sha256 of the package's Python files: an analysis file is valid for this code only."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def _proxy(items: dict) -> types.MappingProxyType:
    return types.MappingProxyType(items)


def _file_of(folder, key: tuple) -> Path:
    digest = hashlib.sha256(f"{key!r}\0{_code_digest()}".encode()).hexdigest()
    return Path(folder) / f"analysis-{digest}.pickle"


def _read_file(path: Path, key: tuple) -> Analysis | None:
    """The analysis kept in ``path`` for ``key``; None when there is none (or another's)."""
    try:
        stored_key, analysis = pickle.loads(path.read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError):
        return None
    return analysis if stored_key == key else None


def _write_file(path: Path, key: tuple, analysis: Analysis) -> None:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    # the scheme's tables are read-only mappings, which pickle does not know
    pickler.dispatch_table = {
        **copyreg.dispatch_table,
        types.MappingProxyType: lambda m: (_proxy, (dict(m),)),
    }
    pickler.dump((key, analysis))
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buffer.getvalue())


def load_analysis(
    cycle: str,
    *,
    data_dir="data/raw",
    scheme=None,
    previous_cycle: str = "",
    confidence_level: float | None = None,
    n_resamples: int = 10_000,
    seed: int | None = None,
    method: str = "wilson",
    tier: str = "internal",
    cache: bool = True,
    cache_dir: str | Path | None = None,
) -> Analysis:
    """The cycle's analysis — the report's — for its units' letters, computed once per kernel.

    Parameters
    ----------
    cycle : str
        Cycle id; its folder is ``<data_dir>/<cycle>`` (or ``data_dir`` is that folder).
    data_dir : str or Path
        Relative paths resolve from the project root.
    scheme : Scheme, path, "" or None
    previous_cycle : str
        ``""`` derives it (module docstring), ``"none"`` for no comparison.  For an annual
        cycle, a half-year of its year makes it the annual analysis.
    confidence_level : float, optional
        Default: the scheme's.
    n_resamples : int
        Bootstrap resamples of the ranking (as the report's).
    seed : int, optional
        The report's seed: the same seed gives the report's tables exactly.
    method : {"wilson", "clopper-pearson", "jeffreys"}
    tier : {"internal", "public"}
    cache : bool
        Keep the result in memory, keyed by the inputs' content and the options, and reuse it.
    cache_dir : str or Path, optional
        Also keep it in this folder, as a file named by that key and the package's code, and
        reuse a file found there (default: the folder ``EVALSTATS_ANALYSIS_CACHE`` names,
        else none).  The file is a pickle: name only a folder that this run alone writes.

    Returns
    -------
    Analysis
        :func:`evalstats.analyses.cycle.annual` (an annual cycle with its half-year) or
        :func:`evalstats.analyses.cycle.half_year` (with ``previous_cycle``), with
        :attr:`~evalstats.analyses.cycle.Analysis.change` when there is a previous cycle.

    Examples
    --------
    >>> a = load_analysis("2026A", n_resamples=500, seed=1)  # doctest: +SKIP
    >>> a.kind, a.options["half_year_cycle"]  # doctest: +SKIP
    ('annual', '2026H1')
    """
    cycle = check_cycle(cycle)
    tier = check_option("tier", tier, TIERS)
    scheme, level, n_resamples, seed, method = _analysis.resolve_options(
        scheme, confidence_level, n_resamples, seed, method
    )
    folder = cycle_folder(data_dir, cycle)
    prev = resolve_previous_cycle(previous_cycle, cycle, folder)
    folders = [folder] + ([folder.parent / prev] if prev else [])
    if cache_dir is None:
        cache_dir = os.environ.get(CACHE_ENV, "").strip() or None
    key = file = None
    if cache or cache_dir is not None:
        content = _content_key(folders)
        key = (content, cycle, prev, scheme.sha256, level, n_resamples, seed, method, tier)
    if cache:
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
    if cache_dir is not None:
        file = _file_of(cache_dir, key)
        out = _read_file(file, key) if file.is_file() else None
        if out is not None:
            return _keep(key, out) if cache else out
    options = dict(
        data_dir=data_dir,
        scheme=scheme,
        confidence_level=level,
        n_resamples=n_resamples,
        seed=seed,
        method=method,
        tier=tier,
    )
    if _is_year(cycle, prev):
        out = _analysis.annual(cycle, half_year_cycle=prev, **options)
    else:
        out = _analysis.half_year(cycle, previous_cycle=prev or None, **options)
    if file is not None:
        _write_file(file, key, out)
    return _keep(key, out) if cache else out


def _keep(key: tuple, analysis: Analysis) -> Analysis:
    """Keep ``analysis`` in memory under ``key`` (the last :data:`CACHE_SIZE`)."""
    with _CACHE_LOCK:
        _CACHE[key] = analysis
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return analysis


def clear_cache() -> None:
    """Forget the analyses :func:`load_analysis` kept in memory."""
    with _CACHE_LOCK:
        _CACHE.clear()


__all__ = [
    "CACHE_ENV",
    "CACHE_SIZE",
    "NO_PREVIOUS",
    "clear_cache",
    "cycle_folder",
    "derive_previous_cycle",
    "load_analysis",
    "resolve_previous_cycle",
]
