"""Ad hoc SQL over the warehouse, safe by construction, in layers each tested on its own:

1. the connection: read-only, external access disabled (no file reads or writes, no ATTACH,
   no INSTALL), extension auto-loading off, a memory limit, and the configuration locked
   (no SET or PRAGMA can change a limit afterwards);
2. an allow-list of statement kinds, read by DuckDB's own parser: one statement, a query
   (SELECT, WITH, VALUES, TABLE, FROM, DESCRIBE, SHOW, SUMMARIZE, PIVOT/UNPIVOT with their
   values) or EXPLAIN; anything else gets a clear early message; invisible or direction-
   changing Unicode characters are refused outright;
3. limits: a bound on the query text (`[sql] max_query_bytes`, checked before anything
   parses it); a time limit per query (threading.Timer → interrupt); a display row cap with
   a "truncated" notice (downloads are not capped). Ad hoc SQL (the SQL page, `etl sql`)
   runs through `run_isolated`/`export_isolated`: in a worker process of its own
   (etl/query/worker.py) whose address space is capped (setrlimit) and which is killed at
   the time limit, so that both limits hold for parse + plan + execution and for every
   allocation, not only DuckDB's buffers. The dashboard's own, parameterised page queries
   stay in-process (`run` or the connection);
4. errors as a title a person can act on, with the database's message beside it;
5. outputs: CSV cells that would start a spreadsheet formula get a leading ' and nested
   values (MAP, STRUCT, LIST …) are written as text (etl/query/csvsafe.py).

In the dashboard's lake mode (etl/lake/reader.py) layer 1 is an in-memory database whose
file access is limited to the metrics folder and the lake (connect_folders).

The dashboard's own queries go through the same connection configuration (one process
cannot open one file with two configurations).
"""

from __future__ import annotations

import io
import os
import pickle
import re
import signal
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from etl.core.errors import DeskError
from etl.query import csvsafe

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY = "2GB"
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_QUERY_BYTES = 100_000   # [sql] max_query_bytes: DuckDB's parser cannot be interrupted
WORKER_GRACE_S = 1.0  # beyond the time limit: the worker's own interrupt has this long to answer
MEMORY_TITLE = "The query needed more memory than allowed; narrow it down (a filter, a LIMIT, fewer columns)"
ALLOWED_TYPES = {"SELECT", "EXPLAIN"}
HIDDEN_CHARS = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class QueryRefused(DeskError):
    """The statement is not one the SQL box runs (refused before it reaches the database)."""

    title = "This statement is not allowed here"


class QueryFailed(DeskError):
    """The database refused or stopped the query; `title` says what to do."""

    title = "The query failed"


def connect(path: Path | str, *, memory_limit: str = DEFAULT_MEMORY, threads: int = 2) -> duckdb.DuckDBPyConnection:
    """A read-only connection with external access off and its configuration locked."""
    con = duckdb.connect(str(path), read_only=True, config={
        "enable_external_access": False,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "memory_limit": memory_limit,
        "threads": threads,
    })
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set lock_configuration = true")
    except duckdb.InvalidInputException:
        pass  # the same database instance, configured and locked by an earlier connection
    return con


def connect_folders(readable: list[Path], setup: Callable[[duckdb.DuckDBPyConnection], Any], *,
                    memory_limit: str = DEFAULT_MEMORY, threads: int = 2) -> duckdb.DuckDBPyConnection:
    """An in-memory database over Parquet folders (the dashboard's lake mode): file access
    is limited to `readable` (DuckDB's allowed_directories) before `setup` creates the
    views, then the configuration is locked. Inside those folders DuckDB would also let a
    COPY write; the statement allow-list (layer 2) refuses every such statement."""
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "allow_community_extensions": False,
        "memory_limit": memory_limit,
        "threads": threads,
    })
    con.execute("set TimeZone = 'UTC'")
    dirs = ", ".join("'" + str(p).replace("'", "''").rstrip("/") + "/'" for p in readable)
    con.execute(f"set allowed_directories = [{dirs}]")
    con.execute("set enable_external_access = false")
    setup(con)
    con.execute("set lock_configuration = true")
    return con


