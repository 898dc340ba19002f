"""Security of ad hoc SQL and its outputs (docs/SECURITY.md): CSV cells cannot start a
spreadsheet formula, nested values export as text, and `etl sql` fails loudly."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from etl.query import csvsafe, sqlguard
from etl.query.sqlguard import QueryFailed, QueryRefused
from etl.warehouse.versions import resolve_live
from tests.helpers import ROOT, load_sample

PREFIXES = ["=", "+", "-", "@", "\t", "\r"]
VALUES = [p + "cmd|' /C calc'!A0" for p in PREFIXES]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from etl.core.settings import load_settings

    s = load_settings(db=tmp_path_factory.mktemp("wh") / "warehouse.duckdb")
    load_sample(s)
    return resolve_live(s.warehouse_path)


def etl_sql(warehouse: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "etl", "sql", *args, "--db", str(warehouse)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def cells(data: bytes | str) -> list[list[str]]:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return list(csv.reader(io.StringIO(text, newline="")))


def values_sql() -> str:
    rows = ", ".join("(" + "'" + v.replace("'", "''") + "'" + f", {-i - 1}, {-(i + 1) / 2})"
                     for i, v in enumerate(VALUES))
    return f"select s, n, f from (values {rows}) t(s, n, f) order by n desc"


# ----------------------------------------------------------------------- finding 1: CSV injection
@pytest.mark.parametrize("prefix", PREFIXES)
def test_csvsafe_each_prefix(prefix: str) -> None:
    value = prefix + "SUM(1+1)"
    frame = pd.DataFrame({"text": [value, "plain"], "n": [-5, 3]})
    for data in (csvsafe.write_csv(frame, bom=True), csvsafe.write_csv(pa.table({"text": [value, "plain"],
                                                                                   "n": [-5, 3]}))):
        rows = cells(data)
        assert rows[1] == ["'" + value, "-5"] and rows[2] == ["plain", "3"]


def test_csvsafe_leaves_numbers_and_nulls() -> None:
    table = pa.table({"n": pa.array([-1, None], pa.int64()), "f": [-1.5, None], "s": pa.array([None, "-x"])})
    assert cells(csvsafe.write_csv(table)) == [["n", "f", "s"], ["-1", "-1.5", ""], ["", "", "'-x"]]
    assert cells(csvsafe.write_csv(pa.table({"=cmd()": [1]})))[0] == ["'=cmd()"]  # header cells too
    assert cells(csvsafe.write_csv(pd.DataFrame({"@x": [1]})))[0] == ["'@x"]


def test_sql_export_neutralises_each_prefix(warehouse: Path) -> None:
    con = sqlguard.connect(warehouse, memory_limit="256MB")
    try:
        data = sqlguard.export(con, values_sql(), fmt="csv")
        parquet = sqlguard.export(con, values_sql(), fmt="parquet")
    finally:
        con.close()
    rows = cells(data)
    assert [r[0] for r in rows[1:]] == ["'" + v for v in VALUES]
    assert [r[1] for r in rows[1:]] == [str(-i - 1) for i in range(len(VALUES))]  # numbers as numbers
    import pyarrow.parquet as pq

    assert pq.read_table(io.BytesIO(parquet)).column("s").to_pylist() == VALUES  # Parquet unchanged


def test_etl_sql_csv_neutralises_each_prefix(warehouse: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "etl", "sql", values_sql(), "--format", "csv", "--db", str(warehouse)],
                         cwd=ROOT, capture_output=True, timeout=120)  # bytes: keep a \r as it is
    assert out.returncode == 0, out.stderr
    rows = cells(out.stdout)
    assert [r[0] for r in rows[1:]] == ["'" + v for v in VALUES]
    assert [r[1] for r in rows[1:]] == [str(-i - 1) for i in range(len(VALUES))]
    js = etl_sql(warehouse, "select '=1+1' as a", "--format", "json")
    assert js.stdout.strip() == '{"a": "=1+1"}'  # JSON unchanged


# ----------------------------------------------------------------------- finding 3: nested types
def test_etl_sql_csv_of_map_struct_list_columns(warehouse: Path) -> None:
    out = etl_sql(warehouse, "select * from duckdb_settings()", "--format", "csv")
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    rows = cells(out.stdout)
    assert rows[0][:2] == ["name", "value"] and len(rows) > 50
    out = etl_sql(warehouse, "select map(['k'], ['=v']) as m, {'a': 1} as s, [1, 2] as l, 3 as n", "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert cells(out.stdout) == [["m", "s", "l", "n"], ["{k='=v'}", "{'a': 1}", "[1, 2]", "3"]]


def test_etl_sql_errors_exit_non_zero_without_traceback(warehouse: Path) -> None:
    for fmt in ("csv", "json", "table"):
        out = etl_sql(warehouse, "select cast('x' as integer)", "--format", fmt)
        assert out.returncode == 1 and "Traceback" not in out.stderr, (fmt, out.stderr[-2000:])
        assert "could not be converted" in out.stdout


# ----------------------------------------------------------------------- finding 2: limits that hold
def test_query_text_over_the_limit_refused_before_parsing(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import duckdb

    text = "select 1 as x" + " " * sqlguard.DEFAULT_MAX_QUERY_BYTES
    from etl.core.settings import load_settings

    assert load_settings().raw["sql"]["max_query_bytes"] == sqlguard.DEFAULT_MAX_QUERY_BYTES
    monkeypatch.setattr(duckdb, "extract_statements", lambda *_: pytest.fail("parsed"))
    started = time.monotonic()
    for call in (lambda: sqlguard.check(text), lambda: sqlguard.run_isolated(warehouse, text),
                 lambda: sqlguard.export_isolated(warehouse, text)):
        with pytest.raises(QueryRefused) as err:
            call()
        assert err.value.title == "The query is too long" and "100,000" in err.value.detail
    assert time.monotonic() - started < 0.5  # no worker was started, nothing parsed
    monkeypatch.undo()
    out = subprocess.run(
        [sys.executable, "-m", "etl", "sql", "-", "--db", str(warehouse)], cwd=ROOT, input=text,
        capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "The query is too long" in out.stdout and "Traceback" not in out.stderr


def test_slow_to_parse_and_plan_stopped_within_the_limit(warehouse: Path, tmp_path: Path) -> None:
    """20,000 UNIONs (300 kB, allowed here by a raised max_query_bytes): 30 s in-process
    against a 1 s limit, since neither the parser nor the planner heeds interrupt()."""
    text = " union ".join(["select 1"] * 20_000)
    limits = sqlguard.Limits(timeout=1.0, max_query_bytes=1_000_000)
    started = time.monotonic()
    with pytest.raises(QueryFailed) as err:
        sqlguard.run_isolated(warehouse, text, limits=limits)
    assert time.monotonic() - started < 1.0 + 1.5  # the limit + the worker's grace + margin
    assert err.value.title == "The query was stopped after 1 s"
    cfg = tmp_path / "desk.toml"
    cfg.write_text("[sql]\nmax_query_bytes = 1000000\n", encoding="utf-8")
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "etl", "sql", "-", "--timeout", "1", "--config", str(cfg),
                          "--db", str(warehouse)], cwd=ROOT, input=text, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "stopped after 1 s" in out.stdout, out.stdout + out.stderr[-2000:]
    assert time.monotonic() - started < 1.0 + 4.0  # + the command's own start-up


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.parametrize("statement", [
    "select string_agg(repeat('x', 1000000), '') from range(5000)",
    "select list(repeat('x', 1000)) from range(2000000)",
])
def test_huge_strings_stopped_by_the_memory_limit_and_the_caller_survives(warehouse: Path, statement: str) -> None:
    before = _rss_mb()
    with pytest.raises(QueryFailed) as err:
        sqlguard.run_isolated(warehouse, statement, limits=sqlguard.Limits(memory="1GB", timeout=60))
    assert err.value.title.startswith("The query needed more memory than allowed")
    assert _rss_mb() - before < 100  # the memory was the worker's, not ours
    assert sqlguard.run_isolated(warehouse, "select 42 as x").table.to_pylist() == [{"x": 42}]
    out = etl_sql(warehouse, statement)
    assert out.returncode == 1 and "more memory than allowed" in out.stdout and "Traceback" not in out.stderr


def test_worker_caps_its_whole_address_space(warehouse: Path) -> None:
    """The cap is the process's (setrlimit), not DuckDB's accounting: allocations outside
    DuckDB's buffer manager fail too."""
    import pickle

    code = ("import pickle, resource, sys; from etl.query import worker; "
            "req = pickle.load(sys.stdin.buffer); worker._answer(req); "
            "soft, _ = resource.getrlimit(resource.RLIMIT_AS); "
            "\ntry:\n    b = bytearray(soft)\n    print('allocated')\nexcept MemoryError:\n    print('refused', soft)")
    req = {"path": str(warehouse), "mode": "run", "sql": "select 1", "params": None, "fmt": "csv", "max_rows": 1,
           "memory": "256MB", "threads": 1, "started": time.time(), "deadline": time.time() + 30,
           "max_query_bytes": 100_000}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, input=pickle.dumps(req), capture_output=True,
                         timeout=60)
    assert out.stdout.decode().startswith("refused"), out.stdout + out.stderr


