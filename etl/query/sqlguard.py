"""Ad hoc SQL over the warehouse, safe by construction, in layers each tested on its own:

1. the connection: read-only, external access disabled (no file reads or writes, no ATTACH,
   no INSTALL), extension auto-loading off, a memory limit, and the configuration locked
   (no SET or PRAGMA can change a limit afterwards);
2. an allow-list of statement kinds, read by DuckDB's own parser: one statement, a query
   (SELECT, WITH, VALUES, TABLE, FROM, DESCRIBE, SHOW, SUMMARIZE, PIVOT/UNPIVOT with their
   values) or EXPLAIN; anything else gets a clear early message; invisible or direction-
   changing Unicode characters are refused outright;
3. a time limit per query (threading.Timer → interrupt), a display row cap with a
   "truncated" notice (downloads are not capped);
4. errors as a title a person can act on, with the database's message beside it.

In the dashboard's lake mode (etl/lake/reader.py) layer 1 is an in-memory database whose
file access is limited to the metrics folder and the lake (connect_folders).

The dashboard's own queries go through the same connection configuration (one process
cannot open one file with two configurations).
"""

from __future__ import annotations

import io
import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from etl.core.errors import DeskError

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MEMORY = "2GB"
DEFAULT_MAX_ROWS = 10_000
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


def check(sql: str) -> str:
    """The one allowed statement of `sql`, or QueryRefused with the reason."""
    if not sql or not sql.strip():
        raise QueryRefused("the query is empty", title="Nothing to run")
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
        timeout: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS) -> Result:
    """Run one allowed statement: the first `max_rows` rows, and the count of all of them."""
    check(sql)
    cur = con.cursor()
    started = time.monotonic()
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
           fmt: str = "csv", timeout: float = DEFAULT_TIMEOUT_S) -> bytes:
    """The whole result as CSV or Parquet bytes (not capped; the time limit still holds)."""
    check(sql)
    cur = con.cursor()
    timer = _interrupting(cur, timeout)
    sink = io.BytesIO()
    try:
        reader = cur.sql(sql, params=params or None).to_arrow_reader(65536)
        if fmt == "parquet":
            with pq.ParquetWriter(sink, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
        else:
            with pacsv.CSVWriter(sink, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
    except duckdb.InterruptException:
        raise QueryFailed(f"writing the whole result took longer than {timeout:.0f} s",
                          title="The download was stopped at the time limit") from None
    except duckdb.Error as exc:
        raise _failed(exc) from None
    finally:
        timer.cancel()
        cur.close()
    return sink.getvalue()


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
