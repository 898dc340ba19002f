"""Where the build's time goes: every model of etl/sql timed on a copy of a warehouse.

    python -m etl.devtools.bench_models WAREHOUSE [--incremental]

A copy of the published version file is opened read-write and the metric models are
built on it, the way `etl load` builds them (etl/warehouse/models.py build_models), with
every statement timed and attributed to the model it writes (`create … table NAME`,
`delete from NAME`, `insert into NAME`): full, as a first load or `etl rebuild` builds
them; with --incremental, for the tickets of the warehouse's last run, as that run's
refresh built them. The published file is not touched, and the load itself carries no timer.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

_TARGET = re.compile(r"^\s*(?:create\s+(?:or\s+replace\s+)?(?:temp\s+|temporary\s+)?(?:table|view)"
                     r"|delete\s+from|insert\s+into)\s+(?:main\.)?(\w+)", re.IGNORECASE)


def model_of(sql: str) -> str:
    """The model a statement writes ("NAME_in_scope" counts as NAME), or "other"."""
    m = _TARGET.match(sql)
    if not m:
        return "other"
    name = m.group(1)
    return name[: -len("_in_scope")] if name.endswith("_in_scope") else name


class TimedConnection:
    """A DuckDB connection whose execute() adds its seconds to the model it writes."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.seconds: dict[str, float] = {}

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._con.execute(sql, *args, **kwargs)
        finally:
            name = model_of(sql)
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def time_models(warehouse: Path, *, incremental: bool = False) -> dict[str, Any]:
    """{"mode", "total", "models": {name: seconds}} of one build on a copy of `warehouse`."""
    from etl.warehouse import models
    from etl.warehouse.versions import resolve_live

    with tempfile.TemporaryDirectory(prefix="desk-bench-models-", dir=Path(warehouse).parent) as tmp:
        copy = Path(tmp) / "build.duckdb"
        shutil.copyfile(resolve_live(warehouse), copy)
        con = duckdb.connect(str(copy))
        try:
            run_id = con.execute("select max(run_id) from load_runs").fetchall()[0][0] if incremental else None
            timed = TimedConnection(con)
            started = time.perf_counter()
            mode = models.build_models(timed, run_id=run_id)  # type: ignore[arg-type]
            total = time.perf_counter() - started
        finally:
            con.close()
    ranked = dict(sorted(((k, round(v, 3)) for k, v in timed.seconds.items()), key=lambda kv: -kv[1]))
    return {"mode": mode, "total": round(total, 3), "models": ranked}


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m etl.devtools.bench_models", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--incremental", action="store_true")
    args = parser.parse_args(argv)
    print(json.dumps(time_models(args.warehouse, incremental=args.incremental)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
