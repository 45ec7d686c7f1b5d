"""The letter's sections as plain-text blocks (:func:`blocks`, used by the Word letter) or
Markdown (:func:`section`, for the notebook).

Examples
--------
>>> from evalstats.present.letters import section
>>> print(section(p, "headline"))  # doctest: +SKIP
"""

from __future__ import annotations

import html
import re

from evalstats.core.options import check_option
from evalstats.core.vocab import LANGS
from evalstats.present.letters import closing, results, since
from evalstats.present.letters.text import (
    HEADINGS,
    SECTIONS,
    lang_index,
)

_BUILDERS = {**results.BUILDERS, **since.BUILDERS, **closing.BUILDERS}
"""Section key → its builder (every key of :data:`SECTIONS`)."""


def _md(text: str) -> str:
    """Escape text for Markdown and HTML (entities, punctuation backslash-escaped, one line)."""
    text = " ".join(str(text).split())
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>])", r"\\\1", html.escape(text, quote=False))


def blocks(profile, key: str, lang: str = "zh") -> list[tuple[str, str]]:
    """A section of the letter as plain-text blocks ``(kind, text)``.

    ``kind`` is ``"title"``, ``"h2"`` (the section heading), ``"p"`` or ``"li"``; the text is
    not escaped.  Sections without content (``suppression`` in the internal tier) are ``[]``.

    Parameters
    ----------
    profile : UnitProfile
    key : str
        One of :data:`SECTIONS`.
    lang : {"zh", "en"}
    """
    i = lang_index(lang)
    key = check_option("key", key, SECTIONS)
    body = _BUILDERS[key](profile, LANGS[i])
    if not body or key in ("title", "opening"):
        return body
    return [("h2", HEADINGS[key][i]), *body]


def section(profile, key: str, lang: str = "zh") -> str:
    """A section of the letter as Markdown (every text escaped), for the notebook.

    Examples
    --------
    >>> from evalstats.analyses.profile import unit_profile
    >>> p = unit_profile("finance_office", cycle="2026A", n_resamples=200, seed=1)  # doctest: +SKIP
    >>> print(section(p, "headline"))  # doctest: +SKIP
    """
    lines = []
    prefix = {"title": "# ", "h2": "## ", "p": "", "li": "- "}
    for kind, text in blocks(profile, key, lang):
        if lines and (kind != "li" or not lines[-1].startswith("- ")):
            lines.append("")
        lines.append(prefix[kind] + _md(text))
    return "\n".join(lines)


__all__ = [
    "blocks",
    "section",
]
