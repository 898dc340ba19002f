"""Ad hoc SQL, safe by construction: each layer of etl/query/sqlguard.py on its own, then a corpus
of hostile or broken statements that must each be refused or stopped, with the warehouse
and the connection unharmed afterwards."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from etl.query import sqlguard
from etl.query.sqlguard import QueryFailed, QueryRefused
from etl.warehouse.versions import resolve_live
from tests.helpers import ROOT, SAMPLE, load_sample


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from etl.core.settings import load_settings

    s = load_settings(db=tmp_path_factory.mktemp("wh") / "warehouse.duckdb")
    load_sample(s)
    return resolve_live(s.warehouse_path)


@pytest.fixture
def con(warehouse: Path):  # type: ignore[no-untyped-def]
    c = sqlguard.connect(warehouse, memory_limit="256MB")
    yield c
    c.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------- layer 1: the connection
# external access off: file reads and writes, ATTACH, INSTALL (PermissionException);
# read-only and locked configuration: writes and SET/PRAGMA/RESET (InvalidInputException)
NO_FILES, READ_ONLY_LOCKED = duckdb.PermissionException, duckdb.InvalidInputException


@pytest.mark.parametrize("statement, refused_by", [
    ("select * from read_csv('/etc/passwd')", NO_FILES),
    ("select * from read_text('/etc/hostname')", NO_FILES),
    ("select * from glob('/etc/*')", NO_FILES),
    ("copy tickets to '/tmp/desk-leak.csv'", NO_FILES),
    ("export database '/tmp/desk-export'", NO_FILES),
    ("attach '/tmp/desk-other.duckdb' as other", NO_FILES),
    ("install httpfs", NO_FILES),
    ("set memory_limit = '100GB'", READ_ONLY_LOCKED),
    ("set enable_external_access = true", READ_ONLY_LOCKED),
    ("pragma memory_limit = '100GB'", READ_ONLY_LOCKED),
    ("reset lock_configuration", READ_ONLY_LOCKED),
    ("reset memory_limit", READ_ONLY_LOCKED),
    ("create table stolen as select * from tickets", READ_ONLY_LOCKED),
    ("delete from tickets", READ_ONLY_LOCKED),
])
def test_connection_layer_alone(con, statement: str, refused_by: type) -> None:  # type: ignore[no-untyped-def]
    """Even without the allow-list in front, the connection itself refuses, for its own
    reason (not, say, a syntax error)."""
    with pytest.raises(duckdb.Error) as err:
        con.execute(statement).fetchall()
    assert type(err.value) is refused_by, str(err.value)
    if refused_by is READ_ONLY_LOCKED:
        assert "configuration" in str(err.value) or "read-only" in str(err.value)
    assert not Path("/tmp/desk-leak.csv").exists() and not Path("/tmp/desk-export").exists()
    assert con.execute("select count(*) from tickets").fetchall() == [(14,)]


# ----------------------------------------------------------------- layer 2: the allow-list
@pytest.mark.parametrize("statement", [
    "drop table tickets",
    "insert into tickets select * from tickets",
    "update tickets set csat = 5",
    "create temp table t as select 1",
    "create or replace macro x() as 1",
    "checkpoint",
    "vacuum",
    "begin transaction",
    "prepare p as select 1",
    "set variable x = 1",
    "use memory",
    "detach memory",
    "load json",
    "call pragma_version()",
    "select 1; drop table tickets",
    "select 1 /* ; */; delete from tickets",
    "select 1 -- harmless\n; delete from tickets",
])
def test_allow_list_alone(statement: str) -> None:
    with pytest.raises(QueryRefused):
        sqlguard.check(statement)


@pytest.mark.parametrize("statement", [
    "select 1", "with a as (select 1 as x) select * from a", "describe ticket_metrics", "show tables",
    "summarize tickets", "explain select 1", "from ticket_metrics limit 1", "values (1, 2)",
    "table tickets", "select 1 -- a comment with ; inside",
])
def test_allow_list_lets_queries_through(statement: str) -> None:
    assert sqlguard.check(statement) == statement


@pytest.mark.parametrize("statement, title", [
    ("select 1\u200b; drop table tickets", "Hidden characters"),       # zero-width space
    ("select '\u202edrop table tickets'", "Hidden characters"),         # right-to-left override
    ("select 1；delete from tickets", "Full-width punctuation"),        # full-width semicolon
    ("ＳＥＬＥＣＴ 1", "The SQL has a syntax error"),                       # full-width letters
])
def test_unicode_tricks(statement: str, title: str) -> None:
    with pytest.raises((QueryRefused, QueryFailed)) as err:
        sqlguard.check(statement)
    assert err.value.title.startswith(title)


# ----------------------------------------------------------------- layer 3: limits
def test_time_limit_stops_a_long_query(con) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with pytest.raises(QueryFailed) as err:
        sqlguard.run(con, "select count(*) from range(1000000000) a, range(1000) b", timeout=1.0)
    assert time.monotonic() - started < 2.0  # the limit plus a second
    assert "stopped after 1 s" in err.value.title
    assert sqlguard.run(con, "select 42 as x").table.to_pylist() == [{"x": 42}]  # still usable


def test_row_cap_with_notice_and_full_download(con) -> None:  # type: ignore[no-untyped-def]
    result = sqlguard.run(con, "select * from range(250000) t(i)", max_rows=1000)
    assert (result.table.num_rows, result.rows, result.truncated) == (1000, 250000, True)
    csv = sqlguard.export(con, "select * from range(250000) t(i)", fmt="csv")
    assert csv.count(b"\n") == 250001  # header + every row: downloads are not capped
    parquet = sqlguard.export(con, "select * from range(1000) t(i)", fmt="parquet")
    assert parquet[:4] == b"PAR1"


def test_memory_limit(con) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryFailed) as err:
        sqlguard.run(con, "select list(repeat('x', 1000)) from range(2000000)", timeout=20)
    assert "memory" in err.value.title.lower() or "memory" in err.value.detail.lower()


# ----------------------------------------------------------------- layer 4: errors a person can act on
@pytest.mark.parametrize("statement, title", [
    ("selec 1", "syntax error"),
    ("select * from no_such_table", "Unknown table"),
    ("select nope from tickets", "does not fit"),
    ("select cast('x' as integer)", "could not be converted"),
    ("select * from read_csv('/etc/passwd')", "out of reach"),
])
def test_error_titles(con, statement: str, title: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryFailed) as err:
        sqlguard.run(con, statement)
    assert title in err.value.title
    assert err.value.detail  # the database's message, shown on request


def test_parameters_bound_never_formatted(con) -> None:  # type: ignore[no-untyped-def]
    sql = "select count(*) as n from ticket_metrics where list_contains($category, category) and '$x' = '$x'"
    params = sqlguard.bind(sql, {"category": ["withdrawal"], "since": None})
    assert params == {"category": ["withdrawal"]}
    assert sqlguard.run(con, sql, params).table.to_pylist() == [{"n": 2}]
    hostile = ["withdrawal') or 1=1 --"]
    assert sqlguard.run(con, sql, {"category": hostile}).table.to_pylist() == [{"n": 0}]
    with pytest.raises(QueryRefused, match=r"\$nope"):
        sqlguard.bind("select $nope", {"category": []})


# ----------------------------------------------------------------- the corpus, end to end
# Each hostile statement with the layer meant to stop it: the exception class and the
# title that layer of etl/query/sqlguard.py gives. A statement stopped by anything else
# (a syntax error, say) would prove nothing about the guard, and fails the test.
ALLOW_LIST = (QueryRefused, "Only queries can run here")
ONE_STATEMENT = (QueryRefused, "One statement at a time")
HIDDEN_CHARS = (QueryRefused, "Hidden characters in the query")
FULL_WIDTH = (QueryRefused, "Full-width punctuation in the query")
EXTERNAL_ACCESS = (QueryFailed, "Files, extensions and settings are out of reach from here")
TIME_LIMIT = (QueryFailed, "The query was stopped after 2 s")
MEMORY_LIMIT = (QueryFailed, "The query needed more memory than it may use")
SAMPLE_CSV = str(SAMPLE / "agents.csv")

HOSTILE = [
    ("select * from read_csv('/etc/passwd')", EXTERNAL_ACCESS),
    ("select content from read_text('/etc/shadow')", EXTERNAL_ACCESS),
    ("select * from read_parquet('/tmp/*.parquet')", EXTERNAL_ACCESS),
    (f"select * from '{SAMPLE_CSV}'", EXTERNAL_ACCESS),  # (test_file_name_as_table_is_read_elsewhere)
    ("select * from sniff_csv('/etc/passwd')", EXTERNAL_ACCESS),
    ("copy (select * from tickets) to '/tmp/desk-leak.csv'", ALLOW_LIST),
    ("export database '/tmp/desk-export'", ALLOW_LIST),
    ("attach '/tmp/desk-other.duckdb'", ALLOW_LIST),
    ("install httpfs", ALLOW_LIST),
    ("load httpfs", ALLOW_LIST),
    ("set memory_limit = '100GB'", ALLOW_LIST),
    ("set threads = 64", ALLOW_LIST),
    ("pragma enable_profiling", ALLOW_LIST),
    ("reset memory_limit", ALLOW_LIST),  # (was "reset all": a syntax error in DuckDB 2.0)
    ("drop view ticket_metrics", ALLOW_LIST),
    ("create temp table big as select * from range(100000000)", ALLOW_LIST),
    ("select 1; drop table tickets", ONE_STATEMENT),
    ("select 1 /* hide */ ; delete from tickets", ONE_STATEMENT),
    ("select 1\u200b; drop table tickets", HIDDEN_CHARS),
    ("select 1；drop table tickets", FULL_WIDTH),
    ("select count(*) from range(100000000) a cross join range(100000000) b", TIME_LIMIT),
    ("with recursive r(n) as (select 1 union all select n + 1 from r) select count(*) from r", TIME_LIMIT),
    ("select string_agg(repeat('x', 10000), '') from range(10000000)", MEMORY_LIMIT),
    ("call pragma_database_size()", ALLOW_LIST),
    ("checkpoint", ALLOW_LIST),
    ("begin; delete from tickets; commit", ONE_STATEMENT),
    ("select * from duckdb_secrets()", EXTERNAL_ACCESS),  # the secrets' folder is a file access
]


def test_hostile_corpus_refused_or_stopped(warehouse: Path) -> None:
    assert len(HOSTILE) >= 25
    before = digest(warehouse)
    con = sqlguard.connect(warehouse, memory_limit="256MB")
    for statement, (refused_by, title) in HOSTILE:
        started = time.monotonic()
        with pytest.raises((QueryRefused, QueryFailed)) as err:
            sqlguard.run(con, statement, timeout=2.0, max_rows=100)
        assert (type(err.value), err.value.title[:len(title)]) == (refused_by, title), (statement, err.value)
        if refused_by is QueryFailed:  # past the allow-list: stopped by the connection or a limit
            assert sqlguard.check(statement) == statement
        assert time.monotonic() - started < 3.5, statement
    assert con.execute("select count(*) from tickets").fetchall() == [(14,)]
    assert sqlguard.run(con, "select count(*) as n from ticket_metrics").table.to_pylist() == [{"n": 14}]
    con.close()
    assert digest(warehouse) == before
    assert not Path("/tmp/desk-leak.csv").exists() and not Path("/tmp/desk-export").exists()


def test_file_name_as_table_is_read_elsewhere() -> None:
    """The corpus's quoted file name is a real threat: a connection without the guard's
    configuration reads the file as a table."""
    plain = duckdb.connect()
    try:
        columns = [d[0] for d in plain.execute(f"select * from '{SAMPLE_CSV}'").description]
        assert "agent_id" in columns
    finally:
        plain.close()


def test_sql_command_line(warehouse: Path) -> None:
    def etl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "etl", "sql", *args, "--db", str(warehouse)], cwd=ROOT,
                              capture_output=True, text=True)

    ok = etl("select channel, count(*) as n from ticket_metrics group by 1 order by 2 desc, 1", "--format", "csv")
    assert ok.returncode == 0 and ok.stdout.splitlines()[:3] == ['"channel","n"', '"chat",4', '"email",4']
    js = etl("select 1 as a", "--format", "json")
    assert js.stdout.strip() == '{"a": 1}'
    bad = etl("copy tickets to '/tmp/desk-leak.csv'")
    assert bad.returncode == 1 and "Only queries can run here" in bad.stdout and "Traceback" not in bad.stderr
    slow = etl("select count(*) from range(1000000000) a, range(1000) b", "--timeout", "1")
    assert slow.returncode == 1 and "stopped after 1 s" in slow.stdout


def test_sql_command_line_takes_the_time_limit_from_the_settings(warehouse: Path, tmp_path: Path) -> None:
    """Without --timeout, `etl sql` stops a query at [sql] timeout_seconds (not at a fixed 30 s)."""
    config = tmp_path / "desk.toml"
    config.write_text("[sql]\ntimeout_seconds = 1\n", encoding="utf-8")
    slow = subprocess.run([sys.executable, "-m", "etl", "sql", "select count(*) from range(1000000000) a, range(1000) b",
                           "--db", str(warehouse), "--config", str(config)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert slow.returncode == 1 and "stopped after 1 s" in slow.stdout
