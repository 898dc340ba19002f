"""Shared fixtures: settings for a warehouse in tmp_path, the hand-made sample, loads."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from etl.load import load
from etl.publish import resolve_live
from etl.settings import Settings, build_settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SAMPLE_AS_OF = dt.datetime(2026, 1, 13, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings with the warehouse in tmp_path."""
    return load_settings(db=tmp_path / "wh" / "warehouse.duckdb")


def settings_with(tmp_path: Path, overrides: dict) -> Settings:
    """Default settings merged with `overrides` (as a TOML file would be)."""
    from etl.settings import DEFAULTS_FILE, _deep_merge, _read_toml

    data = _deep_merge(_read_toml(DEFAULTS_FILE), overrides)
    return build_settings(data, tmp_path / "wh" / "warehouse.duckdb")


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A private copy of the hand-made sample export."""
    dest = tmp_path / "sample"
    shutil.copytree(SAMPLE, dest)
    return dest


def load_sample(settings: Settings, folder: Path = SAMPLE, **kw):  # type: ignore[no-untyped-def]
    return load([folder], settings, as_of=SAMPLE_AS_OF, **kw)


@pytest.fixture
def sample_warehouse(settings: Settings) -> Settings:
    load_sample(settings)
    return settings


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(resolve_live(settings.warehouse_path)), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def metrics_by_ticket(settings: Settings) -> dict[str, dict]:
    con = duckdb.connect(str(resolve_live(settings.warehouse_path)), read_only=True)
    try:
        cur = con.execute("select * from ticket_metrics")
        cols = [d[0] for d in cur.description]
        return {row[1]: dict(zip(cols, row)) for row in cur.fetchall()}
    finally:
        con.close()
