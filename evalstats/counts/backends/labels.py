"""Raw labels to the scheme's codes, matched as :func:`~evalstats.inputs.validate.validate_cycle`
matches them (NFKC, white space removed, case folded, aliases and paper digits).

Shared by the scan, the row checks, the row store and the streamed count.

Examples
--------
>>> from evalstats.counts.backends.labels import label_codes
>>> label_codes(["a", None, "z"], {"a": "A"}, ["A"]).tolist()
[0, -1, -2]
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.core.scheme import normalize_label


def label_codes(values, lookup: dict, categories) -> np.ndarray:
    """Code of each raw label: position in ``categories``, -1 blank, -2 unknown.

    Examples
    --------
    >>> label_codes(["a", " ", "b"], {"a": "A", "b": "B"}, ["B", "A"]).tolist()
    [1, -1, 0]
    """
    pos = {c: i for i, c in enumerate(categories)}
    out = np.empty(len(values), np.int32)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out[i] = -1
            continue
        key = normalize_label(v)
        out[i] = -1 if key == "" else pos.get(lookup.get(key), -2)
    return out


def nfkc_trim(arr):
    """NFKC + trim, '' → null: how io normalises a cell (arrow UDF for DuckDB).

    Examples
    --------
    >>> nfkc_trim(pa.array(["  Ａ ", " "])).to_pylist()
    ['A', None]
    """
    out = pc.utf8_trim_whitespace(pc.utf8_normalize(arr, "NFKC"))
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)


__all__ = ["label_codes", "nfkc_trim"]
