"""Helpers the test modules share: the project's paths, the hand-made sample and how to
load it, settings with overrides, read-only queries of a published warehouse, and the
generated demo warehouse (built once per session by tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from etl.core import settings as settings_module
from etl.core.settings import Settings
from etl.devtools.generate import GenInfo, generate
from etl.load.run import RunResult, load
from etl.query import sqlguard
from etl.warehouse.versions import resolve_live

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SAMPLE_AS_OF = dt.datetime(2026, 1, 13, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
REALDATA = ROOT.parent / "shared" / "realdata"

# the real-browser tests: Debian's chromium through Playwright (its own download does not work here)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def need_browser() -> None:
    """Skip without chromium or Playwright; under CI=true fail instead (CI must run them)."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
    pytest.importorskip("playwright.sync_api")


def settings_with(tmp_path: Path, overrides: dict[str, Any]) -> Settings:
    """Default settings merged with `overrides` (as a TOML file would be)."""
    return settings_module.settings_with(overrides, tmp_path / "wh" / "warehouse.duckdb")


def load_sample(settings: Settings, folder: Path = SAMPLE, **kw: Any) -> RunResult:
    return load([folder], settings, as_of=SAMPLE_AS_OF, **kw)


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(resolve_live(settings.warehouse_path)), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def metrics_by_ticket(settings: Settings) -> dict[str, dict[str, Any]]:
    con = duckdb.connect(str(resolve_live(settings.warehouse_path)), read_only=True)
    try:
        cur = con.execute("select * from ticket_metrics")
        cols = [d[0] for d in cur.description]
        return {row[1]: dict(zip(cols, row, strict=True)) for row in cur.fetchall()}
    finally:
        con.close()


# --- the demo warehouse the read-only modules share (tests/conftest.py: demo_warehouse) -----

# One size and seed for every reader: test_dashboard (every page; the planted agent in the
# training list) and test_generate (the planted patterns of docs/DEMO_DATA.md). 30,000
# tickets: every planted pattern is found for each of the seeds 1–10 (at 20,000, four of
# those ten seeds miss one: the new hires', the escalations' or the communication agent's).
# The data end on the generator's fixed default day (as_of 2026-10-01): its planted patterns
# are laid out from the first day of the year (the incident days are fixed day offsets,
# weekdays only for that start), so data ending "yesterday" would move them with the
# calendar: of 22 end dates tried, the incident days fell on weekends for 14 and two other
# patterns missed for 3. test_browser alone needs data up to yesterday (no stale-data
# warning on the page, nor in the README's screenshot): it builds its own with the same size
# and seed, end=demo_end().
DEMO_TICKETS = 30_000
DEMO_SEED = 21


def demo_end() -> dt.date:
    """Yesterday on the desk's clock (Asia/Shanghai): the demo data end there."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date() - dt.timedelta(days=1)


@dataclass(frozen=True)
class DemoWarehouse:
    """A generated desk loaded into a published warehouse, to be read and never written.

    Read it through `connect`/`query`: the dashboard's own connection configuration
    (etl/query/sqlguard.py). One process cannot open one file with two configurations, and
    the dashboard tests (AppTest, in this process) keep such a connection open."""

    settings: Settings
    info: GenInfo
    result: RunResult

    @property
    def path(self) -> Path:
        return self.settings.warehouse_path

    def connect(self) -> duckdb.DuckDBPyConnection:
        return sqlguard.connect(resolve_live(self.path))

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        con = self.connect()
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


def build_demo_warehouse(folder: Path, n: int = DEMO_TICKETS, seed: int = DEMO_SEED,
                         end: dt.date | None = None) -> DemoWarehouse:
    info = generate(n, seed=seed, out=folder / "export", end=end)
    settings = settings_module.load_settings(db=folder / "wh" / "warehouse.duckdb")
    result = load([folder / "export"], settings, as_of=info.as_of)
    return DemoWarehouse(settings=settings, info=info, result=result)


def open_drilldowns(at: Any) -> Any:
    """Open every drill-down expander of an AppTest page (closed, they query and send no
    rows: dashboard/frame.py) and run it again."""
    keys = [k for k in at.session_state.keys() if str(k).endswith(("_tickets_open", "_reviews_open"))]
    assert keys, "the page has no drill-down"
    for k in keys:
        at.session_state[k] = True
    return at.run()


def open_page(db: Path, monkeypatch: pytest.MonkeyPatch, page: str, **query_params: str) -> Any:
    """An AppTest of the dashboard on warehouse `db`, over all days (period=all) and the URL
    parameters given, switched to dashboard/views/<page>.py and run."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DESK_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=90)
    at.query_params["period"] = "all"
    for key, value in query_params.items():
        at.query_params[key] = value
    at.run()
    return at.switch_page(f"views/{page}.py").run()


def record_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the dashboard/sql queries the dashboard runs from now on (Warehouse.query),
    in order, appended to the list returned."""
    from dashboard import db

    asked: list[str] = []
    real = db.Warehouse.query

    def recording(self, name, *args, **kw):  # type: ignore[no-untyped-def]
        asked.append(name)
        return real(self, name, *args, **kw)

    monkeypatch.setattr(db.Warehouse, "query", recording)
    return asked
