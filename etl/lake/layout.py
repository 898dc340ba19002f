"""What the lake and a metrics folder hold, and where: the one list each module reads.

A lake (`python -m etl lake export --out DIR`):
    DIR/manifest.json
    DIR/tickets/created_month=2026-01/part.parquet        (by month of creation, UTC)
    DIR/ticket_events/event_month=2026-01/part.parquet    (by month of the event)
    DIR/qa_reviews/reviewed_month=2026-01/part.parquet    (by month of review; 'none')
    DIR/agents/part.parquet, DIR/calendar_hours/part.parquet, …   (one file each)
A metrics folder (`python -m etl lake metrics --out DIR2`): DIR2 is a link to
`.DIR2.versions/vNNNNNN/`, which holds manifest.json and one folder of Parquet files per
table in OUTPUTS.
"""

from __future__ import annotations

from pathlib import Path

from etl.core import sqlfiles
from etl.core.sqlfiles import quote_literal

MANIFEST = "manifest.json"
EMPTY = "empty"  # the partition key of a table without rows
# table → (partition column, SQL of its value over the warehouse table)
PARTITIONED = {
    "tickets": ("created_month", "strftime(created_at, '%Y-%m')"),
    "ticket_events": ("event_month", "strftime(event_at, '%Y-%m')"),
    "qa_reviews": ("reviewed_month", "coalesce(strftime(reviewed_at, '%Y-%m'), 'none')"),
}
SINGLE = ("agents", "calendar_hours", "business_days", "sla_rules", "schedule_rules", "schedules",
          "process_targets", "completeness_rules", "warehouse_meta", "load_runs", "load_files", "rejects")
# the models in build order, read from the SQL files' headers as the warehouse reads them
# (etl/warehouse/models.py); on a lake every intermediate step is a view, every mart a table
MODELS: tuple[tuple[str, str], ...] = (
    *((f"intermediate/{name}", "view") for name, _kind in sqlfiles.models("intermediate")),
    *((f"marts/{name}", "table") for name, _kind in sqlfiles.models("marts")),
)
MARTS = tuple(path.split("/", 1)[1] for path, kind in MODELS if kind == "table")
# tables of the lake passed on to the metrics folder as they are (the dashboard reads them)
PASSED_ON = ("warehouse_meta", "sla_rules", "load_runs", "load_files", "rejects", "agents", "business_days")
OUTPUTS = (*MARTS, *PASSED_ON)
# the lake's large cleaned tables, which readers of a metrics folder reach in the lake itself
CLEANED = tuple(PARTITIONED)


def table_glob(lake: Path, table: str) -> str:
    """The Parquet files of a lake table (the partition folders' too)."""
    return str(lake / table / ("*/*.parquet" if table in PARTITIONED else "*.parquet"))


def sql_literal(path: Path | str) -> str:
    """A path as a quoted SQL string."""
    return quote_literal(str(path))
