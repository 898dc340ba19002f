"""Compute the metric tables over a Parquet lake, on Spark or on DuckDB, from the one set of
metric SQL files (translated by etl/lake/portable.py), and write them as Parquet.

    python -m etl lake metrics --engine spark --lake DIR --out DIR2 [--master URL]
    python -m etl lake metrics --engine duckdb --lake DIR --out DIR2

Every run writes a complete new version, `.DIR2.versions/vNNNNNN/`, with one folder of
Parquet files per metric table (ticket_metrics, escalation_steps, qa_reviews_scored,
qa_findings, agent_error_rates, escalation_funnel), the tables the dashboard reads beside
them (warehouse_meta, sla_rules, agents, business_days, the run tables, rejects) and a
manifest; then DIR2, a symbolic link, is switched to it in one step, as the warehouse file
is. A reader never sees half a run; the last three versions are kept.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import duckdb

from etl.core.errors import ConfigError, DeskError
from etl.lake.layout import MANIFEST, MODELS, OUTPUTS, PARTITIONED, SINGLE, sql_literal, table_glob
from etl.lake.portable import model_sql
from etl.warehouse.publish import writer_lock
from etl.warehouse.versions import point_live_to, resolve_live, versions_dir

# the build's *_in_scope names: on a lake every build is whole, so each is an alias of the
# table (a mart's alias is made when the mart is)
SCOPED = tuple(PARTITIONED)
ENGINES = ("duckdb", "spark")
KEEP_VERSIONS = 3


class LakeError(DeskError):
    """The lake or the engine cannot be used; nothing was published."""

    title = "The lake metrics were not computed"


def check_lake(lake: Path) -> dict:
    """The lake's manifest, or a ConfigError saying what is wrong with the folder."""
    manifest = lake / MANIFEST
    if not manifest.exists():
        raise ConfigError(f"{lake} is not a lake (no {MANIFEST}); write one with "
                          f"`python -m etl lake export --out {lake}`")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    missing = [t for t in (*PARTITIONED, *SINGLE) if t not in data.get("tables", {})]
    if data.get("format") != 1 or missing:
        raise ConfigError(f"{manifest} is not a lake manifest this version reads"
                          + (f" (no {', '.join(missing)})" if missing else ""))
    return data


def _versions(out: Path) -> list[Path]:
    folder = versions_dir(out)
    return sorted(p for p in folder.glob("v[0-9]*") if p.is_dir()) if folder.is_dir() else []


