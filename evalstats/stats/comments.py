"""Comments sorted into kinds — 批评, 建议, 表扬, 意见 — by the scheme's transparent rule
(:func:`comment_kinds`).

Examples
--------
>>> comment_kinds(["工作人员服务热情，希望继续保持。", "办事慢，态度差", "建议公开指南"]).tolist()
['praise', 'criticism', 'suggestion']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.scheme import COMMENT_FALLBACK_KIND, Scheme, normalize_label, resolve_scheme

__all__ = ["comment_kinds"]


def _missing(value) -> bool:
    return (
        value is None or (not isinstance(value, str) and pd.isna(value)) or str(value).strip() == ""
    )


def _sorted_kinds(comments, typed, scheme: Scheme) -> pd.Series:
    """:func:`comment_kinds` after ``scheme`` is resolved."""
    texts = pd.Series(comments, dtype=object) if not isinstance(comments, pd.Series) else comments
    if typed is None:
        typed = pd.Series([None] * len(texts), index=texts.index, dtype=object)
    else:
        typed = list(typed)
    if len(typed) != len(texts):
        raise ValueError(
            f"typed has {len(typed)} values for {len(texts)} comments; pass one per comment"
        )
    kinds = np.empty(len(texts), dtype=object)
    rules = [
        (k.code, [normalize_label(w) for w in k.keywords])
        for k in scheme.comment_kinds
        if k.keywords
    ]
    bad = []
    for i, (text, kind) in enumerate(zip(texts, typed, strict=True)):
        if not _missing(kind):
            code = scheme.comment_kind_for(kind)
            if code is None:
                bad.append(kind)
                continue
            kinds[i] = code
            continue
        norm = "" if _missing(text) else normalize_label(text)
        for code, words in rules:
            if any(w in norm for w in words):
                kinds[i] = code
                break
        else:
            kinds[i] = COMMENT_FALLBACK_KIND
    if bad:
        allowed = [k.label_zh for k in scheme.comment_kinds]
        raise ValueError(
            f"typed has {sorted(set(map(str, bad)))}, which are not comment kinds of the scheme; "
            f"allowed: {allowed}"
        )
    return pd.Series(kinds, index=texts.index, dtype=object, name="kind")


def comment_kinds(comments, *, typed=None, scheme: Scheme | None = None) -> pd.Series:
    """Sort comments into the scheme's kinds (``[[comment_kinds]]``: 批评, 建议, 表扬, 意见).

    Parameters
    ----------
    comments : array-like or Series of str
        The comments' text.
    typed : array-like or Series, optional
        A kind typed by staff for each comment (the optional 意见类别 column: a label, code or
        alias of ``scheme.comment_kinds``; blank where not typed).  A typed kind wins over the
        keywords.
    scheme : Scheme, path or None

    Returns
    -------
    Series
        Kind codes aligned with ``comments`` (name ``"kind"``).

    Raises
    ------
    ValueError
        A typed kind is not a kind of the scheme (all of them named at once).

    Notes
    -----
    The rule is transparent and lives in the scheme: the kinds are tried in scheme order and a
    comment takes the first kind one of whose ``keywords`` it contains (after NFKC
    normalisation, spaces removed, case folded — as every label is matched); with none, it
    is ``other`` (意见).  The bundled order is 批评, 表扬, 建议, so "服务不热情" (criticism) is not
    read as praise and "服务热情，希望继续保持" (praise) not as a suggestion.

    Examples
    --------
    >>> comment_kinds(["希望简化流程", "谢谢"], typed=["", "表扬"]).tolist()
    ['suggestion', 'praise']
    """
    return _sorted_kinds(comments, typed, resolve_scheme(scheme))
