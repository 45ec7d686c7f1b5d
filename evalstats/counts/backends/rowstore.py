"""The counted forms of a cycle counted out of core, kept in DuckDB for the row checks.

:class:`RowStore` holds one temporary DuckDB table per counted form (``coded``) and per voided
form (``voided``); the data-quality checks (:mod:`evalstats.stats.quality`) and the comments
table query it and bring into memory only the rows they need.

Examples
--------
>>> from evalstats.counts.backends import count_cycle
>>> with count_cycle("data/raw/2026L", backend="duckdb", keep_rows=True).rows as store:
...     store.forms("straight")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evalstats.counts.backends.duckdb import SqlFragments, connect, register_maps
from evalstats.counts.backends.labels import nfkc_trim
from evalstats.counts.backends.scan import ScannedCycle
from evalstats.counts.backends.source import EXTRA

NULL_KEY = "\x01"
"""Join key of a NULL label in the mapping tables."""


def text_map(values, kind: str) -> pd.DataFrame:
    """Distinct raw texts → the text validate_cycle keeps (``raw`` NULL-free, ``value``).

    Examples
    --------
    >>> text_map([" a ", None], "comment")["value"].tolist()
    ['a']
    """
    raw = [v for v in values if v is not None]
    arr = pa.array(raw, pa.string())
    if kind == "comment":  # free text: only trimmed
        out = pc.utf8_trim_whitespace(arr)
        out = pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)
    else:
        out = nfkc_trim(arr)
    frame = pd.DataFrame({"raw": pd.Series(raw, dtype=object)})
    if kind == "submitted_at":
        from evalstats.inputs.validate import parse_dates

        parsed, _bad = parse_dates(np.asarray(out.to_pylist(), dtype=object))
        frame["value"] = pd.Series(parsed, dtype="datetime64[ns]")
    else:
        frame["value"] = pd.Series(out.to_pylist(), dtype=object)
    return frame


def _answer_sql(scheme, lv: list) -> dict:
    """SQL of a form's answer ``pattern`` (one digit per dimension, blank the last digit) and
    whether it is ``straight`` (one valid level throughout) and ``varied``."""
    nl = len(scheme.level_codes)
    base = nl + 1
    digit = [f"(CASE WHEN {x} < 0 THEN {nl} ELSE {x} END)" for x in lv]
    pattern = "0"
    for x in digit:
        pattern = f"({pattern} * {base} + {x})"
    valid = [i for i, v in enumerate(scheme.levels) if v.valid]
    if lv:
        straight = " AND ".join(
            [f"{lv[0]} IN ({', '.join(map(str, valid)) or '-9'})"]
            + [f"{x} = {lv[0]}" for x in lv[1:]]
        )
        lo = ", ".join(f"(CASE WHEN {x} >= 0 THEN {x} ELSE {nl + 9} END)" for x in lv)
        hi = ", ".join(lv)
        varied = f"least({lo}) < greatest({hi})"
    else:
        straight = varied = "false"
    return {"pattern": pattern, "straight": straight, "varied": varied}


def _text_tables(con, sql: SqlFragments, extra: list) -> list:
    """Tables ``t_<column>`` of the free-text columns' distinct values; their joins."""
    joins = []
    for c in extra:
        values = [
            v
            for (v,) in con.execute(f"SELECT DISTINCT {sql.col(c)} FROM {sql.agg_from}").fetchall()
        ]
        con.register(f"_t_{c}_df", text_map(values, c))
        con.execute(f"CREATE OR REPLACE TEMP TABLE t_{c} AS SELECT * FROM _t_{c}_df")
        con.unregister(f"_t_{c}_df")
        joins.append(f"LEFT JOIN t_{c} ON r.r_{c} = t_{c}.raw")
    return joins


