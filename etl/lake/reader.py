"""Reading a published metrics folder through DuckDB (the dashboard's lake mode).

Views named as in the warehouse: the metric tables and the small tables passed on beside
them, over the folder's Parquet files; tickets, ticket_events and qa_reviews over the lake
the metrics were computed from (its path is in the folder's manifest; `[dashboard] lake`
overrides it, for a lake mounted elsewhere); the rate macros; the catalog's comments.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from etl.core import sqlfiles
from etl.core.errors import WarehouseError
from etl.lake.layout import CLEANED, MANIFEST, OUTPUTS, PARTITIONED, sql_literal, table_glob
from etl.warehouse import catalog


def folders(version: Path, lake: Path | None = None) -> tuple[Path, Path | None]:
    """(the metrics version folder, the lake folder or None when it is not reachable)."""
    manifest = version / MANIFEST
    if not manifest.exists():
        raise WarehouseError(f"{version} holds no {MANIFEST}: not a folder `lake metrics` published")
    recorded = json.loads(manifest.read_text(encoding="utf-8")).get("lake")
    lake = lake or (Path(recorded) if recorded else None)
    return version, lake if lake is not None and (lake / MANIFEST).exists() else None


def create_views(con: duckdb.DuckDBPyConnection, version: Path, lake: Path | None) -> list[str]:
    """Create the reader's views; the names of those created."""
    names = []
    for name in OUTPUTS:
        if not (version / name).is_dir():
            continue  # an output added since this version was computed (the dashboard copes)
        con.execute(f"create view {name} as select * from read_parquet({sql_literal(version / name / '*.parquet')})")
        names.append(name)
    if lake is not None:
        for name in CLEANED:
            column = PARTITIONED[name][0]
            con.execute(f"create view {name} as select * exclude ({column}) from read_parquet("
                        f"{sql_literal(table_glob(lake, name))}, hive_partitioning = true, "
                        "hive_types_autocast = false)")
            names.append(name)
    sqlfiles.run(con, "marts/metric_macros")
    catalog.apply(con)
    return names
