"""Incremental and idempotent loads: the same content twice, renamed files, overlapping
exports, newer and older versions of a ticket."""

from __future__ import annotations

import shutil
from pathlib import Path

from etl.load.run import load
from etl.warehouse.versions import resolve_live
from tests.helpers import SAMPLE, SAMPLE_AS_OF, load_sample, metrics_by_ticket, query


def snapshot(settings) -> tuple:  # type: ignore[no-untyped-def]
    return (
        query(settings, "select * exclude (run_id) from tickets order by all"),
        query(settings, "select * exclude (run_id) from ticket_events order by all"),
        query(settings, "select * from ticket_metrics order by all"),
        query(settings, "select * exclude (run_id) from rejects order by all"),
    )


def test_same_export_twice_changes_nothing(settings) -> None:  # type: ignore[no-untyped-def]
    load_sample(settings)
    before = snapshot(settings)
    version_file = resolve_live(settings.warehouse_path)
    result = load_sample(settings)
    assert not result.published
    assert all(f.status == "skipped_already_loaded" for f in result.files)
    assert resolve_live(settings.warehouse_path) == version_file
    assert snapshot(settings) == before


def test_renamed_file_is_recognised_by_content(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_sample(settings)
    before = snapshot(settings)
    renamed = tmp_path / "export-2026-01-13.csv"
    shutil.copyfile(SAMPLE / "tickets.csv", renamed)
    result = load([renamed], settings, as_of=SAMPLE_AS_OF)
    assert result.files[0].status == "skipped_already_loaded"
    assert snapshot(settings) == before


def test_overlapping_export_keeps_newest_versions(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_sample(settings)
    count = query(settings, "select count(*) from tickets")[0][0]
    # a later export that repeats T2 unchanged, T3 with a newer update (answered now),
    # T9 with an older version, plus one new ticket
    overlap = tmp_path / "overlap.csv"
    header = (SAMPLE / "tickets.csv").read_text(encoding="utf-8").splitlines()[0]
    lines = [line for line in (SAMPLE / "tickets.csv").read_text(encoding="utf-8").splitlines()
             if line.startswith("T2,")]
    overlap.write_text("\n".join([
        header,
        *lines,
        "T3,2026-01-06 10:00:00,2026-01-12 09:00:00,chat,transaction_delay,normal,solved,frontline,A1,"
        "2026-01-12 08:00:00,2026-01-12 09:00:00,,0,,0,,C102,zh,转账一直在确认中",
        "T9,2026-01-08 09:00:00,2026-01-08 09:30:00,email,transaction_delay,normal,new,payments,,,,,0,,0,,C108,zh,到账慢",
        "T20,2026-01-12 09:00:00,2026-01-12 09:00:00,chat,app_usage,low,new,frontline,,,,,0,,0,,C120,en,new one",
    ]) + "\n", encoding="utf-8")
    result = load([overlap], settings, as_of=SAMPLE_AS_OF)
    f = result.files[0]
    assert (f.rows_read, f.rows_inserted, f.rows_updated, f.rows_skipped, f.rows_rejected) == (4, 1, 1, 2, 0)
    assert f.reconciles
    assert query(settings, "select count(*) from tickets")[0][0] == count + 1
    m = metrics_by_ticket(settings)
    assert m["T3"]["first_response_minutes"] == 6 * 1440 - 120  # Tue 10:00 → Mon 08:00
    assert m["T3"]["status"] == "solved"
    assert m["T9"]["status"] == "solved"  # the older version did not win
    assert query(settings, "select count(*) - count(distinct ticket_id) from tickets") == [(0,)]


def test_events_exported_twice_are_not_doubled(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_sample(settings)
    events = query(settings, "select count(*) from ticket_events")[0][0]
    again = tmp_path / "events-again.csv"
    again.write_text((SAMPLE / "events.csv").read_text(encoding="utf-8")
                     + "T6,2026-01-09 11:00:00,customer_reply,C105,customer,thanks\n", encoding="utf-8")
    result = load([again], settings, as_of=SAMPLE_AS_OF)
    f = result.files[0]
    assert (f.rows_inserted, f.rows_rejected) == (1, 1)
    assert f.rows_skipped == 9 and f.reconciles
    assert query(settings, "select count(*) from ticket_events")[0][0] == events + 1


def test_ticket_without_updated_at_replaced_only_when_changed(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = tmp_path / "a.csv"
    first.write_text("ticket_id,created_at,status\nN1,2026-01-05 09:00,open\n", encoding="utf-8")
    second = tmp_path / "b.csv"
    second.write_text("ticket_id,created_at,status,resolved_at\nN1,2026-01-05 09:00,solved,2026-01-05 10:00\n"
                      "N1,2026-01-05 09:00,solved,2026-01-05 10:00\n", encoding="utf-8")
    load([first], settings, as_of=SAMPLE_AS_OF)
    result = load([second], settings, as_of=SAMPLE_AS_OF)
    f = result.files[0]
    assert (f.rows_updated, f.rows_skipped) == (1, 1)
    assert metrics_by_ticket(settings)["N1"]["resolution_minutes"] == 60


def test_sources_keep_their_own_ticket_ids(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = tmp_path / "a.csv"
    a.write_text("ticket_id,created_at\n1,2026-01-05 09:00\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text("ticket_id,created_at\n1,2026-01-06 09:00\n", encoding="utf-8")
    load([a], settings, source="zendesk", as_of=SAMPLE_AS_OF)
    load([b], settings, source="freshdesk", as_of=SAMPLE_AS_OF)
    assert query(settings, "select source, ticket_id from ticket_metrics order by source") == [
        ("freshdesk", "1"), ("zendesk", "1")]


def test_run_log_rows(settings) -> None:  # type: ignore[no-untyped-def]
    load_sample(settings)
    runs = query(settings, "select run_id, command, status, files, rows_read, rows_loaded, rows_rejected, "
                           "rows_skipped, as_of from load_runs")
    assert len(runs) == 1
    run_id, command, status, files, read, loaded, rejected, skipped, as_of = runs[0]
    assert (run_id, command, status, files) == (1, "load", "published", 5)
    assert read == loaded + rejected + skipped == 37
    assert as_of == SAMPLE_AS_OF
    log = (settings.warehouse_path.parent / "etl-runs.jsonl").read_text(encoding="utf-8")
    assert '"status": "published"' in log


def test_warehouse_of_an_earlier_version_gains_the_new_columns(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A warehouse written before a column was added to the schema takes the next load: the
    column is added (empty for the rows it held), the metrics are rebuilt in full, the run
    says so, and the figures equal those of a warehouse built by this version."""
    import duckdb

    load([SAMPLE / "tickets.csv", SAMPLE / "events.csv"], settings, as_of=SAMPLE_AS_OF)
    con = duckdb.connect(str(resolve_live(settings.warehouse_path)))
    con.execute("alter table tickets drop column frt_sla_reported")
    con.execute("alter table tickets drop column frt_sla_reported_raw")
    con.close()
    result = load([SAMPLE / "tickets_update.csv"], settings, as_of=SAMPLE_AS_OF)
    assert any("earlier version of the ETL" in w and "tickets.frt_sla_reported" in w for w in result.warnings)
    assert query(settings, "select value from warehouse_meta where key = 'models_built'") == [("full",)]
    columns = {c for (c,) in query(settings, "select column_name from duckdb_columns() where table_name = 'tickets'")}
    assert {"frt_sla_reported", "frt_sla_reported_raw"} <= columns

    from etl.core.settings import load_settings
    fresh = load_settings(db=tmp_path / "fresh" / "warehouse.duckdb")
    load([SAMPLE / "tickets.csv", SAMPLE / "events.csv"], fresh, as_of=SAMPLE_AS_OF)
    load([SAMPLE / "tickets_update.csv"], fresh, as_of=SAMPLE_AS_OF)
    def without_customer(m: dict) -> dict:  # each warehouse has its own salt for the customer hash
        return {k: {c: v for c, v in row.items() if c != "customer_id"} for k, row in m.items()}

    assert without_customer(metrics_by_ticket(settings)) == without_customer(metrics_by_ticket(fresh))


def test_warehouse_of_an_earlier_version_keeps_its_models_and_judges_its_files(settings) -> None:  # type: ignore[no-untyped-def]
    """Written by an earlier version: process_target_results a view (now a table recomputed at
    every build) and load_files without `fields`. The next load replaces the view by the table
    with the same rows, adds the column, and the files recorded before it (fields NULL) are
    judged on every completeness rule (what they record is not known)."""
    import duckdb

    load([SAMPLE / "tickets.csv", SAMPLE / "events.csv"], settings, as_of=SAMPLE_AS_OF)
    results = "select source, ticket_id, target, verdict from process_target_results order by all"
    expected = query(settings, results)
    unrecorded = query(settings, "select count(*) from ticket_completeness where len(unrecorded_items) > 0")
    assert unrecorded[0][0] > 0, "the sample's export records no resolution note"
    con = duckdb.connect(str(resolve_live(settings.warehouse_path)))
    sql = con.execute("select sql from duckdb_tables() where table_name = 'process_target_results'").fetchall()
    assert sql, "process_target_results is a stored table"
    con.execute("create temp table keep as select * from process_target_results")
    con.execute("drop table process_target_results")
    con.execute("create view process_target_results as select * from ticket_metrics where false")
    con.execute("alter table load_files drop column fields")
    con.close()
    load([SAMPLE / "tickets_update.csv"], settings, as_of=SAMPLE_AS_OF)
    kinds = query(settings, "select 'table' from duckdb_tables() where table_name = 'process_target_results' "
                            "union all select 'view' from duckdb_views() where view_name = 'process_target_results'")
    assert kinds == [("table",)]
    assert len(query(settings, results)) >= len(expected) > 0
    files = query(settings, "select file_name, fields is null from load_files order by run_id, file_name")
    assert files[:2] == [("events.csv", True), ("tickets.csv", True)]
    assert all(not empty for _name, empty in files[2:])
    # tickets last loaded from a file of unknown fields: every rule applies, none is "not recorded";
    # those of the update's file: judged on what it records
    by_run = dict(query(settings, """
        select t.run_id, count(*) filter (where len(c.unrecorded_items) > 0)
        from ticket_completeness c join tickets t using (source, ticket_id) group by 1"""))
    assert by_run[1] == 0 and by_run[2] > 0  # the update has no resolution-note column either


def test_an_error_inside_a_file_is_reported_as_itself(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A database error while a file is merged reaches the user as that error, not as the
    "transaction is aborted" of the clean-up after it; nothing is published."""
    import pytest

    from etl.core import sqlfiles
    from etl.core.errors import PublishError
    from etl.load import merge

    original = sqlfiles.steps

    def broken(name):  # type: ignore[no-untyped-def]
        found = dict(original(name))
        if name == "load/merge_tickets":
            found["map"] = found["map"].replace("s.subcategory,", "s.no_such_column,", 1)
        return found

    monkeypatch.setattr(merge.sqlfiles, "steps", broken)
    with pytest.raises(PublishError) as caught:
        load([SAMPLE / "tickets.csv"], settings, as_of=SAMPLE_AS_OF)
    assert "no_such_column" in str(caught.value)
    assert "aborted" not in str(caught.value)
    assert not settings.warehouse_path.exists()


def test_a_file_changed_after_it_was_hashed_is_hashed_again(settings, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Files are hashed ahead of the load; one written to in between is recorded with the
    hash of what was loaded, so that loading that content again is recognised."""
    from etl.ingest.read import file_sha256
    from etl.load import run as load_module

    export = tmp_path / "b.csv"
    export.write_text("ticket_id,created_at\nH2,2026-01-05 10:00\n", encoding="utf-8")
    real = load_module.hash_with_stamp

    def hash_then_written_to(path: Path):  # type: ignore[no-untyped-def]
        hashed = real(path)
        with path.open("a", encoding="utf-8") as fh:  # the exporter was not quite done
            fh.write("H3,2026-01-05 11:00\n")
        return hashed

    monkeypatch.setattr(load_module, "hash_with_stamp", hash_then_written_to)
    result = load([export], settings, as_of=SAMPLE_AS_OF)
    assert result.files[0].sha256 == file_sha256(export)
    assert query(settings, "select count(*) from tickets where ticket_id in ('H2', 'H3')") == [(2,)]
