"""Time what every dashboard page asks the warehouse, as a person would use it.

Each page is run once through Streamlit's AppTest with the given URL filters while every
SQL statement it sends is recorded; the recorded statements are then timed on a fresh
read-only connection (no result cache), the way the first visitor after a refresh or a
filter change waits for them. Reported per page, and as a ratio to a plain full scan of
the tickets table on the same connection (absolute times on shared machines are noise).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl.core.settings import PROJECT_ROOT as ROOT
from etl.query import sqlguard
from etl.warehouse.versions import resolve_live

PAGES = ("overview", "first_response", "resolution", "assistant", "escalations", "agent_quality", "process",
         "alerts", "sql", "data_health")
PLAIN_SCAN = ("select count(ticket_id), max(subject), min(created_at), max(first_response_at), "
              "max(resolved_at), sum(csat), max(channel), max(category), max(team), max(agent_id) "
              "from tickets")


@dataclass
class PageTiming:
    page: str
    view: str
    statements: int
    seconds: float
    errors: list[str]


def _capture(db: Path, page: str, query: dict[str, str]) -> tuple[list[tuple[str, dict]], list[str]]:
    """The (sql, params) statements a page sends for the given URL parameters."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from streamlit.testing.v1 import AppTest

    from dashboard import db as dashboard_db

    recorded: list[tuple[str, dict]] = []
    original = dashboard_db.Warehouse.sql

    def recording(self, sql, params=None):  # type: ignore[no-untyped-def]
        recorded.append((sql, dict(params or {})))
        return original(self, sql, params)

    os.environ["DESK_DB"] = str(db)
    dashboard_db.Warehouse.sql = recording  # type: ignore[method-assign]
    try:
        dashboard_db._run.clear()
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        if page != "overview":
            recorded.clear()  # the overview ran first as the default page
            at.switch_page(f"views/{page}.py").run()
        errors = [e.message for e in at.exception]
    finally:
        dashboard_db.Warehouse.sql = original  # type: ignore[method-assign]
    return recorded, errors


def _time(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> float:
    started = time.perf_counter()
    cur = con.cursor()
    cur.execute(sql, params or {}).fetchall() if params else cur.execute(sql).fetchall()
    cur.close()
    return time.perf_counter() - started


def time_pages(db: Path, views: dict[str, dict[str, str]], repeat: int = 3) -> tuple[list[PageTiming], float]:
    """(timings per page and view, seconds of the plain scan); medians of `repeat` runs."""
    # the dashboard's own connection configuration: one process cannot open one file twice
    # with different configurations
    con = sqlguard.connect(resolve_live(db))
    plain = statistics.median(_time(con, PLAIN_SCAN) for _ in range(repeat))
    out = []
    for view, query in views.items():
        for page in PAGES:
            statements, errors = _capture(db, page, query)
            # distinct statements: the cache answers a repeated one within a run
            unique = list({(s, repr(sorted(p.items()))): (s, p) for s, p in statements}.values())
            runs = [sum(_time(con, s, p) for s, p in unique) for _ in range(repeat)]
            out.append(PageTiming(page, view, len(unique), statistics.median(runs), errors))
    return out, plain


def default_views(db: Path) -> dict[str, dict[str, str]]:
    """The default view, and a filtered one: the commonest category and channel, one month."""
    con = sqlguard.connect(resolve_live(db))
    category = con.execute("select category from ticket_metrics group by 1 order by count(*) desc limit 1").fetchall()[0][0]
    channel = con.execute("select channel from ticket_metrics group by 1 order by count(*) desc limit 1").fetchall()[0][0]
    last = con.execute("select max(created_date) from ticket_metrics").fetchall()[0][0]
    month_start = last.replace(day=1)
    return {
        "default": {},
        "filtered": {"period": "custom", "from": month_start.isoformat(), "to": last.isoformat(),
                     "category": category, "channel": channel},
    }
