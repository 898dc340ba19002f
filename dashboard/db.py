"""Read-only access to the published warehouse, cached per published version.

The live name (data/warehouse.duckdb, or DESK_DB) points at an immutable version file; the
connection and every query result are cached under that file's path, so a refresh that
publishes a new version is picked up on the next rerun, and a page never waits on a lock.
Queries live in dashboard/sql/*.sql; filter values reach them only as bound parameters.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import streamlit as st

from dashboard.filters import Filters
from dashboard.stats import training_list
from etl.core import sqlfiles
from etl.core.settings import Settings, load_settings
from etl.query import sqlguard
from etl.warehouse.versions import resolve_live

SQL_DIR = Path(__file__).with_name("sql")


def warehouse_settings() -> Settings:
    """The settings the ETL uses (DESK_CONFIG over the defaults, DESK_DB), built again whenever
    DESK_CONFIG, DESK_DB or the working folder change, or the bytes of a file they were read
    from (the settings file, an [alerts] rules_file): a page asks for them several times per
    run, and building them (validation, the holiday calendars' country list) costs more than
    reading the small files to compare."""
    config = os.environ.get("DESK_CONFIG")
    key = (config, os.environ.get("DESK_DB"), os.getcwd())
    cached = _SETTINGS.get(key)
    if cached is not None and all(_read(path) == text for path, text in cached[1]):
        return cached[0]
    read = [(Path(config), _read(Path(config)))] if config else []
    settings = load_settings()  # a missing or invalid file raises here, every time (nothing kept)
    if settings.alerts.rules_file is not None:
        read.append((settings.alerts.rules_file, _read(settings.alerts.rules_file)))
    _SETTINGS.clear()
    _SETTINGS[key] = (settings, tuple(read))
    return settings


# the settings last built, under (DESK_CONFIG, DESK_DB, working folder), with the files read
_SETTINGS: dict[tuple[str | None, str | None, str], tuple[Settings, tuple[tuple[Path, bytes | None], ...]]] = {}


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def warehouse_path() -> Path:
    """The live warehouse name: DESK_DB, DESK_CONFIG's [warehouse] path, or the default."""
    return warehouse_settings().warehouse_path


def source_path() -> Path:
    """What the pages read: the live warehouse name, or in lake mode ([dashboard] source =
    "lake") the metrics folder `python -m etl lake metrics --out` publishes."""
    settings = warehouse_settings()
    if settings.dashboard_source == "lake" and settings.lake_metrics is not None:
        return settings.lake_metrics
    return settings.warehouse_path


def current_version_file() -> Path | None:
    """The published version: a warehouse file, or in lake mode a metrics version folder."""
    live = source_path()
    if not live.exists():
        return None
    return resolve_live(live)


@st.cache_resource(max_entries=3, show_spinner=False, on_release=lambda con: con.close())
def _connection(version_file: str) -> duckdb.DuckDBPyConnection:
    """The one connection per published version: read-only, no external access, locked
    configuration (etl/query/sqlguard.py), shared by the pages and the SQL page. A folder is a
    published set of lake metric tables, read through views over its Parquet files."""
    settings = warehouse_settings()
    memory = settings.raw.get("dashboard", {}).get("memory_limit", sqlguard.DEFAULT_MEMORY)
    if Path(version_file).is_dir():
        from etl.lake import reader

        version, lake = reader.folders(Path(version_file), settings.lake)
        readable = [version] + ([lake] if lake is not None else [])
        return sqlguard.connect_folders(readable, lambda con: reader.create_views(con, version, lake),
                                        memory_limit=memory)
    return sqlguard.connect(version_file, memory_limit=memory)


def guarded_connection(version_file: str) -> duckdb.DuckDBPyConnection:
    return _connection(version_file)


def sql_text(name: str) -> str:
    """The text of dashboard/sql/<name>.sql (read as the ETL reads its own SQL files)."""
    return sqlfiles.sql_text(name, SQL_DIR)


@st.cache_data(max_entries=2000, show_spinner=False)
def _run(version_file: str, sql: str, params_json: str) -> pd.DataFrame:
    params = json.loads(params_json, object_hook=_decode)
    cur = _connection(version_file).cursor()
    try:
        return cur.execute(sql, params).df() if params else cur.execute(sql).df()
    finally:
        cur.close()


@st.cache_data(max_entries=200, show_spinner=False)
def flagged_agents(version_file: str, filters: str, min_reviews: int, alpha: float,
                   _rates: pd.DataFrame) -> pd.DataFrame:
    """dashboard/stats.py training_list of `_rates`, Agent quality's per-agent counts in the
    published version `version_file` under the filters `filters` (their repr), which name the
    counts, so the frame itself is not hashed. Cached: its Fisher tests over every agent and
    error type took about 2 s of every run of the page at 10 M tickets (4,000 agents, 28,000
    tests)."""
    return training_list(_rates, min_reviews, alpha)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.date):
        return {"__date__": value.isoformat()}
    raise TypeError(type(value))


