"""The annex's scoring rules (评分规则): the report's rules, laid out as the letter's blocks.

The sentences are :func:`evalstats.present.rules.rules_text`'s — the ones the report and the
workbook print — for the letter's scheme, cycle kind and edition, naming the letter (本函) where
the report names itself.  Only the layout is the letter's: each part of the rules opens with a
公文 third-level heading run into its first sentence (``（一）评价等级与计分。测评表的…``), its
table follows as ``th`` / ``td`` blocks (:data:`~evalstats.present.letters.sections.CELL_SEP`
between the cells), which the Word and the HTML letter print as a table.

Examples
--------
>>> from evalstats.present.letters import blocks
>>> blocks(p, "rules", "zh")  # doctest: +SKIP
"""

from __future__ import annotations

from evalstats.present.letters.text import CELL_SEP, numeral
from evalstats.present.rules import rules_intro, rules_text


def _cells(values) -> str:
    return CELL_SEP.join(" ".join(str(v).split()) for v in values)  # no separator inside a cell


def _rules(p, lang, head):
    sections = rules_text(p.scheme, lang=lang, kind=p.kind, edition=p.tier, document="letter")
    out = [("p", rules_intro(p.scheme, lang=lang))]
    for n, sec in enumerate(sections, 1):
        lead = f"（{numeral(n)}）{sec.heading}。" if lang == "zh" else f"({n}) {sec.heading}. "
        first, *rest = sec.paragraphs
        out.append(("p", lead + first))
        out += [("p", text) for text in rest]
        if sec.header:
            out.append(("th", _cells(sec.header)))
            out += [("td", _cells(row)) for row in sec.rows]
    return out


BUILDERS = {
    "rules": _rules,
}
"""Section key → the function that writes that section's blocks from a profile."""

__all__ = [
    "BUILDERS",
]