def _uncounted_conditions(con, unc: dict) -> dict:
    """Table → SQL condition on ``r.row``: the counted forms (``coded``) and the voided ones."""
    rows = {"coded": "true", "voided": "false"}
    if len(unc["row"]):
        frame = pd.DataFrame({"row": np.asarray(unc["row"], np.int64), "void": unc["void"]})
        con.register("_unc_df", frame)
        con.execute("CREATE OR REPLACE TEMP TABLE uncounted AS SELECT * FROM _unc_df")
        con.unregister("_unc_df")
        rows["coded"] = "r.row NOT IN (SELECT row FROM uncounted)"
        rows["voided"] = "r.row IN (SELECT row FROM uncounted WHERE void)"
    return rows


class RowStore:
    """The counted forms of a cycle counted out of core, in DuckDB, for the row checks.

    Built by :func:`count_cycle` with ``keep_rows=True`` (duckdb and dask backends): one
    temporary DuckDB table ``coded`` holds, per counted form, its row, form id, unit, group
    and level codes, answer pattern, whether it is straight and varied, and the comment,
    collector and submission time as :func:`~evalstats.inputs.validate.validate_cycle` reads them
    (same normalisation, same date parsing).  Forms not counted (errors, voided forms, the
    later copies of forms typed twice) are not in it; neither are respondent identifiers.
    The data-quality checks (:mod:`evalstats.stats.quality`) and the comments table query it and
    bring into memory only the rows they need (:meth:`forms`).

    Close it (:meth:`close`, or leave the ``with`` block) to drop the table and the staged
    responses; it is closed when garbage-collected.

    Examples
    --------
    >>> with RowStore(scanned, holder) as store:  # doctest: +SKIP
    ...     store.collector_straight()
    """

    def __init__(self, scanned: ScannedCycle, holder, memory_limit=None, threads=None):
        self.scanned = scanned
        self._holder = holder
        self.con = connect(memory_limit, threads, holder.name)
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        """Drop the DuckDB table and the staged files."""
        con, self.con = getattr(self, "con", None), None
        if con is not None:
            con.close()
        holder, self._holder = getattr(self, "_holder", None), None
        if holder is not None:
            holder.cleanup()

    def __del__(self):  # pragma: no cover - depends on the garbage collector
        with contextlib.suppress(Exception):
            self.close()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        scanned, con = self.scanned, self.con
        scheme = scanned.scheme
        src = scanned.source
        register_maps(con, scanned.labels.raw, scanned.labels.codes)
        sql = SqlFragments(src, scheme)
        dims = sql.dims
        extra = [c for c in EXTRA if c in src.columns]
        self.extra = tuple(extra)
        # each form's respondent: a wide file's row id (widestage), a long file's respondent
        # column or identifiers' pseudonyms (source.RESPONDENT)
        self.respondent = "respondent" in src.columns
        inner = [
            f"{src.row_sql} AS row",
            f"{sql.fid()} AS form_id",
            f"coalesce({sql.col('unit')}, '{NULL_KEY}') AS r_u",
            f"coalesce({sql.col('group')}, '{NULL_KEY}') AS r_g",
            *(f"coalesce({sql.col(d)}, '{NULL_KEY}') AS r_{j}" for j, d in enumerate(dims)),
            *(f"{sql.col(c)} AS r_{c}" for c in extra),
            *([f"{sql.col('respondent')} AS r_respondent"] if self.respondent else []),
        ]
        for kind in ("unit", "group", "level"):
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE j_{kind} AS SELECT coalesce(raw, '{NULL_KEY}') "
                f"AS k, code FROM map_{kind}"
            )
        joins = [
            "JOIN j_unit mu ON r.r_u = mu.k",
            "JOIN j_group mg ON r.r_g = mg.k",
            *(f"JOIN j_level m{j} ON r.r_{j} = m{j}.k" for j in range(len(dims))),
            *_text_tables(con, sql, extra),
        ]
        lv = [f"m{j}.code" for j in range(len(dims))]
        answer = _answer_sql(scheme, lv)
        select = [
            "r.row AS row",
            "r.form_id AS form_id",
            "mu.code AS u",
            "mg.code AS g",
            *(f"{x}::TINYINT AS l{j}" for j, x in enumerate(lv)),
            f"{answer['pattern']}::BIGINT AS pattern",
            f"({answer['straight']}) AS straight",
            f"({answer['varied']}) AS varied",
            *(f"t_{c}.value AS {c}" for c in extra),
            *(["r.r_respondent AS respondent"] if self.respondent else []),
            *(["epoch_ns(t_submitted_at.value) AS t_ns"] if "submitted_at" in extra else []),
        ]
        where = ["mu.code >= 0", "mg.code >= 0", *(f"{x} >= -1" for x in lv)]
        body = (
            f"SELECT {', '.join(select)} FROM (SELECT {', '.join(inner)} FROM {sql.from_}) r "
            f"{' '.join(joins)} WHERE {' AND '.join(where)}"
        )
        for table, cond in _uncounted_conditions(con, scanned.uncounted).items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {body} AND {cond}")
        self.dims = dims

    # ------------------------------------------------------------------ queries
    def has(self, column: str) -> bool:
        """Whether the responses have ``column`` (``comment``, ``collector``, ``submitted_at``)."""
        return column in self.extra

    def query(self, sql: str, params=None) -> pd.DataFrame:
        """Run SQL over the ``coded`` table; the result as a DataFrame."""
        return self.con.execute(sql, params or []).fetch_df()

    def check_candidates(
        self, *, burst_min: int, burst_window: int, near_duplicate_window: int, form_ids=()
    ) -> pd.DataFrame:
        """The forms the row checks of :func:`evalstats.stats.quality.quality_flags` need.

        A superset of the forms of every burst and near duplicate — whole keys whose busiest
        window holds at least ``burst_min`` forms (collector × pattern, then unit × pattern),
        forms with a same-key neighbour within ``near_duplicate_window`` (unit × group ×
        pattern × collector), every form with a comment — plus the forms ``form_ids`` (the
        first copies of forms typed twice) and the first counted form.  The detectors give the
        same flags on these rows as on every form (see :mod:`evalstats.stats.quality`).  Windows in
        nanoseconds.
        """
        parts = ["SELECT min(row) AS row FROM coded"]
        if self.has("comment"):
            parts.append("SELECT row FROM coded WHERE comment IS NOT NULL")
        if len(form_ids):
            ids = pd.DataFrame({"form_id": pd.Series(list(form_ids), dtype=object)})
            self.con.register("_ids_df", ids)
            self.con.execute("CREATE OR REPLACE TEMP TABLE want_ids AS SELECT * FROM _ids_df")
            self.con.unregister("_ids_df")
            parts.append("SELECT row FROM coded WHERE form_id IN (SELECT form_id FROM want_ids)")
        if self.has("submitted_at"):
            w, m = int(burst_window), int(burst_min)
            for keys, cond in (
                ("collector, pattern", "collector IS NOT NULL"),
                ("u, pattern", "true"),
            ):
                busy = (
                    f"SELECT {keys} FROM (SELECT {keys}, count(*) OVER (PARTITION BY {keys} "
                    f"ORDER BY t_ns RANGE BETWEEN CURRENT ROW AND {w} FOLLOWING) AS n FROM coded "
                    f"WHERE t_ns IS NOT NULL AND {cond}) GROUP BY ALL HAVING max(n) >= {m}"
                )
                parts.append(
                    f"SELECT row FROM coded WHERE t_ns IS NOT NULL AND {cond} AND ({keys}) IN "
                    f"({busy})"
                )
            if self.has("collector"):
                k = "u, g, pattern, collector"
                nw = int(near_duplicate_window)
                parts.append(
                    f"SELECT row FROM (SELECT row, t_ns - lag(t_ns) OVER o AS a, "
                    f"lead(t_ns) OVER o - t_ns AS b FROM coded WHERE varied AND collector IS NOT "
                    f"NULL AND t_ns IS NOT NULL WINDOW o AS (PARTITION BY {k} ORDER BY t_ns)) "
                    f"WHERE a <= {nw} OR b <= {nw}"
                )
        union = " UNION ".join(f"({q})" for q in parts)
        return self.forms(f"row IN ({union})")

    def collector_straight(self) -> pd.DataFrame:
        """Forms and straight forms per collector (``collector, n_forms, n_straight``)."""
        if not self.has("collector"):
            return pd.DataFrame({"collector": [], "n_forms": [], "n_straight": []})
        return self.query(
            "SELECT collector, count(*)::BIGINT AS n_forms, sum(straight::INT)::BIGINT AS "
            "n_straight FROM coded WHERE collector IS NOT NULL GROUP BY collector"
        )

    def form_ids(self, where: str, params=None) -> list:
        """Form ids of the counted forms matching ``where`` (SQL on ``coded``)."""
        f = self.query(f"SELECT form_id FROM coded WHERE {where}", params)
        return f["form_id"].tolist()

    def voided_forms(self) -> pd.DataFrame:
        """The voided forms (not counted) as :meth:`forms` gives forms: their collector etc."""
        return self.forms(table="voided")

    def forms(self, where: str = "true", *, table: str = "coded") -> pd.DataFrame:
        """The counted forms matching ``where`` (SQL on ``coded``), as the validated forms table.

        Same columns and dtypes as :attr:`~evalstats.inputs.validate.ValidatedCycle.forms`
        (:mod:`evalstats.inputs.forms`), in file order.
        """
        from evalstats.inputs.forms import form_columns

        scanned = self.scanned
        scheme = scanned.scheme
        cols = ["row", "form_id", "u", "g", *(f"l{j}" for j in range(len(self.dims)))]
        cols += list(self.extra) + (["respondent"] if self.respondent else [])
        f = self.query(f"SELECT {', '.join(cols)} FROM {table} WHERE {where} ORDER BY row")
        n = len(f)
        unit_cats = scanned.labels.units
        data = {
            "cycle": pd.Series(np.full(n, scanned.cycle, dtype=object), dtype=object),
            "form_id": pd.Series(f["form_id"].to_numpy(dtype=object), dtype=object),
            "unit": pd.Categorical.from_codes(
                f["u"].to_numpy(np.int64), categories=list(unit_cats)
            ),
            "group": pd.Categorical.from_codes(
                f["g"].to_numpy(np.int64), categories=list(scheme.group_codes)
            ),
        }
        for j, d in enumerate(self.dims):
            data[d] = pd.Categorical.from_codes(
                f[f"l{j}"].to_numpy(np.int64), dtype=scheme.level_dtype
            )
        for c in ("comment", "collector"):
            values = f[c].to_numpy(dtype=object) if c in f else np.full(n, None, dtype=object)
            col = pd.Series(values, dtype=object)
            col[col.isna().to_numpy()] = None
            data[c] = col
        if "submitted_at" in f:
            t = pd.Series(f["submitted_at"]).to_numpy(dtype="datetime64[ns]")
        else:
            t = np.full(n, np.datetime64("NaT", "ns"))
        data["submitted_at"] = pd.Series(t, dtype="datetime64[ns]")
        data["source_file"] = pd.Series(np.full(n, scanned.source.file, dtype=object), dtype=object)
        data["source_row"] = pd.Series(f["row"].to_numpy(np.int64), dtype="int64")
        out = pd.DataFrame(data)[form_columns(scheme)]
        if self.respondent:  # after the form id, as validate_cycle puts it
            who = pd.Series(f["respondent"].to_numpy(dtype=object), dtype=object)
            who[who.isna().to_numpy()] = None
            out.insert(out.columns.get_loc("form_id") + 1, "respondent", who)
        if "comment_kind" in f:  # the optional 意见类别, after the comment (as validate_cycle)
            kinds = pd.Series(f["comment_kind"].to_numpy(dtype=object), dtype=object)
            kinds[kinds.isna().to_numpy()] = None
            out.insert(out.columns.get_loc("comment") + 1, "comment_kind", kinds)
        return out


__all__ = ["NULL_KEY", "RowStore", "text_map"]
