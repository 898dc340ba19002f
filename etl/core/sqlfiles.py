"""The project's .sql files: read, fill, split into statements, bind only the parameters used.

One reader and one placeholder filler for the whole project (the ETL's etl/sql/ and the
dashboard's dashboard/sql/), and SQL quoting for the few names and literals our own code
writes into SQL text (paths, column names of a file). User values never go through these:
they reach SQL as bound $parameters.

Header comments declare what the code would otherwise keep in lists beside the SQL: a
model's `-- materialized: table | view | summary` and a check's `-- severity: error | warning`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_STATEMENT_END = re.compile(r";[ \t]*(?:--[^\n]*)?$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def quote_ident(name: str) -> str:
    """A SQL identifier in double quotes (for column names taken from a file's header)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A SQL string literal (for paths and names our code writes into SQL text)."""
    return "'" + text.replace("'", "''") + "'"


@cache
def sql_text(name: str, root: Path = SQL_DIR) -> str:
    """The text of <root>/<name>.sql (root: etl/sql unless another folder is given)."""
    return (root / f"{name}.sql").read_text(encoding="utf-8")


def fill(text: str, replacements: Mapping[str, str]) -> str:
    """Fill {identifier} placeholders: names of our own temp views, SQL fragments our code
    built from allow-lists, never user values. A placeholder left unfilled is an error, so a
    file and its caller cannot drift apart silently."""
    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in replacements:
            raise KeyError(f"placeholder {{{key}}} has no value")
        return replacements[key]

    # whole-line comments stay as they are: they may name placeholders to document them
    return "\n".join(line if line.lstrip().startswith("--") else _PLACEHOLDER.sub(one, line)
                     for line in text.split("\n"))


def statements(text: str) -> list[str]:
    """Statements of a file whose statements end with ';' at the end of a line."""
    parts = _STATEMENT_END.split(text)
    out = []
    for part in parts:
        # whole-line comments go: they may mention $parameters that the statement does not use
        body = "\n".join(line for line in part.splitlines() if not line.strip().startswith("--"))
        if body.strip():
            out.append(body.strip())
    return out


_STEP = re.compile(r"^--\s*step\s*:\s*([a-z_]+)\s*$", re.MULTILINE)


@cache
def steps(name: str) -> dict[str, str]:
    """The named steps of a file whose statements are each headed by a '-- step: NAME'
    line (e.g. the merges in etl/sql/load/): {name: statement text}, placeholders unfilled."""
    text = sql_text(name)
    marks = list(_STEP.finditer(text))
    if not marks:
        raise ValueError(f"{name}.sql has no '-- step:' lines")
    out: dict[str, str] = {}
    for i, m in enumerate(marks):
        body = text[m.end():marks[i + 1].start() if i + 1 < len(marks) else len(text)]
        found = statements(body)
        if len(found) != 1:
            raise ValueError(f"{name}.sql: step {m.group(1)} holds {len(found)} statements, not one")
        out[m.group(1)] = found[0]
    return out


def bound(stmt: str, params: Mapping[str, Any] | None, name: str = "statement") -> dict[str, Any]:
    """The parameters a statement uses, taken from `params`; raises if one is missing."""
    used = set(PARAM.findall(stmt))
    out = {k: v for k, v in (params or {}).items() if k in used}
    missing = used - out.keys()
    if missing:
        raise KeyError(f"{name} needs parameters {sorted(missing)}")
    return out


def execute(con: duckdb.DuckDBPyConnection, stmt: str, params: Mapping[str, Any] | None = None,
            name: str = "statement") -> duckdb.DuckDBPyConnection:
    """Execute one statement with the parameters it uses bound."""
    values = bound(stmt, params, name)
    return con.execute(stmt, values) if values else con.execute(stmt)


def run_text(con: duckdb.DuckDBPyConnection, text: str, params: Mapping[str, Any] | None = None,
             name: str = "SQL") -> None:
    """Execute every statement of a text."""
    for stmt in statements(text):
        execute(con, stmt, params, name)


def run(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None,
        **replacements: str) -> None:
    """Execute every statement of etl/sql/<name>.sql, placeholders filled, $names bound."""
    run_text(con, query(name, **replacements), params, f"{name}.sql")


def query(name: str, **replacements: str) -> str:
    """A file's text with its placeholders filled (for callers that fetch rows)."""
    text = sql_text(name)
    return fill(text, replacements) if replacements or "{" in text else text


def header(name: str, root: Path = SQL_DIR) -> dict[str, str]:
    """The '-- key: value' lines of a file's leading comment block."""
    out: dict[str, str] = {}
    for line in sql_text(name, root).splitlines():
        line = line.strip()
        if not line.startswith("--"):
            break
        m = re.match(r"--\s*([a-z_]+)\s*:\s*(.+)$", line)
        if m:
            out.setdefault(m.group(1), m.group(2).strip())
    return out


def header_value(name: str, key: str) -> str | None:
    """The value of a '-- key: value' line in the header comments of a file."""
    return header(name).get(key)


MATERIALISATIONS = ("table", "view", "summary", "build_view")


@cache
def models(layer: str) -> tuple[tuple[str, str], ...]:
    """(name, materialisation) of every model of a layer (etl/sql/<layer>/*.sql), in the
    order their headers' `-- order: N` give (then by name). Files without a `materialized`
    header (macro files) are not models."""
    found = []
    for path in sorted((SQL_DIR / layer).glob("*.sql")):
        head = header(f"{layer}/{path.stem}")
        kind = head.get("materialized")
        if kind is None:
            continue
        if kind not in MATERIALISATIONS:
            raise ValueError(f"{layer}/{path.name}: materialized: {kind!r} is not one of {MATERIALISATIONS}")
        found.append((int(head.get("order", "1000")), path.stem, kind))
    return tuple((name, kind) for _order, name, kind in sorted(found))


@cache
def checks() -> tuple[tuple[str, str], ...]:
    """(name, severity) of every consistency check (etl/sql/checks/*.sql)."""
    out = []
    for path in sorted((SQL_DIR / "checks").glob("*.sql")):
        severity = header(f"checks/{path.stem}").get("severity", "error")
        out.append((path.stem, severity))
    return tuple(out)