def test_worker_latency_is_reported(warehouse: Path) -> None:
    """The price of the worker for a small query (docs/SECURITY.md quotes it): well under a second."""
    con = sqlguard.connect(warehouse)
    try:
        started = time.monotonic()
        sqlguard.run(con, "select count(*) from ticket_metrics")
        inproc = time.monotonic() - started
    finally:
        con.close()
    started = time.monotonic()
    sqlguard.run_isolated(warehouse, "select count(*) from ticket_metrics")
    isolated = time.monotonic() - started
    print(f"in-process {inproc * 1000:.0f} ms, worker {isolated * 1000:.0f} ms")
    assert isolated < 3.0


# ----------------------------------------------------------------------- finding 4: sign-in throttling
class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def signin(tmp_path: Path):  # type: ignore[no-untyped-def]
    from etl.core.settings import load_settings
    from etl.query import auth

    settings = load_settings(db=tmp_path / "wh" / "warehouse.duckdb")
    auth.add_user(auth.users_file(settings), "ana", "analyst", "correct horse battery")
    auth.add_user(auth.users_file(settings), "bob", "viewer", "another long one")
    clock = FakeClock()
    slept: list[float] = []

    def attempt(name: str, password: str, client: str | None = "10.0.0.9") -> str | None:
        throttle = auth.Throttle.for_settings(settings)  # a new one each time: as a new session would
        throttle.clock = clock
        return auth.sign_in(settings, name, password, client, throttle=throttle, sleep=slept.append)

    return settings, clock, slept, attempt


