"""Merge one staged file into its stored table, by the steps of etl/sql/load/merge_<kind>.sql.

Each merge file names its steps (`-- step: repeats | dedupe | map | compare | replace |
insert`); this module decides which a file needs, so that a big first load stays one pass:
the within-file dedupe runs only when the file repeats a key, and when the source has no
stored rows of the kind yet every row is an insert (etl/sql/load/first_load.sql), and the
insert reads the staged rows straight through the map step's query, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb

from etl.core import sqlfiles
from etl.core.kinds import KIND_TABLE

# the skip reasons of the merge: (a repeat within the file, already stored)
SKIP_REASONS = {
    "tickets": ("older version of the ticket in the same file", "stored version is as new or newer"),
    "events": ("duplicate event in the same file", "event already stored"),
    "qa_reviews": ("earlier record of the review in the same file", "identical review already stored"),
    "agents": ("earlier record of the agent in the same file", "identical agent already stored"),
}


@dataclass
class Merged:
    inserted: int
    updated: int
    skipped_in_file: int           # repeats of a key within the file (an older version)
    skipped_stored: int            # the stored version is as new or identical

    def skipped_reasons(self, kind: str) -> dict[str, int]:
        in_file, stored = SKIP_REASONS[kind]
        return {k: v for k, v in ((in_file, self.skipped_in_file), (stored, self.skipped_stored)) if v}


def merge(con: duckdb.DuckDBPyConnection, kind: str, *, valid: int, params: Mapping[str, object]) -> Merged:
    """Merge the staged rows (view stg, `valid` of them to merge) into the kind's table."""
    name = f"load/merge_{kind}"
    steps = sqlfiles.steps(name)
    table = KIND_TABLE[kind]
    repeats = sqlfiles.execute(con, steps["repeats"], params, name).fetchall()[0][0]
    rows = "stg"
    if repeats:
        sqlfiles.execute(con, steps["dedupe"], params, name)
        rows = "stg_once"
    mapped = sqlfiles.fill(steps["map"], {"rows": rows})
    stored = con.execute(f"select count(*) from (select 1 from {table} where source = ? limit 1)",
                         [params["source"]]).fetchall()[0][0] > 0
    if not stored:  # nothing stored to replace: every row an insert, in one pass
        first = sqlfiles.statements(sqlfiles.query("load/first_load", mapped=mapped))[0]
        sqlfiles.execute(con, sqlfiles.fill(steps["insert"], {"incoming": f"({first})"}), params, name)
        kept = con.execute("select count(*) from stg_once").fetchall()[0][0] if repeats else valid
        return Merged(inserted=kept, updated=0, skipped_in_file=valid - kept, skipped_stored=0)
    sqlfiles.execute(con, sqlfiles.fill(steps["compare"], {"mapped": mapped}), params, name)
    if "replace" in steps:
        sqlfiles.execute(con, steps["replace"], params, name)
    sqlfiles.execute(con, sqlfiles.fill(steps["insert"], {"incoming": "incoming"}), params, name)
    actions = dict(con.execute("select action, count(*) from incoming group by 1").fetchall())
    return Merged(inserted=actions.get("insert", 0), updated=actions.get("update", 0),
                  skipped_in_file=valid - sum(actions.values()), skipped_stored=actions.get("skip", 0))