def check(sql: str, *, max_query_bytes: int = DEFAULT_MAX_QUERY_BYTES) -> str:
    """The one allowed statement of `sql`, or QueryRefused with the reason."""
    if not sql or not sql.strip():
        raise QueryRefused("the query is empty", title="Nothing to run")
    check_length(sql, max_query_bytes)  # before any parsing: the parser is not stopped by the time limit
    if HIDDEN_CHARS.search(sql):
        raise QueryRefused("the text contains invisible or direction-changing Unicode characters "
                           "(zero-width spaces, bidirectional overrides …); retype the query",
                           title="Hidden characters in the query")
    if unicodedata.normalize("NFKC", sql) != sql and re.search(r"[；（）＊＝，]", sql):
        raise QueryRefused("the query uses full-width punctuation (；（）＊＝，); use ASCII ; ( ) * = ,",
                           title="Full-width punctuation in the query")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryFailed(_first_line(exc), title="The SQL has a syntax error") from None
    if len(statements) != 1:
        raise QueryRefused(f"{len(statements)} statements were given; run one at a time",
                           title="One statement at a time")
    kind = str(statements[0].type).rsplit(".", 1)[-1]
    if kind not in ALLOWED_TYPES:
        label = {"MULTI": "a PIVOT without its values (give them with IN (…))"}.get(kind, kind)
        raise QueryRefused(f"{label} statements change or reach beyond the warehouse; only queries "
                           "(SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE …) and EXPLAIN run here",
                           title="Only queries can run here")
    return sql


def bind(sql: str, available: dict[str, Any]) -> dict[str, Any]:
    """The parameters a query uses ($since, $category …), from those available."""
    used = sorted(set(PARAM.findall(_without_strings(sql))))
    unknown = [p for p in used if p not in available]
    if unknown:
        raise QueryRefused(f"unknown parameter(s) {', '.join('$' + p for p in unknown)}; available: "
                           f"{', '.join('$' + p for p in sorted(available))}", title="Unknown parameter")
    return {p: available[p] for p in used}


def _without_strings(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


@dataclass
class Result:
    columns: list[str]
    table: pa.Table                 # at most max_rows rows
    rows: int                       # rows counted (all of them unless `complete` is False)
    truncated: bool
    complete: bool                  # False when the time limit stopped the counting
    seconds: float
    notes: list[str] = field(default_factory=list)


def _interrupting(cur: duckdb.DuckDBPyConnection, seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, cur.interrupt)
    timer.daemon = True
    timer.start()
    return timer


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None, *,
        timeout: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS,
        max_query_bytes: int = DEFAULT_MAX_QUERY_BYTES) -> Result:
    """Run one allowed statement: the first `max_rows` rows, and the count of all of them.
    In this process the parse is not interruptible: ad hoc SQL goes through `run_isolated`."""
    started = time.monotonic()
    check(sql, max_query_bytes=max_query_bytes)
    cur = con.cursor()
    timer = _interrupting(cur, timeout)
    kept: list[pa.RecordBatch] = []
    rows = 0
    complete = True
    schema = None
    try:
        reader = cur.sql(sql, params=params or None).to_arrow_reader(8192)
        schema = reader.schema
        for batch in reader:
            if rows < max_rows:
                kept.append(batch.slice(0, max_rows - rows))
            rows += batch.num_rows
    except duckdb.InterruptException:
        if schema is None:
            raise QueryFailed(f"it ran for {timeout:.0f} s, the limit; narrow it down (a filter, a LIMIT, "
                              "fewer joins) and run it again",
                              title=f"The query was stopped after {timeout:.0f} s") from None
        complete = False  # the first rows are here; counting the rest took too long
    except duckdb.Error as exc:
        raise _failed(exc) from None
    finally:
        timer.cancel()
        cur.close()
    assert schema is not None
    table = pa.Table.from_batches(kept, schema=schema) if kept else schema.empty_table()
    notes = []
    if not complete:
        notes.append(f"counting the rows was stopped at the time limit: at least {rows:,} rows")
    return Result(columns=list(schema.names), table=table, rows=rows, truncated=rows > max_rows or not complete,
                  complete=complete, seconds=time.monotonic() - started, notes=notes)


