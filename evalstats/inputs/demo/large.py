"""Large synthetic cycles for benchmarks: up to 10^8 forms written in chunks (CSV or Parquet)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from evalstats.core.config import resolve_path
from evalstats.core.cycles import cycle_year
from evalstats.core.options import check_option
from evalstats.core.scheme import Scheme, resolve_scheme
from evalstats.inputs.demo.town import (
    BLANK_P,
    COLLECTORS,
    COMMENTS_OTHER,
    HALO_SD,
    LARGE_FORMATS,
    NOISE_SD,
    TOWN,
    check_seed,
    csv_bytes,
    cut_points,
    group_profiles,
    levels_from_latent,
    unknown_dim,
)
from evalstats.inputs.template import response_headers

# ---------------------------------------------------------------------- large cycles
_TOWNS = (
    "城关", "东关", "西关", "南湖", "北山", "河口", "新集", "柳林", "桃园", "石桥",
    "杨庄", "李集", "王店", "高坪", "长岭", "青山", "白沙", "黄村", "双河", "太平",
)  # fmt: skip
_LARGE_ID_BASE = 10_000_000


def _large_units(n_units: int, scheme: Scheme) -> pd.DataFrame:
    base = [u for u in TOWN if "2026H1" in u.cycles]
    i = np.arange(n_units)
    b = i % len(base)
    t = i // len(base)
    names = []
    for k in range(n_units):
        town = _TOWNS[t[k] % len(_TOWNS)] + "镇"
        suffix = "" if t[k] < len(_TOWNS) else f"{t[k] // len(_TOWNS) + 1}"
        names.append(f"{town}{suffix}{base[b[k]].name}")
    return pd.DataFrame(
        {
            "unit": [f"u{k + 1:05d}" for k in range(n_units)],
            "name": names,
            "series": [
                scheme.series[base[j].series % len(scheme.series)].label_zh for j in b.tolist()
            ],
        }
    )


def _chunk_bounds(forms: int, chunk_size: int):
    """``(start, stop)`` of each chunk: ``ceil(forms / chunk_size)`` chunks covering 0..forms."""
    for start in range(0, forms, chunk_size):
        yield start, min(start + chunk_size, forms)


def _large_chunk(start: int, stop: int, rng, params: dict):
    """One chunk of a large cycle as a pyarrow Table (vectorised)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = stop - start
    n_units, n_dims = len(params["mu"]), params["n_dims"]
    unit = rng.integers(0, n_units, size=n)
    group = rng.choice(len(params["group_p"]), size=n, p=params["group_p"])
    halo = rng.normal(0.0, HALO_SD, size=n)
    y = (
        params["mu"][unit, None]
        + params["delta"][unit]
        + params["gamma"][group, None]
        + halo[:, None]
        + rng.normal(0.0, NOISE_SD, size=(n, n_dims))
    )
    level = levels_from_latent(y, params["cuts"]).astype(np.int32)
    if params["has_unknown"]:
        p_unknown = params["p_unknown"][group, None] * params["unknown_dim"]
        level[rng.random((n, n_dims)) < p_unknown] = params["n_valid"]
    level[rng.random((n, n_dims)) < BLANK_P] = -1

    # working hours, 08:30 to 17:30, on the 30 days of the collection month
    seconds = rng.integers(0, 30, size=n) * 86_400 + rng.integers(0, 9 * 3600 + 1, size=n)
    when = params["t0"] + seconds.astype("timedelta64[s]")
    comment_idx = np.where(
        rng.random(n) < 0.01, rng.integers(0, len(COMMENTS_OTHER), size=n), -1
    ).astype(np.int32)  # (tone ignored here)

    ids = pc.cast(pa.array(np.arange(start + 1, stop + 1) + _LARGE_ID_BASE), pa.string())
    columns = [
        ids,
        pa.DictionaryArray.from_arrays(pa.array(unit.astype(np.int32)), params["unit_dict"]),
        pa.DictionaryArray.from_arrays(pa.array(group.astype(np.int32)), params["group_dict"]),
    ]
    for d in range(n_dims):
        col = level[:, d]
        columns.append(
            pa.DictionaryArray.from_arrays(pa.array(col, mask=col < 0), params["level_dict"])
        )
    columns.append(
        pa.DictionaryArray.from_arrays(
            pa.array(comment_idx, mask=comment_idx < 0), params["comment_dict"]
        )
    )
    columns.append(pa.array(when, type=pa.timestamp("s")))
    collector = rng.integers(0, len(COLLECTORS), size=n).astype(np.int32)
    columns.append(pa.DictionaryArray.from_arrays(pa.array(collector), params["collector_dict"]))
    return pa.Table.from_arrays(columns, schema=params["schema"]), unit, group


