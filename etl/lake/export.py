"""Export the warehouse's cleaned tables as a Parquet lake, with a manifest.

    python -m etl lake export --out DIR

Tickets are partitioned by month of creation (UTC), events by month of the event, QA reviews
by month of review (Hive-style folders, `created_month=2026-01/part.parquet`); the small
tables (agents, the calendar the business minutes need, the policy tables, the metadata and
the run tables) are one file each; a table without rows gets one empty partition
(`created_month=empty`), so that every engine still sees its columns. Incremental: each partition's row count and content
fingerprint are kept in `manifest.json`, and only partitions whose fingerprint changed are
rewritten, each to a temporary file renamed into place (atomic per partition); partitions
that disappeared are removed; the manifest is replaced last.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl.core.errors import ConfigError, WarehouseError
from etl.core.settings import Settings
from etl.lake.layout import EMPTY, MANIFEST, PARTITIONED, SINGLE, sql_literal
from etl.warehouse.versions import resolve_live


@dataclass
class ExportResult:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def _atomic_copy(con: duckdb.DuckDBPyConnection, query: str, target: Path, params: list | None = None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    con.execute(f"copy ({query}) to {sql_literal(tmp)} (format parquet)", params or [])
    os.replace(tmp, target)


def export(settings: Settings, out: Path) -> ExportResult:
    """Write (or bring up to date) the lake in `out` from the published warehouse."""
    live = settings.warehouse_path
    if not live.exists():
        raise WarehouseError(f"there is no warehouse at {live}; load an export first (python -m etl load)")
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise ConfigError(f"{out} is not empty and holds no {MANIFEST}: not a lake this command wrote; "
                          "choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    previous = json.loads((out / MANIFEST).read_text()) if (out / MANIFEST).exists() else {"tables": {}}
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach {sql_literal(resolve_live(live))} as wh (read_only)")
    result = ExportResult()
    tables: dict[str, dict] = {}
    for table, (column, value) in PARTITIONED.items():
        fingerprints = {key: (rows, str(fp)) for key, rows, fp in con.execute(
            f"select {value} as k, count(*), bit_xor(hash(t)) from wh.{table} t group by k").fetchall()}
        if not fingerprints:  # no rows: one empty partition, so that readers see the columns
            fingerprints = {EMPTY: (0, "empty")}
        before = previous["tables"].get(table, {}).get("partitions", {})
        parts = {}
        for key, (rows, fp) in sorted(fingerprints.items()):
            folder = f"{table}/{column}={key}"
            parts[key] = {"rows": rows, "fingerprint": fp, "file": f"{folder}/part.parquet"}
            if before.get(key, {}).get("fingerprint") == fp and (out / folder / "part.parquet").exists():
                result.unchanged += 1
                continue
            _atomic_copy(con, f"select * exclude (row_hash) from wh.{table} t where {value} = ?",
                         out / folder / "part.parquet", [None if key == EMPTY else key])
            result.written.append(folder)
        for key in set(before) - set(fingerprints):
            shutil.rmtree(out / table / f"{column}={key}", ignore_errors=True)
            result.removed.append(f"{table}/{column}={key}")
        tables[table] = {"partitioned_by": column, "partitions": parts}
        result.rows[table] = sum(p["rows"] for p in parts.values())
    for table in SINGLE:
        rows, fp = con.execute(f"select count(*), bit_xor(hash(t)) from wh.{table} t").fetchall()[0]
        fp = str(fp)
        target = out / table / "part.parquet"
        if previous["tables"].get(table, {}).get("fingerprint") != fp or not target.exists():
            keep = "* exclude (row_hash)" if table == "agents" else "*"  # an internal key, unsigned
            _atomic_copy(con, f"select {keep} from wh.{table}", target)
            result.written.append(table)
        else:
            result.unchanged += 1
        tables[table] = {"rows": rows, "fingerprint": fp, "file": f"{table}/part.parquet"}
        result.rows[table] = rows
    meta = dict(con.execute("select key, value from wh.warehouse_meta").fetchall())
    con.close()
    manifest = {"format": 1, "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "warehouse_version": meta.get("version"), "as_of": meta.get("as_of"), "tables": tables}
    tmp = out / f".{MANIFEST}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(tmp, out / MANIFEST)
    return result
