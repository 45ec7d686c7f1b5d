"""evalstats: survey analysis for government-conduct evaluations (政风行风测评 / 民主评议).

The package is layered; each layer imports only from the layers below it::

    run        the runner, publication, letters batch, verify, the command line
    present    words (zh, en), number formats, tables, figures, HTML, workbook, Word
    analyses   the half-year and annual analyses and the unit profile: one result each
    stats      intervals, tests, scores, ranks, comparisons, reliability, quality, disclosure
    counts     the tally (counts per cell, the sufficient statistic) and its backends
    inputs     reading, validation, pseudonyms, interim files, entry template, demo data
    core       errors, options, vocabulary, cycle ids, files, paths, the scheme

The names below are importable from the top (``from evalstats import tally``) and load their
layer on first use, so ``import evalstats`` stays fast.  Modules that moved when the package was
layered (``evalstats.analysis``, ``evalstats.narrative``, …) still import, with a
:class:`DeprecationWarning` naming the new home.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

from evalstats.core.version import __version__

#: Public names of the top level and the module each lives in.
_EXPORTS = {
    "EvalstatsError": "evalstats.core.errors",
    "InputError": "evalstats.core.errors",
    "RunError": "evalstats.core.errors",
    "SchemeError": "evalstats.core.errors",
    "Scheme": "evalstats.core.scheme",
    "load_scheme": "evalstats.core.scheme",
    "ConfidenceInterval": "evalstats.stats.intervals",
    "proportion_ci": "evalstats.stats.intervals",
    "apply_veto": "evalstats.stats.rank",
    "grade_for": "evalstats.stats.rank",
    "rank_uncertainty": "evalstats.stats.rank",
    "rank_units": "evalstats.stats.rank",
    "composite_year": "evalstats.stats.score",
    "composites": "evalstats.stats.score",
    "metrics": "evalstats.stats.score",
    "scores_table": "evalstats.stats.score",
    "weighted_scores": "evalstats.stats.score",
    "add_tallies": "evalstats.counts.tally",
    "pattern_counts": "evalstats.counts.tally",
    "tally": "evalstats.counts.tally",
    "tally_from_patterns": "evalstats.counts.tally",
}

#: Modules of the flat package before it was layered, and where they live now (a module split
#: between layers names each new home, looked up in that order).
MOVED = {
    "evalstats.errors": "evalstats.core.errors",
    "evalstats._options": "evalstats.core.options",
    "evalstats.config": "evalstats.core.config",
    "evalstats.scheme": "evalstats.core.scheme",
    "evalstats.io": "evalstats.inputs.read",
    "evalstats.validate": "evalstats.inputs.validate",
    "evalstats.forms": "evalstats.inputs.forms",
    "evalstats.pseudonym": "evalstats.inputs.pseudonym",
    "evalstats.interim": "evalstats.inputs.interim",
    "evalstats.template": "evalstats.inputs.template",
    "evalstats.demo": "evalstats.inputs.demo",
    "evalstats.backends": "evalstats.counts.backends",
    "evalstats.intervals": "evalstats.stats.intervals",
    "evalstats.multitest": "evalstats.stats.multitest",
    "evalstats.score": "evalstats.stats.score",
    "evalstats.rank": "evalstats.stats.rank",
    "evalstats.compare": "evalstats.stats.compare",
    "evalstats.reliability": "evalstats.stats.reliability",
    "evalstats.quality": "evalstats.stats.quality",
    "evalstats.privacy": "evalstats.stats.privacy",
    "evalstats.pipeline": "evalstats.stats.pipeline",
    "evalstats.analysis": "evalstats.analyses",
    "evalstats.profile": "evalstats.analyses.profile",
    "evalstats.labels": "evalstats.present.labels",
    "evalstats.narrative": "evalstats.present.narrative",
    "evalstats.report": "evalstats.present.report",
    "evalstats.plot": "evalstats.present.plot",
    "evalstats.letters": "evalstats.present.letters evalstats.run.letters",
    "evalstats.verify": "evalstats.run.verify",
    "evalstats.cli": "evalstats.run.cli",
}

__all__ = ["MOVED", "__version__", *sorted(_EXPORTS)]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'evalstats' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_EXPORTS})


class _MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import a moved module under its old name, warning once where it lives now."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return None  # the default: a new, empty module

    def exec_module(self, module):
        new = MOVED[module.__name__]
        warnings.warn(
            f"{module.__name__} moved to {' and '.join(new.split())} when evalstats was layered; "
            f"import {new.split()[0]}",
            DeprecationWarning,
            stacklevel=2,
        )
        targets = [importlib.import_module(name) for name in new.split()]

        def __getattr__(name: str):
            # each new home in turn, its own module __getattr__ (moved names) included
            for target in targets:
                try:
                    return getattr(target, name)
                except AttributeError:
                    continue
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

        module.__getattr__ = __getattr__
        module.__all__ = sorted({n for t in targets for n in getattr(t, "__all__", ())})


if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
    sys.meta_path.append(_MovedFinder())
