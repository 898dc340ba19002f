"""The metric models: intermediate steps and marts, built from etl/sql at every publish.

The list of models is read from the SQL files themselves: each declares its
materialisation in its header (`-- materialized: table | view | summary | build_view`) and
its place in the build (`-- order: N`); the lake runs the same list (etl/lake/layout.py).
- build_view: an intermediate step, a temp view of this build only, over the rows in scope;
- table: kept per ticket (rebuilt whole, or incrementally for the tickets in scope; its
  rows of this build are also `<name>_in_scope`);
- view: a view over the stored tables and marts;
- summary: a table over the finished marts, recomputed in full at every build.
"""

from __future__ import annotations

import hashlib
import json

import duckdb

from etl.core import sqlfiles
from etl.warehouse import catalog
from etl.warehouse.schema import SCHEMA_VERSION, get_meta, set_meta

INTERMEDIATE = tuple(name for name, _kind in sqlfiles.models("intermediate"))
MARTS = sqlfiles.models("marts")


def models_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the materialised marts depend on besides the data: the model SQL, the policy
    tables from the settings, the business calendar's key (schedules and holiday data,
    written by write_calendar), the schema version."""
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
        if kind == "summary" or not incremental:  # computed in full (a summary: at every build)
            if con.execute("select count(*) from duckdb_views() where view_name = ? and not temporary",
                           [name]).fetchall()[0][0]:
                con.execute(f"drop view {name}")  # a view in files of earlier versions
            con.execute(f"create or replace table {name} as\n{sql}")
            if kind == "table":
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


