"""Writing the validated tables to ``data/interim/<cycle>/`` (Parquet plus a manifest).

:func:`write_interim` writes, for one :class:`~evalstats.inputs.validate.ValidatedCycle`:

=========================  ==================================================================
``forms.parquet``          the forms table (:mod:`evalstats.inputs.forms`), one row per counted form
``forms_long.parquet``     the long view, one row per form × dimension
``voided.parquet``         forms voided by the office, with ``reason``
``duplicates.parquet``     copies of forms typed twice (counted once)
``units.parquet``          ``unit, name, series, name_en``
``exclusions.parquet``     ``form_id, reason`` as listed
``incidents.parquet``      ``unit, date, kind, note``
``forms_issued.parquet``   ``unit, group, issued`` (only when a forms-issued file was given)
``problems.parquet``       the warnings (a folder is only written for data without errors)
``manifest.json``          inputs (file, sha256, size, encoding, rows), row counts, scheme name
                           and sha256, package version, respondent identifiers (columns found,
                           ``pseudonymised`` / ``dropped`` / ``none``, the pseudonym key's
                           fingerprint ``key_id``), and the sha256 of every file written
=========================  ==================================================================

Respondent identifiers never reach these files: validation has already replaced them by keyed
pseudonyms (the ``respondent`` column of ``forms.parquet`` and ``voided.parquet``) or dropped
them (:mod:`evalstats.inputs.pseudonym`).

The output is deterministic: no timestamps, fixed column order and Parquet settings, so two runs
on the same inputs give byte-identical files.  The folder is written to a temporary sibling and
renamed into place, so a crash never leaves a half-written folder behind.

Examples
--------
>>> from evalstats.inputs.validate import validate_cycle
>>> from evalstats.inputs.interim import write_interim
>>> write_interim(validate_cycle("data/raw/2026H1"))  # doctest: +SKIP
PosixPath('.../data/interim/2026H1')
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from evalstats.core.config import interim_dir, resolve_path
from evalstats.core.errors import InputError, UsageError
from evalstats.core.files import inside, sha256_file

MANIFEST = "manifest.json"
PARQUET_OPTIONS = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
}


def _arrow_table(df: pd.DataFrame) -> pa.Table:
    """DataFrame → Arrow table; all-missing text columns typed as string, not null."""
    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    fields = [
        pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in table.schema
    ]
    schema = pa.schema(fields, metadata=table.schema.metadata)
    return table.cast(schema) if schema != table.schema else table


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    pq.write_table(_arrow_table(df), path, **PARQUET_OPTIONS)


def _jsonable(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):  # numpy / pandas scalars
        return value.item()
    return value


def _default_target(cycle: str) -> Path:
    """``data/interim/<cycle>``, for a cycle id only: never a folder outside ``data/interim``."""
    from evalstats.core.cycles import check_cycle

    try:
        cycle = check_cycle(cycle)
    except ValueError as exc:
        raise UsageError(
            f"cannot write the validated tables: {exc}; give --cycle, or --interim DIR",
            zh=f"无法写出检查后的表格：期次编号不对：{cycle!r}（应写成如 2026H1、2026A）；"
            "请用 --cycle 给出期次编号，或用 --interim 指定文件夹",
        ) from None
    base = interim_dir()
    target = base / cycle
    if not inside(target, base) or os.path.realpath(target) == os.path.realpath(base):
        raise UsageError(
            f"cannot write the validated tables: {target} is not inside {base}",
            zh=f"无法写出检查后的表格：{target} 不在 {base} 之内",
        )
    return target


def write_interim(validated, out_dir=None) -> Path:
    """Write a validated cycle as Parquet tables plus ``manifest.json``.

    Parameters
    ----------
    validated : ValidatedCycle
        The result of :func:`evalstats.inputs.validate.validate_cycle`, without errors.
    out_dir : str or Path, optional
        Target folder; default ``data/interim/<cycle>`` under the project root.  Relative
        paths resolve from the project root.  An existing folder is replaced only if it holds
        a ``manifest.json`` (an earlier run) or is empty.

    Returns
    -------
    Path
        The folder written.

    Raises
    ------
    InputError
        ``validated`` still has errors.
    FileExistsError
        ``out_dir`` exists, is not empty and is not an evalstats interim folder.
    UsageError
        No ``out_dir`` and the cycle is not a cycle id
        (:func:`evalstats.core.cycles.check_cycle`), so its folder would not lie in
        ``data/interim`` (``../../..``).
    TypeError
        ``validated`` is not a ValidatedCycle.

    Examples
    --------
    >>> path = write_interim(validate_cycle("data/raw/2026H1"), "/tmp/interim")  # doctest: +SKIP
    >>> sorted(p.name for p in path.iterdir())[:2]  # doctest: +SKIP
    ['duplicates.parquet', 'exclusions.parquet']
    """
    from evalstats.core.version import __version__
    from evalstats.inputs.validate import ValidatedCycle

    if not isinstance(validated, ValidatedCycle):
        raise TypeError(f"validated must be a ValidatedCycle; got {type(validated).__name__}")
    if not validated.ok:
        raise InputError(validated.problems)
    target = _default_target(validated.cycle) if out_dir is None else resolve_path(out_dir)
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).is_file():
        raise FileExistsError(
            f"{target} is not empty and holds no {MANIFEST}: not an evalstats interim folder; "
            "refusing to replace it"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    for leftover in (tmp, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    tables = {
        "forms": validated.forms,
        "forms_long": validated.long(),
        "voided": validated.voided,
        "duplicates": validated.duplicates,
        "units": validated.units,
        "exclusions": validated.exclusions,
        "incidents": validated.incidents,
        "forms_issued": validated.forms_issued,
        "problems": validated.problems,
    }
    tmp.mkdir()
    try:
        outputs = {}
        for name, df in tables.items():
            if df is None:
                continue
            path = tmp / f"{name}.parquet"
            _write_parquet(df, path)
            outputs[path.name] = {"rows": len(df), "sha256": sha256_file(path)}
        s = validated.summary()
        scheme = validated.scheme
        manifest = {
            "cycle": validated.cycle,
            "evalstats_version": __version__,
            "scheme": {
                "name": scheme.name,
                "version": scheme.version,
                "source": scheme.source,
                "sha256": scheme.sha256,
            },
            "inputs": [
                {k: _jsonable(v) for k, v in row.items()}
                for row in validated.inputs.to_dict(orient="records")
            ],
            "encodings": s["encodings"],
            "identifiers": s["identifiers"],
            "counts": {
                k: s[k]
                for k in (
                    "forms_read",
                    "duplicates_collapsed",
                    "voided",
                    "forms_counted",
                    "forms_by_group",
                    "answers",
                    "units",
                    "units_with_forms",
                    "errors",
                    "warnings",
                )
            },
            "outputs": outputs,
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        (tmp / MANIFEST).write_text(text, encoding="utf-8")
        if target.exists():
            target.rename(old)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not target.exists():
            old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return target


__all__ = [
    "MANIFEST",
    "PARQUET_OPTIONS",
    "write_interim",
]
