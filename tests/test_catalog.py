"""Every column analysts see has a meaning: each column of every table and view of a
published warehouse carries a comment, from the `| column | meaning |` tables of
docs/METRICS.md and docs/EXPORT_FORMAT.md (etl/warehouse/catalog.py), and every documented
column exists, so that the documents cannot drift from the SQL in either direction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from etl.core.settings import Settings
from etl.warehouse import catalog
from etl.warehouse.versions import resolve_live
from tests.helpers import load_sample

# Tables and views of schema main that are not for analysts and so need no meanings, each
# with the reason. None today: the stored, policy and run tables, the marts and the views
# are all listed on the SQL page; the build-time intermediate views and the staging tables
# are temporary and never reach the published file.
NOT_FOR_ANALYSTS: dict[str, str] = {}

# Objects the documents describe that a warehouse built from data/sample does not hold,
# each with the reason. None today; a section for a table the warehouse lost is stale.
NOT_IN_WAREHOUSE: dict[str, str] = {}

# the user's own tables and views of the published file: not the temporary ones (another
# database), not DuckDB's catalog views (internal)
_OBJECTS = """
    select table_name, 'table', comment from duckdb_tables()
    where database_name = current_database() and schema_name = 'main' and not internal
    union all
    select view_name, 'view', comment from duckdb_views()
    where database_name = current_database() and schema_name = 'main' and not internal
"""
_COLUMNS = """
    select table_name, column_name, comment from duckdb_columns()
    where database_name = current_database() and schema_name = 'main' and not internal
    order by table_name, column_index
"""


@pytest.fixture
def warehouse(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to a warehouse published from data/sample."""
    load_sample(settings)
    con = duckdb.connect(str(resolve_live(settings.warehouse_path)), read_only=True)
    try:
        yield con
    finally:
        con.close()


def objects(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None]]:
    """name → (table or view, its comment)."""
    return {name: (kind, comment) for name, kind, comment in con.execute(_OBJECTS).fetchall()}


def undocumented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables and views without a description, and the columns without a meaning
    ("table.column"), leaving out NOT_FOR_ANALYSTS."""
    found = [f"{name} ({kind}: no description)" for name, (kind, comment) in sorted(objects(con).items())
             if name not in NOT_FOR_ANALYSTS and not (comment or "").strip()]
    found += [f"{table}.{column}" for table, column, comment in con.execute(_COLUMNS).fetchall()
              if table not in NOT_FOR_ANALYSTS and not (comment or "").strip()]
    return found


def stale(con: duckdb.DuckDBPyConnection, docs: tuple[Path, ...] = catalog.DOCS) -> list[str]:
    """Documentation the warehouse contradicts: a documented column its table or view does
    not have, an object it does not hold (but NOT_IN_WAREHOUSE), a column documented in two
    documents (the later would silently win)."""
    have = objects(con)
    columns: dict[str, set[str]] = {}
    for table, column, _comment in con.execute(_COLUMNS).fetchall():
        columns.setdefault(table, set()).add(column)
    found: list[str] = []
    where: dict[tuple[str, str], str] = {}
    for doc in docs:
        described, meanings = catalog.parse(doc.read_text(encoding="utf-8"))
        for obj in sorted({*described, *(o for o, _c in meanings)}):
            if obj not in have and obj not in NOT_IN_WAREHOUSE:
                found.append(f"{obj} ({doc.name}: the warehouse has no such table or view)")
        for obj, column in sorted(meanings):
            if obj in have and column not in columns.get(obj, set()):
                found.append(f"{obj}.{column} ({doc.name}: no such column)")
            if (obj, column) in where:
                found.append(f"{obj}.{column} (documented in {where[obj, column]} and {doc.name})")
            where[obj, column] = doc.name
    return found


def test_every_column_analysts_see_has_a_meaning(warehouse: duckdb.DuckDBPyConnection) -> None:
    have = objects(warehouse)
    assert {"tickets", "ticket_metrics", "qa_findings", "load_runs", "calendar_hours"} <= set(have)
    assert set(NOT_FOR_ANALYSTS) <= set(have), "NOT_FOR_ANALYSTS names objects the warehouse lacks"
    missing = undocumented(warehouse)
    assert not missing, (
        f"{len(missing)} undocumented: give each a row in a `| column | meaning |` table under "
        "its `## name — description` heading in docs/METRICS.md or docs/EXPORT_FORMAT.md:\n  "
        + "\n  ".join(missing))


def test_no_documented_column_is_stale(warehouse: duckdb.DuckDBPyConnection) -> None:
    found = stale(warehouse)
    assert not found, "documentation the warehouse contradicts:\n  " + "\n  ".join(found)


def test_comment_is_the_documented_meaning_with_its_unit(warehouse: duckdb.DuckDBPyConnection) -> None:
    comments = {(t, c): m for t, c, m in warehouse.execute(_COLUMNS).fetchall()}
    # a table column, a view column (views are created anew at every publish), a stored column
    assert comments["ticket_metrics", "first_response_minutes"].endswith("[minutes]")
    assert comments["escalation_funnel", "share_of_all"].startswith("tickets / all tickets of the source")
    assert "load_runs.run_id" in comments["tickets", "run_id"]
    assert objects(warehouse)["qa_findings"] == ("view", "one row per error found in a review")


def test_stale_documentation_is_reported(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    doc = tmp_path / "DOC.md"
    doc.write_text(
        "## ticket_metrics — one row per ticket\n\n"
        "| column | meaning |\n|---|---|\n"
        "| ticket_id | the ticket |\n"
        "| first_reply_minutes | renamed long ago |\n\n"
        "## ticket_archive — a table that was dropped\n\n"
        "| column | meaning |\n|---|---|\n| ticket_id | the ticket |\n",
        encoding="utf-8")
    again = tmp_path / "AGAIN.md"
    again.write_text("## ticket_metrics\n\n| column | meaning |\n|---|---|\n| ticket_id | again |\n",
                     encoding="utf-8")
    assert stale(warehouse, (doc, again)) == [
        "ticket_archive (DOC.md: the warehouse has no such table or view)",
        "ticket_metrics.first_reply_minutes (DOC.md: no such column)",
        "ticket_metrics.ticket_id (documented in DOC.md and AGAIN.md)",
    ]


def test_parse_reads_headings_tables_and_units() -> None:
    text = """# Title

## widgets — one row per widget (source, widget_id)

Prose about widgets, `not_a_column` in it.

| column | unit | meaning |
|---|---|---|
| `width` | cm | how wide, **outside** |
| height, depth | | the other two |

| layer | objects |
|---|---|
| stored | not_a_column |

## Checks

| column | meaning |
|---|---|
| ghost | under a heading that names no object: nobody's |

### gadgets — one per gadget

| column | required | meaning |
|---|---|---|
| gadget_id | yes | its id |
"""
    described, meanings = catalog.parse(text)
    assert described == {"widgets": "one row per widget (source, widget_id)", "gadgets": "one per gadget"}
    assert meanings == {
        ("widgets", "width"): "how wide, outside [cm]",
        ("widgets", "height"): "the other two",
        ("widgets", "depth"): "the other two",
        ("gadgets", "gadget_id"): "its id",
    }