def test_signin_delay_grows_then_locks_out_the_name(signin) -> None:  # type: ignore[no-untyped-def]
    settings, clock, slept, attempt = signin
    for _ in range(4):
        assert attempt("ana", "guess", client=None) is None
    assert slept == [1.0, 2.0, 4.0]  # waits before the 2nd, 3rd, 4th check
    assert attempt("ana", "guess 5", client=None) is None  # the 5th failure: locked for 15 minutes
    assert attempt("ana", "correct horse battery", client=None) is None  # right password refused
    assert attempt("ana", "correct horse battery", client="10.1.1.1") is None  # from anywhere
    clock.now += 14 * 60
    assert attempt("ana", "correct horse battery", client="10.1.1.1") is None
    clock.now += 61
    assert attempt("ana", "correct horse battery", client="10.1.1.1") == "analyst"
    from etl.query import auth

    log = auth.users_file(settings).parent / "security.log"
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert any(x["event"] == "signin_lockout" and x["key"] == "user:ana" for x in lines)
    state = auth.users_file(settings).parent / ".signin-attempts.json"
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600 and stat.S_IMODE(os.stat(log).st_mode) == 0o600


def test_signin_locks_out_a_client_spraying_names(signin) -> None:  # type: ignore[no-untyped-def]
    settings, clock, slept, attempt = signin
    for i in range(20):  # [auth] max_failures_per_client: one guess at each of 20 names
        assert attempt(f"u{i}", "guess", client="10.0.0.66") is None
    assert slept[-1] == 8.0  # 19 failures from the client count as 4 of one name
    assert attempt("bob", "another long one", client="10.0.0.66") is None  # this client is locked out
    assert attempt("bob", "another long one", client="10.0.0.7") == "viewer"  # another one is not


def test_signin_counts_survive_a_restart_and_success_resets_the_name(signin) -> None:  # type: ignore[no-untyped-def]
    settings, clock, slept, attempt = signin
    for _ in range(3):
        attempt("ana", "guess")
    from etl.query import auth

    fresh = auth.Throttle.for_settings(settings)  # a new process reading the same file
    fresh.clock = clock
    assert fresh.gate("ana", "10.0.0.9").delay == 4.0
    assert attempt("ana", "correct horse battery", client="10.0.0.10") == "analyst"
    assert fresh.gate("ana", "10.0.0.10") == auth.Gate(False, 0.0)
    clock.now += 16 * 60  # failures are forgotten after the window
    assert fresh.gate("x", "10.0.0.9") == auth.Gate(False, 0.0)