def _large_params(scheme: Scheme, units: pd.DataFrame, rng, cycle: str) -> dict:
    import pyarrow as pa

    headers = response_headers(scheme)
    valid = [v for v in scheme.levels if v.valid]
    profiles = group_profiles(scheme)
    n_dims = len(scheme.dimensions)
    sizes = np.array([(lo + hi) / 2 for (lo, hi), _, _ in profiles])
    dict_type = pa.dictionary(pa.int32(), pa.string())
    fields = []
    for code, header in headers:
        if code == "form_id":
            fields.append(pa.field(header, pa.string()))
        elif code == "submitted_at":
            fields.append(pa.field(header, pa.timestamp("s")))
        else:
            fields.append(pa.field(header, dict_type))
    mu = rng.normal(0.2, 0.25, size=len(units))
    return {
        "n_dims": n_dims,
        "n_valid": len(valid),
        "has_unknown": len(valid) < len(scheme.levels),
        "cuts": cut_points(len(valid)),
        "mu": mu,
        "delta": rng.normal(0.0, 0.12, size=(len(units), n_dims)),
        "gamma": np.array([p[1] for p in profiles]),
        "p_unknown": np.array([p[2] for p in profiles]),
        "unknown_dim": unknown_dim(n_dims),
        "group_p": sizes / sizes.sum(),
        "t0": np.datetime64(f"{cycle_year(cycle) or 2026}-06-01T08:30:00", "s"),
        "unit_dict": pa.array(units["unit"].tolist(), pa.string()),
        "group_dict": pa.array([g.label_zh for g in scheme.groups], pa.string()),
        "level_dict": pa.array([v.label_zh for v in scheme.levels], pa.string()),
        "comment_dict": pa.array([t for t, _ in COMMENTS_OTHER], pa.string()),
        "collector_dict": pa.array(list(COLLECTORS), pa.string()),
        "schema": pa.schema(fields),
    }


