"""The warehouse: its schema, its metadata, and the metric models built at every publish.

Layers (docs/METRICS.md): stored tables (tickets, ticket_events, qa_reviews, agents,
rejects, load_runs, load_files), configuration tables written from the TOML settings
(sla_rules, schedule_rules, calendar_hours, business_days), intermediate views (int_*), and
the marts people query (ticket_metrics, escalation_steps, qa_reviews_scored, qa_findings,
agent_error_rates, escalation_funnel, and the rate macros).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from etl import catalog, sqlfiles
from etl.errors import PublishError, WarehouseError
from etl.settings import Settings

SCHEMA_VERSION = "1"

INTERMEDIATE = ("int_escalation_events", "int_ticket_event_facts", "int_escalation_levels",
                "int_ticket_policy")
# (name, materialisation): "table" is kept per ticket (rebuilt whole, or incrementally for
# the tickets in scope; its rows of this build are also `<name>_in_scope`), "view" is a view,
# "summary" a small table over the finished marts, recomputed in full at every build.
MARTS = (
    ("ticket_metrics", "table"),
    ("escalation_steps", "table"),
    ("qa_reviews_scored", "table"),
    ("qa_findings", "view"),
    ("agent_error_rates", "view"),
    ("escalation_funnel", "view"),
    ("dimension_values", "summary"),
)
CHECKS = ("tickets_unique", "ticket_metrics_unique", "ticket_metrics_complete",
          "business_minutes_bounded", "files_reconcile", "events_before_creation",
          "reviews_of_unknown_tickets")


def connect_writer(path: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-write connection for building a new state (never on the live file)."""
    # one checkpoint, at publish: the build file is private, so earlier ones (DuckDB's default
    # after 16 MiB of log, e.g. at every file's commit) would only write the same blocks twice
    con = duckdb.connect(str(path), config={"memory_limit": settings.memory_limit,
                                            "checkpoint_threshold": "1GB"})
    con.execute("set TimeZone = 'UTC'")
    return con


def open_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a published warehouse, times shown in UTC."""
    if not path.exists():
        raise WarehouseError(f"{path} does not exist; load data first (python -m etl demo, "
                             "or python -m etl load FILE)", title="No warehouse yet")
    from etl.publish import resolve_live

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


def write_policy(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Tables of the SLA and schedule rules in force, from the configuration."""
    sla = pa.table({
        "rule_order": pa.array(range(len(settings.sla_rules)), pa.int32()),
        "priority": pa.array([r.priority for r in settings.sla_rules], pa.string()),
        "category": pa.array([r.category for r in settings.sla_rules], pa.string()),
        "channel": pa.array([r.channel for r in settings.sla_rules], pa.string()),
        "team": pa.array([r.team for r in settings.sla_rules], pa.string()),
        "target_minutes": pa.array([r.target_minutes for r in settings.sla_rules], pa.float64()),
        "clock": pa.array([r.clock for r in settings.sla_rules], pa.string()),
    })
    rules = pa.table({
        "rule_order": pa.array(range(len(settings.schedule_rules)), pa.int32()),
        "channel": pa.array([r.channel for r in settings.schedule_rules], pa.string()),
        "team": pa.array([r.team for r in settings.schedule_rules], pa.string()),
        "schedule_id": pa.array([r.schedule for r in settings.schedule_rules], pa.string()),
    })
    scheds = pa.table({
        "schedule_id": pa.array(list(settings.schedules), pa.string()),
        "timezone": pa.array([s.timezone for s in settings.schedules.values()], pa.string()),
        "holidays": pa.array([s.holidays or None for s in settings.schedules.values()], pa.string()),
        "weekly_hours": pa.array([json.dumps({d: [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in spans]
                                              for d, spans in zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                                                                  (s.weekly[i] for i in range(7)))})
                                  for s in settings.schedules.values()], pa.string()),
    })
    for name, table in (("sla_rules", sla), ("schedule_rules", rules), ("schedules", scheds)):
        con.register("_policy", table)
        con.execute(f"create or replace table {name} as select * from _policy")
        con.unregister("_policy")
    set_meta(con, "reporting_timezone", settings.reporting_timezone)


