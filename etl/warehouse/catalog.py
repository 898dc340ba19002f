"""The warehouse documents itself: the column tables of docs/METRICS.md (metric views) and
docs/EXPORT_FORMAT.md (stored tables) become COMMENT ON statements at every publish, so the
DuckDB command line, a notebook and the SQL page's schema show the same one definition that
the documentation gives. The documents stay the single place where meanings are written."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from etl.core.settings import PROJECT_ROOT

DOCS = (PROJECT_ROOT / "docs" / "METRICS.md", PROJECT_ROOT / "docs" / "EXPORT_FORMAT.md")
_HEADING = re.compile(r"^#{2,3}\s+([a-z_]+)\b(?:\s+[—-]\s+(.*))?$")


def parse(text: str) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """(object → description, (object, column) → meaning) from markdown headings
    `## name — description` (or ###) and the tables under them whose first header cell is
    'column'; the meaning is the last cell, with the unit cell appended in brackets when the
    table has a 'unit' column."""
    objects: dict[str, str] = {}
    columns: dict[tuple[str, str], str] = {}
    current: str | None = None
    header: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            # a heading that does not name an object ("## Checks", "## events (optional)")
            # ends the section of the one before: its tables are not that object's columns
            m = _HEADING.match(line.strip())
            current = m.group(1) if m else None
            if m and m.group(2):
                objects[m.group(1)] = m.group(2).strip()
            header = []
            continue
        if current is None or not line.startswith("|"):
            if not line.startswith("|"):
                header = []
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0].lower() == "column":
            header = [c.lower() for c in cells]
            continue
        if not header or set(cells[0]) <= {"-", " ", ":"}:
            continue
        meaning = re.sub(r"[`*]", "", cells[-1])
        if "unit" in header and len(cells) == len(header):
            unit = cells[header.index("unit")]
            if unit:
                meaning = f"{meaning} [{unit}]"
        for name in re.findall(r"[a-z][a-z0-9_]*", cells[0].replace("`", "")):
            columns[(current, name)] = meaning
    return objects, columns


def apply(con: duckdb.DuckDBPyConnection, docs: tuple[Path, ...] = DOCS) -> int:
    """COMMENT ON every documented object and column the warehouse has whose comment is not
    already that meaning; the count of objects and columns documented.

    Only the comments that differ are written (a table kept from the last publish keeps its
    comments), and all in one transaction: each COMMENT ON on its own commits a catalog
    change, and ~470 of them cost 2-3 s of every build, the most of a small load's time."""
    have = {(t, c): comment for t, c, comment in con.execute(
        "select table_name, column_name, comment from duckdb_columns() where schema_name = 'main'").fetchall()}
    kinds = {name: (kind, comment) for name, kind, comment in con.execute(
        "select table_name, 'TABLE', comment from duckdb_tables() where schema_name = 'main' "
        "union all select view_name, 'VIEW', comment from duckdb_views() "
        "where schema_name = 'main' and not internal").fetchall()}
    n = 0
    statements = []
    for doc in docs:
        if not doc.exists():
            continue
        objects, columns = parse(doc.read_text(encoding="utf-8"))
        for name, text in objects.items():
            if name in kinds:
                n += 1
                if kinds[name][1] != text:
                    statements.append(f"comment on {kinds[name][0]} {name} is '{_q(text)}'")
        for (obj, col), text in columns.items():
            if (obj, col) in have:
                n += 1
                if have[(obj, col)] != text:
                    statements.append(f'comment on column {obj}."{col}" is \'{_q(text)}\'')
    if statements:
        con.execute("begin transaction")
        try:
            for statement in statements:
                con.execute(statement)
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")
    return n


def _q(text: str) -> str:
    return text.replace("'", "''")
