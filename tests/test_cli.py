"""The command line: help texts, exit codes, the run summary, status, demo and rebuild."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, SAMPLE, query

COMMANDS = ("load", "demo", "generate", "status", "rebuild")


def etl(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "120", **(env or {})})


def test_help_lists_commands() -> None:
    proc = etl("--help")
    assert proc.returncode == 0
    for command in COMMANDS:
        assert command in proc.stdout
    assert "DESK_DB" in proc.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    proc = etl(command, "--help")
    assert proc.returncode == 0
    assert "usage: python -m etl " + command in proc.stdout


def test_load_summary_and_status(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    proc = etl("load", str(SAMPLE), "--db", str(db), "--as-of", "2026-01-13T00:00:00+08:00")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "rows read 37 = loaded 29 + rejected 5 + skipped 3" in proc.stdout
    summary = " ".join(proc.stdout.split())  # (the console wraps long lines)
    assert ("fields emptied (the tickets and QA reviews loaded; data_issues): bad_csat 1, bad_score 1, "
            "resolution_before_first_response 1, response_before_creation 1") in summary
    assert "'wechat pay'" in proc.stdout
    status = etl("status", "--db", str(db))
    assert status.returncode == 0
    assert "version 1" in status.stdout and "tickets 14" in status.stdout
    assert "missing_created_at" in status.stdout and "tickets.csv:13" in status.stdout
    assert "Fields emptied in loaded tickets and QA reviews" in status.stdout and "tickets.csv:8" in status.stdout
    assert "qa_reviews.csv:4" in status.stdout  # review R4's score of 150


def test_status_without_warehouse(tmp_path: Path) -> None:
    proc = etl("status", "--db", str(tmp_path / "none.duckdb"))
    assert proc.returncode == 0
    assert "python -m etl demo" in proc.stdout


def test_failed_load_exit_code_and_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    db = tmp_path / "wh.duckdb"
    proc = etl("load", str(bad), "--db", str(db))
    assert proc.returncode == 1
    assert "no mapping profile fits" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr
    assert not db.exists()
    status = etl("status", "--db", str(db))
    assert "last failed run" in status.stdout


def test_usage_errors(tmp_path: Path) -> None:
    assert etl("load").returncode == 2
    proc = etl("load", str(SAMPLE), "--db", str(tmp_path / "x.duckdb"), "--as-of", "last tuesday")
    assert proc.returncode == 1 and "--as-of" in proc.stdout


def test_demo_and_rebuild(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    proc = etl("demo", "--tickets", "2000", "--db", str(db), "--out", str(tmp_path / "demo"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    again = etl("demo", "--tickets", "2000", "--db", str(db), "--out", str(tmp_path / "demo"), "--if-missing")
    assert again.returncode == 0 and "not rebuilt" in again.stdout
    cfg = tmp_path / "strict.toml"
    cfg.write_text("[sla.first_response]\ntarget_minutes = 5\n", encoding="utf-8")

    class S:
        warehouse_path = db

    before = query(S, "select count(*) filter (where frt_sla = 'breached') from ticket_metrics")[0][0]
    proc = etl("rebuild", "--db", str(db), "--config", str(cfg))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    after = query(S, "select count(*) filter (where frt_sla = 'breached'), max(frt_target_minutes) "
                     "from ticket_metrics")[0]
    assert after[0] > before and after[1] == 5
    # the as_of of the demo (midnight after yesterday, Asia/Shanghai) is kept
    import datetime as dt

    today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8)).date()
    as_of = dt.datetime.fromisoformat(query(S, "select value from warehouse_meta where key = 'as_of'")[0][0])
    assert as_of == dt.datetime(today.year, today.month, today.day, tzinfo=dt.timezone(dt.timedelta(hours=8)))
