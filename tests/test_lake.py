"""The metrics beyond one machine: the warehouse exported as a Parquet lake, the same metric
SQL run by DuckDB and by Spark (local mode) over it, and the dashboard reading the result.

Every column of every metric table must be identical on the three paths (DuckDB on the
warehouse, DuckDB on the lake, Spark on the lake), business minutes and holidays included,
on a generated desk of 20,000 tickets under a configuration with several schedules (one in a
zone with daylight saving, lunch breaks, two holiday calendars) and business-clock SLA rules,
and on the hand-made sample, whose exact values are known.

Spark needs Java 17+: without it these tests skip, saying so, except under CI=true, where
they fail (.ci/run installs Java).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from etl.core.errors import ConfigError, WarehouseError
from etl.core.settings import Settings
from etl.devtools.generate import generate
from etl.lake import export as lake_export
from etl.lake import metrics as lake_metrics
from etl.lake import portable
from etl.lake.layout import MARTS, MODELS, OUTPUTS
from etl.load.run import load
from etl.warehouse.versions import resolve_live
from tests.helpers import ROOT, SAMPLE, SAMPLE_AS_OF, load_sample, settings_with
from tests.test_sample_metrics import EXPECTED

CONFIG = {
    "schedules": {
        "default": {"timezone": "Asia/Shanghai", "days": ["mon", "tue", "wed", "thu", "fri"],
                    "hours": ["09:00-12:00", "13:00-18:00"], "holidays": "CN"},
        "london": {"timezone": "Europe/London", "days": ["mon", "tue", "wed", "thu", "fri"],
                   "hours": ["08:30-17:30"], "holidays": "GB"},
        "around_the_clock": {"timezone": "Asia/Shanghai", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                             "hours": ["00:00-24:00"], "holidays": ""},
    },
    "schedule_rules": [{"channel": "ai_bot", "schedule": "around_the_clock"},
                       {"team": "frontline_en", "schedule": "london"}],
    "sla": {"first_response": {"rules": [
        {"priority": "urgent", "target_minutes": 120, "clock": "business"},
        {"channel": "phone", "target_minutes": 240}]}},
}


def spark_missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed (requirements-lake.txt)"
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return "Java is not installed: Spark needs Java 17 or newer"
    return None


def need_spark() -> None:
    reason = spark_missing()
    if reason and os.environ.get("CI"):
        pytest.fail(f"{reason}; .ci/run should have installed it")
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def spark():  # type: ignore[no-untyped-def]
    """One Spark session for the module's runs: the JVM starts once."""
    need_spark()
    session = lake_metrics.spark_session()
    yield session
    session.stop()


def three_ways(tmp: Path, settings: Settings, spark) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """The warehouse's version file, and the metrics computed over its lake by DuckDB and Spark."""
    lake = tmp / "lake"
    lake_export.export(settings, lake)
    lake_metrics.run("duckdb", lake, tmp / "by_duckdb")
    lake_metrics.run("spark", lake, tmp / "by_spark", session=spark)
    return {"warehouse": resolve_live(settings.warehouse_path), "lake": lake,
            "duckdb": tmp / "by_duckdb", "spark": tmp / "by_spark"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, spark) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("generated")
    info = generate(8_000, seed=11, out=tmp / "export")
    settings = settings_with(tmp, CONFIG)
    load([tmp / "export"], settings, as_of=info.as_of)
    return three_ways(tmp, settings, spark)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, spark) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("sample")
    settings = settings_with(tmp, {})
    load_sample(settings)
    return three_ways(tmp, settings, spark)


def reader() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return con


def relation(paths: dict[str, Path], way: str, table: str) -> str:
    if way == "warehouse":
        return f"wh.{table}"
    return f"read_parquet('{paths[way] / table}/*.parquet')"