# a calendar is built this many days past the newest time stamp or as_of, so that the next
# refreshes (as_of moving on by hours or days) find it covering them and keep it
CALENDAR_AHEAD_DAYS = 31


def calendar_key(settings: Settings) -> str:
    """What the calendar tables depend on besides their date range."""
    import hashlib

    import holidays

    return hashlib.sha256(f"{holidays.__version__}|{sorted(settings.schedules.items())!r}".encode()).hexdigest()


def write_calendar(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: dt.datetime) -> None:
    """calendar_hours and business_days covering every stored time stamp and as_of; kept as
    they are when they already cover that range for the same schedules and holiday data."""
    row = con.execute("""
        select min(t), max(t) from (
            select min(created_at) as t from tickets union all
            select max(greatest(created_at, first_response_at, resolved_at, closed_at)) from tickets union all
            select min(event_at) from ticket_events union all
            select max(event_at) from ticket_events
        )""").fetchall()[0]
    lo = row[0] or as_of
    hi = max(row[1] or as_of, as_of)
    first = (lo - dt.timedelta(days=2)).date()
    last = (hi + dt.timedelta(days=2)).date()
    key = calendar_key(settings)
    stored = json.loads(get_meta(con, "calendar") or "{}")
    if (stored.get("key") == key and stored.get("first", "9999") <= first.isoformat()
            and stored.get("last", "0000") >= last.isoformat()):
        return
    from etl.calendar import build_calendar  # (pandas: only when a calendar is built)

    last += dt.timedelta(days=CALENDAR_AHEAD_DAYS)
    hours, days = build_calendar(settings.schedules, first, last)
    for name, table in (("calendar_hours", hours), ("business_days", days)):
        con.register("_calendar", table)
        con.execute(f"create or replace table {name} as select * from _calendar")
        con.unregister("_calendar")
    set_meta(con, "calendar", json.dumps({"key": key, "first": first.isoformat(), "last": last.isoformat()}))


