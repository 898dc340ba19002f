"""Atomic publish: a killed load leaves the last good state, readers never see half a load
nor fail on a lock, one writer at a time, and the WAL traps are handled."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from etl.core.errors import LockHeldError
from etl.core.settings import load_settings
from etl.devtools.generate import generate
from etl.load.run import load
from etl.warehouse.publish import writer_lock
from etl.warehouse.versions import point_live_to, resolve_live
from tests.helpers import ROOT, SAMPLE, SAMPLE_AS_OF, query

DEMO_AS_OF = "2026-10-01T00:00:00+08:00"
KILL_ROUNDS = 10  # kills of a running load (test_killed_load_leaves_last_good_state)


def state(db: Path) -> tuple[int, int, int]:
    """(version, tickets, events) of the published warehouse, read as the dashboard would."""
    con = duckdb.connect(str(resolve_live(db)), read_only=True)
    try:
        version = int(con.execute("select value from warehouse_meta where key = 'version'").fetchall()[0][0])
        tickets = con.execute("select count(*) from ticket_metrics").fetchall()[0][0]
        events = con.execute("select count(*) from ticket_events").fetchall()[0][0]
        return version, tickets, events
    finally:
        con.close()


def load_cmd(db: Path, folder: Path) -> list[str]:
    return [sys.executable, "-m", "etl", "load", str(folder), "--db", str(db), "--as-of", DEMO_AS_OF]


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    # (6,000 tickets: a load's time here is mostly its fixed steps, so a smaller export
    # leaves each phase about as long and every kill round cheaper; 20,000 before)
    generate(6_000, seed=3, out=out)
    return out


@pytest.mark.slow
def test_killed_load_leaves_last_good_state(tmp_path: Path, demo_export: Path) -> None:
    db = tmp_path / "wh" / "warehouse.duckdb"
    settings = load_settings(db=db)
    load([SAMPLE], settings, as_of=SAMPLE_AS_OF)
    good = resolve_live(db)  # the published version file of state A
    state_a = state(db)

    # how long a whole load takes here, so that kills land all through it
    started = time.monotonic()
    subprocess.run(load_cmd(db, demo_export), cwd=ROOT, check=True, capture_output=True)
    duration = time.monotonic() - started
    state_b = state(db)
    assert state_b[0] == state_a[0] + 1 and state_b[1] > state_a[1]
    saved = tmp_path / "good.duckdb"
    shutil.copyfile(good, saved)

    def back_to_a() -> None:
        # as a rollback would; every publish takes a new number and three are kept, so
        # state A's version file may have been pruned since
        if not good.exists():
            shutil.copyfile(saved, good)
        point_live_to(db, good)

    back_to_a()

    # one kill in each of KILL_ROUNDS equal slices of a whole load (and a little beyond its
    # end), at a random point inside the slice: every phase longer than a slice (start-up,
    # staging, merge, models, checks, publish) is hit on every run, shorter ones by chance
    # (before: up to 25 kills at uniform random points, cut short by a 40 s deadline)
    rng = random.Random(11)
    window = duration * 1.1
    kill_at = [(k + rng.random()) * window / KILL_ROUNDS for k in range(KILL_ROUNDS)]
    outcomes = {"old": 0, "new": 0}
    for delay in kill_at:
        proc = subprocess.Popen(load_cmd(db, demo_export), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = state(db)  # opens read-only: must never fail
        assert now[1:] in (state_a[1:], state_b[1:]), (delay, now)  # (the version number moves on)
        if now[1:] == state_b[1:]:
            outcomes["new"] += 1
            back_to_a()
        else:
            outcomes["old"] += 1
    assert outcomes["old"] > 0

    # the next load completes the work exactly once and clears the killed builds' files
    subprocess.run(load_cmd(db, demo_export), cwd=ROOT, check=True, capture_output=True)
    assert state(db)[1:] == state_b[1:]
    assert query(settings, "select count(*) - count(distinct ticket_id) from tickets") == [(0,)]
    leftovers = [p.name for p in db.parent.iterdir() if ".build-" in p.name]
    assert leftovers == []


@pytest.mark.slow
def test_reader_never_blocked_nor_sees_half_a_load(tmp_path: Path, demo_export: Path) -> None:
    db = tmp_path / "wh" / "warehouse.duckdb"
    settings = load_settings(db=db)
    load([SAMPLE], settings, as_of=SAMPLE_AS_OF)
    published = {state(db)}
    seen: set[tuple[int, int, int]] = set()
    errors: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        # a long-lived connection (like a dashboard session) and fresh ones, in turn
        held = duckdb.connect(str(resolve_live(db)), read_only=True)
        held_state = state(db)
        while not stop.is_set():
            try:
                seen.add(state(db))
                count = held.execute("select count(*) from ticket_metrics").fetchall()[0][0]
                assert count == held_state[1]
            except Exception as exc:  # any error is a failure of the publish design
                errors.append(repr(exc))
        held.close()

    # a separate process reads too, so that locks between processes are exercised
    probe = ("import duckdb,sys,time\n"
             "end=time.time()+float(sys.argv[2]); n=0\n"
             "while time.time()<end:\n"
             "    c=duckdb.connect(sys.argv[1], read_only=True)  # the live name itself\n"
             "    c.execute('select count(*) from ticket_metrics').fetchall(); c.close(); n+=1\n"
             "print(n)\n")
    other = subprocess.Popen([sys.executable, "-c", probe, str(db), "8"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(3):
            folder = tmp_path / f"batch{i}"
            generate(4_000, seed=100 + i, out=folder)
            # distinct ticket ids per batch: rename T → B{i}
            for f in folder.glob("*.csv"):
                f.write_text(f.read_text(encoding="utf-8").replace('"T0', f'"B{i}'), encoding="utf-8")
            subprocess.run(load_cmd(db, folder), cwd=ROOT, check=True, capture_output=True)
            published.add(state(db))
    finally:
        stop.set()
        thread.join()
    out, err = other.communicate(timeout=60)
    assert other.returncode == 0, err
    assert int(out.strip()) > 0
    assert errors == []
    assert seen <= published, seen - published
    assert len(seen) >= 2


HOLD_LOCK = ("import sys, time; from pathlib import Path; from etl.warehouse.publish import writer_lock\n"
             "with writer_lock(Path(sys.argv[1])):\n"
             "    print('held', flush=True); time.sleep(float(sys.argv[2]))\n")


def hold_lock_elsewhere(db: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db), str(seconds)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_second_writer_refused(settings) -> None:  # type: ignore[no-untyped-def]
    holder = hold_lock_elsewhere(settings.warehouse_path, 30)
    try:
        with pytest.raises(LockHeldError, match=str(holder.pid)):
            load([SAMPLE], settings, as_of=SAMPLE_AS_OF)
        proc = subprocess.run([sys.executable, "-m", "etl", "load", str(SAMPLE), "--db",
                               str(settings.warehouse_path)], cwd=ROOT, capture_output=True, text=True)
        assert proc.returncode == 3
        assert "Another load is running" in proc.stdout
    finally:
        holder.kill()
        holder.wait()
    # the holder was killed: the kernel released its lock, the next load takes over
    with writer_lock(settings.warehouse_path) as previous:
        assert previous == str(holder.pid)
    load([SAMPLE], settings, as_of=SAMPLE_AS_OF)


def test_lock_is_reentrant_in_one_process(settings) -> None:  # type: ignore[no-untyped-def]
    with writer_lock(settings.warehouse_path):
        load([SAMPLE], settings, as_of=SAMPLE_AS_OF)  # a refresh holds the lock across its loads


def test_stale_live_wal_removed_at_publish(settings) -> None:  # type: ignore[no-untyped-def]
    load([SAMPLE], settings, as_of=SAMPLE_AS_OF)
    wal = Path(f"{settings.warehouse_path}.wal")
    wal.write_bytes(b"garbage from a crashed writer")
    extra = settings.warehouse_path.parent / "extra.csv"
    extra.write_text("ticket_id,created_at\nW1,2026-01-05 09:00\n", encoding="utf-8")
    load([extra], settings, as_of=SAMPLE_AS_OF)
    assert not wal.exists()
    assert query(settings, "select count(*) from tickets where ticket_id = 'W1'") == [(1,)]


def test_failed_check_publishes_nothing(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from etl.core import sqlfiles
    from etl.core.errors import PublishError
    from etl.warehouse import checks

    load([SAMPLE], settings, as_of=SAMPLE_AS_OF)
    before = settings.warehouse_path.read_bytes()
    monkeypatch.setattr(checks, "CHECKS", (("tickets_unique", "error"), ("always_fails", "error")))
    real = sqlfiles.sql_text

    def fake(name: str, root=sqlfiles.SQL_DIR) -> str:  # type: ignore[no-untyped-def]
        return "select 1 as broken" if name.endswith("always_fails") else real(name, root)

    monkeypatch.setattr(checks.sqlfiles, "sql_text", fake)
    extra = settings.warehouse_path.parent / "extra.csv"
    extra.write_text("ticket_id,created_at\nW1,2026-01-05 09:00\n", encoding="utf-8")
    with pytest.raises(PublishError, match="always_fails"):
        load([extra], settings, as_of=SAMPLE_AS_OF)
    assert settings.warehouse_path.read_bytes() == before
    assert [p.name for p in settings.warehouse_path.parent.iterdir() if ".build-" in p.name] == []


def test_uniqueness_checks_find_a_duplicate_ticket(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The uniqueness checks group by hashes first; a repeated ticket is still reported, with
    its key and number of copies, in tickets and in ticket_metrics alike."""
    from etl.warehouse import checks

    load([SAMPLE], settings, as_of=SAMPLE_AS_OF)
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(resolve_live(settings.warehouse_path), copy)
    con = duckdb.connect(str(copy))
    try:
        for table in ("tickets", "ticket_metrics", "qa_reviews", "ticket_stage_times"):
            con.execute(f"create temp view {table}_in_scope as select * from {table}")
        assert {r.name: r.rows for r in checks.run_checks(con)}["tickets_unique"] == 0
        ticket = con.execute("select ticket_id from tickets order by ticket_id limit 1").fetchall()[0][0]
        for table in ("tickets", "ticket_metrics"):
            con.execute(f"insert into {table} select * from {table} where ticket_id = ?", [ticket])
        found = {r.name: r for r in checks.run_checks(con)}
        for name in ("tickets_unique", "ticket_metrics_unique"):
            assert found[name].rows == 1
            assert [row[1:] for row in found[name].sample] == [(ticket, 2)]
    finally:
        con.close()


