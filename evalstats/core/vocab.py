"""Shared vocabulary: the option values every layer accepts, defined once.

Modules import these instead of spelling the tuples again, so an added language or tier is
added in one place.

Examples
--------
>>> from evalstats.core.vocab import LANGS, TIERS
>>> LANGS, TIERS
(('zh', 'en'), ('internal', 'public'))
"""

from __future__ import annotations

__all__ = ["ANALYSIS_KINDS", "LANGS", "TIERS", "VERDICTS"]

LANGS = ("zh", "en")
"""Languages of words, labels and letters: Chinese (the default) and English."""

TIERS = ("internal", "public")
"""Publication tiers: the full internal edition and the disclosure-controlled public one."""

ANALYSIS_KINDS = ("half_year", "annual")
"""The two analyses of a cycle (as option values; the runner's folders use ``half-year``)."""

VERDICTS = ("improved", "declined", "no_clear_change", "absent")
"""Codes of a change since the previous cycle, as the comparison tables hold them."""
