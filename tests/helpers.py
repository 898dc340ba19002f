"""Helpers the test modules share: the project's paths, the hand-made sample and how to
load it, settings with overrides, and read-only queries of a published warehouse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from etl.core import settings as settings_module
from etl.core.settings import Settings
from etl.load.run import RunResult, load
from etl.warehouse.versions import resolve_live

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SAMPLE_AS_OF = dt.datetime(2026, 1, 13, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
REALDATA = ROOT.parent / "shared" / "realdata"


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