def _csv_writer(path: Path, schema):
    """A chunk writer for CSV: UTF-8, header once, nulls as empty fields."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    plain = pa.schema(
        [
            pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type)
            for f in schema
        ]
    )

    class _Writer:
        def __init__(self):
            self._w = pacsv.CSVWriter(
                str(path), plain, write_options=pacsv.WriteOptions(quoting_style="needed")
            )

        def write_table(self, table):
            self._w.write_table(table.cast(plain))

        def close(self):
            self._w.close()

    return _Writer()


def write_large(
    out_dir: str | Path,
    *,
    forms: int,
    fmt: str = "csv",
    seed: int = 2026,
    cycle: str = "2026L",
    units: int = 200,
    chunk_size: int = 250_000,
    scheme: Scheme | str | Path | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a large synthetic cycle folder ``out_dir`` for benchmarks.

    Responses are generated and written chunk by chunk (vectorised with numpy, written with
    pyarrow: CSV appended chunk by chunk, Parquet one row group per chunk), so memory stays
    bounded by ``chunk_size`` whatever ``forms`` is.  Also writes ``units.csv`` and
    ``forms_issued.csv`` (issued = returned / a 70–95 % response rate).  Units are typed by
    code; levels and groups by their Chinese labels; ids are numeric text.

    Parameters
    ----------
    out_dir : str or Path
        The cycle folder to write (e.g. ``data/raw/2026L``); relative paths resolve from the
        project root.  Created if needed; an existing one is refused unless ``overwrite``.
    forms : int
        Number of forms (rows of responses), at least 1.
    fmt : {"csv", "parquet"}, optional
        ``responses.csv`` (UTF-8) or ``responses.parquet``.
    seed : int, optional
        Random seed; the same seed, ``forms`` and ``chunk_size`` give identical files.
    cycle : str, optional
        Cycle id (default ``"2026L"``); its leading year dates the forms.
    units : int, optional
        Number of units (default 200).
    chunk_size : int, optional
        Forms per chunk (default 250,000).
    scheme : Scheme, str, Path or None, optional
        Scheme whose headers and labels are used (default: the bundled one).
    overwrite : bool, optional
        Replace the files of an existing cycle folder (refused otherwise).

    Returns
    -------
    Path
        The cycle folder (``out_dir`` resolved).

    Raises
    ------
    ValueError
        A bad ``fmt``, ``forms``, ``units``, ``chunk_size`` or ``seed``.
    FileExistsError
        The cycle folder exists and ``overwrite`` is not set.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     folder = write_large(f"{d}/2026L", forms=1000)
    ...     sorted(p.name for p in folder.iterdir())
    ['forms_issued.csv', 'responses.csv', 'units.csv']
    """
    import pyarrow.parquet as pq

    fmt = check_option("fmt", fmt, LARGE_FORMATS)
    for name, value in (("forms", forms), ("units", units), ("chunk_size", chunk_size)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive whole number; got {value!r}")
    seed = check_seed(seed)
    if not isinstance(cycle, str) or not cycle.strip():
        raise ValueError(f"cycle must be a non-empty string such as '2026L'; got {cycle!r}")
    scheme = resolve_scheme(scheme)
    folder = resolve_path(out_dir)
    if folder.exists() and not overwrite:
        raise FileExistsError(
            f"cycle folder already exists: {folder}; use overwrite=True to replace its files"
        )
    folder.mkdir(parents=True, exist_ok=True)
    for old in ("responses.csv", "responses.parquet", "responses.xlsx"):
        if (folder / old).exists():
            (folder / old).unlink()

    rng = np.random.default_rng([seed, 7])
    unit_table = _large_units(int(units), scheme)
    params = _large_params(scheme, unit_table, rng, cycle)
    n_groups = len(scheme.groups)
    returned = np.zeros(int(units) * n_groups, dtype=np.int64)
    target = folder / f"responses.{fmt}"
    partial = folder / f".responses.{fmt}.partial"
    if fmt == "csv":
        writer = _csv_writer(partial, params["schema"])
    else:
        writer = pq.ParquetWriter(str(partial), params["schema"], compression="zstd")
    try:
        for start, stop in _chunk_bounds(int(forms), int(chunk_size)):
            table, unit, group = _large_chunk(start, stop, rng, params)
            writer.write_table(table)
            returned += np.bincount(unit * n_groups + group, minlength=len(returned))
            del table, unit, group
    finally:
        writer.close()
    os.replace(partial, target)

    hu = scheme.headers["units"]
    (folder / "units.csv").write_bytes(
        csv_bytes(unit_table.set_axis([hu["unit"][0], hu["name"][0], hu["series"][0]], axis=1))
    )
    rate = rng.uniform(0.70, 0.95, size=len(returned))
    issued = np.maximum(np.ceil(returned / rate).astype(np.int64), returned)
    keep = returned > 0
    hi = scheme.headers["forms_issued"]
    group_labels = np.asarray([g.label_zh for g in scheme.groups], dtype=object)
    unit_codes = unit_table["unit"].to_numpy(dtype=object)
    idx = np.flatnonzero(keep)
    (folder / "forms_issued.csv").write_bytes(
        csv_bytes(
            pd.DataFrame(
                {
                    hi["unit"][0]: unit_codes[idx // n_groups],
                    hi["group"][0]: group_labels[idx % n_groups],
                    hi["issued"][0]: issued[idx],
                }
            )
        )
    )
    return folder


__all__ = [
    "write_large",
]