def compare(paths: dict[str, Path], table: str) -> dict[str, tuple]:
    """For DuckDB-on-the-lake and Spark: (rows, schema differences, rows only in the warehouse,
    rows only on that way)."""
    con = reader()
    con.execute(f"attach '{paths['warehouse']}' as wh (read_only)")
    base = relation(paths, "warehouse", table)
    schema = con.execute(f"describe select * from {base}").fetchall()
    out = {}
    for way in ("duckdb", "spark"):
        other = relation(paths, way, table)
        theirs = con.execute(f"describe select * from {other}").fetchall()
        diffs = [(a[:2], b[:2]) for a, b in zip(schema, theirs, strict=False) if a[:2] != b[:2]]
        if len(schema) != len(theirs):
            diffs.append(("columns", len(schema), len(theirs)))
        only_wh = con.execute(f"select count(*) from (from {base} except all from {other})").fetchall()[0][0]
        only_way = con.execute(f"select count(*) from (from {other} except all from {base})").fetchall()[0][0]
        rows = con.execute(f"select count(*) from {other}").fetchall()[0][0]
        out[way] = (rows, diffs, only_wh, only_way)
    return out


@pytest.mark.slow  # Spark over 8,000 generated tickets: ~2 min
@pytest.mark.parametrize("table", MARTS)
def test_every_column_identical_on_three_engines(generated: dict[str, Path], table: str) -> None:
    con = reader()
    con.execute(f"attach '{generated['warehouse']}' as wh (read_only)")
    expected_rows = con.execute(f"select count(*) from wh.{table}").fetchall()[0][0]
    assert expected_rows > 0
    for way, (rows, diffs, only_wh, only_way) in compare(generated, table).items():
        assert diffs == [], (way, table)
        assert (rows, only_wh, only_way) == (expected_rows, 0, 0), (way, table)


def test_the_generated_case_exercises_business_time(generated: dict[str, Path]) -> None:
    """The identical columns are not trivially so: holidays, schedules and clocks at work."""
    con = reader()
    tm = relation(generated, "spark", "ticket_metrics")
    schedules, clocks, short, weekdays, holiday = con.execute(f"""
        select count(distinct schedule_id), count(distinct frt_clock),
               count(*) filter (where first_response_business_minutes < first_response_minutes),
               count(distinct created_weekday),
               count(*) filter (where created_date = date '2026-05-01' or created_date = date '2026-10-01')
        from {tm}""").fetchall()[0]
    assert (schedules, clocks, weekdays) == (3, 2, 7)
    assert short > 1000 and holiday > 0


def test_sample_exact_values_on_spark(sample: dict[str, Path]) -> None:
    con = reader()
    cur = con.execute(f"select * from {relation(sample, 'spark', 'ticket_metrics')}")
    cols = [d[0] for d in cur.description]
    by_ticket = {row[cols.index("ticket_id")]: dict(zip(cols, row, strict=True)) for row in cur.fetchall()}
    for ticket, expected in EXPECTED.items():
        got = {k: by_ticket[ticket][k] for k in expected}
        assert got == expected, ticket


@pytest.mark.parametrize("table", MARTS)
def test_sample_identical_on_three_engines(sample: dict[str, Path], table: str) -> None:
    for way, (_rows, diffs, only_wh, only_way) in compare(sample, table).items():
        assert (diffs, only_wh, only_way) == ([], 0, 0), (way, table)


def test_metrics_folder_is_published_whole(sample: dict[str, Path]) -> None:
    folder = sample["spark"]
    assert folder.is_symlink() and resolve_live(folder).name == "v000001"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["engine"] == "spark" and manifest["tables"]["ticket_metrics"] == 14
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == sorted(OUTPUTS)
    assert not list(folder.glob("*/_SUCCESS")) and not list(folder.glob("*/.*.crc"))