def export(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None, *,
           fmt: str = "csv", timeout: float = DEFAULT_TIMEOUT_S,
           max_query_bytes: int = DEFAULT_MAX_QUERY_BYTES) -> bytes:
    """The whole result as CSV or Parquet bytes (not capped; the time limit still holds).
    CSV cells that would start a spreadsheet formula get a leading ' (etl/query/csvsafe.py)."""
    check(sql, max_query_bytes=max_query_bytes)
    cur = con.cursor()
    timer = _interrupting(cur, timeout)
    sink = io.BytesIO()
    try:
        rel = cur.sql(sql, params=params or None)
        if fmt != "parquet":
            rel = _nested_as_text(rel)
        reader = rel.to_arrow_reader(65536)
        if fmt == "parquet":
            import pyarrow.parquet as pq  # here: the SQL worker starts faster without it

            with pq.ParquetWriter(sink, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
        else:  # text that a spreadsheet would run as a formula gets a leading ' (csvsafe)
            sink.write(csvsafe.write_csv(reader))
    except duckdb.InterruptException:
        raise QueryFailed(f"writing the whole result took longer than {timeout:.0f} s",
                          title="The download was stopped at the time limit") from None
    except duckdb.Error as exc:
        raise _failed(exc) from None
    except pa.ArrowException as exc:
        raise QueryFailed(_first_line(exc), title="A value could not be written to the file") from None
    finally:
        timer.cancel()
        cur.close()
    return sink.getvalue()


NESTED_TYPES = {"map", "struct", "list", "array", "union", "variant", "interval", "bit", "blob"}


def _nested_as_text(rel: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """MAP, STRUCT, LIST, UNION, VARIANT … columns cast to VARCHAR by DuckDB (its own text
    form, e.g. {key=value}), for CSV: a CSV cell holds text, not nested values. Other
    columns keep their types (numbers stay numbers)."""
    names = list(rel.columns)
    ids = [str(getattr(t, "id", t)).lower() for t in rel.types]
    if not any(i in NESTED_TYPES for i in ids) or len(set(names)) != len(names):
        return rel  # (duplicate names: csvsafe writes nested values as JSON text instead)
    quoted = ['"' + n.replace('"', '""') + '"' for n in names]
    return rel.project(", ".join(f"cast({q} as varchar) as {q}" if i in NESTED_TYPES else q
                                 for q, i in zip(quoted, ids, strict=True)))


@dataclass(frozen=True)
class Limits:
    """The [sql] limits of ad hoc queries (etl/core/defaults.toml)."""

    timeout: float = DEFAULT_TIMEOUT_S
    max_rows: int = DEFAULT_MAX_ROWS
    max_query_bytes: int = DEFAULT_MAX_QUERY_BYTES
    memory: str = DEFAULT_MEMORY           # the worker process's own allowance, beyond its start-up
    threads: int = 2

    @classmethod
    def from_settings(cls, raw: dict[str, Any], **override: Any) -> Limits:
        sql = raw.get("sql", {})
        values = {"timeout": float(sql.get("timeout_seconds", DEFAULT_TIMEOUT_S)),
                  "max_rows": int(sql.get("max_rows", DEFAULT_MAX_ROWS)),
                  "max_query_bytes": int(sql.get("max_query_bytes", DEFAULT_MAX_QUERY_BYTES)),
                  "memory": str(sql.get("memory_limit", DEFAULT_MEMORY)),
                  "threads": int(sql.get("threads", 2))}
        values.update({k: v for k, v in override.items() if v is not None})
        return cls(**values)


def run_isolated(path: Path | str, sql: str, params: dict[str, Any] | None = None, *,
                 limits: Limits = Limits()) -> Result:
    """`run` in a worker process (etl/query/worker.py): the time limit covers parse, plan and
    execution, and the memory limit holds for the whole process. For ad hoc SQL."""
    check_length(sql, limits.max_query_bytes)
    return _in_worker(path, "run", sql, params, timeout=limits.timeout, memory=limits.memory,
                       threads=limits.threads, max_rows=limits.max_rows, max_query_bytes=limits.max_query_bytes)


def export_isolated(path: Path | str, sql: str, params: dict[str, Any] | None = None, *, fmt: str = "csv",
                    limits: Limits = Limits()) -> bytes:
    """`export` in a worker process, with the limits of `run_isolated`."""
    check_length(sql, limits.max_query_bytes)
    return _in_worker(path, "export", sql, params, timeout=limits.timeout, memory=limits.memory,
                       threads=limits.threads, fmt=fmt, max_query_bytes=limits.max_query_bytes)


def _in_worker(path: Path | str, mode: str, sql: str, params: dict[str, Any] | None, *, timeout: float,
         memory: str, threads: int = 2, max_rows: int = 0, fmt: str = "csv",
         max_query_bytes: int) -> Any:
    """Run `mode` ("run" → Result, "export" → bytes) in a child `python -m etl.query.worker`;
    raise QueryFailed/QueryRefused as the in-process functions do."""
    started = time.time()
    request = {"path": str(path), "mode": mode, "sql": sql, "params": params, "fmt": fmt, "max_rows": max_rows,
               "memory": memory, "threads": threads, "started": started, "deadline": started + timeout,
               "max_query_bytes": max_query_bytes}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parents[2]), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.Popen([sys.executable, "-m", "etl.query.worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        out, err = proc.communicate(pickle.dumps(request), timeout=timeout + WORKER_GRACE_S)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise QueryFailed(f"it ran for {timeout:.0f} s, the limit (reading, planning and running the query "
                          "together); narrow it down (a filter, a LIMIT, fewer joins) and run it again",
                          title=f"The query was stopped after {timeout:.0f} s") from None
    except BaseException:
        _kill(proc)
        raise
    if not out:
        # no answer: the child died; past its address-space cap is the one way that happens
        why = err.decode("utf-8", "replace").strip().splitlines()
        detail = (why[-1] if why else f"the worker process ended with code {proc.returncode}")
        if proc.returncode and proc.returncode < 0 and -proc.returncode != signal.SIGKILL:
            detail = f"the worker process was stopped by signal {-proc.returncode} ({detail})"
        raise QueryFailed(detail, title=MEMORY_TITLE)
    answer = pickle.loads(out)
    if answer[0] == "ok":
        return answer[1]
    _, kind, detail, title = answer
    if title.startswith("The query was stopped after"):  # the child counted its remaining time
        title = f"The query was stopped after {timeout:.0f} s"
    raise (QueryRefused if kind == "QueryRefused" else QueryFailed)(detail, title=title)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def check_length(sql: str, max_query_bytes: int = DEFAULT_MAX_QUERY_BYTES) -> None:
    """QueryRefused for a text over the limit, before anything parses it."""
    size = len(sql.encode("utf-8", "surrogatepass"))
    if size > max_query_bytes:
        raise QueryRefused(f"the query text is {size:,} bytes; at most {max_query_bytes:,} are accepted "
                           "([sql] max_query_bytes). Put long value lists in a table or use a "
                           "parameter ($category …) instead of pasting them", title="The query is too long")


def _failed(exc: duckdb.Error) -> QueryFailed:
    message = _first_line(exc)
    titles = [
        (duckdb.ParserException, "The SQL has a syntax error"),
        (duckdb.CatalogException, "Unknown table, view, column or function (see the schema beside the editor)"),
        (duckdb.BinderException, "A name or type in the query does not fit (check columns and GROUP BY)"),
        (duckdb.PermissionException, "Files, extensions and settings are out of reach from here"),
        (duckdb.OutOfMemoryException, "The query needed more memory than it may use; narrow it down"),
        (duckdb.ConversionException, "A value could not be converted (check casts and literals)"),
        (duckdb.InvalidInputException, "The query asked for something not allowed or not valid"),
    ]
    for cls, title in titles:
        if isinstance(exc, cls):
            return QueryFailed(message, title=title)
    return QueryFailed(message)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
