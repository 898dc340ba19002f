"""One set of metric SQL files for every engine.

The files under etl/sql/ are written in DuckDB's dialect. For another engine they are
translated by sqlglot (DuckDB → Spark SQL, and checked for Trino), after two steps of our
own, kept here so that the engine-specific pieces sit in one place:

1. the rate macros of etl/sql/marts/metric_macros.sql are expanded in place (Spark and Trino
   have no SQL macros; the macro file stays their one definition);
2. a few functions sqlglot leaves as they are, or maps to something with another meaning,
   are rewritten:
   - epoch_us(t)          → unix_micros(t) on Spark; cast(round(to_unixtime(t) * 1e6) as
                            bigint) on Trino (to_unixtime is a double of seconds: rounding
                            restores the exact microseconds)
   - timezone(zone, t)    → the wall-clock time in a zone, as a time stamp without zone:
                            cast(from_utc_timestamp(t, zone) as timestamp_ntz) on Spark (the
                            session runs in UTC), cast(at_timezone(t, zone) as timestamp) on
                            Trino
   - isodow(t)            → ((dayofweek(t) + 5) % 7) + 1 on Spark, whose dayofweek counts
                            Sunday 1 … Saturday 7 (sqlglot's own mapping would give Monday 3);
                            day_of_week(t) on Trino, already Monday 1 … Sunday 7.
   - quantile_cont(x, q)  → percentile(x, q) on Spark (sqlglot writes percentile_cont(x, q),
                            which Spark does not take); both interpolate linearly.
Everything else the models use (FILTER clauses, IS NOT DISTINCT FROM, SEMI JOIN, min_by,
unnest of lists, list_contains, integer division, date_trunc to ISO weeks) sqlglot
translates; a construct it cannot translate raises (unsupported_level=RAISE) rather than
passing through silently.

Two further differences are handled outside the SQL: Spark's date-part and size functions
return INT where DuckDB's return BIGINT, so the Spark runner widens INT result columns to
BIGINT (etl/lake/metrics.py); and the SQL itself avoids decimal literals in divisions
(metric_macros.sql uses cast(100 as double)), because Spark and Trino divide decimals in
decimal arithmetic.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sqlglot
from sqlglot import ErrorLevel, exp

from etl.core import sqlfiles

_MACRO = re.compile(r"create or replace macro (\w+)\(([^)]*)\) as\s+(.*?);\s*$", re.S | re.M)


@lru_cache(maxsize=1)
def macros() -> dict[str, tuple[list[str], exp.Expression]]:
    """name → (parameters, body) of the warehouse's rate macros."""
    text = "\n".join(line for line in sqlfiles.sql_text("marts/metric_macros").splitlines()
                     if not line.strip().startswith("--"))
    out = {}
    for name, params, body in _MACRO.findall(text):
        out[name.lower()] = ([p.strip() for p in params.split(",") if p.strip()],
                             sqlglot.parse_one(body, read="duckdb"))
    return out


def expand_macros(tree: exp.Expression) -> exp.Expression:
    """Replace every call of a rate macro by its body, its parameters by the arguments."""
    defs = macros()

    def replace(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.this).lower() in defs:
            params, body = defs[str(node.this).lower()]
            args = dict(zip(params, node.expressions, strict=True))

            def substitute(inner: exp.Expression) -> exp.Expression:
                if isinstance(inner, exp.Column) and not inner.table and inner.name in args:
                    return args[inner.name].copy()
                return inner

            return body.copy().transform(substitute)
        return node

    return tree.transform(replace)


def _rewrite(tree: exp.Expression, engine: str) -> exp.Expression:
    def replace(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Anonymous):
            return node
        name = str(node.this).lower()
        args = [_rewrite(a.copy(), engine) for a in node.expressions]  # nested calls too
        if name == "epoch_us":
            if engine == "trino":
                micros = exp.Mul(this=exp.Anonymous(this="to_unixtime", expressions=args),
                                 expression=exp.Literal.number(1000000))
                return exp.cast(exp.Anonymous(this="round", expressions=[micros]), "bigint")
            return exp.Anonymous(this="unix_micros", expressions=args)
        if name == "timezone":
            zone, moment = args
            if engine == "trino":
                return exp.cast(exp.Anonymous(this="at_timezone", expressions=[moment, zone]), "timestamp")
            return exp.cast(exp.Anonymous(this="from_utc_timestamp", expressions=[moment, zone]), "timestamp_ntz")
        if name == "isodow":
            if engine == "trino":
                return exp.Anonymous(this="day_of_week", expressions=args)
            dow = exp.Anonymous(this="dayofweek", expressions=args)
            return exp.Add(this=exp.Paren(this=exp.Mod(this=exp.Paren(this=exp.Add(
                this=dow, expression=exp.Literal.number(5))), expression=exp.Literal.number(7))),
                expression=exp.Literal.number(1))
        return node

    return tree.transform(replace)


ENGINES = ("duckdb", "spark", "trino")


def translate(sql: str, engine: str) -> str:
    """DuckDB SQL of a model → the engine's SQL ("duckdb" gives the macros expanded only).
    Raises sqlglot's UnsupportedError when a construct does not translate."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")
    tree = expand_macros(sqlglot.parse_one(sql, read="duckdb"))
    if engine == "duckdb":
        return tree.sql(dialect="duckdb", pretty=True)
    # isodow: parsing makes it a function of its own; make it anonymous so _rewrite sees it
    tree = tree.transform(lambda n: exp.Anonymous(this="isodow", expressions=[n.this])
                          if isinstance(n, exp.DayOfWeekIso) else n)
    if engine == "spark":  # quantile_cont(x, q): Spark's exact, interpolating percentile(x, q)
        tree = tree.transform(lambda n: exp.Anonymous(this="percentile", expressions=[n.this, n.expression])
                              if isinstance(n, exp.PercentileCont) and n.expression is not None else n)
    return _rewrite(tree, engine).sql(dialect=engine, pretty=True, unsupported_level=ErrorLevel.RAISE)


def model_sql(path: str, engine: str) -> str:
    return translate(sqlfiles.sql_text(path), engine)