def lake_dashboard(metrics: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The dashboard in lake mode over a metrics folder, run once with the whole period."""
    config = tmp_path / "lake.toml"
    config.write_text(f'[dashboard]\nsource = "lake"\nlake_metrics = "{metrics}"\n', encoding="utf-8")
    monkeypatch.setenv("DESK_CONFIG", str(config))
    monkeypatch.setenv("DESK_DB", str(tmp_path / "absent.duckdb"))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=90)
    at.query_params["period"] = "all"
    return at.run()


def test_dashboard_reads_the_lake(sample: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same numbers as on the warehouse (tests/test_dashboard.py), read from Spark's tables."""
    at = lake_dashboard(sample["spark"], tmp_path, monkeypatch)
    assert [e.message for e in at.exception] == []
    m = {x.label: x.value for x in at.metric}
    assert (m["Tickets"], m["First response within SLA"], m["Escalation rate"]) == ("14", "69.2 %", "14.3 %")
    at.switch_page("views/data_health.py").run()
    assert [e.message for e in at.exception] == []
    assert any("lake metrics" in i.value and "spark" in i.value for i in at.info)
    counts = {x.label: x.value for x in at.metric}
    assert (counts["Tickets"], counts["Ticket events"]) == ("14", "8")  # as in the warehouse, from the lake
    for page in ("first_response", "resolution", "escalations", "agent_quality"):
        at.switch_page(f"views/{page}.py").run()
        assert [e.message for e in at.exception] == [], page
    at.switch_page("views/sql.py").run()  # the analysts' SQL over the lake: macros, cleaned tables
    at.text_area(key="sql_text").set_value(
        "select pct_frt_within_sla(m.frt_sla) as pct, count(distinct t.ticket_id) as n "
        "from ticket_metrics m join tickets t using (source, ticket_id)")
    at.button(key="sql_run").click().run()
    assert [e.message for e in at.exception] == []
    grid = [df.value for df in at.dataframe if list(df.value.columns) == ["pct", "n"]]
    assert grid and (round(grid[0]["pct"].iloc[0], 6), grid[0]["n"].iloc[0]) == (round(100 * 9 / 13, 6), 14)
    at.text_area(key="sql_text").set_value(f"copy ticket_metrics to '{sample['spark']}/x.parquet'")
    at.button(key="sql_run").click().run()
    assert any("Only queries can run here" in e.value for e in at.error)


def test_lake_connection_reads_only_its_folders(sample: dict[str, Path]) -> None:
    from etl.lake import reader as lake_reader
    from etl.query import sqlguard

    version, lake = lake_reader.folders(resolve_live(sample["duckdb"]))
    assert lake == sample["lake"]
    con = sqlguard.connect_folders([version, lake], lambda c: lake_reader.create_views(c, version, lake))
    assert con.execute("select pct_frt_within_sla(frt_sla) from ticket_metrics").fetchall() == [(100 * 9 / 13,)]
    assert con.execute("select count(*) from tickets").fetchall() == [(14,)]
    with pytest.raises(duckdb.PermissionException):
        con.execute("select * from read_csv('/etc/passwd')")
    with pytest.raises(duckdb.InvalidInputException, match="Cannot change configuration option"):
        con.execute("set enable_external_access = true")  # locked, not merely mistyped
    assert con.execute("select comment from duckdb_views() where view_name = 'ticket_metrics'").fetchall()[0][0]


# --- the SQL translation ------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["spark", "trino"])
def test_every_model_transpiles(engine: str) -> None:
    for path, _ in MODELS:
        sql = portable.model_sql(path, engine)  # raises on a construct sqlglot cannot translate
        low = sql.lower()
        for duckdb_only in ("epoch_us(", "isodow(", "list_contains(", "pct_", " semi join", "::"):
            assert duckdb_only not in low, (engine, path, duckdb_only)
        assert " timezone(" not in low.replace("at_timezone(", "")


def test_engine_specific_rewrites() -> None:
    def compact(engine: str) -> str:
        return "".join(portable.translate("select isodow(timezone(z, t)) as d, epoch_us(t) as e from x",
                                          engine).split())

    assert "((DAYOFWEEK(CAST(FROM_UTC_TIMESTAMP(t,z)ASTIMESTAMP_NTZ))+5)%7)+1ASd" in compact("spark")
    assert "UNIX_MICROS(t)ASe" in compact("spark")
    assert "DAY_OF_WEEK(CAST(AT_TIMEZONE(t,z)ASTIMESTAMP))ASd" in compact("trino")
    assert "CAST(ROUND(TO_UNIXTIME(t)*1000000)ASBIGINT)ASe" in compact("trino")


def test_macros_keep_one_definition() -> None:
    """The rate macros are expanded from etl/sql/marts/metric_macros.sql, not rewritten."""
    sql = " ".join(portable.translate("select pct_reviews_with(error_types, 'policy') as r from q",
                                      "spark").split())
    assert ("CAST(100 AS DOUBLE) * COUNT(*) FILTER(WHERE ARRAY_CONTAINS(error_types, 'policy')) "
            "/ NULLIF(COUNT(*), 0) AS r") in sql
    assert set(portable.macros()) == {"pct_frt_within_sla", "pct_escalated", "pct_reopened",
                                      "pct_csat_satisfied", "pct_reviews_with_error", "pct_reviews_with",
                                      "pct_followed_by_repeat", "pct_first_contact_resolved",
                                      "pct_complete", "qa_error_types", "pct_contained", "pct_handed_off",
                                      "pct_assistant_reach", "assistant_human_minutes", "assistant_minutes_basis",
                                      "assistant_hours_freed"}
    # a macro without parameters too: the error types' list, as Spark writes an array
    sql = " ".join(portable.translate("select unnest(qa_error_types()) as e", "spark").split())
    assert "ARRAY('communication', 'product_knowledge', 'timeliness', 'incomplete_record', 'policy', 'other')" in sql


def test_lake_sql_command_prints_translated_models() -> None:
    proc = subprocess.run([sys.executable, "-m", "etl", "lake", "sql", "--engine", "trino", "ticket_metrics"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("-- ticket_metrics (trino)") and "AT_TIMEZONE" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "etl", "lake", "sql", "--engine", "spark", "nope"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "unknown model" in proc.stdout


# --- the export -----------------------------------------------------------------------------

def mtimes(lake: Path) -> dict[str, int]:
    return {str(p.relative_to(lake)): p.stat().st_mtime_ns for p in lake.rglob("*.parquet")}


def test_export_is_incremental(tmp_path: Path) -> None:
    info = generate(3_000, seed=3, out=tmp_path / "export")
    settings = settings_with(tmp_path, {})
    load([tmp_path / "export"], settings, as_of=info.as_of)
    lake = tmp_path / "lake"
    first = lake_export.export(settings, lake)
    months = sorted(p.name for p in (lake / "tickets").iterdir())
    assert len(months) >= 12 and first.unchanged == 0
    manifest = json.loads((lake / "manifest.json").read_text())
    con = reader()
    assert con.execute(f"select count(*) from read_parquet('{lake}/tickets/*/*.parquet')").fetchall() == [(3_000,)]
    assert sum(p["rows"] for p in manifest["tables"]["tickets"]["partitions"].values()) == 3_000

    again = lake_export.export(settings, lake)
    assert again.written == [] and again.unchanged == first.unchanged + len(first.written)

    before = mtimes(lake)
    month = months[3].split("=")[1]
    extra = tmp_path / "late.csv"
    extra.write_text("ticket_id,created_at,channel,category\n"
                     f"LATE-1,{month}-10T09:00:00+08:00,email,refund\n"
                     f"LATE-2,{month}-11T10:00:00+08:00,chat,refund\n", encoding="utf-8")
    load([extra], settings, as_of=info.as_of)
    third = lake_export.export(settings, lake)
    after = mtimes(lake)
    changed = {k for k in before if after.get(k) != before[k]}
    assert f"tickets/created_month={month}/part.parquet" in changed
    assert not any(k.startswith("tickets/") and month not in k for k in changed)
    assert not any(k.startswith(("ticket_events/", "qa_reviews/")) for k in changed)
    assert "calendar_hours/part.parquet" not in changed
    assert f"tickets/created_month={month}" in third.written
    manifest = json.loads((lake / "manifest.json").read_text())
    assert sum(p["rows"] for p in manifest["tables"]["tickets"]["partitions"].values()) == 3_002


def test_failed_export_keeps_every_partition_whole(tmp_path: Path, sample_warehouse: Settings,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    lake = tmp_path / "lake"
    lake_export.export(sample_warehouse, lake)
    manifest_before = (lake / "manifest.json").read_text()
    calls = {"n": 0}
    real = lake_export._atomic_copy

    def failing(con, query, target, params=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real(con, query, target, params)

    monkeypatch.setattr(lake_export, "_atomic_copy", failing)
    shutil.rmtree(lake / "tickets")  # forces rewrites
    with pytest.raises(OSError):
        lake_export.export(sample_warehouse, lake)
    assert (lake / "manifest.json").read_text() == manifest_before
    assert not list(lake.rglob(".*tmp*"))
    con = reader()
    for part in lake.rglob("*.parquet"):  # every file there is a whole Parquet file
        con.execute(f"select count(*) from read_parquet('{part}')").fetchall()


def test_export_refuses_a_foreign_folder_and_a_missing_warehouse(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(WarehouseError, match="no warehouse"):
        lake_export.export(settings, tmp_path / "lake")
    load_sample(settings)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a lake"):
        lake_export.export(settings, tmp_path / "busy")


def test_tables_without_rows_still_compute(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, {})
    load([SAMPLE / "tickets.csv"], settings, as_of=SAMPLE_AS_OF)
    lake = tmp_path / "lake"
    lake_export.export(settings, lake)
    assert (lake / "qa_reviews" / "reviewed_month=empty" / "part.parquet").exists()
    counts = lake_metrics.run("duckdb", lake, tmp_path / "m")
    assert counts["qa_reviews_scored"] == 0 and counts["ticket_metrics"] > 0


# --- publishing the metrics -----------------------------------------------------------------

def test_metrics_runs_publish_versions_atomically(tmp_path: Path, sample_warehouse: Settings,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    lake = tmp_path / "lake"
    lake_export.export(sample_warehouse, lake)
    out = tmp_path / "metrics"
    for _ in range(4):
        lake_metrics.run("duckdb", lake, out)
    assert resolve_live(out).name == "v000004"
    kept = sorted(p.name for p in (tmp_path / ".metrics.versions").iterdir())
    assert kept == ["v000002", "v000003", "v000004"]

    def broken(lake: Path, folder: Path, *_: object) -> dict[str, int]:
        (folder / "ticket_metrics").mkdir()
        raise RuntimeError("engine failed")

    monkeypatch.setattr(lake_metrics, "run_duckdb", broken)
    with pytest.raises(lake_metrics.LakeError, match="engine failed; .* is unchanged"):
        lake_metrics.run("duckdb", lake, out)
    assert resolve_live(out).name == "v000004"
    assert sorted(p.name for p in (tmp_path / ".metrics.versions").iterdir()) == kept


def test_metrics_errors_are_clear(tmp_path: Path) -> None:
    (tmp_path / "notalake").mkdir()
    proc = subprocess.run([sys.executable, "-m", "etl", "lake", "metrics", "--engine", "duckdb",
                           "--lake", str(tmp_path / "notalake"), "--out", str(tmp_path / "m")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "is not a lake (no manifest.json)" in proc.stdout
    with pytest.raises(ConfigError, match="--master and --conf are for --engine spark"):
        lake_metrics.run("duckdb", tmp_path / "notalake", tmp_path / "m", master="spark://x:7077")
    proc = subprocess.run([sys.executable, "-m", "etl", "lake", "metrics", "--engine", "spark", "--lake",
                           str(tmp_path / "notalake"), "--out", str(tmp_path / "m"), "--conf", "driver"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and "give KEY=VALUE" in proc.stdout


def test_cli_export_and_duckdb_metrics(tmp_path: Path, sample_warehouse: Settings) -> None:
    db = str(sample_warehouse.warehouse_path)
    lake, out = tmp_path / "lake", tmp_path / "m"
    proc = subprocess.run([sys.executable, "-m", "etl", "lake", "export", "--out", str(lake), "--db", db],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "tickets 14" in proc.stdout
    (out.parent / "m-existing").mkdir()
    (out.parent / "m-existing" / "x").write_text("x")
    proc = subprocess.run([sys.executable, "-m", "etl", "lake", "metrics", "--engine", "duckdb", "--lake",
                           str(lake), "--out", str(out.parent / "m-existing")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 2 and "not a metrics folder" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "etl", "lake", "metrics", "--engine", "duckdb", "--lake",
                           str(lake), "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ticket_metrics 14" in proc.stdout


def test_dashboard_reads_metrics_computed_before_an_output_was_added(sample: dict[str, Path], tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A metrics version computed before dimension_values existed (kept, or not yet
    recomputed) still opens: the filter lists come from ticket_metrics."""
    import shutil

    metrics = tmp_path / "metrics"
    shutil.copytree(sample["spark"], metrics, symlinks=True)
    for output in [d for d in metrics.rglob("dimension_values") if d.is_dir() and not d.is_symlink()]:
        shutil.rmtree(output)
    assert not list(metrics.rglob("dimension_values"))
    at = lake_dashboard(metrics, tmp_path, monkeypatch)
    assert [e.message for e in at.exception] == []
    assert {x.label: x.value for x in at.metric}["Tickets"] == "14"
    assert len(at.sidebar.multiselect(key="f_channel").options) > 1