def test_a_build_with_much_free_space_is_published_compacted(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A full rebuild frees the old marts' blocks; the published version is written afresh:
    smaller, with the same rows in every table and the same views, macros and comments."""
    from etl.load.run import rebuild
    from etl.warehouse import publish

    out = settings.warehouse_path.parent / "demo"
    generate(3000, seed=5, out=out)
    load([out], settings, as_of=SAMPLE_AS_OF)

    def dump(path: Path) -> dict[str, object]:
        con = duckdb.connect(str(path), read_only=True)
        try:
            tables = [r[0] for r in con.execute("select table_name from duckdb_tables() order by 1").fetchall()]
            return {
                # (each rebuild adds its run and moves the version: the rest must be equal)
                "rows": {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables
                         if t not in ("warehouse_meta", "load_runs")},
                "views": con.execute("select view_name, sql from duckdb_views() where not internal order by 1").fetchall(),
                "macros": con.execute("select function_name, macro_definition from duckdb_functions() "
                                      "where function_type = 'macro' and not internal order by 1").fetchall(),
                "comments": con.execute("select table_name, column_name, comment from duckdb_columns() "
                                        "where comment is not null order by all").fetchall(),
                "free": con.execute("select free_blocks from pragma_database_size()").fetchall()[0][0],
            }
        finally:
            con.close()

    monkeypatch.setattr(publish, "COMPACT_FREE_BYTES", 1 << 40)  # never: the state to compare with
    rebuild(settings)
    uncompacted = resolve_live(settings.warehouse_path)
    before = dump(uncompacted)
    assert before["free"] > 0
    monkeypatch.setattr(publish, "COMPACT_FREE_BYTES", 0)
    rebuild(settings)
    compacted = resolve_live(settings.warehouse_path)
    after = dump(compacted)
    assert compacted != uncompacted and compacted.stat().st_size < uncompacted.stat().st_size
    assert after["free"] == 0
    for key in ("rows", "views", "macros", "comments"):
        assert after[key] == before[key], key
    leftovers = [p.name for p in settings.warehouse_path.parent.iterdir() if ".build-" in p.name]
    assert leftovers == []
