"""The veto (一票否决): which units are vetoed and why (:func:`apply_veto`).

Examples
--------
>>> c = pd.DataFrame({"cycle": ["2026H1"], "unit": ["A"], "composite": [57.3]})
>>> apply_veto(c)["veto_reason"].tolist()
['composite_below_threshold:57.3<60']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.stats.rank.checks import check_frame, check_numeric

__all__ = ["INCIDENT_REASON", "NOTE_SEPARATOR", "THRESHOLD_REASON", "VETO_COLUMNS", "apply_veto"]

VETO_COLUMNS = ["cycle", "unit", "veto", "veto_reason", "veto_note"]
INCIDENT_REASON = "incident"
THRESHOLD_REASON = "composite_below_threshold"
NOTE_SEPARATOR = "；"  # joins the 说明 of several incidents (notes are typed in Chinese)


def _format_below(value: float, threshold: float) -> str:
    """Shortest decimal text of ``value`` that still reads as below ``threshold``."""
    for digits in range(4, 18):
        text = f"{value:.{digits}g}"
        if float(text) < threshold:
            return text
    return repr(value)  # pragma: no cover - .17g round-trips every double


def _incident_kind(kind, scheme: Scheme) -> str:
    code = scheme.incident_kind_for(kind)
    if code is None:
        allowed = list(scheme.lookup("incident_kinds").values())
        allowed = list(dict.fromkeys(allowed))
        raise ValueError(
            f"incidents['kind'] has {kind!r}, which is not an incident kind of the scheme; "
            f"allowed: {allowed}"
        )
    return code


def _incident_note(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return " ".join(str(value).split())


def _incident_date(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    try:
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    except (ValueError, TypeError):  # a date typed in words stays as typed, minus separators
        return "".join(str(value).split()).replace(";", ",")


def apply_veto(
    composites: pd.DataFrame,
    *,
    incidents: pd.DataFrame | None = None,
    scheme: Scheme | None = None,
    score_column: str = "composite",
) -> pd.DataFrame:
    """Decide the veto (一票否决) of every unit and say why.

    A unit is vetoed when it has an incident in ``incidents`` (the caller passes the incidents
    that count: those of the cycle, or of the whole year for the annual result) or when its
    score is below ``scheme.rules.veto_threshold``.

    Parameters
    ----------
    composites : DataFrame
        One row per cycle × unit with columns ``cycle``, ``unit`` and ``score_column``.
    incidents : DataFrame, optional
        Columns ``unit``, ``kind`` (a code, label or alias of ``scheme.incident_kinds``) and
        optionally ``date``, ``note`` and ``cycle``.  With a ``cycle`` column an incident
        vetoes the unit in that cycle only; without one it vetoes the unit in every cycle of
        ``composites``.  Incidents of units not in ``composites`` are not used.
    scheme : Scheme, path or None
    score_column : str
        The score compared with the threshold (``"composite_year"`` for the annual result).

    Returns
    -------
    DataFrame
        ``cycle, unit, veto, veto_reason, veto_note`` aligned with ``composites`` (same
        index).
        ``veto_reason`` is ``""`` for a unit that is not vetoed, else the reasons joined by
        ``;``: ``incident:<kind code> <YYYY-MM-DD>`` per incident (by date, then kind) and
        ``composite_below_threshold:<score><<threshold>`` (the score written with as few
        digits as still show it is below).  :func:`evalstats.present.words.veto_sentence`
        turns it into words.  ``veto_note`` holds the incidents' 说明 (``note``; blanks
        left out), in the order of ``veto_reason``, joined by ``NOTE_SEPARATOR`` (``"；"``),
        so that the report and the letters can name what happened; ``""`` without a note.

    Examples
    --------
    >>> c = pd.DataFrame({"cycle": ["2026H1"] * 2, "unit": ["A", "B"], "composite": [57.3, 88]})
    >>> i = pd.DataFrame({"unit": ["B"], "date": ["2026-03-02"], "kind": ["重大责任事故"]})
    >>> apply_veto(c, incidents=i)["veto_reason"].tolist()
    ['composite_below_threshold:57.3<60', 'incident:major_accident 2026-03-02']
    """
    scheme = resolve_scheme(scheme)
    if not isinstance(score_column, str):
        raise TypeError(f"score_column must be a column name (str); got {score_column!r}")
    check_frame("composites", composites, ["cycle", "unit", score_column])
    score = check_numeric(f"composites[{score_column!r}]", composites[score_column])
    threshold = scheme.rules.veto_threshold
    cycles = composites["cycle"].astype(str).to_numpy()
    units = composites["unit"].astype(str).to_numpy()
    reasons: list[list[str]] = [[] for _ in range(len(composites))]
    notes: list[list[str]] = [[] for _ in range(len(composites))]

    if incidents is not None:
        check_frame("incidents", incidents, ["unit", "kind"])
        inc = pd.DataFrame(
            {
                "unit": incidents["unit"].astype(str).to_numpy(),
                "kind": pd.Series(
                    [_incident_kind(k, scheme) for k in incidents["kind"]], dtype=object
                ),
                "date": pd.Series(
                    [
                        _incident_date(v)
                        for v in (
                            incidents["date"] if "date" in incidents else [None] * len(incidents)
                        )
                    ],
                    dtype=object,
                ),
                "note": pd.Series(
                    [
                        _incident_note(v)
                        for v in (
                            incidents["note"] if "note" in incidents else [None] * len(incidents)
                        )
                    ],
                    dtype=object,
                ),
            }
        )
        if "cycle" in incidents.columns:
            inc["cycle"] = incidents["cycle"].astype(str).to_numpy()
        inc = inc.sort_values(["date", "kind", "unit"], kind="stable")
        inc["text"] = (
            INCIDENT_REASON + ":" + inc["kind"] + np.where(inc["date"] == "", "", " " + inc["date"])
        )
        by_unit: dict = {}
        keyed = "cycle" in inc.columns
        for row in inc.itertuples(index=False):  # incidents are few: a loop is fine
            key = (row.cycle, row.unit) if keyed else row.unit
            by_unit.setdefault(key, []).append((row.text, row.note))
        for i, (c, u) in enumerate(zip(cycles, units, strict=True)):
            found = by_unit.get((c, u) if keyed else u, [])
            reasons[i].extend(text for text, _ in found)
            notes[i].extend(note for _, note in found if note)

    below = np.flatnonzero(score < threshold)  # NaN compares False: no composite, no veto
    for i in below:
        reasons[i].append(f"{THRESHOLD_REASON}:{_format_below(score[i], threshold)}<{threshold:g}")
    text = [";".join(r) for r in reasons]
    values = [
        composites["cycle"].to_numpy(),
        composites["unit"].to_numpy(),
        np.array([bool(r) for r in reasons], dtype=bool),
        pd.array(text, dtype=object),
        pd.array([NOTE_SEPARATOR.join(n) for n in notes], dtype=object),
    ]
    return pd.DataFrame(dict(zip(VETO_COLUMNS, values, strict=True)), index=composites.index)
