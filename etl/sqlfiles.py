"""Run the project's .sql files: split into statements, bind only the parameters used."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).with_name("sql")
PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_STATEMENT_END = re.compile(r";[ \t]*(?:--[^\n]*)?$", re.MULTILINE)


@cache
def sql_text(name: str) -> str:
    """The text of etl/sql/<name>.sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


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


def run(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None,
        **replacements: str) -> None:
    """Execute every statement of etl/sql/<name>.sql. `replacements` fill {identifier}
    placeholders (names of our own temp views, never user values); `params` bind $names."""
    text = sql_text(name)
    for key, value in replacements.items():
        text = text.replace("{" + key + "}", value)
    for stmt in statements(text):
        used = set(PARAM.findall(stmt))
        bound = {k: v for k, v in (params or {}).items() if k in used}
        missing = used - bound.keys()
        if missing:
            raise KeyError(f"{name}.sql needs parameters {sorted(missing)}")
        con.execute(stmt, bound) if bound else con.execute(stmt)


def query(name: str, **replacements: str) -> str:
    """A single-statement file's text, placeholders filled, for callers that fetch rows."""
    text = sql_text(name)
    for key, value in replacements.items():
        text = text.replace("{" + key + "}", value)
    return text


def header_value(name: str, key: str) -> str | None:
    """The value of a '-- key: value' line in the header comments of a file."""
    for line in sql_text(name).splitlines():
        line = line.strip()
        if not line.startswith("--"):
            break
        m = re.match(rf"--\s*{re.escape(key)}\s*:\s*(.+)$", line)
        if m:
            return m.group(1).strip()
    return None
