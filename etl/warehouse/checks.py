"""Consistency checks: etl/sql/checks/*.sql, each passing when its query returns no rows;
each declares its severity in its header (`-- severity: error | warning`). An error fails
the build (nothing is published); a warning is reported with the run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from etl.core import sqlfiles
from etl.core.errors import PublishError

CHECKS = sqlfiles.checks()


@dataclass
class CheckResult:
    name: str
    severity: str
    rows: int
    sample: list[tuple[Any, ...]]


def run_checks(con: duckdb.DuckDBPyConnection) -> list[CheckResult]:
    """Run every check query; a check passes when it returns no rows."""
    out = []
    for name, severity in CHECKS:
        sql = sqlfiles.sql_text(f"checks/{name}")
        rows = con.execute(f"select * from ({sql}) limit 6").fetchall()
        count = len(rows)
        if count > 5:
            count = con.execute(f"select count(*) from ({sql})").fetchall()[0][0]
        out.append(CheckResult(name, severity, count, rows[:5]))
    return out


def fail_on_checks(results: list[CheckResult]) -> list[str]:
    """Raise for failed error-severity checks; return warning texts for the others."""
    errors = [r for r in results if r.rows and r.severity == "error"]
    if errors:
        detail = "; ".join(f"{r.name}: {r.rows} row(s), e.g. {r.sample[0]}" for r in errors)
        raise PublishError(f"consistency checks failed ({detail}); nothing was published")
    return [f"check {r.name}: {r.rows} row(s), e.g. {r.sample[0]}" for r in results if r.rows]


