"""Text safe for a document: the characters no page, letter, table or figure may carry.

Free text typed into a form (a comment, a unit's name, an incident's note) reaches the report,
the workbook, the letters and the figures.  Some characters must not: C0 and C1 control
characters (python-docx and lxml refuse them, so one ``\\x07`` in a comment made a unit's Word
letter fail), DEL, the bidirectional embedding / override / isolate controls (U+202A–U+202E,
U+2066–U+2069: ``U+202E`` shows ``txt.exe`` as ``exe.txt``), the invisible marks and
zero-width characters that hide or reorder text (U+200B, U+200E, U+200F, U+061C, U+180E,
U+2060–U+2064, U+FEFF) and the non-characters U+FFFE / U+FFFF.  Tab, newline and carriage
return are kept (a document lays them out); ZWJ / ZWNJ (U+200C, U+200D) are kept (they join
emoji and shape scripts).

This module is the one home of that rule: validation names such characters
(:func:`unsafe_characters`, a warning in a comment, an error in a unit's name) and every
document writer removes them (:func:`document_text`; the report's tables and page,
:mod:`evalstats.present.report.safety`, use the same :data:`UNSAFE_CHARS`).

Examples
--------
>>> document_text("办事\\x07拖拉\\u202e")
'办事拖拉'
>>> unsafe_characters("a\\u202eb\\x07c\\u202e")
['U+202E', 'U+0007']
"""

from __future__ import annotations

import re

__all__ = ["UNSAFE_CHARS", "document_text", "unsafe_characters"]

_INVISIBLE = (0x061C, 0x180E, 0x200B, 0x200E, 0x200F, *range(0x2060, 0x2065), 0xFEFF)
_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))

UNSAFE_CHARS = (
    "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"
    + "".join(chr(c) for c in (*_BIDI, *_INVISIBLE))
    + "\ufffe\uffff]"
)
"""A character class (Python ``re`` and RE2 / pyarrow accept it) of the characters a document
must not carry: C0 controls but tab, newline and carriage return; DEL; C1 controls; the bidi
embedding, override and isolate controls; invisible marks and zero-width characters; U+FFFE
and U+FFFF."""

_UNSAFE = re.compile(UNSAFE_CHARS)
_SURROGATES = re.compile("[\ud800-\udfff]")


def unsafe_characters(text) -> list[str]:
    """The unsafe characters of ``text`` (:data:`UNSAFE_CHARS`), each once, in order of first
    appearance, written ``U+XXXX``; ``[]`` for a text without any, or a non-string.

    Examples
    --------
    >>> unsafe_characters("正常"), unsafe_characters("\\u200b好")
    ([], ['U+200B'])
    """
    if not isinstance(text, str):
        return []
    found = dict.fromkeys(f"U+{ord(c):04X}" for c in _UNSAFE.findall(text))
    return list(found)


def document_text(text: str) -> str:
    """``text`` without the characters of :data:`UNSAFE_CHARS`, unpaired surrogates replaced
    by U+FFFD: what a letter, a page or a figure may show.

    Raises
    ------
    TypeError
        ``text`` is not a str.

    Examples
    --------
    >>> document_text("\\u202e反转\\u200b文字\\t和换行\\n")
    '反转文字\\t和换行\\n'
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str; got {type(text).__name__}")
    return _UNSAFE.sub("", _SURROGATES.sub("\ufffd", text))