@contextlib.contextmanager
def _new_version(out: Path) -> Iterator[Path]:
    """A fresh version folder; published (DIR2 switched to it) when the block succeeds."""
    out = out.absolute()
    if out.exists() and not out.is_symlink():
        if out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        else:
            raise ConfigError(f"{out} exists and is not a metrics folder written by `lake metrics` "
                              "(that is a symbolic link to a version); choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(out):
        existing = _versions(out)
        number = int(existing[-1].name[1:]) + 1 if existing else 1
        target = versions_dir(out) / f"v{number:06d}"
        building = target.with_name(f".{target.name}.build-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True)
        try:
            yield building
            os.replace(building, target)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        point_live_to(out, target)
        current = resolve_live(out)
        for old in _versions(out)[:-KEEP_VERSIONS]:
            if old.resolve() != current:
                shutil.rmtree(old, ignore_errors=True)


def _lake_views(con: duckdb.DuckDBPyConnection, lake: Path) -> None:
    """DuckDB views over the lake's tables, under the warehouse's names."""
    con.execute("set TimeZone = 'UTC'")
    for table in (*PARTITIONED, *SINGLE):
        column = PARTITIONED.get(table, (None,))[0]
        exclude = f" exclude ({column})" if column else ""
        con.execute(f"create view {table} as select *{exclude} from read_parquet("
                    f"{sql_literal(table_glob(lake, table))}, hive_partitioning = true, "
                    "hive_types_autocast = false)")
    for table in SCOPED:
        con.execute(f"create view {table}_in_scope as select * from {table}")


def _model_views(con: duckdb.DuckDBPyConnection, materialise: bool) -> None:
    for path, kind in MODELS:
        name = path.split("/", 1)[1]
        what = "table" if kind == "table" and materialise else "view"
        con.execute(f"create {what} {name} as {model_sql(path, 'duckdb')}")
        if kind == "table":
            con.execute(f"create view {name}_in_scope as select * from {name}")


def run_duckdb(lake: Path, out: Path, memory_limit: str = "3GB") -> dict[str, int]:
    """The metric tables computed by DuckDB over the lake's Parquet files, written to `out`;
    beyond `memory_limit` DuckDB spills to a folder inside `out`, removed at the end."""
    spill = out / ".spill"
    con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": str(spill)})
    try:
        _lake_views(con, lake)
        _model_views(con, materialise=True)
        counts = {}
        for name in OUTPUTS:
            (out / name).mkdir()
            con.execute(f"copy {name} to {sql_literal(out / name / 'part.parquet')} (format parquet)")
            counts[name] = con.execute(f"select count(*) from {name}").fetchall()[0][0]
        return counts
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def output_schemas(lake: Path) -> dict[str, dict[str, str]]:
    """table → column → DuckDB type of every output, as DuckDB binds the models over the lake
    (binding only: nothing is computed)."""
    con = duckdb.connect()
    try:
        _lake_views(con, lake)
        _model_views(con, materialise=False)
        return {name: {c: t for c, t, *_ in con.execute(f"describe {name}").fetchall()} for name in OUTPUTS}
    finally:
        con.close()


def spark_session(master: str | None = None, conf: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """A Spark session in UTC: local[*] unless a master URL is given; `conf` as spark-submit's
    --conf (spark.driver.memory=8g, spark.executor.memory=…)."""
    # we never convert to pandas, the only part its pandas-version warning is about
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise LakeError("PySpark is not installed: `pip install -r requirements-lake.txt` "
                        "(it needs Java 17 or newer)", title="Spark is not available") from None
    if conf and conf.get("spark.sql.session.timeZone", "UTC") != "UTC":
        raise ConfigError("spark.sql.session.timeZone must stay UTC: the metric SQL counts in UTC")
    try:
        builder = SparkSession.builder.master(master or "local[*]").appName("complaint-desk-metrics")
        for key, value in (conf or {}).items():
            builder = builder.config(key, value)
        spark = (builder
                 .config("spark.sql.session.timeZone", "UTC")
                 .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
                 .config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.shuffle.partitions", os.environ.get("DESK_SPARK_PARTITIONS", "8"))
                 .getOrCreate())
    except Exception as exc:  # no Java, an unreachable master …
        raise LakeError(f"Spark did not start ({str(exc).splitlines()[0][:300]}); PySpark needs "
                        "Java 17 or newer on PATH or JAVA_HOME, and --master must be reachable",
                        title="Spark did not start") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


_INTEGERS = {"TINYINT": "tinyint", "SMALLINT": "smallint", "INTEGER": "int", "BIGINT": "bigint"}


def _conform_integers(df, schema: dict[str, str]):  # type: ignore[no-untyped-def]
    """Integer columns at the width DuckDB gives them: Spark's hour(), size() … return INT
    where DuckDB's return BIGINT. Any other difference of type is left for the tests to see."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ByteType, IntegerType, LongType, ShortType

    integral = (ByteType, ShortType, IntegerType, LongType)
    cols = []
    for f in df.schema.fields:
        col = F.col(f"`{f.name}`")
        want = _INTEGERS.get(schema.get(f.name, ""))
        if want and isinstance(f.dataType, integral) and f.dataType.simpleString() != want:
            col = col.cast(want).alias(f.name)
        cols.append(col)
    return df.select(cols)


def run_spark(lake: Path, out: Path, master: str | None = None,
              conf: dict[str, str] | None = None, session=None) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The metric tables computed by Spark over the lake, written to `out` (a path every
    executor can reach when a cluster master is given). `session`: a Spark session to use
    and leave running (several runs in one process, e.g. the tests); else one is started
    and stopped."""
    schemas = output_schemas(lake)
    spark = session if session is not None else spark_session(master, conf)
    try:
        for table in (*PARTITIONED, *SINGLE):
            df = spark.read.parquet(str(lake / table))
            column = PARTITIONED.get(table, (None,))[0]
            if column:
                df = df.drop(column)
            df.createOrReplaceTempView(table)
        for table in SCOPED:
            spark.table(table).createOrReplaceTempView(f"{table}_in_scope")
        for path, kind in MODELS:
            name = path.split("/", 1)[1]
            df = spark.sql(model_sql(path, "spark"))
            if kind == "table":
                # computed once, and its plan cut off: a later model reads the rows, not the whole
                # plan of every model under it again (nested plans ran Spark's driver out of memory)
                df = _conform_integers(df, schemas[name]).localCheckpoint()
            df.createOrReplaceTempView(name)
            if kind == "table":
                df.createOrReplaceTempView(f"{name}_in_scope")
        counts = {}
        for name in OUTPUTS:
            folder = out / name
            spark.table(name).coalesce(1).write.mode("errorifexists").parquet(str(folder))
            for junk in [*folder.glob("_*"), *folder.glob(".*.crc")]:
                junk.unlink(missing_ok=True)
            counts[name] = spark.table(name).count()
        return counts
    finally:
        if session is None:
            spark.stop()
        else:
            spark.catalog.clearCache()


def run(engine: str, lake: Path, out: Path, master: str | None = None,
        conf: dict[str, str] | None = None, memory_limit: str = "3GB",
        session=None) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Compute the metric tables over `lake` on `engine` and publish them as `out`; the row
    count of each table written. `memory_limit` bounds DuckDB (the [warehouse] setting);
    `session` an already running Spark session to reuse (run_spark)."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")
    if (master or conf) and engine != "spark":
        raise ConfigError("--master and --conf are for --engine spark")
    source = check_lake(lake)
    lake = lake.absolute()
    with _new_version(out) as folder:
        try:
            counts = (run_spark(lake, folder, master, conf, session) if engine == "spark"
                      else run_duckdb(lake, folder, memory_limit))
        except (DeskError, KeyboardInterrupt):
            raise
        except Exception as exc:  # the engine's own error: one line of it, nothing published
            raise LakeError(f"{engine}: {type(exc).__name__}: {str(exc).strip().splitlines()[0][:500]}; "
                            f"{out} is unchanged") from exc
        manifest = {"format": 1, "engine": engine, "master": master if engine == "spark" else None,
                    "computed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "lake": str(lake), "lake_exported_at": source.get("exported_at"),
                    "warehouse_version": source.get("warehouse_version"), "as_of": source.get("as_of"),
                    "tables": counts, "models": [p for p, _ in MODELS]}
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return counts