def models_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the materialised marts depend on besides the data: the model SQL, the policy
    tables from the settings, the business calendar's key (schedules and holiday data,
    written by write_calendar), the schema version."""
    import hashlib

    h = hashlib.sha256(SCHEMA_VERSION.encode())
    h.update(json.loads(get_meta(con, "calendar") or "{}").get("key", "").encode())
    for name in (*(f"intermediate/{n}" for n in INTERMEDIATE), *(f"marts/{n}" for n, _ in MARTS), "marts/metric_macros"):
        h.update(sqlfiles.sql_text(name).encode())
    for table in ("sla_rules", "schedule_rules"):
        h.update(repr(con.execute(f"select * from {table} order by all").fetchall()).encode())
    h.update(str(get_meta(con, "reporting_timezone")).encode())
    return h.hexdigest()


def build_models(con: duckdb.DuckDBPyConnection, run_id: int | None = None) -> str:
    """(Re)create the intermediate views, the rate macros and the marts; returns 'full' or
    'incremental'.

    Incremental (when `run_id` is given, the marts exist and nothing they depend on besides
    the data changed): only the tickets this run loaded or whose events it loaded, and the
    still-open tickets (their ages and pending SLAs move with as_of), are recomputed; every
    other row's figures cannot have changed. A check compares the counts either way."""
    con.execute("set preserve_insertion_order = false")  # no order to keep from here on
    sqlfiles.run(con, "marts/metric_macros")  # first: views may use the rate macros
    for name in INTERMEDIATE:  # earlier versions kept them in the file; they are build steps now
        if con.execute("select count(*) from duckdb_views() where view_name = ? and not temporary",
                       [name]).fetchall()[0][0]:
            con.execute(f"drop view main.{name}")
    fingerprint = models_fingerprint(con)
    exists = con.execute("select count(*) from duckdb_tables() where table_name = 'ticket_metrics'").fetchall()[0][0]
    incremental = run_id is not None and exists and get_meta(con, "models_fingerprint") == fingerprint
    if incremental:
        con.execute("""
            create or replace temp table affected as
            select source, ticket_id from tickets where run_id = $run
            union
            select source, ticket_id from ticket_events where run_id = $run
            union
            select source, ticket_id from qa_reviews where run_id = $run
            union  -- reviews whose agent's team may have changed
            select q.source, q.ticket_id from qa_reviews q
            semi join (select source, agent_id from agents where run_id = $run) a
                on a.source = q.source and a.agent_id = q.agent_id
            union
            select source, ticket_id from ticket_metrics where not is_resolved""", {"run": run_id})
        # the rows in scope, read from the big tables once (every model reads them again)
        for table in ("tickets", "ticket_events", "qa_reviews"):
            # (keys first, then the whole rows by rowid: reading every column of every row
            # before the join would cost twice as much)
            con.execute(f"create or replace temp table {table}_in_scope as select * from {table} "
                        f"where rowid in (select t.rowid from {table} t semi join affected a "
                        "on a.source = t.source and a.ticket_id = t.ticket_id)")
    else:
        for table in ("tickets", "ticket_events", "qa_reviews"):
            con.execute(f"create or replace temp view {table}_in_scope as select * from {table}")
    # the intermediate steps: views of this build only, over the rows in scope
    for name in INTERMEDIATE:
        con.execute(f"create or replace temp view {name} as\n{sqlfiles.sql_text('intermediate/' + name)}")
    for name, kind in MARTS:
        sql = sqlfiles.sql_text("marts/" + name)
        if kind == "view":
            con.execute(f"create or replace view {name} as\n{sql}")
            continue
        if kind == "summary":  # small, over the finished marts: recomputed in full every time
            con.execute(f"create or replace table {name} as\n{sql}")
            continue
        if not incremental:
            if con.execute("select count(*) from duckdb_views() where view_name = ? and not temporary",
                           [name]).fetchall()[0][0]:
                con.execute(f"drop view {name}")  # a view in files of earlier versions
            con.execute(f"create or replace table {name} as\n{sql}")
            con.execute(f"create or replace temp view {name}_in_scope as select * from {name}")
            continue
        # incremental: the rows of the tickets in scope, computed apart (later marts and the
        # checks read them there), then swapped in for the stored ones
        con.execute(f"create or replace temp table {name}_in_scope as\n{sql}")
        con.execute(f"delete from {name} where (source, ticket_id) in (select source, ticket_id from affected)")
        if name == "qa_reviews_scored":  # a review re-exported for another ticket: its old row
            con.execute("delete from qa_reviews_scored where (source, review_id) in "
                        "(select source, review_id from qa_reviews where run_id = $run)", {"run": run_id})
        con.execute(f"insert into {name} by name select * from {name}_in_scope")
    set_meta(con, "models_fingerprint", fingerprint)
    # the consistency checks read the *_in_scope names too: everything, or the touched tickets
    # (the rows just computed; the marts' other rows were checked when they were published)
    catalog.apply(con)
    return "incremental" if incremental else "full"


@dataclass
class CheckResult:
    name: str
    severity: str
    rows: int
    sample: list[tuple[Any, ...]]


def run_checks(con: duckdb.DuckDBPyConnection) -> list[CheckResult]:
    """Run every check query; a check passes when it returns no rows."""
    out = []
    for name in CHECKS:
        sql = sqlfiles.sql_text(f"checks/{name}")
        severity = sqlfiles.header_value(f"checks/{name}", "severity") or "error"
        rows = con.execute(f"select * from ({sql}) limit 6").fetchall()
        count = len(rows)
        if count > 5:
            count = con.execute(f"select count(*) from ({sql})").fetchall()[0][0]
        out.append(CheckResult(name, severity, count, rows[:5]))
    return out


def fail_on_checks(results: list[CheckResult]) -> list[str]:
    """Raise for failed error-severity checks; return warning texts for the others."""
    errors = [r for r in results if r.rows and r.severity == "error"]
    if errors:
        detail = "; ".join(f"{r.name}: {r.rows} row(s), e.g. {r.sample[0]}" for r in errors)
        raise PublishError(f"consistency checks failed ({detail}); nothing was published")
    return [f"check {r.name}: {r.rows} row(s), e.g. {r.sample[0]}" for r in results if r.rows]


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