def _decode(obj: dict[str, Any]) -> Any:
    if "__date__" in obj:
        return dt.date.fromisoformat(obj["__date__"])
    return obj


@dataclass(frozen=True)
class Warehouse:
    """One published version, and the queries the pages run on it."""

    version_file: str

    def sql(self, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        return _run(self.version_file, sql, json.dumps(params or {}, default=_encode, sort_keys=True))

    def query(self, name: str, filters: Filters | None = None, *, alias: str = "t",
              date_column: str = "created_date", columns: dict[str, str] | None = None,
              extra: str = "true", params: dict[str, Any] | None = None,
              **identifiers: str) -> pd.DataFrame:
        """Run dashboard/sql/<name>.sql with {where} filled from the filters (and {extra},
        a static condition of the caller's, and {identifiers} from fixed allow-lists)."""
        where, bound = (filters or Filters()).where(alias=alias, date_column=date_column, columns=columns)
        text = sql_text(name)
        fills = {"where": where, "extra": extra, **identifiers}
        if "{error_types}" in text:
            fills["error_types"] = self.error_types_sql()
        return self.sql(sqlfiles.fill(text, fills), {**bound, **(params or {})})

    def error_types_sql(self) -> str:
        """The QA error types as SQL: the warehouse's qa_error_types() (metric_macros.sql), or
        in a warehouse published before that macro existed, the same list from vocab.toml."""
        found = self.sql("select count(*) as n from duckdb_functions() where function_name = 'qa_error_types'")
        if int(found["n"].iloc[0]):
            return "qa_error_types()"
        from etl.core.vocab import vocabulary

        types = dict.fromkeys(vocabulary()["error_type"].values())  # canonical values, file order
        return "[" + ", ".join("'" + t.replace("'", "''") + "'" for t in types) + "]"

    def mart_with(self, mart: str, columns: Iterable[str]) -> str:
        """A per-ticket mart as a relation that holds `columns`: the mart itself, or, in a
        version published before the mart carried some of them (a kept version after a
        rollback), the mart with those columns copied from ticket_metrics by one join: the
        same rows and figures, only slower. `mart` and `columns` are the caller's names."""
        found = self.sql("select column_name as c from duckdb_columns() where schema_name = 'main' "
                         "and table_name = $mart", {"mart": mart})
        missing = [c for c in columns if c not in set(found["c"])]
        if not missing:
            return mart
        copied = ", ".join(f"m.{c}" for c in missing)
        return f"(select x.*, {copied} from {mart} x join ticket_metrics m using (source, ticket_id))"

    def meta(self) -> dict[str, str]:
        df = self.sql("select key, value from warehouse_meta")
        return dict(zip(df["key"], df["value"], strict=True))

    def has_tickets(self) -> bool:
        try:
            return int(self.sql("select count(*) as n from ticket_metrics")["n"].iloc[0]) > 0
        except duckdb.Error:
            return False

    def distinct(self, column: str) -> list[str]:
        """The values a filter dimension takes: the warehouse's dimension_values (computed at
        publish), or a scan of ticket_metrics in a warehouse published before it existed or
        for a dimension it does not list (etl/sql/marts/dimension_values.sql names them)."""
        try:
            df = self.sql("select value as v from dimension_values where dimension = $dimension order by 1",
                          {"dimension": column})
        except duckdb.CatalogException:
            df = None
        if df is None or df.empty:
            df = self.sql(f"select distinct {column} as v from ticket_metrics where {column} is not null order by 1")
        return [str(v) for v in df["v"]]

    def date_bounds(self) -> tuple[dt.date, dt.date, dt.datetime]:
        """(first created date, last complete day at as_of, as_of) in the reporting zone."""
        meta = self.meta()
        as_of = dt.datetime.fromisoformat(meta["as_of"])
        tz = ZoneInfo(meta.get("reporting_timezone", "Asia/Shanghai"))
        last = (as_of.astimezone(tz) - dt.timedelta(microseconds=1)).date()
        first = self.sql("select min(created_date) as d from ticket_metrics")["d"].iloc[0]
        first = pd.Timestamp(first).date() if first is not None and not pd.isna(first) else last
        return first, last, as_of


def open_current() -> Warehouse | None:
    """The published version, or None when there is no warehouse (or no tickets) yet."""
    version_file = current_version_file()
    if version_file is None:
        return None
    try:
        wh = Warehouse(str(version_file))
        return wh if wh.has_tickets() else None
    except duckdb.Error:
        return None
