"""The warehouse's stored tables and metadata: the schema (etl/sql/schema.sql, with the
columns later versions added), warehouse_meta, and connections to a published version.

Layers (docs/METRICS.md): stored tables (tickets, ticket_events, qa_reviews, agents,
rejects, load_runs, load_files), configuration tables written from the TOML settings
(policy.py), intermediate steps and marts (models.py), consistency checks (checks.py).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl.core import sqlfiles
from etl.core.errors import WarehouseError
from etl.warehouse.versions import resolve_live

SCHEMA_VERSION = "1"


def open_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a published warehouse, times shown in UTC."""
    if not path.exists():
        raise WarehouseError(f"{path} does not exist; load data first (python -m etl demo, "
                             "or python -m etl load FILE)", title="No warehouse yet")
    con = duckdb.connect(str(resolve_live(path)), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    return con


def apply_schema(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create the stored tables that are missing, and add the columns that a warehouse of an
    earlier version of the ETL lacks (as NULL for its rows; the marts are then rebuilt in
    full). Returns the "table.column" names added."""
    con.execute(sqlfiles.sql_text("schema"))
    added = _add_missing_columns(con)
    if added:
        con.execute("delete from warehouse_meta where key = 'models_fingerprint'")
    found = get_meta(con, "schema_version")
    if found is not None and found != SCHEMA_VERSION:
        raise WarehouseError(f"the warehouse has schema version {found}, this version of the ETL "
                             f"writes {SCHEMA_VERSION}; rebuild it by loading the exports into a "
                             "new --db", title="Warehouse of another version")
    set_meta(con, "schema_version", SCHEMA_VERSION)
    return added


# the columns of the database's own tables (not views, not the system catalog's)
_TABLE_COLUMNS = ("select {what} from duckdb_columns() c join duckdb_tables() t on t.table_oid = c.table_oid "
                  "where t.database_name = current_database() and t.schema_name = 'main' "
                  "and not t.temporary")


def _add_missing_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Columns schema.sql declares that the stored tables lack (added later to the ETL)."""
    fresh = duckdb.connect()
    try:
        fresh.execute(sqlfiles.sql_text("schema"))
        declared = fresh.execute(_TABLE_COLUMNS.format(what="c.table_name, c.column_name, c.data_type")
                                 + " order by c.table_name, c.column_index").fetchall()
    finally:
        fresh.close()
    stored = set(con.execute(_TABLE_COLUMNS.format(what="c.table_name, c.column_name")).fetchall())
    added = []
    for table, column, data_type in declared:
        if (table, column) not in stored:
            con.execute(f'alter table {table} add column "{column}" {data_type}')
            added.append(f"{table}.{column}")
    return added


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    try:
        row = con.execute("select value from warehouse_meta where key = ?", [key]).fetchall()
    except duckdb.CatalogException:
        return None
    return row[0][0] if row else None


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("insert or replace into warehouse_meta (key, value) values (?, ?)", [key, value])


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = ("tickets", "ticket_events", "qa_reviews", "agents", "rejects", "ticket_metrics")
    out = {}
    for name in names:
        try:
            out[name] = con.execute(f"select count(*) from {name}").fetchall()[0][0]
        except duckdb.CatalogException:
            out[name] = 0
    return out


def is_published(path: Path) -> bool:
    return Path(path).exists()
